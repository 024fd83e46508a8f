"""Kind ``prose``: conceptual questions answered by the instructor's own text.

Nothing is derived: the key's Answer is the ``prose`` field (paragraphs
separated by blank lines; ``$...$`` is math, `` `...` `` code).

Examples
--------
>>> from symconv.keys.questions import question_from_table
>>> q = question_from_table("demo.toml", {"id": "c", "kind": "prose", "text": "Why pool?",
...                         "prose": "It shrinks the maps.\\n\\nIt adds invariance."}, 0)
>>> [s.value for s in ProseKind().derive(q).steps]
['It shrinks the maps.', 'It adds invariance.']
"""

from __future__ import annotations

from typing import Any

from symconv.keys.kinds import Derivation, Kind, register
from symconv.keys.steps import Answer


@register
class ProseKind(Kind):
    name = "prose"
    fields: dict[str, str] = {}

    def validate(self, q: Any) -> None:
        if not q.get("prose", str, "").strip():
            raise q.error("prose", "missing: a conceptual question needs the instructor's answer")

    def derive(self, q: Any) -> Derivation:
        paragraphs = [p.strip() for p in q.prose.split("\n\n") if p.strip()]
        return Derivation([Answer("", p) for p in paragraphs], None)

    def expected(self, q: Any) -> Any:
        raise q.error("kind", "a prose question has no expression to grade against")
