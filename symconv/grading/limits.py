"""Bounds checked before any untrusted answer is evaluated, and the error they raise.

Every answer is text from a student, so the grader bounds what it will look at
(length, tokens, nesting, literal size, exponent size, size of intermediate
integers) and reports a reason instead of hanging or running out of memory.

Examples
--------
>>> Limits().max_length
2000
>>> raise InvalidAnswer("too_long", "the answer is too long")
Traceback (most recent call last):
...
symconv.grading.limits.InvalidAnswer: the answer is too long
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Limits:
    """What an answer may contain before it is rejected as ``invalid``.

    Parameters
    ----------
    max_length : characters of the raw text (checked first, before normalising)
    max_tokens : lexical tokens
    max_depth : nesting of brackets, fractions and function calls
    max_nodes : nodes of the parsed expression tree
    max_digits : digits of one numeric literal
    max_exponent : largest power exponent (``h^k`` with ``|k|`` above this is rejected)
    max_bits : largest intermediate integer (numerator or denominator) while evaluating
    max_components : components of a tuple/shape answer such as ``(c, h, w)``
    max_name : characters of one identifier (``hwhw...`` is split into known names)
    """

    max_length: int = 2000
    max_tokens: int = 600
    max_depth: int = 40
    max_nodes: int = 400
    max_digits: int = 40
    max_exponent: int = 4096
    max_bits: int = 65536
    max_components: int = 16
    max_name: int = 64

    def at_least(self, other: Limits) -> Limits:
        """Each bound the larger of this one's and ``other``'s (an answer may be as large
        as the reference it is compared with)."""
        return replace(self, **{f: max(getattr(self, f), getattr(other, f))
                                for f in self.__dataclass_fields__})


#: Bounds on student answers.
DEFAULT_LIMITS = Limits()
#: Bounds on references (trusted, or from a question file): much larger than a student's,
#: so a reference is never refused by the limits meant for answers; still finite, because
#: question files are shared between instructors and graded on servers.
REFERENCE_LIMITS = Limits(max_length=200_000, max_tokens=50_000, max_depth=200,
                          max_nodes=50_000, max_digits=5_000, max_exponent=1_000_000,
                          max_bits=1 << 20, max_components=1024, max_name=200)
#: Seconds one answer may take (``grade(..., time_limit=)``) and one reference to prepare.
DEFAULT_TIME_LIMIT = 5.0
REFERENCE_TIME_LIMIT = 20.0

_DEADLINE: ContextVar[float | None] = ContextVar("symconv_grading_deadline", default=None)


@contextlib.contextmanager
def time_budget(seconds: float | None, within: bool = True) -> Iterator[None]:
    """Inside the block, :func:`check_time` raises :class:`OutOfTime` after ``seconds``.

    ``within``: the block also stays inside an enclosing budget (else it replaces it, as a
    reference prepared while an answer is graded has a budget of its own).

    >>> with time_budget(0):
    ...     check_time()
    Traceback (most recent call last):
    ...
    symconv.grading.limits.OutOfTime: grading this answer took longer than the time limit
    """
    deadline = None if seconds is None else time.monotonic() + seconds
    outer = _DEADLINE.get()
    if within and outer is not None:
        deadline = outer if deadline is None else min(deadline, outer)
    token = _DEADLINE.set(deadline)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def check_time() -> None:
    """Raise :class:`OutOfTime` when the current budget is spent (cheap: call it often)."""
    deadline = _DEADLINE.get()
    if deadline is not None and time.monotonic() > deadline:
        raise OutOfTime()


_WORK: ContextVar[list[int] | None] = ContextVar("symconv_grading_work", default=None)


@contextlib.contextmanager
def work_budget(units: int) -> Iterator[None]:
    """Inside the block, :func:`spend` raises :class:`OutOfTime` after ``units`` of work
    (one unit: one node evaluated at one point).  Unlike a deadline this does not depend
    on the machine's speed, so what it bounds (the search for mutant feedback) gives the
    same feedback on a loaded machine as on an idle one.

    >>> with work_budget(10):
    ...     spend(4)
    ...     spend(7)
    Traceback (most recent call last):
    ...
    symconv.grading.limits.OutOfTime: grading this answer took more work than allowed
    """
    token = _WORK.set([units])
    try:
        yield
    finally:
        _WORK.reset(token)


def spend(units: int) -> None:
    """Count ``units`` of work against the current :func:`work_budget` (if any)."""
    left = _WORK.get()
    if left is not None:
        left[0] -= units
        if left[0] < 0:
            raise OutOfTime("grading this answer took more work than allowed")


def remaining_time() -> float | None:
    """Seconds left in the current budget (None: no budget)."""
    deadline = _DEADLINE.get()
    return None if deadline is None else deadline - time.monotonic()


class InvalidAnswer(ValueError):
    """An answer that cannot be graded: unparseable, unsafe or too large.

    ``code`` is a short machine-readable reason (it becomes the answer note
    ``ATInvalid_<code>``); the message is shown to the student.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class TooLarge(InvalidAnswer):
    """A value grew beyond :attr:`Limits.max_bits` (or a power beyond ``max_exponent``)."""

    def __init__(self, message: str = "a value in the answer is too large to evaluate") -> None:
        super().__init__("too_large", message)


class OutOfTime(InvalidAnswer):
    """The time budget of :func:`time_budget` is spent."""

    def __init__(self, message: str = "grading this answer took longer than the time limit"
                 ) -> None:
        super().__init__("time_limit", message)


class BadReference(ValueError):
    """The reference (not the answer) cannot be graded against: unreadable, unsupported,
    no valid instance, or too slow to prepare.  :func:`symconv.grade` raises it (an answer
    never does); a batch reports its row as ``invalid`` with this message."""
