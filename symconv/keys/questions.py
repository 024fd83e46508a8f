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

import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import sympy as sp

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
    "vary": "which values may change in a variant: name = { range = [low, high] } or "
            "{ one_of = [...] }, and constraints = [\"s > 1\", ...]",
    "claimed": "answers a student claimed (table quantity -> value), checked in the key",
    "answer": "which asked quantity is the main answer",
    "order": "for shape answers: \"strict\" (another dimension order is wrong) or "
             "\"layout\" (channels-last gets partial credit; the default)",
    "notation": "how the key writes the math: names, tensors, index_base, layout, batch, order",
    "conclusion": "a short verdict opening the Answer line (e.g. \"Yes\")",
    "figure": "figures drawn in the key from the engine's numbers: a name such as "
              "\"sliding_window\", { draw = \"name\", ... } or a list of them",
}

_QUESTION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._()\-]{0,39}$")
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
        self.path, self.qid, self.field, self.reason = path, qid, fieldname, message


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


#: Largest magnitude of a number a question gives a symbol or a layer (sizes, channels,
#: batch): far above any real network, small enough that every derived count stays cheap.
MAX_VALUE = 10**6
#: Most choices one ``vary`` entry may offer, and most symbols one ``values`` table may set.
MAX_VARY_CHOICES = 10_000
MAX_NAMES = 64
#: Largest question file read, and deepest nesting of its tables and lists.
MAX_FILE_BYTES = 2_000_000
MAX_NESTING = 24
#: Text fields of a question: light markup whose math is whitelisted (symconv.keys.texsafe).
TEXT_FIELDS = ("text", "title", "section", "prose", "note", "conclusion", "label")


def _value_error(path: Path, qid: str | None, fieldname: str, message: str) -> QuestionFileError:
    return QuestionFileError(path, qid, fieldname, message)


def symbol_value(name: str, value: Any) -> sp.Expr:
    """A number for the symbol ``name``: exact, finite, bounded and inside the symbol's domain.

    Integer symbols (sizes, channels, kernels, padding...) take integers; real
    symbols (``sigma*``) also take exact fractions (``"3/2"``, ``0.5``).  Raises
    ``ValueError`` with the reason.

    >>> symbol_value("h", 32), symbol_value("sigma_x", "3/2")
    (32, 3/2)
    >>> symbol_value("h", -8)
    Traceback (most recent call last):
    ...
    ValueError: -8 is not allowed: h is a positive integer
    """
    domain = domain_of(name)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"expected a number, got {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{value!r} is not a finite number")
    if isinstance(value, float) and domain.get("integer"):
        raise ValueError(f"{value!r} is not an integer: {name} is an integer (write it without "
                         "a decimal point)")
    if isinstance(value, str) and len(value) > 40:
        raise ValueError(f"{value[:40]!r}... is not a number")
    try:
        number = sp.Integer(value) if isinstance(value, int) else sp.Rational(
            repr(value) if isinstance(value, float) else value.strip())
    except (TypeError, ValueError, SyntaxError, ZeroDivisionError):
        raise ValueError(f"{value!r} is not a number") from None
    what = ("a non-negative integer" if domain.get("nonnegative") else "a positive integer"
            if domain.get("integer") else "a positive real number")
    if domain.get("integer") and not number.is_Integer:
        raise ValueError(f"{value!r} is not an integer: {name} is {what}")
    if max(abs(int(number.p)), int(number.q)) > MAX_VALUE:
        raise ValueError(f"{value!r} is too large (at most {MAX_VALUE:,} for a symbol's value)")
    if number < 0 or (number == 0 and domain.get("positive")):
        raise ValueError(f"{value!r} is not allowed: {name} is {what}")
    return number


