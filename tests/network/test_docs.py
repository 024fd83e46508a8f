"""docs/networks.md stays true to the code: its examples run as doctests."""

from __future__ import annotations

import doctest
from pathlib import Path

DOC = Path(__file__).parents[2] / "docs" / "networks.md"


def test_networks_guide_examples_run():
    result = doctest.testfile(str(DOC), module_relative=False,
                              optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 10
    assert result.failed == 0


def test_networks_guide_toml_example_builds():
    import re
    import tomllib

    import symconv
    from symconv.spec import build_network

    (block,) = re.findall(r"```toml\n(.*?)```", DOC.read_text(), flags=re.S)
    data = tomllib.loads(block)
    report = symconv.analyze(build_network(data["network"]), tuple(data["input"]))
    assert [row.kind for row in report.layers] == ["conv", "pool", "conv", "activation", "add",
                                                   "conv", "pool", "concat"]
    assert report.output_shape == (96, 128, 128)
    assert report.layers[1].name == "pool1"
