"""Question files: an assignment in TOML, loaded and validated field by field.

A file has an ``[assignment]`` table (title, ...) and one ``[[question]]``
table per question.  Every question has an ``id``, a ``kind`` (what the
engine derives: a layer's quantities, a network table, a composed kernel,
...), its ``text`` and the kind's own fields; ``docs/question-files.md`` is
the reference.  Any mistake is reported as a :class:`QuestionFileError`
naming the file, the question and the field.

Examples
--------
>>> import pathlib, tempfile
>>> src = '''
... [assignment]
... title = "Demo"
... [[question]]
... id = "q1"
... kind = "layer"
... text = "How many multiplications?"
... layer = { type = "Conv2d", in_channels = "c_i", out_channels = "c_o", kernel_size = "k" }
... input = ["c_i", "h", "w"]
... ask = ["mults"]
... '''
>>> path = pathlib.Path(tempfile.mkdtemp()) / "demo.toml"
>>> _ = path.write_text(src)
>>> a = load_assignment(path)
>>> q = a.question("q1")
>>> q.expected
c_i*c_o*k**2*(h - k + 1)*(-k + w + 1)
>>> q.domain["k"]
{'integer': True, 'positive': True}
>>> _ = path.write_text(src.replace('"mults"', '"mult"'))
>>> load_assignment(path)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
symconv.keys.questions.QuestionFileError: .../demo.toml: question 'q1', field 'ask': unknown ...
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import sympy as sp

from symconv.exprmap import as_number
from symconv.symbols import domain_of, sym, to_expr

#: Fields every question may have, whatever its kind.
COMMON_FIELDS = {
    "id": "question id (text)",
    "kind": "what is derived (see docs/question-files.md)",
    "text": "the question as the students read it",
    "title": "a short heading",
    "section": "the assignment section the question belongs to",
    "points": "points (number)",
    "prose": "instructor prose shown in the key",
    "note": "a remark shown after the answer (e.g. a common mistake)",
    "values": "numbers for the symbols (table name -> number)",
    "vary": "ranges for --seed variants (table name -> [low, high])",
    "claimed": "answers a student claimed (table quantity -> value), checked in the key",
    "answer": "which asked quantity is the main answer",
    "order": "for shape answers: \"strict\" (another dimension order is wrong) or "
             "\"layout\" (channels-last gets partial credit; the default)",
    "notation": "how the key writes the math: names, tensors, index_base, layout, batch, order",
    "conclusion": "a short verdict opening the Answer line (e.g. \"Yes\")",
}

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}")


class QuestionFileError(ValueError):
    """A question file that cannot be used; the message names file, question and field."""

    def __init__(self, path: Any, qid: str | None, fieldname: str | None, message: str) -> None:
        where = str(path)
        if qid is not None:
            where += f": question {qid!r}"
        if fieldname is not None:
            where += f", field {fieldname!r}" if qid is not None else f": field {fieldname!r}"
        super().__init__(f"{where}: {message}")
        self.path, self.qid, self.field = path, qid, fieldname


@dataclass(frozen=True)
class Question:
    """One question of an assignment; derived answers are computed on demand."""

    id: str
    kind: str
    text: str
    data: Mapping[str, Any]
    path: Path
    values: Mapping[str, sp.Expr] = field(default_factory=dict)

    # -- plain fields -----------------------------------------------------
    @property
    def title(self) -> str:
        return str(self.data.get("title", ""))

    @property
    def section(self) -> str:
        return str(self.data.get("section", ""))

    @property
    def points(self) -> Any:
        return self.data.get("points")

    @property
    def prose(self) -> str:
        return str(self.data.get("prose", ""))

    @property
    def note(self) -> str:
        return str(self.data.get("note", ""))

    def error(self, fieldname: str | None, message: str) -> QuestionFileError:
        """An error about this question's ``fieldname``."""
        return QuestionFileError(self.path, self.id, fieldname, message)

    def get(self, name: str, types: type | tuple[type, ...], default: Any = None,
            required: bool = False) -> Any:
        """Field ``name`` checked against ``types`` (error naming the field if wrong)."""
        if name not in self.data:
            if required:
                raise self.error(name, f"missing (the {self.kind!r} kind needs it)")
            return default
        value = self.data[name]
        if not isinstance(value, types) or isinstance(value, bool) and bool not in _as_tuple(types):
            names = " or ".join(t.__name__ for t in _as_tuple(types))
            raise self.error(name, f"expected {names}, got {value!r}")
        return value

    # -- derived ----------------------------------------------------------
    @cached_property
    def kind_handler(self) -> Any:
        from symconv.keys.kinds import get_kind

        return get_kind(self.kind)

    @cached_property
    def notation(self) -> Any:
        """The question's notation (:mod:`symconv.notation`), its symbols' roles included."""
        from symconv.notation.question import question_notation

        try:
            return question_notation(self)
        except ValueError as exc:
            raise self.error("notation", str(exc)) from None

    @cached_property
    def solution(self) -> Any:
        """The worked solution (steps and checks) the engine derives."""
        return self.kind_handler.solve(self)

    @cached_property
    def expected(self) -> sp.Basic:
        """The main answer: symbolic where the question is, a number where numeric."""
        return self.kind_handler.expected(self)

    @property
    def domain(self) -> dict[str, Any]:
        """Each symbol of the answer (and each given value): assumptions, or the number used."""
        out: dict[str, Any] = {}
        expected = self.expected
        free = expected.free_symbols if isinstance(expected, sp.Basic) else set()
        for s in sorted(free, key=lambda s: s.name):
            out[s.name] = dict(domain_of(s.name))
        out.update({k: v for k, v in self.values.items()})
        return out

    @property
    def conditions(self) -> tuple[sp.Basic, ...]:
        """Validity conditions of the symbolic answer (e.g. kernel fits the padded input)."""
        return tuple(getattr(self.kind_handler, "conditions", lambda q: ())(self))

    def rendered_text(self, latex: Any = None) -> str:
        """The question text with ``{{name}}`` placeholders replaced by LaTeX of the value."""
        from symconv.printing import latex as default_latex

        printer = latex or default_latex

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in self.values:
                return str(printer(self.values[name]))
            if name in self.data:
                try:
                    return str(printer(_as_math(self.data[name])))
                except (TypeError, ValueError) as exc:
                    raise self.error(name, f"cannot show this value in the text: {exc}") from None
            raise self.error("text", f"placeholder {{{{{name}}}}} names no value or field")

        return _PLACEHOLDER.sub(fill, self.text)


