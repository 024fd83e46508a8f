r"""Render answer keys (solution steps) as a complete LaTeX document.

Every formula is printed by the notation layer (:mod:`symconv.notation`) in
the question's own notation: formulas as derived, then -- handcalcs style --
the same formula with every symbol replaced by its number, then the boxed
result.  This module only lays out: what is shown, in which order, comes from
:mod:`symconv.keys.outline`, shared with the Markdown renderer.

Text from a question file (question, prose, notes, titles) goes through
:func:`source_text`, the one place where it is made safe for LaTeX; light
markup there is ``$...$`` math, ``$$...$$`` displayed math, `` `...` `` code and
``**...**`` bold; everything else is escaped, and math is checked against
:mod:`symconv.keys.texsafe`'s whitelist.

Pages are kept clean: long displays are broken after whole terms (and scaled
to the line as a last resort), wide tables scaled, a heading is never left
alone at the bottom of a page, a layer statement never broken.

Examples
--------
>>> import sympy as sp
>>> from symconv.solution import Calculation
>>> from symconv.symbols import sym
>>> print(step_latex(Calculation("output size", sym("h") - sym("k") + 1, {"h": 64, "k": 3})))
\begin{align*}
\text{output size} &= h - k + 1\\
 &= 64 - 3 + 1\\
 &= \boxed{62}
\end{align*}
>>> text_latex("Cost of `Conv2d` is $c_i k^2$ & 50% off")
'Cost of \\texttt{Conv2d} is $c_i k^2$ \\& 50\\% off'
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import sympy as sp

from symconv.figures.step import Figure
from symconv.keys.outline import (
    AnswerLayout,
    Block,
    CheckGroup,
    Section,
    answer_line,
    check_groups,
    outline,
)
from symconv.keys.steps import Answer, Display, Setup, Shared, Table
from symconv.keys.texsafe import DOLLAR, MARKUP, checked_math
from symconv.notation.breaking import PAGE, width
from symconv.notation.context import use
from symconv.notation.rows import answer_rows, calculation_rows, equation_rows, escape, math
from symconv.solution import Calculation, Check, Equation, Solution, Text

PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[margin=2.2cm]{geometry}
\usepackage[T1]{fontenc}
\usepackage{lmodern}
\usepackage{amsmath,amssymb}
\usepackage{booktabs}
\usepackage{graphicx}
\usepackage{xcolor}
\usepackage{parskip}
\allowdisplaybreaks[1]
\newcommand{\checkok}{\textcolor{green!45!black}{\checkmark}}
\newcommand{\checkfail}{\textcolor{red!75!black}{\textbf{FAILED}}}
\makeatletter
% \needspace{len}: start a new page unless len of space is left (keeps headings with text)
\newcommand{\needspace}[1]{\par\penalty-100\begingroup\setlength{\dimen@}{#1}%
  \dimen@ii\pagegoal\advance\dimen@ii-\pagetotal
  \ifdim\dimen@>\dimen@ii\ifdim\dimen@ii>\z@\vfil\fi\penalty-\@M\fi\endgroup}
\makeatother
% \fitwidth{width}{material}: the material, scaled down only if it is wider than width
\newsavebox{\fitbox}
\newcommand{\fitwidth}[2]{\savebox{\fitbox}{#2}%
  \ifdim\wd\fitbox>#1\resizebox{#1}{!}{\usebox{\fitbox}}\else\usebox{\fitbox}\fi}
\setlength{\parskip}{0.5em}
\AtBeginDocument{\setlength{\abovedisplayskip}{4pt}\setlength{\belowdisplayskip}{4pt}%
\setlength{\abovedisplayshortskip}{2pt}\setlength{\belowdisplayshortskip}{2pt}}
"""



def text_latex(text: str) -> str:
    """Light markup (``$math$``, ``$$display$$``, `` `code` ``, ``**bold**``) to LaTeX."""
    out = []
    for part in MARKUP.split(text):
        if not part:
            continue
        if part == DOLLAR:
            out.append(r"\$")
        elif part.startswith("$$"):
            out.append("\n\\[" + checked_math(part)[2:-2] + "\\]\n")
        elif part.startswith("$"):
            out.append(checked_math(part))  # math is copied as it is: whitelisted commands only
        elif part.startswith("`"):
            out.append(r"\texttt{" + escape(part[1:-1]) + "}")
        elif part.startswith("**"):
            out.append(r"\textbf{" + text_latex(part[2:-2]) + "}")
        else:
            out.append(escape(part))
    return "".join(out)


