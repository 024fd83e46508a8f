"""Exact evaluation of a tree at many points at once (integers and Fractions, never floats).

Each node is evaluated once for the whole list of points, so the Python
overhead is per node, not per node and point.  Integer and rational
arithmetic is exact; only irrational results (``sqrt(2)``, ``log(3)``) fall
back to 50-digit mpmath numbers, which are compared with a tolerance.  Every
intermediate integer is bounded by :attr:`Limits.max_bits` and every power by
:attr:`Limits.max_exponent`, so no answer can make the grader compute a
gigantic number.  A point where a value is undefined (division by zero, log
of a non-positive number) gets :data:`UNDEFINED`, which propagates.

Examples
--------
>>> from symconv.grading.parser import parse
>>> e = parse("floor((h - k)/s) + 1")
>>> evaluate(e, {"h": [7, 8], "k": [3, 3], "s": [2, 2]}, 2)
[3, 3]
>>> evaluate(parse("h/(h-2)"), {"h": [2, 4]}, 2)
[UNDEFINED, 2]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import mpmath

from symconv.grading.limits import DEFAULT_LIMITS, Limits, TooLarge
from symconv.grading.nodes import Node

#: Precision of the fallback for irrational values.
MP = mpmath.MPContext()
MP.dps = 50


class _Undefined:
    """A value that does not exist at this point; arithmetic on it stays undefined."""

    _instance: _Undefined | None = None

    def __new__(cls) -> _Undefined:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def _same(self, *_: Any) -> _Undefined:
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _same
    __truediv__ = __rtruediv__ = __pow__ = __rpow__ = __neg__ = __abs__ = _same
    __mod__ = __rmod__ = __floor__ = __ceil__ = _same

    def __repr__(self) -> str:
        return "UNDEFINED"


UNDEFINED = _Undefined()
Value = Any  # int | Fraction | mpf | _Undefined | bool


def evaluate(node: Node, env: Mapping[str, Sequence[Value]], n: int,
             limits: Limits = DEFAULT_LIMITS, memo: Any = None) -> list[Value]:
    """Values of ``node`` at ``n`` points; ``env`` maps each name to its ``n`` values."""
    return _Evaluator(env, n, limits, memo if memo is not None else {}, _grows(node)).eval(node)


def _grows(node: Node) -> bool:
    """Whether products can outgrow the bounds: only after a power with a large exponent.

    Without such powers every value is bounded by the leaves' sizes times the number of
    nodes, which the parser's limits already bound, so products need no checking.
    """
    cached = node.facts.get("grows")
    if cached is None:
        cached = node.facts["grows"] = any(
            n.op in ("pow", "exp", "fn") and not (
                n.op == "pow" and n.args[1].op == "num" and abs(n.args[1].value) <= 4)
            for n in node.walk())
    return cached


def _div(a: Value, b: Value) -> Value:
    """Exact quotient: an int when it divides, else a Fraction; 0 divisor is undefined."""
    if type(a) is int and type(b) is int:
        if b == 0:
            return UNDEFINED
        whole, rest = divmod(a, b)
        return whole if rest == 0 else Fraction(a, b)
    if a is UNDEFINED or b is UNDEFINED or b == 0:
        return UNDEFINED
    if not (isinstance(a, int | Fraction) and isinstance(b, int | Fraction)):
        # Fraction / mpf (and Fraction - mpf) raise TypeError: go to mpmath on both sides
        return _mp(a) / _mp(b)
    q: Value = Fraction(a) / b
    if type(q) is Fraction and q.denominator == 1:
        return q.numerator
    return q


def _inverse(node: Node) -> Node | None:
    """``x`` for a factor ``x**-1``, else None."""
    if node.op == "pow" and node.args[1].op == "num" and node.args[1].value == -1:
        return node.args[0]
    return None


class _Evaluator:
    def __init__(self, env: Mapping[str, Sequence[Value]], n: int, limits: Limits, memo: Any,
                 guard: bool = True):
        self.env, self.n, self.limits, self.memo, self.guard = env, n, limits, memo, guard

    def eval(self, node: Node) -> list[Value]:
        key = node.key()
        cached = self.memo.get(key)
        if cached is None:
            cached = self.memo[key] = self._eval(node)
        return cached

    def _eval(self, node: Node) -> list[Value]:
        op, n = node.op, self.n
        if op == "num":
            return [node.value] * n
        if op == "sym":
            try:
                return list(self.env[node.value])
            except KeyError:
                raise KeyError(f"no values for symbol {node.value!r}") from None
        if op == "const":
            return [MP.pi] * n
        if op == "mul":
            return self.product(node)
        args = [self.eval(a) for a in node.args]
        if op == "add":
            out = args[0]
            for other in args[1:]:
                out = [a + b for a, b in zip(out, other)]
            return out
        if op == "pow":
            if node.args[1].op == "num" and type(node.args[1].value) is int:
                e = node.args[1].value
                if 0 <= e <= 4:  # the common h**2: no checks needed
                    return [b if b is UNDEFINED else b**e for b in args[0]]
            return self.check([self.power(b, e) for b, e in zip(*args)])
        if op in _UNARY:
            fn = _UNARY[op]
            return [UNDEFINED if x is UNDEFINED else fn(x) for x in args[0]]
        if op in ("min", "max"):
            pick = min if op == "min" else max
            return [UNDEFINED if any(v is UNDEFINED for v in vs) else pick(_comparable(vs))
                    for vs in zip(*args)]
        if op == "mod":
            return [UNDEFINED if b is UNDEFINED or a is UNDEFINED or b == 0 else a % b
                    for a, b in zip(*args)]
        if op == "log":
            base = args[1] if len(args) == 2 else [None] * n
            return [_log(x, b) for x, b in zip(args[0], base)]
        if op == "rel":
            cmp = _RELATIONS[node.value]
            return [UNDEFINED if a is UNDEFINED or b is UNDEFINED else cmp(*_comparable((a, b)))
                    for a, b in zip(*args)]
        if op == "and":
            return [all(vs) for vs in zip(*args)]
        if op == "or":
            return [any(vs) for vs in zip(*args)]
        if op == "not":
            return [not v for v in args[0]]
        if op == "pw":
            return [_piecewise(vs) for vs in zip(*args)]
        if op == "fn":
            return [_sympy_call(node.value, vs) for vs in zip(*args)]
        raise ValueError(f"cannot evaluate operator {op!r}")

    def product(self, node: Node) -> list[Value]:
        """Numerator and denominator multiplied separately, then one exact division."""
        top: list[Value] | None = None
        bottom: list[Value] | None = None
        for factor in node.args:
            inv = _inverse(factor)
            values = self.eval(inv if inv is not None else factor)
            if inv is None:
                top = values if top is None else self.grown([a * b for a, b in zip(top, values)])
            else:
                bottom = values if bottom is None else self.grown(
                    [a * b for a, b in zip(bottom, values)])
        if bottom is None:
            return top if top is not None else [1] * self.n
        if top is None:
            top = [1] * self.n
        return [_div(a, b) for a, b in zip(top, bottom)]

    def grown(self, values: list[Value]) -> list[Value]:
        return self.check(values) if self.guard else values

    def check(self, values: list[Value]) -> list[Value]:
        """Bound every value; integral Fractions become ints (faster from then on)."""
        limit = self.limits.max_bits
        for i, v in enumerate(values):
            if type(v) is int:
                if v.bit_length() > limit:
                    raise TooLarge()
            elif type(v) is Fraction:
                if v.numerator.bit_length() > limit or v.denominator.bit_length() > limit:
                    raise TooLarge()
                if v.denominator == 1:
                    values[i] = v.numerator
        return values

    def power(self, base: Value, exp: Value) -> Value:
        if base is UNDEFINED or exp is UNDEFINED:
            return UNDEFINED
        if type(exp) is int:
            if abs(exp) > self.limits.max_exponent:
                raise TooLarge(f"a power with exponent {exp} is too large")
            if base == 0:
                return UNDEFINED if exp < 0 else (1 if exp == 0 else 0)
            if isinstance(base, (int, Fraction)):
                bits = max(abs(Fraction(base).numerator).bit_length(),
                           Fraction(base).denominator.bit_length())
                if bits * abs(exp) > self.limits.max_bits:
                    raise TooLarge()
                return base**exp if exp >= 0 else Fraction(1) / base**-exp
            return base**exp
        if base < 0:
            return UNDEFINED  # real results only
        if type(exp) is Fraction and isinstance(base, (int, Fraction)):
            if abs(exp.numerator) > self.limits.max_exponent or exp.denominator > 64:
                raise TooLarge(f"a power with exponent {exp} is too large")
            root = _exact_root(Fraction(base), exp.denominator)
            if root is not None:
                return self.power(root, exp.numerator)
        if base == 0:
            return 0 if exp > 0 else UNDEFINED
        if abs(exp) > self.limits.max_exponent:
            raise TooLarge(f"a power with exponent {exp} is too large")
        return MP.power(_mp(base), _mp(exp))


def _mp(x: Value) -> Any:
    if isinstance(x, Fraction):
        return MP.mpf(x.numerator) / x.denominator
    return MP.mpf(x)


def _exact_root(x: Fraction, q: int) -> Fraction | None:
    """``x**(1/q)`` when it is rational, else None."""
    parts = []
    for part in (x.numerator, x.denominator):
        r = _iroot(part, q)
        if r is None:
            return None
        parts.append(r)
    return Fraction(parts[0], parts[1])


def _iroot(n: int, q: int) -> int | None:
    if n < 0:
        return None
    r: int | None
    if q == 2:
        r = math.isqrt(n)
    else:
        r = int(round(n ** (1.0 / q))) if n.bit_length() < 1000 else None
        if r is None:
            return None
        for cand in (r - 1, r, r + 1):
            if cand >= 0 and cand**q == n:
                return cand
        return None
    return r if r * r == n else None


def _sqrt(x: Value) -> Value:
    if x < 0:
        return UNDEFINED
    if isinstance(x, (int, Fraction)):
        root = _exact_root(Fraction(x), 2)
        if root is not None:
            return root.numerator if root.denominator == 1 else root
    return MP.sqrt(_mp(x))


def _exp(x: Value) -> Value:
    if x == 0:
        return 1
    if abs(x) > 10_000:
        raise TooLarge("exp of a large number")
    return MP.exp(_mp(x))


def _log(x: Value, base: Value) -> Value:
    if x is UNDEFINED or base is UNDEFINED or x <= 0:
        return UNDEFINED
    if base is not None and (base <= 0 or base == 1):
        return UNDEFINED
    if x == 1:
        return 0
    if base is not None and type(base) is int and type(x) is int:
        k = round(math.log(x, base)) if x.bit_length() < 1000 else None
        if k is not None and k >= 0 and base**k == x:
            return k
    value = MP.log(_mp(x))
    return value if base is None else value / MP.log(_mp(base))


def _floor(x: Value) -> int:
    return math.floor(x)


def _ceil(x: Value) -> int:
    return math.ceil(x)


_UNARY = {"floor": _floor, "ceil": _ceil, "abs": abs, "sqrt": _sqrt, "exp": _exp}
_RELATIONS = {
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
}


def _comparable(values: Sequence[Value]) -> Sequence[Value]:
    """Values that can be compared: mpmath numbers do not compare with Fractions.

    >>> max(_comparable((MP.sqrt(2), Fraction(1, 2)))) == MP.sqrt(2)
    True
    """
    if all(isinstance(v, (int, Fraction)) for v in values):
        return values
    return [_mp(v) if isinstance(v, Fraction) else v for v in values]


def _piecewise(values: tuple[Value, ...]) -> Value:
    for i in range(0, len(values), 2):
        cond = values[i + 1]
        if cond is UNDEFINED:
            return UNDEFINED
        if cond:
            return values[i]
    return UNDEFINED


def _sympy_call(function: Any, values: tuple[Value, ...]) -> Value:
    """A trusted SymPy function of the reference (e.g. ``ScatterCoverage``) at numbers."""
    import sympy as sp

    if any(v is UNDEFINED for v in values):
        return UNDEFINED
    result = function(*(sp.Rational(v.numerator, v.denominator) if isinstance(v, Fraction)
                        else sp.Integer(v) if type(v) is int else sp.Float(str(v), 50)
                        for v in values))
    return from_sympy_number(result)


def from_sympy_number(value: Any) -> Value:
    """A SymPy number as int, Fraction or mpf."""
    import sympy as sp

    if value is sp.nan or value is sp.zoo or value.has(sp.oo, sp.zoo, sp.nan):
        return UNDEFINED
    if value.is_Integer:
        return int(value)
    if value.is_Rational:
        return Fraction(int(value.p), int(value.q))
    if value.is_number and value.is_real:
        return MP.mpf(str(sp.N(value, 55)))
    if value in (sp.true, sp.false):
        return bool(value)
    raise ValueError(f"{value} is not a real number")


def same(a: Value, b: Value, rel_tol: float | None = None) -> bool:
    """Equal values: exact for integers and Fractions, to a relative tolerance otherwise.

    >>> same(Fraction(1, 2), Fraction(2, 4)), same(MP.sqrt(2)**2, 2), same(100, 101, 0.02)
    (True, True, True)
    """
    if a is UNDEFINED or b is UNDEFINED:
        return a is b
    exact = isinstance(a, (int, Fraction)) and isinstance(b, (int, Fraction))
    if exact and rel_tol is None:
        return a == b
    tol = rel_tol if rel_tol is not None else 1e-40
    if not exact:
        a, b = _mp(a), _mp(b)
    diff = abs(a - b)
    scale = max(abs(a), abs(b))
    return bool(diff <= tol * scale) if scale else True
