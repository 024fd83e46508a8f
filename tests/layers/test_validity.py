"""Values that make a layer invalid raise InvalidLayer naming the condition and the numbers.

At analysis when the given values decide it, at ``report.subs`` when the values come later
(``h = w = 2`` in a 5x5 convolution must not give the shape (8, -2, -2)).
"""

from __future__ import annotations

import pytest
import sympy as sp

import symconv
from symconv import InvalidLayer, LayerError


def _one_line(exc: pytest.ExceptionInfo) -> str:
    text = str(exc.value)
    assert "\n" not in text, text
    return text


@pytest.mark.parametrize(
    ("build", "needles"),
    [
        (lambda: symconv.analyze(symconv.Conv2d(3, 8, 5), (3, 2, 2)),
         ["kernel extent 5", "padded input 2 + 0 + 0", "axis 0"]),
        (lambda: symconv.analyze(symconv.Conv2d(3, 8, 3, dilation=3), (3, 6, 9)),
         ["kernel extent 7", "padded input 6 + 0 + 0"]),
        (lambda: symconv.analyze(symconv.MaxPool2d(4, padding=1), (3, 1, 8)),
         ["pooling window 4", "1 + 2*1"]),
        (lambda: symconv.analyze(symconv.ConvTranspose2d(1, 1, 3, padding=2), (1, 1, 1)),
         ["transposed output size -1 < 1"]),
        (lambda: symconv.Conv2d(3, 8, 3, groups=0), ["groups must be a positive integer, got 0"]),
        (lambda: symconv.Conv2d(6, 8, 3, groups=4), ["groups=4 does not divide in_channels=6"]),
        (lambda: symconv.Conv2d(0, 8, 3), ["in_channels must be a positive integer, got 0"]),
        (lambda: symconv.Linear(10, -1), ["out_features must be a positive integer, got -1"]),
        (lambda: symconv.analyze(symconv.Conv2d(3, 8, 3), (3, 8, 8), batch=-2),
         ["batch must be a positive integer, got -2"]),
        (lambda: symconv.analyze(symconv.Conv2d(3, 8, 3), (3, sp.Rational(17, 2), 8)),
         ["every size must be a positive integer, not 17/2"]),
        (lambda: symconv.Conv2d(3, 8, sp.Rational(3, 2)), ["kernel_size must be a positive integer"]),
    ],
)
def test_invalid_values_raise_at_analysis(build, needles):
    with pytest.raises(InvalidLayer) as info:
        build()
    text = _one_line(info)
    for needle in needles:
        assert needle in text


def test_invalid_layer_is_a_value_error_and_a_layer_error():
    assert issubclass(InvalidLayer, LayerError) and issubclass(InvalidLayer, ValueError)


def test_subs_that_breaks_the_kernel_fit_raises_instead_of_negative_sizes():
    report = symconv.analyze(symconv.Conv2d(3, 8, 5), (3, "h", "w"))
    assert report.subs(h=5, w=9).output_shape == (8, 1, 5)
    with pytest.raises(InvalidLayer) as info:
        report.subs(h=2, w=2)
    text = _one_line(info)
    assert "Conv2d(3, 8, kernel_size=5" in text
    assert "kernel extent 5 is larger than the padded input 2 + 0 + 0 on spatial axis 0" in text


def test_partial_subs_keeps_the_open_condition_and_its_reason():
    report = symconv.analyze(symconv.Conv2d(3, 8, 5, padding="p"), (3, "h", "w"))
    half = report.subs(h=9)
    assert [str(c) for c in half.conditions] == ["2*p + w >= 5"]
    with pytest.raises(InvalidLayer, match=r"padded input 1 \+ 1 \+ 1 on spatial axis 1"):
        half.subs(w=1, p=1)


