r"""Tokens of ASCII math and a LaTeX subset, from normalised text.

Each token records whether whitespace preceded it: the parser needs that to
read ``73 856`` as one number but reject ``7 3856`` as ambiguous.  LaTeX
commands are mapped to the same tokens as their ASCII spellings (``\cdot``
is ``*``, ``\le`` is ``<=``); spacing commands (``\,``, ``\quad``) count as
whitespace; sizing commands (``\left``, ``\big``) are dropped; any command
not listed here is rejected with its name, so ``\input{...}`` never reaches
anything.

Examples
--------
>>> [t.text for t in tokenize(r"\frac{h+2p-k}{s} \cdot c_{in}")][:-1]
['frac', '{', 'h', '+', '2', 'p', '-', 'k', '}', '{', 's', '}', '*', 'c_in']
>>> tokenize(r"\input{x}")
Traceback (most recent call last):
...
symconv.grading.limits.InvalidAnswer: unsupported LaTeX command \input
"""

from __future__ import annotations

import re
from typing import NamedTuple

from symconv.grading.limits import DEFAULT_LIMITS, InvalidAnswer, Limits

_NUMBER = re.compile(r"\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:_(?:\{[A-Za-z0-9]*\}|[A-Za-z0-9]+))*")
_COMMAND = re.compile(r"\\([A-Za-z]+|.)")
_INVISIBLE = re.compile(r"\s*\.")  # what str.lstrip() strips, then the dot
_SUBSCRIPT = re.compile(r"(?:_(?:\{[A-Za-z0-9]*\}|[A-Za-z0-9]+))*")

_SPACING = {",", ";", ":", "!", " ", "quad", "qquad", "thinspace", "medspace", "enspace"}
_SIZING = {"left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr",
           "biggl", "biggr", "Biggl", "Biggr", "middle", "displaystyle", "textstyle",
           "boxed"}  # \boxed{...}: its braces remain, a group
_AS_OPERATOR = {"cdot": "*", "times": "*", "ast": "*", "div": "/", "le": "<=", "leq": "<=",
                "leqslant": "<=", "ge": ">=", "geq": ">=", "geqslant": ">=", "lt": "<",
                "gt": ">", "ne": "!=", "neq": "!=", "{": "(", "}": ")", "lbrack": "[",
                "rbrack": "]"}
_AS_NAME = {"min", "max", "log", "ln", "exp", "lg", "pi", "alpha", "beta", "gamma", "delta",
            "epsilon", "varepsilon", "eta", "theta", "lambda", "mu", "nu", "rho", "sigma",
            "tau", "phi", "omega", "Delta", "Sigma"}
_BRACKETS = {"lfloor": "lfloor", "rfloor": "rfloor", "lceil": "lceil", "rceil": "rceil"}
_STRUCTURE = {"frac": "frac", "dfrac": "frac", "tfrac": "frac", "cfrac": "frac", "sqrt": "sqrt"}


class Token(NamedTuple):
    """``kind`` is ``num``, ``name``, ``op``, ``cmd`` (frac/sqrt), a bracket kind or ``end``."""

    kind: str
    text: str
    pos: int
    space_before: bool = False


#: One token and the spaces before it (group 1): one match per token.
_TOKEN = re.compile(
    r"( *)(?:(?P<num>" + _NUMBER.pattern + r")|(?P<name>" + _NAME.pattern
    + r")|(?P<cmd>\\)|(?P<op>\*\*|<=|>=|!=|==|[-+*/^%()\[\]{},=<>|]))"
)
_new_token = tuple.__new__  # Token(...) without the Python-level __new__ of a NamedTuple


#: The same tokens without commands, as (spaces, token) pairs for ``findall``: one call
#: reads a whole plain answer (the Python loop below then only classifies).
_PLAIN = re.compile(r"( *)(" + _NUMBER.pattern + "|" + _NAME.pattern
                    + r"|\*\*|<=|>=|!=|==|[-+*/^%()\[\]{},=<>|])")
#: Where the lexer splits a name after a number or bracket ("3x3x64"): the general path.
_TIMES_X = re.compile(r"[\d.)\]][xX]\d")
#: The kind of a token of _PLAIN by its first character.
_KIND = {**dict.fromkeys("0123456789.", "num"),
         **dict.fromkeys("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", "name")}


