"""Shared test set-up: oracles that may be missing on a user's machine.

torch and pdflatex are optional: without them their tests skip with the
reason.  CI sets SYMCONV_REQUIRE_ORACLES=1, which turns such a skip into a
failure, so a missing install step cannot hide behind a green run.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

REQUIRE_ORACLES = os.environ.get("SYMCONV_REQUIRE_ORACLES") == "1"

#: Hypothesis runs derandomized: the examples are a fixed function of each test, so a fresh
#: clone draws exactly what CI drew (no example database either).  ``make fuzz`` runs the
#: random, longer profile with a printed seed (benchmarks/fuzz_grading.py).
_COMMON = dict(deadline=None, derandomize=True, database=None, print_blob=True,
               suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("default", max_examples=40, **_COMMON)
settings.register_profile("ci", max_examples=60, **_COMMON)
PROFILE = "ci" if os.environ.get("CI") else "default"
settings.load_profile(PROFILE)


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_line(
        f"hypothesis profile {PROFILE!r}: derandomized, max_examples={settings().max_examples}")


def missing(reason: str) -> None:
    """Skip, or fail when CI requires every oracle."""
    if REQUIRE_ORACLES:
        pytest.fail(f"{reason} (SYMCONV_REQUIRE_ORACLES=1: oracles are required here)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def torch():
    try:
        import torch as _torch
    except ImportError:
        missing("PyTorch is not installed (.venv/bin/pip install torch==2.14.1 torchvision==0.29.1)")
    return _torch


@pytest.fixture(scope="session")
def torchvision(torch):
    try:
        import torchvision as _torchvision
    except ImportError:
        missing("torchvision is not installed (.venv/bin/pip install torch==2.14.1 "
                "torchvision==0.29.1)")
    return _torchvision


def _profiler(module: str):
    """Import a FLOP-counting tool (the oracles of ``tests/test_conventions.py``)."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        top = module.split(".")[0]
        missing(f"{top} is not installed (pip install -e '.[oracles]' after torch==2.14.1)")


@pytest.fixture(scope="session")
def fvcore(torch):
    return _profiler("fvcore.nn")


@pytest.fixture(scope="session")
def ptflops(torch):
    return _profiler("ptflops")


@pytest.fixture(scope="session")
def thop(torch):
    return _profiler("thop")


@pytest.fixture(scope="session")
def torchinfo(torch):
    return _profiler("torchinfo")


@pytest.fixture(scope="session")
def pdflatex() -> str:
    path = shutil.which("pdflatex")
    if path is None:
        missing("pdflatex is not installed (apt-get install texlive-latex-recommended)")
    return path  # type: ignore[return-value]


#: Where `.ci/run` installs the npm test tools (katex, markdown-it): `npm install --prefix .node`.
NODE_MODULES = Path(__file__).resolve().parent.parent / ".node" / "node_modules"


@pytest.fixture(scope="session")
def node_modules() -> Path:
    """The npm test tools (KaTeX, markdown-it), run with ``node``."""
    if shutil.which("node") is None:
        missing("node is not installed (apt-get install nodejs npm)")
    for package in ("katex", "markdown-it"):
        if not (NODE_MODULES / package).is_dir():
            missing(f"npm package {package} is not installed "
                    "(npm install --no-save --prefix .node katex@0.16 markdown-it@14)")
    return NODE_MODULES


@pytest.fixture(scope="session")
def chromium() -> str:
    """Headless Chromium for render tests (Debian's package)."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        missing("chromium is not installed (apt-get install chromium)")
    return path  # type: ignore[return-value]
