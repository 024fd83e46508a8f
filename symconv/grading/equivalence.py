"""Deciding an answer against a reference: structure, then exact sampling, then diagnosis.

The cascade:

1. the same canonical tree: ``correct`` (method ``structural``);
2. exact values (integers/Rationals; intervals for irrational values, settled at
   higher precision when too close to call, see :mod:`symconv.grading.reals`) at
   the reference's sample points (see :mod:`symconv.grading.domain`) plus, when
   the answer has floors or ceilings of its own, points running through their
   residues: all equal means ``correct`` (method ``sampled``); SymPy can
   optionally be asked for a proof;
3. otherwise the answer is wrong somewhere; it is ``partial`` if it equals the
   reference wherever the reference's floor arguments are exact (the named
   assumption is which divisions must be exact), else ``incorrect`` with the
   smallest counterexample found and, when the answer's values coincide with
   a mutant's (:mod:`symconv.grading.mutants`), that mutant's explanation.
   Mutants are evaluated lazily, only for wrong answers, and within a work
   budget of their own (:data:`MUTANT_WORK` evaluated nodes: a large reference never
   makes feedback slow, and a loaded machine never changes it).

An equation reference (``7 = 11a + c``) is compared side by side (either order,
or any equation whose ``left - right`` is a constant multiple of the reference's).

Examples
--------
>>> from symconv.grading.parser import parse
>>> ref = Reference.build(parse("floor(n/2) + ceiling(n/2)"), {}, ())
>>> judge(ref, parse("n", known={"n"})).verdict
'correct'
>>> eq = Reference.build(parse("7 = 11a + c"), {}, ())
>>> judge(eq, parse("8 = 11a + c", known=eq.known, equation=True)).verdict
'incorrect'
"""

from __future__ import annotations

import math
import random
from collections import ChainMap, OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from symconv.grading import nodes as N
from symconv.grading.domain import Domain, PointSet, _floor_nodes
from symconv.grading.evaluate import (
    EXACT_AT_BITS,
    UNDEFINED,
    Evaluation,
    agree,
    evaluate,
    exact_at,
    settle,
)
from symconv.grading.limits import (
    DEFAULT_LIMITS,
    REFERENCE_LIMITS,
    REFERENCE_TIME_LIMIT,
    InvalidAnswer,
    Limits,
    OutOfTime,
    check_time,
    time_budget,
)
from symconv.grading.mutants import Edit, Mutant, double_edits, single_mutants
from symconv.grading.reals import Approx, compare, is_exact, magnitude_bits, sign
from symconv.grading.verdict import GradeResult, number_text, short

#: Double mutants considered (in a fixed order, so feedback does not depend on the load).
MUTANT_DOUBLES = 400
#: Sample points at which mutants are evaluated and told apart (a match is then confirmed
#: at every point).
KEY_POINTS = 12
#: Verdicts kept per reference (by canonical answer tree).
VERDICT_CACHE = 2048
#: The work the search for a mutant may do on one reference, in evaluated nodes times
#: points (a single mutant costs its new nodes at the key points, a double one its new
#: nodes at the filter point): a bound on huge references that, unlike a deadline, gives
#: the same feedback on a loaded machine as on an idle one.  A CNN formula of 40 nodes
#: needs about 10,000.
MUTANT_WORK = 150_000


