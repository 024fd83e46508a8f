"""Verdicts on tuple and shape answers: componentwise, then layout, batch axis and length.

For a reference ``(r_1, ..., r_n)`` and an answer ``(a_1, ..., a_m)``:

* ``m == n``: each ``a_i`` is judged against ``r_i`` with the ordinary cascade.
  All correct: ``correct``.  Otherwise, if the answer's components are the
  reference's in another order (every pair correct, or right up to a dropped
  floor), that is a *layout* mistake: for a shape ``partial`` (``incorrect``
  when the order matters, ``strict_order``), with feedback naming the layout
  (``channels-last (H×W×C)`` against ``channels-first (C×H×W)``); for a tuple
  that is not a shape, ``incorrect``.  Otherwise the wrong components are
  named, each with its own feedback and counterexample; ``partial`` when each
  wrong one is ``partial``, else ``incorrect``.
* ``m == n + 1`` (shapes): a leading axis before the right dimensions is a
  batch axis: ``correct`` when the question has that batch (``batch_axis``),
  ``incorrect`` when it has another batch size, else ``partial`` (the
  reference is one sample's shape).  Another extra component: ``incorrect``.
* ``m == n - 1`` (shapes): a missing leading batch axis is ``partial``, any
  other missing dimension ``incorrect``, both named.
* other lengths, or other nestings: ``incorrect``, saying how many components
  are expected.  A single value where a shape is expected is ``incorrect``;
  the feedback says when it is the number of elements (the product of the
  dimensions) or one of the dimensions.

Examples
--------
>>> from symconv.grading.shapes import read_answer, shape_reference
>>> ref = shape_reference((10, 31, 31), {})
>>> judge_shape(ref, read_answer("31x31x10", ref.known)).verdict
'partial'
>>> judge_shape(ref, read_answer("9610", ref.known)).note
'ATShape_product'
"""

from __future__ import annotations

from collections import ChainMap
from typing import Any

from symconv.grading import nodes as N
from symconv.grading.equivalence import Reference, equal_at, judge
from symconv.grading.evaluate import UNDEFINED, evaluate
from symconv.grading.limits import DEFAULT_LIMITS, InvalidAnswer, Limits
from symconv.grading.parser import parse
from symconv.grading.shapelayout import LETTER, label, layout_name, orders, reference_layout, symbol_role
from symconv.grading.shapes import ShapeReference, flatten, structure, tuple_text
from symconv.grading.shapetext import split_with_separator
from symconv.grading.verdict import GradeResult, number_text

OK = ("correct",)
NEAR = ("correct", "partial")


def judge_shape(ref: ShapeReference, answer: Any, rel_tol: float | None = None,
                limits: Limits = DEFAULT_LIMITS, reveal: bool = True) -> GradeResult:
    """The verdict on ``answer`` (component trees from :func:`read_answer`, or one tree).

    ``reveal=False``: no feedback shows the expected shape or values.
    """
    return _Judge(ref, rel_tol, limits, reveal).run(answer)


