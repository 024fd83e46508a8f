"""Checks of a network question: explicit index loops and torch.

* receptive fields / regions: the input positions one output sees are
  propagated back through the layers as explicit *sets* of indices (a loop
  over every window tap), independent of the affine composition the engine
  uses; with torch, the non-zero pattern of d out[i, j] / d input (all-one
  weights, max pooling replaced by average pooling of the same window, which
  has the same support) must be exactly that range;
* tables and totals: torch.nn.Sequential built from the same torch keyword
  arguments — every layer's output shape (forward hooks), the parameter count
  and FlopCounterMode's FLOPs (meta device for large inputs);
* the largest batch: recomputed from torch's activation shapes.

Examples
--------
>>> from symconv import Conv2d, MaxPool2d
>>> index_range([Conv2d(1, 1, 3, padding=1), MaxPool2d(2)], axis=0, index=3)
(5, 8)
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from symconv.solution import Check


def index_range(layers: list[Any], axis: int, index: int) -> tuple[int, int]:
    """First and last input position output ``index`` sees, by explicit set propagation."""
    positions = {index}
    for layer in reversed(layers):
        windows = getattr(layer, "windows", None)
        if windows is None:
            continue  # element-wise: position i sees position i
        w = windows[axis]
        k, s, d, p = (int(v) for v in (w.kernel, w.stride, w.dilation, w.pad_left))
        positions = {i * s - p + j * d for i in positions for j in range(k)}
    return min(positions), max(positions)


def _flat_layers(net: Any) -> list[tuple[str, Any]] | None:
    from symconv.network import Network

    items = list(net.named_children()) if hasattr(net, "named_children") else None
    if items is None or any(isinstance(v, Network) for _, v in items):
        return None
    return items


def _plain(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in values.items())


def network_checks(q: Any, derivation: Any, use_torch: bool) -> list[Check]:
    from symconv.keys.kinds.network import network_report

    net, report = network_report(q)
    if report.free_symbols:
        return []  # a symbolic network: checked through its layers' own formulas
    items = _flat_layers(net)
    checks: list[Check] = []
    asks = q.data["ask"]
    if "region" in asks and items is not None:
        checks += _region_checks(q, items, report, derivation, use_torch)
    if use_torch and items is not None and any(a != "region" for a in asks):
        from symconv.keys.torch_net_checks import torch_network

        checks += torch_network(q, report, derivation)
    return checks


def _target_index(report: Any, name: str) -> tuple[int, ...]:
    row = next(r for r in report.layers if r.name == name)
    return tuple(int(n) // 2 for n in row.output_shape[1:])


def _region_checks(q: Any, items: list[tuple[str, Any]], report: Any, derivation: Any,
                   use_torch: bool) -> list[Check]:
    region = derivation.answers["region"]
    names = [n for n, _ in items]
    target = q.get("at", str) or next(r.name for r in reversed(report.layers)
                                      if r.receptive_field is not None)
    layers = [layer for _, layer in items[:names.index(target) + 1]]
    index = _target_index(report, target)
    point = dict(zip(q.get("index", list, ["i", "j"]), index, strict=False))
    table = {s: point[s.name] for r in region for e in r for s in e.free_symbols
             if s.name in point}
    oracle = (f"explicit index sets propagated through the layers, output "
              f"({_plain(point)}) of row {target}")
    checks = []
    for axis, (first, last) in enumerate(region):
        want = (int(first.xreplace(table)), int(last.xreplace(table)))
        got = index_range(layers, axis, index[axis])
        checks.append(Check(f"input range, axis {axis}", oracle, want, got, want == got,
                            "brute force"))
    if use_torch:
        from symconv.keys.torch_net_checks import torch_support

        checks += torch_support(layers, report, index, region, table, target)
    return checks


def integer_tuple(value: Any) -> tuple[int, ...]:
    return tuple(int(sp.sympify(v)) for v in value)