@dataclass
class Reference:
    """A compiled reference: its domain, sample points, values there and mutants (lazily).

    ``kind`` is ``"count"`` (a formula or number) or ``"shape"`` (a dimension of a shape):
    it decides which hints a wrong answer can get.  ``sides`` holds one Reference per side
    of an equation reference (on the same points), else None.
    """

    tree: N.Node
    domain: Domain
    points: PointSet
    values: list[Any]
    floors: list[N.Node]
    known: frozenset[str]
    memo: dict = field(default_factory=dict)
    kind: str = "count"
    sides: list[Reference] | None = None
    _mutants: _MutantSearch | None = None
    _exact: dict = field(default_factory=dict)
    _residues: dict = field(default_factory=dict)
    _needs: Limits | None = None
    _verdicts: OrderedDict = field(default_factory=OrderedDict)

    @classmethod
    def build(cls, tree: N.Node, overrides: dict[str, Any], conditions: tuple[N.Node, ...],
              defaults: bool = True, seed: int = 0, kind: str = "count") -> Reference:
        """Domain, sample points and values of a trusted ``tree`` (its own time budget and
        the large :data:`~symconv.grading.limits.REFERENCE_LIMITS`)."""
        with time_budget(REFERENCE_TIME_LIMIT, within=False):
            try:
                return cls._build(tree, overrides, conditions, defaults, seed, kind)
            except OutOfTime:
                raise ValueError(f"the reference {short(N.to_text(tree), 200)} could not be "
                                 f"prepared within {REFERENCE_TIME_LIMIT:g} s") from None
            except InvalidAnswer as exc:
                raise ValueError(f"the reference {short(N.to_text(tree), 200)} cannot be "
                                 f"used: {exc.message}") from None

    @classmethod
    def _build(cls, tree: N.Node, overrides: dict[str, Any], conditions: tuple[N.Node, ...],
               defaults: bool, seed: int, kind: str) -> Reference:
        whole = N.Node("all", tree.args) if tree.op == "eq" else tree  # every side's floors
        domain = Domain.build(tree.names(), overrides, conditions, whole, defaults, seed)
        points, values, memo = domain.sample_values(whole)
        if points.n == 0:
            shown = "; ".join(text for _, text in domain.conditions) or "none"
            raise ValueError(f"no valid instance of {short(N.to_text(tree), 200)} satisfies "
                             f"the domain (conditions: {shown})")
        # the values the sampling computed at exactly these points (the same evaluation)
        ref = cls.on(tree, domain, points, kind, *((values, memo) if values is not None
                                                     and whole is tree else ()))
        if tree.op == "eq":
            ref.sides = [cls.on(side, domain, points, kind) for side in tree.args]
        return ref

    @classmethod
    def on(cls, tree: N.Node, domain: Domain, points: PointSet, kind: str = "count",
           values: list[Any] | None = None, memo: dict | None = None) -> Reference:
        """A Reference for ``tree`` on given points (a tuple's component, an equation's side);
        ``values`` and ``memo``: ``tree`` evaluated there already, with a fresh memo."""
        if values is None or memo is None:
            memo = {}
            values = evaluate(tree, points.env, points.n, REFERENCE_LIMITS, memo=memo)
        return cls(tree, domain, points, values, _floor_nodes(tree), frozenset(domain.symbols),
                   memo, kind)

    @property
    def text(self) -> str:
        if "text" not in self._exact:
            self._exact["text"] = N.to_text(self.tree)
        return self._exact["text"]

    @property
    def is_equation(self) -> bool:
        return self.sides is not None

    def needs(self) -> Limits:
        """What an answer equal to this reference may need: its exponents, sizes, nodes."""
        if self._needs is None:
            exponents = [abs(n.args[1].value) for n in self.tree.walk() if n.op == "pow"
                         and n.args[1].op == "num" and type(n.args[1].value) is int]
            digits = [len(str(abs(n.value.numerator if isinstance(n.value, Fraction)
                                  else n.value))) for n in self.tree.walk()
                      if n.op == "num" and not isinstance(n.value, bool)
                      and N._bits(n.value) < 4000]
            bits = [_size_bits(v) for v in self.values]
            size = self.tree.size()
            self._needs = Limits(max_length=4 * len(self.text), max_tokens=4 * size,
                                 max_depth=0, max_nodes=3 * size,
                                 max_digits=max(digits, default=0),
                                 max_exponent=max(exponents, default=0),
                                 max_bits=2 * max(bits, default=0) + 64,
                                 max_components=0, max_name=0)
        return self._needs

    # -- mutants, built lazily, in a fixed order --------------------------------------
    def _search(self) -> _MutantSearch:
        if self._mutants is None:
            self._mutants = _MutantSearch(self)
        return self._mutants

    def explain(self, values: tuple, accept: Callable[[Mutant], bool] | None = None
                ) -> Mutant | None:
        """The first mutant, in the fixed order of :class:`_MutantSearch`, whose values at
        the key points are ``values`` and that ``accept`` confirms (the answer equals it at
        every point).  The list is built only as far as needed (so only wrong answers pay
        for it) and persists for later answers; the result does not depend on which
        answers came before, nor on the machine's load (the search is bounded by
        :data:`MUTANT_WORK`, a count of evaluated nodes, not by seconds)."""
        try:
            return self._search().find(values, accept)
        except OutOfTime:  # the answer's own time limit (a huge reference): no hint
            return None

    def key_points(self) -> tuple[list[int], PointSet, dict]:
        """The few sample points mutants are told apart by (spread over all of them), and
        the memo of values there: a mutant costs :data:`KEY_POINTS` points, not all."""
        if "key points" not in self._exact:
            pts, symbols = self.points, self.domain.symbols
            # the most generic points first: symbols away from their smallest values (at
            # p = 0 or s = 1 many mistakes, "2p written p", change nothing)
            def generic(i: int) -> int:
                return sum(1 for name in pts.names if symbols[name].value is None
                           and pts.env[name][i] != _lowest(symbols[name]))
            ranked = sorted(range(pts.n), key=lambda i: -generic(i))
            idx = sorted(ranked[:KEY_POINTS])
            self._exact["key points"] = (idx, pts.subset(idx), {})
            # the most generic point alone: a mutant is first told apart there
            self._exact["filter point"] = (idx.index(ranked[0]), pts.subset(ranked[:1]), {})
        return self._exact["key points"]

    def filter_point(self) -> tuple[int, PointSet, dict]:
        """The key point mutants are first compared at (its position among the key points,
        the point, its memo): one point, not :data:`KEY_POINTS`, for most mutants."""
        self.key_points()
        return self._exact["filter point"]

    def single_table(self) -> dict[tuple, Mutant]:
        """The single mutants' table: each key-point vector's first single mutant (as far
        as :data:`MUTANT_WORK` allows)."""
        try:
            return self._search().single_table()
        except OutOfTime:
            return {}

    @property
    def floor_keys(self) -> set[tuple]:
        return {f.key() for f in self.floors}

    def residue_points(self, floors: list[N.Node]) -> tuple[PointSet, list[Any]]:
        """Points through every residue of the answer's own floors (cached per floor set)."""
        key = frozenset(f.key() for f in floors)
        if key not in self._residues:
            rng = random.Random(self.domain.seed + 1)
            rows = self.domain.residues(self.points, floors, rng)
            self._residues[key] = self.domain.accept_values(
                self.points.names, [tuple(r) for r in rows], self.tree)
            if len(self._residues) > 512:
                self._residues.pop(next(iter(self._residues)))
        return self._residues[key]

    # -- points where the floors' arguments are exact ---------------------------
    def exact(self, skip: int | None = None) -> tuple[PointSet, list[Any]]:
        if skip not in self._exact:
            self._exact[skip] = self.domain.exact_values(self.points, self.floors, self.tree,
                                                         skip)
        return self._exact[skip]


