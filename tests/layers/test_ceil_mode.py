"""ceil_mode pooling in closed form: ceiling division, and a stated condition for the rare drop.

PyTorch keeps ceil mode's last, partial window only when it starts inside the
input or the left padding.  symconv writes the size as ``ceiling(free/s) + 1``
and, when the stride could make that window start in the right padding
(``stride > span - pad_right``), states the condition instead of nesting a
Piecewise (which made SqueezeNet's symbolic analysis take minutes and
GoogLeNet's fail with PrecisionExhausted, issue 12).
"""

from __future__ import annotations

import itertools

import pytest
import sympy as sp

import symconv
from symconv.symbols import sym
from symconv.validity import InvalidLayer
from symconv.window import NonEmptyWindows, RealTaps, Window1d

n = sym("n")
CASES = [(k, s, p, d) for k, s, p, d in itertools.product(range(1, 6), range(1, 6), range(3),
                                                           range(1, 3)) if 2 * p <= k]


def torch_rule(size, k, s, p, d):
    """aten's pooling_output_shape, transcribed: the oracle is checked against torch below."""
    free = size + 2 * p - d * (k - 1) - 1
    out = -(-free // s) + 1
    if (out - 1) * s >= size + p:
        out -= 1
    return out


@pytest.mark.parametrize("k,s,p,d", CASES)
def test_closed_form_equals_the_rule_for_every_size(k, s, p, d):
    w = Window1d(k, s, p, p, d, ceil_mode=True)
    symbolic = w.output_size(n)
    assert not symbolic.has(sp.Piecewise)
    taps, windows = w.real_taps(n), w.nonempty_windows(n)
    for size in range(max(1, w.span - 2 * p), 40):
        out = torch_rule(size, k, s, p, d)
        assert w.output_size(size) == out
        holds = w.last_window_starts_inside(n).subs(n, size)
        assert bool(holds) == (symbolic.subs(n, size) == out)
        if w.ceil_never_drops:
            assert holds is sp.true and symbolic.subs(n, size) == out
            assert taps.subs(n, size) == RealTaps(size, k, s, d, p, out)
            assert windows.subs(n, size) == NonEmptyWindows(size, k, s, d, p, out)


@pytest.mark.torch
@pytest.mark.parametrize("k,s,p,d", CASES[::3])
def test_rule_is_torchs(torch, k, s, p, d):
    pool = torch.nn.MaxPool1d(k, s, p, d, ceil_mode=True)
    for size in range(max(1, d * (k - 1) + 1 - 2 * p), 20):
        assert pool(torch.zeros(1, 1, size)).shape[-1] == torch_rule(size, k, s, p, d)


def test_condition_is_stated_only_when_the_window_can_start_in_the_padding():
    # Kernel 1, stride 2: on 4 positions ceiling(3/2) + 1 = 3 windows, the last starting at 4.
    stated = symconv.analyze(symconv.MaxPool2d(1, 2, ceil_mode=True), (1, "h", "w"))
    assert len(stated.conditions) == 2
    assert stated.subs(h=5, w=5).conditions == ()
    assert stated.subs(h=5, w=5).output_shape == (1, 3, 3)
    with pytest.raises(InvalidLayer, match="ceil mode: the last window would start at 4, in the "
                                           r"right padding \(not before input 4 \+ left padding 0"):
        stated.subs(h=4, w=5)
    assert symconv.analyze(symconv.MaxPool2d(1, 2, ceil_mode=True), (1, 4, 4)).output_shape == (
        1, 2, 2)
    padded = symconv.analyze(symconv.AvgPool2d(2, 3, padding=1, ceil_mode=True), (1, "h", "w"))
    assert any("ceiling" in str(c) for c in padded.conditions)
    torchvision_pool = symconv.analyze(symconv.MaxPool2d(3, 2, ceil_mode=True), (1, "h", "w"))
    assert torchvision_pool.conditions == (sp.Ge(sym("h"), 3), sp.Ge(sym("w"), 3))
    assert torchvision_pool.output_shape == (1, sp.ceiling(sym("h") / 2 - sp.Rational(3, 2)) + 1,
                                             sp.ceiling(sym("w") / 2 - sp.Rational(3, 2)) + 1)
