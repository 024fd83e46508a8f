"""Deciding an answer against a reference: structure, then exact sampling, then diagnosis.

The cascade:

1. the same canonical tree: ``correct`` (method ``structural``);
2. exact values (integers/Rationals) at the reference's sample points (see
   :mod:`symconv.grading.domain`) plus, when the answer has floors or ceilings
   of its own, points running through their residues: all equal means
   ``correct`` (method ``sampled``); SymPy can optionally be asked for a proof;
3. otherwise the answer is wrong somewhere; it is ``partial`` if it equals the
   reference wherever the reference's floor arguments are exact (the named
   assumption is which divisions must be exact), else ``incorrect`` with the
   smallest counterexample found and, when the answer's values coincide with
   a mutant's (:mod:`symconv.grading.mutants`), that mutant's explanation.

Examples
--------
>>> from symconv.grading.parser import parse
>>> ref = Reference.build(parse("floor(n/2) + ceiling(n/2)"), {}, ())
>>> judge(ref, parse("n", known={"n"})).verdict
'correct'
"""

from __future__ import annotations

import random
from collections import ChainMap
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from symconv.grading import nodes as N
from symconv.grading.domain import Domain, PointSet, _floor_nodes
from symconv.grading.evaluate import UNDEFINED, evaluate, same
from symconv.grading.limits import DEFAULT_LIMITS, InvalidAnswer, Limits
from symconv.grading.mutants import Mutant, double_mutants, single_mutants
from symconv.grading.verdict import GradeResult


@dataclass
class Reference:
    """A compiled reference: its domain, sample points, values there and mutants (lazily)."""

    tree: N.Node
    domain: Domain
    points: PointSet
    values: list[Any]
    floors: list[N.Node]
    known: frozenset[str]
    memo: dict = field(default_factory=dict)
    _singles: dict | None = None
    _doubles: dict | None = None
    _exact: dict = field(default_factory=dict)
    _residues: dict = field(default_factory=dict)

    @classmethod
    def build(cls, tree: N.Node, overrides: dict[str, Any], conditions: tuple[N.Node, ...],
              defaults: bool = True, seed: int = 0) -> Reference:
        domain = Domain.build(tree.names(), overrides, conditions, tree, defaults, seed)
        points = domain.sample(tree)
        if points.n == 0:
            shown = "; ".join(text for _, text in domain.conditions) or "none"
            raise ValueError(f"no valid instance of {N.to_text(tree)} satisfies the domain "
                             f"(conditions: {shown})")
        memo: dict = {}
        values = evaluate(tree, points.env, points.n, memo=memo)
        return cls(tree, domain, points, values, _floor_nodes(tree),
                   frozenset(domain.symbols), memo)

    @property
    def text(self) -> str:
        if "text" not in self._exact:
            self._exact["text"] = N.to_text(self.tree)
        return self._exact["text"]

    # -- mutant tables --------------------------------------------------------
    def mutant_table(self, doubles: bool = False) -> dict[tuple, Mutant]:
        if self._singles is None:
            self._singles = self._table(single_mutants(self.tree), {})
        if not doubles:
            return self._singles
        if self._doubles is None:
            singles = list(dict.fromkeys(self._singles.values()))
            self._doubles = self._table(double_mutants(singles), self._singles)
        return self._doubles

    def _table(self, mutants: Any, taken: dict) -> dict[tuple, Mutant]:
        own = tuple(self.values)
        table: dict[tuple, Mutant] = {}
        memo = ChainMap({}, self.memo)
        for m in mutants:
            try:
                vec = tuple(evaluate(m.tree, self.points.env, self.points.n, memo=memo))
            except (InvalidAnswer, ArithmeticError, ValueError, TypeError):
                continue
            if vec != own and vec not in taken and vec not in table:
                table[vec] = m
        return table

    @property
    def floor_keys(self) -> set[tuple]:
        return {f.key() for f in self.floors}

    def residue_points(self, floors: list[N.Node]) -> tuple[PointSet, list[Any]]:
        """Points through every residue of the answer's own floors (cached per floor set)."""
        key = frozenset(f.key() for f in floors)
        if key not in self._residues:
            rng = random.Random(self.domain.seed + 1)
            rows = self.domain.residues(self.points, floors, rng)
            pts = self.domain.accept(self.points.names, [tuple(r) for r in rows], self.tree)
            self._residues[key] = (pts, evaluate(self.tree, pts.env, pts.n))
            if len(self._residues) > 512:
                self._residues.pop(next(iter(self._residues)))
        return self._residues[key]

    # -- points where the floors' arguments are exact ---------------------------
    def exact(self, skip: int | None = None) -> tuple[PointSet, list[Any]]:
        if skip not in self._exact:
            pts = self.domain.exact_points(self.points, self.floors, self.tree, skip)
            self._exact[skip] = (pts, evaluate(self.tree, pts.env, pts.n))
        return self._exact[skip]