@pytest.mark.parametrize(
    ("layer", "shape", "values", "needle"),
    [
        (symconv.Conv2d(3, 8, 3), (3, "h", "w"), {"h": 2.5}, "h must be a positive integer, got 2.5"),
        (symconv.Conv2d(3, 8, 3), (3, "h", "w"), {"h": 0}, "h must be a positive integer, got 0"),
        (symconv.Conv2d(3, 8, 3, padding="p"), (3, 9, 9), {"p": -1},
         "p must be a non-negative integer, got -1"),
        (symconv.Conv2d("c", "c", 3, groups="g"), ("c", 9, 9), {"g": 0},
         "g must be a positive integer, got 0"),
        (symconv.Conv2d("c", "c", 3, groups="g"), ("c", 9, 9), {"c": 6, "g": 4},
         "groups=4 does not divide in_channels=6"),
        (symconv.Conv2d(3, 8, 3), ("c", 9, 9), {"c": 4},
         "Conv2d has in_channels=3 but the input has 4 channels"),
        (symconv.Linear(10, 2), ("n",), {"n": 11},
         "Linear has in_features=10 but the input's last axis is 11"),
        (symconv.BatchNorm2d(8), ("c", 4, 4), {"c": 3}, "BatchNorm2d(8) got 3 channels"),
        (symconv.MaxPool2d(3, padding=1), ("c", "h", 8), {"h": 0}, "h must be a positive integer"),
        (symconv.MaxPool2d("k"), (1, 4, 4), {"k": 5}, "pooling window 5 is larger"),
        (symconv.ConvTranspose2d(1, 1, 3, padding="p"), (1, 1, 1), {"p": 2},
         "transposed output size -1 < 1"),
        (symconv.Conv2d(1, 1, 3, dilation="d"), (1, "h", "h"), {"h": 4, "d": 2},
         "kernel extent 5 is larger than the padded input 4"),
        (symconv.MaxPool2d(3, padding="p"), (1, 9, 9), {"p": 2},
         "padding 2 must be at most half the kernel size 3"),
        (symconv.ConvTranspose2d(1, 1, 3, stride="s", output_padding="q"), (1, 4, 4),
         {"s": 2, "q": 2}, "output_padding 2 must be smaller than stride 2 or dilation 1"),
    ],
)
def test_values_that_make_a_layer_invalid_raise_at_subs(layer, shape, values, needle):
    report = symconv.analyze(layer, shape, batch="B")
    with pytest.raises(InvalidLayer) as info:
        report.subs(values)
    assert needle in _one_line(info)


def test_negative_batch_at_subs():
    report = symconv.analyze(symconv.ReLU(), (3, 4, 4), batch="B")
    with pytest.raises(InvalidLayer, match="B must be a positive integer, got -1"):
        report.subs(B=-1)


def test_network_subs_names_the_row():
    net = symconv.Sequential(symconv.Conv2d(3, 8, 3), symconv.ReLU(), symconv.Conv2d(8, 8, 5))
    report = symconv.analyze(net, (3, "h", "w"))
    assert report.subs(h=7, w=7).output_shape == (8, 1, 1)
    with pytest.raises(InvalidLayer) as info:
        report.subs(h=6, w=7)
    text = _one_line(info)
    assert text.startswith("layer 2 (Conv2d(8, 8, kernel_size=5")
    assert "kernel extent 5 is larger than the padded input 4 + 0 + 0 on spatial axis 0" in text


def test_residual_shape_condition_without_reason_shows_relation_and_values():
    block = symconv.Residual([symconv.Conv2d(1, 1, "k", padding="p")])
    report = symconv.analyze(block, (1, "h", "h"))
    with pytest.raises(InvalidLayer) as info:
        report.subs(k=5, p=1, h=9)
    text = _one_line(info)
    # The shape condition belongs to the add node of the network's graph, which the message names.
    assert text.startswith("layer add (add): needs ") and "h = 9" in text and "k = 5" in text


def test_invalid_layer_inside_a_network_keeps_its_type():
    net = symconv.Sequential(symconv.ReLU(), symconv.Conv2d(3, 8, 7))
    with pytest.raises(InvalidLayer, match=r"^layer 1 \(Conv2d.*kernel extent 7"):
        symconv.analyze(net, (3, 5, 5))


def test_a_square_input_states_each_condition_once():
    report = symconv.analyze(symconv.Conv2d(1, 1, "k", padding="p"), (1, "h", "h"))
    assert [str(c) for c in report.conditions] == ["h + 2*p >= k"]
