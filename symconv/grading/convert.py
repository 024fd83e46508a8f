"""Between SymPy expressions (trusted references from the engine) and grader trees.

A reference formula from :func:`symconv.analyze` is a SymPy expression; the
grader evaluates and mutates it as a :class:`~symconv.grading.nodes.Node`
tree.  Functions of the engine that have no tree operator (such as
``ScatterCoverage``) are kept as opaque ``fn`` nodes that SymPy evaluates at
numbers.  The reverse direction builds SymPy objects from a tree that has
already passed the grader's limits; symbols get the engine's assumptions by
name (:func:`symconv.symbols.sym`).

Examples
--------
>>> from symconv.symbols import sym
>>> h, s = sym("h"), sym("s_h")
>>> tree = from_sympy(sp.floor((h - 3) / s) + 1)
>>> to_sympy(tree)
floor((h - 3)/s_h) + 1
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import sympy as sp

from symconv.grading import nodes as N
from symconv.symbols import sym

_REL = {sp.StrictLessThan: "<", sp.LessThan: "<=", sp.StrictGreaterThan: ">",
        sp.GreaterThan: ">=", sp.Equality: "==", sp.Unequality: "!="}


def from_sympy(expr: Any) -> N.Node:
    """The tree of a (trusted) SymPy expression or relational."""
    if isinstance(expr, str):  # text goes through the safe parser, never through sympify
        raise TypeError("from_sympy takes SymPy objects or numbers, not text")
    expr = sp.sympify(expr)
    if expr is sp.true or expr is sp.false:
        return N.Node("num", value=bool(expr))
    if expr.is_Integer:
        return N.num(int(expr))
    if expr.is_Rational:
        return N.num(Fraction(int(expr.p), int(expr.q)))
    if expr.is_Float:
        return N.num(Fraction(str(expr)))
    if expr is sp.pi:
        return N.Node("const", value="pi")
    if expr is sp.E:
        return N.Node("const", value="e")
    if expr.is_Symbol:
        return N.sym(expr.name)
    args = [from_sympy(a) for a in expr.args] if not isinstance(expr, sp.Piecewise) else []
    if expr.is_Add:
        return N.add(*args)
    if expr.is_Mul:
        return N.mul(*args)
    if expr.is_Pow:
        if expr.exp == sp.Rational(1, 2):
            return N.func("sqrt", args[0])
        return N.power(args[0], args[1])
    simple = {sp.floor: "floor", sp.ceiling: "ceil", sp.Max: "max", sp.Min: "min",
              sp.Abs: "abs", sp.exp: "exp", sp.log: "log", sp.Mod: "mod", sp.And: "and",
              sp.Or: "or", sp.Not: "not"}
    if expr.func in simple:
        return N.func(simple[expr.func], *args)
    if isinstance(expr, sp.Equality) and not expr.has(sp.Piecewise):
        return N.func("eq", *args)  # an equation reference: graded side by side
    if type(expr) in _REL:
        return N.func("rel", *args, value=_REL[type(expr)])
    if isinstance(expr, sp.Piecewise):
        flat: list[N.Node] = []
        for value, cond in expr.args:
            flat += [from_sympy(value), from_sympy(cond)]
        return N.func("pw", *flat)
    if isinstance(expr, sp.Function):
        return N.func("fn", *args, value=expr.func)
    raise ValueError(f"cannot grade against {type(expr).__name__} expressions ({expr})")


def to_sympy(node: N.Node, symbols: dict[str, sp.Symbol] | None = None) -> Any:
    """The SymPy expression of a tree (only call on trees that passed the limits)."""
    symbols = symbols or {}
    op = node.op

    def go(n: N.Node) -> Any:
        return to_sympy(n, symbols)

    if op == "num":
        v = node.value
        if isinstance(v, bool):
            return sp.true if v else sp.false
        return sp.Rational(v.numerator, v.denominator) if isinstance(v, Fraction) \
            else sp.Integer(v)
    if op == "sym":
        return symbols.get(node.value) or sym(node.value)
    if op == "const":
        return sp.pi if node.value == "pi" else sp.E
    args = [go(a) for a in node.args]
    if op == "eq":
        return sp.Eq(*args) if len(args) == 2 else sp.And(
            *(sp.Eq(x, y) for x, y in zip(args, args[1:])))
    if op == "add":
        return sp.Add(*args)
    if op == "mul":
        return sp.Mul(*args)
    if op == "pow":
        return sp.Pow(args[0], args[1])
    if op == "log" and len(args) == 2:
        return sp.log(args[0], args[1])
    table = {"floor": sp.floor, "ceil": sp.ceiling, "max": sp.Max, "min": sp.Min,
             "abs": sp.Abs, "exp": sp.exp, "log": sp.log, "mod": sp.Mod, "sqrt": sp.sqrt,
             "and": sp.And, "or": sp.Or, "not": sp.Not}
    if op in table:
        return table[op](*args)
    if op == "rel":
        rel = {v: k for k, v in _REL.items()}[node.value]
        return rel(*args)
    if op == "pw":
        return sp.Piecewise(*[(args[i], args[i + 1]) for i in range(0, len(args), 2)])
    if op == "fn":
        return node.value(*args)
    raise ValueError(f"no SymPy form for {op!r}")


def expected_tree(expected: Any, what: str = "formula", floats: bool = True,
                  declared: frozenset[str] = frozenset()) -> N.Node:
    """The tree of a (trusted) reference: text through the safe parser (with the large
    reference limits; ``declared`` names are symbols even if they spell a constant such
    as ``e``), SymPy converted, numbers as exact leaves (a float as the decimal it prints
    as)."""
    from symconv.grading.limits import REFERENCE_LIMITS, InvalidAnswer
    from symconv.grading.parser import parse

    if isinstance(expected, str):
        try:
            return parse(expected, limits=REFERENCE_LIMITS, declared=declared)
        except InvalidAnswer as exc:
            raise ValueError(f"the expected {what} {expected!r} cannot be read: {exc}") from None
    if isinstance(expected, sp.Basic):
        return from_sympy(expected)
    allowed = (int, float, Fraction) if floats else (int, Fraction)
    if isinstance(expected, bool) or not isinstance(expected, allowed):
        raise ValueError(f"{expected!r} is not a number or a formula")
    if isinstance(expected, float):
        if expected != expected or expected in (float("inf"), float("-inf")):
            raise InvalidAnswer("not_finite", "the answer is not a finite number")
        expected = Fraction(repr(expected))  # the decimal the user sees, not the binary float
    return N.num(expected)
