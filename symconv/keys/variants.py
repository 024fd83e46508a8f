"""Variants: new numbers for a question, only where its file says they may vary.

A question's ``values`` are its own numbers; its ``vary`` table says which of
them may change and how, and nothing else ever changes (a symbol not listed
keeps its value)::

    [question.vary]
    k = { range = [2, 7] }              # any integer from 2 to 7
    s = { range = [2, 6], step = 2 }    # 2, 4 or 6
    h = { one_of = [28, 32, 64] }       # one of these
    constraints = ["k > p", "(h + 2*p - k) % s == 0"]

``constraints`` are relations between the question's symbols (``<``, ``<=``,
``>``, ``>=``, ``==``, ``!=``; chains such as ``1 <= s <= k``; ``%`` for
divisibility), read by the grader's safe parser
(:func:`symconv.grading.parser.parse_relation`, never ``eval``) and
evaluated exactly.  A draw that breaks one, or that makes the question
invalid (the kernel does not fit the padded input...), is drawn again, at
most :data:`MAX_ATTEMPTS` times.  Everything is checked when the file is
loaded (:func:`check_variation`): malformed or ambiguous entries, names the
question does not use, a varied number its text never shows, and the file's
own values breaking its constraints.

Draws are deterministic: each number comes from HMAC-SHA256 over the
assignment's identity (:func:`assignment_identity`), the variant (a seed, or
a student id with an instructor's secret, :mod:`symconv.keys.roster`), the
question id, the attempt and the symbol, so a variant can be regenerated at
any time, by any implementation of HMAC.

Examples
--------
>>> from symconv.keys.questions import question_from_table
>>> q = question_from_table("demo.toml", {"id": "a", "kind": "layer",
...     "text": "A ${{k}} \\\\times {{k}}$ kernel on ${{h}} \\\\times {{h}}$: the output?",
...     "layer": {"type": "Conv2d", "in_channels": 3, "out_channels": 8, "kernel_size": "k"},
...     "input": [3, "h", "h"], "ask": ["output_shape"], "values": {"k": 3, "h": 31},
...     "vary": {"k": {"one_of": [3, 5]}, "h": {"range": [20, 40]},
...              "constraints": ["(h - k) % 2 == 0"]}}, 0)
>>> v = variant_question(q, 7)
>>> v.values["k"] in (3, 5) and 20 <= v.values["h"] <= 40, (v.values["h"] - v.values["k"]) % 2
(True, 0)
>>> variant_question(q, 7).values == v.values
True
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

import sympy as sp

#: Attempts at a draw that meets the constraints and gives a valid question.
MAX_ATTEMPTS = 1000
#: Bounds on what a ``vary`` table may hold (question files are untrusted input).
MAX_MAGNITUDE = 10**6
MAX_ONE_OF = 1000
MAX_CONSTRAINTS = 20
MAX_CONSTRAINT_CHARS = 200
#: The key of ``vary`` that holds the constraints (not a symbol).
CONSTRAINTS = "constraints"
#: Fields whose text may name the question's symbols (scanned for "is this name used?").
SYMBOL_FIELDS = ("layer", "layers", "network", "input", "batch", "args", "where", "function",
                 "index", "at")

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}")
_SEED_KEY = b"symconv --seed"


class VariantError(ValueError):
    """No draw within :data:`MAX_ATTEMPTS` met a question's constraints (names the question)."""


@dataclass(frozen=True)
class Choice:
    """The numbers one symbol may take: a range (with a step) or an explicit list."""

    name: str
    options: Sequence[int]

    def describe(self) -> str:
        o = self.options
        if isinstance(o, range):
            step = f" step {o.step}" if o.step != 1 else ""
            return f"{o.start}..{o[-1]}{step}"
        return "one of " + ", ".join(map(str, o))


@dataclass(frozen=True)
class Constraint:
    """A relation between symbols that every variant must satisfy."""

    text: str
    node: Any  # symconv.grading.nodes.Node

    def holds(self, values: Mapping[str, Any]) -> bool:
        """Whether the relation is true for ``values`` (undefined, e.g. ``% 0``, is false)."""
        from symconv.grading.evaluate import evaluate

        env = {name: [_exact(v)] for name, v in values.items()}
        return evaluate(self.node, env, 1)[0] is True


