"""Render answer keys (solution steps) as a complete LaTeX document.

All mathematics is printed by SymPy's LaTeX printer
(:func:`symconv.printing.latex`): formulas as derived, then — handcalcs
style — the same formula with every symbol replaced by its number, then the
boxed result.  Prose (question text, explanations) is light markup: ``$...$``
is math, `` `...` `` is code, ``**...**`` is bold; everything else is escaped.

Examples
--------
>>> import sympy as sp
>>> from symconv.solution import Calculation
>>> from symconv.symbols import sym
>>> print(step_latex(Calculation("output size", sym("h") - sym("k") + 1, {"h": 64, "k": 3})))
\\begin{align*}
\\text{output size} &= h - k + 1\\\\
 &= 64 - 3 + 1\\\\
 &= \\boxed{62}
\\end{align*}
>>> text_latex("Cost of `Conv2d` is $c_i k^2$ & 50% off")
'Cost of \\\\texttt{Conv2d} is $c_i k^2$ \\\\& 50\\\\% off'
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import sympy as sp

from symconv.keys.steps import Answer, Display, Table
from symconv.keys.texsafe import checked_math
from symconv.printing import latex as sympy_latex
from symconv.solution import Calculation, Check, Equation, Solution, Text

PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[margin=2.2cm]{geometry}
\usepackage[T1]{fontenc}
\usepackage{lmodern}
\usepackage{amsmath,amssymb}
\usepackage{booktabs}
\usepackage{xcolor}
\usepackage{parskip}
\allowdisplaybreaks
\newcommand{\checkok}{\textcolor{green!45!black}{\checkmark}}
\newcommand{\checkfail}{\textcolor{red!75!black}{\textbf{FAILED}}}
\setlength{\parskip}{0.5em}
\AtBeginDocument{\setlength{\abovedisplayskip}{4pt}\setlength{\belowdisplayskip}{4pt}%
\setlength{\abovedisplayshortskip}{2pt}\setlength{\belowdisplayshortskip}{2pt}}
"""

GAP = "\x00gap"
_ESCAPES = {"&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_", "^": r"\^{}", "~": r"\~{}",
            "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "<": r"\textless{}",
            ">": r"\textgreater{}"}
_TOKENS = re.compile(r"(\$\$.+?\$\$|\$.+?\$|`[^`]+`|\*\*.+?\*\*)", re.S)


def escape(text: str) -> str:
    """Plain text made safe for LaTeX."""
    return "".join(_ESCAPES.get(c, c) for c in text)


def text_latex(text: str) -> str:
    """Light markup (``$math$``, `` `code` ``, ``**bold**``) to LaTeX."""
    out = []
    for part in _TOKENS.split(text):
        if not part:
            continue
        if part.startswith("$"):
            out.append(checked_math(part))  # math is copied as it is: whitelisted commands only
        elif part.startswith("`"):
            out.append(r"\texttt{" + escape(part[1:-1]) + "}")
        elif part.startswith("**"):
            out.append(r"\textbf{" + text_latex(part[2:-2]) + "}")
        else:
            out.append(escape(part))
    return "".join(out)


def math(value: Any, values: Any = None) -> str:
    """LaTeX of a SymPy value (tuples and shapes as ``a \\times b``), digits grouped."""
    if isinstance(value, sp.Tuple):
        value = tuple(value)
    if isinstance(value, tuple):
        if not value:
            return r"()"
        return r" \times ".join(_factor(v, values) for v in value)
    if isinstance(value, str):
        return r"\text{" + escape(value) + "}"
    return sympy_latex(value, values, compact=True)


def _factor(value: Any, values: Any) -> str:
    text = math(value, values)
    return r"\left(" + text + r"\right)" if isinstance(value, sp.Add) else text


_SYMBOL_NAME = re.compile(r"^[A-Za-z]{1,3}_[A-Za-z0-9]{1,5}$")


def _name(name: Any) -> str:
    """A calculation's left side: text labels as text, ``B_max``-like names as symbols."""
    if isinstance(name, str) and not _SYMBOL_NAME.match(name):
        return r"\text{" + escape(name) + "}"
    return math(sp.Symbol(name) if isinstance(name, str) else name)


