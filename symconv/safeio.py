"""Write output files without following symbolic links, atomically.

Keys, sheets and grade results are written into directories other people
may share (a course repository, a grading server's scratch space).  A
symbolic link planted at an output path would make a plain ``open(path,
"w")`` overwrite whatever it points to.  Every writer here therefore refuses
a symlink at the target path, writes a temporary file in the same directory
(created exclusively, so it cannot be a link either) and renames it over
the target: the rename replaces a link planted in the meantime instead of
following it, and a reader never sees a half-written file.

Examples
--------
>>> import os, tempfile
>>> d = tempfile.mkdtemp()
>>> p = write_text(os.path.join(d, "key.tex"), "hello")
>>> open(p).read()
'hello'
>>> os.symlink(os.path.join(d, "elsewhere"), os.path.join(d, "link.tex"))
>>> write_text(os.path.join(d, "link.tex"), "x")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
symconv.safeio.UnsafeOutput: .../link.tex: is a symbolic link; refusing to write through it
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


class UnsafeOutput(ValueError):
    """An output path that must not be written (a symbolic link, a directory)."""


def refuse_unsafe(path: str | os.PathLike[str]) -> bool:
    """Raise :class:`UnsafeOutput` if ``path`` is a symbolic link or not a regular file.

    Returns whether ``path`` exists (a regular file).  Nothing is opened or written:
    this is the check a preflight makes before any work starts.

    >>> import os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> refuse_unsafe(os.path.join(d, "new.csv"))
    False
    """
    try:
        _mode_for(Path(path), missing_ok=False)
    except FileNotFoundError:
        return False
    return True


def _mode_for(path: Path, missing_ok: bool = True) -> int:
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        if not missing_ok:
            raise
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
    if stat.S_ISLNK(st.st_mode):
        raise UnsafeOutput(f"{path}: is a symbolic link; refusing to write through it")
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeOutput(f"{path}: exists and is not a regular file")
    return stat.S_IMODE(st.st_mode)


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` (never through a symlink; atomically); return the path."""
    path = Path(path)
    mode = _mode_for(path)
    parent = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8",
               errors: str = "strict") -> Path:
    """Write ``text`` to ``path`` like :func:`write_bytes`; return the path.

    ``errors="surrogateescape"`` writes back bytes that were read undecodable.
    """
    return write_bytes(path, text.encode(encoding, errors))


@contextlib.contextmanager
def open_for_writing(path: str | os.PathLike[str], newline: str | None = None,
                     encoding: str = "utf-8", errors: str = "strict") -> Iterator[IO[str]]:
    """A text file to write row by row (CSV writers); renamed over ``path`` when closed.

    Nothing replaces ``path`` if the block raises.

    >>> import os, tempfile
    >>> target = os.path.join(tempfile.mkdtemp(), "results.csv")
    >>> with open_for_writing(target, newline="") as fh:
    ...     _ = fh.write("id,verdict")
    >>> open(target).read()
    'id,verdict'
    """
    path = Path(path)
    mode = _mode_for(path)
    parent = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    try:
        with os.fdopen(fd, "w", newline=newline, encoding=encoding, errors=errors) as fh:
            yield fh
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def open_for_appending(path: str | os.PathLike[str], encoding: str = "utf-8",
                       errors: str = "strict", truncate: bool = False) -> IO[str]:
    """A text file opened for appending (a journal), refusing a symbolic link at ``path``.

    ``O_NOFOLLOW`` makes the refusal atomic: a link planted between a check
    and the open cannot redirect the writes.  ``O_NONBLOCK`` and a check of
    what was opened keep a FIFO or a device planted there from blocking or
    being written.  ``truncate`` empties the file first (a fresh journal).

    >>> import os, tempfile
    >>> journal = os.path.join(tempfile.mkdtemp(), "run.journal")
    >>> with open_for_appending(journal) as fh:
    ...     _ = fh.write("{}")
    >>> open(journal).read()
    '{}'
    """
    path = Path(path)
    _mode_for(path)  # a clear message for a link or a directory
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
    return _open_regular(path, flags, "a", "write", encoding, errors, truncate)


def open_for_reading(path: str | os.PathLike[str], encoding: str = "utf-8",
                     errors: str = "strict") -> IO[str]:
    """A text file opened for reading, never through a symbolic link (``O_NOFOLLOW``).

    For files this program wrote itself and reads back (a journal): a link
    planted there must not make it read, and maybe echo, another file.
    """
    return _open_regular(Path(path), os.O_RDONLY, "r", "read", encoding, errors)


def _open_regular(path: Path, flags: int, mode: str, verb: str, encoding: str, errors: str,
                  truncate: bool = False) -> IO[str]:
    """``path`` opened with ``flags`` plus ``O_NOFOLLOW | O_NONBLOCK``, refusing a link, a
    FIFO or a device; blocking again once it is known to be a regular file."""
    flags |= getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags, 0o666)
    except OSError as exc:
        if path.is_symlink():
            raise UnsafeOutput(f"{path}: is a symbolic link; refusing to {verb} through it") \
                from exc
        raise
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UnsafeOutput(f"{path}: exists and is not a regular file")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        if truncate:
            os.ftruncate(fd, 0)
        return os.fdopen(fd, mode, encoding=encoding, errors=errors)
    except BaseException:
        os.close(fd)
        raise
