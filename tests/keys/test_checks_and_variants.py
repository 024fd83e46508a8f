"""Checks run on every numeric answer, fail loudly, and variants stay valid."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symconv.cli import main
from symconv.keys.build import build_key
from symconv.keys.questions import load_assignment
from symconv.keys.variants import variant_assignment

ROOT = Path(__file__).resolve().parents[2]

FILE = '''
[assignment]
title = "Checks"

[[question]]
id = "big"
kind = "layer"
text = "?"
layer = { type = "Conv2d", in_channels = "c_i", out_channels = "c_o", kernel_size = "k", padding = "p" }
input = ["c_i", "h", "h"]
values = { c_i = 64, c_o = 128, k = 3, p = 1, h = 256 }
ask = ["mults", "adds"]

[[question]]
id = "small"
kind = "layer"
text = "?"
layer = { type = "MaxPool2d", kernel_size = "k", stride = "s" }
input = ["c", "h", "h"]
values = { c = 2, k = 2, s = 2, h = 8 }
ask = ["comparisons"]
'''


@pytest.fixture()
def qfile(tmp_path) -> Path:
    path = tmp_path / "checks.toml"
    path.write_text(FILE)
    return path


def test_large_instance_is_checked_on_a_scaled_down_one_and_says_so(qfile):
    key = build_key(load_assignment(qfile), use_torch=False)
    big = key.solutions["big"].checks
    assert big and all(c.passed for c in big)
    assert all("smaller instance" in c.instance for c in big)
    small = key.solutions["small"].checks
    assert small and all(c.instance == "" for c in small)  # the question's own numbers


def test_torch_checks_run_when_torch_is_there(qfile, torch):
    key = build_key(load_assignment(qfile), use_torch=True)
    names = {c.name for c in key.solutions["big"].checks if c.detail == "torch"}
    assert {"multiplications (FLOPs / 2)"} <= names
    assert not key.failures


def test_a_failing_check_fails_the_run_and_names_the_question(qfile, tmp_path, monkeypatch,
                                                              capsys):
    import symconv.oracles.bruteforce as bf

    real = bf.max_pool_nd

    def off_by_one(*args, **kwargs):
        y, ops = real(*args, **kwargs)
        ops.comparisons += 1
        return y, ops

    monkeypatch.setattr(bf, "max_pool_nd", off_by_one)
    assert main(["key", str(qfile), "-o", str(tmp_path / "out"), "--no-torch"]) == 1
    err = capsys.readouterr().err
    assert "question 'small'" in err and "FAILED" in err
    tex = (tmp_path / "out" / "checks.tex").read_text()
    assert "\\checkfail" in tex


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_variants_draw_new_valid_numbers_and_their_checks_pass(seed):
    a = load_assignment(ROOT / "derivations" / "cs280_sp25_a2.toml")
    v = variant_assignment(a, seed)
    again = variant_assignment(a, seed)
    for q, q2, orig in zip(v.questions, again.questions, a.questions, strict=True):
        assert dict(q.values) == dict(q2.values)  # reproducible
        if orig.values:
            assert set(q.values) == set(orig.values)
            assert q.kind_handler.instance_ok(q, dict(q.values))
    layer_qs = [q for q in v.questions if q.kind == "layer"]
    key = build_key(type(v)(v.path, v.meta, tuple(layer_qs)), use_torch=False)
    assert not key.failures


def test_seed_option_writes_sheet_and_key(tmp_path):
    f = str(ROOT / "derivations" / "cs280_sp25_a2.toml")
    assert main(["key", f, "-o", str(tmp_path), "--seed", "5", "--no-torch"]) == 0
    sheet = (tmp_path / "cs280_sp25_a2-seed5-sheet.tex").read_text()
    key = (tmp_path / "cs280_sp25_a2-seed5-key.tex").read_text()
    assert "Solution." not in sheet and "Solution." in key
    assert "{{" not in sheet
