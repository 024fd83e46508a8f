"""Checks of a network question: the quantities it asks for, by explicit index loops and torch.

* receptive fields and input ranges: the input positions one output sees are
  propagated back through the layers as explicit *sets* of indices (a loop over
  every window tap), independent of the affine composition the engine uses;
  with torch, an impulse is back-propagated through the real layers (all-one
  weights; max pooling as average pooling of the same window, which has the
  same support) and the non-zero pattern of ``d out[i, j] / d input`` must be
  exactly that range;
* tables and totals: torch.nn.Sequential built from the same torch keyword
  arguments -- every layer's output shape (forward hooks) and parameters, the
  totals, FlopCounterMode's FLOPs (meta device for large inputs);
* the largest activation and the largest batch: recomputed from torch's
  activation shapes.

A symbolic network is checked on an instance (numbers for its symbols, the
input large enough for every layer), stated in the check line.

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


def axis_name(axis: int, count: int) -> str:
    """What the key's region table calls an axis: rows and columns for an image.

    >>> axis_name(0, 2), axis_name(1, 2), axis_name(0, 1)
    ('rows', 'columns', 'positions')
    """
    names = {1: ("positions",), 2: ("rows", "columns"), 3: ("depth", "rows", "columns")}
    return names.get(count, ())[axis] if axis < len(names.get(count, ())) else f"axis {axis + 1}"


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


def _instance(q: Any) -> tuple[dict[str, int], str]:
    """The question's numbers (description ""), or numbers for a symbolic network."""
    from symconv.keys.checks import describe, rng_for
    from symconv.keys.kinds.network import network_report

    if not network_report(q)[1].free_symbols:
        return dict(q.values), ""
    _, report = network_report(q)
    names = sorted(s.name for s in report.free_symbols)
    spatial = {str(n) for n in report.input_shape[1:] if isinstance(n, sp.Symbol)}
    rng = rng_for(q, "network instance")
    for _ in range(200):
        values = {n: rng.randint(2, 5) for n in names if n not in spatial}
        values.update({n: 40 for n in spatial})
        values.update(q.values)
        try:
            _, rep = network_report(q, values)
        except ValueError:
            continue
        if not rep.free_symbols and all(int(v) >= 2 for r in rep.layers
                                        for v in r.output_shape[1:]):
            shown = {k: v for k, v in values.items() if k not in spatial}
            return values, "the instance " + describe(shown)
    return {}, ""


def network_checks(q: Any, derivation: Any, use_torch: bool) -> list[Check]:
    from symconv.keys.kinds.network import network_report

    values, instance = _instance(q)
    if values is None or (not values and network_report(q)[1].free_symbols):
        return []
    net, report = network_report(q, values)
    items = _flat_layers(net)
    if items is None:
        return []
    asks = q.data["ask"]
    checks: list[Check] = []
    if "region" in asks:
        checks += _region_checks(q, items, report, derivation, values, use_torch)
    if "receptive" in asks:
        checks += _receptive_checks(q, items, report, derivation, values, use_torch)
    if use_torch and any(a not in ("region", "receptive") for a in asks):
        from symconv.keys.torch_net_checks import torch_network

        checks += torch_network(q, report, derivation, values)
    from dataclasses import replace

    return [replace(c, instance=instance) for c in checks]


def _target(q: Any, report: Any) -> str:
    return q.get("at", str) or next(r.name for r in reversed(report.layers)
                                    if r.receptive_field is not None)


def _center(report: Any, name: str) -> tuple[int, ...]:
    row = next(r for r in report.layers if r.name == name)
    return tuple(int(n) // 2 for n in row.output_shape[1:])


def _region_checks(q: Any, items: list[tuple[str, Any]], report: Any, derivation: Any,
                   values: dict[str, Any], use_torch: bool) -> list[Check]:
    region = derivation.answers["region"]
    names = [n for n, _ in items]
    target = _target(q, report)
    layers = [layer for _, layer in items[:names.index(target) + 1]]
    index = _center(report, target)
    point = dict(zip(q.get("index", list, ["i", "j"]), index, strict=False))
    table = {s: point[s.name] for r in region for e in r for s in e.free_symbols
             if s.name in point}
    table.update({s: values[s.name] for r in region for e in r for s in e.free_symbols
                  if s.name in values})
    shown = ", ".join(f"{k} = {v}" for k, v in point.items())
    oracle = f"explicit index sets through the layers (output ${shown}$)"
    checks = []
    for axis, (first, last) in enumerate(region):
        want = (int(first.xreplace(table)), int(last.xreplace(table)))
        got = index_range(layers, axis, index[axis])
        checks.append(Check(f"input range, {axis_name(axis, len(region))}", oracle, want, got, want == got,
                            "brute force"))
    if use_torch:
        from symconv.keys.torch_net_checks import torch_support

        checks += torch_support(layers, report, index, region, table, shown)
    return checks


def _receptive_checks(q: Any, items: list[tuple[str, Any]], report: Any, derivation: Any,
                      values: dict[str, Any], use_torch: bool) -> list[Check]:
    from symconv.exprmap import substitution

    size = derivation.answers["receptive"]
    table = substitution(values, {s for e in size for s in sp.sympify(e).free_symbols})
    want = tuple(int(sp.sympify(e).xreplace(table)) for e in size)
    names = [n for n, _ in items]
    target = _target(q, report)
    layers = [layer for _, layer in items[:names.index(target) + 1]]
    index = _center(report, target)
    got = []
    for axis in range(len(want)):
        lo, hi = index_range(layers, axis, index[axis])
        got.append(hi - lo + 1)
    checks = [Check("receptive field", "explicit index sets through the layers", want,
                    tuple(got), want == tuple(got), "brute force")]
    if use_torch:
        from symconv.keys.torch_net_checks import torch_receptive

        checks += torch_receptive(layers, report, index, want)
    return checks


def integer_tuple(value: Any) -> tuple[int, ...]:
    return tuple(int(sp.sympify(v)) for v in value)
