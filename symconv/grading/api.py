"""``symconv.grade(expected, answer, **domain)``: grade one answer against a reference.

Examples
--------
>>> from symconv import Conv2d, analyze
>>> r = analyze(Conv2d("c_i", "c_o", ("k_h", "k_w"), bias=False), ("c_i", "h", "w"))
>>> grade(r.mults, "c_o c_i k_h k_w (h-k_h+1)(w-k_w+1)").verdict
'correct'
>>> res = grade(r.mults, "c_o*k_h*k_w*(h-k_h+1)*(w-k_w+1)")
>>> res.verdict, res.note
('incorrect', 'ATMutant_factor_dropped_c_i')
>>> grade("floor(n/2) + ceiling(n/2)", "n").verdict
'correct'
>>> grade("h*w", "__import__('os').system('ls')").verdict
'invalid'
>>> shape = analyze(Conv2d(10, 10, 6, stride=2, padding=1), (10, 64, 64)).output_shape
>>> shape
(10, 31, 31)
>>> grade(shape, "[10, 31, 31]").verdict, grade(shape, "31 x 31 x 10").note
('correct', 'ATShape_layout_channels_last')
>>> res = grade("h", "((((((((((((h^4)^4)^4)^4)^4)^4)^4)^4)^4)^4)^4)^4)")
>>> res.verdict, res.note
('invalid', 'ATInvalid_too_large')
>>> grade("0", "sqrt(2)*sqrt(3) - sqrt(6)").verdict
'correct'
"""

from __future__ import annotations

import multiprocessing as mp
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import replace
from fractions import Fraction
from typing import Any

import sympy as sp

from symconv.grading import nodes as N
from symconv.grading.convert import expected_tree, from_sympy, to_sympy
from symconv.grading.equivalence import Reference, judge
from symconv.grading.limits import (
    DEFAULT_LIMITS,
    DEFAULT_TIME_LIMIT,
    REFERENCE_LIMITS,
    BadReference,
    InvalidAnswer,
    Limits,
    time_budget,
)
from symconv.grading.normalize import normalize
from symconv.grading.parser import FUNCTIONS, parse, parse_relation
from symconv.grading.shapejudge import judge_shape, tuple_for_scalar
from symconv.grading.shapes import is_tuple, read_answer, shape_reference, tuple_text
from symconv.grading.shapetext import split_with_separator
from symconv.grading.verdict import READ_CAP, GradeResult, number_text, short

#: Seconds SymPy may spend on a proof (``prove=True``), beyond the answer's time limit.
PROVE_TIME = 10.0

_CACHE: OrderedDict[Any, Reference] = OrderedDict()
_CACHE_SIZE = 256
#: References that could not be prepared, with the reason: a broken reference costs its
#: preparation budget (up to 20 s) once, not once per answer graded against it.
_FAILED: OrderedDict[Any, str] = OrderedDict()


def _remember_failure(key: Any, message: str) -> None:
    _FAILED[key] = message[:2000]
    if len(_FAILED) > _CACHE_SIZE:
        _FAILED.popitem(last=False)