def judge(ref: Reference, answer: N.Node, rel_tol: float | None = None,
          limits: Limits = DEFAULT_LIMITS) -> GradeResult:
    """The verdict on ``answer`` (already parsed and within limits)."""
    base: dict[str, Any] = dict(expected=ref.text, answer=N.to_text(answer))
    if answer.key() == ref.tree.key():
        return GradeResult("correct", "Correct.", "ATEquiv_true", method="structural",
                           **base)
    pts, expected = ref.points, ref.values
    got = evaluate(answer, pts.env, pts.n, limits, memo=ChainMap({}, ref.memo))
    new_floors = [f for f in _floor_nodes(answer) if f.key() not in ref.floor_keys]
    if new_floors:
        extra, extra_expected = ref.residue_points(new_floors)
        if extra.n:
            expected = expected + extra_expected
            got = got + evaluate(answer, extra.env, extra.n, limits)
            pts = PointSet(pts.names, {k: pts.env[k] + extra.env[k] for k in pts.names},
                           pts.n + extra.n)
    wrong = [i for i, (e, g) in enumerate(zip(expected, got)) if not same(g, e, rel_tol)]
    if not wrong:
        return GradeResult("correct", "Correct.", "ATEquiv_true", method="sampled",
                           points=pts.n, **base)
    example = _counterexample(pts, wrong, expected, got)
    partial = _partial(ref, answer, rel_tol, limits)
    if partial is not None:
        assumption, needed = partial
        keep = ", ".join(N.to_text(ref.floors[j]) for j in needed)
        note, what = _diagnose(ref, answer, got[: ref.points.n], rel_tol)
        floor_dropped = note == "ATEquiv_false" or all(
            part == "floor_dropped" for part in note.removeprefix("ATMutant_").split("+"))
        return GradeResult(
            "partial",
            (f"{what} " if what and not floor_dropped else "")
            + f"Your formula is right only when {assumption}. In general that division is "
            f"not exact and the result must be rounded: keep {keep}.",
            "ATEquiv_floor_dropped" if floor_dropped
            else "ATEquiv_partial_" + note.removeprefix("ATMutant_"),
            counterexample=example, assumption=assumption, method="sampled", points=pts.n,
            **base)
    note, feedback = _diagnose(ref, answer, got[: ref.points.n], rel_tol)
    if feedback is None:
        feedback = "Your answer is not equal to the expected one."
    return GradeResult("incorrect", feedback + " " + _example_text(example),
                       note, counterexample=example, method="sampled", points=pts.n, **base)


def _counterexample(pts: PointSet, wrong: list[int], expected: list[Any],
                    got: list[Any]) -> dict[str, Any]:
    def size(i: int) -> Any:
        return sum(abs(pts.env[n][i]) for n in pts.names)

    i = min(wrong, key=size)
    out: dict[str, Any] = pts.row(i)
    out["expected"] = expected[i]
    out["got"] = None if got[i] is UNDEFINED else got[i]
    return out


def _example_text(example: dict[str, Any]) -> str:
    values = ", ".join(f"{k} = {_fmt(v)}" for k, v in example.items()
                       if k not in ("expected", "got"))
    got = "is undefined" if example["got"] is None else f"gives {_fmt(example['got'])}"
    where = f"For {values}" if values else "Here"
    return f"{where} the expected value is {_fmt(example['expected'])} but your answer {got}."


def _fmt(v: Any) -> str:
    if isinstance(v, int):
        return f"{v:,}" if abs(v) >= 10_000 else str(v)
    if isinstance(v, Fraction):
        return f"{v.numerator}/{v.denominator}"
    return str(v)[:20]


