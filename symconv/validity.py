"""When a layer is valid: the conditions its formulas hold under, checked whenever values arrive.

A layer's formulas hold only for some values: every size is a positive
integer, the (dilated) kernel fits the padded input, groups divide the
channels...  A condition that the given values decide is checked when the
layer is built or analysed (:func:`must_hold`); one that stays symbolic is
kept in the report's ``conditions``, with its *reason* (a message template and
the expressions it mentions), and checked again by ``report.subs``: values
that break it raise :class:`InvalidLayer` with the same message, numbers
filled in, instead of giving a shape such as ``(8, -2, -2)``.

Examples
--------
>>> import symconv
>>> r = symconv.analyze(symconv.Conv2d(3, 8, 5), (3, "h", "w"))
>>> r.conditions
(h >= 5, w >= 5)
>>> r.subs(h=2, w=2)
Traceback (most recent call last):
...
symconv.validity.InvalidLayer: Conv2d(3, 8, kernel_size=5, ...): kernel extent 5 is larger than \
the padded input 2 + 0 + 0 on spatial axis 0
>>> r.subs(h=2.5)
Traceback (most recent call last):
...
symconv.validity.InvalidLayer: h must be a positive integer, got 2.5
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sympy as sp

from symconv.symbols import is_number

#: A condition's reason: a ``str.format`` template and the expressions it mentions.
Reason = tuple[str, tuple[Any, ...]]


class LayerError(ValueError):
    """A layer cannot be applied as asked (bad argument or incompatible input)."""


class InvalidLayer(LayerError):
    """Values make a layer invalid: a condition of its formulas fails (the message says which)."""


def reason_text(reason: Reason | str) -> str:
    """The message of a reason, its expressions formatted as they are now.

    >>> reason_text(("kernel {} > input {}", (sp.Integer(5), sp.Integer(2))))
    'kernel 5 > input 2'
    """
    if isinstance(reason, str):
        return reason
    template, args = reason
    return template.format(*args)


def must_hold(condition: sp.Basic, message: Reason | str) -> sp.Basic | None:
    """Raise :class:`InvalidLayer` when a numeric condition is false; return it when symbolic.

    Symbolic conditions are kept in the report (``conditions``), so graders,
    answer keys and ``subs`` know which instances are valid.  ``message`` may
    be a ``(format, args)`` reason, formatted only when the error is raised.

    >>> must_hold(sp.Ge(3, 5), ("{} < {}", (3, 5)))
    Traceback (most recent call last):
    ...
    symconv.validity.InvalidLayer: 3 < 5
    >>> must_hold(sp.Ge(sp.Symbol("h"), 5), "h too small")
    h >= 5
    """
    verdict = sp.simplify(condition) if is_number(condition) else condition
    if verdict is sp.false:
        raise InvalidLayer(reason_text(message))
    if verdict is sp.true:
        return None
    return condition


def positive_integer(value: sp.Expr, what: str, minimum: int = 1) -> sp.Expr:
    """``value`` when it is symbolic or an integer of at least ``minimum``; else :class:`InvalidLayer`.

    >>> positive_integer(sp.Integer(0), "groups")
    Traceback (most recent call last):
    ...
    symconv.validity.InvalidLayer: groups must be a positive integer, got 0
    """
    if is_number(value) and not (value.is_Integer and value >= minimum):
        bound = "a positive" if minimum >= 1 else "a non-negative"
        raise InvalidLayer(f"{what} must be {bound} integer, got {shown(value)}")
    return value


def shown(value: Any) -> str:
    """A value in a message: floats as Python prints them (``2.5``, not ``2.50000000000000``)."""
    if isinstance(value, sp.Float) or isinstance(value, float):
        return repr(float(value))
    return str(value)


def domain_problem(symbol: sp.Symbol, value: Any) -> str | None:
    """Why ``value`` is outside ``symbol``'s domain (its SymPy assumptions), or None.

    symconv's symbols carry the domain their name implies (sizes are positive
    integers, paddings non-negative integers), so a value outside it would
    make every formula meaningless.

    >>> from symconv.symbols import sym
    >>> domain_problem(sym("p_h"), -1)
    'p_h must be a non-negative integer, got -1'
    >>> domain_problem(sym("h"), sp.Integer(7)) is None
    True
    """
    value = sp.sympify(value)
    if not is_number(value):
        return None
    integer, positive, nonnegative = (symbol.is_integer, symbol.is_positive,
                                      symbol.is_nonnegative)
    if integer and not value.is_integer:
        kind = "a positive integer" if positive else (
            "a non-negative integer" if nonnegative else "an integer")
        return f"{symbol.name} must be {kind}, got {shown(value)}"
    if positive and not value.is_positive:
        kind = "a positive integer" if integer else "positive"
        return f"{symbol.name} must be {kind}, got {shown(value)}"
    if nonnegative and not value.is_nonnegative:
        kind = "a non-negative integer" if integer else "non-negative"
        return f"{symbol.name} must be {kind}, got {shown(value)}"
    return None


def check_values(table: Mapping[sp.Symbol, Any]) -> None:
    """Raise :class:`InvalidLayer` when a substituted value is outside its symbol's domain."""
    problems = [p for s, v in table.items() if (p := domain_problem(s, v)) is not None]
    if problems:
        raise InvalidLayer("; ".join(problems))