@dataclass(frozen=True)
class VarySpec:
    """A question's parsed ``vary`` table."""

    choices: tuple[Choice, ...]
    constraints: tuple[Constraint, ...]

    def broken(self, values: Mapping[str, Any]) -> list[str]:
        """The constraints ``values`` break."""
        return [c.text for c in self.constraints if not c.holds(values)]


class Stream:
    """Deterministic integers: HMAC-SHA256(key, JSON of context and label) modulo n.

    >>> s = Stream(b"secret", "Homework 4", "student 17", "1.1")
    >>> s.below(6, 0, "k") == Stream(b"secret", "Homework 4", "student 17", "1.1").below(6, 0, "k")
    True
    """

    def __init__(self, key: bytes, *context: str) -> None:
        self.key = key
        self.context = context

    def below(self, n: int, *label: Any) -> int:
        """An integer in ``[0, n)`` for ``label`` (a 256-bit hash: the bias is negligible)."""
        message = json.dumps([*self.context, *label], ensure_ascii=False).encode()
        digest = hmac.new(self.key, message, hashlib.sha256).digest()
        return int.from_bytes(digest, "big") % n


def assignment_identity(assignment_or_meta: Any, path: Any = None) -> str:
    """What names an assignment in every variant: ``[assignment] id``, else its title.

    Not the file's path, so moving or renaming the file keeps every variant; changing
    the title changes them (set ``id`` to keep them across a retitling).
    """
    meta = getattr(assignment_or_meta, "meta", assignment_or_meta)
    if isinstance(meta.get("id"), str) and meta["id"].strip():
        return str(meta["id"]).strip()
    if isinstance(meta.get("title"), str) and meta["title"].strip():
        return str(meta["title"]).strip()
    name = getattr(assignment_or_meta, "name", None) or getattr(path, "stem", "")
    return str(name)


# -- reading and checking a vary table -------------------------------------------------------


_SPECS: dict[str, VarySpec] = {}


def vary_spec(q: Any) -> VarySpec:
    """The question's ``vary`` table, validated (errors name the entry)."""
    raw = q.get("vary", dict, {})
    if not raw:
        return VarySpec((), ())
    key = json.dumps([raw, sorted(q.values)], sort_keys=True, default=str)
    spec = _SPECS.get(key)
    if spec is None:
        if len(_SPECS) > 1024:
            _SPECS.clear()
        spec = _SPECS[key] = _parse_vary(q, raw)
    return spec


def _parse_vary(q: Any, raw: Mapping[str, Any]) -> VarySpec:
    choices: list[Choice] = []
    constraints: tuple[Constraint, ...] = ()
    for name, spec in raw.items():
        if name == CONSTRAINTS:
            constraints = _constraints(q, spec)
        else:
            choices.append(_choice(q, name, spec))
    return VarySpec(tuple(choices), constraints)


def _choice(q: Any, name: str, spec: Any) -> Choice:
    where = f"vary.{name}"
    if isinstance(spec, list):
        shown = ", ".join(map(repr, spec))
        if len(spec) == 2:
            raise q.error(where, f"[{shown}] is ambiguous: write {name} = {{ range = [{shown}] }}"
                          f" for every integer from {spec[0]!r} to {spec[1]!r}, or {name} = "
                          f"{{ one_of = [{shown}] }} for just these two")
        raise q.error(where, f"a bare list is not accepted: write {name} = "
                      f"{{ one_of = [{shown}] }} (or {{ range = [low, high] }})")
    if not isinstance(spec, Mapping):
        raise q.error(where, f"expected {{ range = [low, high] }} or {{ one_of = [...] }}, got "
                      f"{spec!r} (a fixed number belongs in values)")
    keys = set(spec)
    if keys not in ({"range"}, {"range", "step"}, {"one_of"}):
        raise q.error(where, "expected exactly one of range = [low, high] (with an optional "
                      f"step) or one_of = [...], got keys {', '.join(sorted(keys)) or 'none'}")
    if "one_of" in spec:
        items = spec["one_of"]
        if not isinstance(items, list) or not items or not all(_is_int(v) for v in items):
            raise q.error(where, "one_of: expected a non-empty list of integers")
        if len(items) > MAX_ONE_OF:
            raise q.error(where, f"one_of: more than {MAX_ONE_OF} numbers")
        if len(set(items)) != len(items):
            raise q.error(where, "one_of: a number is listed twice")
        _bounded(q, where, items)
        return Choice(name, tuple(items))
    bounds, step = spec["range"], spec.get("step", 1)
    if not (isinstance(bounds, list) and len(bounds) == 2 and all(_is_int(v) for v in bounds)):
        raise q.error(where, f"range: expected [low, high] (two integers), got {bounds!r}")
    low, high = bounds
    if low > high:
        raise q.error(where, f"range: low {low} is above high {high}")
    if not _is_int(step) or step < 1:
        raise q.error(where, f"step: expected a positive integer, got {step!r}")
    _bounded(q, where, bounds)
    return Choice(name, range(low, high + 1, step))