#: A mutant's value at the filter point not computed, or not usable to rule it out.
_OPEN = object()


class _MutantSearch:
    """Every mutant of a reference in one fixed order (the single ones, then at most
    :data:`MUTANT_DOUBLES` double ones built from the single ones with key-point values of
    their own), built lazily and kept for the reference's later answers.

    A single mutant is evaluated at every key point (its values decide which single
    mutants the double ones are built from); a double one first at one point only, the
    filter point, and at the other key points only when it has the answer's value
    there.  So the result is the same first match in the same order as a table of every
    mutant's key-point values, at a twelfth of the points for most mutants.  A value
    that is not exact (an interval) or an evaluation that fails at the filter point
    rules nothing out: the key points decide.

    A double mutant's tree is not even built unless it is needed (its filter-point value
    is the answer's, or unknown): its value there is computed from its first mutant's
    values (:meth:`_edit_value`: the edited node's, its ancestors' recombined; a swap or
    an ignored stride as the first mutant at a swapped or changed point).  Such a value is
    the tree's exact value, so it rules a mutant out exactly when the tree's would.

    The search stops at the first mutant whose place in the order costs more than
    :data:`MUTANT_WORK` of cumulated work (nodes evaluated times points, counted over the
    order, so the same for every answer and any load).  A double mutant whose tree is not
    built has no exact count: while the counted work plus every such mutant's bound
    (:meth:`~symconv.grading.mutants.Edit.bound`) stays within the budget, the budget
    cannot be what stops the search, and the count is not needed; past that, the trees so
    far are built and counted in order (:meth:`_count`), and the search goes on counting.
    """

    def __init__(self, ref: Reference) -> None:
        self.ref = ref
        idx, self.sub, self.memo = ref.key_points()
        self.j0, self.sub0, self.memo0 = ref.filter_point()
        self.own = tuple(ref.values[i] for i in idx)
        # one evaluator for each memo, kept for every mutant (not one per evaluation)
        self.at_keys = Evaluation(self.sub.env, self.sub.n, REFERENCE_LIMITS, self.memo)
        self.row0 = self.sub0.row(0)
        # a mutant, or (first mutant, second edit): a double mutant not built yet
        self.mutants: list[Mutant | tuple[Mutant, Edit]] = []
        self.first: list[Any] = []   # value at the filter point, or _OPEN
        self.vectors: list[Any] = []  # key-point values; None: none (failed, or the own)
        self.work = 0
        self.singles: list[Mutant] | None = None  # the single ones with values of their own
        self._source: Iterator[Mutant] | None = single_mutants(ref.tree, ref.kind)
        self._pairs: Iterator[tuple[Mutant, Edit]] | None = None
        self._in_doubles = False
        self._over = False
        # the doubles' filter-point values computed from their first mutants' (memos by
        # point: the filter point, or it with symbols swapped or changed); None: counting
        self._edit_memos: dict[Any, tuple[dict[str, Any], dict]] | None = {}
        self._bounds = 0  # the bounds of the double mutants whose work is not counted
        self._doubles_from = 0  # where the double mutants start in the order

    def _vector(self, m: Mutant) -> tuple | None:
        """``m`` at the key points (None: it cannot be evaluated, or it is the reference
        there)."""
        try:
            vec = tuple(self.at_keys(m.tree))
        except OutOfTime:
            raise
        except (InvalidAnswer, ArithmeticError, ValueError, TypeError):
            return None
        return None if vec == self.own else vec

    def _first_value(self, m: Mutant) -> Any:
        v = exact_at(m.tree, self.row0, self.memo0)
        return _OPEN if v is None else v

    def _mutant(self, i: int) -> Mutant:
        """The ``i``-th mutant of the order, its tree built if it was not."""
        m = self.mutants[i]
        if type(m) is tuple:
            first, edit = m
            m = self.mutants[i] = first.combine(edit.mutant())
        assert isinstance(m, Mutant)
        return m

    def _grow(self) -> bool:
        """Enter the next mutant of the order (False: the order, or the work, is spent)."""
        if self._over:
            return False
        if not self._in_doubles:
            m = next(self._source, None) if self._source is not None else None
            if m is not None:
                before = len(self.memo)
                vec: Any = self._vector(m)
                self.work += (len(self.memo) - before + 1) * self.sub.n
                first = _OPEN if vec is None else vec[self.j0]
                if type(first) is not int and type(first) is not Fraction:
                    first = _OPEN
                return self._enter(m, first, vec)
            self._singles_done()
        if self._pairs is None:
            return False
        pair = next(self._pairs, None)
        if pair is None:
            self._pairs = None
            self._edit_memos = None
            return False
        if self._edit_memos is not None:
            bound = pair[1].bound() + 1  # at most this many new values, and the one
            if self.work + self._bounds + bound <= MUTANT_WORK:
                self._bounds += bound
                self.mutants.append(pair)
                self.first.append(self._edit_value(*pair))
                self.vectors.append(_OPEN)
                return True
            self._count()
        m = pair[0].combine(pair[1].mutant())
        before = len(self.memo0)
        first = self._first_value(m)
        self.work += len(self.memo0) - before + 1
        return self._enter(m, first, _OPEN)  # key-point values computed when needed

    def _enter(self, m: Mutant, first: Any, vec: Any) -> bool:
        if self.work > MUTANT_WORK:
            self._over = True
            return False
        self.mutants.append(m)
        self.first.append(first)
        self.vectors.append(vec)
        return True

    def _count(self) -> None:
        """Count the work of the double mutants so far, as if each had been evaluated at
        the filter point when it was entered (in order, into the filter point's memo, which
        nothing has written to before): from now on every one is counted."""
        assert not self.memo0
        work, firsts = self.work, []
        try:
            for i in range(self._doubles_from, len(self.mutants)):
                m = self._mutant(i)
                before = len(self.memo0)
                firsts.append(self._first_value(m))
                work += len(self.memo0) - before + 1
        except BaseException:  # out of time: counted again, from the start, next time
            self.memo0.clear()
            raise
        assert work <= MUTANT_WORK  # within the bounds, so within the budget
        self.first[self._doubles_from:] = firsts
        self.work, self._edit_memos = work, None

    def _edit_value(self, first: Mutant, edit: Edit) -> Any:
        """The value at the filter point of the double mutant ``edit`` makes of ``first``
        (whose tree is ``edit.base``), without its tree: _OPEN where that is not a plain
        exact computation (then the tree is built if the value is needed)."""
        assert self._edit_memos is not None
        how, arg, base = edit.how, edit.arg, edit.base
        row, memo = self._point(None)
        if how == "rename":  # the first mutant where the swapped symbols' values are swapped
            row, memo = self._point(("rename", tuple(sorted(arg.items()))))
        elif how == "subst":  # ... where the ignored symbol has its neutral value
            row, memo = self._point(("subst", arg))
        elif how == "local":  # the new node's value, then its ancestors' around it
            v = exact_at(arg.tree, row, memo)
            for node, i in reversed(edit.path):
                if v is None:
                    break
                v = _with_child(node, i, v, row, memo)
            return _OPEN if v is None else v
        v = exact_at(base, row, memo)
        if v is None:
            return _OPEN
        if how == "scale":
            v = _exact_number(v * arg.value)
        elif how == "offset":
            v = _exact_number(v + arg.value)
        return _OPEN if v is None else v

    def _point(self, key: Any) -> tuple[dict[str, Any], dict]:
        """The filter point (``key`` None), with two symbols' values swapped (``("rename",
        table items)``), or with one symbol's value replaced (``("subst", (name, value))``),
        and a memo of its own."""
        assert self._edit_memos is not None
        found = self._edit_memos.get(key)
        if found is None:
            row = dict(self.row0)
            if key is not None and key[0] == "rename":
                row.update({a: self.row0[b] for a, b in key[1]})
            elif key is not None:
                name, value = key[1]
                row[name] = value
            found = self._edit_memos[key] = (row, {})
        return found

    def _singles_done(self) -> None:
        """Every single mutant is in: the double ones follow, built from the first single
        mutant of each key-point vector."""
        seen: set = set()
        singles = []
        for m, vec in zip(self.mutants, self.vectors):
            if vec is not None and vec not in seen:
                assert isinstance(m, Mutant)
                seen.add(vec)
                singles.append(m)
        self.singles = singles
        self._in_doubles = True
        self._source = None
        self._doubles_from = len(self.mutants)
        self._pairs = double_edits(singles, MUTANT_DOUBLES, kind=self.ref.kind)

    def find(self, values: tuple, accept: Callable[[Mutant], bool] | None) -> Mutant | None:
        if values == self.own:
            return None  # no mutant has the reference's own values (none is kept)
        v0 = values[self.j0] if len(values) > self.j0 else _OPEN
        exact = type(v0) is int or type(v0) is Fraction
        i = 0
        while i < len(self.mutants) or self._grow():
            first = self.first[i]
            if not exact or first is _OPEN or first == v0:
                vec = self.vectors[i]
                if vec is _OPEN:
                    vec = self.vectors[i] = self._vector(self._mutant(i))
                if vec is not None and vec == values:
                    m = self._mutant(i)
                    if accept is None or accept(m):
                        return m
            i += 1
        return None

    def single_table(self) -> dict[tuple, Mutant]:
        while not self._in_doubles and self._grow():
            pass
        table: dict[tuple, Mutant] = {}
        for m, vec in zip(self.mutants, self.vectors):
            if isinstance(m, Mutant) and m.order == 1 and vec is not None and vec not in table:
                table[vec] = m
        return table


