"""Sample points: valid, through every residue of each floor, boundary and tight points."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from symconv.grading import grade
from symconv.grading.domain import Domain
from symconv.grading.parser import parse

REF = parse("c_o*(floor((h + 2*p_h - k_h)/s_h) + 1)*(floor((w + 2*p_w - k_w)/s_w) + 1)")


def sample(**overrides):
    dom = Domain.build(REF.names(), overrides, reference=REF)
    return dom.sample(REF).rows()


def test_every_point_is_a_valid_instance():
    for row in sample():
        assert row["k_h"] <= row["h"] + 2 * row["p_h"] and row["k_w"] <= row["w"] + 2 * row["p_w"]
        assert row["p_h"] >= 0 and min(row["h"], row["s_h"], row["c_o"]) >= 1


def test_numerators_run_through_every_residue():
    rows = sample()
    for axis in "hw":
        by_stride: dict[int, set[int]] = {}
        for r in rows:
            s = r[f"s_{axis}"]
            by_stride.setdefault(s, set()).add((r[axis] + 2 * r[f"p_{axis}"] - r[f"k_{axis}"]) % s)
        assert any(s >= 2 and residues == set(range(s)) for s, residues in by_stride.items())


def test_smallest_and_tight_instances_are_included():
    rows = sample()
    assert any(all(r[n] == (0 if n.startswith("p") else 1) for n in r) for r in rows)
    assert any(r["k_h"] == r["h"] + 2 * r["p_h"] and r["h"] > 1 for r in rows)


@given(st.integers(1, 9), st.integers(0, 3))
def test_fixed_symbols_stay_fixed(s, p):
    assert all(r["s_h"] == s and r["p_w"] == p for r in sample(s_h=s, p_w=p))


def test_ranges_and_conditions_bound_the_sample():
    rows = sample(h=(10, 12), c_o={"min": 3, "max": 4})
    assert all(10 <= r["h"] <= 12 and 3 <= r["c_o"] <= 4 for r in rows)


def test_prove_reports_a_symbolic_proof_when_sympy_finds_one():
    assert grade("(h+1)^2", "h^2 + 2h + 1", prove=True).method == "symbolic"
    floor_identity = grade("n", "floor(n/2) + ceiling(n/2)", prove=True)
    assert floor_identity.verdict == "correct" and floor_identity.method == "sampled"