class _Judge:
    def __init__(self, ref: ShapeReference, rel_tol: float | None, limits: Limits,
                 reveal: bool = True) -> None:
        self.ref, self.rel_tol, self.limits, self.reveal = ref, rel_tol, limits, reveal
        self.n = len(ref.leaves)
        self.pairs: dict[tuple[int, int], GradeResult] = {}
        self.vectors: dict[int, list[Any]] = {}
        self.keep: list[N.Node] = []  # answer trees whose id() keys the caches

    # -- comparisons, cached ---------------------------------------------------
    def vec(self, a: N.Node) -> list[Any]:
        if id(a) not in self.vectors:
            self.keep.append(a)
            pts = self.ref.points
            self.vectors[id(a)] = evaluate(a, pts.env, pts.n, self.limits,
                                           memo=ChainMap({}, self.ref.leaves[0].memo))
        return self.vectors[id(a)]

    def equal_values(self, a: N.Node, r: Reference) -> bool:
        """``a`` equals ``r`` at the shared points (necessary for ``correct``)."""
        return all(equal_at(r.tree, a, r.points, r.values, self.vec(a), self.rel_tol,
                            self.limits))

    def pair(self, a: N.Node, j: int) -> GradeResult:
        key = (id(a), j)
        if key not in self.pairs:
            self.keep.append(a)
            self.pairs[key] = judge(self.ref.leaves[j], a, self.rel_tol, self.limits,
                                    self.reveal)
        return self.pairs[key]

    def matches(self, a: N.Node, j: int, accept: tuple[str, ...]) -> bool:
        if accept == OK and not self.equal_values(a, self.ref.leaves[j]):
            return False
        return self.pair(a, j).verdict in accept

    def assign(self, answers: list[N.Node], idx: list[int], permute: bool = True,
               ) -> tuple[tuple[int, ...], list[GradeResult]] | None:
        """An order of the reference components ``idx`` the answers match, the usual first."""
        identity = tuple(range(len(answers)))
        perms = [identity] + (list(orders(len(answers))) if permute else [])
        for accept in (OK, NEAR):
            for perm in perms:
                if accept == NEAR and perm != identity and len(answers) > 4:
                    break  # judging every pair of a long tuple costs too much
                if all(self.matches(a, idx[p], accept) for a, p in zip(answers, perm)):
                    return perm, [self.pair(a, idx[p]) for a, p in zip(answers, perm)]
        return None

    # -- the cases ---------------------------------------------------------------
    def run(self, answer: Any) -> GradeResult:
        ref = self.ref
        if isinstance(answer, N.Node):
            return self.scalar(answer)
        if not ref.flat or any(isinstance(a, list) for a in answer):
            return self.nested(answer)
        m = len(answer)
        if m == self.n:
            return self.same_length(answer)
        found = None
        if ref.is_shape and m == self.n + 1:
            found = self.extra_axis(answer)
        elif ref.is_shape and m == self.n - 1:
            found = self.missing_axis(answer)
        return found if found is not None else self.wrong_length(answer)  # partial is falsy

    def same_length(self, answer: list[N.Node], prefix: str = "") -> GradeResult:
        idx = list(range(self.n))
        found = self.assign(answer, idx, permute=self.n > 1)
        if found is not None and found[0] != tuple(idx):
            return self.layout(answer, found[0], found[1], prefix)
        results = [self.pair(a, i) for i, a in enumerate(answer)]
        if all(r.verdict == "correct" for r in results):
            return self.result("correct", "Correct.", "ATEquiv_true", answer, results)
        return self.componentwise(answer, results, prefix)

    def layout(self, answer: list[N.Node], perm: tuple[int, ...], results: list[GradeResult],
               prefix: str = "") -> GradeResult:
        ref = self.ref
        name, suffix = layout_name(perm, ref.roles)
        loose = [r for r in results if r.verdict == "partial"]
        if not ref.is_shape:
            return self.result(
                "incorrect", prefix + "Your components are the expected ones in another order "
                f"({name}); the order matters.", "ATShape_order", answer, results)
        verdict = "incorrect" if ref.strict else "partial"
        feedback = (f"Your dimensions are right but in {name} order; the expected shape is "
                    f"{reference_layout(ref.roles, self.n)}"
                    + (f": {ref.shown}." if self.reveal else "."))
        if ref.strict:
            feedback += " The question asks for this order."
        assumption = f"the dimensions may be listed in {name} order"
        if loose:
            assumption += " and " + " and ".join(dict.fromkeys(r.assumption or "" for r in loose))
            feedback += " Also: " + " ".join(r.feedback for r in loose)
        return self.result(verdict, prefix + feedback, f"ATShape_layout_{suffix}", answer,
                           results, assumption=assumption if verdict == "partial" else None)

    def componentwise(self, answer: list[N.Node], results: list[GradeResult],
                      prefix: str = "", paths: list[str] | None = None) -> GradeResult:
        flat = paths is None
        paths = paths or [str(i + 1) for i in range(self.n)]
        wrong = [i for i, r in enumerate(results) if r.verdict != "correct"]
        parts = []
        for i in wrong:
            what = label(i, self.n, self.ref.roles) if flat else f"component {paths[i]}"
            hint = self.same_as_other(answer[i], i) if flat else ""
            parts.append(f"In {what}: {results[i].feedback}{hint}")
        right = len(results) - len(wrong)
        if right:
            parts.append("The other component is right." if right == 1
                         else "The other components are right.")
        verdict = "partial" if all(results[i].verdict == "partial" for i in wrong) \
            else "incorrect"
        note = "; ".join(f"ATShape_component{paths[i]}:{results[i].note}" for i in wrong)
        first = min(wrong, key=lambda i: results[i].verdict == "partial")
        component: Any = int(paths[first]) if flat else paths[first]
        assumption = " and ".join(dict.fromkeys(results[i].assumption or "" for i in wrong))
        return self.result(verdict, prefix + " ".join(parts), note, answer, results,
                           example=(component, results[first]),
                           assumption=assumption if verdict == "partial" else None)

    def same_as_other(self, a: N.Node, i: int) -> str:
        for j, r in enumerate(self.ref.leaves):
            if j != i and self.equal_values(a, r) and self.pair(a, j).verdict == "correct":
                return f" (It is {label(j, self.n, self.ref.roles)} of the expected shape.)"
        return ""

    def extra_axis(self, answer: list[N.Node]) -> GradeResult | None:
        ref, lead, rest = self.ref, answer[0], answer[1:]
        batch_ok = ref.batch is not None and judge(
            ref.batch, lead, self.rel_tol, self.limits).verdict == "correct"
        if batch_ok:
            inner = self.same_length(rest, "With the batch axis first: ")
            if inner.verdict != "correct":
                return inner
            return self.result("correct", "Correct (with the batch axis first).",
                               "ATEquiv_true_batch_axis", answer, [])
        if self.assign(rest, list(range(self.n))) is not None:
            lead_text = N.to_text(lead)
            if ref.batch is not None:
                return self.result(
                    "incorrect", f"Your shape starts with a batch axis of size {lead_text}, "
                    f"but the batch is {self.batch_shown()}.", "ATShape_batch_axis_wrong",
                    answer, [])
            inner = self.same_length(rest)
            text = (f"Your shape has an extra leading axis ({lead_text}), a batch axis; the "
                    "expected shape is that of one sample"
                    + (f", {ref.shown}." if self.reveal else "."))
            if inner.verdict == "correct":
                return self.result("partial", text, "ATShape_batch_axis_extra", answer, [],
                                   assumption="the shape may include the batch axis")
            return self.result("incorrect" if inner.verdict == "incorrect" else "partial",
                               text + " " + inner.feedback,
                               "ATShape_batch_axis_extra; " + inner.note, answer, [],
                               assumption=inner.assumption)
        for j in range(1, len(answer)):
            others = answer[:j] + answer[j + 1:]
            if self.assign(others, list(range(self.n)), permute=False) is not None:
                return self.result(
                    "incorrect", f"Component {j + 1} of your answer ({N.to_text(answer[j])}) "
                    f"is one too many: the expected shape has {self.n} components.",
                    "ATShape_component_extra", answer, [])
        return None

    def missing_axis(self, answer: list[N.Node]) -> GradeResult | None:
        ref = self.ref
        for j in range(self.n):
            idx = [i for i in range(self.n) if i != j]
            if self.assign(answer, idx, permute=False) is None:
                continue
            what = label(j, self.n, ref.roles)
            first = ref.leaves[0].tree
            if j == 0 and first.op == "sym" and symbol_role(first.value) == "batch":
                return self.result(
                    "partial", f"Your shape leaves out the leading batch axis ({first.value}).",
                    "ATShape_batch_axis_missing", answer, [],
                    assumption="the batch axis may be left out")
            return self.result("incorrect", f"Your shape leaves out {what}: the expected shape "
                               f"has {self.n} components.", "ATShape_component_missing",
                               answer, [])
        return None

    def wrong_length(self, answer: list[N.Node]) -> GradeResult:
        return self.result("incorrect", f"The expected answer has {self.n} components"
                           f"{self.layout_hint()}; your answer has {len(answer)}.",
                           "ATShape_length", answer, [])

    def scalar(self, a: N.Node) -> GradeResult:
        ref = self.ref
        if ref.flat and self.n == 1:
            return self.same_length([a])
        if ref.flat and self.equal_values(a, ref.product()) and judge(
                ref.product(), a, self.rel_tol, self.limits).verdict == "correct":
            return self.result(
                "incorrect", "You gave the number of elements (the product of the dimensions); "
                f"the answer is the shape itself, its {self.n} dimensions"
                f"{self.layout_hint()}.", "ATShape_product", a, [])
        for j, r in enumerate(ref.leaves):
            if self.equal_values(a, r) and self.pair(a, j).verdict == "correct":
                return self.result(
                    "incorrect", f"You gave only {label(j, self.n, ref.roles)}; the answer has "
                    f"{self.n} components{self.layout_hint()}.", "ATShape_one_component", a, [])
        return self.result("incorrect", f"The expected answer has {self.n} components"
                           f"{self.layout_hint()}, written like (a, b); your answer is a single "
                           "value.", "ATShape_not_a_tuple", a, [])

    def nested(self, answer: Any) -> GradeResult:
        ref = self.ref
        if isinstance(answer, list) and structure(answer) == structure(ref.tree):
            flat = flatten(answer)
            results = [self.pair(a, j) for j, a in enumerate(flat)]
            if all(r.verdict == "correct" for r in results):
                return self.result("correct", "Correct.", "ATEquiv_true", answer, results)
            return self.componentwise(flat, results, paths=_paths(ref.tree))
        return self.result("incorrect", f"The expected answer is a tuple shaped like "
                           f"{_skeleton(ref.tree)}; your answer is shaped like "
                           f"{_skeleton(answer)}.", "ATShape_structure", answer, [])

    # -- wording and the result ---------------------------------------------------
    def layout_hint(self) -> str:
        roles = self.ref.roles
        if roles is None:
            return ""
        return " (" + ", ".join(LETTER.get(r, "?") for r in roles) + ")"

    def batch_shown(self) -> str:
        batch = self.ref.batch
        assert batch is not None
        text = batch.text
        if not batch.tree.names() or self.ref.domain.free:
            return text
        return f"{text} = {batch.values[0]}"

    def result(self, verdict: str, feedback: str, note: str, answer: Any,
               results: list[GradeResult], example: tuple[Any, GradeResult] | None = None,
               assumption: str | None = None) -> GradeResult:
        shown = (tuple_text(answer, N.to_text) if isinstance(answer, list)
                 else N.to_text(answer))
        methods = {r.method for r in results}
        counterexample = None
        if example is not None and example[1].counterexample is not None:
            counterexample = self.shapes_at(example[1].counterexample, answer)
            counterexample["component"] = example[0]
        return GradeResult(verdict, feedback, note, counterexample=counterexample,
                           assumption=assumption, expected=self.ref.text, answer=shown,
                           method="structural" if methods == {"structural"} else "sampled",
                           points=self.ref.points.n)

    def shapes_at(self, example: dict[str, Any], answer: Any) -> dict[str, Any]:
        """The counterexample with the whole expected and given tuples at that instance."""
        out = dict(example)
        row = {k: [v] for k, v in example.items() if k in self.ref.domain.symbols}
        try:
            expected = [evaluate(r.tree, row, 1)[0] for r in self.ref.leaves]
            got = [evaluate(a, row, 1, self.limits)[0] for a in flatten(answer)]
        except (ValueError, ArithmeticError, KeyError):
            return out
        def show(v: Any) -> str:  # an int past 4,300 digits cannot be str()'d
            if v is UNDEFINED:
                return "undefined"
            return N.int_text(v) if type(v) is int else number_text(v)

        out["expected_shape"] = "(" + ", ".join(show(v) for v in expected) + ")"
        out["got_shape"] = "(" + ", ".join(show(v) for v in got) + ")"
        return out


