"""Receptive field of L identical layers in closed form, against the network receptive-field
algebra (Araujo et al., an independent code path) and torch's gradient support."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

import symconv
from symconv.calculus.recurrence import repeated_receptive_field


@settings(max_examples=40)
@given(st.integers(1, 5), st.integers(1, 3), st.integers(1, 2), st.integers(1, 6))
def test_closed_form_equals_network_receptive_field(k, s, d, n):
    layer = symconv.Conv1d(1, 1, k, stride=s, dilation=d)
    closed = repeated_receptive_field(layer).result
    size = 1
    for _ in range(n):  # an input long enough for every layer to have an output
        size = size * s + d * (k - 1) + 1
    report = symconv.analyze(symconv.Sequential(*[layer] * n), (1, size))
    assert closed.xreplace({symconv.sym("L"): n}) == report.receptive_field.size[0]


def test_symbolic_kernel_and_stride():
    k, s = symconv.symbols("k s")
    closed = repeated_receptive_field(symconv.Conv2d(1, 1, "k", stride="s")).result
    for kv, sv, n in [(3, 1, 4), (3, 2, 3), (2, 2, 5), (5, 3, 2)]:
        single = symconv.Conv2d(1, 1, kv, stride=sv)
        layers = [single] * n
        size = 1
        for _ in range(n):
            size = size * sv + kv - 1 + 1
        rf = symconv.analyze(symconv.Sequential(*layers), (1, size, size)).receptive_field.size[0]
        value = closed.subs({k: kv, s: sv, symconv.sym("L"): n})
        assert value == rf


def test_steps_check_against_torch(torch):
    steps = repeated_receptive_field(symconv.Conv2d(1, 1, 2, stride=2)).steps()
    checks = [c for c in steps if hasattr(c, "passed")]
    assert checks and all(c.passed for c in checks)
    assert any("torch" in c.oracle for c in checks)
