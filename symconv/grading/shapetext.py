r"""Splitting a shape answer into its components, before any component is parsed.

Students write shapes in many ways: ``(10, 31, 31)``, ``[10,31,31]``,
``31x31x10``, ``31 × 31 × 10``, ``31 \times 31 \times 10``,
``c_o x (h-k+1) x (w-k+1)``, ``\left(10, 31, 31\right)``, ``$(10, 31, 31)$``,
``(C, H, W) = (10, 31, 31)``.  This module only finds the separators: it scans
the raw text once, tracking bracket depth, and returns the text of each
component; every component is then read by the ordinary safe parser (and its
limits).  Nothing is evaluated here.

Rules:

* a comma at bracket depth 0 separates components (inside a tuple ``(a, b)``
  commas are never thousands separators; a bare ``73,856`` is a number);
* without such commas, ``×``, ``\times`` and a standalone ``x``/``X`` separate
  components (``x`` only when it is not a symbol of the question, and only
  between numbers, brackets or spaces: ``h_x`` and ``max`` are names);
* ``(a, b)`` with a comma inside a component is a nested tuple
  (``((0, 3), (1, 4))``); ``(a,)`` is a 1-tuple;
* in ``lhs = rhs`` chains the last part is the answer.

Examples
--------
>>> split_shape("(10, 31, 31)")
['10', '31', '31']
>>> split_shape(r"31 \times 31 \times 10")
['31', '31', '10']
>>> split_shape("c_o x (h-k+1) x (w-k+1)")
['c_o', '(h-k+1)', '(w-k+1)']
>>> split_shape(r"$\left[ 10,31,31 \right]$")
['10', '31', '31']
>>> split_shape("((0, 3), (1, 4))")
[['0', '3'], ['1', '4']]
>>> split_shape("73,856") is None, split_shape("max(h, w)") is None, split_shape("2x", {"x"})
(True, True, None)
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Union

from symconv.grading.limits import DEFAULT_LIMITS, InvalidAnswer, Limits

#: A split answer: component texts, or nested lists of them.
Parts = list[Union[str, "Parts"]]

_OPEN = {"(": ")", "[": "]", "{": "}", r"\{": r"\}", r"\lfloor": r"\rfloor",
         r"\lceil": r"\rceil", r"\langle": r"\rangle", "⌊": "⌋", "⌈": "⌉"}
_CLOSE = set(_OPEN.values())
_TIMES = {"×", "✕", "⨯", r"\times"}
_SIZING = {r"\left", r"\right", r"\bigl", r"\bigr", r"\Bigl", r"\Bigr", r"\big", r"\Big",
           r"\biggl", r"\biggr", r"\Biggl", r"\Biggr"}
_LEXEME = re.compile(r"\\[A-Za-z]+|\\.|.", re.S)
_DELIMITERS = re.compile(r"^\s*(\$\$|\$|\\\(|\\\[)(.*?)(\$\$|\$|\\\)|\\\])\s*$", re.S)
_THOUSANDS = re.compile(r"^\s*\d{1,3}(,\d{3})+\s*$")


def split_shape(text: str, known: Collection[str] = (),
                limits: Limits = DEFAULT_LIMITS, thousands: bool = True) -> Parts | None:
    """The components of ``text`` if it is written as a tuple/shape, else None.

    ``thousands=False`` (an answer to a tuple question): ``128,128,128`` is a tuple,
    not a number with thousands separators.
    """
    found = split_with_separator(text, known, limits, thousands)
    return None if found is None else found[1]


def split_with_separator(text: str, known: Collection[str] = (),
                         limits: Limits = DEFAULT_LIMITS,
                         thousands: bool = True) -> tuple[str, Parts] | None:
    """``(separator, components)``, or None if ``text`` is not written as a tuple.

    The separator is ``"(,)"`` for commas inside brackets, ``","`` for bare commas
    and ``"x"`` for any times sign.

    >>> split_with_separator("C_in x H x W"), split_with_separator("(1,2)")
    (('x', ['C_in', 'H', 'W']), ('(,)', ['1', '2']))
    >>> split_with_separator("128,128,128"), split_with_separator("128,128,128", thousands=False)
    (None, (',', ['128', '128', '128']))
    """
    if not isinstance(text, str):
        return None
    if len(text) > limits.max_length:
        raise InvalidAnswer("too_long", f"the answer is {len(text):,} characters long (at most "
                            f"{limits.max_length:,} are read)")
    match = _DELIMITERS.match(text)
    if match and match.group(2).strip():
        text = match.group(2)
    lexemes = _lex(text)
    lexemes = _last_equation_side(lexemes)
    return _split(lexemes, frozenset(known), limits, 0, thousands)


Lexeme = tuple[str, int]  # (text, position)


def _lex(text: str) -> list[Lexeme]:
    """Characters and LaTeX commands, with sizing commands (``\\left``) dropped."""
    out = [(m.group(), m.start()) for m in _LEXEME.finditer(text)]
    return [lx for lx in out if lx[0] not in _SIZING]


def _join(lexemes: list[Lexeme]) -> str:
    # A command directly followed by a letter must stay separated from it (\cdot h).
    parts: list[str] = []
    for i, (lx, _) in enumerate(lexemes):
        parts.append(lx)
        if lx.startswith("\\") and lx[1:].isalpha() and i + 1 < len(lexemes) \
                and lexemes[i + 1][0].isalpha():
            parts.append(" ")
    return "".join(parts).strip()


def _depths(lexemes: list[Lexeme]) -> list[int]:
    """Bracket depth before each lexeme (never below 0: the parser reports mismatches)."""
    depth, out = 0, []
    for lx, _ in lexemes:
        if lx in _CLOSE:
            depth = max(depth - 1, 0)
        out.append(depth)
        if lx in _OPEN:
            depth += 1
    return out


def _last_equation_side(lexemes: list[Lexeme]) -> list[Lexeme]:
    """``(C, H, W) = (10, 31, 31)`` -> the part after the last top-level ``=``."""
    depths = _depths(lexemes)
    cut = -1
    for i, (lx, _) in enumerate(lexemes):
        if lx == "=" and depths[i] == 0:
            prev = lexemes[i - 1][0] if i else ""
            nxt = lexemes[i + 1][0] if i + 1 < len(lexemes) else ""
            if prev not in "<>!=" and nxt != "=":
                cut = i
    return lexemes[cut + 1:] if cut >= 0 else lexemes


def _strip_space(lexemes: list[Lexeme]) -> list[Lexeme]:
    start, end = 0, len(lexemes)
    while start < end and lexemes[start][0].isspace():
        start += 1
    while end > start and lexemes[end - 1][0].isspace():
        end -= 1
    return lexemes[start:end]


def _wrapped(lexemes: list[Lexeme]) -> bool:
    """The whole text is one bracket pair: its first opener closes at the very end."""
    if len(lexemes) < 2 or lexemes[0][0] not in ("(", "[", "{", r"\{", r"\langle"):
        return False
    if lexemes[-1][0] != _OPEN[lexemes[0][0]]:
        return False
    depth = 0
    for i, (lx, _) in enumerate(lexemes):
        if lx in _OPEN:
            depth += 1
        elif lx in _CLOSE:
            depth -= 1
            if depth == 0:
                return i == len(lexemes) - 1
    return False


def _split(lexemes: list[Lexeme], known: frozenset[str], limits: Limits,
           level: int, thousands: bool = True) -> tuple[str, Parts] | None:
    lexemes = _strip_space(lexemes)
    wrapped = _wrapped(lexemes)
    inner = lexemes[1:-1] if wrapped else lexemes
    commas = _cut(inner, lambda i, lx, depths: lx == "," and depths[i] == 0)
    if len(commas) > 1:
        if thousands and not wrapped and _THOUSANDS.match(_join(inner)):
            return None  # 73,856 is a number
        if wrapped and not _strip_space(commas[-1]):
            commas = commas[:-1]  # "(5,)": a 1-tuple
        return "(,)" if wrapped else ",", _components(commas, known, limits, level)
    times = _cut(inner, lambda i, lx, depths: depths[i] == 0 and _is_times(inner, i, known))
    if len(times) > 1:
        return "x", _components(times, known, limits, level)
    return None


def _components(groups: list[list[Lexeme]], known: frozenset[str], limits: Limits,
                level: int) -> Parts:
    if len(groups) > limits.max_components:
        raise InvalidAnswer("too_long", f"the answer has more than {limits.max_components} "
                            "components")
    if level >= limits.max_depth:
        raise InvalidAnswer("too_deep", "the tuples are nested too deeply")
    out: Parts = []
    for group in groups:
        group = _strip_space(group)
        nested = _split(group, known, limits, level + 1) if _wrapped(group) else None
        # Inside a tuple only commas nest: "((31 × 31), 10)" has the product 31*31 first.
        out.append(nested[1] if nested is not None and nested[0] != "x" else _join(group))
    return out


def _cut(lexemes: list[Lexeme], is_separator: object) -> list[list[Lexeme]]:
    depths = _depths(lexemes)
    groups: list[list[Lexeme]] = [[]]
    for i, lx in enumerate(lexemes):
        if is_separator(i, lx[0], depths):  # type: ignore[operator]
            groups.append([])
        else:
            groups[-1].append(lx)
    return groups


def _is_times(lexemes: list[Lexeme], i: int, known: frozenset[str]) -> bool:
    """``×``, ``\\times``, or an ``x`` standing between numbers, brackets or spaces."""
    lx = lexemes[i][0]
    if lx in _TIMES:
        return True
    if lx not in ("x", "X") or lx in known:
        return False
    prev = lexemes[i - 1][0] if i > 0 else ""
    nxt = lexemes[i + 1][0] if i + 1 < len(lexemes) else ""
    if not prev or not nxt:
        return False
    prev_ok = prev.isdigit() or prev.isspace() or prev in _CLOSE
    next_ok = nxt.isdigit() or nxt.isspace() or nxt in _OPEN or (
        nxt.startswith("\\") and len(nxt) > 1)
    return prev_ok and next_ok
