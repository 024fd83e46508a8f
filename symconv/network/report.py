"""What :func:`symconv.analyze` returns for a network: per-layer rows, totals, budgets.

Each row holds the layer's own :class:`~symconv.report.LayerReport` (the
network code never re-derives a layer's formulas) and the receptive field of
its outputs with respect to the network input.  Totals are sums over rows.

Examples
--------
>>> import symconv
>>> net = symconv.Sequential(symconv.Conv2d(1, 4, 3, padding=1), symconv.ReLU(),
...                          symconv.MaxPool2d(2))
>>> r = symconv.analyze(net, (1, 8, 8))
>>> [row.name for row in r.layers], r.total.params, r.bottleneck.name
(['0', '1', '2'], 40, '0')
>>> r.receptive_field.size, r.receptive_field.stride, r.receptive_field.padding
((4, 4), (2, 2), (1, 1))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import sympy as sp

from symconv.exprmap import free_symbols, map_exprs, substitution
from symconv.network.receptive import ReceptiveField
from symconv.report import LayerReport, Shape
from symconv.symbols import sym
from symconv.validity import check_names, check_values, settle
from symconv.window import product
from symconv.window import total as add_all

ZERO = sp.Integer(0)
#: Quantities summed over rows into :class:`NetworkTotals`.
SUMMED = ("params", "weight_params", "bias_params", "mults", "adds", "macs", "flops",
          "comparisons", "activations")


@dataclass(frozen=True)
class NetworkLayer:
    """One row of a network table: a layer (or an add/concat) at its place in the net."""

    name: str
    report: LayerReport
    receptive_field: ReceptiveField | None = None
    #: Why ``receptive_field`` is None (a non-local layer before it), if it is.
    receptive_note: str = ""
    #: Rows whose outputs this row reads (``"input"``: the network input); a DAG's edges.
    inputs: tuple[str, ...] = ()
    #: Whether autograd computes this row's grad_input (some parameter is upstream).
    input_needs_grad: bool | None = None
    #: False for work on parameters or constants only (done once per forward, not per sample).
    batched: bool = True

    @property
    def kind(self) -> str:
        return self.report.kind

    @property
    def layer(self) -> str:
        return self.report.layer

    @property
    def output_shape(self) -> Shape:
        return self.report.output_shape

    @property
    def per_sample_activations(self) -> sp.Expr:
        """Output elements of one sample."""
        return product(self.report.output_shape)

    def __getattr__(self, name: str) -> Any:
        # params, mults, adds, macs, flops, activations, conventions... come from the layer.
        if name in SUMMED or name in ("conventions", "memory", "backward", "conditions"):
            return getattr(self.report, name)
        raise AttributeError(name)

    def _repr_html_(self) -> str:
        from symconv.display.html import code

        return f"<p>row {code(self.name)}</p>" + self.report._repr_html_()

    def __repr__(self) -> str:
        from symconv.printing import shape_text

        return f"<row {self.name!r}: {self.layer}, output {shape_text(self.output_shape)}>"


@dataclass(frozen=True)
class NetworkTotals:
    """Sums over every row (batch included)."""

    params: sp.Expr
    weight_params: sp.Expr
    bias_params: sp.Expr
    mults: sp.Expr
    adds: sp.Expr
    macs: sp.Expr
    flops: sp.Expr
    comparisons: sp.Expr
    activations: sp.Expr
    conventions: Mapping[str, sp.Expr] = field(default_factory=dict)

    def _repr_html_(self) -> str:
        from symconv.display.network import totals_html

        return totals_html(self)

    def __str__(self) -> str:
        from symconv.display.network import totals_text

        return totals_text(self)

    __repr__ = __str__


@dataclass(frozen=True)
class NetworkReport:
    """Derived quantities of a network applied to a per-sample ``input_shape``."""

    network: str
    input_shape: Shape
    output_shape: Shape
    batch: sp.Expr
    layers: tuple[NetworkLayer, ...]
    receptive_field: ReceptiveField | None = None
    conditions: tuple[sp.Basic, ...] = ()
    assumptions: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    #: Every output's shape, when the network has several (the first is ``output_shape``).
    output_shapes: tuple[Shape, ...] = ()
    #: Nodes left out of the table (``from_torch(..., unknown="skip")``): (name, origin, reason).
    skipped: tuple[tuple[str, str, str], ...] = ()

    # -- totals -------------------------------------------------------------
    @cached_property
    def total(self) -> NetworkTotals:
        """Sums of params, mults, adds, MACs, FLOPs, comparisons and activations."""
        sums = {q: add_all(getattr(row.report, q) for row in self.layers) for q in SUMMED}
        # A tool's total only when every row has that tool's rule (see symconv.counting).
        common = set.intersection(*(set(r.report.conventions) for r in self.layers)) if (
            self.layers) else set()
        names = dict.fromkeys(n for row in self.layers for n in row.report.conventions
                              if n in common)
        conventions = {n: add_all(row.report.conventions.get(n, ZERO) for row in self.layers)
                       for n in names}
        if "torch_backward" in conventions:
            conventions["torch_backward"] = self._torch_backward()
        return NetworkTotals(**sums, conventions=conventions)

    def _torch_backward(self) -> sp.Expr:
        """FlopCounterMode's backward total: autograd computes a layer's grad_input only when
        its input needs a gradient, i.e. once some earlier layer has parameters."""
        terms, upstream_params = [], False
        for row in self.layers:
            convs = row.report.conventions
            needs = upstream_params if row.input_needs_grad is None else row.input_needs_grad
            key = "torch_backward" if needs else "torch_backward_first_layer"
            terms.append(convs.get(key, convs.get("torch_backward", ZERO)))
            upstream_params = upstream_params or row.report.params != 0
        return sp.Add(*terms)

    def row(self, name: str) -> NetworkLayer:
        """The row called ``name`` (``report.row("features.30")``).

        >>> import symconv
        >>> r = symconv.analyze(symconv.Sequential(symconv.ReLU()), (3, 4, 4))
        >>> r.row("0").kind
        'activation'
        """
        for layer in self.layers:
            if layer.name == name:
                return layer
        known = ", ".join(layer.name for layer in self.layers[:12])
        raise KeyError(f"no row {name!r} (rows: {known}{', ...' if len(self.layers) > 12 else ''})")

    @property
    def input_activations(self) -> sp.Expr:
        """Elements of one input sample."""
        return product(self.input_shape)

    @cached_property
    def bottleneck(self) -> NetworkLayer:
        """The row with the largest output (per sample); the first of equals.

        With symbolic sizes the comparison holds for every size where that can be
        proved (see :mod:`symconv.network.bottleneck`); when which row is largest
        depends on the sizes, ``UndecidedBottleneck`` (a ``ValueError``) names the
        rows and the condition.
        """
        from symconv.network.bottleneck import bottleneck

        return bottleneck(self.layers, self.conditions)

    def max_batch(self, memory_bytes: Any, dtype: str = "float32",
                  policy: str = "max_activation", optimizer: str = "adam") -> Any:
        """Largest batch whose memory fits in ``memory_bytes`` (see :mod:`.budget`).

        >>> import symconv
        >>> r = symconv.analyze(symconv.Sequential(symconv.Conv2d(1, 64, 3, padding=1)),
        ...                     (1, 256, 256))
        >>> r.max_batch(12 * 2**30).batch
        768
        """
        from symconv.network.budget import max_batch

        return max_batch(self, memory_bytes, dtype, policy, optimizer)

    # -- transformations -------------------------------------------------------
    def subs(self, values: Mapping[Any, Any] | None = None, /, **named: Any) -> NetworkReport:
        """Substitute values for symbols (by symbol or name) everywhere.

        >>> import symconv
        >>> r = symconv.analyze(symconv.Sequential(symconv.MaxPool2d(2)), ("c", "h", "w"))
        >>> r.subs(c=3, h=32, w=32).total.comparisons
        2304
        """
        merged = {**(values or {}), **named}
        free = self.free_symbols
        check_names(merged, free)  # a typo must not pass silently
        table = substitution(merged, free)
        check_values(table)
        for row in self.layers:  # values that make a layer invalid raise InvalidLayer
            row.report.settle(table, f"layer {row.name} ({row.layer})")
        settle(self.conditions, (), "network", table)
        # xreplace rebuilds each tree (floors, Max, ... evaluate) and is much faster than subs.
        return _settled(map_exprs(self, lambda e: e.xreplace(table)))

    def simplify(self, assume_divisible: int | Mapping[str, int] | None = None) -> NetworkReport:
        """Tidy every formula; with ``assume_divisible``, evaluate floors under that assumption.

        ``assume_divisible=32`` assumes every symbolic spatial input size is a
        multiple of 32: it substitutes ``h = 32*h_32`` (floors of multiples
        become exact), then writes ``h_32 = h/32`` back.  The result holds only
        under the assumption, which is recorded in ``assumptions``.  A mapping
        ``{"h": 32, "w": 16}`` names the sizes and divisors.

        >>> import symconv
        >>> net = symconv.Sequential(symconv.MaxPool2d(2), symconv.MaxPool2d(2))
        >>> r = symconv.analyze(net, (1, "h", "w"))
        >>> r.output_shape
        (1, floor(floor(h/2)/2), floor(floor(w/2)/2))
        >>> s = r.simplify(assume_divisible=4)
        >>> s.output_shape, s.assumptions
        ((1, h/4, w/4), ('h, w are multiples of 4 (h = 4*h_4, w = 4*w_4)',))
        """
        divisors = self._divisors(assume_divisible)
        forward = {s: d * sym(f"{s.name}_{d}") for s, d in divisors.items()}
        back = {sym(f"{s.name}_{d}"): s / d for s, d in divisors.items()}

        def tidy(e: sp.Basic) -> sp.Basic:
            if forward and not forward.keys().isdisjoint(e.free_symbols):
                # xreplace rebuilds the tree, so floors of multiples evaluate on the way.
                e = e.xreplace(forward).xreplace(back)
            if isinstance(e, sp.Expr) and e.free_symbols and e.is_polynomial():
                return sp.expand(e)
            return e

        out = _settled(map_exprs(self, tidy))
        if not divisors:
            return out
        names = ", ".join(s.name for s in divisors)
        subs = ", ".join(f"{s.name} = {d}*{s.name}_{d}" for s, d in divisors.items())
        groups = set(divisors.values())
        said = (f"{names} are multiples of {groups.pop()}" if len(groups) == 1
                else ", ".join(f"{s.name} is a multiple of {d}" for s, d in divisors.items()))
        return _replace(out, assumptions=self.assumptions + (f"{said} ({subs})",))

    def _divisors(self, assume: int | Mapping[str, int] | None) -> dict[sp.Symbol, int]:
        if assume is None:
            return {}
        if isinstance(assume, Mapping):
            by_name = {s.name: s for s in free_symbols(self.input_shape)}
            missing = [n for n in assume if n not in by_name]
            if missing:
                raise ValueError(f"no input size called {', '.join(missing)}")
            return {by_name[n]: int(d) for n, d in assume.items()}
        sizes = [s for d in self.input_shape[1:] for s in sorted(d.free_symbols, key=str)]
        if not sizes:
            raise ValueError("assume_divisible needs symbolic spatial input sizes")
        return {s: int(assume) for s in dict.fromkeys(sizes)}  # type: ignore[misc]

    @property
    def free_symbols(self) -> set[sp.Symbol]:
        """The user's symbols (the receptive fields' internal index excluded)."""
        return {s for s in free_symbols(self) if not isinstance(s, sp.Dummy)}

    # -- output -------------------------------------------------------------------
    def to_dict(self, dtype: str = "float32") -> dict[str, Any]:
        """JSON-ready view (integers where numeric, SymPy strings otherwise)."""
        from symconv.network.tables import report_dict

        return report_dict(self, dtype)

    def _repr_html_(self) -> str:
        from symconv.display.network import network_html

        return network_html(self)

    def _repr_latex_(self) -> str:
        from symconv.display.network import network_latex

        return network_latex(self)

    def __str__(self) -> str:
        from symconv.network.tables import text_table

        return text_table(self)

    __repr__ = __str__


def _settled(report: NetworkReport) -> NetworkReport:
    """Drop validity conditions that values or assumptions have made true."""
    kept = tuple(c for c in report.conditions if c is not sp.true)
    return report if kept == report.conditions else _replace(report, conditions=kept)


def _replace(report: NetworkReport, **changes: Any) -> NetworkReport:
    import dataclasses

    return dataclasses.replace(report, **changes)
