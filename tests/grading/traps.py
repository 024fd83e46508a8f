"""A context in which evaluating text fails the test: eval, exec, import, sympify, parse_expr."""

from __future__ import annotations

import builtins
import contextlib
from collections.abc import Iterator

import sympy as sp
import sympy.parsing.sympy_parser


@contextlib.contextmanager
def no_eval_traps() -> Iterator[None]:
    """While active, any call of eval/exec/__import__/compile/sympify/parse_expr raises."""

    def trap(*args, **kwargs):
        raise AssertionError("the grader evaluated untrusted text")

    saved = {name: getattr(builtins, name) for name in ("eval", "exec", "__import__", "compile")}
    saved_sympify, saved_parse = sp.sympify, sympy.parsing.sympy_parser.parse_expr
    try:
        for name in saved:
            setattr(builtins, name, trap)
        sp.sympify = sympy.parsing.sympy_parser.parse_expr = trap
        yield
    finally:
        for name, fn in saved.items():
            setattr(builtins, name, fn)
        sp.sympify, sympy.parsing.sympy_parser.parse_expr = saved_sympify, saved_parse


@contextlib.contextmanager
def work_meter() -> Iterator[list[int]]:
    """Count the tree nodes the grader evaluates inside the block (``meter[0]``).

    The evaluator passes its time checkpoint once per node evaluated, so the count is the
    grader's work, the same on a loaded machine as on an idle one: tests bound it instead
    of the wall-clock time, which a busy machine stretches at random.
    """
    import symconv.grading.evaluate as evaluate

    meter = [0]
    check = evaluate.check_time

    def counted() -> None:
        meter[0] += 1
        check()

    evaluate.check_time = counted
    try:
        yield meter
    finally:
        evaluate.check_time = check