def parse_values(path: Path, qid: str, raw: Any, fieldname: str = "values") -> dict[str, sp.Expr]:
    """``{name: number}`` with names checked as symbol names and numbers by :func:`symbol_value`."""
    if not isinstance(raw, Mapping):
        raise QuestionFileError(path, qid, fieldname,
                                f"expected a table name = number, got {raw!r}")
    if len(raw) > MAX_NAMES:
        raise QuestionFileError(path, qid, fieldname, f"more than {MAX_NAMES} names")
    out: dict[str, sp.Expr] = {}
    for name, value in raw.items():
        try:
            sym(name)
            out[name] = symbol_value(name, value)
        except (TypeError, ValueError) as exc:
            raise QuestionFileError(path, qid, f"{fieldname}.{name}", str(exc)) from None
    return out


def _check_vary(q: Question) -> None:
    """The ``vary`` table's entries, names and numbers (:mod:`symconv.keys.variants` reads it)."""
    from symconv.keys.variants import vary_spec

    vary = q.get("vary", dict, {})
    if len(vary) > MAX_NAMES:
        raise q.error("vary", f"more than {MAX_NAMES} names")
    for name in vary:
        if name != "constraints":
            try:
                sym(name)
            except ValueError as exc:
                raise q.error(f"vary.{name}", str(exc)) from None
    for choice in vary_spec(q).choices:  # malformed or ambiguous entries raise here
        options = choice.options
        ends = (options[0], options[-1]) if isinstance(options, range) else options
        if len(options) > MAX_VARY_CHOICES:
            raise q.error(f"vary.{choice.name}", f"more than {MAX_VARY_CHOICES:,} choices")
        for v in ends:
            try:
                symbol_value(choice.name, v)
            except ValueError as exc:
                raise q.error(f"vary.{choice.name}", str(exc)) from None


def _check_text_fields(path: Path, qid: str | None, table: Mapping[str, Any],
                       names: Any) -> None:
    from symconv.keys.texsafe import UnsafeText, check_text

    for name in names:
        value = table.get(name)
        for item in (value if isinstance(value, list) else [value]):  # label may be a list
            if isinstance(item, str):
                try:
                    check_text(item)
                except UnsafeText as exc:
                    raise QuestionFileError(path, qid, name, str(exc)) from None


#: Layer arguments that are switches (torch takes a bool), in the tables that hold layers.
BOOLEAN_ARGUMENTS = {"bias", "ceil_mode", "count_include_pad", "affine", "track_running_stats",
                     "inplace", "return_indices"}
LAYER_FIELDS = {"layer", "layers", "network", "args"}


def check_plain(path: Path, qid: str | None, value: Any, where: str, depth: int = 0) -> None:
    """Every other string of a question is a plain label or name; numbers are bounded."""
    if depth > MAX_NESTING:
        raise QuestionFileError(path, qid, where, f"nested more than {MAX_NESTING} levels deep")
    if isinstance(value, Mapping):
        if len(value) > 4096:
            raise QuestionFileError(path, qid, where, "a table with more than 4,096 entries")
        for key, item in value.items():
            inner = f"{where}.{key}" if where else str(key)
            if inner in ("function.source", "vary.constraints", *TEXT_FIELDS) or (
                    depth == 1 and where in ("where", "claimed") and isinstance(item, str)):
                continue  # formulas and Python source (pyformula), relations (the grader's
                # parser, symconv.keys.variants), markup (checked as text)
            _check_label(path, qid, str(key), inner)
            check_plain(path, qid, item, inner, depth + 1)
    elif isinstance(value, list):
        if len(value) > 4096:
            raise QuestionFileError(path, qid, where, "a list with more than 4,096 items")
        for item in value:
            check_plain(path, qid, item, where, depth + 1)
    elif where.split(".")[-1] in BOOLEAN_ARGUMENTS and where.split(".")[0] in LAYER_FIELDS \
            and not isinstance(value, bool):
        raise QuestionFileError(path, qid, where, f"expected true or false, got {value!r}")
    elif isinstance(value, str):
        _check_label(path, qid, value, where)
    elif isinstance(value, float) and not math.isfinite(value):
        raise QuestionFileError(path, qid, where, f"{value!r} is not a finite number")
    elif isinstance(value, int | float) and not isinstance(value, bool):
        top = where.split(".")[0]
        limit = 10**40 if top in ("claimed", "points") else MAX_VALUE
        if abs(value) > limit:
            raise QuestionFileError(path, qid, where, f"{value!r} is too large (at most "
                                    f"{limit:,})" if limit == MAX_VALUE else
                                    f"{value!r} has more than 40 digits")


