"""`symconv key` on the bundled question files: runs, compiles, shows the right numbers."""

from __future__ import annotations

import glob
import subprocess
from pathlib import Path

import numpy as np
import pytest

from symconv.cli import main
from symconv.oracles.bruteforce import conv_nd

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(glob.glob(str(ROOT / "derivations" / "*.toml")))


@pytest.fixture(scope="module")
def keys_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("keys")
    assert main(["key", *FILES, "-o", str(out)]) == 0
    return out


def test_five_seed_files_are_bundled():
    assert len(FILES) == 5


def test_every_key_compiles_with_pdflatex(keys_dir, pdflatex):
    for tex in sorted(keys_dir.glob("*.tex")):
        proc = subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error", tex.name],
                              cwd=keys_dir, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, f"{tex.name}: {proc.stdout[-2000:]}"
        assert tex.with_suffix(".pdf").stat().st_size > 10_000


def _grouped(n: int) -> str:
    return f"{n:,}".replace(",", "{,}")


def test_seed_004_conv_multiplications_from_torch(keys_dir, torch):
    from torch.utils.flop_counter import FlopCounterMode

    conv = torch.nn.Conv2d(64, 128, 3, padding=1, device="meta")
    with FlopCounterMode(display=False) as counter:
        conv(torch.empty(1, 64, 256, 256, device="meta"))
    mults = counter.get_total_flops() // 2  # torch counts 2 FLOPs per multiply-accumulate
    text = (keys_dir / "aimed_cnn_2020.tex").read_text()
    assert _grouped(mults) in text
    assert "\\boxed{" + _grouped(mults) + "}" in text
    assert mults != 74_908_800


def test_seed_002_additions_from_explicit_loops(keys_dir):
    rng = np.random.default_rng(0)
    _, ops = conv_nd(rng.integers(-3, 4, (1, 1, 128, 128)).astype(float),
                     rng.integers(-3, 4, (1, 1, 3, 3)).astype(float))
    text = (keys_dir / "cs280_sp25_a2.tex").read_text()
    assert "\\boxed{" + _grouped(ops.adds) + "}" in text
    assert ops.adds != 126_112


def test_seed_004_largest_batch_from_tensor_sizes(keys_dir, torch):
    x = torch.empty(1, 64, 256, 256, device="meta")  # the first conv's output
    batch = (12 * 2**30) // (x.numel() * x.element_size())
    assert "\\boxed{" + str(batch) + "}" in (keys_dir / "aimed_cnn_2020.tex").read_text()


def test_seed_003_batched_output_shape_from_torch(keys_dir, torch):
    """Seed 003 4(a): a batch of 10 images through 64 filters; torch's tensor has the batch axis."""
    conv = torch.nn.Conv2d(3, 64, 3, stride=1, padding=1, device="meta")
    shape = tuple(conv(torch.empty(10, 3, 32, 32, device="meta")).shape)
    text = (keys_dir / "homework4_cnn.tex").read_text()
    assert " \\times ".join(str(n) for n in shape) in text


def test_markdown_format_is_mathjax_ready(tmp_path):
    assert main(["key", FILES[0], "-o", str(tmp_path), "--format", "md", "--no-torch"]) == 0
    md = next(tmp_path.glob("*.md")).read_text()
    assert "\\begin{aligned}" in md and "\\begin{align*}" not in md
    assert "\\checkok" not in md and "\\documentclass" not in md


def test_pdf_option_writes_pdfs(tmp_path, pdflatex):
    target = [f for f in FILES if f.endswith("cs280_sp23_a2.toml")]
    assert main(["key", *target, "-o", str(tmp_path), "--pdf", "--no-torch"]) == 0
    assert (tmp_path / "cs280_sp23_a2.pdf").exists()
