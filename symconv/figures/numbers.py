"""The numbers a figure is drawn with: the question's values, or example values it names.

A figure needs an instance.  A question with ``values`` is drawn with them
(a student's variant with the student's numbers); a symbolic question names
example numbers in the figure's own ``values`` (``{ draw = "receptive_field",
values = { K = 3 } }``), which the caption states.

Examples
--------
>>> from symconv.keys.questions import question_from_table
>>> q = question_from_table("demo.toml", {"id": "a", "kind": "layer", "text": "?",
...     "layer": {"type": "Conv2d", "in_channels": 1, "out_channels": 1, "kernel_size": "k"},
...     "input": [1, 8, 8], "ask": ["output_shape"]}, 0)
>>> figure_values(q, {"values": {"k": 3}})
{'k': 3}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Example numbers are drawn, so they stay small.
MAX_EXAMPLE = 64


def figure_values(q: Any, options: Mapping[str, Any], where: str = "figure") -> dict[str, int]:
    """The question's values (as ints) updated with the figure's example ``values``."""
    from symconv.keys.variants import used_names

    out: dict[str, int] = {}
    for k, v in q.values.items():
        if v.is_Integer:
            out[k] = int(v)
    extra = options.get("values", {})
    if not isinstance(extra, Mapping):
        raise q.error(f"{where}.values", "expected a table name = integer")
    used = used_names(q) if extra else set()
    for name, value in extra.items():
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_EXAMPLE:
            raise q.error(f"{where}.values.{name}", f"expected an integer from 0 to {MAX_EXAMPLE}")
        if name in q.values:
            raise q.error(f"{where}.values.{name}", "the question gives it already in values")
        if name not in used:
            raise q.error(f"{where}.values.{name}", f"{name!r} is not used by this question")
        out[name] = value
    return out


def integers(q: Any, spec: Any, values: Mapping[str, int], what: str,
             where: str = "figure") -> Any:
    """``spec`` with every symbol replaced by its number; an error names what is missing."""
    from symconv.keys.instance import numeric_spec
    from symconv.symbols import sym

    filled = numeric_spec(spec, values)
    missing: set[str] = set()

    def walk(v: Any) -> None:
        if isinstance(v, str) and v not in ("same", "valid"):
            try:
                sym(v)
            except ValueError:
                return
            missing.add(v)
        elif isinstance(v, Mapping):
            for k, x in v.items():
                if k not in ("type", "name"):
                    walk(x)
        elif isinstance(v, list | tuple):
            for x in v:
                walk(x)

    walk(filled)
    if missing:
        raise q.error(where, f"the {what} needs numbers for {', '.join(sorted(missing))}: give "
                      "them in values, or as example numbers in the figure's values")
    return filled
