"""Worked seed numerics (checked against torch) and the MLP hidden-unit symmetry."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symconv import Conv2d
from symconv.calculus.symmetry import mlp_symmetry
from symconv.calculus.worked import (
    padded_convolution,
    solve_filter_1d,
    stack_receptive_field,
    transposed_conv_scatter,
)


def test_seed003_filter_reconvolves_to_the_output(torch):
    w = solve_filter_1d([1, 4, 0, -2, 3], [-2, 2, 11])
    y = torch.nn.functional.conv1d(torch.tensor([[[1.0, 4, 0, -2, 3]]]),
                                   torch.tensor([[list(map(float, w.result))]]))
    assert y[0, 0].tolist() == [-2, 2, 11]
    assert all(c.passed for c in w.steps() if type(c).__name__ == "Check")


@settings(max_examples=25)
@given(k=st.integers(1, 4), extra=st.integers(0, 4), s=st.integers(1, 2), p=st.integers(0, 1),
       seed=st.integers(0, 2**31))
def test_solved_filter_is_the_true_filter_when_unique(torch, k, extra, s, p, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(-4, 5, k + extra).tolist()
    w = rng.integers(-3, 4, k).tolist()
    y = torch.nn.functional.conv1d(torch.tensor([[x]], dtype=torch.float64),
                                   torch.tensor([[w]], dtype=torch.float64), stride=s, padding=p)
    ys = [int(v) for v in y[0, 0].tolist()]
    solved = solve_filter_1d(x, ys, k=k, stride=s, padding=p)
    if isinstance(solved.result, tuple):  # unique: it must be the filter that produced y
        assert list(solved.result) == w
    elif solved.result is not None:       # a family: the true filter must be in it
        free = sorted(set().union(*(e.free_symbols for e in solved.result)), key=str)
        sols = sp.solve([a - b for a, b in zip(solved.result, w)], free, dict=True)
        assert sols or not free


def test_seed003_transposed_convolution_against_torch(torch):
    res = transposed_conv_scatter([[-1, 2], [3, 1]], [[1, -1], [0, 1]])
    t = torch.nn.functional.conv_transpose2d(torch.tensor([[[[-1.0, 2], [3, 1]]]]),
                                             torch.tensor([[[[1.0, -1], [0, 1]]]]))
    assert np.array_equal(np.array(res.result.tolist(), dtype=float), t[0, 0].numpy())
    assert res.result[1, 1] == -3  # the seed's student wrote -5 here


@settings(max_examples=20)
@given(h=st.integers(1, 4), w=st.integers(1, 4), k=st.integers(1, 3), s=st.integers(1, 3),
       p=st.integers(0, 1), seed=st.integers(0, 2**31))
def test_scatter_add_matches_conv_transpose(torch, h, w, k, s, p, seed):
    rng = np.random.default_rng(seed)
    x, K = rng.integers(-3, 4, (h, w)), rng.integers(-3, 4, (k, k))
    if (h - 1) * s + k - 2 * p < 1 or (w - 1) * s + k - 2 * p < 1:
        return
    res = transposed_conv_scatter(x, K, stride=s, padding=p)
    t = torch.nn.functional.conv_transpose2d(torch.tensor(x[None, None] * 1.0),
                                             torch.tensor(K[None, None] * 1.0), stride=s,
                                             padding=p)
    assert np.array_equal(np.array(res.result.tolist(), dtype=float), t[0, 0].numpy())


def test_seed003_padded_convolution_is_4x4(torch):
    M = np.arange(1, 10).reshape(3, 3)
    res = padded_convolution(M, np.ones((2, 2)), padding=1)
    t = torch.nn.functional.conv2d(torch.tensor(M[None, None] * 1.0),
                                   torch.ones((1, 1, 2, 2), dtype=torch.float64), padding=1)
    assert res.result.shape == (4, 4)
    assert np.array_equal(np.array(res.result.tolist(), dtype=float), t[0, 0].numpy())


def test_seed003_dilated_receptive_field(torch):
    """3x3 conv then 3x3 conv with dilation 2 (stride 1): 7x7, checked by autograd support."""
    res = stack_receptive_field(Conv2d(1, 1, 3), Conv2d(1, 1, 3, dilation=2))
    assert res.result == (7, 7)
    checks = [c for c in res.steps() if type(c).__name__ == "Check"]
    assert checks and all(c.passed for c in checks)


@pytest.mark.parametrize("act,odd,flips", [("tanh", True, True), ("sin", True, True),
                                           ("sigmoid", False, True), ("relu", False, False)])
@pytest.mark.parametrize("d", [1, 2, 3, 4])
def test_mlp_symmetry_counts_and_checks(act, odd, flips, d):
    s = mlp_symmetry(d, act)
    assert s.odd is odd and s.flips is flips
    expected = int(np.prod(range(1, d + 1))) * (2**d if flips else 1)
    assert s.group_size == expected == len(list(s.transforms()))
    same, distinct = s.numeric_check(seed=d)
    assert same and distinct == expected


def test_sigmoid_sign_flips_keep_the_function_with_the_output_bias_shifted():
    """sigma(-z) = 1 - sigma(z): a flip plus v_i added to the output bias is a symmetry.

    A sign flip alone changes a sigmoid network (it leaves the constant v_i behind).
    """
    s = mlp_symmetry(2, "sigmoid")
    rng = np.random.default_rng(0)
    W, b, v = rng.normal(size=(2, 3)), rng.normal(size=2), rng.normal(size=2)
    x = rng.normal(size=(20, 3))
    W2, b2, v2 = s.apply(((0, 1), (-1, 1)), W, b, v)
    assert not np.allclose(s.network(W, b, v)(x), s.network(W2, b2, v2)(x))
    W3, b3, v3, c3 = s.apply(((0, 1), (-1, 1)), W, b, v, 0.0)
    assert np.allclose(s.network(W, b, v)(x), s.network(W3, b3, v3, c3)(x))
    assert c3 == pytest.approx(v[0])
    # the relu has no such constant: no flips
    assert not mlp_symmetry(2, "relu").flips


def test_equal_hidden_units_give_fewer_distinct_vectors():
    s = mlp_symmetry(3, "tanh")
    W = np.array([[1.0, 2.0], [1.0, 2.0], [0.5, -1.0]])
    b, v = np.array([0.1, 0.1, 0.2]), np.array([1.0, 1.0, -2.0])
    vectors = {tuple(np.concatenate([a.ravel() for a in s.apply(t, W, b, v)]))
               for t in s.transforms()}
    assert len(vectors) < s.group_size
    assert len(vectors) == s.group_size // 2  # swapping the two equal units does nothing


def test_symbolic_check_for_three_units():
    assert mlp_symmetry(3, "tanh").symbolic_check()
    assert all(c.passed for c in mlp_symmetry(2, "relu").steps()
               if type(c).__name__ == "Check")


def test_bad_arguments():
    with pytest.raises(ValueError):
        mlp_symmetry(2, "softmax")
    with pytest.raises(ValueError):
        solve_filter_1d([1, 2, 3], [1, 2, 3, 4, 5])