def grade(expected: Any, answer: Any, *, conditions: Iterable[Any] = (), report: Any = None,
          rel_tol: float | None = None, sig_figs: int | None = None,
          limits: Limits = DEFAULT_LIMITS, prove: bool = False,
          default_conditions: bool = True, seed: int = 0, strict_order: bool = False,
          batch_axis: Any = None, shape: bool | None = None,
          time_limit: float | None = DEFAULT_TIME_LIMIT, reveal: bool = True,
          **domain: Any) -> GradeResult:
    """Grade ``answer`` (untrusted text or a number) against ``expected``.

    Parameters
    ----------
    expected : SymPy expression (trusted, e.g. from :func:`symconv.analyze`), a number,
        or text (read with the same safe parser as answers); or a tuple of these (a
        Python tuple/list, a SymPy ``Tuple`` such as ``report.output_shape``, or text such
        as ``"(c_o, h, w)"``), graded component by component (:mod:`.shapejudge`); or an
        equation (``"7 = 11a + c"``, a SymPy ``Eq``), graded side by side
    answer : the student's answer: ASCII math, LaTeX or a number; for a tuple reference
        also ``(10, 31, 31)``, ``[10,31,31]``, ``31x31x10``, ``31 \\times 31 \\times 10``...
    conditions : extra validity conditions (SymPy relationals or text such as
        ``"k_h <= h"``) that every compared instance satisfies
    report : a :class:`~symconv.report.LayerReport` whose ``conditions`` are added
    rel_tol, sig_figs : accept values within this relative tolerance (or to this many
        significant figures); by default values must be exactly equal
    limits : bounds on the answer (:class:`~symconv.grading.limits.Limits`); an answer
        may always be as large as the reference (whose own bounds are
        :data:`~symconv.grading.limits.REFERENCE_LIMITS`)
    prove : also ask SymPy for a symbolic proof when sampling finds no difference (single
        values; tuple components are compared by sampling), in a child process killed
        after :data:`PROVE_TIME` seconds
    default_conditions : add the default conditions (kernels fit, floor arguments >= 0)
    seed : seed of the random sample points
    strict_order : for a shape, the order of the dimensions matters: a channels-last answer
        to a channels-first reference is ``incorrect`` instead of ``partial``
    batch_axis : the batch size (a number, a symbol name or SymPy expression): an answer
        with this leading batch axis before the right shape is also ``correct``
    shape : whether a tuple reference is a shape (default: every component is a positive
        integer); only shapes get partial credit for another order and batch-axis feedback
    time_limit : seconds this answer may take (None: no limit); past it the verdict is
        ``invalid`` (``ATInvalid_time_limit``).  Preparing a new reference has its own
        budget (:data:`~symconv.grading.limits.REFERENCE_TIME_LIMIT`).
    reveal : whether feedback may show expected values (``False``: a counterexample
        names the instance and the answer's value only)
    **domain : per-symbol domains: a number fixes the symbol (``c_i=64``), ``(low, high)``
        bounds it, ``"real"``/``"nonnegative"``/... or a dict of assumptions override the
        default by name

    Returns
    -------
    GradeResult with ``verdict``, ``feedback``, ``note``, ``counterexample``, ``read``...
    Whatever the answer, never an exception.

    Raises
    ------
    BadReference (a ValueError) when the *reference*, a condition or a domain cannot be used
    """
    if sig_figs is not None:
        rel_tol = 0.5 * 10.0 ** (1 - int(sig_figs))
    try:
        cond_nodes = tuple(_condition(c) for c in conditions)
        if report is not None:
            cond_nodes += tuple(from_sympy(c) for c in getattr(report, "conditions", ()))
    except (ValueError, InvalidAnswer) as exc:
        raise BadReference(f"a condition cannot be used: {exc}") from None
    if is_tuple(expected):
        try:
            shape_ref = shape_reference(expected, domain, cond_nodes, default_conditions,
                                        seed, batch_axis=batch_axis,
                                        strict_order=strict_order, shape=shape)
        except BadReference:
            raise
        except (ValueError, TypeError, InvalidAnswer) as exc:
            raise BadReference(f"the reference cannot be used: {exc}") from None

        def run_shape() -> GradeResult:
            own = limits.at_least(shape_ref.needs())
            read = read_answer(answer, shape_ref.known, own)
            result = judge_shape(shape_ref, read, rel_tol, own, reveal)
            return replace(result, read=_read_text(read))

        return _guarded(shape_ref.text, answer, time_limit, run_shape)
    ref = reference(expected, domain, cond_nodes, default_conditions, seed)

    def run() -> GradeResult:
        own = limits.at_least(ref.needs())
        try:
            tree = _answer_tree(answer, ref.known, own, ref.is_equation)
        except InvalidAnswer as exc:
            # "(10, 31, 31)": a tuple where one value is expected.
            fallback = tuple_for_scalar(ref, answer, rel_tol, own, exc.code, reveal=reveal)
            if fallback is not None:
                return fallback
            raise
        result = replace(judge(ref, tree, rel_tol, own, reveal), read=_read_text(tree))
        if result.verdict != "correct":
            result = _comma_reading(ref, answer, result, rel_tol, own, reveal)
        if prove and result.verdict == "correct" and result.method == "sampled":
            result = _prove(ref, tree, result)
        return result

    return _guarded(ref.text, answer, time_limit, run)


