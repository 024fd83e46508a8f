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

from dataclasses import dataclass


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
    """

    max_length: int = 2000
    max_tokens: int = 600
    max_depth: int = 40
    max_nodes: int = 400
    max_digits: int = 40
    max_exponent: int = 4096
    max_bits: int = 65536
    max_components: int = 16


DEFAULT_LIMITS = Limits()


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
