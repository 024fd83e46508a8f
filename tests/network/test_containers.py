"""Containers route shapes and sum layer reports; their own ops (add, cat) are counted."""

from __future__ import annotations

from collections import OrderedDict

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

import symconv
from symconv.layers import LayerError
from symconv.network import clear_cache, zoo
from symconv.network.cache import layer_report


def chain_reports(layers, shape, batch):
    """Each layer analysed on its own, shapes passed by hand: no container code involved."""
    out = []
    for layer in layers:
        report = layer.analyze(symconv.layers.base.as_shape(shape), sp.sympify(batch))
        out.append(report)
        shape = report.output_shape
    return out


@given(st.integers(1, 4), st.integers(8, 40), st.integers(1, 3))
def test_sequential_totals_are_sums_of_independent_layer_reports(c, n, batch):
    layers = [symconv.Conv2d(c, 2 * c, 3, padding=1), symconv.BatchNorm2d(2 * c), symconv.ReLU(),
              symconv.MaxPool2d(2), symconv.Flatten(), symconv.Linear(2 * c * (n // 2) ** 2, 5)]
    report = symconv.analyze(symconv.Sequential(*layers), (c, n, n), batch=batch)
    alone = chain_reports(layers, (c, n, n), batch)
    assert [row.report for row in report.layers] == alone
    for q in ("params", "mults", "adds", "macs", "flops", "comparisons", "activations"):
        assert getattr(report.total, q) == sum(getattr(r, q) for r in alone)
    assert report.output_shape == alone[-1].output_shape == (5,)


@pytest.mark.torch
@given(st.integers(1, 3), st.integers(4, 12), st.integers(1, 3))
def test_residual_add_counts_one_addition_per_output_element(torch, c, n, batch):
    nn = torch.nn
    body = [symconv.Conv2d(c, c, 3, padding=1), symconv.ReLU()]
    report = symconv.analyze(symconv.Residual(body), (c, n, n), batch=batch)
    x = torch.rand(batch, c, n, n)
    y = nn.Conv2d(c, c, 3, padding=1)(x).relu() + x
    add = report.layers[-1]
    assert add.name == "add" and add.kind == "add"
    assert add.adds == y.numel() and add.mults == 0 and add.params == 0
    assert add.activations == y.numel()
    assert report.output_shape == tuple(y.shape[1:])
    # Everything else comes from the layers themselves.
    assert report.total.adds == sum(r.adds for r in chain_reports(body, (c, n, n), batch)) + (
        y.numel())


@pytest.mark.torch
def test_concat_shape_and_copy_match_torch_cat(torch):
    nn = torch.nn
    branches = [[symconv.Conv2d(4, 3, 1)], [symconv.Conv2d(4, 5, 3, padding=1)], []]
    report = symconv.analyze(symconv.Concat(*branches), (4, 9, 9), batch=2)
    x = torch.rand(2, 4, 9, 9)
    y = torch.cat([nn.Conv2d(4, 3, 1)(x), nn.Conv2d(4, 5, 3, padding=1)(x), x], dim=1)
    cat = report.layers[-1]
    assert report.output_shape == tuple(y.shape[1:]) == symconv.Concat(*branches).output_shape(
        (4, 9, 9))
    assert cat.kind == "concat" and cat.flops == 0 and cat.activations == y.numel()
    assert [row.name for row in report.layers] == ["branches.0.0", "branches.1.0", "cat"]


def test_mismatched_paths_are_errors_naming_the_merge():
    with pytest.raises(LayerError, match="add: output shapes"):
        symconv.analyze(symconv.Residual([symconv.Conv2d(2, 2, 3)]), (2, 8, 8))
    with pytest.raises(LayerError, match=r"cat \(branch 1 vs 0\)"):
        symconv.analyze(symconv.Concat([symconv.Conv2d(2, 2, 1)], [symconv.Conv2d(2, 2, 3)]),
                        (2, 8, 8))
    with pytest.raises(LayerError, match=r"layer 1 \(Conv2d"):
        symconv.analyze(symconv.Sequential(symconv.Conv2d(2, 3, 1), symconv.Conv2d(2, 3, 1)),
                        (2, 8, 8))


def test_symbolic_paths_that_may_differ_become_conditions():
    block = symconv.Residual([symconv.Conv2d("c", "c", "k", padding="p")])
    report = symconv.analyze(block, ("c", "h", "w"))
    h, k, p = symconv.symbols("h k p")
    assert sp.Eq(h - k + 2 * p + 1, h) in report.conditions
    assert report.subs(k=3, p=1).layers[-1].adds == symconv.sym("c") * h * symconv.sym("w")


def test_sequential_mirrors_torch_api_and_names_rows():
    conv, relu = symconv.Conv2d(3, 8, 3), symconv.ReLU()
    named = symconv.Sequential(OrderedDict(conv=conv, act=relu))
    assert len(named) == 2 and named[0] is conv and named["act"] is relu
    assert list(named) == [conv, relu]
    net = symconv.Sequential(OrderedDict(features=named, head=symconv.Flatten()))
    report = symconv.analyze(net, (3, 10, 10))
    assert [row.name for row in report.layers] == ["features.conv", "features.act", "head"]
    assert net.output_shape((3, 10, 10)) == report.output_shape == (512,)
    with pytest.raises(TypeError, match="describes a network"):
        net(1)
    with pytest.raises(TypeError):
        symconv.Sequential(42)


def test_per_layer_cache_gives_identical_reports():
    clear_cache()
    a = symconv.analyze(zoo.resnet18(), (3, "h", "w"))
    b = symconv.analyze(zoo.resnet18(), (3, "h", "w"))
    assert a == b
    # Two distinct but equal layers on the same input share one derived report.
    one, two = symconv.Conv2d(4, 4, 3), symconv.Conv2d(4, 4, 3)
    shape, batch = symconv.layers.base.as_shape((4, 9, 9)), sp.Integer(1)
    assert layer_report(one, shape, batch) is layer_report(two, shape, batch)
    assert layer_report(symconv.Conv2d(4, 4, 3, bias=False), shape, batch) != layer_report(
        one, shape, batch)


def test_layer_validity_conditions_are_collected():
    net = symconv.Sequential(symconv.Conv2d(1, 1, "k"), symconv.MaxPool2d(2))
    report = symconv.analyze(net, (1, "h", "h"))
    assert report.conditions and all(c.free_symbols for c in report.conditions)
    assert "valid when" in str(report)


def test_substituted_conditions_that_hold_are_dropped():
    net = symconv.Sequential(symconv.Conv2d(1, 1, "k"))
    report = symconv.analyze(net, (1, "h", "h"))
    assert report.conditions
    assert report.subs(k=3, h=10).conditions == ()
    with pytest.raises(symconv.InvalidLayer, match="kernel extent 12 is larger"):
        report.subs(k=12, h=10)  # the kernel does not fit: an error, not a false condition
