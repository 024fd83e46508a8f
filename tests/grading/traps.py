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
