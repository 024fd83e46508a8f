"""The MLP symmetry's checks beyond enumeration: generators, Schreier-Sims, orbit sizes.

Each shortcut is compared with the brute force it replaces, on the groups small
enough to enumerate: the generated group's order with the number of elements
listed, the orbit-stabilizer count with the distinct vectors counted one by
one (also for networks with equal, opposite and zero units), and the generator
checks with the element-by-element ones, including failing when the claimed
symmetry is false.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from symconv.calculus import symmetry as S
from symconv.calculus.symmetry import MLPSymmetry, mlp_symmetry

ACTIVATIONS = ["tanh", "sin", "sigmoid", "relu", "identity"]


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("d", [1, 2, 3, 4, 5])
def test_generated_order_is_the_number_of_elements(activation, d):
    s = mlp_symmetry(d, activation)
    listed = len(set(s.transforms()))
    assert s.generated_order() == s.group_size == listed


def _distinct(s: MLPSymmetry, W, b, v) -> int:
    return len({tuple(np.round(np.concatenate([a.ravel() for a in s.apply(t, W, b, v)]), 12))
                for t in s.transforms()})


def _network(kind: str, d: int, seed: int):
    rng = np.random.default_rng(seed)
    W, b, v = rng.normal(size=(d, 2)), rng.normal(size=d), rng.normal(size=d)
    if kind in ("equal", "mixed"):
        W[1], b[1], v[1] = W[0], b[0], v[0]
    if kind in ("opposite", "mixed"):
        W[2], b[2], v[2] = -W[0], -b[0], -v[0]
    if kind in ("zero", "mixed"):
        W[-1], b[-1], v[-1] = 0.0, 0.0, 0.0
    if kind == "two zeros":
        W[:2], b[:2], v[:2] = 0.0, 0.0, 0.0
    return W, b, v


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
@pytest.mark.parametrize("kind", ["generic", "equal", "opposite", "zero", "two zeros", "mixed"])
@pytest.mark.parametrize("d", [3, 4])
def test_orbit_size_equals_the_brute_force_count(activation, kind, d):
    seed = 7 * d + len(kind)
    print(f"seed {seed}")
    s = mlp_symmetry(d, activation)
    W, b, v = _network(kind, d, seed)
    assert s.orbit_size(W, b, v) == _distinct(s, W, b, v)


def test_orbit_size_of_degenerate_networks_is_smaller():
    s = mlp_symmetry(4, "tanh")
    W, b, v = _network("mixed", 4, 0)
    assert s.orbit_size(W, b, v) < s.group_size
    # units 0, 1 equal and 2 opposite (one class of 3: 3!), unit 3 zero (1! 2^1)
    assert s.orbit_size(W, b, v) == s.group_size // (math.factorial(3) * 2)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("d", [2, 3, 4])
def test_generator_checks_agree_with_enumeration(activation, d, monkeypatch):
    s = mlp_symmetry(d, activation)
    assert s.enumerated
    enumerated = (s.symbolic_check(), s.numeric_check(seed=d))
    monkeypatch.setattr(S, "ENUMERATION_LIMIT", 0)
    assert not s.enumerated
    assert (s.symbolic_check(), s.numeric_check(seed=d)) == enumerated == (
        True, (True, s.group_size))
    oracles = [c.oracle for c in s.steps() if type(c).__name__ == "Check"]
    assert any("Schreier-Sims" in o for o in oracles) and any("arrangements" in o for o in oracles)


@pytest.mark.parametrize("d", [3, 6, 12])
def test_the_checks_fail_when_a_symmetry_is_claimed_falsely(d):
    """sigmoid is not odd: claiming sign flips that leave the output bias alone (shift 0, as
    for tanh) must fail the symbolic and numeric checks, enumerated (d = 3) or through the
    generators (d = 6, 12); the true flips add v_i to the bias."""
    claimed = MLPSymmetry(d, "sigmoid", False, 2**d * math.factorial(d), shift=0)
    assert claimed.enumerated is (d == 3)
    assert claimed.symbolic_check() is False
    same, _ = claimed.numeric_check()
    assert same is False
    checks = [c for c in claimed.steps() if type(c).__name__ == "Check"]
    assert not all(c.passed for c in checks)


def test_a_wrong_group_size_fails_the_order_and_count_checks():
    wrong = MLPSymmetry(8, "tanh", True, 2**8 * math.factorial(8) // 2)
    failed = [c.name for c in wrong.steps() if type(c).__name__ == "Check" and not c.passed]
    assert any("order" in n for n in failed) and any("distinct" in n for n in failed)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("d", [6, 8, 24, 64])
def test_large_groups_check_without_enumerating(activation, d, monkeypatch):
    s = mlp_symmetry(d, activation)
    assert not s.enumerated

    def no_enumeration(self):
        raise AssertionError("the checks enumerated the group")

    monkeypatch.setattr(MLPSymmetry, "transforms", no_enumeration)
    checks = [c for c in s.steps() if type(c).__name__ == "Check"]
    assert len(checks) == (4 if d <= S.SCHREIER_SIMS_LIMIT else 3)
    assert all(c.passed for c in checks), [c for c in checks if not c.passed]


def test_generators_of_one_unit():
    assert mlp_symmetry(1, "tanh").generators() == [((0,), (-1,))]
    assert mlp_symmetry(1, "relu").generators() == []
    assert mlp_symmetry(1, "relu").generated_order() == 1