def _as_math(value: Any) -> Any:
    """A TOML value as SymPy without parsing text: names become symbols, lists matrices."""
    if isinstance(value, list):
        rows = value if value and all(isinstance(r, list) for r in value) else [value]
        return sp.Matrix([[_as_math(v) for v in row] for row in rows])
    if isinstance(value, bool):
        return sp.sympify(value)
    if isinstance(value, int | float):
        return sp.Integer(value) if isinstance(value, int) else sp.Float(value)
    if isinstance(value, str):
        return to_expr(value)
    raise TypeError(f"unsupported value {value!r}")


@dataclass(frozen=True)
class Assignment:
    """A question file: its title block and its questions, in order."""

    path: Path
    meta: Mapping[str, Any]
    questions: tuple[Question, ...]

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def title(self) -> str:
        return str(self.meta.get("title", self.name))

    def question(self, qid: str) -> Question:
        """The question called ``qid``."""
        for q in self.questions:
            if q.id == qid:
                return q
        known = ", ".join(q.id for q in self.questions)
        raise QuestionFileError(self.path, qid, None, f"no such question (questions: {known})")

    def by_section(self) -> list[tuple[str | None, Question]]:
        """Questions in order, each with the section heading that starts before it (else None)."""
        out: list[tuple[str | None, Question]] = []
        current = None
        for q in self.questions:
            starts = q.section if q.section and q.section != current else None
            current = q.section or current
            out.append((starts, q))
        return out


