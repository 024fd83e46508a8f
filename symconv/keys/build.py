"""Derive and check every question of an assignment: the data an answer key is made of.

Examples
--------
>>> from symconv.keys.questions import Assignment, question_from_table
>>> from pathlib import Path
>>> q = question_from_table("demo.toml", {"id": "a", "kind": "layer", "text": "?",
...     "layer": {"type": "Linear", "in_features": "n", "out_features": "m"},
...     "input": ["n"], "ask": ["mults"], "values": {"n": 4, "m": 3}}, 0)
>>> key = build_key(Assignment(Path("demo.toml"), {}, (q,)), use_torch=False)
>>> key.solutions["a"].answer, key.failures
(12, [])
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from typing import Any

from symconv.calculus.checks import torch_checks
from symconv.keys.questions import QuestionFileError
from symconv.solution import Check, Solution
from symconv.timelimit import question_time_limit, time_limit


@dataclass
class Key:
    """An assignment's solutions by question id, and every check that failed."""

    assignment: Any
    solutions: dict[str, Solution]
    failures: list[tuple[str, Check]] = field(default_factory=list)

    @property
    def checks(self) -> list[Check]:
        return [c for s in self.solutions.values() for c in all_checks(s)]


def all_checks(solution: Solution) -> list[Check]:
    """Checks attached to a solution, including those inside its steps."""
    inline = [s for s in solution.steps if isinstance(s, Check)]
    return inline + list(solution.checks)


def solve(q: Any, use_torch: bool = True) -> Solution:
    """The worked solution of one question with the checks that ran on it."""
    from symconv.figures import figure_steps
    from symconv.notation.context import use

    handler = q.kind_handler
    with use(q.notation):  # every formula in the steps is written in the question's notation
        derivation = handler.derive(q)
        checks = handler.checks(q, derivation, use_torch)
    steps = [*derivation.steps, *figure_steps(q)]  # figures the question file asks for
    return Solution(q.id, tuple(steps), derivation.answer, tuple(checks), q.title)


def build_key(assignment: Any, use_torch: bool = True) -> Key:
    """Solve every question; failed checks are collected (they make the run fail)."""
    key = Key(assignment, {})
    for q in assignment.questions:
        try:
            with time_limit(question_time_limit(), "deriving it"), torch_checks(use_torch):
                solution = solve(q, use_torch)  # engine steps run their own checks, too
        except QuestionFileError:
            raise
        except (ValueError, ArithmeticError, RuntimeError) as exc:
            # One line naming the file and question, never a traceback (torch's overflow too).
            raise QuestionFileError(q.path, q.id, None, f"cannot be derived: {exc}") from None
        key.solutions[q.id] = solution
        key.failures += [(q.id, c) for c in all_checks(solution) if not c.passed]
    return key


def torch_available() -> bool:
    """Whether torch is installed (its checks run only then).

    Found without importing it: the key CLI forks workers, and a parent that has
    not imported torch cannot hand them a half-initialised thread pool.
    """
    return importlib.util.find_spec("torch") is not None