def settle(conditions: Sequence[sp.Basic], reasons: Sequence[Reason | str], where: str,
           table: Mapping[sp.Symbol, Any]) -> tuple[tuple[sp.Basic, ...], tuple[Reason | str, ...]]:
    """The conditions (and reasons) still open once ``table`` is substituted; raise for a false one.

    ``reasons`` may be shorter than ``conditions`` (a condition without a reason is
    shown as the relation and the values that break it); ``where`` names the
    layer in the message.

    >>> h = sp.Symbol("h", integer=True, positive=True)
    >>> settle([sp.Ge(h, 5)], [], "layer 0", {h: sp.Integer(2)})
    Traceback (most recent call last):
    ...
    symconv.validity.InvalidLayer: layer 0: needs h >= 5, false for h = 2
    >>> settle([sp.Ge(h, 5)], [], "layer 0", {h: sp.Integer(7)})
    ((), ())
    """
    kept: list[sp.Basic] = []
    kept_reasons: list[Reason | str] = []
    for k, condition in enumerate(conditions):
        now = condition.xreplace(table)
        verdict = sp.simplify(now) if is_number(now) else now
        if verdict is sp.false:
            if k < len(reasons):
                text = reason_text(_substituted(reasons[k], table))
            else:
                values = ", ".join(f"{s} = {shown(table[s])}"
                                   for s in sorted(condition.free_symbols, key=str) if s in table)
                text = f"needs {_relation_text(condition)}, false for {values}"
            raise InvalidLayer(f"{where}: {text}")
        if verdict is sp.true:
            continue
        kept.append(now)
        if k < len(reasons):
            kept_reasons.append(_substituted(reasons[k], table))
    return tuple(kept), tuple(kept_reasons)


def _relation_text(condition: sp.Basic) -> str:
    """``Eq(a, b)`` as ``a = b`` (SymPy's str() of an equation is its constructor).

    >>> h = sp.Symbol("h")
    >>> _relation_text(sp.Eq(h + 1, 197)), _relation_text(sp.Ge(h, 5))
    ('h + 1 = 197', 'h >= 5')
    """
    if isinstance(condition, sp.Eq):
        return f"{condition.lhs} = {condition.rhs}"
    if isinstance(condition, sp.Ne):
        return f"{condition.lhs} != {condition.rhs}"
    return str(condition)


def _substituted(reason: Reason | str, table: Mapping[sp.Symbol, Any]) -> Reason | str:
    if isinstance(reason, str):
        return reason
    template, args = reason
    return template, tuple(a.xreplace(table) if isinstance(a, sp.Basic) else a for a in args)


def distinct(conditions: Sequence[sp.Basic], reasons: Sequence[Reason | str]
             ) -> tuple[tuple[sp.Basic, ...], tuple[Reason | str, ...]]:
    """Conditions without repeats (a square input states each one per axis), reasons alongside.

    >>> h = sp.Symbol("h")
    >>> distinct([h >= 5, h >= 5], ["axis 0", "axis 1"])
    ((h >= 5,), ('axis 0',))
    """
    seen: dict[sp.Basic, Reason | str] = {}
    for condition, reason in zip(conditions, reasons):
        seen.setdefault(condition, reason)
    return tuple(seen), tuple(seen.values())