def _exact_number(v: Any) -> Any:
    """``v`` as :func:`~symconv.grading.evaluate.exact_at` gives values (an int when
    integral), None past its size."""
    if type(v) is Fraction:
        if v.denominator == 1:
            v = v.numerator
        elif v.numerator.bit_length() > EXACT_AT_BITS or v.denominator.bit_length() > EXACT_AT_BITS:
            return None
    return None if type(v) is int and v.bit_length() > EXACT_AT_BITS else v


def _with_child(node: N.Node, i: int, v: Any, row: dict[str, Any], memo: dict) -> Any:
    """The exact value at ``row`` of ``node`` with its ``i``-th child worth ``v`` (the other
    children's from ``memo``): a sum, a product, an integer power, a floor or a ceiling;
    None for anything else or a value :func:`exact_at` would not give.  However the
    rebuilt node is flattened (a product into its parent product), its value is this."""
    check_time()
    op = node.op
    if op == "add" or op == "mul":
        for j, child in enumerate(node.args):
            if j != i:
                x = exact_at(child, row, memo)
                if x is None:
                    return None
                v = v + x if op == "add" else v * x
        return _exact_number(v)
    if op == "floor" or op == "ceil":
        return v if type(v) is int else (v.__floor__() if op == "floor" else v.__ceil__())
    if op == "pow" and i == 0:
        exponent = node.args[1]
        if exponent.op != "num" or type(exponent.value) is not int \
                or abs(exponent.value) > 64:
            return None
        e = exponent.value
        if _size_bits(v) * max(abs(e), 1) > EXACT_AT_BITS or (v == 0 and e < 0):
            return None
        return _exact_number(v**e if e >= 0 else Fraction(1) / v**-e)
    return None


