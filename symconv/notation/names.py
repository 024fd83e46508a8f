r"""Display names of symbols and tensors: the rules, and what a question file may declare.

A symbol name is written as mathematicians write it: one-letter names and
subscripts in italic (``k_h`` is :math:`k_h`), multi-letter names and subscripts
upright (``C_in`` is :math:`C_{\mathrm{in}}`, ``h_out`` is :math:`h_{\mathrm{out}}`,
``dy`` is :math:`\mathrm{d}y`), Greek names as Greek letters (``sigma_g``).

A question file may give its own display names.  They are data from a file
shared between instructors, so only a small LaTeX vocabulary is accepted
(letters, digits, sub- and superscripts, braces, primes and a whitelist of
commands such as ``\mathrm`` and the Greek letters); anything else is refused
with a one-line reason.

Examples
--------
>>> name_latex("C_in"), name_latex("h_out"), name_latex("k_h"), name_latex("dy_up")
('C_{\\mathrm{in}}', 'h_{\\mathrm{out}}', 'k_{h}', '\\mathrm{d}y_{\\mathrm{up}}')
>>> name_latex("sigma_g"), name_latex("B_max"), name_latex("t_h'")
('\\sigma_{g}', 'B_{\\mathrm{max}}', "t'_{h}")
>>> name_latex("\\epsilon")
'\\epsilon'
>>> check_display_name("\\input{x}")
Traceback (most recent call last):
...
ValueError: '\input' is not allowed in a display name (allowed: letters, digits, _^{}', \mathrm...)
"""

from __future__ import annotations

import re

from sympy.printing.latex import greek_letters_set

MAX_NAME = 60
_COMMANDS = {
    "mathrm", "mathit", "mathbf", "mathsf", "mathcal", "mathbb", "operatorname", "hat", "tilde",
    "widetilde", "bar", "overline", "vec", "dot", "ddot", "prime", "partial", "nabla", "ell",
    "uparrow", "downarrow", "star", "ast", "top", "varepsilon", "vartheta", "varphi", "varrho",
    "varsigma", "varpi", "infty", "cdot", ",", "!", " ",
} | {g for g in greek_letters_set} | {g.capitalize() for g in greek_letters_set}
_TOKEN = re.compile(r"\\([A-Za-z]+|.)|([A-Za-z0-9_^{}',()+\- ])|(.)", re.S)
_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*'*$")
_GREEK = {g.lower() for g in greek_letters_set} | {"epsilon", "lambda"}


def check_display_name(text: str) -> None:
    """Raise ``ValueError`` unless ``text`` is a safe, small display name."""
    if not text or len(text) > MAX_NAME:
        raise ValueError(f"a display name has 1 to {MAX_NAME} characters")
    depth = 0
    for match in _TOKEN.finditer(text):
        command, plain, other = match.groups()
        if command is not None and command not in _COMMANDS:
            raise ValueError(f"'\\{command}' is not allowed in a display name (allowed: "
                             "letters, digits, _^{}', \\mathrm...)")
        if other is not None:
            raise ValueError(f"character {other!r} is not allowed in a display name")
        if plain == "{":
            depth += 1
        elif plain == "}":
            depth -= 1
            if depth < 0:
                break
    if depth != 0:
        raise ValueError("unbalanced braces in a display name")


def _part(text: str) -> str:
    """One piece of a name (its base or a subscript) with the upright rule applied."""
    primes = len(text) - len(text.rstrip("'"))
    core, tail = text.rstrip("'"), "'" * primes
    if not core:
        return tail
    if core.lower() in _GREEK or core in greek_letters_set:
        return "\\" + core + tail
    if core.isdigit() or len(core) == 1:
        return core + tail
    if len(core) == 2 and core[0] == "d" and core[1].isalpha():
        return r"\mathrm{d}" + core[1] + tail  # dy, dW: a differential
    return r"\mathrm{" + core + "}" + tail


def name_latex(name: str) -> str:
    """LaTeX of a symbol or tensor name (a plain identifier, or LaTeX given by a file)."""
    if not _PLAIN.match(name):
        return name  # LaTeX already (a declared display name, checked at load time)
    primes = "'" * (len(name) - len(name.rstrip("'")))
    base, *subs = name.rstrip("'").split("_")
    if not subs:
        return _part(base) + primes
    # a prime belongs to the letter: t_h' is t'_h
    return f"{_part(base)}{primes}_{{{','.join(_part(s) for s in subs)}}}"


def name_text(name: str) -> str:
    """A name for plain text (terminal): the identifier itself, Greek spelled out.

    >>> name_text("C_in"), name_text("sigma_g")
    ('C_in', 'σ_g')
    """
    base, _, rest = name.partition("_")
    greek = {"sigma": "σ", "epsilon": "ε", "lambda": "λ", "mu": "μ", "phi": "φ", "delta": "δ",
             "alpha": "α", "beta": "β", "eta": "η", "theta": "θ"}
    return greek.get(base, base) + (f"_{rest}" if rest else "")
