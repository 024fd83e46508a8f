r"""Text and math of question files, checked before any renderer sees them.

Question files are shared between instructors and compiled on grading
servers, so their text is untrusted input, like a student's answer.  A text
field (``text``, ``title``, ``section``, ``note``, ``prose``, the
assignment's title block) is light markup: ``$...$`` or ``$$...$$`` math,
`` `code` ``, ``**bold**`` and plain text.  The renderers escape plain text
and code, but math is copied into the .tex (and the Markdown page) as
written, so it is checked here against a whitelist, the way the grader reads
a LaTeX answer (:mod:`symconv.grading.lexer`): every command must be one of
:data:`MATH_COMMANDS` (the mathematics an answer key needs), every
environment one of :data:`ENVIRONMENTS`, braces must balance, and TeX's
low-level escapes (``^^5c`` is a backslash, ``%`` starts a comment, ``#`` is
a macro parameter) are refused.  So nothing in a question file can read a
file (``\input``), write one (``\openout``, ``\write``), run a program
(``\write18``) or change what TeX does (``\def``, ``\catcode``,
``\csname``); the loader (:mod:`symconv.keys.questions`) reports the command
with the file, question and field.

For Markdown, plain text is HTML-escaped (``<script>`` shows as text) and
the Markdown key writes ``<`` in math with a space after it, so no HTML or
Markdown reader takes ``$a<b$`` for a tag.

Examples
--------
>>> check_text(r"A $3 \times 3$ kernel slides $\left\lfloor \frac{h - k}{s} \right\rfloor + 1$ times")
>>> check_text(r"$\input{/etc/passwd}$")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
symconv.keys.texsafe.UnsafeText: \input is not allowed in math (only mathematical commands ...
>>> check_text(r"A GPU hour costs \$2 and $a<b$")
"""

from __future__ import annotations

import re
from collections.abc import Iterator

#: Characters of one text field (a long ``prose`` answer is a few thousand).
MAX_TEXT = 20_000
#: Characters of one ``$...$`` formula, and its nesting of braces and environments.
MAX_MATH = 4_000
MAX_MATH_DEPTH = 40

_GREEK = """alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa
    lambda mu nu xi pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega
    Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega"""
_OPERATORS = """times cdot cdotp div pm mp ast star circ bullet oplus otimes odot ominus
    cap cup setminus wedge vee land lor neg lnot not sqcup uplus amalg dagger"""
_RELATIONS = """le leq leqslant ge geq geqslant lt gt ne neq approx equiv sim simeq cong propto
    ll gg in notin ni subset subseteq supset supseteq mid nmid parallel perp models
    to rightarrow leftarrow Rightarrow Leftarrow leftrightarrow Leftrightarrow iff implies
    impliedby mapsto gets longrightarrow longleftarrow Longrightarrow longmapsto
    uparrow downarrow colon coloneqq"""
_BIG = """sum prod coprod int iint iiint oint bigcup bigcap bigoplus bigotimes bigodot
    bigvee bigwedge lim limsup liminf max min sup inf arg det dim ker deg gcd lcm Pr
    log lg ln exp sin cos tan cot sec csc sinh cosh tanh coth arcsin arccos arctan
    mod bmod pmod limits nolimits"""
_DELIMITERS = """left right middle big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl
    Biggr lfloor rfloor lceil rceil langle rangle lvert rvert lVert rVert vert Vert
    lbrace rbrace lbrack rbrack backslash"""
_STRUCTURE = """frac dfrac tfrac cfrac binom dbinom tbinom sqrt overline underline hat widehat
    bar tilde widetilde vec dot ddot breve check acute grave overbrace underbrace overset
    underset stackrel boxed substack phantom hphantom vphantom overrightarrow
    overleftarrow begin end hline cline"""
_FONTS = """mathrm mathbf mathit mathsf mathtt mathcal mathbb mathfrak mathscr boldsymbol
    operatorname text textrm textbf textit textsf texttt textnormal mbox
    displaystyle textstyle scriptstyle scriptscriptstyle"""
_SPACING = "quad qquad enspace thinspace medspace thickspace negthinspace"
_SYMBOLS = """infty partial nabla forall exists nexists emptyset varnothing prime ell hbar
    imath jmath Re Im top bot intercal angle triangle square checkmark ldots cdots vdots
    ddots dots dotsc dotsb therefore because aleph"""