def _lowest(d: Any) -> Any:
    return d.low if d.low is not None else None


def _size_bits(v: Any) -> int:
    if type(v) is int:
        return v.bit_length()
    if type(v) is Fraction:
        return max(v.numerator.bit_length(), v.denominator.bit_length())
    if type(v) is Approx:
        return magnitude_bits(v)
    return 0


def equal_at(ref_tree: N.Node, answer: N.Node, pts: PointSet, expected: list[Any],
             got: list[Any], rel_tol: float | None, limits: Limits) -> list[bool]:
    """Whether the answer's values equal the reference's at each point: exact values
    compared at once, intervals too close to call settled at higher precision."""
    ok = agree(expected, got, rel_tol)
    open_points = [i for i, v in enumerate(ok) if v is None]
    if open_points:
        sub = pts.subset(open_points)
        for i, v in zip(open_points, settle(ref_tree, answer, sub.env, sub.n,
                                            REFERENCE_LIMITS, limits, rel_tol)):
            ok[i] = v
    return [bool(v) for v in ok]


def judge(ref: Reference, answer: N.Node, rel_tol: float | None = None,
          limits: Limits = DEFAULT_LIMITS, reveal: bool = True) -> GradeResult:
    """The verdict on ``answer`` (already parsed and within limits).

    ``reveal=False``: no feedback text shows an expected value.  Verdicts are cached per
    reference and canonical answer tree: students' many spellings of one formula (terms
    in another order, ``^`` or ``**``, LaTeX) are judged once.
    """
    key = (answer, rel_tol, limits, reveal)
    cached = ref._verdicts.get(key)
    if cached is not None:
        ref._verdicts.move_to_end(key)
        return cached
    result = _judge(ref, answer, rel_tol, limits, reveal)
    ref._verdicts[key] = result
    if len(ref._verdicts) > VERDICT_CACHE:
        ref._verdicts.popitem(last=False)
    return result