def _check_label(path: Path, qid: str | None, value: str, where: str) -> None:
    from symconv.keys.texsafe import UnsafeText, check_label

    try:
        check_label(value, limit=4000)
    except UnsafeText as exc:
        raise QuestionFileError(path, qid, where, str(exc)) from None


def _check_sizes(q: Question) -> None:
    """Input sizes and a numeric batch are positive (a layer cannot see -3 samples)."""
    shape = q.data.get("input")
    if isinstance(shape, list):
        for i, d in enumerate(shape):
            if isinstance(d, int | float) and not isinstance(d, bool) and not (
                    isinstance(d, int) and d >= 1):
                raise q.error("input", f"size {d!r} at position {i + 1} is not a positive "
                              "integer")
    batch = q.data.get("batch")
    if isinstance(batch, int | float) and not isinstance(batch, bool) and not (
            isinstance(batch, int) and batch >= 1):
        raise q.error("batch", f"{batch!r} is not a positive integer")


def _check_network_fields(q: Question) -> None:
    """``memory``, ``dtype`` and ``policy`` are read when the key is built: check them now."""
    from symconv.network.budget import POLICIES, parse_bytes
    from symconv.report import DTYPE_BYTES

    if "memory" in q.data:
        given = q.get("memory", (str, int, list))
        readings = given if isinstance(given, list) else [given]  # a list: several readings
        if isinstance(given, list) and not (1 <= len(given) <= 8 and all(
                isinstance(r, str) for r in given)):
            raise q.error("memory", 'a list holds 1 to 8 readings with units, e.g. '
                          '["12GiB", "12GB"]')
        for memory in readings:
            try:
                size = parse_bytes(memory)
            except (TypeError, ValueError) as exc:
                raise q.error("memory", str(exc)) from None
            if not 1 <= size <= 2**64:
                raise q.error("memory", f"{memory!r} is not a memory size from 1 byte to 16 EiB")
    if "dtype" in q.data and q.get("dtype", str) not in DTYPE_BYTES:
        raise q.error("dtype", f"unknown dtype {q.data['dtype']!r} (known: "
                      f"{', '.join(DTYPE_BYTES)})")
    if "policy" in q.data and q.get("policy", str) not in POLICIES:
        raise q.error("policy", f"unknown policy {q.data['policy']!r} (known: "
                      f"{', '.join(POLICIES)})")
    if q.kind != "network":
        return
    from symconv.network.report import SUMMED

    known = ("output_shape", *SUMMED)
    for column in q.get("columns", list, []):
        if column not in known:
            raise q.error("columns", f"unknown column {column!r} (known: {', '.join(known)})")
    for item in q.get("index", list, []):
        if isinstance(item, bool) or not isinstance(item, int | str):
            raise q.error("index", f"expected output positions (integers or names), got {item!r}")
        if isinstance(item, str):
            try:
                sym(item)
            except ValueError as exc:
                raise q.error("index", str(exc)) from None


def _check_function_args(q: Question) -> None:
    fn = q.data.get("function")
    if not isinstance(fn, Mapping):
        return
    args = fn.get("args", {})
    if not isinstance(args, Mapping):
        raise q.error("function.args", "expected a table argument = symbol name")
    for key, target in args.items():
        for name in (key, target):
            try:
                sym(str(name)) if isinstance(name, str) else sym(repr(name))
            except ValueError as exc:
                raise q.error(f"function.args.{key}", str(exc)) from None