#: Commands math in a question file may use: what a CNN homework writes, and what SymPy prints.
MATH_COMMANDS = frozenset(" ".join(
    [_GREEK, _OPERATORS, _RELATIONS, _BIG, _DELIMITERS, _STRUCTURE, _FONTS, _SPACING, _SYMBOLS]
).split())

#: Control symbols (a backslash and one character): spacing, escaped braces and bars, line break.
CONTROL_SYMBOLS = frozenset(", ; : ! { } | \\ % # & _".split() + [" "])

#: Environments math may use (matrices, cases, aligned lines).
ENVIRONMENTS = frozenset("""matrix pmatrix bmatrix Bmatrix vmatrix Vmatrix smallmatrix cases
    dcases aligned gathered split array""".split())

#: The light markup of text fields, as every renderer splits it: ``\$`` (a dollar sign),
#: ``$$display$$`` and ``$math$``, ``code``, ``**bold**``, and the plain text between.
MARKUP = re.compile(r"(\\\$|\$\$.+?\$\$|\$.+?\$|`[^`]+`|\*\*.+?\*\*)", re.S)
#: The token of a literal dollar sign in text.
DOLLAR = "\\$"

_LETTERS = re.compile(r"[A-Za-z]+")
_ENV_NAME = re.compile(r"\s*\{([A-Za-z*]+)\}")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class UnsafeText(ValueError):
    """Text or math a question file may not contain; the message says what and why."""


def segments(text: str) -> Iterator[tuple[str, str]]:
    """``(kind, part)`` pieces of light markup: ``math`` (with its ``$``), ``code``,
    ``dollar`` (``\\$``, a dollar sign), ``plain``.

    Bold is looked into: its inside is split the same way.

    >>> list(segments("A `Conv2d` has **$k^2$ weights**"))
    [('plain', 'A '), ('code', '`Conv2d`'), ('plain', ' has '), ('math', '$k^2$'), ('plain', ' weights')]
    """
    for part in MARKUP.split(text):
        if not part:
            continue
        if part == DOLLAR:
            yield "dollar", part
        elif part.startswith("$"):
            yield "math", part
        elif part.startswith("`"):
            yield "code", part
        elif part.startswith("**"):
            yield from segments(part[2:-2])
        else:
            yield "plain", part


def _math_body(part: str) -> str:
    return part[2:-2] if part.startswith("$$") else part[1:-1]


def check_math(body: str, bounded: bool = True) -> None:
    r"""Raise :class:`UnsafeText` unless ``body`` (math without its ``$``) is on the whitelist.

    ``bounded`` also limits its length and nesting (question files; the
    renderers' second look at what the engine printed skips that).

    >>> check_math(r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}")
    >>> check_math(r"\csname input\endcsname")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    symconv.keys.texsafe.UnsafeText: \csname is not allowed in math ...
    >>> check_math("a^^5cinput")
    Traceback (most recent call last):
    ...
    symconv.keys.texsafe.UnsafeText: '^^' in math is TeX's character-code escape; write a^{...} for powers
    """
    if bounded and len(body) > MAX_MATH:
        raise UnsafeText(f"a formula of {len(body):,} characters (at most {MAX_MATH:,})")
    depth = 0
    envs: list[str] = []
    i, n = 0, len(body)
    while i < n:
        c = body[i]
        if c == "\\":
            i = _command(body, i, envs)
            if bounded and len(envs) + depth > MAX_MATH_DEPTH:
                raise UnsafeText(f"math nested more than {MAX_MATH_DEPTH} levels deep")
            continue
        if c == "{":
            depth += 1
            if bounded and depth + len(envs) > MAX_MATH_DEPTH:
                raise UnsafeText(f"math nested more than {MAX_MATH_DEPTH} levels deep")
        elif c == "}":
            depth -= 1
            if depth < 0:
                raise UnsafeText("a '}' in math closes no '{'")
        elif c == "^" and body.startswith("^^", i):
            raise UnsafeText("'^^' in math is TeX's character-code escape; "
                             "write a^{...} for powers")
        elif c == "%":
            raise UnsafeText(r"'%' in math starts a TeX comment; write \% for a percent sign")
        elif c == "#":
            raise UnsafeText(r"'#' in math is a TeX macro parameter; write \# for the sign")
        elif c == "$":
            raise UnsafeText("a '$' inside math")
        elif c == "&" and not envs:
            raise UnsafeText(r"'&' in math outside a matrix, cases or aligned environment")
        elif not (" " <= c <= "~" or c in "\n\t\r"):
            raise UnsafeText(f"character {c!r} in math: write its LaTeX command "
                             r"(e.g. \times for ×), math is ASCII")
        i += 1
    if depth:
        raise UnsafeText(f"{depth} '{{' in math never closed")
    if envs:
        raise UnsafeText(rf"\begin{{{envs[-1]}}} in math never ended")


