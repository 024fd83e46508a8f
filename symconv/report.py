"""What :func:`symconv.analyze` returns for one layer: formulas you can substitute and print.

A :class:`LayerReport` is a frozen bundle of SymPy expressions.  ``subs``
replaces symbols by numbers (or other expressions), ``simplify`` simplifies
every formula, ``to_dict`` gives JSON-ready values, and Jupyter shows the
report as an HTML table with math cells (``_repr_html_``, see
:mod:`symconv.display`).

Examples
--------
>>> from symconv import Conv2d, analyze
>>> r = analyze(Conv2d("c_i", "c_o", 3), ("c_i", "h", "w"))
>>> r.output_shape
(c_o, h - 2, w - 2)
>>> r.subs(c_i=3, c_o=8, h=32, w=32).params
224
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from symconv.exprmap import free_symbols, map_exprs, substitution, to_json_value
from symconv.validity import Reason, check_names, check_values, settle

#: Bytes per element of the dtypes memory is reported in.
DTYPE_BYTES = {
    "float64": 8,
    "float32": 4,
    "float16": 2,
    "bfloat16": 2,
    "int8": 1,
    "uint8": 1,
}

Shape = tuple[sp.Expr, ...]
ZERO = sp.Integer(0)


def dtype_bytes(dtype: str) -> int:
    """Bytes per element of ``dtype``.

    >>> dtype_bytes("float16")
    2
    """
    try:
        return DTYPE_BYTES[dtype]
    except KeyError:
        raise ValueError(f"unknown dtype {dtype!r}; known: {', '.join(DTYPE_BYTES)}") from None


@dataclass(frozen=True)
class Memory:
    """Element counts of the tensors one layer touches (batch included).

    ``grad_*`` are the gradients a training step materialises for this layer;
    ``grad_input`` has the input's size and ``grad_weight``/``grad_bias`` the
    parameters'.
    """

    input: sp.Expr
    output: sp.Expr
    weight: sp.Expr = ZERO
    bias: sp.Expr = ZERO
    grad_input: sp.Expr = ZERO
    grad_weight: sp.Expr = ZERO
    grad_bias: sp.Expr = ZERO

    @property
    def forward(self) -> sp.Expr:
        """Input, output and parameters: what a forward pass holds at once."""
        return self.input + self.output + self.weight + self.bias

    @property
    def training(self) -> sp.Expr:
        """Forward tensors plus every gradient of a backward pass."""
        return self.forward + self.grad_input + self.grad_weight + self.grad_bias

    def bytes(self, dtype: str = "float32") -> dict[str, sp.Expr]:
        """Bytes of each tensor and the two totals for ``dtype``."""
        size = dtype_bytes(dtype)
        names = [f.name for f in dataclasses.fields(self)] + ["forward", "training"]
        return {n: getattr(self, n) * size for n in names}

    def _repr_html_(self) -> str:
        from symconv.display.memory import memory_html

        return memory_html(self)

    def _repr_latex_(self) -> str:
        from symconv.display.memory import memory_latex

        return memory_latex(self)

    def __str__(self) -> str:
        from symconv.display.memory import memory_text

        return memory_text(self)

    __repr__ = __str__


@dataclass(frozen=True)
class GradientCost:
    """Shape and exact cost of one gradient tensor of the backward pass."""

    shape: Shape
    mults: sp.Expr
    adds: sp.Expr
    note: str = ""

    @property
    def flops(self) -> sp.Expr:
        return self.mults + self.adds


@dataclass(frozen=True)
class Backward:
    """The backward pass of one layer: gradients it computes and what they cost."""

    grad_output_shape: Shape
    grad_input: GradientCost | None
    grad_weight: GradientCost | None = None
    grad_bias: GradientCost | None = None

    @property
    def mults(self) -> sp.Expr:
        return sum((g.mults for g in self._grads()), ZERO)

    @property
    def adds(self) -> sp.Expr:
        return sum((g.adds for g in self._grads()), ZERO)

    def _grads(self) -> list[GradientCost]:
        return [g for g in (self.grad_input, self.grad_weight, self.grad_bias) if g is not None]

    def _repr_html_(self) -> str:
        from symconv.display.backward import gradients_html

        return gradients_html(self)

    def _repr_latex_(self) -> str:
        from symconv.display.backward import gradients_latex

        return gradients_latex(self)

    def __str__(self) -> str:
        from symconv.display.backward import gradients_text

        return gradients_text(self)

    __repr__ = __str__


@dataclass(frozen=True)
class LayerReport:
    """Derived quantities of one layer applied to an input of ``input_shape``.

    Shapes are per sample (no batch axis); every count includes the batch.
    """

    layer: str
    kind: str
    input_shape: Shape
    output_shape: Shape
    batch: sp.Expr
    weight_params: sp.Expr
    bias_params: sp.Expr
    mults: sp.Expr
    adds: sp.Expr
    macs: sp.Expr
    comparisons: sp.Expr = ZERO
    evaluations: sp.Expr = ZERO
    conventions: Mapping[str, sp.Expr] = field(default_factory=dict)
    memory: Memory | None = None
    backward: Backward | None = None
    conditions: tuple[sp.Basic, ...] = ()
    notes: tuple[str, ...] = ()
    #: Why each condition is needed, as ``(template, expressions)`` (see :mod:`symconv.validity`);
    #: ``subs`` fills in the numbers when values break the condition.
    condition_reasons: tuple[Reason | str, ...] = ()

    # -- derived totals ---------------------------------------------------
    @property
    def params(self) -> sp.Expr:
        """Learnable parameters: weights plus bias."""
        return self.weight_params + self.bias_params

    @property
    def flops(self) -> sp.Expr:
        """Exact floating-point operations: multiplications plus additions."""
        return self.mults + self.adds

    @property
    def activations(self) -> sp.Expr:
        """Output elements for the whole batch."""
        out = self.batch
        for d in self.output_shape:
            out = out * d
        return out

    # -- transformations --------------------------------------------------
    def subs(self, values: Mapping[Any, Any] | None = None, /, **named: Any) -> LayerReport:
        """Substitute values for symbols (by name, or by a symbol of that name) in every formula.

        A name the report does not have raises :class:`~symconv.validity.UnknownSymbol`;
        values outside a symbol's domain, or that break a condition of the layer
        (kernel larger than the padded input...), raise
        :class:`~symconv.validity.InvalidLayer`.

        >>> from symconv import Linear, analyze
        >>> r = analyze(Linear("n", 10), ("n",))
        >>> r.subs(n=4).mults
        40
        >>> r.subs(k=3)
        Traceback (most recent call last):
        ...
        symconv.validity.UnknownSymbol: no symbol k here; the symbols are n
        """
        merged = {**(values or {}), **named}
        free = free_symbols(self)
        check_names(merged, free)
        table = substitution(merged, free)
        check_values(table)
        # Keys are symbols, so xreplace (a tree rebuild, which re-evaluates floors, Max and
        # symconv's counting functions) gives what subs gives, many times faster.
        kept, reasons = self.settle(table)
        out = map_exprs(dataclasses.replace(self, conditions=(), condition_reasons=()),
                        lambda e: e.xreplace(table))
        return dataclasses.replace(out, conditions=kept, condition_reasons=reasons)

    def settle(self, table: Mapping[sp.Symbol, Any],
               where: str | None = None) -> tuple[tuple[sp.Basic, ...], tuple[Reason | str, ...]]:
        """Conditions and reasons still open under ``table``; :class:`InvalidLayer` if one fails.

        ``where`` names the layer in the message (default: the layer itself).
        """
        return settle(self.conditions, self.condition_reasons, where or self.layer, table)

    def simplify(self) -> LayerReport:
        """Simplify every formula (SymPy ``simplify`` under the symbols' assumptions)."""
        return map_exprs(self, _simplify)

    @property
    def free_symbols(self) -> set[sp.Symbol]:
        return free_symbols(self)

    @property
    def is_numeric(self) -> bool:
        return not self.free_symbols

    # -- output -----------------------------------------------------------
    def quantities(self) -> dict[str, Any]:
        """The headline quantities, in display order."""
        rows: dict[str, Any] = {
            "output_shape": self.output_shape,
            "params": self.params,
            "weight_params": self.weight_params,
            "bias_params": self.bias_params,
            "mults": self.mults,
            "adds": self.adds,
            "macs": self.macs,
            "flops": self.flops,
        }
        if self.comparisons != 0:
            rows["comparisons"] = self.comparisons
        if self.evaluations != 0:
            rows["evaluations"] = self.evaluations
        return rows

    def to_dict(self, dtype: str = "float32") -> dict[str, Any]:
        """JSON-ready view: integers where numeric, SymPy strings otherwise."""
        def j(x: Any) -> Any:
            return map_exprs(x, to_json_value)

        out: dict[str, Any] = {"layer": self.layer, "kind": self.kind}
        q = self.quantities()
        out["input_shape"] = list(j(self.input_shape))
        out["output_shape"] = list(j(q.pop("output_shape")))
        out["batch"] = j(self.batch)
        out.update({k: j(v) for k, v in q.items()})
        out["conventions"] = {k: j(v) for k, v in self.conventions.items()}
        if self.memory is not None:
            out["memory"] = {
                "elements": {f.name: j(getattr(self.memory, f.name))
                             for f in dataclasses.fields(self.memory)},
                "bytes": {k: j(v) for k, v in self.memory.bytes(dtype).items()},
                "dtype": dtype,
            }
        if self.backward is not None:
            out["backward"] = _backward_dict(self.backward, j)
        out["conditions"] = [str(c) for c in self.conditions]
        out["notes"] = list(self.notes)
        return out

    def _repr_html_(self) -> str:
        from symconv.display.layer import layer_html

        return layer_html(self)

    def _repr_latex_(self) -> str:
        from symconv.display.layer import layer_latex

        return layer_latex(self)

    def __str__(self) -> str:
        from symconv.display.layer import layer_text

        return layer_text(self)

    __repr__ = __str__


def _simplify(e: sp.Basic) -> sp.Basic:
    if isinstance(e, sp.Expr) and not e.is_number:
        return sp.simplify(e)
    return e


def _backward_dict(b: Backward, j: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"grad_output_shape": list(j(b.grad_output_shape))}
    for name in ("grad_input", "grad_weight", "grad_bias"):
        g: GradientCost | None = getattr(b, name)
        if g is None:
            continue
        out[name] = {
            "shape": list(j(g.shape)),
            "mults": j(g.mults),
            "adds": j(g.adds),
        }
        if g.note:
            out[name]["note"] = g.note
    out["mults"] = j(b.mults)
    out["adds"] = j(b.adds)
    return out
