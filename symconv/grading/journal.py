"""The journal of a batch: every graded row, appended as it arrives, for ``--resume``.

Each line is one JSON object ``{"index", "key", "hash", "result"}``.  ``hash``
fingerprints what the row's verdict depends on (the reference, its domain and
options, the answer, the grader's version), so a resumed batch re-grades a row
whose expected answer, answer or options changed since it was journalled,
instead of keeping a verdict against an old reference.  A line that cannot be
read (cut short by ``kill -9``, edited by hand) is skipped with a note and its
row graded again; nothing in a journal can make a batch refuse to run.  The
journal is opened with :mod:`symconv.safeio` (``O_NOFOLLOW``): a symbolic link
planted at its path is neither read nor written through.

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "out.journal"
>>> fp = fingerprint("h*w", {"h": 3}, "3w")
>>> with Journal(path) as j:
...     j.append(0, "r0", fp, {"verdict": "correct"})
>>> _ = path.open("a").write('{"index": 1, "ke')           # a line cut short
>>> done, notes = Journal(path).read({0: ("r0", fp), 1: ("r1", "x")})
>>> done[0]["verdict"], notes
('correct', ['journal line 2 is unreadable: skipped (its row is graded again)'])
>>> Journal(path).read({0: ("r0", fingerprint("h*w", {"h": 4}, "3w"))})[1][-1]
'1 journalled row changed since (expected answer, answer or options): graded again'
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import sympy as sp

from symconv import __version__
from symconv.safeio import UnsafeOutput, open_for_appending, open_for_reading


def stable_text(obj: Any) -> str:
    """A deterministic text of ``obj`` (SymPy objects by ``srepr``: assumptions count)."""
    if isinstance(obj, sp.Basic):
        return sp.srepr(obj)
    if isinstance(obj, Mapping):
        items = sorted((str(k), stable_text(v)) for k, v in obj.items())
        return "{" + ", ".join(f"{k!r}: {v}" for k, v in items) + "}"
    if isinstance(obj, (list, tuple)):
        return "[" + ", ".join(stable_text(v) for v in obj) + "]"
    return repr(obj)


def reference_digest(expected: Any, domain: Any) -> bytes:
    """Digest of a reference and its options (computed once per reference)."""
    text = f"{__version__}\0{stable_text(expected)}\0{stable_text(domain)}"
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def fingerprint(expected: Any, domain: Any, answer: Any, digest: bytes | None = None) -> str:
    """The hash of one row: what its verdict depends on."""
    h = hashlib.blake2b(digest or reference_digest(expected, domain), digest_size=16)
    h.update(b"\0" + stable_text(answer).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


class Journal:
    """A journal file: :meth:`read` what an earlier run saved, :meth:`append` new rows."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._fh: IO[str] | None = None
        self.saved = 0  # rows written by this object

    def read(self, rows: Mapping[int, tuple[str, str]]) -> tuple[dict[int, dict], list[str]]:
        """Results still valid for ``rows`` (index -> (key, hash)), and notes on the rest.

        The last entry of a row wins (a row graded again after a resume is appended).
        """
        done: dict[int, dict] = {}
        notes: list[str] = []
        changed: set[int] = set()
        try:
            fh = open_for_reading(self.path, errors="replace")
        except FileNotFoundError:
            return done, notes
        except UnsafeOutput:
            return done, ["the journal is a symbolic link or not a file: not read "
                          "(every row is graded)"]
        except OSError as exc:
            return done, [f"cannot read the journal ({exc.strerror}): every row is graded"]
        bad: list[int] = []
        with fh:
            for number, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    entry = json.loads(line)
                    index, key, digest = entry["index"], entry["key"], entry["hash"]
                    result = entry["result"]
                    if not isinstance(result, dict) or "verdict" not in result:
                        raise ValueError(line)
                except (ValueError, KeyError, TypeError):
                    bad.append(number)
                    continue
                wanted = rows.get(index) if isinstance(index, int) else None
                if wanted is None or wanted[0] != key:
                    continue  # a row of another input
                if wanted[1] != digest:
                    changed.add(index)
                    done.pop(index, None)
                    continue
                changed.discard(index)
                done[index] = result
        if bad:
            where = ", ".join(map(str, bad[:5])) + (" ..." if len(bad) > 5 else "")
            notes.append(f"journal line{'s' if len(bad) > 1 else ''} {where} "
                         f"{'are' if len(bad) > 1 else 'is'} unreadable: skipped "
                         f"({'their rows are' if len(bad) > 1 else 'its row is'} graded again)")
        if changed:
            notes.append(f"{len(changed)} journalled row{'s' if len(changed) > 1 else ''} "
                         "changed since (expected answer, answer or options): graded again")
        return done, notes

    def open(self, fresh: bool) -> Journal:
        """Open for appending (``fresh``: start empty).

        Raises OSError if it cannot, :class:`~symconv.safeio.UnsafeOutput` for a
        symbolic link or a non-file at the path.
        """
        self._fh = open_for_appending(self.path, errors="surrogateescape", truncate=fresh)
        return self

    def append(self, index: int, key: str, digest: str, result: dict[str, Any]) -> None:
        """Add one row (buffered; :meth:`flush` makes it durable against a crash)."""
        if self._fh is None:
            self.open(fresh=False)
        assert self._fh is not None
        self._fh.write(json.dumps({"index": index, "key": key, "hash": digest,
                                   "result": result}, default=str) + "\n")
        self.saved += 1

    def append_raw(self, index: int, key: str, digest: str, result_json: bytes) -> None:
        """:meth:`append` with the result already JSON (as a worker sent it)."""
        if self._fh is None:
            self.open(fresh=False)
        assert self._fh is not None
        self._fh.write(f'{{"index": {index}, "key": {json.dumps(key)}, "hash": "{digest}", '
                       f'"result": {result_json.decode("utf-8", "surrogateescape")}}}\n')
        self.saved += 1

    def flush(self) -> None:
        if self._fh is not None:
            self._fh.flush()

    def close(self) -> None:
        if self._fh is not None:
            try:
                self._fh.close()
            finally:
                self._fh = None

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
