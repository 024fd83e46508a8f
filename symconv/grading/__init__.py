"""Safe auto-grader for CNN-arithmetic answers.

``grade(expected, answer, **domain)`` reads the answer with a parser that
never evaluates text (:mod:`~symconv.grading.parser`), compares it with the
reference exactly at valid integer/Rational instances
(:mod:`~symconv.grading.equivalence`) and explains common mistakes
(:mod:`~symconv.grading.mutants`).  Tuple and shape answers are graded
component by component (:mod:`~symconv.grading.shapejudge`), with feedback on
layouts and batch axes.  :mod:`~symconv.grading.batch` grades CSV
files in parallel worker processes; :mod:`~symconv.grading.gradescope`
writes Gradescope's ``results.json``.
"""

from symconv.grading.api import grade, reference
from symconv.grading.limits import BadReference, InvalidAnswer, Limits
from symconv.grading.parser import parse
from symconv.grading.verdict import GradeResult

__all__ = ["grade", "reference", "GradeResult", "BadReference", "InvalidAnswer", "Limits",
           "parse"]