def _paths(items: list[Any], prefix: str = "") -> list[str]:
    out: list[str] = []
    for i, x in enumerate(items):
        name = f"{prefix}{i + 1}"
        out.extend(_paths(x, name + ".") if isinstance(x, list) else [name])
    return out


def _skeleton(items: Any) -> str:
    if not isinstance(items, list):
        return "a single value"
    return tuple_text(items, lambda _: "_")


def tuple_for_scalar(ref: Reference, answer: Any, rel_tol: float | None = None,
                     limits: Limits = DEFAULT_LIMITS, code: str = "",
                     thousands: bool = True, reveal: bool = True) -> GradeResult | None:
    """An answer written as a tuple where one value is expected (None: it is not one).

    ``C_in x H x W`` (any times sign) is a product and graded as one; ``(10, 31, 31)``
    is a tuple: ``incorrect``, with feedback saying whether its product would be right.
    ``code`` is why the answer could not be read as one value: a bare ``7,3856`` keeps
    its own message (an ambiguous number, not a tuple).  ``reveal=False``: the feedback
    does not say which component, or whether the product, would be right.
    """
    if not isinstance(answer, str):
        return None
    found = split_with_separator(answer, ref.known, limits, thousands)
    if found is None or len(found[1]) < 2 or any(isinstance(p, list) for p in found[1]):
        return None
    separator, parts = found
    if separator == "," and code == "ambiguous_number":
        return None
    try:
        trees = [parse(p, ref.known, limits) for p in parts if isinstance(p, str)]
    except InvalidAnswer:
        return None  # the original error says more
    product = N.mul(*trees)
    result = judge(ref, product, rel_tol, limits, reveal)
    if separator == "x":
        return result
    shown = tuple_text(trees, N.to_text)
    component = next((i + 1 for i, t in enumerate(trees)
                      if judge(ref, t, rel_tol, limits).verdict == "correct"), None)
    if not reveal:
        text = f"You gave a tuple, {shown}; the answer is one value."
    elif result.verdict == "correct":
        text = (f"You gave a tuple, {shown}; the answer is one value, and the product of "
                "your components would be right.")
    elif component is not None:
        text = (f"You gave a tuple, {shown}; the answer is one value, and component "
                f"{component} of it would be right.")
    else:
        text = f"You gave a tuple, {shown}; the answer is one value."
    return GradeResult("incorrect", text, "ATShape_tuple_for_scalar", expected=ref.text,
                       answer=shown, method=result.method, points=result.points,
                       extra={"product_correct": result.verdict == "correct",
                              "component_correct": component})