def _command(body: str, i: int, envs: list[str]) -> int:
    """Check the command at ``body[i]`` (a backslash); return the index after it."""
    m = _LETTERS.match(body, i + 1)
    if m is None:
        if i + 1 >= len(body):
            raise UnsafeText("a lone backslash at the end of the math")
        sym = body[i + 1]
        if sym not in CONTROL_SYMBOLS:
            raise UnsafeText(f"\\{sym} is not allowed in math")
        if sym == "\\" and not envs:
            raise UnsafeText(r"'\\' (a line break) in math outside a matrix, cases or "
                             "aligned environment")
        return i + 2
    name = m.group()
    if name not in MATH_COMMANDS:
        raise UnsafeText(f"\\{name} is not allowed in math (only mathematical commands such "
                         r"as \frac, \times, \sum, \alpha are; see docs/question-files.md)")
    end = m.end()
    if name in ("begin", "end"):
        env = _ENV_NAME.match(body, end)
        if env is None:
            raise UnsafeText(f"\\{name} must be followed by an environment name in braces")
        label = env.group(1)
        if name == "begin":
            if label not in ENVIRONMENTS:
                raise UnsafeText(f"environment {label!r} is not allowed in math (allowed: "
                                 f"{', '.join(sorted(ENVIRONMENTS))})")
            envs.append(label)
        else:
            if not envs or envs[-1] != label:
                expected = f"\\end{{{envs[-1]}}}" if envs else "no \\begin"
                raise UnsafeText(f"\\end{{{label}}} in math does not match ({expected})")
            envs.pop()
        end = env.end()
    return end


def check_text(text: str) -> None:
    r"""Raise :class:`UnsafeText` for anything a text field may not contain.

    Plain text and code are escaped by the renderers, so they may say
    anything (``\input`` in plain text prints as those characters); math
    goes through :func:`check_math`; a ``$`` that opens no formula and
    control characters are refused (``\$`` writes a dollar sign).

    >>> check_text("costs $5")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    symconv.keys.texsafe.UnsafeText: a '$' that starts no $...$ formula ...
    """
    if len(text) > MAX_TEXT:
        raise UnsafeText(f"{len(text):,} characters long (at most {MAX_TEXT:,})")
    bad = _CONTROL_CHARS.search(text)
    if bad:
        raise UnsafeText(f"control character {bad.group()!r} at position {bad.start() + 1}")
    for kind, part in segments(text):
        if kind == "math":
            body = _math_body(part)
            if not body.strip():
                raise UnsafeText(f"empty formula {part!r}")
            check_math(body)
        elif kind == "plain" and "$" in part:
            raise UnsafeText("a '$' that starts no $...$ formula (math is written $...$; "
                             "a dollar sign is written \\$)")


#: What a plain label (a network row name, a memory size, a column name) may contain.
_PLAIN_LABEL = re.compile(r"^[^$\\<>`{}\x00-\x1f\x7f]*$")


def check_label(text: str, limit: int = 200) -> None:
    """Raise :class:`UnsafeText` unless ``text`` is a short plain label (no markup at all).

    >>> check_label("conv1")
    >>> check_label("$\\\\input{x}$")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    symconv.keys.texsafe.UnsafeText: a name or label may not contain $, \\, <, >, `, { or } ...
    """
    if len(text) > limit:
        raise UnsafeText(f"a label of {len(text):,} characters (at most {limit})")
    if not _PLAIN_LABEL.match(text):
        shown = text if len(text) <= 60 else text[:57] + "..."
        raise UnsafeText(f"a name or label may not contain $, \\, <, >, `, {{ or }} "
                         f"(got {shown!r})")


def checked_math(part: str) -> str:
    """A ``$...$`` part the LaTeX renderer copies as it is, looked at once more; unchanged.

    The loader has already checked question files; this second look (without
    the size bounds) keeps the promise for text that reaches a renderer
    another way.
    """
    check_math(_math_body(part), bounded=False)
    return part
