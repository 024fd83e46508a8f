r"""LaTeX of formulas in the current notation (a SymPy ``LatexPrinter`` subclass).

What it changes in SymPy's printer, and why:

* names: the question's display names, upright multi-letter names and subscripts
  (:mod:`symconv.notation.names`), the question's tensor names (``x`` shown as
  ``X`` or ``z``);
* order: terms and factors as a person writes them (:mod:`symconv.notation.order`);
* ``\partial`` for every derivative (a loss depends on many weights), and a
  gradient named by the question (``g_w``) for ``\partial L / \partial w``;
* sums over one value dropped, each summation limit written ``\sum_{i=1}^{m}``;
* one-based indices when the question counts from 1;
* handcalcs-style substitution (``values``): each symbol shown as its number,
  unit factors left out (``(k_1 - 1)``, not ``1 \cdot (k_1 - 1)``), counting
  functions whose arguments are all numbers shown as their value;
* integers of five digits or more grouped by thousands (``4{,}831{,}838{,}208``).

Examples
--------
>>> from symconv.symbols import sym
>>> h, k, p, s = sym("h"), sym("k"), sym("p"), sym("s")
>>> latex(h - k + 2 * p)
'h + 2 p - k'
>>> latex(sym("n") - k + 1)
'n - k + 1'
>>> latex(sym("C_in") * sym("h_out"))
'h_{\\mathrm{out}} C_{\\mathrm{in}}'
>>> latex(sym("d_1") * (sym("k_1") - 1) + 1, {"d_1": 1, "k_1": "k_1"})
'\\left(k_{1} - 1\\right) + 1'
>>> latex(sp.Integer(4831838208))
'4{,}831{,}838{,}208'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE

from symconv.notation.context import Notation, current, use
from symconv.notation.names import name_latex
from symconv.notation.order import ordered_factors, ordered_terms
from symconv.notation.transform import drop_trivial_sums, one_based, over_denominator

#: Default display of the tensors the engine's derivations use (label -> role, default name).
TENSORS = {
    "x": ("input", "x"), "w": ("weight", "w"), "y": ("output", "y"), "bias": ("bias", "b"),
    "dy": ("grad_output", "dy"), "dx": ("grad_input", "dx"), "dw": ("grad_weight", "dw"),
}
#: Derived tensors: shown through the name of the tensor they are made from.
DERIVED = {"dy_up": ("grad_output", "dy", "{%s}^{\\uparrow}"),
           "w_flip": ("weight", "w", "\\widetilde{%s}"),
           "w1": ("weight", "w", "%s^{(1)}"), "w2": ("weight", "w", "%s^{(2)}")}
#: Gradient roles: d L / d tensor[...] is shown as the question's gradient name.
GRADIENTS = {"input": "grad_input", "weight": "grad_weight", "bias": "grad_bias",
             "output": "grad_output"}


class IndexRange(sp.Basic):
    r"""The integer positions ``lo .. hi`` (both included), written ``[lo, hi]``.

    >>> i = sp.Symbol("i")
    >>> print(latex(IndexRange(16 * i - 62, 16 * i + 77)))
    \left[16 i - 62, 16 i + 77\right]
    """

    def __new__(cls, lo: Any, hi: Any) -> IndexRange:
        return super().__new__(cls, sp.sympify(lo), sp.sympify(hi))

    @property
    def lo(self) -> Any:
        return self.args[0]

    @property
    def hi(self) -> Any:
        return self.args[1]


class Terms(sp.Basic):
    r"""A sum shown with its terms in the given order (``r_l + J_l (k - 1)``).

    >>> from symconv.symbols import sym
    >>> print(latex(Terms(sym("r_l"), sym("J_l") * (sym("k") - 1))))
    r_{l} + J_{l} \left(k - 1\right)
    """

    def __new__(cls, *terms: Any) -> Terms:
        return super().__new__(cls, *(sp.sympify(t) for t in terms))

    @property
    def value(self) -> Any:
        return sp.Add(*self.args)


def _worked_sum(expr: sp.Add) -> bool:
    """An unevaluated sum of unevaluated products of numbers (a worked entry)."""
    return not expr.free_symbols and any(t.is_Mul for t in expr.args) and all(
        t.is_Number or (t.is_Mul and all(a.is_Number for a in t.args)) for t in expr.args)


class NotationLatexPrinter(LatexPrinter):
    """SymPy's LaTeX printer speaking a question's notation (see the module docstring)."""

    printmethod = "_latex"

    def __init__(self, notation: Notation | None = None, values: Mapping[Any, Any] | None = None,
                 **settings: Any) -> None:
        self.notation = notation or current()
        self.values: dict[sp.Symbol, sp.Expr] = dict(values or {})
        names: dict[sp.Symbol, str] = {}
        for s, v in self.values.items():
            names[s] = self._value_tex(v)
        settings.setdefault("symbol_names", names)
        settings.setdefault("mul_symbol", "dot" if self.values else None)
        super().__init__(settings)

    # -- values ---------------------------------------------------------------
    def _value_tex(self, v: sp.Expr) -> str:
        text = NotationLatexPrinter(self.notation).doprint(v)
        bare = isinstance(v, sp.Symbol) or (v.is_number and (v.is_Integer or v.is_Float)
                                            and v >= 0)
        return text if bare else r"\left(" + text + r"\right)"

    def _numeric(self, e: sp.Basic) -> bool:
        """True when ``e`` becomes a number once the values are put in."""
        if e.is_number:
            return True
        return all(s in self.values and self.values[s].is_number for s in e.free_symbols)

    def _is_one(self, e: sp.Basic) -> bool:
        return isinstance(e, sp.Symbol) and self.values.get(e) == 1

    # -- names ----------------------------------------------------------------
    def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:
        given = self._settings["symbol_names"].get(expr)
        if given is not None:
            return given
        declared = self.notation.names.get(expr.name)
        if declared is None and expr.name.endswith("'"):
            base = self.notation.names.get(expr.name.rstrip("'"))
            if base is not None:  # a primed copy of a renamed index: i' for o_h'
                return name_latex(base) + "'" * (len(expr.name) - len(expr.name.rstrip("'")))
        return name_latex(declared if declared is not None else expr.name)

    _print_Dummy = _print_Symbol

    def _tensor(self, label: str) -> str:
        if label in self.notation.names:
            return name_latex(self.notation.names[label])
        if label in TENSORS:
            role, default = TENSORS[label]
            return self.notation.tensor(role, default)
        if label in DERIVED:
            role, default, pattern = DERIVED[label]
            return pattern % self.notation.tensor(role, default)
        return name_latex(label)

    def _print_IndexedBase(self, expr: sp.IndexedBase) -> str:
        return self._tensor(str(expr.label))

    def _print_Indexed(self, expr: sp.Indexed) -> str:
        base = self._tensor(str(expr.base.label))
        if "_" in base:
            base = r"\left(" + base + r"\right)"
        return "{%s}_{%s}" % (base, ",".join(self._print(i) for i in expr.indices))

    def _print_Derivative(self, expr: sp.Derivative) -> str:
        variables = [(v, n) for v, n in expr.variable_count]
        if len(variables) == 1 and variables[0][1] == 1 and isinstance(variables[0][0], sp.Indexed) \
                and isinstance(expr.expr, sp.Symbol) and expr.expr.name == "L":
            target = variables[0][0]
            role = TENSORS.get(str(target.base.label), ("", ""))[0]
            grad = GRADIENTS.get(role)
            if grad and grad in self.notation.tensors:
                name = self.notation.tensor(grad, "")
                if "_" in name:
                    name = r"\left(" + name + r"\right)"
                return "{%s}_{%s}" % (name, ",".join(self._print(i) for i in target.indices))
        dim = sum(int(n) for _, n in variables)
        denom = " ".join(r"\partial %s" % self._print(v) if n == 1 else
                         r"\partial %s^{%s}" % (self.parenthesize_super(self._print(v)), n)
                         for v, n in reversed(variables))
        head = r"\partial" if dim == 1 else r"\partial^{%s}" % dim
        inner = expr.expr
        if isinstance(inner, sp.Symbol | sp.Indexed):
            return r"\frac{%s %s}{%s}" % (head, self._print(inner), denom)
        return r"\frac{%s}{%s} %s" % (head, denom, self.parenthesize(inner, PRECEDENCE["Mul"],
                                                                      strict=True))

    # -- order ----------------------------------------------------------------
    def _print_Add(self, expr: sp.Add, order: Any = None) -> str:
        if _worked_sum(expr):
            # a worked sum of products (1 \cdot 2 + (-1) \cdot 3): every product as written,
            # in the order written, none folded into a subtraction
            parts = [self._print(t) for t in expr.args]
            return parts[0] + "".join(
                (" - " + self._print(-t)) if t.is_Number and t < 0 else " + " + p
                for t, p in zip(expr.args[1:], parts[1:], strict=True))
        terms = ordered_terms(expr, self.notation)
        tex = ""
        for i, term in enumerate(terms):
            if i and term.could_extract_minus_sign():
                tex += " - "
                term = -term
            elif i:
                tex += " + "
            term_tex = self._print(term)
            if self._needs_add_brackets(term):
                term_tex = r"\left(%s\right)" % term_tex
            tex += term_tex
        return tex

    def _print_Mul(self, expr: sp.Mul) -> str:
        args = list(expr.args)
        if any(a is sp.S.One for a in args) or sum(1 for a in args if a.is_Number) > 1:
            # an unevaluated product of numbers (a worked entry such as 1 \cdot 2)
            return r" \cdot ".join(self.parenthesize(a, PRECEDENCE["Mul"]) for a in args)
        if expr.could_extract_minus_sign():
            rest = -expr
            inner = self._print(rest)
            if isinstance(rest, sp.Add):
                inner = r"\left(%s\right)" % inner
            return "- " + inner
        numer, denom = sp.fraction(expr, exact=True)
        if denom is not sp.S.One:
            top = self._product(sp.Mul.make_args(numer)) if numer.is_Mul else self._print(numer)
            bottom = self._product(sp.Mul.make_args(denom)) if denom.is_Mul else self._print(
                denom)
            return r"\frac{%s}{%s}" % (top, bottom)
        return self._product(args)

    def _product(self, factors: Any) -> str:
        factors = list(factors)
        if self.values:
            kept = [f for f in factors if not self._is_one(f)]
            if kept and len(kept) < len(factors) and not all(self._numeric(f) for f in kept):
                factors = kept  # 1 \cdot (k_1 - 1): the unit factor says nothing
        factors = ordered_factors(factors, self.notation)
        parts: list[str] = []
        for i, f in enumerate(factors):
            tex = self._print(f)
            if self._needs_mul_brackets(f, first=(i == 0), last=(i == len(factors) - 1)) or (
                    len(factors) == 1 and isinstance(f, sp.Add) and self.values):
                tex = r"\left(%s\right)" % tex
            if parts:
                numbers = self.values and self._numeric(factors[i - 1]) and self._numeric(f)
                between = (factors[i - 1].is_number and (f.is_number or tex[:1].isdigit()))
                parts.append(r" \cdot " if numbers or between else
                             (self._settings["mul_symbol_latex"] or " "))
            parts.append(tex)
        return "".join(parts)

    # -- sums -----------------------------------------------------------------
    def _print_Sum(self, expr: sp.Sum) -> str:
        limits = expr.limits
        if len(limits) <= 3:
            head = "".join(r"\sum_{%s=%s}^{%s} " % (self._print(v), self._print(lo),
                                                      self._print(hi)) for v, lo, hi in limits)
        else:
            rows = [r"%s \leq %s \leq %s" % (self._print(lo), self._print(v), self._print(hi))
                    for v, lo, hi in limits]
            head = r"\sum_{\substack{%s}} " % r"\\".join(rows)
        body = expr.function
        tex = self._print(body)
        if isinstance(body, sp.Add):
            tex = r"\left(%s\right)" % tex
        return head + tex

    # -- numbers and counting functions ---------------------------------------
    def _print_Integer(self, expr: sp.Integer) -> str:
        n = int(expr)
        if abs(n) < 10_000:
            return str(n)
        return ("-" if n < 0 else "") + f"{abs(n):,}".replace(",", "{,}")

    def _print_Function(self, expr: Any, exp: Any = None) -> str:
        if self.values and hasattr(type(expr), "_latex") and self._numeric(expr):
            value = expr.xreplace(self.values)  # a counting function with numbers: its value
            if value.is_number:
                tex = self._print(value)
                return tex if exp is None else r"%s^{%s}" % (tex, exp)
        return str(super()._print_Function(expr, exp))

    def _rounded(self, expr: Any, left: str, right: str, exp: Any) -> str:
        """A floor or ceiling whose argument ``h/2 - 1/2`` reads as one fraction."""
        parts = over_denominator(expr.args[0])
        inner = self._print(expr.args[0]) if parts is None else \
            r"\frac{%s}{%s}" % (self._print(parts[0]), self._print(parts[1]))
        tex = r"\left\%s{%s}\right\%s" % (left, inner, right)
        return tex if exp is None else r"%s^{%s}" % (tex, exp)

    def _print_floor(self, expr: Any, exp: Any = None) -> str:
        return self._rounded(expr, "lfloor", "rfloor", exp)

    def _print_ceiling(self, expr: Any, exp: Any = None) -> str:
        return self._rounded(expr, "lceil", "rceil", exp)

    def _print(self, expr: Any, **kwargs: Any) -> str:
        # A custom function's ``_latex(printer)`` hook may not take ``exp`` (its power).
        if hasattr(expr, "_latex") and isinstance(expr, sp.Function):
            if self.values and self._numeric(expr):
                return self._print_Function(expr, kwargs.get("exp"))
            if "exp" in kwargs:
                try:
                    return str(super()._print(expr, **kwargs))
                except TypeError:
                    exp = kwargs.pop("exp")
                    return r"\left(%s\right)^{%s}" % (super()._print(expr, **kwargs), exp)
        return str(super()._print(expr, **kwargs))

    def _print_Tuple(self, expr: sp.Tuple) -> str:
        return r" \times ".join(self._factor(e) for e in expr.args) if expr.args else "()"

    def _factor(self, e: Any) -> str:
        tex = self._print(e)
        return r"\left(%s\right)" % tex if isinstance(e, sp.Add) else tex

    def _print_Terms(self, expr: Terms) -> str:
        tex = ""
        for i, term in enumerate(expr.args):
            if i and term.could_extract_minus_sign():
                tex += " - " + self._print(-term)
            else:
                tex += (" + " if i else "") + self._print(term)
        return tex

    def _print_IndexRange(self, expr: IndexRange) -> str:
        return r"\left[%s, %s\right]" % (self._print(expr.lo), self._print(expr.hi))

    def _print_Relational(self, expr: Any) -> str:
        ops = {"==": "=", "<=": r"\leq", ">=": r"\geq", "<": "<", ">": ">", "!=": r"\neq"}
        return "%s %s %s" % (self._print(expr.lhs), ops[expr.rel_op], self._print(expr.rhs))


def tensor_tex(role: str, default: str) -> str:
    r"""LaTeX name of the tensor playing ``role`` in the current notation (for engine prose).

    >>> print(tensor_tex("grad_output", "dy"))
    \mathrm{d}y
    """
    return current().tensor(role, default)


def prepare(expr: Any, notation: Notation) -> Any:
    """The rewrites every printed formula gets (trivial sums, index base)."""
    if not isinstance(expr, sp.Basic):
        return expr
    expr = drop_trivial_sums(expr)
    if notation.index_base == 1:
        expr = one_based(expr)
    return expr


def latex(expr: Any, values: Mapping[Any, Any] | None = None,
          notation: Notation | None = None) -> str:
    """LaTeX of ``expr`` in ``notation`` (default: the current one).

    With ``values`` (name or symbol -> value) each symbol is shown as its
    value and nothing is evaluated: the formula's structure stays visible.
    """
    from symconv.exprmap import free_symbols, substitution
    from symconv.symbols import to_expr

    notation = notation or current()
    if isinstance(expr, tuple):
        return r" \times ".join(
            (lambda t: r"\left(" + t + r"\right)" if isinstance(e, sp.Add) else t)(
                latex(e, values, notation)) for e in expr) if expr else "()"
    if isinstance(expr, str):
        expr = to_expr(expr)  # a symbol name; formula text is never sympified (eval)
    expr = sp.sympify(expr) if not isinstance(expr, sp.Basic) else expr
    table = {}
    if values:
        raw = {k: (to_expr(v) if isinstance(v, str) else sp.sympify(v)) for k, v in values.items()}
        table = substitution(raw, free_symbols(expr))
    with use(notation):
        return NotationLatexPrinter(notation, table).doprint(prepare(expr, notation))
