"""Exact evaluation of a tree at many points at once (integers and Fractions, never floats).

Each node is evaluated once for the whole list of points, so the Python
overhead is per node, not per node and point.  Integer and rational
arithmetic is exact; only irrational results (``sqrt(2)``, ``log(3)``, ``pi``)
become :class:`~symconv.grading.reals.Approx` intervals, which mix with exact
values everywhere (floor, mod, min/max, comparisons).  When an interval is too
wide to decide something, the whole evaluation is repeated at a higher
precision (:func:`evaluate` does this).

Every intermediate integer is bounded by :attr:`Limits.max_bits` (sizes are
estimated *before* a power is computed, for every exponent), every power by
:attr:`Limits.max_exponent`, and the time budget (:func:`~symconv.grading.limits.time_budget`)
is checked at every operator node (a leaf only copies its values), so no answer can
make the grader compute a gigantic number or run for long.  A point where a value is
undefined (division by zero, log of a non-positive number) gets :data:`UNDEFINED`, which
propagates.

Examples
--------
>>> from symconv.grading.parser import parse
>>> e = parse("floor((h - k)/s) + 1")
>>> evaluate(e, {"h": [7, 8], "k": [3, 3], "s": [2, 2]}, 2)
[3, 3]
>>> evaluate(parse("h/(h-2)"), {"h": [2, 4]}, 2)
[UNDEFINED, 2]
>>> evaluate(parse("floor(sqrt(2)*10^20)"), {}, 1)
[141421356237309504880]
"""

from __future__ import annotations

import operator
from collections import ChainMap
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import sympy as sp

from symconv.grading import reals as R
from symconv.grading.limits import (
    DEFAULT_LIMITS,
    InvalidAnswer,
    Limits,
    TooLarge,
    check_time,
)
from symconv.grading.nodes import Node
from symconv.grading.reals import Approx, Undecided, compare, is_exact, sign


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

    def __reduce__(self) -> str:
        return "UNDEFINED"


UNDEFINED = _Undefined()
Value = Any  # int | Fraction | Approx | _Undefined | bool


def evaluate(node: Node, env: Mapping[str, Sequence[Value]], n: int,
             limits: Limits = DEFAULT_LIMITS, memo: Any = None) -> list[Value]:
    """Values of ``node`` at ``n`` points; ``env`` maps each name to its ``n`` values.

    Irrational values start at :data:`~symconv.grading.reals.START_BITS` bits; when one
    is too close to call (a floor of ``2.0000...``, a comparison of equal values), the
    evaluation is repeated with more bits (and a fresh memo) until it is decided.
    """
    try:
        return _Evaluator(env, n, limits, {} if memo is None else memo).eval(node)
    except Undecided as exc:
        need = exc.bits
    bits = R.precision()  # the current precision (only _precise below changes it)
    if n == 1:
        return _precise(node, env, limits, bits, need)
    # Only the points that need it are evaluated again, each as precisely as it needs.
    return [_precise(node, {k: [v[i]] for k, v in env.items()}, limits, bits, None)[0]
            for i in range(n)]


class Evaluation:
    """:func:`evaluate` of many trees at the same points into the same memo, with one
    evaluator kept between them (what :func:`symconv.grading.equivalence` does for
    hundreds of mutant trees sharing most of their nodes).  ``memo`` belongs to it.

    >>> from symconv.grading.parser import parse
    >>> at = Evaluation({"h": [3, 4]}, 2, DEFAULT_LIMITS, {})
    >>> at(parse("h + 1")), at(parse("2*(h + 1)"))
    ([4, 5], [8, 10])
    """

    def __init__(self, env: Mapping[str, Sequence[Value]], n: int, limits: Limits,
                 memo: dict) -> None:
        self.env, self.n, self.limits, self.memo = env, n, limits, memo
        self._evaluator = _Evaluator(env, n, limits, memo)

    def __call__(self, node: Node) -> list[Value]:
        try:
            return self._evaluator.eval(node)
        except Undecided:  # more precision needed: evaluate() decides it
            return evaluate(node, self.env, self.n, self.limits, self.memo)


class _Bail(Exception):
    """Not a plain exact computation: :func:`exact_at` gives up."""