def source_text(text: str) -> str:
    """Text from a question file as LaTeX: the one entry every such field goes through."""
    return text_latex(text)


def fit_line(line: str, lhs_width: float) -> str:
    r"""A display line near or over the room right of the ``=``: scaled there if too wide.

    Widths are estimates; ``\fitwidth`` (the preamble's) measures in TeX and scales only a
    line that really is too wide, so a line is wrapped whenever it comes close.
    """
    room = max(0.3, min(0.97, 1 - (lhs_width * 8.6 + 30) / 488))
    if width(line) <= 0.7 * (PAGE - lhs_width - 4):
        return line
    return r"\fitwidth{%.2f\linewidth}{$\displaystyle %s$}" % (room, line)


def _align(rows: list[str]) -> str:
    return "\\begin{align*}\n" + "\\\\\n".join(rows) + "\n\\end{align*}"


def steps_latex(steps: list[Any]) -> list[str]:
    """LaTeX blocks of the steps; consecutive calculations share one aligned display."""
    blocks: list[str] = []
    rows: list[str] = []
    starts: set[int] = set()
    for step in steps:
        if isinstance(step, Calculation):
            if rows:
                starts.add(len(rows))  # a new quantity: a little more space before it
            rows += calculation_rows(step, fit_line)
            continue
        if rows:
            blocks.append(_align_gapped(rows, starts))
            rows, starts = [], set()
        text = step_latex(step)
        if text:
            if isinstance(step, Table) and blocks and not blocks[-1].startswith("\\begin"):
                # a table stays on the page of the sentence that introduces it
                blocks[-1] = f"\\needspace{{{len(step.rows) + 6}\\baselineskip}}" + blocks[-1]
            blocks.append(text)
    if rows:
        blocks.append(_align_gapped(rows, starts))
    return blocks


def _align_gapped(rows: list[str], starts: set[int]) -> str:
    body = rows[0]
    for i, r in enumerate(rows[1:], start=1):
        body += ("\\\\[0.6em]\n" if i in starts else "\\\\\n") + r
    return "\\begin{align*}\n" + body + "\n\\end{align*}"


def _big_array(value: Any) -> str | None:
    """``"an array of shape 128 x 128"`` for values too large to print in a check line."""
    shape = getattr(value, "shape", None)  # numpy and SymPy arrays, matrices
    if shape is None and isinstance(value, list | tuple):
        shape, inner = [], value
        while isinstance(inner, list | tuple) and inner:
            shape.append(len(inner))
            inner = inner[0]
    if not shape or int(np.prod(shape)) <= 12:
        return None
    return "an array of shape $" + r" \times ".join(str(n) for n in shape) + "$"


