"""Whole networks: containers, per-layer tables, receptive fields, memory budgets.

>>> import symconv
>>> net = symconv.Sequential(symconv.Conv2d(3, 8, 3, padding=1), symconv.ReLU(),
...                          symconv.MaxPool2d(2), symconv.Flatten(), symconv.Linear(8 * 4 * 4, 10))
>>> r = symconv.analyze(net, (3, 8, 8))
>>> r.output_shape, r.total.params
((10,), 1514)
"""

from symconv.network.budget import POLICIES, BatchBudget, parse_bytes
from symconv.network.containers import Concat, Residual, Sequential, clear_cache
from symconv.network.from_torch import from_torch
from symconv.network.graph import Graph, Network
from symconv.network.receptive import AxisField, NotAligned, ReceptiveField
from symconv.network.report import NetworkLayer, NetworkReport, NetworkTotals

__all__ = [
    "Sequential", "Residual", "Concat", "Network", "Graph", "from_torch",
    "NetworkReport", "NetworkLayer", "NetworkTotals",
    "ReceptiveField", "AxisField", "NotAligned",
    "BatchBudget", "POLICIES", "parse_bytes", "clear_cache",
]