def _constraints(q: Any, spec: Any) -> tuple[Constraint, ...]:
    from symconv.grading.limits import InvalidAnswer
    from symconv.grading.parser import parse_relation

    where = f"vary.{CONSTRAINTS}"
    if not isinstance(spec, list) or not all(isinstance(c, str) for c in spec):
        raise q.error(where, 'expected a list of relations as text, e.g. ["s > 1", "k <= h"]')
    if len(spec) > MAX_CONSTRAINTS:
        raise q.error(where, f"more than {MAX_CONSTRAINTS} constraints")
    known = set(q.values)
    out = []
    for i, text in enumerate(spec):
        if len(text) > MAX_CONSTRAINT_CHARS:
            raise q.error(f"{where}[{i}]", f"longer than {MAX_CONSTRAINT_CHARS} characters")
        try:
            node = parse_relation(text, known=known)
        except InvalidAnswer as exc:
            raise q.error(f"{where}[{i}]", f"{text!r}: {exc.message} (constraints relate the "
                          "symbols of values)") from None
        out.append(Constraint(text, node))
    return tuple(out)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _bounded(q: Any, where: str, items: Sequence[int]) -> None:
    for v in items:
        if abs(v) > MAX_MAGNITUDE:
            raise q.error(where, f"{v} is too large (at most {MAX_MAGNITUDE:,} for a varied number)")


def _exact(v: Any) -> Any:
    if isinstance(v, int):
        return v
    e = v if isinstance(v, sp.Basic) else sp.Integer(v)  # never parse text
    if e.is_Integer:
        return int(e)
    if e.is_Rational:
        return Fraction(int(e.p), int(e.q))
    raise ValueError(f"{v} is not an exact number")


def used_names(q: Any) -> set[str]:
    """Names the question uses: in its layer/network/input/... tables and text placeholders."""
    names: set[str] = set(_PLACEHOLDER.findall(q.text))
    for field in SYMBOL_FIELDS:
        if field in q.data:
            names |= _identifiers(q.data[field])
    return names


def _identifiers(value: Any) -> set[str]:
    if isinstance(value, str):
        return set(_IDENT.findall(value))
    if isinstance(value, Mapping):
        out: set[str] = set()
        for k, v in value.items():
            out |= _identifiers(k) | _identifiers(v)
        return out
    if isinstance(value, list | tuple):
        return set().union(*(_identifiers(v) for v in value)) if value else set()
    return set()


def _symbolic_names(q: Any) -> set[str]:
    """Free symbols of the question's answer with its values left symbolic."""
    try:
        general = replace(q, values={})
        expected = general.expected
    except (ValueError, TypeError):
        return set()
    items = expected if isinstance(expected, tuple | list) else (expected,)
    return {s.name for e in items if isinstance(e, sp.Basic) for s in e.free_symbols}