def _guarded(expected_text: str, answer: Any, time_limit: float | None,
             run: Callable[[], GradeResult]) -> GradeResult:
    """``run()`` within the time limit, with anything an answer can cause reported as
    ``invalid`` (never an exception)."""
    try:
        with time_budget(time_limit):
            return run()
    except InvalidAnswer as exc:
        return _invalid(expected_text, exc.code, exc.message, answer)
    except (RecursionError, MemoryError) as exc:
        return _invalid(expected_text, "too_large",
                        f"the answer is too large to grade ({type(exc).__name__})", answer)
    except Exception as exc:  # noqa: BLE001 - an answer must never crash a batch
        result = _invalid(expected_text, "internal_error",
                          "the grader could not handle this answer (staff: see the note)",
                          answer)
        return replace(result, extra={"error": short(f"{type(exc).__name__}: {exc}", 300)})


def clear_caches() -> None:
    """Forget every prepared reference and parsed answer (benchmarks time preparation
    from scratch)."""
    _CACHE.clear()
    _FAILED.clear()
    _PARSED.clear()
    _REF_TREES.clear()


def reference(expected: Any, domain: dict[str, Any], conditions: tuple[N.Node, ...] = (),
              defaults: bool = True, seed: int = 0) -> Reference:
    """The compiled reference for ``expected`` under ``domain`` (cached)."""
    if isinstance(expected, str):
        key_expected: Any = ("text", expected)
    elif isinstance(expected, sp.Basic):
        key_expected = ("sympy", expected)
    else:
        key_expected = ("number", type(expected).__name__,
                        expected if type(expected) in (int, Fraction) else repr(expected))
    key = (key_expected, repr(sorted(domain.items(), key=lambda kv: kv[0])),
           tuple(c.key() for c in conditions), defaults, seed)
    cached = _CACHE.get(key)
    if cached is not None:
        _CACHE.move_to_end(key)
        return cached
    failed = _FAILED.get(key)
    if failed is not None:  # it failed before: at once, not after another time budget
        raise BadReference(failed)
    try:
        tree = _reference_tree(expected, frozenset(domain))
        ref = Reference.build(tree, domain, conditions, defaults, seed)
    except BadReference as exc:
        _remember_failure(key, str(exc))
        raise
    except (ValueError, TypeError, InvalidAnswer) as exc:
        message = f"the reference cannot be used: {exc}"
        _remember_failure(key, message)
        raise BadReference(message) from None
    _CACHE[key] = ref
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return ref


#: Parsed reference texts kept (by text and declared names): every student's variant of
#: one question (the formula in ``expected``, the student's numbers in the domain) is
#: read once, and its variants share one tree, so what is cached on the tree (mutant
#: trees, bounds) is shared too.
_REF_TREES: OrderedDict[Any, N.Node] = OrderedDict()
_REF_TREES_SIZE = 512
_REF_TREE_TEXT = 20_000


def _reference_tree(expected: Any, declared: frozenset[str]) -> N.Node:
    if not isinstance(expected, str) or len(expected) > _REF_TREE_TEXT:
        return expected_tree(expected, declared=declared)
    # only declared names that would otherwise read as a function or constant matter
    key = (expected, frozenset(n for n in declared if n in FUNCTIONS or n in ("pi", "e")
                               or n.startswith(("log", "Log"))))
    tree = _REF_TREES.get(key)
    if tree is None:
        tree = _REF_TREES[key] = expected_tree(expected, declared=declared)
        if len(_REF_TREES) > _REF_TREES_SIZE:
            _REF_TREES.popitem(last=False)
    else:
        _REF_TREES.move_to_end(key)
    return tree


#: Parsed answers kept (by text, the question's names, limits and whether it is an
#: equation): one spelling typed by many students, or graded against each student's own
#: variant of a question, is read once.  Only short texts are kept.
_PARSED: OrderedDict[Any, N.Node] = OrderedDict()
_PARSED_SIZE = 4096
_PARSED_TEXT = 512


def _answer_tree(answer: Any, known: frozenset[str], limits: Limits,
                 equation: bool = False) -> N.Node:
    if isinstance(answer, str):
        if len(answer) > _PARSED_TEXT:
            return parse(answer, known, limits, equation=equation)
        key = (answer, known, limits, equation)
        tree = _PARSED.get(key)
        if tree is None:
            tree = _PARSED[key] = parse(answer, known, limits, equation=equation)
            if len(_PARSED) > _PARSED_SIZE:
                _PARSED.popitem(last=False)
        else:
            _PARSED.move_to_end(key)
        return tree
    if isinstance(answer, sp.Basic) and answer.is_Rational:
        return from_sympy(answer)
    try:
        if isinstance(answer, sp.Basic):  # only Rationals are answers (above)
            raise ValueError(answer)
        return expected_tree(answer)  # a plain number: an exact leaf
    except ValueError:
        raise InvalidAnswer("not_text", f"cannot grade an answer of type "
                            f"{type(answer).__name__}") from None


