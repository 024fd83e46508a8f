"""Unicode and LaTeX clean-up before lexing: one canonical ASCII spelling of an answer.

Students paste answers from word processors, phones and LaTeX.  Before the
lexer sees anything, the text is bounded in length, superscripts become
powers, Unicode is NFKC-normalised (fullwidth ``ｅｖａｌ`` becomes ``eval``,
which the parser then refuses like any unknown name), math symbols become
ASCII operators, Greek letters become their names and LaTeX wrappers
(``$...$``, ``\\text{...}``, ``{,}``) are unwrapped.  Anything left outside
printable ASCII is rejected.

Examples
--------
>>> normalize("c_o × ⌊(h − k)/s⌋ + 1")
'c_o * \\\\lfloor (h - k)/s\\\\rfloor  + 1'
>>> normalize("h²·w")
'h^(2)*w'
>>> normalize("$73{,}856$")
'73,856'
>>> normalize("σ_x")
'sigma_x'
"""

from __future__ import annotations

import re
import unicodedata

from symconv.grading.limits import DEFAULT_LIMITS, InvalidAnswer, Limits

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_SUPER_RUN = re.compile("[⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]+")
_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
_SUB_RUN = re.compile("[₀₁₂₃₄₅₆₇₈₉]+")

# Characters NFKC leaves alone but students use as operators.
_SYMBOLS = {
    "×": "*", "⋅": "*", "·": "*", "∙": "*", "∗": "*", "✕": "*",
    "÷": "/", "∕": "/",
    "−": "-", "–": "-", "—": "-", "‐": "-", "‑": "-",
    "⌊": r"\lfloor ", "⌋": r"\rfloor ", "⌈": r"\lceil ", "⌉": r"\rceil ",
    "√": r"\sqrt ", "≤": "<=", "≥": ">=", "≠": "!=", "π": "pi",
    "\u200b": "", "\ufeff": "",
}

_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "η": "eta",
    "θ": "theta", "λ": "lambda", "μ": "mu", "ν": "nu", "ρ": "rho", "σ": "sigma",
    "τ": "tau", "φ": "phi", "ω": "omega", "Δ": "Delta", "Σ": "Sigma",
}

# \text{in} -> in ; \operatorname{floor} -> floor (content must be a plain word).
_WRAPPERS = re.compile(
    r"\\(?:text|textrm|textit|mathrm|mathit|mathbf|mathsf|operatorname|boldsymbol)"
    r"\s*\{\s*([A-Za-z0-9_ ]*)\s*\}"
)
_THOUSANDS_SPACE = re.compile(r"(?<=\d),\s*\\!\s*(?=\d)")
_DELIMITERS = re.compile(r"^\s*(\$\$|\$|\\\(|\\\[)(.*?)(\$\$|\$|\\\)|\\\])\s*$", re.S)


def normalize(text: str, limits: Limits = DEFAULT_LIMITS) -> str:
    """Canonical ASCII text of an answer, or :class:`InvalidAnswer` with the reason."""
    if not isinstance(text, str):
        raise InvalidAnswer("not_text", f"the answer must be text, not {type(text).__name__}")
    if len(text) > limits.max_length:
        raise InvalidAnswer(
            "too_long", f"the answer is {len(text):,} characters long (at most "
            f"{limits.max_length:,} are read)"
        )
    if not text.isascii():  # most answers are plain ASCII: nothing of this to do
        text = _SUPER_RUN.sub(lambda m: "^(" + m.group().translate(_SUPERSCRIPTS) + ")", text)
        text = _SUB_RUN.sub(lambda m: "_" + m.group().translate(_SUBSCRIPTS), text)
        for char, name in _GREEK.items():
            text = text.replace(char, name)
        text = unicodedata.normalize("NFKC", text)
        for char, repl in _SYMBOLS.items():
            text = text.replace(char, repl)
    text = text.replace("\t", " ").replace("\n", " ").replace("\r", " ")
    if not (text.isascii() and text.isprintable()):
        for i, char in enumerate(text):
            if not (" " <= char <= "~"):
                name = unicodedata.name(char, "unknown")
                raise InvalidAnswer("bad_character",
                                    f"unexpected character {char!r} ({name}) at position {i + 1}")
    match = _DELIMITERS.match(text)
    if match and match.group(2).strip():
        text = match.group(2)
    text = text.replace("{,}", ",")
    text = _THOUSANDS_SPACE.sub(",", text)  # 73,\!856 (LaTeX's negative space after a comma)
    text = _WRAPPERS.sub(lambda m: m.group(1).replace(" ", ""), text)
    return text.strip()