#: :func:`exact_at` gives up on a value larger than this (bits of numerator/denominator).
EXACT_AT_BITS = 4096


def exact_at(node: Node, row: Mapping[str, Value], memo: dict) -> Value | None:
    """The exact value of ``node`` at one point, when it is a plain computation with
    integers and Fractions (``+``, ``*``, ``/``, small integer powers, floor, ceil, all
    values within :data:`EXACT_AT_BITS` bits); None for anything else (an interval, an
    undefined value, a large number, another operator), which :func:`evaluate` decides.

    A lean walk for telling hundreds of mutant trees apart at one point: where it gives
    a value it is the value :func:`evaluate` gives there (the same exact arithmetic), and
    ``memo`` (its own, by node) shares the trees' common subtrees.

    >>> from symconv.grading.parser import parse
    >>> exact_at(parse("floor((h - 3)/2) + 1"), {"h": 8}, {}), exact_at(parse("1/h"), {"h": 0}, {})
    (3, None)
    """
    try:
        return _exact(node, row, memo)
    except (_Bail, RecursionError, ZeroDivisionError):
        return None


def _exact(node: Node, row: Mapping[str, Value], memo: dict) -> Value:
    v = memo.get(node)
    if v is not None:
        return v
    check_time()
    op = node.op
    if op == "num":
        v = node.value
        if type(v) is not int and type(v) is not Fraction:
            raise _Bail
    elif op == "sym":
        v = row[node.value]
        if type(v) is not int and type(v) is not Fraction:
            raise _Bail
    elif op == "add":
        v = 0
        for a in node.args:
            v += _exact(a, row, memo)
    elif op == "mul":
        split = node.facts.get("split")
        if split is None:
            split = node.facts["split"] = tuple(
                (f, False) if (inv := _inverse(f)) is None else (inv, True)
                for f in node.args)
        top: Value = 1
        bottom: Value = 1
        for factor, inverse in split:
            if inverse:
                bottom *= _exact(factor, row, memo)
            else:
                top *= _exact(factor, row, memo)
        if bottom == 0:
            raise _Bail
        if bottom != 1:
            v = Fraction(top) / bottom
            if v.denominator == 1:
                v = v.numerator
        else:
            v = top
    elif op == "pow":
        exponent = node.args[1]
        if exponent.op != "num" or type(exponent.value) is not int \
                or abs(exponent.value) > 64:
            raise _Bail
        base = _exact(node.args[0], row, memo)
        e = exponent.value
        if _bits(base) * max(abs(e), 1) > EXACT_AT_BITS or (base == 0 and e < 0):
            raise _Bail
        v = base**e if e >= 0 else Fraction(1) / base**-e
        if type(v) is Fraction and v.denominator == 1:
            v = v.numerator
    elif op == "floor" or op == "ceil":
        x = _exact(node.args[0], row, memo)
        v = x if type(x) is int else (x.__floor__() if op == "floor" else x.__ceil__())
    else:
        raise _Bail
    if type(v) is int:
        if v.bit_length() > EXACT_AT_BITS:
            raise _Bail
    elif type(v) is Fraction:
        if v.numerator.bit_length() > EXACT_AT_BITS or v.denominator.bit_length() > EXACT_AT_BITS:
            raise _Bail
    else:
        raise _Bail
    memo[node] = v
    return v


def _precise(node: Node, env: Mapping[str, Sequence[Value]], limits: Limits, bits: int,
             need: int | None) -> list[Value]:
    """``node`` at one point, at increasing precision until every decision is made."""
    while True:
        if need is not None:
            if bits >= R.MAX_BITS:
                raise TooLarge("a value in the answer cannot be computed precisely "
                               "enough") from None
            bits = min(max(need, 4 * bits), R.MAX_BITS)
        with R.working_precision(bits):
            try:
                return _Evaluator(env, 1, limits, {}).eval(node)
            except Undecided as exc:
                need = exc.bits


def _bits(v: Value) -> int:
    """Size of an exact value: the larger of its numerator's and denominator's bits."""
    if type(v) is int:
        return v.bit_length()
    if type(v) is Fraction:
        return max(v.numerator.bit_length(), v.denominator.bit_length())
    return 0


