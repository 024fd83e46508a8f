"""Decomposition of a kernel into two stacked kernels, by factoring over Q."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symconv.calculus.decompose import decompose


def _torch_stack_equals(torch, K, K1, K2):
    """conv(conv(x, K1), K2) == conv(x, K) on a random integer image (torch, exact)."""
    F = torch.nn.functional
    t = lambda a: torch.tensor(np.array(a, dtype=float))[None, None]  # noqa: E731
    x = torch.tensor(np.random.default_rng(0).integers(-4, 5, (1, 1, 9, 9)).astype(float))
    return torch.equal(F.conv2d(F.conv2d(x, t(K1)), t(K2)), F.conv2d(x, t(K)))


@settings(max_examples=25)
@given(k1=st.integers(1, 3), k2=st.integers(1, 3), seed=st.integers(0, 2**31))
def test_every_stack_is_found_again(torch, k1, k2, seed):
    rng = np.random.default_rng(seed)
    A, B = rng.integers(-3, 4, (k1, k1)), rng.integers(-3, 4, (k2, k2))
    F = torch.nn.functional
    # The kernel of the stack, read off torch: the response of conv(conv(.)) to a unit impulse
    # is the flipped kernel; flip it back.
    n = k1 + k2 - 1
    impulse = torch.zeros((1, 1, 2 * n - 1, 2 * n - 1), dtype=torch.float64)
    impulse[0, 0, n - 1, n - 1] = 1
    resp = F.conv2d(F.conv2d(impulse, torch.tensor(A[None, None] * 1.0)),
                    torch.tensor(B[None, None] * 1.0))
    K = resp[0, 0].numpy()[::-1, ::-1].copy()
    d = decompose(sp.Matrix(K.astype(int).tolist()), (k1, k2))
    assert d.kernels is not None
    assert _torch_stack_equals(torch, K, np.array(d.kernels[0].tolist()),
                               np.array(d.kernels[1].tolist()))


@settings(max_examples=20)
@given(entries=st.lists(st.integers(-3, 3), min_size=9, max_size=9))
def test_decompose_agrees_with_the_complex_certificate(torch, entries):
    """A Groebner basis [1] (no complex solution) forces 'not a stack'; a found stack is real."""
    K = sp.Matrix(3, 3, entries)
    d = decompose(K, (2, 2))
    if d.kernels is not None:
        assert _torch_stack_equals(torch, np.array(K.tolist()), np.array(d.kernels[0].tolist()),
                                   np.array(d.kernels[1].tolist()))
    elif K != sp.zeros(3, 3):
        basis = d.complex_certificate()
        assert basis is not None
        if basis == [1]:
            assert "no grouping" in d.reason


def test_laplacian_is_not_two_2x2_kernels_even_over_c():
    d = decompose(sp.Matrix([[0, 1, 0], [1, -4, 1], [0, 1, 0]]), (2, 2))
    assert d.kernels is None
    assert d.complex_certificate() == [1]


def test_field_matters_in_2d():
    """1 + z1^2 z2^2 is irreducible over Q but (1 + i z1 z2)(1 - i z1 z2) over C."""
    d = decompose(sp.Matrix([[1, 0, 0], [0, 0, 0], [0, 0, 1]]), (2, 2))
    assert d.kernels is None and d.field == "Q"
    assert d.complex_certificate() != [1]
    i = sp.I
    z1, z2 = d.variables
    assert sp.expand((1 + i * z1 * z2) * (1 - i * z1 * z2) - d.polynomial) == 0


def test_separable_and_sobel_kernels_decompose(torch):
    blur = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    sobel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    for K in (blur, sobel):
        d = decompose(K, (2, 2))
        assert d.kernels is not None
        assert _torch_stack_equals(torch, K, d.kernels[0], d.kernels[1])


def test_one_dimensional_over_q():
    assert decompose([1, 3, 3, 1], (2, 3)).kernels is not None
    assert decompose([1, 0, 1], (2, 2)).kernels is None  # 1 + z^2 has no rational root


def test_size_and_entry_errors():
    with pytest.raises(ValueError):
        decompose(sp.Matrix([[1, 2], [3, 4]]), (2, 2))
    with pytest.raises(ValueError):
        decompose(sp.Matrix([[sp.sqrt(2), 0], [0, 1]]), (1, 2))
