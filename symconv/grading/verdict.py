"""What grading returns: the verdict, feedback for the student and a note for staff.

Examples
--------
>>> r = GradeResult("incorrect", "Not equal.", "ATEquiv_false",
...                 counterexample={"h": 3, "expected": 2, "got": 3})
>>> r.to_dict()["counterexample"]
{'h': 3, 'expected': 2, 'got': 3}
>>> bool(r), r.score()
(False, 0.0)
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from fractions import Fraction
from typing import Any

from symconv.grading.nodes import int_text

VERDICTS = ("correct", "partial", "incorrect", "invalid")
#: Longest text kept in a field of :meth:`GradeResult.to_dict` (no megabyte echoes).
TEXT_CAP = 2000
#: Longest canonical text of what was read (``GradeResult.read``).
READ_CAP = 500
#: Digits of a number shown in full; longer ones are shortened (first and last digits).
NUMBER_DIGITS = 60


@dataclass(frozen=True)
class GradeResult:
    """The outcome of grading one answer.

    Attributes
    ----------
    verdict : ``correct``, ``partial`` (equal only under an extra assumption,
        named in ``assumption``), ``incorrect`` (``counterexample`` shows an
        instance) or ``invalid`` (``reason`` says why it could not be read)
    feedback : text for the student
    note : STACK-style answer note for staff, e.g. ``ATEquiv_floor_dropped``
    counterexample : symbol values of a valid instance where the answer is
        wrong, plus the ``expected`` and ``got`` values there
    assumption : for ``partial``, the extra assumption under which it is right
    reason : for ``invalid``, why
    expected, answer : the reference and the answer as read (plain text)
    method : how the verdict was reached (``structural``, ``sampled``,
        ``symbolic``, ``parse``)
    points : number of exact test points the answer was compared at
    read : what the grader read, as canonical text (at most :data:`READ_CAP`
        characters): the parsed answer, or for an invalid answer its text after
        Unicode/LaTeX normalisation, so a result shows what was graded
    """

    verdict: str
    feedback: str
    note: str
    counterexample: dict[str, Any] | None = None
    assumption: str | None = None
    reason: str | None = None
    expected: str = ""
    answer: str = ""
    method: str = ""
    points: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    read: str = ""

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, not {self.verdict!r}")

    def __repr__(self) -> str:
        """Like the dataclass's, but safe for values too large for ``repr`` (4,300+ digits)."""
        parts = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "counterexample" and value is not None:
                value = {k: json_number(v) for k, v in value.items()}
            parts.append(f"{f.name}={value!r}")
        return f"GradeResult({', '.join(parts)})"

    def __bool__(self) -> bool:
        return self.verdict == "correct"

    def _repr_html_(self) -> str:
        from symconv.display.grade import grade_html

        return grade_html(self)

    def score(self, partial_credit: float = 0.5) -> float:
        """1 for correct, ``partial_credit`` for partial, 0 otherwise."""
        return {"correct": 1.0, "partial": float(partial_credit)}.get(self.verdict, 0.0)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready and size-capped: numbers as ints (``"p/q"`` strings for fractions,
        decimal strings for irrational values, shortened strings for huge integers), every
        text at most :data:`TEXT_CAP` characters.

        >>> from symconv.grading.reals import sqrt
        >>> GradeResult("incorrect", "x", "n", counterexample={"got": sqrt(2)}).to_dict()[
        ...     "counterexample"]
        {'got': '1.4142135623731'}
        """
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "counterexample":
                value = None if value is None else {
                    str(k)[:100]: json_number(v) for k, v in list(value.items())[:64]}
            elif f.name == "extra":
                if not value:
                    continue
                value = {str(k)[:100]: json_value(v) for k, v in list(value.items())[:64]}
            elif isinstance(value, str):
                value = short(value, TEXT_CAP)
            out[f.name] = value
        return out


def short(text: str, cap: int = TEXT_CAP) -> str:
    """``text``, cut to ``cap`` characters with a note of how much was left out.

    >>> short("abcdefghij" * 3, 24)
    'abcdefg… (30 characters)'
    """
    if len(text) <= cap:
        return text
    note = f"… ({len(text):,} characters)"
    return text[: max(cap - len(note), 0)] + note


def number_text(v: Any) -> str:
    """A grader number for people: exact ints (shortened past :data:`NUMBER_DIGITS`
    digits), ``p/q``, 15 digits of an irrational value.

    >>> number_text(12345), number_text(Fraction(-1, 3)), number_text(2**300)[:12]
    ('12,345', '-1/3', '203703597633')

    A whole number is shown as one, whatever type the evaluation left it in (a
    student reads "5,544,720", not "5544720/1"):

    >>> number_text(Fraction(5544720, 1)), number_text(Fraction(45302656, 3))
    ('5,544,720', '45,302,656/3')
    """
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, Fraction) and v.denominator == 1:
        v = v.numerator
    if isinstance(v, int):
        if abs(v) >= 10_000 and v.bit_length() < 200:
            return f"{v:,}"
        return int_text(v, NUMBER_DIGITS)
    if isinstance(v, Fraction):
        return f"{number_text(v.numerator)}/{number_text(v.denominator)}"
    if hasattr(v, "text"):
        return v.text()
    return short(str(v), 40)


def json_number(v: Any) -> Any:
    """An exact value for JSON: ints stay ints, fractions become ``"p/q"``; irrational
    values and integers too long to print in full become strings.

    >>> json_number(Fraction(3, 2)), json_number(7), json_number(True), json_number(None)
    ('3/2', 7, True, None)
    """
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, Fraction) and v.denominator == 1:  # a whole number is a JSON integer
        v = v.numerator
    if isinstance(v, int):
        return v if v.bit_length() < 200 else int_text(v, NUMBER_DIGITS)
    if isinstance(v, str):
        return short(v, TEXT_CAP)
    if isinstance(v, Fraction):
        return f"{int_text(v.numerator, NUMBER_DIGITS)}/{int_text(v.denominator, NUMBER_DIGITS)}"
    if hasattr(v, "text"):  # an interval (symconv.grading.reals.Approx)
        return v.text()
    return short(str(v), 200)


def json_value(v: Any) -> Any:
    """Any value of ``extra`` made JSON-safe (numbers as :func:`json_number`)."""
    if isinstance(v, dict):
        return {str(k)[:100]: json_value(x) for k, x in list(v.items())[:64]}
    if isinstance(v, (list, tuple)):
        return [json_value(x) for x in list(v)[:64]]
    return json_number(v)
