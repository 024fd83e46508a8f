"""Irrational values as rigorous intervals: the one inexact number type of the grader.

The evaluator computes with Python ``int`` and :class:`~fractions.Fraction` whenever
a value is rational, and only ``sqrt(2)``, ``log(3)``, ``pi``, ``e``... become an
:class:`Approx`: an interval (mpmath's ``libmpi``, outward rounding) that certainly
contains the true value.  Never a float, so nothing overflows (``floor(exp(h))``) or
rounds silently (``floor(sqrt(2)*10^20)``).

Mixing is uniform: ``Fraction + Approx``, ``Approx < Fraction``, ``floor(Approx)``,
``mod``, ``min``/``max`` all work, because :class:`Approx` implements the reflected
operators and every decision (a comparison, a floor, a sign) goes through one
function, :func:`sign`.  When an interval is too wide to decide (``sqrt(2)*sqrt(3) -
sqrt(6)`` contains 0 at any precision), :class:`Undecided` is raised with the
precision that might decide it; the evaluator then evaluates again, more precisely
(:func:`working_precision`).  From :data:`FINAL_BITS` bits on, an interval narrower
than ``2**-(bits/8)`` around an integer *is* that integer: the high-precision zero
test (and floor) of the docs.

Examples
--------
>>> from fractions import Fraction
>>> r2 = sqrt(2)
>>> Fraction(1, 2) < r2 < 2, floor(r2 * 10**20)
(True, 141421356237309504880)
>>> d = sqrt(2) * sqrt(3) - sqrt(6)
>>> sign(d)
Traceback (most recent call last):
...
symconv.grading.reals.Undecided: interval too wide to decide at 128 bits
>>> with working_precision(FINAL_BITS):
...     sign(sqrt(2) * sqrt(3) - sqrt(6))
0
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from contextvars import ContextVar
from fractions import Fraction
from typing import Any

from mpmath.libmp import libmpf as F
from mpmath.libmp import libmpi as I

#: Bits of the first evaluation; most irrational comparisons are decided here.
START_BITS = 128
#: From this precision on, an interval this close to an integer is that integer.
FINAL_BITS = 512
#: No evaluation goes beyond this precision (then the value is "too large").
MAX_BITS = 1 << 14  # pure-Python mpmath: one operation at this size takes ~0.1 s

_PREC: ContextVar[int] = ContextVar("symconv_grading_precision", default=START_BITS)


class Undecided(Exception):
    """An interval too wide to decide a comparison at the current precision."""

    def __init__(self, bits: int, prec: int) -> None:
        super().__init__(f"interval too wide to decide at {prec} bits")
        self.bits = bits


def precision() -> int:
    """The working precision in bits."""
    return _PREC.get()


@contextlib.contextmanager
def working_precision(bits: int) -> Iterator[None]:
    """Compute new :class:`Approx` values with ``bits`` bits inside the block."""
    token = _PREC.set(bits)
    try:
        yield
    finally:
        _PREC.reset(token)


Exact = int | Fraction


def interval(x: Any) -> tuple:
    """The interval (two mpf tuples) of an int, a Fraction or an Approx."""
    if type(x) is Approx:
        return x.iv
    prec = _PREC.get()
    if type(x) is int:
        if x.bit_length() <= prec:
            v = F.from_int(x)
            return (v, v)
        return (F.from_int(x, prec, F.round_floor), F.from_int(x, prec, F.round_ceiling))
    if type(x) is Fraction:
        p, q = x.numerator, x.denominator
        return (F.from_rational(p, q, prec, F.round_floor),
                F.from_rational(p, q, prec, F.round_ceiling))
    raise TypeError(f"not a grader number: {type(x).__name__}")


def _operand(x: Any) -> tuple | None:
    """The interval of a grader number, None for anything else (UNDEFINED, bools)."""
    if type(x) is Approx or type(x) is int or type(x) is Fraction:
        return interval(x)
    return None


def _magnitude(iv: tuple) -> int:
    """Bits before the binary point of the larger endpoint (0 for values below 1)."""
    out = 0
    for end in iv:
        if end in (F.finf, F.fninf, F.fnan):
            return MAX_BITS
        if end[1]:
            out = max(out, end[2] + end[3])
    return out


def _narrow(iv: tuple, prec: int) -> bool:
    """Narrow enough (at a final precision) to stand for the one integer or zero it holds."""
    if prec < FINAL_BITS:
        return False
    width = F.mpf_sub(iv[1], iv[0], 64, F.round_ceiling)
    if width in (F.finf, F.fninf, F.fnan):
        return False
    return width == F.fzero or (width[2] + width[3]) < -(prec // 8)


def _undecided(iv: tuple) -> Undecided:
    prec = _PREC.get()
    return Undecided(max(2 * prec, _magnitude(iv) + 2 * prec), prec)


class Approx:
    """An irrational value: an interval certainly containing it (see the module docs)."""

    __slots__ = ("iv",)

    def __init__(self, iv: tuple) -> None:
        self.iv = iv

    # -- arithmetic (results at the working precision) -------------------------------
    def __add__(self, other: Any) -> Any:
        o = _operand(other)
        return NotImplemented if o is None else Approx(I.mpi_add(self.iv, o, _PREC.get()))

    __radd__ = __add__

    def __sub__(self, other: Any) -> Any:
        o = _operand(other)
        return NotImplemented if o is None else Approx(I.mpi_sub(self.iv, o, _PREC.get()))

    def __rsub__(self, other: Any) -> Any:
        o = _operand(other)
        return NotImplemented if o is None else Approx(I.mpi_sub(o, self.iv, _PREC.get()))

    def __mul__(self, other: Any) -> Any:
        o = _operand(other)
        return NotImplemented if o is None else Approx(I.mpi_mul(self.iv, o, _PREC.get()))

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> Any:
        o = _operand(other)
        if o is None:
            return NotImplemented
        if sign(other) == 0:
            raise ZeroDivisionError("division by zero")
        return Approx(I.mpi_div(self.iv, o, _PREC.get()))

    def __rtruediv__(self, other: Any) -> Any:
        o = _operand(other)
        if o is None:
            return NotImplemented
        if sign(self) == 0:
            raise ZeroDivisionError("division by zero")
        return Approx(I.mpi_div(o, self.iv, _PREC.get()))

    def __neg__(self) -> Approx:
        return Approx(I.mpi_neg(self.iv))

    def __pos__(self) -> Approx:
        return self

    def __abs__(self) -> Approx:
        return Approx(I.mpi_abs(self.iv))

    def __pow__(self, n: Any) -> Any:
        if type(n) is int:
            if n < 0 and sign(self) == 0:
                raise ZeroDivisionError("0 to a negative power")
            return Approx(I.mpi_pow_int(self.iv, n, _PREC.get()))
        return power(self, n)

    def __floor__(self) -> int:
        return floor(self)

    def __ceil__(self) -> int:
        return ceil(self)

    def __mod__(self, other: Any) -> Any:
        return mod(self, other)

    def __rmod__(self, other: Any) -> Any:
        return mod(other, self)

    # -- comparisons: decided, or Undecided --------------------------------------------
    def __lt__(self, other: Any) -> bool:
        return compare(self, other) < 0

    def __le__(self, other: Any) -> bool:
        return compare(self, other) <= 0

    def __gt__(self, other: Any) -> bool:
        return compare(self, other) > 0

    def __ge__(self, other: Any) -> bool:
        return compare(self, other) >= 0

    def __eq__(self, other: object) -> bool:
        """Whether the intervals overlap: for tuples and dict keys, never raises."""
        if not isinstance(other, (int, Fraction, Approx)):
            return NotImplemented
        a, b = self.iv, interval(other)
        return bool(F.mpf_le(a[0], b[1]) and F.mpf_le(b[0], a[1]))

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self) -> int:
        return hash(F.to_str(I.mpi_mid(self.iv, 80), 12))

    def __bool__(self) -> bool:
        return sign(self) != 0

    # -- display ---------------------------------------------------------------------
    def text(self, digits: int = 15) -> str:
        """The midpoint to ``digits`` significant digits."""
        return F.to_str(I.mpi_mid(self.iv, _PREC.get()), digits)

    def __float__(self) -> float:
        return F.to_float(I.mpi_mid(self.iv, 64))

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"Approx({self.text()})"

    def __reduce__(self) -> tuple:
        return (Approx, (self.iv,))


def is_exact(x: Any) -> bool:
    return type(x) is int or type(x) is Fraction


def sign(x: Any) -> int:
    """-1, 0 or 1; for an interval around 0, :class:`Undecided` (0 once narrow at a final
    precision)."""
    if type(x) is not Approx:
        return (x > 0) - (x < 0)
    a, b = x.iv
    if F.mpf_gt(a, F.fzero):
        return 1
    if F.mpf_lt(b, F.fzero):
        return -1
    if a == b == F.fzero or _narrow(x.iv, _PREC.get()):
        return 0
    raise _undecided(x.iv)


def compare(x: Any, y: Any) -> int:
    """-1, 0 or 1 like ``(x > y) - (x < y)``, for any mix of int, Fraction and Approx."""
    if type(x) is not Approx and type(y) is not Approx:
        return (x > y) - (x < y)
    a, b = interval(x), interval(y)
    if F.mpf_lt(a[1], b[0]):
        return -1
    if F.mpf_gt(a[0], b[1]):
        return 1
    return sign(Approx(I.mpi_sub(a, b, _PREC.get())))


def equal(x: Any, y: Any) -> bool:
    """Whether ``x == y``, for the grader's final comparison of an answer's value with the
    reference's.  Exact values compare exactly, and so does anything against an exact 0
    or an interval around 0 (the zero test).  Two non-zero values at least one of which
    is irrational are equal when, from :data:`FINAL_BITS` on, they agree to a relative
    ``2**-(bits/2)``: the cost then does not grow with their size (``exp(exp(w^2))``),
    and a wrong answer still differs at the small sample points, where any difference is
    large relative to the values.
    """
    if type(x) is not Approx and type(y) is not Approx:
        return x == y
    a, b = interval(x), interval(y)
    if F.mpf_lt(a[1], b[0]) or F.mpf_gt(a[0], b[1]):
        return False
    prec = _PREC.get()
    zero = F.fzero
    if not F.mpf_gt(a[0], zero) and not F.mpf_lt(a[1], zero) \
            or not F.mpf_gt(b[0], zero) and not F.mpf_lt(b[1], zero):
        return compare(x, y) == 0  # around 0: the absolute zero test
    if prec < FINAL_BITS:
        raise Undecided(FINAL_BITS, prec)
    d = I.mpi_sub(a, b, prec)
    low, high = F.mpf_abs(d[0]), F.mpf_abs(d[1])
    largest = low if F.mpf_ge(low, high) else high
    low, high = F.mpf_abs(a[0]), F.mpf_abs(a[1])
    smallest = low if F.mpf_le(low, high) else high
    if F.mpf_le(largest, F.mpf_shift(smallest, -(prec // 2))):
        return True
    raise Undecided(4 * prec, prec)  # overlapping but wide (cancellation): more bits


def floor(x: Any) -> int:
    """The exact floor (never through a float)."""
    if type(x) is not Approx:
        return x.__floor__() if type(x) is Fraction else int(x)
    a, b = x.iv
    if _magnitude(x.iv) > MAX_BITS:
        raise OverflowError("too large to take its floor")
    low = F.to_int(F.mpf_floor(a))
    high = F.to_int(F.mpf_floor(b))
    if low == high:
        return low
    if high == low + 1 and _narrow(x.iv, _PREC.get()):
        return high  # the value is the integer `high` itself
    raise _undecided(x.iv)


def ceil(x: Any) -> int:
    """The exact ceiling."""
    return -floor(-x)


def mod(x: Any, y: Any) -> Any:
    """``x - y*floor(x/y)`` (Python's sign convention), for any mix of values."""
    if is_exact(x) and is_exact(y):
        return x % y
    if sign(y) == 0:
        raise ZeroDivisionError("mod by zero")
    return x - y * floor(x / y)


def sqrt(x: Any) -> Any:
    """An exact root when there is one, else an interval (x must be >= 0)."""
    if is_exact(x):
        root = exact_root(Fraction(x), 2)
        if root is not None:
            return root.numerator if root.denominator == 1 else root
    s = sign(x)
    if s < 0:
        raise ValueError("square root of a negative number")
    if s == 0:
        return 0
    return Approx(I.mpi_sqrt(interval(x), _PREC.get()))


def exp(x: Any) -> Any:
    if is_exact(x) and x == 0:
        return 1
    return Approx(I.mpi_exp(interval(x), _PREC.get()))


def log(x: Any) -> Any:
    """Natural logarithm of a positive value (exact 0 at 1)."""
    if is_exact(x) and x == 1:
        return 0
    if sign(x) <= 0:
        raise ValueError("logarithm of a non-positive number")
    return Approx(I.mpi_log(interval(x), _PREC.get()))


def power(base: Any, exponent: Any) -> Any:
    """``base ** exponent`` for a positive base and a non-integer exponent, as an interval."""
    if sign(base) <= 0:
        raise ValueError("a non-integer power of a non-positive number")
    return Approx(I.mpi_pow(interval(base), interval(exponent), _PREC.get()))


def pi() -> Approx:
    return Approx(I.mpi_pi(_PREC.get()))


def euler() -> Approx:
    return exp(1)


def around(value: tuple, rel_bits: int) -> Approx:
    """An interval around the mpf ``value``, relatively ``2**-rel_bits`` wide each side."""
    if value == F.fzero:
        return Approx((value, value))
    eps = F.mpf_shift(F.mpf_abs(value), -rel_bits)
    prec = _PREC.get()
    return Approx((F.mpf_sub(value, eps, prec, F.round_floor),
                   F.mpf_add(value, eps, prec, F.round_ceiling)))


def magnitude_bits(x: Any) -> int:
    """Bits of the integer part of ``|x|`` (a bound for integers, Fractions and intervals)."""
    if type(x) is int:
        return x.bit_length()
    if type(x) is Fraction:
        return max(x.numerator.bit_length() - x.denominator.bit_length() + 1, 0)
    if type(x) is Approx:
        return _magnitude(x.iv)
    return 0


# -- exact roots, without floats -------------------------------------------------------
def iroot(n: int, q: int) -> int | None:
    """The integer ``r`` with ``r**q == n`` (n >= 0), else None (integer Newton steps)."""
    if n < 0:
        return None
    if n < 2:
        return n
    if q == 1:
        return n
    # Start above the root: 2**ceil(bits/q), then Newton's iteration decreases to it.
    x = 1 << -(-n.bit_length() // q)
    while True:
        y = ((q - 1) * x + n // x ** (q - 1)) // q
        if y >= x:
            break
        x = y
    return x if x**q == n else None


def exact_root(x: Fraction, q: int) -> Fraction | None:
    """``x**(1/q)`` when it is rational, else None."""
    if x < 0:
        return None
    top = iroot(x.numerator, q)
    if top is None:
        return None
    bottom = iroot(x.denominator, q)
    return None if bottom is None else Fraction(top, bottom)


def exact_log(x: int, base: int) -> int | None:
    """The integer ``k`` with ``base**k == x`` (x, base >= 2), else None."""
    if x < 1 or base < 2:
        return None
    # A float only estimates k; the answer is checked exactly.
    guess = round(math.log2(x) / math.log2(base))
    for k in (guess - 1, guess, guess + 1):
        if k >= 0 and base**k == x:
            return k
    return None
