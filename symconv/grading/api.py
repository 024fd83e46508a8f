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
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

import sympy as sp

from symconv.grading import nodes as N
from symconv.grading.convert import expected_tree, from_sympy, to_sympy
from symconv.grading.equivalence import Reference, judge
from symconv.grading.limits import DEFAULT_LIMITS, InvalidAnswer, Limits
from symconv.grading.parser import parse, parse_relation
from symconv.grading.shapejudge import judge_shape, tuple_for_scalar
from symconv.grading.shapes import is_tuple, read_answer, shape_reference
from symconv.grading.verdict import GradeResult

_CACHE: OrderedDict[Any, Reference] = OrderedDict()
_CACHE_SIZE = 256


def grade(expected: Any, answer: Any, *, conditions: Iterable[Any] = (), report: Any = None,
          rel_tol: float | None = None, sig_figs: int | None = None,
          limits: Limits = DEFAULT_LIMITS, prove: bool = False,
          default_conditions: bool = True, seed: int = 0, strict_order: bool = False,
          batch_axis: Any = None, shape: bool | None = None, **domain: Any) -> GradeResult:
    """Grade ``answer`` (untrusted text or a number) against ``expected``.

    Parameters
    ----------
    expected : SymPy expression (trusted, e.g. from :func:`symconv.analyze`), a number,
        or text (read with the same safe parser as answers); or a tuple of these (a
        Python tuple/list, a SymPy ``Tuple`` such as ``report.output_shape``, or text such
        as ``"(c_o, h, w)"``), graded component by component (:mod:`.shapejudge`)
    answer : the student's answer: ASCII math, LaTeX or a number; for a tuple reference
        also ``(10, 31, 31)``, ``[10,31,31]``, ``31x31x10``, ``31 \\times 31 \\times 10``...
    conditions : extra validity conditions (SymPy relationals or text such as
        ``"k_h <= h"``) that every compared instance satisfies
    report : a :class:`~symconv.report.LayerReport` whose ``conditions`` are added
    rel_tol, sig_figs : accept values within this relative tolerance (or to this many
        significant figures); by default values must be exactly equal
    limits : bounds on the answer (:class:`~symconv.grading.limits.Limits`)
    prove : also ask SymPy for a symbolic proof when sampling finds no difference (single
        values; tuple components are compared by sampling)
    default_conditions : add the default conditions (kernels fit, floor arguments >= 0)
    seed : seed of the random sample points
    strict_order : for a shape, the order of the dimensions matters: a channels-last answer
        to a channels-first reference is ``incorrect`` instead of ``partial``
    batch_axis : the batch size (a number, a symbol name or SymPy expression): an answer
        with this leading batch axis before the right shape is also ``correct``
    shape : whether a tuple reference is a shape (default: every component is a positive
        integer); only shapes get partial credit for another order and batch-axis feedback
    **domain : per-symbol domains: a number fixes the symbol (``c_i=64``), ``(low, high)``
        bounds it, ``"real"``/``"nonnegative"``/... or a dict of assumptions override the
        default by name

    Returns
    -------
    GradeResult with ``verdict``, ``feedback``, ``note``, ``counterexample``...
    """
    if sig_figs is not None:
        rel_tol = 0.5 * 10.0 ** (1 - int(sig_figs))
    cond_nodes = tuple(_condition(c) for c in conditions)
    if report is not None:
        cond_nodes += tuple(from_sympy(c) for c in getattr(report, "conditions", ()))
    if is_tuple(expected):
        shape_ref = shape_reference(expected, domain, cond_nodes, default_conditions, seed,
                                    batch_axis=batch_axis, strict_order=strict_order,
                                    shape=shape)
        return _guarded(shape_ref.text, lambda: judge_shape(
            shape_ref, read_answer(answer, shape_ref.known, limits), rel_tol, limits))
    ref = reference(expected, domain, cond_nodes, default_conditions, seed)

    def run() -> GradeResult:
        try:
            tree = _answer_tree(answer, ref.known, limits)
        except InvalidAnswer as exc:
            # "C_in x H x W" is a product; "(10, 31, 31)" a tuple where one value is expected.
            fallback = tuple_for_scalar(ref, answer, rel_tol, limits, exc.code)
            if fallback is not None:
                return fallback
            raise
        result = judge(ref, tree, rel_tol, limits)
        if prove and result.verdict == "correct" and result.method == "sampled":
            result = _prove(ref, tree, result)
        return result

    return _guarded(ref.text, run)


def _guarded(expected_text: str, run: Callable[[], GradeResult]) -> GradeResult:
    """``run()``, with anything an answer can cause reported as ``invalid``."""
    try:
        return run()
    except InvalidAnswer as exc:
        return _invalid(expected_text, exc.code, exc.message)
    except (RecursionError, MemoryError) as exc:
        return _invalid(expected_text, "too_large",
                        f"the answer is too large to grade ({type(exc).__name__})")
    except Exception as exc:  # noqa: BLE001 - an answer must never crash a batch
        return _invalid(expected_text, "internal_error",
                        f"the grader could not handle this answer ({type(exc).__name__}: {exc})")


def reference(expected: Any, domain: dict[str, Any], conditions: tuple[N.Node, ...] = (),
              defaults: bool = True, seed: int = 0) -> Reference:
    """The compiled reference for ``expected`` under ``domain`` (cached)."""
    if isinstance(expected, str):
        key_expected: Any = ("text", expected)
    elif isinstance(expected, sp.Basic):
        key_expected = ("sympy", expected)
    else:
        key_expected = ("number", repr(expected))
    key = (key_expected, repr(sorted(domain.items(), key=lambda kv: kv[0])),
           tuple(c.key() for c in conditions), defaults, seed)
    cached = _CACHE.get(key)
    if cached is not None:
        _CACHE.move_to_end(key)
        return cached
    tree = expected_tree(expected)
    ref = Reference.build(tree, domain, conditions, defaults, seed)
    _CACHE[key] = ref
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return ref


def _answer_tree(answer: Any, known: frozenset[str], limits: Limits) -> N.Node:
    if isinstance(answer, str):
        return parse(answer, known, limits)
    if isinstance(answer, sp.Basic) and answer.is_Rational:
        return from_sympy(answer)
    try:
        if isinstance(answer, sp.Basic):  # only Rationals are answers (above)
            raise ValueError(answer)
        return expected_tree(answer)  # a plain number: an exact leaf
    except ValueError:
        raise InvalidAnswer("not_text", f"cannot grade an answer of type "
                            f"{type(answer).__name__}") from None


def _condition(c: Any) -> N.Node:
    if isinstance(c, N.Node):
        return c
    if isinstance(c, str):
        return parse_relation(c)
    if isinstance(c, sp.Basic):
        return from_sympy(c)
    raise TypeError(f"a condition must be text or a SymPy relational, not {c!r}")


def _invalid(expected_text: str, code: str, message: str) -> GradeResult:
    return GradeResult("invalid", f"Your answer could not be read: {message}.",
                       f"ATInvalid_{code}", reason=message, expected=expected_text,
                       method="parse")


def _prove(ref: Reference, tree: N.Node, result: GradeResult) -> GradeResult:
    """Ask SymPy whether the difference simplifies to 0 (floors often defeat it)."""
    from dataclasses import replace

    symbols = {s.name: s for s in (to_sympy(ref.tree).free_symbols)}
    diff = sp.simplify(to_sympy(ref.tree, symbols) - to_sympy(tree, symbols))
    proved = diff == 0
    return replace(result, method="symbolic" if proved else "sampled",
                   extra={**result.extra, "proved": bool(proved)})