def calculation_lines(step: Calculation) -> list[str]:
    """The right-hand sides of a calculation, in order: formula, simplified, numbers, result.

    The result of an answered quantity (a calculation named by text) is boxed;
    intermediate quantities (named by a symbol, such as ``h_out``) are not.
    """
    box = not isinstance(step.name, sp.Basic)
    rhs = [broken(step.formula)]
    if step.simplified is not None and broken(step.simplified) != rhs[0]:
        rhs.append(broken(step.simplified))
    if step.values:
        shown = broken(step.formula, step.values)
        if shown not in rhs:
            rhs.append(shown)
    if step.result is not None:
        result = broken(step.result)
        if rhs[-1] == result:
            rhs.pop()
        rhs.append(_box(result) if box else result)
    elif box:
        rhs[-1] = _box(rhs[-1])
    return rhs


#: LaTeX characters of a display line before a long sum is broken after a term.
LINE = 140


def _box(text: str) -> str:
    return text if "\\\\" in text else r"\boxed{" + text + "}"


def broken(value: Any, values: Any = None) -> str:
    """LaTeX of ``value``; a long sum is broken into aligned lines after whole terms."""
    text = math(value, values)
    if len(text) <= LINE or not isinstance(value, sp.Add):
        return text
    lines, current = [], ""
    for term in value.as_ordered_terms():
        t = math(term, values)
        piece = t if not current else (f" - {t[1:]}" if t.startswith("-") else f" + {t}")
        if current and len(current) + len(piece) > LINE:
            lines.append(current)
            current = piece.strip()
        else:
            current += piece
    lines.append(current)
    return "\\\\\n &\\quad ".join(lines)


def _rows(lhs: str, rhs: list[str], relation: str = "=") -> list[str]:
    return [f"{lhs} &{relation} {rhs[0]}"] + [f" &{relation} {r}" for r in rhs[1:]]


def _align(lhs: str, rhs: list[str], relation: str = "=") -> str:
    return _align_rows(_rows(lhs, rhs, relation))


def _align_rows(rows: list[str]) -> str:
    # A row ending in GAP starts a new quantity: a little more space before the next.
    body = "".join(r.replace(GAP, "") + ("\\\\[0.6em]\n" if r.endswith(GAP) else "\\\\\n")
                   for r in rows[:-1]) + rows[-1]
    return "\\begin{align*}\n" + body + "\n\\end{align*}"


def steps_latex(steps: list[Any]) -> list[str]:
    """LaTeX blocks of the steps; consecutive calculations share one aligned display."""
    blocks: list[str] = []
    rows: list[str] = []
    for step in steps:
        if isinstance(step, Calculation):
            if rows:
                rows[-1] += GAP
            rows += _rows(_name(step.name), calculation_lines(step))
            continue
        if rows:
            blocks.append(_align_rows(rows))
            rows = []
        text = step_latex(step)
        if text:
            blocks.append(text)
    if rows:
        blocks.append(_align_rows(rows))
    return blocks


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


def check_latex(check: Check) -> str:
    """One check in small print: what ran, what it expected, what it observed."""
    mark = r"\checkok" if check.passed else r"\checkfail"
    big = _big_array(check.expected)
    if big is not None:
        verdict = "equal" if check.passed else "different"
        detail = f"expected and observed {big}, {verdict}"
    elif check.expected == check.observed:
        detail = f"${math(_as_sympy(check.expected))}$"
    else:
        detail = (f"expected ${math(_as_sympy(check.expected))}$, observed "
                  f"${math(_as_sympy(check.observed))}$")
    extra = f" ({text_latex(check.detail)})" if check.detail and not check.passed else ""
    return f"{mark}\\ {text_latex(check.name)}: {detail}{extra}"