def _div(a: Value, b: Value) -> Value:
    """Exact quotient: an int when it divides, else a Fraction; 0 divisor is undefined."""
    if type(a) is int and type(b) is int:
        if b == 0:
            return UNDEFINED
        whole, rest = divmod(a, b)
        return whole if rest == 0 else Fraction(a, b)
    if a is UNDEFINED or b is UNDEFINED:
        return UNDEFINED
    if type(b) is Approx or type(a) is Approx:
        if sign(b) == 0:
            return UNDEFINED
        return a / b
    if b == 0:
        return UNDEFINED
    q: Value = Fraction(a) / b
    if type(q) is Fraction and q.denominator == 1:
        return q.numerator
    return q


def _inverse(node: Node) -> Node | None:
    """``x`` for a factor ``x**-1``, else None."""
    if node.op == "pow" and node.args[1].op == "num" and node.args[1].value == -1:
        return node.args[0]
    return None


def _guard(fn: Any) -> Any:
    """``fn`` on one value, UNDEFINED where it has no real value."""
    def safe(x: Value) -> Value:
        if x is UNDEFINED:
            return UNDEFINED
        try:
            return fn(x)
        except InvalidAnswer:
            raise
        except (ValueError, ZeroDivisionError):
            return UNDEFINED
        except OverflowError:
            raise TooLarge() from None
    return safe


def _bound64(node: Node) -> int | None:
    """:meth:`_Evaluator.bound` when every symbol's values have at most 64 bits (cached on
    the node)."""
    cached = node.facts.get("bits64", False)
    if cached is False:
        cached = node.facts["bits64"] = _bound64_of(node)
    return cached


def _bound64_of(node: Node) -> int | None:
    op = node.op
    if op == "num":
        return _bits(node.value) if not isinstance(node.value, bool) else 1
    if op == "sym":
        return 64
    if op not in _BOUNDED:
        return None
    if op == "pow":
        exponent = node.args[1]
        inner = _bound64(node.args[0])
        if exponent.op == "num" and type(exponent.value) is int and inner is not None:
            return inner * max(abs(exponent.value), 1)
        return None
    parts = [_bound64(a) for a in node.args]
    if any(p is None for p in parts):
        return None
    known = [p for p in parts if p is not None]
    return sum(known) + len(known) if op in ("add", "mul", "mod") else max(known) + 1


_COLUMN_BITS: dict[int, tuple[Any, int | None]] = {}


_INT = frozenset((int,))
_EXACT = frozenset((int, Fraction))


def _column_bits(values: Sequence[Value]) -> int | None:
    """Bits of the largest exact value of a symbol's column (None: not all exact)."""
    try:  # the common case, integers: one pass, no type test of its own
        bits = max(map(int.bit_length, values), default=0)
    except TypeError:  # not all integers
        bits = None
    # int.bit_length takes bools too, which are not numbers here (0 or 1 bit: only then
    # is it worth looking)
    if bits is not None and (bits > 1 or bool not in set(map(type, values))):
        return bits
    if set(map(type, values)) <= _EXACT:
        return max(_bits(v) for v in values)
    return None


_UNARY = {"floor": _guard(R.floor), "ceil": _guard(R.ceil), "abs": _guard(abs),
          "sqrt": _guard(R.sqrt)}
#: Operators whose exact results are bounded by their arguments' sizes (see ``bound``).
_BOUNDED = frozenset(("num", "sym", "add", "mul", "pow", "floor", "ceil", "abs", "min", "max",
                      "mod"))


