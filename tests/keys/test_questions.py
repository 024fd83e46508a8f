"""Question files: the loader's contract and errors naming file, question and field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sympy as sp

from symconv.keys.questions import QuestionFileError, load_assignment
from symconv.symbols import sym

ROOT = Path(__file__).resolve().parents[2]

GOOD = '''
[assignment]
title = "T"

[[question]]
id = "q1"
kind = "layer"
text = "?"
layer = { type = "Conv2d", in_channels = "c_i", out_channels = "c_o", kernel_size = "k" }
input = ["c_i", "h", "w"]
ask = ["mults"]
'''


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "assignment.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("old,new,field", [
    ('kind = "layer"', 'kind = "layers"', "kind"),
    ('text = "?"', "", "text"),
    ('kernel_size = "k"', 'kernel = "k"', "layer"),
    ('ask = ["mults"]', 'ask = ["mult"]', "ask"),
    ('ask = ["mults"]', 'ask = ["mults"]\nvalues = { k = "three" }', "values.k"),
    ('ask = ["mults"]', 'ask = ["mults"]\npoints = "ten"', "points"),
    ('ask = ["mults"]', 'ask = ["mults"]\nfoo = 1', "foo"),
    ('input = ["c_i", "h", "w"]', 'input = ["c_i", "h"]', "layer"),
    ('ask = ["mults"]', 'ask = ["mults"]\nwhere = { n = "__import__(1)" }', "where.n"),
    ('ask = ["mults"]', 'ask = ["mults"]\nfunction = { quantity = "mults", source = '
                        '"import os" }', "function.source"),
    ('text = "?"', 'text = "{{nothing}}"', "text"),
])
def test_errors_name_file_question_and_field(tmp_path, old, new, field):
    path = write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(QuestionFileError) as info:
        load_assignment(path)
    message = str(info.value)
    assert message.startswith(str(path))
    assert "question 'q1'" in message
    assert f"field {field!r}" in message
    assert info.value.field == field


def test_file_level_errors_name_the_file(tmp_path):
    for text in ("[assignment\n", "[assignment]\ntitle = 'x'\n", GOOD + GOOD):
        path = write(tmp_path, text)
        with pytest.raises(QuestionFileError, match=re.escape(str(path))):
            load_assignment(path)


def test_cli_reports_a_malformed_file_in_one_line(tmp_path, capsys):
    from symconv.cli import main

    path = write(tmp_path, GOOD.replace('"mults"', '"mult"'))
    assert main(["key", str(path), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "question 'q1'" in err and "field 'ask'" in err


def test_expected_is_symbolic_for_a_symbolic_question(tmp_path):
    q = load_assignment(write(tmp_path, GOOD)).question("q1")
    c_i, c_o, k, h, w = (sym(n) for n in ("c_i", "c_o", "k", "h", "w"))
    # The definition: c_o*h_out*w_out outputs, each a sum of c_i*k*k products.
    assert sp.simplify(q.expected - c_o * (h - k + 1) * (w - k + 1) * c_i * k * k) == 0
    assert q.domain["k"] == {"integer": True, "positive": True}
    assert set(q.domain) == {"c_i", "c_o", "k", "h", "w"}


def test_expected_is_a_number_for_a_numeric_question(torch):
    a = load_assignment(ROOT / "derivations" / "aimed_cnn_2020.toml")
    q = a.question("4.1")
    conv = torch.nn.Conv2d(int(q.values["C_in"]), int(q.values["C_out"]), int(q.values["K"]),
                           padding=int(q.values["P"]))
    n = int(q.values["W"])
    y = conv(torch.zeros(1, int(q.values["C_in"]), n, n))
    per_output = conv.weight[0].numel()
    assert q.expected == y.numel() * per_output
    assert q.domain["W"] == 256


def test_unknown_question_id_is_named(tmp_path):
    with pytest.raises(QuestionFileError, match="question 'nope'"):
        load_assignment(write(tmp_path, GOOD)).question("nope")


def test_the_documented_example_loads_and_derives(tmp_path):
    from symconv.keys.build import build_key

    doc = (ROOT / "docs" / "question-files.md").read_text()
    example = doc.split("```toml\n", 1)[1].split("```", 1)[0]
    a = load_assignment(write(tmp_path, example))
    assert [q.kind for q in a.questions] == ["layer", "network", "calculus", "prose"]
    key = build_key(a, use_torch=False)
    assert not key.failures
    assert a.question("1").expected == 64 * 128 * 9 * 256 * 256


HOSTILE = "__import__('os').system('touch {marker}')"


def test_text_in_matrices_and_placeholders_is_never_evaluated(tmp_path):
    """sp.Matrix and sympify would eval text entries; question files go through to_expr."""
    marker = tmp_path / "pwned"
    evil = HOSTILE.format(marker=marker)
    matrix = GOOD.replace('kind = "layer"', 'kind = "calculus"').replace(
        'ask = ["mults"]', f'function = "worked.padded_convolution"\n'
                           f'args = {{ matrix = [["{evil}", 1], [2, 3]] }}')
    matrix = matrix.replace('layer = { type = "Conv2d", in_channels = "c_i", out_channels = '
                            '"c_o", kernel_size = "k" }\ninput = ["c_i", "h", "w"]\n', "")
    with pytest.raises(QuestionFileError) as info:
        load_assignment(write(tmp_path, matrix))
    assert info.value.field == "args.matrix"
    from symconv.keys.questions import _as_math  # what {{field}} placeholders print through

    with pytest.raises(ValueError):
        _as_math([[evil, 1]])
    assert not marker.exists()