def _partial(ref: Reference, answer: N.Node, rel_tol: float | None,
             limits: Limits) -> tuple[str, list[int]] | None:
    """The divisibility assumption under which the answer is right, if there is one."""
    if not ref.floors or answer.names() == frozenset() and ref.tree.names():
        return None
    pts, expected = ref.exact()
    if pts.n < 3 or not _equal_on(answer, pts, expected, rel_tol, limits):
        return None
    needed = []
    for j in range(len(ref.floors)):
        loose, values = ref.exact(skip=j)
        if loose.n == 0 or not _equal_on(answer, loose, values, rel_tol, limits):
            needed.append(j)
    if not needed:
        return None
    return " and ".join(_divides(ref.floors[j].args[0]) for j in needed), needed


def _equal_on(answer: N.Node, pts: PointSet, expected: list[Any], rel_tol: float | None,
              limits: Limits) -> bool:
    got = evaluate(answer, pts.env, pts.n, limits)
    return all(same(g, e, rel_tol) for g, e in zip(got, expected))


def _divides(arg: N.Node) -> str:
    """``s_h divides h - k_h`` for the argument ``(h - k_h)/s_h``."""
    if arg.op == "mul":
        bottom = [f.args[0] for f in arg.args
                  if f.op == "pow" and f.args[1].op == "num" and f.args[1].value == -1]
        top = [f for f in arg.args if not (f.op == "pow" and f.args[1].op == "num"
                                           and f.args[1].value == -1)]
        if len(bottom) == 1:
            return (f"{N.to_text(bottom[0])} divides "
                    f"{N.to_text(N.mul(*top)) if top else '1'} exactly")
    return f"{N.to_text(arg)} is an integer"


def _diagnose(ref: Reference, answer: N.Node, got: list[Any],
              rel_tol: float | None) -> tuple[str, str | None]:
    """The mutant the answer matches (note, feedback), or a generic note."""
    if not answer.names() and ref.tree.names() and any(
            ref.domain.symbols[n].value is None for n in ref.tree.names()):
        names = ", ".join(sorted(ref.tree.names()))
        return ("ATEquiv_false_constant",
                f"Your answer is a number, but the expected answer is a formula in {names}.")
    key = tuple(got)
    for doubles in (False, True):
        mutant = ref.mutant_table(doubles).get(key)
        if mutant is not None:
            return mutant.note, mutant.feedback
    if ref.points.n == 1:
        return _numeric_near_miss(ref, got[0])
    return "ATEquiv_false", None


def _numeric_near_miss(ref: Reference, got: Any) -> tuple[str, str | None]:
    """A number close to a mutant's value, or a correct value rounded too far."""
    expected = ref.values[0]
    if not isinstance(got, (int, Fraction)) or not isinstance(expected, (int, Fraction)):
        return "ATEquiv_false", None
    figures = _significant_figures(got)
    if expected and figures < len(str(abs(int(expected)))) and _rounds_to(expected, figures) \
            == got:
        return ("ATNum_rounded",
                f"Your value is the expected one rounded to {figures} significant figures; "
                "an exact count is expected.")
    best: Any = None
    for vec, mutant in ref.mutant_table().items():
        value: Any = vec[0]
        if isinstance(value, (int, Fraction)) and value:
            gap = abs(Fraction(got) - Fraction(value)) / abs(Fraction(value))
            if gap <= Fraction(2, 100) and (best is None or gap < best[0]):
                best = (gap, mutant, value)
    if best is None:
        return "ATEquiv_false", None
    gap, mutant, value = best
    return (mutant.note + "_approx",
            f"{mutant.feedback} Without it the count is {_fmt(value)}, within "
            f"{float(gap):.1%} of your value (check the arithmetic too).")


def _significant_figures(x: int | Fraction) -> int:
    if isinstance(x, Fraction) and x.denominator != 1:
        return 99
    digits = str(abs(int(x))).rstrip("0")
    return max(len(digits), 1)


def _rounds_to(x: int | Fraction, figures: int) -> int:
    digits = len(str(abs(int(x))))
    scale = 10 ** max(digits - figures, 0)
    return int(round(Fraction(x) / scale)) * scale
