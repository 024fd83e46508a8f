"""Every feature's .steps(): solution objects only, checks that pass, large layers handled."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from symconv import (
    AvgPool2d,
    Conv1d,
    Conv2d,
    Conv3d,
    compose,
    conv_backward,
    decompose,
    gradient_variance,
    mlp_symmetry,
    padded_convolution,
    pool_backward,
    solve_filter_1d,
    stack_receptive_field,
    transposed_conv_scatter,
)
from symconv.calculus.checks import small_ints
from symconv.solution import Calculation, Check, Equation, Shared, Text

STEP_TYPES = (Text, Equation, Calculation, Check)


def _flat(steps):
    """Steps with the ones a key shares between questions (Shared) put in place."""
    out = []
    for s in steps:
        out += list(s.steps) if isinstance(s, Shared) else [s]
    return out

FEATURES = {
    "conv_backward": lambda: conv_backward(Conv2d(2, 4, 3, stride=2, padding=1, groups=2),
                                           (2, 5, 5), batch=2).steps(),
    "pool_backward": lambda: pool_backward(AvgPool2d(2), (1, 4, 4)).steps(),
    "variance": lambda: gradient_variance(Conv2d(1, 2, 3, padding=1), (1, 5, 5), 2).steps(),
    "compose": lambda: compose(Conv2d(1, 2, 3, stride=2), Conv2d(2, 1, 2, padding=1),
                               (1, 9, 9)).steps(),
    "decompose": lambda: decompose(sp.Matrix([[1, 2, 1], [2, 4, 2], [1, 2, 1]]), (2, 2)).steps(),
    "filter": lambda: solve_filter_1d([1, 4, 0, -2, 3], [-2, 2, 11]).steps(),
    "scatter": lambda: transposed_conv_scatter([[-1, 2], [3, 1]], [[1, -1], [0, 1]]).steps(),
    "padded": lambda: padded_convolution([[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 1], [1, 1]]).steps(),
    "receptive": lambda: stack_receptive_field(Conv2d(1, 1, 3), Conv2d(1, 1, 3, dilation=2)).steps(),
    "symmetry": lambda: mlp_symmetry(3, "tanh").steps(),
}


@pytest.mark.parametrize("name", sorted(FEATURES))
def test_steps_are_solution_objects_and_checks_pass(torch, name):
    steps = _flat(FEATURES[name]())
    assert steps and all(isinstance(s, STEP_TYPES) for s in steps), name
    checks = [s for s in steps if isinstance(s, Check)]
    assert all(c.passed for c in checks), [c for c in checks if not c.passed]
    if name != "pool_backward":
        assert checks, f"{name} runs no check"
    for s in steps:  # SymPy objects, never LaTeX text, in the formulas
        if isinstance(s, Equation):
            assert all(isinstance(r, (sp.Basic, sp.MatrixBase)) for r in (s.lhs, *s.rhs))


def test_large_layer_checks_run_on_a_small_instance():
    steps = conv_backward(Conv2d(64, 128, 3, padding=1), (64, 256, 256), batch=8).steps()
    notes = [c.instance for c in steps if isinstance(c, Check) and "smaller instance" in c.instance]
    assert notes
    assert all(c.passed for c in steps if isinstance(c, Check))


def test_a_wrong_formula_fails_its_check(monkeypatch):
    """The checks can fail: a sign error in the derived grad_weight is caught."""
    bw = conv_backward(Conv1d(1, 1, 2), (1, 4))
    import dataclasses

    wrong = dataclasses.replace(bw, grad_weight=sp.Eq(bw.grad_weight.lhs, -bw.grad_weight.rhs))
    checks = [s for s in wrong.steps() if isinstance(s, Check)]
    assert any(not c.passed for c in checks)


def test_conv3d_backward_matches_autograd(torch):
    layer = Conv3d(2, 2, (2, 3, 2), stride=(1, 2, 1), padding=(1, 0, 1), dilation=(2, 1, 1))
    bw = conv_backward(layer, (2, 5, 6, 4), batch=1)
    rng = np.random.default_rng(5)
    x, w = small_ints(rng, (1, 2, 5, 6, 4)), small_ints(rng, (2, 2, 2, 3, 2))
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    y = torch.nn.functional.conv3d(xt, wt, stride=(1, 2, 1), padding=(1, 0, 1),
                                   dilation=(2, 1, 1))
    dy = small_ints(rng, tuple(y.shape))
    y.backward(torch.tensor(dy))
    got = bw.evaluate(x, w, dy, np.zeros(2))
    assert np.array_equal(got["grad_input"], xt.grad.numpy())
    assert np.array_equal(got["grad_input_full"], xt.grad.numpy())
    assert np.array_equal(got["grad_weight"], wt.grad.numpy())