def _as_tuple(types: type | tuple[type, ...]) -> tuple[type, ...]:
    return types if isinstance(types, tuple) else (types,)


def parse_values(path: Path, qid: str, raw: Any, fieldname: str = "values") -> dict[str, sp.Expr]:
    """``{name: number}`` with names checked as symbol names and numbers parsed exactly."""
    if not isinstance(raw, Mapping):
        raise QuestionFileError(path, qid, fieldname,
                                f"expected a table name = number, got {raw!r}")
    out: dict[str, sp.Expr] = {}
    for name, value in raw.items():
        try:
            sym(name)
            out[name] = as_number(value)
        except (TypeError, ValueError) as exc:
            raise QuestionFileError(path, qid, f"{fieldname}.{name}", str(exc)) from None
    return out


def question_from_table(path: str | Path, table: Any, index: int) -> Question:
    """Build and validate one ``[[question]]`` table."""
    path = Path(path)
    if not isinstance(table, Mapping):
        raise QuestionFileError(path, f"#{index + 1}", None, "a question must be a table")
    qid = table.get("id")
    if not isinstance(qid, str) or not qid.strip():
        raise QuestionFileError(path, f"#{index + 1}", "id", "missing or not text")
    for name in ("kind", "text"):
        if not isinstance(table.get(name), str):
            raise QuestionFileError(path, qid, name, "missing or not text")
    from symconv.keys.kinds import KINDS

    kind = table["kind"]
    if kind not in KINDS:
        raise QuestionFileError(path, qid, "kind", f"unknown kind {kind!r} "
                                f"(known: {', '.join(sorted(KINDS))})")
    handler = KINDS[kind]
    allowed = set(COMMON_FIELDS) | set(handler.fields)
    for name in table:
        if name not in allowed:
            raise QuestionFileError(path, qid, name, f"unknown field for kind {kind!r} "
                                    f"(allowed: {', '.join(sorted(allowed))})")
    values = parse_values(path, qid, table.get("values", {}))
    q = Question(id=qid, kind=kind, text=table["text"], data=dict(table), path=path,
                 values=values)
    q.get("points", (int, float))
    for name in ("title", "section", "prose", "note", "answer", "conclusion"):
        q.get(name, str)
    q.notation  # noqa: B018 - validates the notation table
    q.get("vary", dict)
    q.get("claimed", dict)
    if q.get("order", str, "layout") not in ("strict", "layout"):
        raise q.error("order", 'expected "strict" or "layout"')
    handler.validate(q)
    q.rendered_text(lambda v: "")  # placeholders must name something
    return q


def load_assignment(path: str | Path) -> Assignment:
    """Read and validate a question file; raise :class:`QuestionFileError` on any mistake."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise QuestionFileError(path, None, None, "no such file") from None
    except tomllib.TOMLDecodeError as exc:
        raise QuestionFileError(path, None, None, f"not valid TOML: {exc}") from None
    for key in data:
        if key not in ("assignment", "question", "notation"):
            raise QuestionFileError(path, None, key, "unknown top-level table "
                                    "(expected [assignment], [notation] and [[question]])")
    meta = data.get("assignment", {})
    if not isinstance(meta, Mapping):
        raise QuestionFileError(path, None, "assignment", "must be a table")
    tables = data.get("question", [])
    if not isinstance(tables, list) or not tables:
        raise QuestionFileError(path, None, "question", "no [[question]] tables")
    if "notation" in data:
        from symconv.notation.context import merge_tables

        # the assignment's notation under each question's own (names and tensors merged)
        tables = [{**t, "notation": merge_tables(data["notation"], t.get("notation", {}))}
                  if isinstance(t, Mapping) else t for t in tables]
    questions = [question_from_table(path, t, i) for i, t in enumerate(tables)]
    seen: set[str] = set()
    for q in questions:
        if q.id in seen:
            raise QuestionFileError(path, q.id, "id", "used by two questions")
        seen.add(q.id)
    return Assignment(path, dict(meta), tuple(questions))