def readable(conditions: Sequence[sp.Basic]) -> tuple[sp.Basic, ...]:
    """The conditions as a reader wants them shown: the one-symbol conditions on a positive
    integer size that only get easier as it grows (sums, positive multiples, floors and
    ceilings of it) folded into the one bound they amount to, in the first one's place;
    every other condition as it is.  (``report.conditions`` itself keeps every condition
    with its reason; this is for the "valid when" lines.)

    >>> from symconv.symbols import sym
    >>> h, w = sym("h"), sym("w")
    >>> readable([h >= 2, sp.floor(h / 2) + 2 >= 3, w >= 5, sp.floor(w / 3) >= 2])
    (h >= 2, w >= 6)
    >>> readable([sp.floor(h / 2) - h >= -3])  # gets harder as h grows: kept
    (-h + floor(h/2) >= -3,)
    """
    groups: dict[sp.Symbol, list[sp.Basic]] = {}
    for c in conditions:
        s = _size_symbol(c)
        if s is not None:
            groups.setdefault(s, []).append(c)
    out: list[sp.Basic] = []
    for c in conditions:
        s = _size_symbol(c)
        if s is None:
            out.append(c)
            continue
        group = groups.pop(s, None)
        if group is None:
            continue  # folded into the group's first condition
        least = least_size(group, s)
        if least is None:
            out.extend(group)
        elif least > 1:
            out.append(sp.Ge(s, least))
    return tuple(out)


def _size_symbol(c: sp.Basic) -> sp.Symbol | None:
    """The one symbol of ``c`` when it is a positive integer and ``c`` only gets easier as
    it grows (the difference of the sides is built of sums, positive multiples, floors and
    ceilings of it); else None."""
    if not isinstance(c, sp.GreaterThan | sp.StrictGreaterThan | sp.LessThan
                      | sp.StrictLessThan) or len(c.free_symbols) != 1:
        return None
    (s,) = c.free_symbols
    if not (getattr(s, "is_integer", False) and getattr(s, "is_positive", False)):
        return None
    slack = c.lhs - c.rhs if isinstance(c, sp.GreaterThan | sp.StrictGreaterThan) \
        else c.rhs - c.lhs
    return s if _nondecreasing(slack, s) else None  # type: ignore[return-value]


def _nondecreasing(e: sp.Basic, s: sp.Basic) -> bool:
    if e.is_number or e == s:
        return True
    if isinstance(e, sp.Add):
        return all(_nondecreasing(a, s) for a in e.args)
    if isinstance(e, sp.Mul):
        moving = [a for a in e.args if a.has(s)]
        fixed = sp.Mul(*(a for a in e.args if not a.has(s)))
        return len(moving) == 1 and bool(fixed.is_nonnegative) and _nondecreasing(moving[0], s)
    if isinstance(e, sp.floor | sp.ceiling):
        return _nondecreasing(e.args[0], s)
    return False


def least_size(group: Sequence[sp.Basic], s: sp.Symbol, limit: int = 2**40) -> int | None:
    """The least positive integer at which every condition of ``group`` holds, for
    conditions that only get easier as ``s`` grows: by doubling, then bisection (None:
    none up to ``limit``).

    >>> h = sp.Symbol("h", integer=True, positive=True)
    >>> least_size([sp.floor(h / 4) >= 3, h + 1 >= 5], h)
    12
    """
    def holds(n: int) -> bool:
        return all(c.xreplace({s: sp.Integer(n)}) is sp.true for c in group)

    if holds(1):
        return 1
    high = 2
    while not holds(high):
        high *= 2
        if high > limit:
            return None
    low = high // 2  # fails at low, holds at high
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (low, mid) if holds(mid) else (mid, high)
    return high


def unknown_names(keys: Iterable[Any], free: set[sp.Symbol]) -> list[str]:
    """Keys of a substitution (names or symbols) that match no symbol in ``free`` by name."""
    names = {s.name for s in free}
    out = []
    for key in keys:
        name = key if isinstance(key, str) else getattr(key, "name", None)
        if name is None or name not in names:
            out.append(str(key))
    return out


def check_names(keys: Iterable[Any], free: set[sp.Symbol]) -> None:
    """Raise ``KeyError``-like :class:`UnknownSymbol` for substitution keys the report lacks.

    >>> check_names(["k"], {sp.Symbol("h"), sp.Symbol("c_i")})
    Traceback (most recent call last):
    ...
    symconv.validity.UnknownSymbol: no symbol k here; the symbols are c_i, h
    """
    missing = unknown_names(keys, free)
    if missing:
        have = ", ".join(sorted(s.name for s in free)) or "none (every value is a number)"
        plural = "s" if len(missing) > 1 else ""
        raise UnknownSymbol(f"no symbol{plural} {', '.join(missing)} here; the symbols are {have}")


class UnknownSymbol(ValueError):
    """``subs`` was given a name or symbol the report does not have (a typo would pass silently)."""


__all__ = ["LayerError", "InvalidLayer", "UnknownSymbol", "Reason", "must_hold", "distinct",
           "positive_integer", "domain_problem", "check_values", "settle", "check_names",
           "reason_text", "readable", "least_size"]