def _judge(ref: Reference, answer: N.Node, rel_tol: float | None, limits: Limits,
           reveal: bool) -> GradeResult:
    base: dict[str, Any] = dict(expected=short(ref.text), answer=short(N.to_text(answer)))
    if answer.key() == ref.tree.key():
        return GradeResult("correct", "Correct.", "ATEquiv_true", method="structural",
                           **base)
    if ref.sides is not None:
        return _judge_equation(ref, answer, rel_tol, limits, reveal, base)
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
    ok = equal_at(ref.tree, answer, pts, expected, got, rel_tol, limits)
    wrong = [i for i, v in enumerate(ok) if not v]
    if not wrong:
        return GradeResult("correct", "Correct.", "ATEquiv_true", method="sampled",
                           points=pts.n, **base)
    example = _counterexample(pts, wrong, expected, got)
    if answer.op == "eq":
        chain = [a for a in answer.args]
        return GradeResult(
            "incorrect", f"The sides of your answer ({short(N.to_text(answer), 200)}) are not "
            "equal in general. " + _example_text(example, reveal, chain=chain, limits=limits),
            "ATEquiv_chain_false", counterexample=example, method="sampled", points=pts.n,
            **base)
    partial = None if _wrong_where_exact(ref, pts, wrong) else _partial(ref, answer, rel_tol,
                                                                          limits)
    if partial is not None:
        assumption, needed = partial
        keep = ", ".join(N.to_text(ref.floors[j]) for j in needed)
        note, what = _diagnose(ref, answer, got[: ref.points.n], rel_tol, reveal, limits)
        floor_dropped = note == "ATEquiv_false" or all(
            part == "floor_dropped" for part in note.removeprefix("ATMutant_").split("+"))
        return GradeResult(
            "partial",
            (f"{what} " if what and not floor_dropped else "")
            + f"Your formula is right only when {assumption}. In general that division is "
            + (f"not exact and the result must be rounded: keep {keep}." if reveal
               else "not exact and the result must be rounded."),
            "ATEquiv_floor_dropped" if floor_dropped
            else "ATEquiv_partial_" + note.removeprefix("ATMutant_"),
            counterexample=example, assumption=assumption, method="sampled", points=pts.n,
            **base)
    note, feedback = _diagnose(ref, answer, got[: ref.points.n], rel_tol, reveal, limits)
    if feedback is None:
        feedback = "Your answer is not equal to the expected one."
    return GradeResult("incorrect", feedback + " " + _example_text(example, reveal),
                       note, counterexample=example, method="sampled", points=pts.n, **base)


def _judge_equation(ref: Reference, answer: N.Node, rel_tol: float | None, limits: Limits,
                    reveal: bool, base: dict[str, Any]) -> GradeResult:
    """An equation reference: the same sides (in either order), or an equivalent equation."""
    sides = ref.sides or []
    n = len(sides)
    if answer.op != "eq" or len(answer.args) != n:
        what = "an equation" if n == 2 else f"a chain of {n} equal sides"
        return GradeResult("incorrect", f"The answer is {what}, like {short(ref.text, 200)}: "
                           "give every side.", "ATEquation_not_an_equation",
                           method="sampled", points=ref.points.n, **base)
    given = list(answer.args)
    results = [judge(s, a, rel_tol, limits, reveal) for s, a in zip(sides, given)]
    if all(r.verdict == "correct" for r in results):
        return GradeResult("correct", "Correct.", "ATEquiv_true", method="sampled",
                           points=ref.points.n, **base)
    if n == 2:
        swapped = [judge(s, a, rel_tol, limits, reveal) for s, a in zip(sides, given[::-1])]
        if all(r.verdict == "correct" for r in swapped):
            return GradeResult("correct", "Correct.", "ATEquation_swapped_sides",
                               method="sampled", points=ref.points.n, **base)
        if _proportional(ref, given, limits):
            return GradeResult("correct", "Correct (an equivalent equation).",
                               "ATEquation_equivalent", method="sampled",
                               points=ref.points.n, **base)
    names = ["left side", "right side"] if n == 2 else [f"side {j + 1}" for j in range(n)]
    wrong = [j for j, r in enumerate(results) if r.verdict != "correct"]
    text = " ".join(f"On the {names[j]}: {results[j].feedback}" for j in wrong)
    if len(wrong) < n:
        text += " The other side is right." if n - len(wrong) == 1 else \
            " The other sides are right."
    first = results[wrong[0]]
    return GradeResult("incorrect", text, "; ".join(f"ATEquation_side{j + 1}:{results[j].note}"
                                                     for j in wrong),
                       counterexample=first.counterexample, method="sampled",
                       points=ref.points.n, **base)


