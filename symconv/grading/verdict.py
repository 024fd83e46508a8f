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

from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import Any

VERDICTS = ("correct", "partial", "incorrect", "invalid")


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

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, not {self.verdict!r}")

    def __bool__(self) -> bool:
        return self.verdict == "correct"

    def _repr_html_(self) -> str:
        from symconv.display.grade import grade_html

        return grade_html(self)

    def score(self, partial_credit: float = 0.5) -> float:
        """1 for correct, ``partial_credit`` for partial, 0 otherwise."""
        return {"correct": 1.0, "partial": float(partial_credit)}.get(self.verdict, 0.0)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: numbers as ints (or ``"p/q"`` strings for fractions)."""
        out = asdict(self)
        out["counterexample"] = (None if self.counterexample is None
                                 else {k: json_number(v) for k, v in self.counterexample.items()})
        if not out["extra"]:
            del out["extra"]
        return out


def json_number(v: Any) -> Any:
    """An exact value for JSON: ints stay ints, fractions become ``"p/q"``.

    >>> json_number(Fraction(3, 2)), json_number(7), json_number(True)
    ('3/2', 7, True)
    """
    if isinstance(v, (bool, int, str)) or v is None:
        return v
    if isinstance(v, Fraction):
        return f"{v.numerator}/{v.denominator}"
    try:
        return float(v)
    except (TypeError, ValueError):
        return str(v)