def _as_sympy(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return tuple(_as_sympy(v) for v in value)
    if isinstance(value, str):
        return value
    try:
        return sp.sympify(value)
    except (sp.SympifyError, TypeError):
        return str(value)


def _entries(value: Any) -> int | None:
    """Number of entries of an array-like value (None for a scalar or a shape)."""
    if isinstance(value, sp.MatrixBase | sp.NDimArray | np.ndarray):
        return int(np.prod(value.shape))
    return None


def _value(check: Check) -> str:
    """What a passed check shows after its name ("" when the name says it all)."""
    v = _as_sympy(check.observed)
    if isinstance(v, sp.Tuple):
        v = tuple(v)
    if isinstance(v, bool) or v is sp.true:  # not ``v in (True, ...)``: 1 == True
        return ""
    compared = re.search(r"all (\d+) entries compared", check.detail)
    if compared:  # a large array: its checksum says nothing to a reader
        return f"({compared.group(1)} entries equal)"
    n = _entries(v)
    if n is not None:
        return f"({n} entries equal)" if n > 1 else f"${math(v)}$"
    if isinstance(v, tuple) and len(v) == 2 and any(w in check.name for w in ("range",
                                                                               "support")):
        from symconv.notation.latex import IndexRange

        return f"${math(IndexRange(*v))}$"
    if isinstance(v, sp.Integer) and f"all {int(v)} " in check.name + " ":
        return ""
    if isinstance(v, tuple) and not any(w in check.name for w in ("shape", "field")):
        return "$(" + ", ".join(math(e) for e in v) + ")$"
    return f"${math(v)}$"


def _shown(value: Any) -> str:
    v = _as_sympy(value)
    if isinstance(v, sp.NDimArray) and v.rank() > 2:
        arr = np.array(v.tolist(), dtype=object)
        while arr.ndim > 2 and arr.shape[0] == 1:
            arr = arr[0]  # a single sample and channel: the matrix itself
        v = sp.Matrix(arr.tolist()) if arr.ndim == 2 else sp.Array(arr.tolist())
    return f"${math(v)}$"


def check_text(check: Check, tex: bool = True) -> str:
    """One check: its name and value, marked passed, or what was expected and observed."""
    name = text_latex(check.name) if tex else check.name
    if check.passed:
        value = _value(check)
        mark = r"\checkok" if tex else "✓"
        return f"{name} {value} {mark}" if value else f"{name} {mark}"
    mark = r"\checkfail" if tex else "**FAILED**"
    big = _big_array(check.expected)
    shown = (big + " (different)") if big is not None else (
        f"expected {_shown(check.expected)}, observed {_shown(check.observed)}")
    extra = f" ({check.detail})" if check.detail else ""
    return f"{mark} {name}: {shown}{extra}"


def check_latex(check: Check) -> str:
    """One check in small print (kept for callers of the old name)."""
    return check_text(check, tex=True)


def group_text(group: CheckGroup, tex: bool = True) -> str:
    """``on INSTANCE: oracle: check, check; oracle: check`` -- the checks of one instance."""
    fmt = text_latex if tex else (lambda t: t)
    parts = [fmt(oracle) + ": " + ", ".join(check_text(c, tex) for c in checks)
             for oracle, checks in group.oracles]
    body = "; ".join(parts)
    return (f"on {fmt(group.instance)}, " + body) if group.instance else body


def checks_latex(solution: Solution) -> str:
    """The checks of a question in one small-print paragraph, grouped by instance and oracle."""
    groups = check_groups(solution)
    if not groups:
        return ""
    body = ". ".join(_cap(group_text(g)) for g in groups)
    return r"{\footnotesize\noindent\textbf{Checks.} " + body + ".\\par}"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def table_latex(table: Table) -> str:
    spec = "l" * len(table.columns)
    head = " & ".join(text_latex(c) for c in table.columns)
    rows = [" & ".join(text_latex(c) if isinstance(c, str) else f"${math(c)}$" for c in row)
            for row in table.rows]
    body = " \\\\\n".join(rows)
    cap = f"\n\n\\smallskip{{\\small {text_latex(table.caption)}}}" if table.caption else ""
    return (f"\\begin{{center}}\\small\n\\fitwidth{{\\linewidth}}{{\\begin{{tabular}}{{{spec}}}\n"
            f"\\toprule\n{head} \\\\\n\\midrule\n{body} \\\\\n\\bottomrule\n\\end{{tabular}}}}"
            f"{cap}\n\\end{{center}}")


def setup_latex(setup: Setup) -> str:
    """The layer (or network) statement, never broken across pages."""
    return (r"\noindent\begin{minipage}{\linewidth}\textbf{" + escape(setup.label) + r".} "
            + text_latex(setup.text) + r"\end{minipage}")


def step_latex(step: Any) -> str:
    """LaTeX of one step."""
    if isinstance(step, Text):
        return text_latex(step.text)
    if isinstance(step, Calculation):
        return _align(calculation_rows(step, fit_line))
    if isinstance(step, Equation):
        out = _align(equation_rows(step, fit_line))
        return (text_latex(step.label) + "\n" + out) if step.label else out
    if isinstance(step, Setup):
        return setup_latex(step)
    if isinstance(step, Shared):
        return "\n\n".join(steps_latex(list(step.steps)))
    if isinstance(step, Check | Answer):
        return ""  # collected into the check and answer lines
    if isinstance(step, Table):
        return table_latex(step)
    if isinstance(step, Display):
        return "\\[\n" + step.latex + "\n\\]"
    if isinstance(step, Figure):
        # clear of the display above it; the picture and its caption never split across pages
        return ("\\medskip\n\\noindent\\begin{minipage}{\\linewidth}\n"
                + step.latex(text_latex) + "\n\\end{minipage}")
    if isinstance(step, sp.Basic):
        return "\\[\n" + math(step) + "\n\\]"
    return text_latex(str(step))


def answer_latex(q: Any, solution: Solution) -> str:
    """The Answer line (:func:`~symconv.keys.outline.answer_line`) in LaTeX."""
    return answer_line(q, solution, AnswerLayout(
        text=source_text, label=text_latex, formula=lambda tex: f"${tex}$",
        # room for the line and the first displayed answer with it
        head=lambda shown: f"\\needspace{{{min(3 + 3 * shown, 12)}\\baselineskip}}"
                           "\\noindent\\textbf{Answer.} ",
        display=lambda answers: _align(answer_rows(answers, fit_line))))


def question_latex(q: Any, solution: Solution | None, block: Block | None = None) -> str:
    """A question: heading, its text, and (in a key) its worked solution, answer and checks."""
    with use(getattr(q, "notation", None)):
        return _question_latex(q, solution, block)


def _question_latex(q: Any, solution: Solution | None, block: Block | None) -> str:
    title = f"Question {escape(q.id)}" + (f": {source_text(q.title)}" if q.title else "")
    points = f" \\hfill {{\\normalsize\\normalfont ({q.points} points)}}" if q.points else ""
    parts = [f"\\needspace{{7\\baselineskip}}\\subsection*{{{title}{points}}}",
             "\\begin{quote}\\itshape\n" + source_text(q.rendered_text(math)) + "\n\\end{quote}"]
    if solution is None:
        return "\n\n".join(parts)
    steps = block.steps if block is not None else [
        s for s in solution.steps if not isinstance(s, Check | Answer)]
    body = [b for b in steps_latex(steps) if b]
    if body:
        parts.append(r"\textbf{Solution.}\nopagebreak")
        parts += body
    line = answer_latex(q, solution)
    if line:
        parts.append(line)
    if q.note:
        parts.append(r"\textit{Note.} " + source_text(q.note))
    checks = checks_latex(solution)
    if checks:
        parts.append(checks)
    return "\n\n".join(parts)


def section_latex(section: Section) -> str:
    parts = []
    if section.heading:
        parts.append(f"\\needspace{{9\\baselineskip}}\\section*{{{source_text(section.heading)}}}")
    if section.setup is not None:
        q = section.blocks[0].question
        with use(getattr(q, "notation", None)):
            parts.append(setup_latex(section.setup))
    parts += [question_latex(b.question, b.solution, b) for b in section.blocks]
    return "\n\n".join(parts)


def document(assignment: Any, solutions: dict[str, Solution] | None, variant: str = "") -> str:
    """A complete LaTeX document: the key (``solutions``) or, with None, the question sheet."""
    meta = assignment.meta
    kind = "Answer key" if solutions is not None else "Questions"
    sub = [source_text(str(meta[k])) for k in ("subtitle", "course", "date") if meta.get(k)]
    title = source_text(assignment.title)
    head = [PREAMBLE, r"\begin{document}", r"\begin{center}",
            r"{\Large\bfseries " + title + r"}\\[0.4em]"]
    if sub:
        head.append(r"{\large " + r" \quad ".join(sub) + r"}\\[0.4em]")
    head.append(r"{\large " + kind + (f" --- {escape(variant)}" if variant else "") + r"}")
    head.append(r"\end{center}")
    if meta.get("intro"):
        head.append(source_text(str(meta["intro"])))
    body = [section_latex(s) for s in outline(assignment, solutions)]
    return "\n".join(head) + "\n\n" + "\n\n".join(body) + "\n\n\\end{document}\n"
