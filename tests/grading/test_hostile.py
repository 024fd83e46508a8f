"""Hostile answers: each is invalid (or incorrect), runs nothing, and is answered in < 1 s."""

from __future__ import annotations

import contextlib
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from symconv import Conv2d, analyze, grade
from symconv.grading import api

from .traps import no_eval_traps

REF = analyze(Conv2d("c_i", "c_o", "k", stride="s", padding="p"), ("c_i", "h", "w")).mults

HOSTILE = [
    "__import__('os').system('touch /tmp/symconv_pwned')",
    "().__class__.__bases__[0].__subclasses__()",
    "h.__class__",
    "ｅｖａｌ('1')",
    "eval('1+1')",
    "exec('import os')",
    "lambda x: x",
    "open('/etc/passwd').read()",
    "9**9**9**9",
    "2**30**5",
    "10^10^10",
    "h^(10^10)",
    "(" * 5000 + "h" + ")" * 5000,
    "-" * 3000 + "h",
    "h" * 400_000,
    "1" * 400_000,
    "1e999999999",
    "10^100000",
    "factorial(10**9)",
    r"\input{/etc/passwd}",
    r"\include{x}",
    r"\write18{rm -rf /}",
    r"\csname x\endcsname",
    "Symbol('h')",
    "h; import os",
    "'h'",
    "`h`",
    "h\x00",
    "h" + "+h" * 50_000,
    "floor(" * 100 + "h" + ")" * 100,
    "2**2**2**2**2**2",
    "(h^4096)^4096",
    "exp(exp(exp(100)))",
    "sqrt(-1)",
    "log(0)",
    "h/0",
]


@contextlib.contextmanager
def nothing_evaluated():
    """While grading answers nothing may eval, exec, import, sympify or parse_expr."""
    api.reference(REF, {})  # compile the trusted reference before the traps are set
    with no_eval_traps():
        yield


def graded(answer):
    with nothing_evaluated():
        return grade(REF, answer)


@pytest.mark.parametrize("answer", HOSTILE, ids=lambda a: repr(a[:30]))
def test_hostile_answer(answer, tmp_path):
    start = time.perf_counter()
    result = graded(answer)
    elapsed = time.perf_counter() - start
    assert result.verdict in ("invalid", "incorrect"), result
    assert result.note != "ATInvalid_internal_error", result
    assert elapsed < 3.0, f"{elapsed:.2f} s"  # bounded even on a loaded machine
    if result.verdict == "invalid":
        assert result.reason


def test_nothing_ran():
    import os.path

    graded(HOSTILE[0])
    assert not os.path.exists("/tmp/symconv_pwned")


# -- fuzzing: nothing raises out of grade ---------------------------------------------------
ALPHABET = st.sampled_from(list("hwkspc_io0123456789+-*/^()[]{}|,.= ") + [
    r"\frac", r"\left", r"\right", r"\lfloor", r"\rfloor", r"\sqrt", r"\cdot", "floor", "ceil",
    "max(", "min(", "×", "⌊", "⌋", "²", "−", "e", "**", "_{", "}", "\\", "$", "σ"])


@given(st.lists(ALPHABET, max_size=40).map("".join))
def test_random_strings_never_raise(text):
    result = graded(text)
    assert result.verdict in ("correct", "partial", "incorrect", "invalid")
    assert result.note != "ATInvalid_internal_error", (text, result)


@given(st.text(max_size=60))
def test_random_unicode_never_raises(text):
    result = graded(text)
    assert result.note != "ATInvalid_internal_error", (text, result)


def trees():
    leaves = st.one_of(st.sampled_from(["c_i", "c_o", "h", "w", "k", "s", "p"]),
                       st.integers(-5, 99).map(str), st.sampled_from(["0", "0.5", "1e3"]))

    def extend(children):
        return st.one_of(
            st.tuples(children, st.sampled_from(["+", "-", "*", "/", "^", " "]), children).map(
                lambda t: f"({t[0]}){t[1]}({t[2]})"),
            st.tuples(st.sampled_from(["floor", "ceil", "sqrt", "log", "abs", "exp"]),
                      children).map(lambda t: f"{t[0]}({t[1]})"),
            st.tuples(children, children).map(lambda t: f"max({t[0]}, {t[1]})"),
            st.tuples(children, children).map(lambda t: rf"\frac{{{t[0]}}}{{{t[1]}}}"),
        )
    return st.recursive(leaves, extend, max_leaves=12)


@given(trees())
def test_random_expression_trees_never_raise(text):
    start = time.perf_counter()
    result = graded(text)
    assert result.note != "ATInvalid_internal_error", (text, result)
    assert time.perf_counter() - start < 2.0
