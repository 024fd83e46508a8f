"""A question's notation: its symbol and tensor names, index base, axis order and term order.

Question files declare notation in a ``[notation]`` table (for the whole
assignment) and a ``[question.notation]`` table (for one question, merged over
the assignment's).  Every field is optional:

``names``       display name of a symbol, ``{ C_in = "C_{\\mathrm{in}}", o_h = "i" }``
``tensors``     names of the tensors a derivation uses, by role: ``input``, ``weight``,
                ``output``, ``bias``, ``grad_output``, ``grad_input``, ``grad_weight``,
                ``grad_bias`` (``{ input = "X", grad_output = "dY" }``)
``index_base``  0 (the default, as torch) or 1 (``W_{h,l}`` with ``1 <= h <= k``)
``layout``      axis order of shapes, letters ``N`` (batch) ``C`` (channels) and the
                spatial axes ``D H W`` (or ``L``): ``"CHW"`` (torch, the default),
                ``"HWC"``, ``"NCHW"``, ``"HW"`` (single-channel: no channel axis)
``batch``       whether shapes carry the batch axis (default: when the question has a batch)
``order``       symbol names in the order sums and products should list them

:func:`use` makes a notation current; every printer of :mod:`symconv.notation`
reads the current one, so a key's LaTeX, its Markdown and a notebook's display
agree.

Examples
--------
>>> n = Notation.from_table({"layout": "HWC", "names": {"C_in": "C"}, "index_base": 1})
>>> n.layout, n.index_base, n.names["C_in"]
('HWC', 1, 'C')
>>> with use(n):
...     current().layout
'HWC'
>>> current().layout
'CHW'
>>> Notation.from_table({"layout": "HXW"})
Traceback (most recent call last):
...
ValueError: layout: 'HXW' is not an axis order (letters N, C and D/H/W or L, each once, e.g. "HWC")
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any

from symconv.notation.names import check_display_name

#: Roles a derivation's tensors may be named by.
TENSOR_ROLES = ("input", "weight", "output", "bias", "grad_output", "grad_input", "grad_weight",
                "grad_bias")
#: Fields of a ``[notation]`` table.
FIELDS = ("names", "tensors", "index_base", "layout", "batch", "order")
MAX_NAMES = 200


@dataclass(frozen=True)
class Notation:
    """How one question writes its mathematics (see the module docstring)."""

    names: Mapping[str, str] = field(default_factory=dict)
    tensors: Mapping[str, str] = field(default_factory=dict)
    index_base: int = 0
    layout: str = "CHW"
    batch: bool | None = None
    order: tuple[str, ...] = ()
    #: Role of each symbol of the question (``size``, ``kernel``, ``in_channels``...):
    #: derived from its layer table, never declared.
    roles: Mapping[str, str] = field(default_factory=dict)
    #: True when the question declared ``layout`` (shapes then follow it exactly).
    layout_declared: bool = False

    @classmethod
    def from_table(cls, table: Any, base: Notation | None = None) -> Notation:
        """A notation from a ``[notation]`` table, over ``base`` (``ValueError`` names the field)."""
        base = base or cls()
        if table is None:
            return base
        if not isinstance(table, Mapping):
            raise ValueError(f"expected a table with fields {', '.join(FIELDS)}, got {table!r}")
        for key in table:
            if key not in FIELDS:
                raise ValueError(f"{key}: unknown field (known: {', '.join(FIELDS)})")
        changes: dict[str, Any] = {}
        if "names" in table:
            names = _name_table(table["names"], "names")
            changes["names"] = {**base.names, **names}
        if "tensors" in table:
            tensors = _name_table(table["tensors"], "tensors")
            for role in tensors:
                if role not in TENSOR_ROLES:
                    raise ValueError(f"tensors.{role}: unknown role (known: "
                                     f"{', '.join(TENSOR_ROLES)})")
            changes["tensors"] = {**base.tensors, **tensors}
        if "index_base" in table:
            ib = table["index_base"]
            if ib not in (0, 1) or isinstance(ib, bool):
                raise ValueError(f"index_base: expected 0 or 1, got {ib!r}")
            changes["index_base"] = int(ib)
        if "layout" in table:
            lay = table["layout"]
            if not _is_layout(lay):
                raise ValueError(f"layout: {lay!r} is not an axis order (letters N, C and D/H/W "
                                 'or L, each once, e.g. "HWC")')
            changes["layout"] = lay
            changes["layout_declared"] = True
        if "batch" in table:
            if not isinstance(table["batch"], bool):
                raise ValueError(f"batch: expected true or false, got {table['batch']!r}")
            changes["batch"] = table["batch"]
        if "order" in table:
            order = table["order"]
            if not isinstance(order, list) or not all(isinstance(o, str) for o in order) \
                    or len(order) > MAX_NAMES:
                raise ValueError("order: expected a list of symbol names")
            changes["order"] = tuple(order)
        return replace(base, **changes)

    def with_roles(self, roles: Mapping[str, str]) -> Notation:
        """The same notation knowing the role of each of the question's symbols."""
        return replace(self, roles={**self.roles, **roles})

    def tensor(self, role: str, default: str) -> str:
        """The display name (LaTeX) of the tensor playing ``role``."""
        from symconv.notation.names import name_latex

        return name_latex(self.tensors.get(role, default))

    @property
    def shows_batch(self) -> bool | None:
        """True/False when the notation decides whether shapes carry the batch axis."""
        if "N" in self.layout:
            return True
        return self.batch


def _is_layout(lay: Any) -> bool:
    if not isinstance(lay, str) or not lay or len(set(lay)) != len(lay):
        return False
    if set(lay) - set("NCDHWL") or ("L" in lay and set(lay) & set("DHW")):
        return False
    return bool(set(lay) & set("DHWL"))


def _name_table(raw: Any, what: str) -> dict[str, str]:
    if not isinstance(raw, Mapping):
        raise ValueError(f"{what}: expected a table name = display name, got {raw!r}")
    if len(raw) > MAX_NAMES:
        raise ValueError(f"{what}: more than {MAX_NAMES} entries")
    out = {}
    for key, value in raw.items():
        if not isinstance(value, str):
            raise ValueError(f"{what}.{key}: expected text, got {value!r}")
        try:
            check_display_name(value)
        except ValueError as exc:
            raise ValueError(f"{what}.{key}: {exc}") from None
        out[str(key)] = value
    return out


def merge_tables(outer: Any, inner: Any) -> Any:
    """An assignment's ``[notation]`` table with a question's over it (names merged too).

    >>> merge_tables({"layout": "HWC", "names": {"a": "A"}}, {"names": {"b": "B"}})
    {'layout': 'HWC', 'names': {'a': 'A', 'b': 'B'}}
    """
    if not isinstance(outer, Mapping) or not isinstance(inner, Mapping):
        return inner if inner is not None else outer
    out = dict(outer)
    for key, value in inner.items():
        if key in ("names", "tensors") and isinstance(value, Mapping) and isinstance(
                out.get(key), Mapping):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


DEFAULT = Notation()
_CURRENT: ContextVar[Notation] = ContextVar("symconv_notation", default=DEFAULT)


def current() -> Notation:
    """The notation printers use now (the default outside :func:`use`)."""
    return _CURRENT.get()


@contextmanager
def use(notation: Notation | None) -> Iterator[Notation]:
    """Make ``notation`` current inside the ``with`` block (None: keep the current one)."""
    if notation is None:
        yield current()
        return
    token = _CURRENT.set(notation)
    try:
        yield notation
    finally:
        _CURRENT.reset(token)
