"""Networks symbolic in the input size and batch: formulas with floors, checked at instances."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import symconv
from symconv.network import zoo

from . import torch_nets as T

h, w, B = symconv.symbols("h w B")


@pytest.fixture(scope="module")
def vgg16_symbolic():
    return symconv.analyze(zoo.vgg16(), (3, "h", "w"))


@pytest.fixture(scope="module")
def vgg16_meta(torch):
    with torch.device("meta"):
        return T.vgg16(torch)


def test_vgg16_flops_formula_has_floors_and_gives_the_224_numbers(vgg16_symbolic):
    flops = vgg16_symbolic.total.flops
    assert flops.has(sp.floor) and flops.free_symbols == {h, w}
    numeric = symconv.analyze(zoo.vgg16(), (3, 224, 224))
    assert flops.subs({h: 224, w: 224}) == numeric.total.flops
    assert vgg16_symbolic.total.macs.subs({h: 224, w: 224}) == 15_470_264_320


@pytest.mark.torch
@settings(max_examples=6)
@given(st.integers(32, 320), st.integers(32, 320))
def test_vgg16_symbolic_macs_equal_flop_counter_at_any_size(vgg16_symbolic, vgg16_meta, torch,
                                                            hh, ww):
    macs = vgg16_symbolic.total.macs.subs({h: hh, w: ww})
    assert macs == T.flop_counted_macs(torch, vgg16_meta, (3, hh, ww))
    numeric = symconv.analyze(zoo.vgg16(), (3, hh, ww))
    assert vgg16_symbolic.total.flops.subs({h: hh, w: ww}) == numeric.total.flops


@pytest.fixture(scope="module")
def vgg16_divisible(vgg16_symbolic):
    return vgg16_symbolic.simplify(assume_divisible=32)


@settings(max_examples=10)
@given(st.integers(1, 12), st.integers(1, 12))
def test_divisibility_assumption_removes_floors_and_holds_on_multiples(vgg16_divisible, m, n):
    simple = vgg16_divisible
    assert simple.assumptions == ("h, w are multiples of 32 (h = 32*h_32, w = 32*w_32)",)
    macs = simple.total.macs
    assert not macs.has(sp.floor)
    assert sp.Poly(macs, h, w).total_degree() == 2
    exact = symconv.analyze(zoo.vgg16(), (3, 32 * m, 32 * n))
    assert macs.subs({h: 32 * m, w: 32 * n}) == exact.total.macs
    assert simple.total.flops.subs({h: 32 * m, w: 32 * n}) == exact.total.flops
    assert simple.subs(h=32 * m, w=32 * n).output_shape == exact.output_shape


def test_divisibility_assumption_is_wrong_off_multiples(vgg16_symbolic, vgg16_divisible):
    simple = vgg16_divisible
    exact = symconv.analyze(zoo.vgg16(), (3, 250, 250))
    assert simple.total.macs.subs({h: 250, w: 250}) != exact.total.macs
    assert vgg16_symbolic.total.macs.subs({h: 250, w: 250}) == exact.total.macs


def test_divisors_per_axis():
    net = symconv.Sequential(symconv.MaxPool2d((2, 4)))
    report = symconv.analyze(net, (1, "h", "w")).simplify(assume_divisible={"h": 2, "w": 4})
    assert report.output_shape == (1, h / 2, w / 4)
    assert report.assumptions == ("h is a multiple of 2, w is a multiple of 4 (h = 2*h_2, "
                                  "w = 4*w_4)",)
    with pytest.raises(ValueError, match="no input size"):
        symconv.analyze(net, (1, "h", "w")).simplify(assume_divisible={"x": 2})


@given(st.integers(1, 9))
def test_batch_is_a_factor_of_every_count(batch):
    net = zoo.resnet18()
    per_batch = symconv.analyze(net, (3, 64, 64), batch="B")
    single = symconv.analyze(net, (3, 64, 64))
    for q in ("mults", "adds", "macs", "flops", "comparisons", "activations"):
        assert sp.expand(getattr(per_batch.total, q) - B * getattr(single.total, q)) == 0
    assert per_batch.total.params == single.total.params
    assert per_batch.subs(B=batch).total.flops == symconv.analyze(net, (3, 64, 64),
                                                                  batch=batch).total.flops


def test_resnet50_symbolic_equals_numeric():
    symbolic = symconv.analyze(zoo.resnet50(), (3, "h", "w"))
    for size in (224, 97):
        numeric = symconv.analyze(zoo.resnet50(), (3, size, size))
        assert symbolic.subs(h=size, w=size).total == numeric.total
