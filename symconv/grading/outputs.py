"""Where batch results go: checked before grading starts, written without half-files.

:func:`preflight` finds, before a single row is graded, every reason the output
files could not be written: a folder that does not exist, a file where a folder
is expected, a folder where a file is expected, a symbolic link or a device where
a file is expected, no permission or a read-only file system, a disk without
room.  Each is one line (:class:`OutputError`).  The check never opens the target
itself (a link planted there would make it write into whatever the link points
to): it creates and removes a scratch file in the target's folder, which is
what the atomic writes need.  :func:`write_table` writes CSV or JSON through
:mod:`symconv.safeio` (a temporary file beside the target, renamed into place;
never through a symbolic link), so a failure (disk full mid-write) leaves the
old file or none, never half of one.

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
import stat
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from symconv import safeio

#: Room reserved per row for the journal and the results (bytes), checked up front.
BYTES_PER_ROW = 2048


class OutputError(ValueError):
    """An output location that cannot be written; the message is one line."""


def preflight(paths: Iterable[str | Path], rows: int) -> None:
    """Raise :class:`OutputError` if any of ``paths`` cannot be written (nothing is left).

    Each path's folder gets a scratch file created, written (one byte, flushed)
    and removed, which finds a read-only folder or a full disk that free-space
    figures hide (quotas, a file-size limit); the targets themselves are never
    opened.
    """
    for path in paths:
        _check(Path(path), rows)


def _check(path: Path, rows: int) -> None:
    where = f"cannot write {path}"
    folder = path.parent
    if not folder.exists():
        raise OutputError(f"{where}: the folder {folder} does not exist")
    if not folder.is_dir():
        raise OutputError(f"{where}: {folder} is a file, not a folder")
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise OutputError(f"{where}: {exc.strerror or exc}") from None
    else:
        if stat.S_ISLNK(st.st_mode):
            raise OutputError(f"{where}: it is a symbolic link (refusing to write through it; "
                              "remove it or give another name)")
        if stat.S_ISDIR(st.st_mode):
            raise OutputError(f"{where}: it is a folder (give a file name)")
        if not stat.S_ISREG(st.st_mode):
            raise OutputError(f"{where}: it exists and is not a regular file")
    try:
        fd, scratch = tempfile.mkstemp(dir=folder, prefix=".symconv-", suffix=".probe")
    except OSError as exc:
        raise OutputError(f"{where}: {exc.strerror or exc}") from None
    try:
        os.write(fd, b"\n")  # the folder takes new files, and they can grow
        os.fsync(fd)
    except OSError as exc:
        raise OutputError(f"{where}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
        Path(scratch).unlink(missing_ok=True)
    try:
        vfs = os.statvfs(folder)
    except (OSError, AttributeError):
        return
    free, needed = vfs.f_bavail * vfs.f_frsize, rows * BYTES_PER_ROW
    if free < needed:
        raise OutputError(f"{where}: only {free / 2**20:.1f} MB free on its disk, about "
                          f"{needed / 2**20:.1f} MB needed for {rows:,} rows")


def write_table(path: str | Path, rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
    """Write ``rows`` as CSV (``columns``, in order) or, for ``.json``, as a JSON list."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        write_text(path, json.dumps(list(rows), indent=2, default=str) + "\n")
        return
    with safeio.open_for_writing(path, newline="", errors="surrogateescape") as fh:
        writer = csv.writer(fh)  # what csv.DictWriter writes, without a dict per row
        writer.writerow(columns)
        writer.writerows(["" if (value := row.get(k)) is None else value for k in columns]
                         for row in rows)


def write_text(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, never through a symbolic link."""
    safeio.write_text(path, text, errors="surrogateescape")