def _check_instance(q: Question) -> None:
    """With values, the numbers must give a valid layer: never a key with output size -8."""
    if not q.values or q.kind != "layer":
        return  # a network is analysed with its values already (kinds.network validates it)
    from symconv.keys.instance import numeric_spec
    from symconv.keys.kinds.layer import layer_report, with_where

    try:
        full = with_where(q, dict(q.values))
        layer_report(q, numeric_spec(q.data["layer"], full), numeric_spec(q.data["input"], full),
                     numeric_spec(q.data.get("batch", 1), full))
    except QuestionFileError as exc:
        if exc.field and exc.field.startswith("where"):
            raise
        raise q.error("values", f"these numbers make the layer invalid: {exc.reason}") from None


def _check_calculus_args(q: Question) -> None:
    """Keyword arguments (``args``, ``steps``) must be ones the engine function takes."""
    if q.kind != "calculus":
        return
    from symconv.keys.kinds.calculus import engine_function

    for name in ("args", "steps"):
        q.get(name, dict)
    _check_small(q, q.data.get("args", {}), "args")
    fn = engine_function(q)
    if fn is None:
        raise q.error("function", f"no engine function {q.data['function']!r} in "
                      "symconv.calculus (see docs/question-files.md, kind calculus)")
    layers = q.data.get("layers", [])
    positional = (1 if "layer" in q.data else len(layers) if isinstance(layers, list) else 0) + (
        1 if "input" in q.data else 0)
    _check_keywords(q, "args", fn, q.data.get("args", {}), skip=positional)
    result = _return_class(fn)
    steps = getattr(result, "steps", None)
    if callable(steps):
        _check_keywords(q, "steps", steps, q.data.get("steps", {}), skip=1)


#: Worked numerics of the calculus kind are small by nature: their engine functions may build
#: objects exponential in these numbers (a d-unit MLP's symmetry group), so they stay small.
MAX_WORKED_INTEGER = 64
MAX_WORKED_ITEMS = 64


def _check_small(q: Question, value: Any, where: str) -> None:
    if isinstance(value, Mapping):
        if "type" in value:
            return  # a layer table: bounded like any layer
        for key, item in value.items():
            _check_small(q, item, f"{where}.{key}")
    elif isinstance(value, list):
        if len(value) > MAX_WORKED_ITEMS:
            raise q.error(where, f"{len(value)} items (at most {MAX_WORKED_ITEMS} in a worked "
                          "example)")
        for item in value:
            _check_small(q, item, where)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if abs(value) > MAX_WORKED_INTEGER:
            raise q.error(where, f"{value!r} is too large for a worked example (at most "
                          f"{MAX_WORKED_INTEGER} in magnitude)")


def _check_keywords(q: Question, fieldname: str, fn: Any, given: Mapping[str, Any],
                    skip: int) -> None:
    import inspect

    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return
    known = [p.name for p in params[skip:] if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
             and p.name != "self"]
    for key in given:
        if key not in known:
            raise q.error(f"{fieldname}.{key}", f"unknown argument (known: "
                          f"{', '.join(known) or 'none'})")


def _return_class(fn: Any) -> Any:
    import typing

    try:
        return typing.get_type_hints(fn).get("return")
    except Exception:  # an annotation that does not resolve: no check, not an error
        return None


