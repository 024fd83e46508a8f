"""A wheel of the symconv that is running, to ship inside a Gradescope bundle.

An autograder bundle must install the very grader the instructor tried the
questions with, offline from PyPI's point of view (symconv need not be
published) and whether symconv was installed from a wheel, an sdist or an
editable checkout.  symconv is pure Python, so its wheel is a zip of the package's
source files plus a ``.dist-info`` folder (``METADATA`` with the same
dependencies, ``WHEEL``, ``entry_points.txt``, ``RECORD`` with each file's hash),
as the wheel format (PEP 427) describes; ``pip install`` installs it like any
other.

Examples
--------
>>> import tempfile, zipfile
>>> path = build_wheel(tempfile.mkdtemp())
>>> path.name
'symconv-0.1.0-py3-none-any.whl'
>>> names = zipfile.ZipFile(path).namelist()
>>> "symconv/grading/api.py" in names, "symconv-0.1.0.dist-info/RECORD" in names
(True, True)
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from importlib import metadata
from pathlib import Path

import symconv
from symconv.safeio import write_bytes

_SKIP_DIRS = {"__pycache__"}
_SKIP_SUFFIXES = {".pyc", ".pyo", ".so"}


def package_files() -> list[tuple[str, Path]]:
    """(name in the wheel, file) for every source file of the running symconv package."""
    root = Path(symconv.__file__).resolve().parent
    out = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not _SKIP_DIRS & set(path.relative_to(root).parts) \
                and path.suffix not in _SKIP_SUFFIXES and not path.name.startswith("."):
            out.append((f"symconv/{path.relative_to(root).as_posix()}", path))
    return out


def requirements() -> list[str]:
    """symconv's dependencies, as its installed metadata states them."""
    try:
        return list(metadata.distribution("symconv").metadata.get_all("Requires-Dist") or [])
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return ["sympy>=1.12", "latexify-py>=0.4", "numpy>=1.24", "rich>=13", "mpmath>=1.3"]


def build_wheel(folder: str | Path) -> Path:
    """Write ``symconv-VERSION-py3-none-any.whl`` into ``folder``; return its path."""
    version = symconv.__version__
    info = f"symconv-{version}.dist-info"
    meta = ["Metadata-Version: 2.1", "Name: symconv", f"Version: {version}",
            "Summary: Symbolic derivation engine for convolutional-network arithmetic",
            "Requires-Python: >=3.11", *(f"Requires-Dist: {r}" for r in requirements())]
    extra = {
        f"{info}/METADATA": "\n".join(meta) + "\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: symconv\nRoot-Is-Purelib: true\n"
                         "Tag: py3-none-any\n",
        f"{info}/entry_points.txt": "[console_scripts]\nsymconv = symconv.cli:main\n",
        f"{info}/top_level.txt": "symconv\n",
    }
    path = Path(folder) / f"symconv-{version}-py3-none-any.whl"
    record: list[str] = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as wheel:
        for name, source in package_files():
            data = source.read_bytes()
            wheel.writestr(_entry(name), data)
            record.append(_record(name, data))
        for name, text in extra.items():
            data = text.encode("utf-8")
            wheel.writestr(_entry(name), data)
            record.append(_record(name, data))
        record.append(f"{info}/RECORD,,")
        wheel.writestr(_entry(f"{info}/RECORD"), "\n".join(record) + "\n")
    return write_bytes(path, buffer.getvalue())  # never through a symbolic link


def _entry(name: str) -> zipfile.ZipInfo:
    entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))  # reproducible
    entry.external_attr = 0o644 << 16
    entry.compress_type = zipfile.ZIP_DEFLATED
    return entry


def _record(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"
