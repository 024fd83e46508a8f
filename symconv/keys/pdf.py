r"""Compile an answer key's .tex with pdflatex, sandboxed.

A key is built from a question file someone else may have written, so
pdflatex runs as if the .tex were hostile (the loader's math whitelist,
:mod:`symconv.keys.texsafe`, is the first line of defence; this is the
second):

* ``-no-shell-escape``: ``\write18`` never runs a program, whatever the
  local texmf.cnf says;
* ``openin_any=p`` and ``openout_any=p`` (paranoid): TeX reads and writes no
  file outside its working directory, so ``\input{/etc/passwd}`` finds
  nothing and ``\openout`` cannot write next to the key;
* a fresh private temporary directory holding only the .tex (under a fixed
  name, so an odd file name is never a command-line argument), removed
  afterwards; only the PDF is copied out, without following a symlink at the
  destination (:mod:`symconv.safeio`);
* a time limit, after which pdflatex is killed.

A failure names the question file, the question whose text the error is in
(when the .tex says) and pdflatex's first error line.

Examples
--------
>>> first_error("! Undefined control sequence.\nl.12 $\\foo$\n")
('Undefined control sequence.', 12)
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from symconv.safeio import write_bytes

#: Seconds pdflatex may run on one key before it is stopped.
TIME_LIMIT = 120.0

_ERROR_LINE = re.compile(r"^l\.(\d+)", re.M)
_QUESTION_HEADING = re.compile(r"\\subsection\*\{Question ((?:\\_|[^:}\\ ])+)")


class PdfError(ValueError):
    """pdflatex is missing, failed or ran too long; the message names file and question."""


def first_error(log: str) -> tuple[str, int | None]:
    """pdflatex's first ``! ...`` message and the .tex line it points at (``l.N``)."""
    for i, line in enumerate(log.splitlines()):
        if line.startswith("!"):
            rest = log.splitlines()[i:i + 30]
            match = _ERROR_LINE.search("\n".join(rest))
            return line[1:].strip(), int(match.group(1)) if match else None
    return "", None


def question_at(tex: str, line: int | None) -> str | None:
    """The question whose part of the .tex contains ``line`` (from its heading), if any."""
    if line is None:
        return None
    found = None
    for number, text in enumerate(tex.splitlines()[:line], start=1):
        match = _QUESTION_HEADING.search(text)
        if match and number <= line:
            found = match.group(1).replace("\\_", "_")
    return found


def pdflatex_command(exe: str, workdir: str) -> list[str]:
    """The command line: no shell escape, never stop for input, stop at the first error."""
    return [exe, "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error",
            f"-output-directory={workdir}", "key.tex"]


def sandbox_environment(workdir: str) -> dict[str, str]:
    """The environment pdflatex runs in: paranoid file access, no shell escape."""
    env = dict(os.environ)
    env.update(openin_any="p", openout_any="p", shell_escape="f", TEXMFOUTPUT=workdir)
    return env


def compile_pdf(tex: Path, source: str | os.PathLike[str] | None = None,
                time_limit: float = TIME_LIMIT) -> Path:
    """Compile ``tex`` into ``tex.with_suffix(".pdf")`` in a sandbox; return the PDF's path.

    ``source`` is the question file the .tex was made from (named in errors).
    Raises :class:`PdfError`.
    """
    tex = Path(tex)
    origin = f"{source}: " if source is not None else ""
    exe = shutil.which("pdflatex")
    if exe is None:
        raise PdfError("--pdf needs pdflatex (apt-get install texlive-latex-recommended)")
    text = tex.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="symconv-pdf-") as workdir:
        (Path(workdir) / "key.tex").write_text(text, encoding="utf-8")
        try:
            proc = subprocess.run(pdflatex_command(exe, workdir), cwd=workdir,
                                  env=sandbox_environment(workdir), stdin=subprocess.DEVNULL,
                                  capture_output=True, timeout=time_limit)
        except subprocess.TimeoutExpired:
            raise PdfError(f"{origin}pdflatex ran longer than {time_limit:g} s on {tex.name} "
                           "and was stopped") from None
        pdf = Path(workdir) / "key.pdf"
        if proc.returncode != 0 or not pdf.is_file():
            log_path = Path(workdir) / "key.log"
            log = (log_path.read_text(encoding="utf-8", errors="replace") if log_path.is_file()
                   else proc.stdout.decode("utf-8", errors="replace"))
            message, line = first_error(log)
            qid = question_at(text, line)
            where = ", ".join(part for part in (f"question {qid!r}" if qid else "",
                                                f"line {line}" if line else "") if part)
            raise PdfError(f"{origin}pdflatex failed on {tex.name}"
                           f"{f' ({where})' if where else ''}: "
                           f"{message or 'no PDF written'}")
        return write_bytes(tex.with_suffix(".pdf"), pdf.read_bytes())