def _proportional(ref: Reference, given: list[N.Node], limits: Limits) -> bool:
    """``left - right`` of the answer is a nonzero constant times the reference's."""
    assert ref.sides is not None
    pts = ref.points
    mine = evaluate(N.sub(given[0], given[1]), pts.env, pts.n, limits)
    theirs = [a - b if a is not UNDEFINED and b is not UNDEFINED else UNDEFINED
              for a, b in zip(ref.sides[0].values, ref.sides[1].values)]
    ratio: Any = None
    try:
        for m, t in zip(mine, theirs):
            if m is UNDEFINED or t is UNDEFINED:
                return False
            if sign(t) == 0:
                if sign(m) != 0:
                    return False
                continue
            r = m / t
            if ratio is None:
                ratio = r
            elif compare(r, ratio) != 0:
                return False
    except Exception:  # noqa: BLE001 - an interval too close to call: not shown equivalent
        return False
    return ratio is not None and sign(ratio) != 0


def _counterexample(pts: PointSet, wrong: list[int], expected: list[Any],
                    got: list[Any]) -> dict[str, Any]:
    def size(i: int) -> Any:
        return sum(abs(pts.env[n][i]) for n in pts.names)

    i = min(wrong, key=size)
    out: dict[str, Any] = pts.row(i)
    out["expected"] = expected[i]
    out["got"] = None if got[i] is UNDEFINED else got[i]
    return out


def _example_text(example: dict[str, Any], reveal: bool = True,
                  chain: list[N.Node] | None = None, limits: Limits = DEFAULT_LIMITS) -> str:
    values = ", ".join(f"{k} = {_fmt(v)}" for k, v in example.items()
                       if k not in ("expected", "got"))
    where = f"For {values}" if values else "Here"
    if chain is not None:
        row = {k: [v] for k, v in example.items() if k not in ("expected", "got")}
        try:
            shown = [_fmt(evaluate(side, row, 1, limits)[0]) for side in chain]
        except (InvalidAnswer, ArithmeticError, ValueError, KeyError):
            return ""
        return f"{where} its sides are {', '.join(shown)}."
    got = "is undefined" if example["got"] is None else f"gives {_fmt(example['got'])}"
    if not reveal:
        return f"{where} your answer {got}, which is not the expected value."
    return f"{where} the expected value is {_fmt(example['expected'])} but your answer {got}."


def _fmt(v: Any) -> str:
    return number_text(v)


def _partial(ref: Reference, answer: N.Node, rel_tol: float | None,
             limits: Limits) -> tuple[str, list[int]] | None:
    """The divisibility assumption under which the answer is right, if there is one."""
    if not ref.floors or answer.names() == frozenset() and ref.tree.names():
        return None
    pts, expected = ref.exact()
    # two exact instances at least: with a student's sizes fixed, a stride dividing both
    # numbers (46/s and 146/s) may have only s = 1 and s = 2 (docs/grading.md)
    if pts.n < 2 or not _equal_on(ref, answer, pts, expected, rel_tol, limits):
        return None
    needed = []
    # A floor the formula has twice (the same argument) is needed for one copy exactly
    # when for the other: the points where one copy's argument is not an integer and the
    # other's is are none (the same argument), or, if that argument never rounds, are
    # the exact points either way.  So each argument's looser points are found once.
    need: dict[tuple, bool] = {}
    for j, f in enumerate(ref.floors):
        key = f.key()
        if key not in need:
            loose, values = ref.exact(skip=j)
            need[key] = loose.n == 0 or not _equal_on(ref, answer, loose, values, rel_tol,
                                                      limits)
        if need[key]:
            needed.append(j)
    if not needed or not all(_divides_somewhere(ref.floors[j].args[0], pts) for j in needed):
        return None  # right only where every division it needs is by 1: not partial
    # a floor the formula has twice (max pool comparisons) is one assumption
    return " and ".join(dict.fromkeys(_divides(ref.floors[j].args[0]) for j in needed)), needed


def _wrong_where_exact(ref: Reference, pts: PointSet, wrong: list[int]) -> bool:
    """Whether the answer is wrong at a sample point where every floor argument of the
    reference is already an integer: then it is not right wherever the divisions are
    exact, and the search for exact points (the costly part of :func:`_partial`) is
    not needed."""
    if not ref.floors or not wrong:
        return False
    sub = pts.subset(wrong)
    exact = [True] * sub.n
    for f in ref.floors:
        try:
            values = evaluate(f.args[0], sub.env, sub.n, REFERENCE_LIMITS)
        except (InvalidAnswer, ArithmeticError, ValueError, TypeError):
            return False
        exact = [e and type(v) is int for e, v in zip(exact, values)]
    return any(exact)


def _equal_on(ref: Reference, answer: N.Node, pts: PointSet, expected: list[Any],
              rel_tol: float | None, limits: Limits) -> bool:
    got = evaluate(answer, pts.env, pts.n, limits)
    return all(equal_at(ref.tree, answer, pts, expected, got, rel_tol, limits))


