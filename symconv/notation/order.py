"""The order in which sums list their terms and products their factors.

SymPy sorts terms alphabetically, which gives ``-K_1 + 2P + W``; a person
writes ``W + 2P - K_1``: the input size first, positive terms before negative
ones, constants last.  Products list numbers first, then the symbols by their
role (batch, output channels, output sizes, input channels, input sizes,
kernel...), then compound factors.  A symbol's role comes from the question
(``kernel_size = "k"`` makes ``k`` a kernel size), from its name when no
question says, and a question may impose its own ``order``.

Examples
--------
>>> import sympy as sp
>>> from symconv.symbols import sym
>>> h, k, p, n = sym("h"), sym("k"), sym("p"), sym("n")
>>> [str(t) for t in ordered_terms(h - k + 2 * p)]
['h', '2*p', '-k']
>>> [str(t) for t in ordered_terms(n - k + 1)]
['n', '-k', '1']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sympy as sp

from symconv.notation.context import Notation, current

#: Rank of a role in a sum: the input size first (h + 2p - k).
ADD_RANK = {"size": 0, "size_out": 1, "in_features": 2, "in_channels": 2, "channels": 2,
            "features": 2, "out_channels": 3, "out_features": 3, "batch": 4, "padding": 5,
            "output_padding": 5, "kernel": 6, "dilation": 7, "stride": 8, "groups": 9,
            "other": 10}
#: Rank of a role in a product: outputs before the cost of each (c_o h_out w_out c_i k^2).
MUL_RANK = {"batch": 0, "out_channels": 1, "out_features": 1, "size_out": 2, "in_channels": 3,
            "channels": 3, "in_features": 3, "features": 3, "size": 4, "kernel": 5, "padding": 6,
            "output_padding": 6, "dilation": 7, "stride": 8, "groups": 9, "other": 10}
_STEM_ROLES = {"h": "size", "w": "size", "n": "size", "l": "size", "x": "size", "p": "padding",
               "pad": "padding", "k": "kernel", "s": "stride", "d": "dilation", "c": "channels",
               "f": "channels", "b": "batch"}
_PADDING_STEMS = {"p", "q", "pad", "padding", "op", "output"}
_INDEX_LETTERS = "bfcomijtua"


def is_index(s: sp.Basic) -> bool:
    """An index variable of a derivation (a non-negative integer that is not a size).

    >>> from symconv.calculus.indexing import index
    >>> from symconv.symbols import sym
    >>> is_index(index("t_h")), is_index(sym("p")), is_index(sym("k"))
    (True, False, False)
    """
    if not isinstance(s, sp.Symbol) or not (s.is_integer and s.is_nonnegative):
        return False
    if s.is_positive:
        return False
    return s.name.split("_")[0].rstrip("'").lower() not in _PADDING_STEMS


def role_of(s: sp.Symbol, notation: Notation) -> str:
    """The role of ``s``: from the question, else guessed from its name (display order only)."""
    name = s.name
    if name in notation.roles:
        return notation.roles[name]
    if name.endswith("_out"):
        return "size_out"
    stem = name.split("_")[0].lower()
    return _STEM_ROLES.get(stem, "other")


def symbol_rank(s: sp.Symbol, table: Mapping[str, int], notation: Notation) -> tuple[Any, ...]:
    """Sort key of one symbol: declared order, then index letters, then role, then name."""
    if s.name in notation.order:
        return (-1000 + notation.order.index(s.name), s.name)
    if is_index(s):
        letter = s.name[0].lower()
        pos = _INDEX_LETTERS.index(letter) if letter in _INDEX_LETTERS else len(_INDEX_LETTERS)
        offset = -100 if table is ADD_RANK else 100
        return (offset + pos, s.name)
    return (table.get(role_of(s, notation), 10), s.name)


def _symbols(term: sp.Basic) -> list[sp.Symbol]:
    return [s for s in term.free_symbols if isinstance(s, sp.Symbol)]


def term_key(term: sp.Basic, notation: Notation | None = None) -> tuple[Any, ...]:
    """Sort key of a term of a sum: positive before negative before constant, then by rank."""
    notation = notation or current()
    symbols = _symbols(term)
    if not symbols:
        group = 2
    else:
        group = 1 if term.could_extract_minus_sign() else 0
    ranks = sorted(symbol_rank(s, ADD_RANK, notation) for s in symbols)
    return (group, ranks, -len(ranks), sp.default_sort_key(term))


def _polynomial(expr: sp.Add, notation: Notation) -> bool:
    """A polynomial in symbols without a role (``z_1 z_2^2 + ...``): ordered by degree."""
    symbols = _symbols(expr)
    return bool(symbols) and all(
        role_of(s, notation) == "other" and not is_index(s) and s.name not in notation.order
        for s in symbols) and all(t.is_polynomial(*symbols) for t in expr.args)


def ordered_terms(expr: sp.Add, notation: Notation | None = None) -> list[sp.Basic]:
    """The terms of a sum in reading order."""
    notation = notation or current()
    if _polynomial(expr, notation):
        gens = sorted(_symbols(expr), key=lambda s: s.name)
        return sorted(expr.args, key=lambda t: (
            -sp.Poly(t, *gens).total_degree(), [-d for d in sp.Poly(t, *gens).monoms()[0]]))
    return sorted(expr.args, key=lambda t: term_key(t, notation))


def _simple(factor: sp.Basic) -> bool:
    if isinstance(factor, sp.Symbol | sp.Indexed):
        return True
    return bool(isinstance(factor, sp.Pow) and isinstance(factor.base, sp.Symbol | sp.Indexed)
                and factor.exp.is_number)


def factor_key(factor: sp.Basic, notation: Notation | None = None) -> tuple[Any, ...]:
    """Sort key of a factor of a product: numbers, then symbols by role, then the rest."""
    notation = notation or current()
    if factor.is_number:
        return (0, (), sp.default_sort_key(factor))
    if _simple(factor):
        base = factor.base if isinstance(factor, sp.Pow) else factor
        if isinstance(base, sp.Indexed):
            return (2, (str(base.base),), sp.default_sort_key(factor))
        return (1, symbol_rank(base, MUL_RANK, notation), sp.default_sort_key(factor))
    return (3, (), sp.default_sort_key(factor))


def ordered_factors(factors: Iterable[sp.Basic], notation: Notation | None = None) -> list[Any]:
    """Factors of a product in reading order."""
    return sorted(factors, key=lambda f: factor_key(f, notation))