def check_variation(q: Any) -> None:
    """Load-time checks of ``values`` and ``vary`` (raise ``q.error`` naming the entry)."""
    spec = vary_spec(q)
    varied = [c.name for c in spec.choices]
    mentioned = [(f"values.{n}", n) for n in q.values] + [(f"vary.{n}", n) for n in varied]
    if mentioned:
        used = used_names(q)
        missing = [(w, n) for w, n in mentioned if n not in used]
        if missing:  # an engine derivation may bring symbols of its own (sigma_x...)
            used |= _symbolic_names(q)
        for where, name in missing:
            if name not in used:
                raise q.error(where, f"{name!r} is not used by this question (not in its layer, "
                              "input, network, arguments, formulas or text)")
    shown = set(_PLACEHOLDER.findall(q.text))
    for name in varied:
        if name not in q.values:
            raise q.error(f"vary.{name}", f"{name!r} has no value in values: a varied symbol "
                          "needs the question's own number first")
        if name not in shown:
            raise q.error(f"vary.{name}", f"the text never shows {name} (write {{{{{name}}}}} "
                          "where it belongs), so a student could not see the drawn number")
    if spec.constraints and not spec.choices:
        raise q.error(f"vary.{CONSTRAINTS}", "constraints without any varied symbol")
    broken = spec.broken(dict(q.values))
    if broken:
        raise q.error(f"vary.{CONSTRAINTS}", f"the question's own values break {broken[0]!r}")


# -- drawing ---------------------------------------------------------------------------------


def vary_values(q: Any, stream: Stream,
                ok: Callable[[Any, dict[str, Any]], bool]) -> dict[str, Any] | None:
    """New ``values`` for ``q`` drawn from ``stream`` (None: nothing varies).

    Only symbols in ``vary`` change; a draw must meet the constraints and ``ok``
    (the kind's validity test).  Raises :class:`VariantError` after
    :data:`MAX_ATTEMPTS` failed draws.
    """
    spec = vary_spec(q)
    if not spec.choices:
        return None
    base = {k: _exact(v) for k, v in q.values.items()}
    for attempt in range(MAX_ATTEMPTS):
        values = dict(base)
        for c in spec.choices:
            values[c.name] = c.options[stream.below(len(c.options), attempt, c.name)]
        if spec.broken(values) or not ok(q, values):
            continue
        return {k: v if isinstance(v, int) else f"{v.numerator}/{v.denominator}"
                for k, v in values.items()}
    ranges = "; ".join(f"{c.name}: {c.describe()}" for c in spec.choices)
    raise VariantError(str(q.error("vary", f"no draw in {MAX_ATTEMPTS} attempts met the "
                                   f"constraints {[c.text for c in spec.constraints]} and gave a "
                                   f"valid question ({ranges}): widen the choices or relax the "
                                   "constraints")))


def seed_stream(identity: str, seed: int, qid: str) -> Stream:
    """The draws of question ``qid`` for ``--seed seed`` (no secret: anyone can redo them)."""
    return Stream(_SEED_KEY, identity, f"seed {seed}", qid)


def variant_question(q: Any, seed: int | Stream, identity: str | None = None) -> Any:
    """The question with new numbers (itself when it has nothing to vary).

    ``seed`` is a ``--seed`` number, or the :class:`Stream` to draw from.
    """
    from symconv.keys.questions import parse_values

    if not vary_spec(q).choices:
        return q
    if not isinstance(seed, Stream):
        seed = seed_stream(identity if identity is not None else q.path.stem, seed, q.id)
    values = q.kind_handler.vary(q, seed)
    # A student's claimed answers and notes about them belong to the original numbers.
    data = {k: v for k, v in q.data.items() if k not in ("claimed", "note")}
    data["values"] = values
    new = replace(q, data=data, values=parse_values(q.path, q.id, values))
    for attr in ("solution", "expected"):
        new.__dict__.pop(attr, None)  # cached on the original's copy
    return new


def variant_assignment(assignment: Any, seed: int) -> Any:
    """Every question of ``assignment`` with new numbers for ``--seed seed``."""
    identity = assignment_identity(assignment)
    return replace(assignment, questions=tuple(
        variant_question(q, seed_stream(identity, seed, q.id)) for q in assignment.questions))


def varied_values(q: Any) -> dict[str, Any]:
    """The values of the question's varied symbols (empty when nothing varies)."""
    names = {c.name for c in vary_spec(q).choices}
    return {n: v for n, v in q.values.items() if n in names}
