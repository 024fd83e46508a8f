"""What a key shows and in which order, decided once for every output format.

The LaTeX and Markdown renderers lay out the same outline, so a key reads the
same in both:

* sections, each with its layer stated once when several of its questions
  share it (:class:`~symconv.keys.steps.Setup`);
* per question its steps, with output sizes shared inside a section shown by
  the first question that needs them and referred to afterwards;
* one Answer line per question (:func:`answer_items`), never cut;
* its checks grouped by oracle and instance (:func:`check_groups`), one compact
  paragraph.

Examples
--------
>>> from symconv.keys.steps import Answer
>>> from symconv.solution import Solution
>>> import sympy as sp
>>> s = Solution("q", (Answer("parameters", sp.Integer(3610)),))
>>> [(a.label, a.value) for a in answer_items(None, s)]
[('parameters', 3610)]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from symconv.keys.steps import Answer, Setup, Shared
from symconv.notation.breaking import width
from symconv.notation.rows import math
from symconv.solution import Check, Solution, Text

#: Widths (see :func:`symconv.notation.breaking.width`) of inline math an Answer line keeps.
INLINE = 34


@dataclass
class Block:
    """One question as it is shown."""

    question: Any
    solution: Solution | None
    steps: list[Any] = field(default_factory=list)


@dataclass
class Section:
    """A section heading (None before the first one), its shared setup and its questions."""

    heading: str | None
    setup: Setup | None
    blocks: list[Block] = field(default_factory=list)


def outline(assignment: Any, solutions: dict[str, Solution] | None) -> list[Section]:
    """The sections of a key (or of a question sheet, with ``solutions=None``)."""
    sections: list[Section] = []
    for heading, q in assignment.by_section():
        if heading is not None or not sections:
            sections.append(Section(heading, None))
        solution = solutions.get(q.id) if solutions is not None else None
        steps = [s for s in solution.steps if not isinstance(s, Check | Answer)] if solution \
            else []
        sections[-1].blocks.append(Block(q, solution, steps))
    for section in sections:
        _share_setup(section)
        _share_steps(section)
    return sections


def _share_setup(section: Section) -> None:
    setups = [next((s for s in b.steps if isinstance(s, Setup)), None) for b in section.blocks]
    present = [s for s in setups if s is not None]
    if len(present) < 2 or any(s != present[0] for s in present):
        return
    section.setup = present[0]
    for block in section.blocks:
        block.steps = [s for s in block.steps if not isinstance(s, Setup)]


def _share_steps(section: Section) -> None:
    seen: dict[str, str] = {}
    for block in section.blocks:
        out: list[Any] = []
        for step in block.steps:
            if not isinstance(step, Shared):
                out.append(step)
                continue
            key = repr(step.steps)
            first = seen.get(key)
            if first is None:
                seen[key] = block.question.id
                out.extend(step.steps)
            else:
                ref = step.ref if step.ref.endswith((" is", " are")) else step.ref
                out.append(Text(f"{ref} as in Question {first}."))
        block.steps = out


def answer_items(q: Any, solution: Solution) -> list[Answer]:
    """The items of a question's Answer line: its conclusion, then every answer."""
    items = [s for s in solution.steps if isinstance(s, Answer)]
    conclusion = getattr(q, "data", {}).get("conclusion") if q is not None else None
    if conclusion:
        items.insert(0, Answer("", str(conclusion)))
    return items


@dataclass(frozen=True)
class CheckGroup:
    """The checks that ran on one instance, by oracle (in the order they ran)."""

    instance: str
    oracles: tuple[tuple[str, tuple[Check, ...]], ...]


def check_groups(solution: Solution) -> list[CheckGroup]:
    """A solution's checks (inline steps first) grouped by instance, then by oracle."""
    checks = [s for s in solution.steps if isinstance(s, Check)] + list(solution.checks)
    by_instance: dict[str, dict[str, list[Check]]] = {}
    for c in checks:
        by_instance.setdefault(c.instance, {}).setdefault(c.oracle, []).append(c)
    return [CheckGroup(i, tuple((o, tuple(cs)) for o, cs in oracles.items()))
            for i, oracles in by_instance.items()]


def split_answers(q: Any, solution: Solution) -> tuple[list[Answer], list[Answer],
                                                       list[Answer]]:
    """(answers inline in the Answer line, paragraphs after it, formulas displayed below it)."""
    inline: list[Answer] = []
    paragraphs: list[Answer] = []
    display: list[Answer] = []
    for i, a in enumerate(answer_items(q, solution)):
        if isinstance(a.value, str):
            (paragraphs if len(a.value) > 90 and i > 0 else inline).append(a)
            continue
        tex = math(a.value)
        tall = isinstance(a.value, sp.MatrixBase) and a.value.rows > 1  # would spread lines
        (inline if not tall and width(tex) <= INLINE and width(tex) + width(a.label)
         <= 2 * INLINE else display).append(a)
    return inline, paragraphs, display


@dataclass(frozen=True)
class AnswerLayout:
    """How one output format writes the pieces of an Answer line (the pieces and their
    order are :func:`answer_line`'s, the same in every format)."""

    text: Callable[[str], str]  # question-file text: a label or a written answer
    label: Callable[[str], str]  # the label before a formula
    formula: Callable[[str], str]  # inline math, from its LaTeX source
    head: Callable[[int], str]  # the line's opening, given how many answers are displayed
    display: Callable[[list[Answer]], str]  # the displayed answers, below the line


def answer_line(q: Any, solution: Solution, layout: AnswerLayout) -> str:
    """The Answer line: the short answers in one sentence, long formulas displayed below
    it, long written answers as paragraphs after it; never cut."""
    inline, paragraphs, display = split_answers(q, solution)
    if not (inline or paragraphs or display):
        return ""
    items = []
    for a in inline:
        if isinstance(a.value, str):
            items.append((layout.text(a.label) + ": " if a.label else "")
                         + layout.text(a.value))
        elif a.label:
            items.append(f"{layout.label(a.label)} {layout.formula('= ' + math(a.value))}")
        else:
            items.append(layout.formula(math(a.value)))
    texts = [layout.text(a.value) for a in paragraphs]
    head = layout.head(len(display))
    if items:
        head += close_sentence("; ".join(items), ":" if display else ".")
    elif texts:
        head += texts.pop(0)
    out = [head]
    if display:
        out.append(layout.display(display))
    return "\n\n".join(out + texts)


def close_sentence(text: str, mark: str) -> str:
    """``text`` closed by ``mark`` unless it already ends a sentence.

    >>> close_sentence("Yes (see 2c).", "."), close_sentence("3,610", ":")
    ('Yes (see 2c).', '3,610:')
    """
    stripped = text.rstrip()
    if stripped.endswith((".", "?", "!", ":", ".)", ".$")) and mark == ".":
        return stripped
    return stripped.rstrip(".") + mark
