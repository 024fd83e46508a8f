"""The five bundled keys, rendered once for the tests that read them (.tex, .md, .pdf, .log)."""

from __future__ import annotations

import glob
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = sorted(glob.glob(str(ROOT / "derivations" / "*.toml")))


@pytest.fixture(scope="session")
def rendered_keys(tmp_path_factory, torch) -> Path:
    """Every bundled key as .tex and .md (torch checks included), in one directory."""
    from symconv.cli import main

    out = tmp_path_factory.mktemp("bundled-keys")
    assert main(["key", *BUNDLED, "-o", str(out)]) == 0
    assert main(["key", *BUNDLED, "-o", str(out), "--format", "md"]) == 0
    return out


@pytest.fixture(scope="session")
def compiled_keys(rendered_keys, pdflatex) -> Path:
    """The bundled keys compiled by pdflatex, each with its .log kept."""
    for tex in sorted(rendered_keys.glob("*.tex")):
        proc = subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error", tex.name],
                              cwd=rendered_keys, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, f"{tex.name}: {proc.stdout[-2000:]}"
    return rendered_keys


@pytest.fixture(scope="session")
def handed_out(tmp_path_factory) -> Path:
    """Everything else a reader gets from the bundled files: sheets, JSON keys, a --seed
    variant and one student's sheet and key (LaTeX, Markdown, JSON), without torch."""
    from symconv.cli import main

    out = tmp_path_factory.mktemp("handed-out")
    runs = [["--sheet"], ["--sheet", "--format", "md"], ["--format", "json"],
            ["--seed", "7"], ["--seed", "7", "--format", "md"]]
    runs += [["--student", "s001", "--salt", "leak-test", "--format", fmt]
             for fmt in ("tex", "md", "json")]
    for i, extra in enumerate(runs):
        assert main(["key", *BUNDLED, "-o", str(out / str(i)), "--no-torch", *extra]) == 0
    return out
