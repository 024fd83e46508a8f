"""Question kinds: what a question asks the engine to derive, and how to show it.

Each kind validates its fields when the file is loaded, derives a
:class:`Derivation` (solution steps, the main answer and every asked value)
by calling the engine, and runs the checks that fit its instance.  Kinds
are registered by name; the ``kind`` field of a question picks one.

Examples
--------
>>> 'layer' in KINDS and 'prose' in KINDS
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from symconv.solution import Check


@dataclass
class Derivation:
    """A question's derived steps, its main answer and every asked value by name."""

    steps: list[Any]
    answer: Any
    answers: dict[str, Any] = field(default_factory=dict)


class Kind:
    """Base class: a kind declares its fields and derives questions of that kind."""

    name = ""
    #: Fields of this kind: name -> what it holds (for errors and the docs).
    fields: dict[str, str] = {}

    def validate(self, q: Any) -> None:
        """Raise ``q.error(field, message)`` for anything wrong; called at load time."""

    def derive(self, q: Any) -> Derivation:
        raise NotImplementedError

    def checks(self, q: Any, derivation: Derivation, use_torch: bool) -> list[Check]:
        """Independent checks on the question's instance (none by default)."""
        return []

    def expected(self, q: Any) -> sp.Basic:
        return as_basic(q, self.derive(q).answer)

    def conditions(self, q: Any) -> tuple[sp.Basic, ...]:
        return ()

    def vary(self, q: Any, stream: Any) -> dict[str, Any] | None:
        """New ``values`` for a variant, drawn from ``stream`` where ``vary`` allows (None:
        nothing varies); see :mod:`symconv.keys.variants`."""
        from symconv.keys.variants import vary_values

        return vary_values(q, stream, self.instance_ok)

    def instance_ok(self, q: Any, values: dict[str, Any]) -> bool:
        """Whether ``values`` give a valid instance of the question."""
        return True


def as_basic(q: Any, answer: Any) -> Any:
    """A derived answer as SymPy, never parsing text.

    ``sp.sympify`` would parse (and evaluate) text such as a table's row labels, which
    include layer names from the question file.
    """
    if answer is None or isinstance(answer, sp.Basic):
        return answer
    if isinstance(answer, bool):
        return sp.true if answer else sp.false
    if isinstance(answer, int):
        return sp.Integer(answer)
    if isinstance(answer, tuple | list):
        return sp.Tuple(*(as_basic(q, a) for a in answer))
    if isinstance(answer, sp.MatrixBase):  # a filter or a vector (calculus): what sympify gave
        return sp.ImmutableMatrix(answer)
    raise q.error("answer", f"the main answer holds {type(answer).__name__} "
                  f"{str(answer)[:40]!r}: there is no expression to grade against")


KINDS: dict[str, Kind] = {}


def register(cls: type[Kind]) -> type[Kind]:
    """Class decorator adding a kind to :data:`KINDS`."""
    KINDS[cls.name] = cls()
    return cls


def get_kind(name: str) -> Kind:
    return KINDS[name]


def calculus_steps(module: str, attr: str) -> Callable[..., Any] | None:
    """An engine function from :mod:`symconv.calculus`, or None while it is missing."""
    import importlib

    try:
        mod = importlib.import_module(f"symconv.calculus.{module}")
    except ImportError:
        return None
    return getattr(mod, attr, None)


# Importing the modules registers their kinds.
from symconv.keys.kinds import calculus, layer, network, prose  # noqa: E402,F401
