"""Apply one SymPy operation to every expression inside a (nested) report.

Reports are frozen dataclasses holding expressions, tuples of expressions,
dicts of them and other reports.  Substituting numbers, simplifying or
turning everything into JSON are all "do this to each leaf", so they share
this one walker instead of each report class listing its fields again.

Examples
--------
>>> import sympy as sp
>>> h = sp.Symbol("h")
>>> map_exprs({"a": (h, h + 1), "b": 2 * h}, lambda e: e.subs(h, 3))
{'a': (3, 4), 'b': 6}
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import sympy as sp

from symconv.symbols import with_domains


def map_exprs(obj: Any, fn: Callable[[sp.Basic], Any]) -> Any:
    """Return a copy of ``obj`` with ``fn`` applied to every SymPy leaf."""
    if isinstance(obj, sp.Basic):
        return fn(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        changes = {
            f.name: map_exprs(getattr(obj, f.name), fn)
            for f in dataclasses.fields(obj)
            if f.init
        }
        return dataclasses.replace(obj, **changes)
    if isinstance(obj, tuple):
        return tuple(map_exprs(x, fn) for x in obj)
    if isinstance(obj, list):
        return [map_exprs(x, fn) for x in obj]
    if isinstance(obj, Mapping):
        return {k: map_exprs(v, fn) for k, v in obj.items()}
    return obj


def substitution(values: Mapping[Any, Any], free: set[sp.Symbol]) -> dict[sp.Symbol, sp.Expr]:
    """Resolve ``{name or symbol: value}`` against the symbols actually present.

    Names match symbols by name, whatever their assumptions, so ``h=32``
    substitutes a user's own ``Symbol("h")`` as well as symconv's.

    >>> h = sp.Symbol("h", positive=True)
    >>> substitution({"h": 32}, {h}), substitution({sp.Symbol("h"): 32}, {h})
    ({h: 32}, {h: 32})
    """
    by_name = {s.name: s for s in free}
    out: dict[sp.Symbol, sp.Expr] = {}
    for key, value in values.items():
        if isinstance(key, str):
            target = by_name.get(key)
        elif isinstance(key, sp.Symbol):
            # A user's Symbol("s_h") is symconv's s_h: same name, whatever the assumptions.
            target = by_name.get(key.name)
        else:
            target = key
        if target is None:
            continue  # a value for a symbol this expression does not use
        out[target] = with_domains(as_number(value))
    return out


def as_number(value: Any) -> sp.Expr:
    """A substitution value as SymPy, without parsing formulas.

    Integers stay exact, ``"3/2"`` and ``"0.5"`` become Rationals (parsed as
    numbers, not evaluated as code), floats stay floats.

    >>> as_number(3), as_number("3/2"), as_number(sp.Symbol("k") + 1)
    (3, 3/2, k + 1)
    """
    if isinstance(value, bool):
        raise TypeError("a substitution value must be a number, not a bool")
    if isinstance(value, int):
        return sp.Integer(value)
    if isinstance(value, float):
        return sp.Float(value)
    if isinstance(value, str):
        try:
            return sp.Rational(value.strip())
        except (TypeError, ValueError, ZeroDivisionError) as exc:  # "1/0" is not a number
            raise ValueError(f"{value!r} is not a number") from exc
    if isinstance(value, sp.Basic):
        return value  # type: ignore[return-value]
    if hasattr(value, "__index__"):
        return sp.Integer(int(value))
    raise TypeError(f"cannot substitute {value!r}")


def free_symbols(obj: Any) -> set[sp.Symbol]:
    """All free symbols anywhere in ``obj``."""
    found: set[sp.Symbol] = set()

    def collect(e: sp.Basic) -> sp.Basic:
        found.update(e.free_symbols)  # type: ignore[arg-type]
        return e

    map_exprs(obj, collect)
    return found


def to_json_value(e: sp.Basic) -> int | str | float:
    """An integer when the expression is one, else its SymPy string form.

    >>> to_json_value(sp.Integer(7)), to_json_value(sp.Symbol("h") + 1)
    (7, 'h + 1')
    """
    if e.is_Integer:
        return int(e)  # type: ignore[call-overload]
    if e.is_Rational or e.is_Float:
        return float(e)  # type: ignore[arg-type]
    return str(e)