def _divides_somewhere(arg: N.Node, pts: PointSet) -> bool:
    """Whether ``arg`` divides by more than 1 at some of ``pts`` (where it is exact).

    An answer right only where every division it needs is by 1 (``s = 1``: the
    stride-1 formula, right "when s divides 31 and s divides 44") is not partially
    right: docs/grading.md, "partial"."""
    for row in pts.rows():
        try:
            d = _divisor(arg, row)
        except (InvalidAnswer, ArithmeticError, ValueError, TypeError):
            continue
        if d is not None and abs(d) > 1:
            return True
    return False


def _divisor(node: N.Node, row: dict[str, Any]) -> Any:
    """The divisor of ``node`` at ``row``: the product of its denominators (``s`` in
    ``(h - k)/s``, 3 in ``2*p/3 + 4/3``: the lcm over a sum's terms)."""
    if node.op == "num":
        return Fraction(node.value).denominator if is_exact(node.value) else 1
    if node.op == "mul":
        out: Any = 1
        for f in node.args:
            d = _divisor(f, row)
            out = out * d if d is not None else out
        return out
    if node.op == "add":
        out = 1
        for t in node.args:
            d = _divisor(t, row)
            if type(d) is int and d != 0:
                out = abs(out * d) // math.gcd(out, d)
        return out
    if node.op == "pow" and node.args[1].op == "num" and type(node.args[1].value) is int \
            and node.args[1].value < 0:
        return evaluate(node.args[0], {k: [v] for k, v in row.items()}, 1)[0] \
            ** -node.args[1].value
    return 1


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


def _diagnose(ref: Reference, answer: N.Node, got: list[Any], rel_tol: float | None,
              reveal: bool = True, limits: Limits = DEFAULT_LIMITS) -> tuple[str, str | None]:
    """The mutant the answer matches (note, feedback), or a generic note."""
    if not answer.names() and ref.tree.names() and any(
            ref.domain.symbols[n].value is None for n in ref.tree.names()):
        names = ", ".join(sorted(ref.tree.names()))
        return ("ATEquiv_false_constant",
                f"Your answer is a number, but the expected answer is a formula in {names}.")
    idx = ref.key_points()[0]
    mutant = ref.explain(tuple(got[i] for i in idx),
                         lambda m: _matches(ref, m, answer, got, rel_tol, limits))
    if mutant is not None:
        # A misconception's feedback quotes the expected formula ("drops the +1 of ..."):
        # without reveal only its note is kept.
        return mutant.note, mutant.feedback if reveal else None
    if ref.points.n == 1:
        return _numeric_near_miss(ref, got[0], reveal)
    return "ATEquiv_false", None


def _matches(ref: Reference, mutant: Mutant, answer: N.Node, got: list[Any],
             rel_tol: float | None, limits: Limits) -> bool:
    """The answer equals the mutant at every sample point (not only at the key points)."""
    pts = ref.points
    try:
        values = evaluate(mutant.tree, pts.env, pts.n, REFERENCE_LIMITS,
                          memo=ChainMap({}, ref.memo))
        return all(equal_at(mutant.tree, answer, pts, values, got, rel_tol, limits))
    except (InvalidAnswer, ArithmeticError, ValueError, TypeError):
        return False


def _numeric_near_miss(ref: Reference, got: Any, reveal: bool = True
                       ) -> tuple[str, str | None]:
    """A number close to a mutant's value, or a correct value rounded too far."""
    expected = ref.values[0]
    if not is_exact(got) or not is_exact(expected):
        return "ATEquiv_false", None
    figures = _significant_figures(got)
    if expected and figures < _digits(expected) and _rounds_to(expected, figures) == got:
        if not reveal:
            return ("ATNum_rounded", "Your value looks rounded to "
                    f"{figures} significant figures; an exact count is expected.")
        return ("ATNum_rounded",
                f"Your value is the expected one rounded to {figures} significant figures; "
                "an exact count is expected.")
    best: Any = None
    for vec, mutant in ref.single_table().items():
        value: Any = vec[0]
        if is_exact(value) and value:
            gap = abs(Fraction(got) - Fraction(value)) / abs(Fraction(value))
            if gap <= Fraction(2, 100) and (best is None or gap < best[0]):
                best = (gap, mutant, value)
    if best is None:
        return "ATEquiv_false", None
    gap, mutant, value = best
    return (mutant.note + "_approx",
            f"{mutant.feedback} Without it the count is {_fmt(value)}, within "
            f"{float(gap):.1%} of your value (check the arithmetic too).")


def _digits(x: int | Fraction) -> int:
    return len(N.int_text(abs(int(x))))


def _significant_figures(x: int | Fraction) -> int:
    if isinstance(x, Fraction) and x.denominator != 1:
        return 99
    digits = N.int_text(abs(int(x))).rstrip("0")
    return max(len(digits), 1)


def _rounds_to(x: int | Fraction, figures: int) -> int:
    digits = _digits(x)
    scale = 10 ** max(digits - figures, 0)
    return int(round(Fraction(x) / scale)) * scale


__all__ = ["Reference", "judge", "equal_at", "Approx"]
