"""Render answer keys as Markdown with MathJax-ready math (for an LMS page).

The steps are the same as for LaTeX; displays become ``$$\\begin{aligned}...
\\end{aligned}$$`` blocks (MathJax's AMS environments), inline math stays
``$...$``, tables are Markdown tables and checks a small list.

Examples
--------
>>> import sympy as sp
>>> from symconv.solution import Calculation
>>> from symconv.symbols import sym
>>> print(step_markdown(Calculation("output size", sym("h") - 2, {"h": 64})))
$$
\\begin{aligned}
\\text{output size} &= h - 2\\\\
 &= 64 - 2\\\\
 &= \\boxed{62}
\\end{aligned}
$$
"""

from __future__ import annotations

from typing import Any

from symconv.keys.latex import _name, calculation_lines, check_latex, math
from symconv.keys.steps import Answer, Display, Table
from symconv.keys.texsafe import markdown_text as md
from symconv.solution import Calculation, Check, Equation, Solution, Text


def _aligned(rows: list[str]) -> str:
    return "$$\n\\begin{aligned}\n" + "\\\\\n".join(rows) + "\n\\end{aligned}\n$$"


def _rows(lhs: str, rhs: list[str], relation: str = "=") -> list[str]:
    return [f"{lhs} &{relation} {rhs[0]}"] + [f" &{relation} {r}" for r in rhs[1:]]


def _cell(value: Any) -> str:
    return md(value).replace("|", "\\|") if isinstance(value, str) else f"${math(value)}$"


def step_markdown(step: Any) -> str:
    """Markdown of one step."""
    if isinstance(step, Text):
        return md(step.text)
    if isinstance(step, Calculation):
        return _aligned(_rows(_name(step.name), calculation_lines(step)))
    if isinstance(step, Equation):
        out = _aligned(_rows(math(step.lhs), [math(r) for r in step.rhs] or [""],
                             step.relation))
        return f"{md(step.label)}\n\n{out}" if step.label else out
    if isinstance(step, Table):
        head = "| " + " | ".join(_cell(c) for c in step.columns) + " |"
        rule = "|" + "---|" * len(step.columns)
        rows = ["| " + " | ".join(_cell(c) for c in row) + " |" for row in step.rows]
        cap = f"\n\n*{md(step.caption)}*" if step.caption else ""
        return "\n".join([head, rule, *rows]) + cap
    if isinstance(step, Display):
        return f"$$\n{step.latex}\n$$"
    if isinstance(step, Check | Answer):
        return ""
    return str(step)


def _check_md(check: Check) -> str:
    # The LaTeX check line uses \checkok; Markdown shows a plain mark.
    text = check_latex(check).replace("\\checkok\\ ", "✓ ").replace("\\checkfail\\ ",
                                                                    "**FAILED** ")
    return text.replace("\\_", "_").replace("\\textless{}", "&lt;").replace("\\textgreater{}", "&gt;")


def question_markdown(q: Any, solution: Solution | None) -> str:
    title = f"### Question {md(q.id)}" + (f": {md(q.title)}" if q.title else "")
    if q.points:
        title += f" ({q.points} points)"
    parts = [title, "> " + md(q.rendered_text(math)).replace("\n", "\n> ")]
    if solution is None:
        return "\n\n".join(parts)
    parts.append("**Solution.**")
    parts += [t for t in (step_markdown(s) for s in solution.steps) if t]
    answers = [s for s in solution.steps if isinstance(s, Answer)]
    if answers:
        parts.append("**Answer.** " + "; ".join(f"{a.label} ${math(a.value)}$"
                                                for a in answers) + ".")
    if q.note:
        parts.append(f"*Note.* {md(q.note)}")
    checks = [s for s in solution.steps if isinstance(s, Check)] + list(solution.checks)
    if checks:
        parts.append("<small>\n\n**Checks.**\n\n" + "\n".join(
            f"- *{c.oracle}*: {_check_md(c)}" for c in checks) + "\n\n</small>")
    return "\n\n".join(parts)


def document(assignment: Any, solutions: dict[str, Solution] | None, variant: str = "") -> str:
    """The key (or, with ``solutions=None``, the question sheet) as one Markdown page."""
    meta = assignment.meta
    kind = "Answer key" if solutions is not None else "Questions"
    lines = [f"# {md(assignment.title)}", ""]
    sub = " · ".join(md(str(meta[k])) for k in ("subtitle", "course", "date") if meta.get(k))
    if sub:
        lines += [f"*{sub}*", ""]
    lines += [f"**{kind}**" + (f" — {variant}" if variant else ""), ""]
    if meta.get("source"):
        lines += [f"<small>{md(str(meta['source']))}</small>", ""]
    body = []
    for section, q in assignment.by_section():
        if section:
            body.append(f"## {md(section)}")
        body.append(question_markdown(q, solutions.get(q.id) if solutions is not None else None))
    return "\n".join(lines) + "\n" + "\n\n".join(body) + "\n"