def _read_text(read: Any) -> str:
    """What was read, as capped canonical text."""
    if isinstance(read, list):
        return short(tuple_text(read, N.to_text), READ_CAP)
    return short(N.to_text(read), READ_CAP)


def _comma_reading(ref: Reference, answer: Any, result: GradeResult, rel_tol: float | None,
                   limits: Limits, reveal: bool = True) -> GradeResult:
    """``128,128,128`` is also a tuple: when its reading as one number is wrong and has no
    diagnosis, but its reading as a tuple has a right component (or product), it is graded
    as the tuple it probably is (a tuple where one value is expected)."""
    if not isinstance(answer, str) or "," not in answer:
        return result
    found = split_with_separator(answer, ref.known, limits, thousands=False)
    if found is None or found[0] != "," or any(isinstance(p, list) for p in found[1]):
        return result
    if not result.note.startswith("ATEquiv_false"):
        return result  # the number reading has a diagnosis ("omits the factor C_in")
    alt = tuple_for_scalar(ref, answer, rel_tol, limits, thousands=False, reveal=reveal)
    if alt is None or not (alt.extra.get("product_correct") or alt.extra.get("component_correct")):
        return result
    number = result.read or result.answer
    return replace(alt, feedback=f"{alt.feedback} Read as one number with thousands "
                   f"separators ({number}), it is not right either.",
                   read=f"{alt.answer} or {number}", counterexample=result.counterexample)


def _condition(c: Any) -> N.Node:
    if isinstance(c, N.Node):
        return c
    if isinstance(c, str):
        return parse_relation(c, limits=REFERENCE_LIMITS)
    if isinstance(c, sp.Basic):
        return from_sympy(c)
    raise TypeError(f"a condition must be text or a SymPy relational, not {c!r}")


def _invalid(expected_text: str, code: str, message: str, answer: Any = None) -> GradeResult:
    return GradeResult("invalid", f"Your answer could not be read: {message}.",
                       f"ATInvalid_{code}", reason=message, expected=short(expected_text),
                       method="parse", read=_normalized(answer))


def _normalized(answer: Any) -> str:
    """An invalid answer's text after normalisation (what the parser saw), capped."""
    if not isinstance(answer, str):
        return "" if answer is None else short(number_text(answer), READ_CAP)
    try:
        return short(normalize(answer, REFERENCE_LIMITS), READ_CAP)
    except InvalidAnswer:
        return short(answer.encode("ascii", "backslashreplace").decode("ascii"), READ_CAP)


def _prove(ref: Reference, tree: N.Node, result: GradeResult) -> GradeResult:
    """Ask SymPy whether the difference simplifies to 0 (floors often defeat it), in a
    child process killed when the time budget runs out: ``simplify`` has no time limit."""
    proved = _simplifies_to_zero(ref.tree, tree, PROVE_TIME)
    if proved is None:
        return replace(result, extra={**result.extra, "proved": None})
    return replace(result, method="symbolic" if proved else "sampled",
                   extra={**result.extra, "proved": proved})


def _simplifies_to_zero(a: N.Node, b: N.Node, seconds: float) -> bool | None:
    if seconds <= 0:
        return None
    methods = mp.get_all_start_methods()
    if "fork" not in methods:  # pragma: no cover - Windows: no bounded proof
        return None
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_prove_child, args=(a, b, child), daemon=True)
    proc.start()
    child.close()
    try:
        if parent.poll(seconds):
            return bool(parent.recv())
        return None
    except (EOFError, OSError):
        return None
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join(1)
        parent.close()


def _prove_child(a: N.Node, b: N.Node, conn: Any) -> None:  # pragma: no cover - a child
    symbols = {s.name: s for s in to_sympy(a).free_symbols}
    diff = sp.simplify(to_sympy(a, symbols) - to_sympy(b, symbols))
    conn.send(bool(diff == 0))
    conn.close()
