"""Per-student variants: every student their own numbers, regenerated at any time.

A student's numbers for a question come from HMAC-SHA256 keyed with the
instructor's secret (``--salt`` or ``[assignment] salt``) over the
assignment's identity (its ``[assignment] id``, else its title: not the
file's path), the student id and the question id
(:class:`symconv.keys.variants.Stream`).  The same three give the same
numbers on any machine and at any time, so keys need not be stored; without
the secret one student's numbers say nothing about another's.

Examples
--------
>>> from pathlib import Path
>>> from symconv.keys.questions import load_assignment
>>> a = load_assignment(Path(__file__).parents[2] / "derivations" / "cs280_sp25_a2.toml")
>>> one = student_variant(a, "s001", "secret").question("1.1").values
>>> one == student_variant(a, "s001", "secret").question("1.1").values
True
>>> student_variant(a, "s001", "another secret").question("1.1").values == one
False
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from symconv.keys.variants import Stream, assignment_identity, variant_question, varied_values

#: Bounds on a roster (an instructor's file, still read defensively).
MAX_STUDENTS = 100_000
MAX_ID_CHARS = 200

_SAFE = re.compile(r"[^A-Za-z0-9._@-]")


class RosterError(ValueError):
    """A roster or secret that cannot be used (one line naming the file and row)."""


def secret(assignment: Any, salt: str | None) -> bytes:
    """The instructor's secret: ``salt`` (``--salt``), else ``[assignment] salt``."""
    if salt is None:
        salt = assignment.meta.get("salt")
        if salt is not None and not isinstance(salt, str):
            raise RosterError(f"{assignment.path}: [assignment] salt must be text")
    if not salt:
        raise RosterError("per-student variants need the instructor's secret: give --salt "
                          "SECRET (or salt = \"...\" in the file's [assignment] table)")
    return salt.encode("utf-8")


def student_id(raw: str) -> str:
    """A student id as compared everywhere: surrounding spaces removed (case kept)."""
    text = raw.strip()
    if not text:
        raise RosterError("empty student id")
    if len(text) > MAX_ID_CHARS:
        raise RosterError(f"student id longer than {MAX_ID_CHARS} characters: {text[:40]!r}...")
    return text


def student_stream(key: bytes, identity: str, student: str, qid: str) -> Stream:
    """The draws of question ``qid`` for ``student``."""
    return Stream(key, identity, "student", student, qid)


def student_variant(assignment: Any, student: str, salt: str | None = None) -> Any:
    """The assignment with the numbers of ``student`` (``salt``: the instructor's secret)."""
    key, identity, who = secret(assignment, salt), assignment_identity(assignment), \
        student_id(student)
    return replace(assignment, questions=tuple(
        variant_question(q, student_stream(key, identity, who, q.id))
        for q in assignment.questions))


def read_roster(path: str | Path) -> tuple[list[str], list[str]]:
    """Student ids of a CSV roster (column ``student``, any case; other columns ignored).

    Returns the ids in file order, each once, and warnings about rows left out
    (an empty id, a repeated one).
    """
    csv.field_size_limit(1_000_000)
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None:
                raise RosterError(f"{path}: empty file (expected a header with a student column)")
            names = [h.strip().lower() for h in header]
            if "student" not in names:
                raise RosterError(f"{path}: no 'student' column (header: {', '.join(header)})")
            col = names.index("student")
            ids: list[str] = []
            seen: set[str] = set()
            warnings: list[str] = []
            for line, row in enumerate(reader, start=2):
                if len(ids) >= MAX_STUDENTS:
                    raise RosterError(f"{path}: more than {MAX_STUDENTS:,} students")
                cell = row[col] if col < len(row) else ""
                if not cell.strip():
                    if any(c.strip() for c in row):
                        warnings.append(f"{path}, row {line}: no student id, row left out")
                    continue
                try:
                    sid = student_id(cell)
                except RosterError as exc:
                    raise RosterError(f"{path}, row {line}: {exc}") from None
                if sid in seen:
                    warnings.append(f"{path}, row {line}: {sid!r} listed again, left out")
                    continue
                seen.add(sid)
                ids.append(sid)
    except OSError as exc:
        raise RosterError(f"cannot read {path}: {exc.strerror}") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise RosterError(f"{path}: not a UTF-8 CSV file ({exc})") from None
    if not ids:
        raise RosterError(f"{path}: no student ids")
    return ids, warnings


def folder_name(student: str) -> str:
    """A file name for the student's folder: the id if it is safe, else a safe form + hash."""
    safe = _SAFE.sub("_", student).lstrip(".") or "_"
    if safe == student:
        return safe
    return f"{safe[:60]}-{hashlib.sha256(student.encode()).hexdigest()[:8]}"


def variant_label(q: Any) -> str:
    """The numbers a question's variant drew, ``"k=5; s=2"`` (empty when nothing varies)."""
    return "; ".join(f"{k}={v}" for k, v in varied_values(q).items())


@dataclass
class StudentVariants:
    """Variants by student, drawn on demand and cached: what per-student grading reads.

    Students with the same numbers for a question share one grading reference.
    """

    assignment: Any
    salt: str | None = None
    _key: bytes = field(init=False, repr=False)
    _questions: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)
    _references: dict[Any, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._key = secret(self.assignment, self.salt)
        self._identity = assignment_identity(self.assignment)

    def question(self, student: str, qid: str) -> Any:
        """Question ``qid`` with the numbers of ``student``."""
        who = student_id(student)
        cached = self._questions.get((who, qid))
        if cached is None:
            q = self.assignment.question(qid)
            cached = variant_question(q, student_stream(self._key, self._identity, who, qid))
            self._questions[(who, qid)] = cached
        return cached

    def reference(self, student: str, qid: str) -> tuple[Any, Any, str]:
        """``(reference key, (expected, grade keywords), variant label)`` for one answer."""
        from symconv.grading.questions import question_reference

        q = self.question(student, qid)
        key = (qid, tuple(sorted((k, str(v)) for k, v in q.values.items())))
        if key not in self._references:
            base_key = (qid, "file")
            if base_key not in self._references:
                self._references[base_key] = question_reference(self.assignment, qid)
            reference = self._reuse(self._references[base_key], q)
            if reference is None:
                reference = question_reference(replace(self.assignment, questions=(q,)), qid)
            self._references[key] = reference
        return key, self._references[key], variant_label(q)

    def _reuse(self, base: Any, q: Any) -> Any:
        """The file's reference with the variant's numbers, when it is the same formula.

        A question with values is graded against its symbolic answer with the values
        fixed (:func:`symconv.grading.questions.question_reference`, which checked that
        the formula gives the file's answer); a variant changes only the values, so the
        formula, derived once, serves every student (tests compare it with a reference
        derived for each student).
        """
        import sympy as sp

        from symconv.exprmap import substitution

        original = self.assignment.question(q.id)
        if q is original:
            return base
        expected, domain = base
        if not (isinstance(expected, sp.Basic) and expected.free_symbols and original.values
                and all(domain.get(k) == v for k, v in original.values.items())):
            return None
        table = substitution(dict(q.values), expected.free_symbols)
        if set(table) != expected.free_symbols:
            return None
        return expected, {**domain, **q.values}



def per_student_variants(assignment: Any, args: Any) -> StudentVariants | None:
    """The ``symconv grade --per-student`` hook: the class's variants, else None."""
    if not getattr(args, "per_student", False):
        if getattr(args, "salt", None) is not None:
            raise RosterError("--salt is the secret of --per-student grading")
        return None
    return StudentVariants(assignment, args.salt)
