"""The 15 relationships of Dumoulin & Visin, "A guide to convolution arithmetic
for deep learning" (arXiv:1603.07285), each derived from symconv's window core.

Each test builds the layer the relationship talks about with symbolic sizes,
asks the core for the output size, and checks it equals the paper's formula
(symbolically, after the substitution the relationship assumes).  The paper's
transposed relationships are read two ways: as the direct convolution the
paper says is equivalent (k' = k, s' = 1, p' = ...), and as symconv's
ConvTranspose layer with the same k, s, p, both of which must agree.
"""

from __future__ import annotations

import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

import symconv
from symconv.window import Window1d

i, k, s, p, d, m = symconv.symbols("i k s p d m")
ip = sp.Symbol("i'", integer=True, positive=True)


def conv_out(size, kernel, stride=1, padding=0, dilation=1):
    return Window1d(kernel, stride, padding, padding, dilation).output_size(size)


def transposed_out(size, kernel, stride=1, padding=0, output_padding=0):
    return Window1d(kernel, stride, padding, padding).transposed_output_size(size, output_padding)


def same(a, b):
    return sp.simplify(sp.expand(a - b)) == 0


def test_relationship_1_no_padding_unit_strides():
    assert same(conv_out(i, k), (i - k) + 1)


def test_relationship_2_zero_padding_unit_strides():
    assert same(conv_out(i, k, padding=p), (i - k) + 2 * p + 1)


def test_relationship_3_half_padding():
    # k = 2n + 1, p = floor(k/2) = n  ->  o = i
    n = symconv.sym("n")
    assert same(conv_out(i, 2 * n + 1, padding=sp.floor((2 * n + 1) / 2)), i)


def test_relationship_4_full_padding():
    assert same(conv_out(i, k, padding=k - 1), i + (k - 1))


def test_relationship_5_no_padding_non_unit_strides():
    assert same(conv_out(i, k, stride=s), sp.floor((i - k) / s) + 1)


def test_relationship_6_zero_padding_non_unit_strides():
    assert same(conv_out(i, k, s, p), sp.floor((i + 2 * p - k) / s) + 1)


def test_relationship_7_pooling():
    report = symconv.analyze(symconv.MaxPool1d("k", "s"), ("c", "i"))
    assert same(report.output_shape[1], sp.floor((i - k) / s) + 1)


def test_relationship_8_transposed_no_padding_unit_strides():
    expected = ip + (k - 1)
    assert same(conv_out(ip, k, padding=k - 1), expected)  # the equivalent direct conv
    assert same(transposed_out(ip, k), expected)


def test_relationship_9_transposed_zero_padding_unit_strides():
    expected = ip + (k - 1) - 2 * p
    assert same(conv_out(ip, k, padding=k - p - 1), expected)
    assert same(transposed_out(ip, k, padding=p), expected)


def test_relationship_10_transposed_half_padding():
    n = symconv.sym("n")
    kk = 2 * n + 1
    assert same(conv_out(ip, kk, padding=n), ip)
    assert same(transposed_out(ip, kk, padding=n), ip)


def test_relationship_11_transposed_full_padding():
    expected = ip - (k - 1)
    assert same(conv_out(ip, k, padding=0), expected)
    assert same(transposed_out(ip, k, padding=k - 1), expected)


def test_relationship_12_transposed_no_padding_non_unit_strides():
    # i - k is a multiple of s: i = k + s*m, so the direct conv outputs i' = m + 1
    direct = conv_out(k + s * m, k, stride=s)
    assert same(direct, m + 1)
    expected = s * (ip - 1) + k
    # equivalent direct conv: input stretched by s-1 zeros between units, p' = k-1
    stretched = ip + (ip - 1) * (s - 1)
    assert same(conv_out(stretched, k, padding=k - 1), expected)
    assert same(transposed_out(ip, k, stride=s), expected)
    assert same(transposed_out(direct, k, stride=s), k + s * m)  # back to the input size


def test_relationship_13_transposed_padding_non_unit_strides():
    # i + 2p - k is a multiple of s
    i_m = k + s * m - 2 * p
    assert same(conv_out(i_m, k, s, p), m + 1)
    expected = s * (ip - 1) + k - 2 * p
    stretched = ip + (ip - 1) * (s - 1)
    assert same(conv_out(stretched, k, padding=k - p - 1), expected)
    assert same(transposed_out(ip, k, s, p), expected)


@given(st.integers(1, 9), st.integers(1, 4), st.integers(0, 3), st.integers(0, 30))
def test_relationship_14_transposed_any_input(kv, sv, pv, extra):
    """a = (i + 2p - k) mod s recovers every input size mapped to the same output."""
    iv = max(kv - 2 * pv, 1) + extra
    a = (iv + 2 * pv - kv) % sv
    direct = conv_out(iv, kv, sv, pv)
    expected = sv * (direct - 1) + a + kv - 2 * pv
    assert expected == iv
    assert transposed_out(direct, kv, sv, pv, output_padding=a) == expected
    stretched = direct + (direct - 1) * (sv - 1)
    assert conv_out(stretched + a, kv, padding=kv - pv - 1) == expected


def test_relationship_15_dilated():
    expected = sp.floor((i + 2 * p - k - (k - 1) * (d - 1)) / s) + 1
    assert same(conv_out(i, k, s, p, d), expected)
    assert same(Window1d(k, dilation=d).span, k + (k - 1) * (d - 1))