class _Evaluator:
    def __init__(self, env: Mapping[str, Sequence[Value]], n: int, limits: Limits, memo: Any):
        self.env, self.n, self.limits = env, n, limits
        # a ChainMap({}, shared) memo (an answer reusing a reference's values): written to
        # its first map, read from both, without ChainMap's slow lookups
        self.shared: Any = None
        if type(memo) is ChainMap and len(memo.maps) == 2 and type(memo.maps[0]) is dict:
            memo, self.shared = memo.maps
        self.memo = memo
        self._exp: Any = None  # exp under these limits, made when first needed
        self.bounds: dict[int, int | None] = {}
        # the names found to have values of at most 64 bits here, and those found not to:
        # each name is looked at when a node first needs it (a condition's few symbols
        # are not worth sizing every column of the environment for)
        self._narrow: set[str] = set()
        self._wide: set[str] = set()

    def narrow(self, names: frozenset[str]) -> bool:
        """Whether every value here of each of ``names`` has at most 64 bits (a name
        without values is not narrow)."""
        narrow, wide, env = self._narrow, self._wide, self.env
        for name in names - narrow:
            if name in wide or name not in env:
                wide.add(name)
                return False
            bits = self.symbol_bits(name)
            if bits is None or bits > 64:
                wide.add(name)
                return False
            narrow.add(name)
        return True

    def bound(self, node: Node) -> int | None:
        """An upper bound of the bits of any exact value (numerator or denominator) of
        ``node`` at these points, from the tree and the symbols' values; None: unknown
        (irrational parts, exponents that are not numbers).  A node whose bound is within
        :attr:`Limits.max_bits` needs no size check: CNN formulas never pay for one."""
        key = id(node)
        if key in self.bounds:
            return self.bounds[key]
        names = node.names()
        if names <= self._narrow or self.narrow(names):
            # every symbol within 64 bits: the bound cached on the node serves
            self.bounds[key] = found = _bound64(node)
            return found
        op = node.op
        out: int | None = None
        if op == "num":
            out = _bits(node.value) if not isinstance(node.value, bool) else 1
        elif op == "sym":
            out = self.symbol_bits(node.value)
        elif op in _BOUNDED:
            if op == "pow":
                exponent = node.args[1]
                inner = self.bound(node.args[0])
                if exponent.op == "num" and type(exponent.value) is int and inner is not None:
                    out = inner * max(abs(exponent.value), 1)
            else:
                parts = [self.bound(a) for a in node.args]
                if all(p is not None for p in parts):
                    known = [p for p in parts if p is not None]
                    if op in ("add", "mul", "mod"):
                        out = sum(known) + len(known)
                    else:  # floor, ceil, abs, min, max
                        out = max(known) + 1
        self.bounds[key] = out
        return out

    def symbol_bits(self, name: str) -> int | None:
        values = self.env.get(name, ())
        key = id(values)
        found = _COLUMN_BITS.get(key)
        if found is not None and found[0] is values:
            return found[1]
        bits = _column_bits(values)
        if len(_COLUMN_BITS) > 4096:
            _COLUMN_BITS.clear()
        _COLUMN_BITS[key] = (values, bits)  # the column is kept: its id stays its own
        return bits

    def small(self, node: Node) -> bool:
        names = node.names()
        if names <= self._narrow or self.narrow(names):  # the common case: the bound
            # cached on the node
            bits = node.facts.get("bits64", False)
            if bits is False:
                bits = _bound64(node)
        else:
            bits = self.bound(node)
        return bits is not None and bits <= self.limits.max_bits

    def eval(self, node: Node) -> list[Value]:
        memo = self.memo
        cached = memo.get(node)
        if cached is None:
            shared = self.shared
            if shared is not None:
                cached = shared.get(node)
                if cached is not None:
                    return cached
            op = node.op
            if op == "sym":  # the leaves, most nodes, without a call (and no time to check)
                try:
                    cached = memo[node] = list(self.env[node.value])
                except KeyError:
                    raise KeyError(f"no values for symbol {node.value!r}") from None
            elif op == "num":
                cached = memo[node] = [node.value] * self.n
            else:
                check_time()
                cached = memo[node] = self._eval(node)
        return cached

    def _eval(self, node: Node) -> list[Value]:
        """The values of an operator node (``eval`` does the leaves)."""
        op, n = node.op, self.n
        if n > 1 and op != "const" and not node.names():  # a constant: evaluated once
            return _Evaluator({}, 1, self.limits, {}).eval(node) * n
        if op == "const":
            return [R.pi() if node.value == "pi" else R.euler()] * n
        if op == "mul":
            return self.product(node)
        if op in ("floor", "ceil") and node.args[0].op == "mul":
            quotient = self.integer_quotient(node)
            if quotient is not None:
                return quotient
        args = list(map(self.eval, node.args))
        if op == "add":
            out = args[0]
            unchecked = self.small(node)
            for other in args[1:]:
                out = list(map(operator.add, out, other))
                if not unchecked:
                    out = self.check(out)
            return out
        if op == "pow":
            exponent = node.args[1]
            if exponent.op == "num" and type(exponent.value) is int \
                    and 0 <= exponent.value <= self.limits.max_exponent \
                    and set(map(type, args[0])) <= _INT and self.small(node):
                # integers to a fixed power within the node's bound: what power() gives
                # each of them, without its per-value checks (the bound already did them)
                e = exponent.value
                return [b**e for b in args[0]]
            values = [self.power(b, e) for b, e in zip(*args)]
            return values if self.small(node) else self.check(values)
        if op in _UNARY or op == "exp":
            fn = _UNARY.get(op)
            if fn is None:
                if self._exp is None:
                    self._exp = _guard(self.exp)
                fn = self._exp
            return self.check([fn(x) for x in args[0]])
        if op in ("min", "max"):
            pick = _least if op == "min" else _greatest
            return [UNDEFINED if any(v is UNDEFINED for v in vs) else pick(vs)
                    for vs in zip(*args)]
        if op == "mod":
            return self.check([_mod(a, b) for a, b in zip(*args)])
        if op == "log":
            base = args[1] if len(args) == 2 else [None] * n
            return [_log(x, b) for x, b in zip(args[0], base)]
        if op == "rel":
            left, right = args
            if set(map(type, left)) <= _INT and set(map(type, right)) <= _INT:
                # integers (a condition at integer points) compare directly, no call each
                return list(map(_INTEGER_RELATIONS[node.value], left, right))
            cmp = _RELATIONS[node.value]
            return [UNDEFINED if a is UNDEFINED or b is UNDEFINED else cmp(compare(a, b))
                    for a, b in zip(left, right)]
        if op == "and":
            return [all(vs) for vs in zip(*args)]
        if op == "or":
            return [any(vs) for vs in zip(*args)]
        if op == "not":
            return [not v for v in args[0]]
        if op == "pw":
            return [_piecewise(vs) for vs in zip(*args)]
        if op == "all":  # several formulas together (a tuple's components): defined or not
            return [UNDEFINED if any(v is UNDEFINED for v in vs) else 0 for vs in zip(*args)]
        if op == "eq":  # a chain a = b = c: worth c where every side is equal
            return [_chain(vs) for vs in zip(*args)]
        if op == "fn":
            return [_sympy_call(node.value, vs) for vs in zip(*args)]
        raise ValueError(f"cannot evaluate operator {op!r}")

    def parts(self, node: Node) -> tuple[list[Value], list[Value] | None]:
        """A product's numerator and denominator, each multiplied out separately."""
        top: list[Value] | None = None
        bottom: list[Value] | None = None
        unchecked = self.small(node)
        split = node.facts.get("split")
        if split is None:  # each factor, and whether it is a divisor (x**-1): found once
            split = node.facts["split"] = tuple(
                (f, False) if (inv := _inverse(f)) is None else (inv, True)
                for f in node.args)
        for factor, inverse in split:
            values = self.eval(factor)
            if not inverse:
                if top is None:
                    top = values
                else:
                    top = list(map(operator.mul, top, values))
                    if not unchecked:
                        top = self.check(top)
            elif bottom is None:
                bottom = values
            else:
                bottom = list(map(operator.mul, bottom, values))
                if not unchecked:
                    bottom = self.check(bottom)
        return (top if top is not None else [1] * self.n), bottom

    def product(self, node: Node) -> list[Value]:
        """Numerator and denominator multiplied separately, then one exact division."""
        top, bottom = self.parts(node)
        if bottom is None:
            return top
        # integers that divide (most CNN quotients at most points) without a call each
        return [(a // b if not a % b else Fraction(a, b))
                if type(a) is int and type(b) is int and b else _div(a, b)
                for a, b in zip(top, bottom)]

    def integer_quotient(self, node: Node) -> list[Value] | None:
        """``floor(a/b)`` (or ``ceil``) by integer division when ``a`` and ``b`` are integers
        at every point: no Fraction is made (the common CNN case, window counts)."""
        top, bottom = self.parts(node.args[0])
        if bottom is None or not set(map(type, top)) <= _INT \
                or not set(map(type, bottom)) <= _INT:
            return None
        if node.op == "floor":
            return [a // b if b else UNDEFINED for a, b in zip(top, bottom)]
        return [-(-a // b) if b else UNDEFINED for a, b in zip(top, bottom)]

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
            elif type(v) is Approx and R.magnitude_bits(v) > limit:
                raise TooLarge()  # an irrational value with more integer bits than allowed
        return values

    def power(self, base: Value, exp: Value) -> Value:
        if base is UNDEFINED or exp is UNDEFINED:
            return UNDEFINED
        limits = self.limits
        if type(exp) is int:
            if abs(exp) > limits.max_exponent:
                raise TooLarge(f"a power with exponent {exp} is too large")
            if type(base) is Approx:
                if R.magnitude_bits(base) * abs(exp) > 4 * limits.max_bits:
                    raise TooLarge()
                if exp < 0 and sign(base) == 0:
                    return UNDEFINED
                return base**exp
            if base == 0:
                return UNDEFINED if exp < 0 else (1 if exp == 0 else 0)
            if _bits(base) * abs(exp) > limits.max_bits and base not in (1, -1):
                raise TooLarge()  # estimated before computing, for every exponent
            return base**exp if exp >= 0 else Fraction(1) / base**-exp
        s = sign(base)
        if s < 0:
            return UNDEFINED  # real results only
        if s == 0:
            return 0 if sign(exp) > 0 else UNDEFINED
        if type(exp) is Fraction:
            if abs(exp.numerator) > limits.max_exponent:
                raise TooLarge(f"a power with exponent {exp} is too large")
            if is_exact(base) and exp.denominator <= limits.max_exponent:
                root = R.exact_root(Fraction(base), exp.denominator)
                if root is not None:
                    return self.power(root, exp.numerator)
        if R.magnitude_bits(exp) > 64 or R.magnitude_bits(base) * abs(R.floor(exp) if type(
                exp) is not Approx else R.magnitude_bits(exp)) > 4 * limits.max_bits:
            raise TooLarge(f"a power with exponent {exp} is too large")
        return R.power(base, exp)

    def exp(self, x: Value) -> Value:
        # exp(x) has x/ln 2 integer bits: past max_bits it is too large, like an integer
        if R.magnitude_bits(x) > 64 or compare(x, Fraction(self.limits.max_bits * 693, 1000)) > 0:
            raise TooLarge("exp of a large number")
        return R.exp(x)


def _mod(a: Value, b: Value) -> Value:
    if a is UNDEFINED or b is UNDEFINED or sign(b) == 0:
        return UNDEFINED
    return R.mod(a, b)


def _least(values: Sequence[Value]) -> Value:
    best = values[0]
    for v in values[1:]:
        if compare(v, best) < 0:
            best = v
    return best


def _greatest(values: Sequence[Value]) -> Value:
    best = values[0]
    for v in values[1:]:
        if compare(v, best) > 0:
            best = v
    return best


def _log(x: Value, base: Value) -> Value:
    if x is UNDEFINED or base is UNDEFINED or sign(x) <= 0:
        return UNDEFINED
    if base is not None and (sign(base) <= 0 or (is_exact(base) and base == 1)):
        return UNDEFINED
    if is_exact(x) and x == 1:
        return 0
    if base is not None and type(base) is int and type(x) is int:
        k = R.exact_log(x, base)
        if k is not None:
            return k
    value = R.log(x)
    if base is None:
        return value
    denominator = R.log(base)
    return UNDEFINED if sign(denominator) == 0 else value / denominator


_RELATIONS = {
    "<": lambda c: c < 0, "<=": lambda c: c <= 0, ">": lambda c: c > 0,
    ">=": lambda c: c >= 0, "==": lambda c: c == 0, "!=": lambda c: c != 0,
}
#: The same relations between two integers (``compare`` of ints is their order).
_INTEGER_RELATIONS = {"<": operator.lt, "<=": operator.le, ">": operator.gt,
                      ">=": operator.ge, "==": operator.eq, "!=": operator.ne}


def _chain(values: tuple[Value, ...]) -> Value:
    if any(v is UNDEFINED or type(v) is bool for v in values):
        return UNDEFINED
    last = values[-1]
    return last if all(compare(v, last) == 0 for v in values[:-1]) else UNDEFINED


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
    if any(v is UNDEFINED for v in values):
        return UNDEFINED
    result = function(*(sp.Rational(v.numerator, v.denominator) if type(v) is Fraction
                        else sp.Integer(v) if type(v) is int
                        else sp.Float(v.text(R.precision() * 3 // 10), R.precision() * 3 // 10)
                        for v in values))
    return from_sympy_number(result)


def from_sympy_number(value: Any) -> Value:
    """A SymPy number as int, Fraction or :class:`~symconv.grading.reals.Approx`."""
    if value in (sp.true, sp.false):
        return bool(value)
    if value is sp.nan or value is sp.zoo or value.has(sp.oo, sp.zoo, sp.nan):
        return UNDEFINED
    if value.is_Integer:
        return int(value)
    if value.is_Rational:
        return Fraction(int(value.p), int(value.q))
    if value.is_number and value.is_real:
        bits = R.precision()
        return R.around(sp.Float(sp.N(value, bits * 3 // 10 + 10), bits * 3 // 10 + 10)._mpf_,
                        bits - 16)
    raise ValueError(f"{value} is not a real number")


def _tolerance(rel_tol: float | Fraction) -> Fraction:
    """A relative tolerance as an exact Fraction (``1e-3`` is 1/1000, the decimal shown)."""
    return rel_tol if isinstance(rel_tol, Fraction) else Fraction(repr(float(rel_tol)))


def same(a: Value, b: Value, rel_tol: float | Fraction | None = None) -> bool:
    """Equal values: exact for integers and Fractions; intervals by the zero test of
    :mod:`~symconv.grading.reals` (raises :class:`~symconv.grading.reals.Undecided` when
    the precision is not enough); with ``rel_tol``, ``|a - b| <= rel_tol * max(|a|, |b|)``
    (so against an exact 0 only 0 is equal).

    >>> same(Fraction(1, 2), Fraction(2, 4)), same(100, 101, 0.02), same(0, 1e-9, 0.01)
    (True, True, False)
    """
    if a is UNDEFINED or b is UNDEFINED:
        return a is b
    if type(a) is bool or type(b) is bool:
        return a is b
    if rel_tol is None:
        if is_exact(a) and is_exact(b):
            return a == b
        return R.equal(a, b)
    if is_exact(a) and is_exact(b) and a == b:
        return True
    scale = abs(a) if compare(abs(a), abs(b)) >= 0 else abs(b)
    return compare(abs(a - b), _tolerance(rel_tol) * scale) <= 0


def agree(expected: Sequence[Value], got: Sequence[Value],
          rel_tol: float | Fraction | None = None) -> list[bool | None]:
    """:func:`same` at each point; None where the working precision cannot tell."""
    out: list[bool | None] = []
    for e, g in zip(expected, got):
        if type(e) is int and type(g) is int or type(e) is Fraction and type(g) is Fraction:
            out.append(e == g if rel_tol is None else same(g, e, rel_tol))
            continue
        try:
            out.append(same(g, e, rel_tol))
        except Undecided:
            out.append(None)
    return out


def settle(expected: Node, answer: Node, env: Mapping[str, Sequence[Value]], n: int,
           expected_limits: Limits, limits: Limits,
           rel_tol: float | Fraction | None = None) -> list[bool]:
    """Whether ``answer`` equals ``expected`` at each of ``n`` points, re-evaluating both at
    higher precisions until every point is decided (for the points :func:`agree` left open).

    >>> from symconv.grading.parser import parse
    >>> settle(parse("0"), parse("sqrt(2)*sqrt(3) - sqrt(6)"), {}, 1, DEFAULT_LIMITS,
    ...        DEFAULT_LIMITS)
    [True]
    """
    bits = 4 * R.START_BITS
    while True:
        with R.working_precision(bits):
            try:
                want = evaluate(expected, env, n, expected_limits)
                got = evaluate(answer, env, n, limits)
                return [same(g, e, rel_tol) for e, g in zip(want, got)]
            except Undecided as exc:
                if bits >= R.MAX_BITS:
                    raise TooLarge("a value in the answer cannot be computed precisely "
                                   "enough") from None
                bits = min(max(exc.bits, 4 * bits), R.MAX_BITS)
