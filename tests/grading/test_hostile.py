"""Hostile answers: each is invalid (or incorrect), runs nothing, and costs little work.

The work is counted in evaluated tree nodes (:func:`.traps.work_meter`), not seconds: a
wall-clock bound fails at random on a loaded machine (``h/0`` once took 1.74 s against a
1 s bound while other jobs ran).  That the time limit itself holds is shown by grading
every answer with a spent budget: the verdict comes back, ``invalid``, never a hang or an
exception.
"""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from symconv import Conv2d, analyze, grade
from symconv.grading import api

from .traps import no_eval_traps, work_meter

REF = analyze(Conv2d("c_i", "c_o", "k", stride="s", padding="p"), ("c_i", "h", "w")).mults
#: Tree nodes one hostile answer may cost (the costliest, ``h/0``, evaluates about 600
#: while its feedback is searched among every mutant of the reference).
WORK_BOUND = 20_000

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
    with work_meter() as work:
        result = graded(answer)
    assert result.verdict in ("invalid", "incorrect"), result
    assert result.note != "ATInvalid_internal_error", result
    assert work[0] < WORK_BOUND, f"{work[0]} nodes evaluated"
    if result.verdict == "invalid":
        assert result.reason


@pytest.mark.parametrize("answer", HOSTILE, ids=lambda a: repr(a[:30]))
def test_hostile_answer_past_its_time_limit_is_a_verdict(answer):
    """With the budget spent before anything is evaluated, every answer still gets one
    verdict (``invalid``: the time limit, or the reason it was refused before evaluating).
    The reference is prepared afresh: a verdict cached by an earlier test costs no time."""
    api.clear_caches()
    api.reference(REF, {})
    with no_eval_traps():
        result = grade(REF, answer, time_limit=0)
    assert result.verdict == "invalid", result
    assert result.note != "ATInvalid_internal_error", result
    assert result.reason


def test_a_spent_budget_is_the_time_limit_verdict():
    """An answer that needs evaluating is cut by the time limit, not by its content."""
    api.clear_caches()
    api.reference(REF, {})
    assert grade(REF, "h/0").verdict == "incorrect"
    api.clear_caches()
    result = grade(REF, "h/0", time_limit=0)
    assert (result.verdict, result.note) == ("invalid", "ATInvalid_time_limit")


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
    with work_meter() as work:
        result = graded(text)
    assert result.note != "ATInvalid_internal_error", (text, result)
    assert work[0] < WORK_BOUND, (text, work[0])
