"""What each component of a shape is (channels, height, ...) and how to name a layout.

The engine's shapes are per sample and channels-first, PyTorch's ``(C, H, W)``
(``(C, D, H, W)`` in 3-d, ``(C, L)`` in 1-d).  A component's role comes from
its symbols (``c_o``/``C_out``/``F`` are channels, ``h``/``H`` height, ``w``/``W``
width, ``d``/``D`` depth, ``l``/``L`` length; kernel, stride and padding
symbols say nothing); when that does not give distinct roles, a 3- or
4-component shape is read positionally as ``(C, H, W)`` or ``(C, D, H, W)``.
Roles only change the wording of feedback, never a verdict.

Examples
--------
>>> from symconv.grading.parser import parse
>>> roles_of([parse("c_o"), parse("floor((h - k)/s) + 1"), parse("w - k + 1")], True)
['channels', 'height', 'width']
>>> roles_of([parse("10"), parse("31"), parse("31")], True)
['channels', 'height', 'width']
>>> roles_of([parse("k + 2"), parse("k + 2")], True) is None
True
>>> layout_name((1, 2, 0), ['channels', 'height', 'width'])
('channels-last (H×W×C)', 'channels_last')
>>> layout_name((2, 1, 0), ['channels', 'height', 'width'])
('W×H×C', 'W_H_C')
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence

from symconv.grading import nodes as N
from symconv.grading.domain import role

LETTER = {"channels": "C", "depth": "D", "height": "H", "width": "W", "length": "L",
          "batch": "N"}
_SIZE_STEMS = {"h": "height", "w": "width", "d": "depth", "l": "length"}
_CHANNEL_STEMS = {"f", "filters", "n_f"}
_POSITIONAL = {3: ["channels", "height", "width"], 4: ["channels", "depth", "height", "width"]}


def symbol_role(name: str) -> str | None:
    """The dimension a symbol measures, if it measures one.

    >>> symbol_role("C_out"), symbol_role("H_in"), symbol_role("k_h"), symbol_role("B")
    ('channels', 'height', None, 'batch')
    """
    kind = role(name)
    if kind in ("channels", "batch"):
        return kind
    stem = name.partition("_")[0].lower()
    if name.lower() in _CHANNEL_STEMS or stem in _CHANNEL_STEMS:
        return "channels"
    if kind == "size":
        return _SIZE_STEMS.get(stem)
    return None


def component_role(tree: N.Node) -> str | None:
    """The role of one component: the single role among its symbols, if any."""
    found = {r for r in (symbol_role(n) for n in tree.names()) if r is not None}
    return found.pop() if len(found) == 1 else None


def roles_of(trees: Sequence[N.Node], is_shape: bool) -> list[str] | None:
    """Roles of the components of a shape, or None when they cannot be told."""
    if not is_shape:
        return None
    found = [component_role(t) for t in trees]
    if None not in found and len(set(found)) == len(found):
        return [r for r in found if r is not None]
    if len(trees) in _POSITIONAL and found[0] in (None, "channels") and not any(
            r in ("channels", "batch") for r in found[1:]):
        return list(_POSITIONAL[len(trees)])
    if len(trees) == 2 and found[0] == "channels" and found[1] in (None, "length"):
        return ["channels", "length"]
    return None


def label(index: int, count: int, roles: Sequence[str] | None) -> str:
    """``component 2 of 3 (the height)``."""
    text = f"component {index + 1} of {count}"
    return text + f" (the {roles[index]})" if roles else text


def letters(order: Sequence[int], roles: Sequence[str]) -> str:
    return "×".join(LETTER.get(roles[j], "?") for j in order)


def layout_name(perm: Sequence[int], roles: Sequence[str] | None) -> tuple[str, str]:
    """(how to call the order ``perm`` of the reference's components, a note suffix)."""
    if roles is None:
        shown = ", ".join(str(j + 1) for j in perm)
        return f"the order ({shown}) of the expected components", "permuted"
    text = letters(perm, roles)
    if roles[0] == "channels" and tuple(perm) == tuple(range(1, len(perm))) + (0,):
        return f"channels-last ({text})", "channels_last"
    return text, text.replace("×", "_")


def reference_layout(roles: Sequence[str] | None, n: int) -> str:
    """How to call the reference's own order."""
    if roles is None:
        return "the order of the question"
    text = letters(range(n), roles)
    if roles[0] == "channels" and n > 1:
        return f"channels-first ({text}, PyTorch's order)"
    return text


def orders(n: int, limit: int = 6) -> Iterator[tuple[int, ...]]:
    """Non-identity orders, the usual mistakes first: channels last, reversed, then the rest."""
    if n < 2 or n > limit:
        return
    identity = tuple(range(n))
    preferred = [tuple(range(1, n)) + (0,), tuple(reversed(range(n)))]
    seen = {identity}
    for perm in itertools.chain(preferred, itertools.permutations(range(n))):
        if perm not in seen:
            seen.add(perm)
            yield perm