def question_from_table(path: str | Path, table: Any, index: int) -> Question:
    """Build and validate one ``[[question]]`` table."""
    path = Path(path)
    if not isinstance(table, Mapping):
        raise QuestionFileError(path, f"#{index + 1}", None, "a question must be a table")
    qid = table.get("id")
    if not isinstance(qid, str) or not qid.strip():
        raise QuestionFileError(path, f"#{index + 1}", "id", "missing or not text")
    if not _QUESTION_ID.match(qid):
        raise QuestionFileError(path, f"#{index + 1}", "id", f"{qid[:60]!r} is not a question id "
                                "(letters, digits and . _ - ( ), at most 40)")
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
    _check_text_fields(path, qid, table, TEXT_FIELDS)
    # notation holds display names, checked by symconv.notation's own whitelist (q.notation)
    check_plain(path, qid, {k: v for k, v in table.items()
                            if k not in TEXT_FIELDS and k != "notation"}, "")
    values = parse_values(path, qid, table.get("values", {}))
    q = Question(id=qid, kind=kind, text=table["text"], data=dict(table), path=path,
                 values=values)
    points = q.get("points", (int, float))
    if points is not None and not 0 <= points <= 10**6:
        raise q.error("points", f"{points!r} is not a number of points from 0 to 1,000,000")
    for name in ("title", "section", "prose", "note", "answer", "conclusion"):
        q.get(name, str)
    q.notation  # noqa: B018 - validates the notation table (symconv.notation: its own whitelist)
    q.get("claimed", dict)
    _check_vary(q)
    if q.get("order", str, "layout") not in ("strict", "layout"):
        raise q.error("order", 'expected "strict" or "layout"')
    _check_sizes(q)
    _check_network_fields(q)
    _check_function_args(q)
    _check_calculus_args(q)
    try:
        handler.validate(q)
        _check_instance(q)
        q.rendered_text(lambda v: "")  # placeholders must name something
        from symconv.figures import check_figures
        from symconv.keys.variants import check_variation

        check_variation(q)  # values and vary used by the question, constraints met
        check_figures(q)
    except QuestionFileError:
        raise
    except (ValueError, TypeError, ArithmeticError, LookupError, RecursionError) as exc:
        # The engine refused something the checks above let through: still one line.
        raise q.error(None, f"cannot be used: {exc}") from None
    return q


def read_toml(path: str | Path) -> dict[str, Any]:
    """A TOML file as data, or :class:`QuestionFileError` saying why it cannot be read.

    The file is bounded in size and nesting before anything else looks at it.
    """
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise QuestionFileError(path, None, None, "no such file") from None
    except IsADirectoryError:
        raise QuestionFileError(path, None, None, "is a directory, not a question file") from None
    except OSError as exc:
        raise QuestionFileError(path, None, None, f"cannot be read: {exc.strerror}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise QuestionFileError(path, None, None, f"larger than {MAX_FILE_BYTES:,} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise QuestionFileError(path, None, None, f"not UTF-8 text (byte {exc.start + 1}, "
                                f"line {line})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise QuestionFileError(path, None, None, f"not valid TOML: {exc}") from None
    except RecursionError:
        raise QuestionFileError(path, None, None, "not valid TOML: nested too deeply") from None
    _check_nesting(path, data)
    return data


def _check_nesting(path: Path, data: Any) -> None:
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_NESTING:
            raise QuestionFileError(path, None, None,
                                    f"tables and lists nested more than {MAX_NESTING} deep")
        if isinstance(value, Mapping):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)


#: Fields of the ``[assignment]`` table that are shown as text.
META_TEXT = ("title", "subtitle", "course", "date", "source", "intro")


def load_assignment(path: str | Path) -> Assignment:
    """Read and validate a question file; raise :class:`QuestionFileError` on any mistake."""
    path = Path(path)
    data = read_toml(path)
    for key in data:
        if key not in ("assignment", "question", "notation"):
            raise QuestionFileError(path, None, key, "unknown top-level table "
                                    "(expected [assignment], [notation] and [[question]])")
    meta = data.get("assignment", {})
    if not isinstance(meta, Mapping):
        raise QuestionFileError(path, None, "assignment", "must be a table")
    for key, value in meta.items():
        if key in (*META_TEXT, "id", "salt") and not isinstance(value, str):
            raise QuestionFileError(path, None, f"assignment.{key}", f"expected text, got "
                                    f"{value!r}")
    _check_text_fields(path, None, {f"assignment.{k}": v for k, v in meta.items()},
                       [f"assignment.{k}" for k in meta if isinstance(meta[k], str)
                        and k != "salt"])  # the secret is never shown
    tables = data.get("question", [])
    if not isinstance(tables, list) or not tables:
        raise QuestionFileError(path, None, "question", "no [[question]] tables")
    if "notation" in data:
        from symconv.notation.context import merge_tables

        if not isinstance(data["notation"], Mapping):
            raise QuestionFileError(path, None, "notation", "must be a table")
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
