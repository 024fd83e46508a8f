"""Where batch results go: checked before grading starts, written without half-files.

:func:`preflight` finds, before a single row is graded, every reason the output
files could not be written: a folder that does not exist, a file where a folder
is expected, a folder where a file is expected, no permission or a read-only
file system, a disk without room.  Each is one line (:class:`OutputError`).
:func:`write_table` writes CSV or JSON to a temporary file beside the target and
renames it into place, so a failure (disk full mid-write) leaves the old file or
none, never half of one.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> preflight([folder / "results.csv"], rows=10)
>>> try:
...     preflight([folder / "missing" / "results.csv"], rows=10)
... except OutputError as exc:
...     print(str(exc).replace(str(folder), "DIR"))
cannot write DIR/missing/results.csv: the folder DIR/missing does not exist
>>> write_table(folder / "r.csv", [{"id": "a", "verdict": "correct"}], ["id", "verdict"])
>>> (folder / "r.csv").read_text().splitlines()
['id,verdict', 'a,correct']
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

#: Room reserved per row for the journal and the results (bytes), checked up front.
BYTES_PER_ROW = 2048


class OutputError(ValueError):
    """An output location that cannot be written; the message is one line."""


def preflight(paths: Iterable[str | Path], rows: int, probe: Iterable[str | Path] = ()) -> None:
    """Raise :class:`OutputError` if any of ``paths`` cannot be written (nothing is left).

    A path in ``probe`` (a journal, where a blank line is harmless) gets one newline
    written and flushed, which finds a full disk that free-space figures hide
    (``/dev/full``, quotas).
    """
    probed = {str(p) for p in probe}
    for path in paths:
        _check(Path(path), rows, str(path) in probed)


def _check(path: Path, rows: int, probe: bool = False) -> None:
    where = f"cannot write {path}"
    folder = path.parent
    if not folder.exists():
        raise OutputError(f"{where}: the folder {folder} does not exist")
    if not folder.is_dir():
        raise OutputError(f"{where}: {folder} is a file, not a folder")
    if path.is_dir():
        raise OutputError(f"{where}: it is a folder (give a file name)")
    existed = path.exists()
    try:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write("\n" if probe else "")
            fh.flush()
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".symconv-") as scratch:
            scratch.write(b"\n")  # the folder takes new files (the atomic writes need it)
            scratch.flush()
    except OSError as exc:
        raise OutputError(f"{where}: {exc.strerror or exc}") from None
    finally:
        if not existed and path.is_file() and path.stat().st_size <= 1:
            try:
                path.unlink()
            except OSError:
                pass
    if not path.is_file() and path.exists():  # a device such as /dev/null: no room needed
        return
    try:
        stat = os.statvfs(folder)
    except (OSError, AttributeError):
        return
    free, needed = stat.f_bavail * stat.f_frsize, rows * BYTES_PER_ROW
    if free < needed:
        raise OutputError(f"{where}: only {free / 2**20:.1f} MB free on its disk, about "
                          f"{needed / 2**20:.1f} MB needed for {rows:,} rows")


def write_table(path: str | Path, rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
    """Write ``rows`` as CSV (``columns``, in order) or, for ``.json``, as a JSON list."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        write_text(path, json.dumps(list(rows), indent=2, default=str) + "\n")
        return

    def fill(fh: Any) -> None:
        writer = csv.DictWriter(fh, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in columns})

    _atomic(path, fill, newline="")


def write_text(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (temporary file, then rename)."""
    _atomic(Path(path), lambda fh: fh.write(text))


def _atomic(path: Path, fill: Any, newline: str | None = None) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline,
                       errors="surrogateescape") as fh:
            fill(fh)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