def _as_sympy(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return tuple(_as_sympy(v) for v in value)
    if isinstance(value, str):
        return value
    try:
        return sp.sympify(value)
    except (sp.SympifyError, TypeError):
        return str(value)


def table_latex(table: Table) -> str:
    spec = "l" * len(table.columns)
    head = " & ".join(text_latex(c) for c in table.columns)
    rows = [" & ".join(text_latex(c) if isinstance(c, str) else f"${math(c)}$" for c in row)
            for row in table.rows]
    body = " \\\\\n".join(rows)
    cap = f"\n\\\\[0.3em]\\small {text_latex(table.caption)}" if table.caption else ""
    return (f"\\begin{{center}}\\small\n\\begin{{tabular}}{{{spec}}}\n\\toprule\n{head} \\\\\n"
            f"\\midrule\n{body} \\\\\n\\bottomrule\n\\end{{tabular}}{cap}\n\\end{{center}}")


def step_latex(step: Any) -> str:
    """LaTeX of one step."""
    if isinstance(step, Text):
        return text_latex(step.text)
    if isinstance(step, Calculation):
        return _align(_name(step.name), calculation_lines(step))
    if isinstance(step, Equation):
        rhs = [math(r) for r in step.rhs] or [""]
        out = _align(math(step.lhs), rhs, step.relation)
        return (text_latex(step.label) + "\n" + out) if step.label else out
    if isinstance(step, Check):
        return r"{\footnotesize " + check_latex(step) + "}"
    if isinstance(step, Table):
        return table_latex(step)
    if isinstance(step, Display):
        return "\\[\n" + step.latex + "\n\\]"
    if isinstance(step, Answer):
        return ""  # collected into the answer line
    if isinstance(step, sp.Basic):
        return "\\[\n" + math(step) + "\n\\]"
    return text_latex(str(step))


def checks_latex(checks: list[Check]) -> str:
    """The checks of a question, grouped by oracle, in small print."""
    if not checks:
        return ""
    groups: dict[str, list[Check]] = {}
    for c in checks:
        groups.setdefault(c.oracle, []).append(c)
    parts = [r"\begin{footnotesize}\textbf{Checks.}"]
    for oracle, items in groups.items():
        parts.append(r"\par\textit{" + text_latex(oracle) + ":} " +
                     "; ".join(check_latex(c) for c in items) + ".")
    parts.append(r"\end{footnotesize}")
    return "\n".join(parts)


def answer_line(solution: Solution) -> str:
    answers = [s for s in solution.steps if isinstance(s, Answer)]
    if not answers:
        return ""
    # Long symbolic answers are boxed in their derivation above; the line lists the rest.
    items = [f"{text_latex(a.label)} ${'' if isinstance(a.value, str) else '= '}"
             f"{math(a.value)}$" for a in answers if len(math(a.value)) <= LINE]
    if not items:
        return ""
    return r"\noindent\textbf{Answer.} " + "; ".join(items) + "."


def question_latex(q: Any, solution: Solution | None) -> str:
    """A question: heading, its text, and (in a key) its worked solution and checks."""
    title = f"Question {escape(q.id)}" + (f": {text_latex(q.title)}" if q.title else "")
    points = f" \\hfill {{\\normalsize\\normalfont ({q.points} points)}}" if q.points else ""
    parts = [f"\\subsection*{{{title}{points}}}",
             "\\begin{quote}\\itshape\n" + text_latex(q.rendered_text(math)) + "\n\\end{quote}"]
    if solution is None:
        return "\n\n".join(parts)
    parts.append(r"\textbf{Solution.}")
    inline = [s for s in solution.steps if isinstance(s, Check)]
    parts += steps_latex([s for s in solution.steps if not isinstance(s, Check | Answer)])
    parts = [p for p in parts if p]
    line = answer_line(solution)
    if line:
        parts.append(line)
    if q.note:
        parts.append(r"\textit{Note.} " + text_latex(q.note))
    block = checks_latex(inline + list(solution.checks))
    if block:
        parts.append(block)
    return "\n\n".join(parts)


def document(assignment: Any, solutions: dict[str, Solution] | None, variant: str = "") -> str:
    """A complete LaTeX document: the key (``solutions``) or, with None, the question sheet."""
    meta = assignment.meta
    kind = "Answer key" if solutions is not None else "Questions"
    sub = [text_latex(str(meta[k])) for k in ("subtitle", "course", "date") if meta.get(k)]
    title = text_latex(assignment.title)
    head = [PREAMBLE, r"\begin{document}", r"\begin{center}",
            r"{\Large\bfseries " + title + r"}\\[0.4em]"]
    if sub:
        head.append(r"{\large " + r" \quad ".join(sub) + r"}\\[0.4em]")
    head.append(r"{\large " + kind + (f" --- {escape(variant)}" if variant else "") + r"}\\")
    if meta.get("source"):
        head.append(r"{\footnotesize " + text_latex(str(meta["source"])) + r"}\\")
    head.append(r"{\footnotesize Derived and checked by symconv; every number below "
                r"comes from the engine.}")
    head.append(r"\end{center}")
    if meta.get("intro"):
        head.append(text_latex(str(meta["intro"])))
    body: list[str] = []
    for section, q in assignment.by_section():
        if section:
            body.append(f"\\section*{{{text_latex(section)}}}")
        body.append(question_latex(q, solutions.get(q.id) if solutions is not None else None))
    return "\n".join(head) + "\n\n" + "\n\n".join(body) + "\n\n\\end{document}\n"
