"""Read a CSV of rows to grade so that every readable row is graded and the rest is marked.

A batch of 10,000 rows must not be refused for one bad byte.  :func:`read_rows`
decodes the file as UTF-8 with ``surrogateescape`` (undecodable bytes survive as
lone surrogates), so a row with bad bytes becomes one row with a ``problem``
instead of an exception for the whole file; so does a row with more cells than
the header, unless the answer is the last column (then ``ann,4.1,74,908,800`` is
read as the answer ``74,908,800``, as written).  Header names are matched without
regard to case, spaces or a byte-order mark (``Student``, ``QUESTION``,
``Answer `` all work), with a few common aliases.  Only a file that cannot be
read at all, or a header without the required columns, is an error
(:class:`InputError`, one line).

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "subs.csv"
>>> _ = path.write_bytes(b"Student,Question,Answer\\nann,1.4,h*w\\nbob,1.4,\\xff\\n"
...                      b"bob,2,7,3\\n")
>>> rows = read_rows(path, ["student", "question", "answer"])
>>> [(r.line, r.cells["answer"], r.problem) for r in rows]  # doctest: +NORMALIZE_WHITESPACE
[(2, 'h*w', None),
 (3, '\ufffd', ('invalid_utf8', 'the row is not valid UTF-8 (column answer)')),
 (4, '7,3', None)]
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

#: Other names accepted for a column (after lower-casing and ``' ' -> '_'``).
ALIASES: Mapping[str, str] = {
    "student_id": "student", "sid": "student", "email": "student", "user": "student",
    "question_id": "question", "qid": "question", "problem": "question",
    "response": "answer", "submission": "answer",
}

_SURROGATE = re.compile("[\udc80-\udcff]")


class InputError(ValueError):
    """A rows file that cannot be used at all (unreadable, or a header without a column)."""


@dataclass(frozen=True)
class Row:
    """One data row: its line in the file, its cells by column, and what is wrong with it."""

    line: int
    cells: Mapping[str, str]
    problem: tuple[str, str] | None = None


def canonical(name: str) -> str:
    """A header name as matched: ``" Student ID"`` -> ``"student"``."""
    key = re.sub(r"[\s\-]+", "_", name.strip().lstrip("\ufeff").strip().lower())
    return ALIASES.get(key, key)


def clean(text: str) -> str:
    """``text`` with undecodable bytes shown as U+FFFD (for output and messages)."""
    return _SURROGATE.sub("\ufffd", text)


def read_rows(path: str | Path, required: Sequence[str]) -> list[Row]:
    """The data rows of ``path`` (blank lines skipped); see the module docstring."""
    csv.field_size_limit(2**31 - 1)  # a 1 MB answer is a row to mark, not a reason to stop
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    text = data.decode("utf-8", "surrogateescape").removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise InputError(f"{path} is empty (expected a header {','.join(required)})")
    names = [canonical(clean(h)) for h in header]
    missing = [c for c in required if c not in names]
    if missing:
        shown = ",".join(clean(h) for h in header)[:200]
        raise InputError(f"{path}: missing column(s) {', '.join(missing)} (header must have "
                         f"{','.join(required)}; found {shown!r})")
    twice = sorted({n for n in names if n and names.count(n) > 1 and n in required})
    if twice:
        raise InputError(f"{path}: column {twice[0]!r} appears twice in the header")
    # the cells kept: every named column, the first of a repeated name
    kept = [(i, n) for i, n in enumerate(names) if n and n not in names[:i]]
    # one scan of the whole text instead of one per cell (bad bytes are rare)
    any_bad = _SURROGATE.search(text) is not None
    rows: list[Row] = []
    line = reader.line_num
    for cells in reader:
        start, line = line + 1, reader.line_num
        if not any(c.strip() for c in cells):
            continue
        width = len(cells)
        row = {n: cells[i] if i < width else "" for i, n in kept}
        problem = None
        bad = [n for n, v in row.items() if _SURROGATE.search(v)] if any_bad else []
        if bad:
            problem = ("invalid_utf8", f"the row is not valid UTF-8 (column {bad[0]})")
            row = {n: clean(v) for n, v in row.items()}
        elif len(cells) > len(names) and names[-1] == "answer":
            row["answer"] = ",".join(cells[len(names) - 1:])  # 74,908,800 without quotes
        elif len(cells) > len(names):
            problem = ("extra_cells", f"the row has {len(cells)} cells but the header has "
                       f"{len(names)} (an answer with a comma must be quoted)")
        rows.append(Row(start, row, problem))
    return rows
