"""Symbols with the domains students assume, and conversion of user values to SymPy.

A layer argument may be an ``int``, a symbol *name* (``"k_h"``) or any SymPy
expression.  Names are turned into symbols whose assumptions follow the name:
padding-like names are non-negative integers, ``sigma``-like names are positive
reals, everything else (sizes, channels, strides, dilations, groups, batch) is a
positive integer.  Giving SymPy these assumptions is what lets it simplify
``floor(h) = h`` or decide ``k_h >= 1``.

Examples
--------
>>> from symconv.symbols import sym
>>> sym("p_h").is_nonnegative, sym("p_h").is_positive
(True, None)
>>> sym("k_h").is_positive, sym("k_h").is_integer
(True, True)
>>> sym("sigma_x").is_real, sym("sigma_x").is_integer
(True, None)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TypeAlias

import sympy as sp

#: What a layer argument may be.
Value: TypeAlias = int | str | sp.Expr

_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")

# Names (or name stems before "_") that denote quantities allowed to be zero.
_NONNEGATIVE_STEMS = {"p", "pad", "padding", "op", "output_padding", "P", "P_2", "q"}
_REAL_STEMS = {"sigma", "lr", "lambda", "eta", "mu", "var", "eps"}


def domain_of(name: str) -> dict[str, bool]:
    """SymPy assumptions for a symbol called ``name``.

    Examples
    --------
    >>> domain_of("p_w")
    {'integer': True, 'nonnegative': True}
    >>> domain_of("c_o")
    {'integer': True, 'positive': True}
    >>> domain_of("sigma_g")
    {'real': True, 'positive': True}
    """
    stem = name.split("_")[0]
    if name in _NONNEGATIVE_STEMS or stem in _NONNEGATIVE_STEMS:
        return {"integer": True, "nonnegative": True}
    if stem.lower() in _REAL_STEMS:
        return {"real": True, "positive": True}
    return {"integer": True, "positive": True}


def sym(name: str) -> sp.Symbol:
    """The symbol called ``name`` with the assumptions :func:`domain_of` gives.

    The same name always gives the same (equal) symbol, so formulas derived in
    different places combine.

    Examples
    --------
    >>> sym("h") == sym("h")
    True
    """
    if not _IDENTIFIER.match(name):
        raise ValueError(
            f"{name!r} is not a symbol name (letters, digits and '_', starting with a letter)"
        )
    return sp.Symbol(name, **domain_of(name))


def symbols(names: str | Iterable[str]) -> tuple[sp.Symbol, ...]:
    """Several symbols at once, separated by spaces or commas.

    Examples
    --------
    >>> symbols("c_i h w")
    (c_i, h, w)
    """
    if isinstance(names, str):
        names = [n for n in re.split(r"[\s,]+", names) if n]
    return tuple(sym(n) for n in names)


def to_expr(value: Value, what: str = "value") -> sp.Expr:
    """Turn a layer argument into a SymPy expression, never evaluating text.

    Only integers, SymPy expressions and bare symbol names are accepted: text is
    not parsed here (see :mod:`symconv.grading.parser` for untrusted formulas).

    Examples
    --------
    >>> to_expr(3), to_expr("k_h"), to_expr(sym("h") + 1)
    (3, k_h, h + 1)
    >>> to_expr(2.5)
    Traceback (most recent call last):
    ...
    TypeError: value must be an integer, a symbol name or a SymPy expression, not 2.5
    """
    if isinstance(value, bool):
        raise TypeError(f"{what} must be an integer, not a bool")
    if isinstance(value, int):
        return sp.Integer(value)
    if isinstance(value, str):
        return sym(value.strip())
    if isinstance(value, sp.Basic):
        return with_domains(value)  # type: ignore[return-value]  # SymPy: nothing to parse
    if hasattr(value, "__index__"):  # numpy integers
        return sp.Integer(int(value))
    raise TypeError(
        f"{what} must be an integer, a symbol name or a SymPy expression, not {value!r}"
    )


def with_domains(expr: sp.Basic) -> sp.Basic:
    """``expr`` with each plain symbol (no assumptions) replaced by symconv's symbol of that name.

    A user's ``sp.symbols("H W")`` know nothing about their values, so
    ``floor(H)`` would never simplify; read by name, they are sizes like
    symconv's own.  Symbols with assumptions of their own are left as given.

    Examples
    --------
    >>> H = sp.Symbol("H")
    >>> with_domains(H + 1).free_symbols == {sym("H")}, with_domains(H).is_integer
    (True, True)
    >>> with_domains(sp.Symbol("x", real=True)).is_integer is None
    True
    """
    if isinstance(expr, sp.Symbol):
        return _domain_symbol(expr)
    if not isinstance(expr, sp.Basic) or not expr.free_symbols:
        return expr
    table = {s: _domain_symbol(s) for s in expr.free_symbols if isinstance(s, sp.Symbol)}
    table = {s: t for s, t in table.items() if t is not s}
    return expr.xreplace(table) if table else expr


def _domain_symbol(s: sp.Symbol) -> sp.Symbol:
    if isinstance(s, sp.Dummy) or set(s.assumptions0) - {"commutative"}:
        return s
    if not s.assumptions0.get("commutative", True) or not _IDENTIFIER.match(s.name):
        return s
    return sym(s.name)


def is_number(expr: sp.Expr) -> bool:
    """True when ``expr`` has no free symbols.

    Examples
    --------
    >>> is_number(sp.Integer(3)), is_number(sym("h"))
    (True, False)
    """
    return not sp.sympify(expr).free_symbols