def tokenize(text: str, limits: Limits = DEFAULT_LIMITS) -> list[Token]:
    """Tokens of ``text`` (already normalised), ending with an ``end`` token."""
    if "\\" not in text and _TIMES_X.search(text) is None:
        tokens = _plain_tokens(text, limits)
        if tokens is not None:
            return tokens
    return _tokens(text, limits)


def _plain_tokens(text: str, limits: Limits) -> list[Token] | None:
    """The tokens of text without commands or a split ``x``, from one ``findall``; None
    where something is not a token (the general path then reports where)."""
    found = _PLAIN.findall(text)
    if len(found) > limits.max_tokens:
        # the general path raises too_long at the first token past the limit, or a bad
        # character before it
        return None
    tokens: list[Token] = []
    append = tokens.append
    kinds = _KIND
    new = _new_token
    i = 0
    for spaces, value in found:
        pos = i + len(spaces)
        i = pos + len(value)
        kind = kinds.get(value[0], "op")
        if kind == "name":
            if "{" in value:
                value = value.replace("{", "").replace("}", "")
        elif value == "**":
            value = "^"
        append(new(Token, (kind, value, pos, spaces != "")))
    rest = text[i:]
    if rest and rest.strip(" "):
        return None  # a character that starts no token (findall skipped it)
    append(new(Token, ("end", "", len(text), rest != "")))
    return tokens


def _tokens(text: str, limits: Limits) -> list[Token]:
    tokens: list[Token] = []
    append = tokens.append
    i, n, space = 0, len(text), False
    match_at = _TOKEN.match
    most = limits.max_tokens
    while i < n:
        match = match_at(text, i)
        if match is None:
            rest = len(text) - len(text[i:].lstrip(" "))
            if rest == n:  # only spaces to the end
                space = True
                break
            raise InvalidAnswer("bad_character",
                                f"unexpected character {text[rest]!r} at position {rest + 1}")
        start = match.end(1)
        if start > i:
            space = True
        kind = match.lastgroup or "op"  # never None: every alternative is named
        if kind == "cmd":
            i, space = _command(text, start, tokens, space)
            continue
        value = match.group(kind)
        if kind == "name":
            if value[0] in "xX" and value[1:2].isdigit() and not space and tokens \
                    and (tokens[-1].kind == "num" or tokens[-1].text in (")", "]")):
                # "3x3x64": a times sign between numbers, not a name x3x64
                append(_new_token(Token, ("name", value[0], start, False)))
                i = start + 1
                continue
            if "{" in value:
                value = value.replace("{", "").replace("}", "")
        elif value == "**":
            value = "^"
        append(_new_token(Token, (kind, value, start, space)))
        if len(tokens) > most:
            _check_count(tokens, limits)
        i, space = match.end(), False
    append(_new_token(Token, ("end", "", n, space)))
    return tokens


def _check_count(tokens: list[Token], limits: Limits) -> None:
    if len(tokens) > limits.max_tokens:
        raise InvalidAnswer("too_long", f"the answer has more than {limits.max_tokens} symbols")


def _command(text: str, i: int, tokens: list[Token], space: bool) -> tuple[int, bool]:
    match = _COMMAND.match(text, i)
    if match is None:
        raise InvalidAnswer("bad_character", "a lone backslash at the end of the answer")
    name, end = match.group(1), match.end()
    if name in _SPACING:
        return end, True
    if name in _SIZING:
        # \left. and \right. are invisible delimiters (matched in place: slicing off the
        # rest of the text at every \left made long LaTeX answers quadratic)
        dot = _INVISIBLE.match(text, end)
        if dot is not None:
            end = dot.end()
        return end, space
    if name in _AS_OPERATOR:
        tokens.append(Token("op", _AS_OPERATOR[name], i, space))
    elif name in _AS_NAME:
        sub = _SUBSCRIPT.match(text, end)  # \sigma_x, \log_2, \log_{10}
        if sub is not None and sub.group():
            name, end = name + sub.group().replace("{", "").replace("}", ""), sub.end()
        tokens.append(Token("name", name, i, space))
    elif name in _BRACKETS:
        tokens.append(Token(_BRACKETS[name], name, i, space))
    elif name in _STRUCTURE:
        tokens.append(Token("cmd", _STRUCTURE[name], i, space))
    else:
        shown = name if name.isalpha() else repr(name)
        raise InvalidAnswer("latex_command", f"unsupported LaTeX command \\{shown}")
    return end, False
