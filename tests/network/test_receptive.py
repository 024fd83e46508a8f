"""Receptive fields against published tables, explicit index-set loops and torch gradients."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import assume, event, given
from hypothesis import strategies as st

import symconv
from symconv.network import NotAligned, zoo
from symconv.spec import build_network
from symconv.symbols import sym

from . import torch_nets as T
from .test_budget import seed004_net

# google-research/receptive_field, RECEPTIVE_FIELD_TABLE.md: (size, effective stride,
# effective padding) of TF-slim end-points; row names are symconv's for the same layer.
VGG16_TABLE = {
    "features.0": (3, 1, 1), "features.4": (6, 2, 2), "features.5": (10, 2, 4),
    "features.9": (16, 4, 6), "features.10": (24, 4, 10), "features.12": (32, 4, 14),
    "features.16": (44, 8, 18), "features.17": (60, 8, 26), "features.19": (76, 8, 34),
    "features.23": (100, 16, 42), "features.24": (132, 16, 58), "features.26": (164, 16, 74),
    "features.30": (212, 32, 90),
}
# vgg_a (VGG-11): conv1_1, pool1, conv2_1, pool2, conv3_1, conv3_2, pool3, conv4_1, conv4_2,
# pool4, conv5_1, conv5_2, pool5.
VGG_A_TABLE = [(3, 1, 1), (4, 2, 1), (8, 2, 3), (10, 4, 3), (18, 4, 7), (26, 4, 11),
               (30, 8, 11), (46, 8, 19), (62, 8, 27), (70, 16, 27), (102, 16, 43),
               (134, 16, 59), (150, 32, 59)]
# alexnet_v2: conv1, pool1, conv2, conv3, conv4, conv5, pool5 (VALID conv1/pools, SAME others).
ALEXNET_V2_TABLE = [(11, 4, 0), (19, 8, 0), (51, 8, 16), (99, 16, 32), (131, 16, 48),
                    (163, 16, 64), (195, 32, 64)]


def rf_triple(row):
    rf = row.receptive_field
    assert len(set(rf.size)) == len(set(rf.stride)) == len(set(rf.padding)) == 1
    return (rf.size[0], rf.stride[0], rf.padding[0])


def test_vgg16_matches_google_receptive_field_table():
    report = symconv.analyze(zoo.vgg16(), (3, 224, 224))
    rows = {row.name: row for row in report.layers}
    assert {name: rf_triple(rows[name]) for name in VGG16_TABLE} == VGG16_TABLE
    # The field does not depend on the input size (the table's "None" resolution rows).
    symbolic = symconv.analyze(zoo.vgg16(), (3, "h", "w"))
    assert rf_triple(symbolic.layers[30]) == VGG16_TABLE["features.30"]


def test_vgg_a_and_alexnet_v2_match_google_table():
    vgg_a = zoo.vgg_features((64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"))
    report = symconv.analyze(vgg_a, (3, 224, 224))
    ends = [r for r in report.layers if r.kind in ("conv", "pool")]
    assert [rf_triple(r) for r in ends] == VGG_A_TABLE

    alexnet_v2 = symconv.Sequential(
        symconv.Conv2d(3, 64, 11, stride=4), symconv.MaxPool2d(3, 2),
        symconv.Conv2d(64, 192, 5, padding=2), symconv.MaxPool2d(3, 2),
        symconv.Conv2d(192, 384, 3, padding=1), symconv.Conv2d(384, 384, 3, padding=1),
        symconv.Conv2d(384, 256, 3, padding=1), symconv.MaxPool2d(3, 2))
    rows = symconv.analyze(alexnet_v2, (3, 224, 224)).layers
    assert [rf_triple(rows[k]) for k in (0, 1, 2, 4, 5, 6, 7)] == ALEXNET_V2_TABLE


# -- explicit index-set oracle -------------------------------------------------------------

def seen_by(layers_1d, n, i, clip):
    """Input positions output ``i`` depends on, by walking every window tap backwards.

    ``layers_1d`` are (kernel, stride, pad, dilation); ``clip`` drops padding positions
    at every layer (the true dependence), else keeps them (Araujo's padded coordinates).
    """
    sizes = [n]
    for k, s, p, d in layers_1d:
        sizes.append((sizes[-1] + 2 * p - d * (k - 1) - 1) // s + 1)
    positions = {i}
    for (k, s, p, d), size in zip(reversed(layers_1d), reversed(sizes[:-1]), strict=True):
        positions = {o * s - p + j * d for o in positions for j in range(k)}
        if clip:
            positions = {x for x in positions if 0 <= x < size}
    return positions


window = st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(0, 2), st.integers(1, 3))


@given(st.lists(window, min_size=1, max_size=5), st.integers(20, 60), st.booleans())
def test_region_matches_index_set_loops(spec, n, pooling):
    layers, spec_1d = [], []
    for k, s, p, d in spec:
        if pooling and d == 1 and 2 * p <= k:
            layers.append(symconv.MaxPool1d(k, s, p))
        else:
            layers.append(symconv.Conv1d(1, 1, k, stride=s, padding=p, dilation=d))
        spec_1d.append((k, s, p, d))
    net = symconv.Sequential(*layers)
    try:
        report = symconv.analyze(net, (1, n))
    except ValueError:
        assume(False)
    rf = report.receptive_field
    contiguous = all(d == 1 and s <= k for k, s, p, d in spec_1d)
    for i in range(int(report.output_shape[1])):
        padded = seen_by(spec_1d, n, i, clip=False)
        assert rf.region(i) == ((min(padded), max(padded)),)
        real = seen_by(spec_1d, n, i, clip=True)
        ((first, last),) = rf.region(i, clip=True)
        assert all(first <= x <= last for x in real)
        if contiguous and real:
            assert (first, last) == (min(real), max(real))


@given(st.lists(window, min_size=1, max_size=3), st.integers(30, 60))
def test_symbolic_field_substituted_equals_loops(spec, n):
    layers, values = [], {"n": n}
    for idx, (k, s, p, d) in enumerate(spec):
        layers.append(symconv.Conv1d(1, 1, f"k_{idx}", stride=f"s_{idx}", padding=f"p_{idx}",
                                     dilation=f"d_{idx}"))
        values.update({f"k_{idx}": k, f"s_{idx}": s, f"p_{idx}": p, f"d_{idx}": d})
    try:
        numeric = symconv.analyze(symconv.Sequential(*layers), (1, n)).subs(
            {name: v for name, v in values.items() if name != "n"})  # n is a number here
    except ValueError:
        assume(False)
    assume(all(int(d) >= 1 for d in numeric.output_shape))
    report = symconv.analyze(symconv.Sequential(*layers), (1, "n")).subs(values)
    i = sym("i")
    (first, last), = report.receptive_field.region(i)
    for out in range(min(int(report.output_shape[1]), 5)):
        padded = seen_by(spec, n, out, clip=False)
        assert (first.subs(i, out), last.subs(i, out)) == (min(padded), max(padded))


# -- seed 004 -------------------------------------------------------------------------------

SEED004_1D = [(3, 1, 1, 1), (3, 1, 1, 1), (2, 2, 0, 1)] * 4 + [(3, 1, 1, 1)] * 2


def test_seed004_last_conv_neuron_range_matches_loops_and_not_the_student():
    report = seed004_net()
    last_conv = [row for row in report.layers if row.kind == "conv"][-1]
    rf = last_conv.receptive_field
    i, j = sp.symbols("i j", integer=True, nonnegative=True)
    (first_i, last_i), (first_j, last_j) = rf.region(i, j)
    n_out = int(last_conv.output_shape[1])
    for out in range(n_out):
        padded = seen_by(SEED004_1D, 256, out, clip=False)
        real = seen_by(SEED004_1D, 256, out, clip=True)
        assert (first_i.subs(i, out), last_i.subs(i, out)) == (min(padded), max(padded))
        assert rf.region(out, clip=True)[0] == (min(real), max(real))
    # The student's final answer (16i - 44 : 16i + 75) and their row after the first
    # pooling (2i - 4 : 2i + 5) disagree with the loops.
    assert (first_i, last_i) != (16 * i - 44, 16 * i + 75)
    first_pool = next(row for row in report.layers if row.kind == "pool")
    (pool_first, pool_last), _ = first_pool.receptive_field.region(i, j)
    padded = seen_by(SEED004_1D[:3], 256, 5, clip=False)
    assert (pool_first.subs(i, 5), pool_last.subs(i, 5)) == (min(padded), max(padded))
    assert (pool_first, pool_last) != (2 * i - 4, 2 * i + 5)


@pytest.mark.torch
def test_seed004_last_conv_neuron_range_matches_torch_gradient_support(torch):
    """Nonzero pattern of d out[i, j] / d input on the net with positive weights.

    Max pooling routes gradients to one arg-max only, so the oracle net uses average
    pooling of the same geometry (the field depends only on the windows).
    """
    nn = torch.nn
    net = T.seed004(torch, pool=lambda: nn.AvgPool2d(2, 2), channels=(1, 1, 1, 1, 1))
    features = nn.Sequential(*list(net)[:14]).double()
    with torch.no_grad():
        for p in features.parameters():
            p.uniform_(0.5, 1.5)
    report = seed004_net()
    last_conv = [row for row in report.layers if row.kind == "conv"][-1]
    x = torch.rand((1, 1, 256, 256), dtype=torch.float64) + 0.5
    x.requires_grad_(True)
    out = features(x)
    for i, j in [(0, 0), (7, 9), (15, 15), (3, 12)]:
        (grad,) = torch.autograd.grad(out[0, 0, i, j], x, retain_graph=True)
        rows = torch.nonzero(grad[0, 0].abs().sum(dim=1)).flatten()
        cols = torch.nonzero(grad[0, 0].abs().sum(dim=0)).flatten()
        expected = ((int(rows.min()), int(rows.max())), (int(cols.min()), int(cols.max())))
        assert last_conv.receptive_field.region(i, j, clip=True) == expected


# -- multi-path -----------------------------------------------------------------------------

def union(*sets):
    out = set()
    for s in sets:
        out |= s
    return out


def test_residual_downsample_is_aligned_and_takes_the_larger_path():
    block = symconv.Residual([symconv.Conv1d(1, 1, 3, stride=2, padding=1),
                              symconv.Conv1d(1, 1, 3, padding=1)],
                             shortcut=[symconv.Conv1d(1, 1, 1, stride=2)])
    report = symconv.analyze(block, (1, 32))
    rf = report.receptive_field
    assert rf.aligned and not rf.notes
    body = report.layers[1].receptive_field
    assert rf.size == body.size and rf.padding == body.padding
    for i in range(16):
        seen = union(seen_by([(3, 2, 1, 1), (3, 1, 1, 1)], 32, i, False),
                     seen_by([(1, 2, 0, 1)], 32, i, False))
        assert rf.region(i) == ((min(seen), max(seen)),)


def test_unaligned_paths_are_reported_and_give_the_hull():
    block = symconv.Residual([symconv.Conv1d(1, 1, 2, stride=2)],
                             shortcut=[symconv.Conv1d(1, 1, 3, stride=2, padding=1)])
    report = symconv.analyze(block, (1, 16))
    rf = report.receptive_field
    assert not rf.aligned
    assert any("not aligned" in note for note in rf.notes)
    for i in range(8):
        seen = union(seen_by([(2, 2, 0, 1)], 16, i, False), seen_by([(3, 2, 1, 1)], 16, i, False))
        assert rf.region(i) == ((min(seen), max(seen)),)


def test_paths_with_different_strides_have_no_field():
    block = symconv.Residual([symconv.Conv1d(1, 1, 9)], shortcut=[symconv.Conv1d(1, 1, 2, stride=2)])
    report = symconv.analyze(block, (1, 16))
    assert report.output_shape == (1, 8)
    assert report.receptive_field is None
    assert any("strides" in note for note in report.notes)
    with pytest.raises(NotAligned):
        report.layers[0].receptive_field.merge(report.layers[1].receptive_field)


def test_inception_branches_are_aligned_and_the_largest_wins():
    net = build_network({"type": "Concat", "branches": [
        [{"type": "Conv2d", "in_channels": 4, "out_channels": 2, "kernel_size": 1}],
        [{"type": "Conv2d", "in_channels": 4, "out_channels": 2, "kernel_size": 3, "padding": 1}],
        [{"type": "Conv2d", "in_channels": 4, "out_channels": 2, "kernel_size": 5, "padding": 2}],
        [{"type": "MaxPool2d", "kernel_size": 3, "stride": 1, "padding": 1},
         {"type": "Conv2d", "in_channels": 4, "out_channels": 2, "kernel_size": 1}],
    ]})
    rf = symconv.analyze(net, (4, 12, 12)).receptive_field
    assert rf.aligned and rf.size == (5, 5) and rf.padding == (2, 2)
    for i in range(12):
        seen = seen_by([(5, 1, 2, 1)], 12, i, False)
        assert rf.region(i)[0] == (min(seen), max(seen))


def test_dilation_enters_through_the_span():
    net = symconv.Sequential(symconv.Conv2d(1, 1, 3, dilation=2, padding=2),
                             symconv.Conv2d(1, 1, 3, dilation=4, padding=4))
    rf = symconv.analyze(net, (1, 32, 32)).receptive_field
    for i in range(32):
        seen = seen_by([(3, 1, 2, 2), (3, 1, 4, 4)], 32, i, False)
        assert rf.region(i, i) == ((min(seen), max(seen)),) * 2
    assert rf.size == (13, 13)


def test_non_local_layers_end_the_field_with_a_reason():
    net = symconv.Sequential(symconv.Conv2d(1, 2, 3), symconv.Flatten(), symconv.Linear(18, 3))
    report = symconv.analyze(net, (1, 5, 5))
    assert report.layers[0].receptive_field is not None
    assert report.layers[1].receptive_field is None
    assert "Flatten" in report.layers[2].receptive_note


def out_size(spec, n):
    for k, s, p, d in spec:
        n = (n + 2 * p - d * (k - 1) - 1) // s + 1
    return n


@given(st.lists(window, min_size=1, max_size=3), st.integers(12, 40), st.integers(0, 3),
       st.data())
def test_two_path_field_is_the_hull_and_alignment_matches_centres(body, n, pad, data):
    sizes = [out_size(body[:k + 1], n) for k in range(len(body))]
    assume(all(size >= 1 for size in sizes))
    stride = 1
    for _, s, _, _ in body:
        stride *= s
    # A one-conv shortcut with the body's effective stride and output size: any kernel
    # with floor((n + 2*pad - k) / stride) = out - 1 (pad drawn, kernel drawn in range).
    out = sizes[-1]
    low, high = max(1, n + 2 * pad - stride * out + 1), n + 2 * pad - stride * (out - 1)
    assume(low <= high)
    k = data.draw(st.integers(low, high))
    shortcut = [(k, stride, pad, 1)]
    assert out_size(shortcut, n) == out

    def conv(k, s, p, d):
        return symconv.Conv1d(1, 1, k, stride=s, padding=p, dilation=d)

    block = symconv.Residual([conv(*w) for w in body], shortcut=[conv(*w) for w in shortcut])
    rf = symconv.analyze(block, (1, n)).receptive_field
    centres_equal = True
    for i in range(out):
        a, b = seen_by(body, n, i, False), seen_by(shortcut, n, i, False)
        assert rf.region(i) == ((min(a | b), max(a | b)),)
        centres_equal &= min(a) + max(a) == min(b) + max(b)
    assert rf.aligned == centres_equal
    event(f"aligned={centres_equal}")
    if centres_equal:  # aligned: the larger path is the field (Araujo et al.)
        assert rf.size[0] == max(max(a) - min(a), max(b) - min(b)) + 1
