"""The "valid when" lines fold one-size conditions into the bound they amount to.

``floor(h/2) + 2 >= 3`` beside ``h >= 2`` says nothing new; the lines show ``h >= 2``
once.  The folded bound is checked against the network itself: analysing it at every
numeric size up to 200 succeeds exactly from that bound on.
"""

from __future__ import annotations

import pytest
import sympy as sp

import symconv
from symconv import AvgPool2d, Conv2d, MaxPool2d, ReLU
from symconv.network.tables import text_table
from symconv.validity import InvalidLayer, readable

NETS = {
    "conv-pool-conv-pool": lambda: symconv.Sequential(
        Conv2d(3, 8, 3, padding=1), MaxPool2d(2), Conv2d(8, 16, 3, padding=2), MaxPool2d(3)),
    "strided": lambda: symconv.Sequential(
        Conv2d(3, 8, 7, stride=2, padding=3), ReLU(), MaxPool2d(3, stride=2, padding=1),
        Conv2d(8, 8, 3, stride=2), AvgPool2d(2)),
    "no-padding": lambda: symconv.Sequential(Conv2d(3, 4, 5), Conv2d(4, 4, 5), MaxPool2d(4)),
}


def _valid(net, n: int) -> bool:
    try:
        symconv.analyze(net, (3, n, n))
    except InvalidLayer:
        return False
    return True


@pytest.mark.parametrize("name", sorted(NETS))
def test_folded_bound_is_where_the_network_is_valid(name):
    net = NETS[name]()
    report = symconv.analyze(net, (3, "h", "h"))
    shown = readable(report.conditions)
    assert len(shown) == 1 and isinstance(shown[0], sp.GreaterThan) and shown[0].lhs.name == "h"
    least = int(shown[0].rhs)
    for n in range(1, 201):
        assert _valid(net, n) == (n >= least), (name, n, least)


def test_the_table_shows_each_size_once():
    report = symconv.analyze(NETS["conv-pool-conv-pool"](), (3, "h", "w"))
    lines = [line for line in text_table(report).splitlines() if line.startswith("valid when")]
    assert lines == ["valid when h >= 2", "valid when w >= 2"]
    assert len(report.conditions) == 4  # the report keeps every condition with its reason


def test_conditions_of_several_symbols_are_kept():
    report = symconv.analyze(Conv2d(3, 8, "k", stride=2), (3, "h", "h"))
    assert readable(report.conditions) == tuple(report.conditions)
