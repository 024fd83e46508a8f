"""Grade many answers in worker processes: one result per row, whatever happens.

:func:`run_batch` is the policy around :class:`~symconv.grading.workers.WorkerPool`
(the processes, pipes and limits):

* a row that cannot be read (bad bytes, a bad cell, an unknown question) comes
  in as a :class:`Task` with a ``problem`` and is an ``invalid`` row at once;
  the rest goes on;
* a row whose worker exceeds ``time_limit`` is ``invalid`` (``ATInvalid_time_limit``),
  a row whose worker dies is graded once more by a fresh worker and marked
  (``ATInvalid_crashed``) only if that one dies too, an allocation beyond
  ``memory_limit_mb`` is ``ATInvalid_memory_limit``; the worker's other rows are
  graded by a fresh worker;
* failures are cached by (reference, answer): twenty copies of one hanging answer
  cost one time limit, and repeated answers that graded fine are copied;
* with a ``journal`` every result is appended (JSON lines) as it arrives, and
  ``resume=True`` keeps the journalled rows whose reference, answer and options
  are unchanged (:mod:`symconv.grading.journal`);
* Ctrl-C (KeyboardInterrupt) and a failing journal write end the batch with
  :class:`BatchStopped`, which says how many rows are saved; the workers are
  killed, never left running.

Examples
--------
>>> tasks = [Task(0, "a", "ref", "h*w"), Task(1, "b", "ref", "h+w"),
...          Task(2, "c", None, "", problem=("bad_cell", "the domain cell is not NAME=VALUE"))]
>>> out = run_batch(tasks, {"ref": ("w*h", {})}, workers=0)
>>> [r["verdict"] for r in out], out[2]["note"]
(['correct', 'incorrect', 'invalid'], 'ATInvalid_bad_cell')
"""

from __future__ import annotations

import sys
import time
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from symconv.grading.api import grade
from symconv.grading.journal import Journal, fingerprint, reference_digest
from symconv.grading.workers import GradeFn, Job, Outcome, WorkerPool, cap_result, cut
from symconv.safeio import UnsafeOutput

#: A reference: the expected formula and the keywords of :func:`symconv.grade`.
RefSpec = tuple[Any, Mapping[str, Any]]

@dataclass(frozen=True)
class Task:
    """One row to grade.

    Attributes
    ----------
    index : position of the row (results come back in this order)
    key : the row's id in the output and the journal
    reference : key of the row's reference in the ``references`` mapping
    answer : the answer (text or a number)
    problem : ``(code, reason)`` for a row that cannot be graded (it becomes an
        ``invalid`` row with note ``ATInvalid_<code>`` and that reason); ``reference``
        may then be None
    """

    index: int
    key: str
    reference: Hashable
    answer: Any
    problem: tuple[str, str] | None = None


class BatchStopped(Exception):
    """The batch ended early (Ctrl-C, or the journal could not be written).

    ``saved`` rows are in the journal; ``str(exc)`` is the one line to show.
    """

    def __init__(self, message: str, saved: int, total: int) -> None:
        super().__init__(message)
        self.saved, self.total = saved, total


_SEEN: dict[tuple, dict[str, Any]] = {}

_INTERNAL = "the grader failed on this answer (an internal error; staff have been told)"


def grade_row(expected: Any, answer: Any, domain: Mapping[str, Any]) -> dict[str, Any]:
    """The default grading function of a row: :func:`symconv.grade` as a JSON-ready dict.

    An internal error's feedback never shows the exception's text.
    A repeated (reference, answer) pair gets a copy of the first result.
    """
    key = (_reference_key(expected, domain), answer) \
        if isinstance(answer, str) and len(answer) <= 4096 else None
    if key is not None and key in _SEEN:
        return dict(_SEEN[key])
    try:
        result = grade(expected, answer, **domain).to_dict()
    except (ValueError, TypeError) as exc:  # the reference itself is unusable
        result = failed("the reference (expected answer) cannot be used", "reference",
                        staff=str(exc))
    if result.get("note") == "ATInvalid_internal_error":
        result.update(feedback=f"This answer could not be graded: {_INTERNAL}.",
                      reason=_INTERNAL)
    if key is not None:
        if len(_SEEN) > 100_000:
            _SEEN.clear()
        _SEEN[key] = result
    return dict(result)


_REF_KEYS: dict[tuple[int, int], tuple[Any, Any, str]] = {}


def _reference_key(expected: Any, domain: Mapping[str, Any]) -> str:
    """A text naming (expected, domain), computed once per reference object.

    ``repr`` of a question's SymPy reference and conditions takes milliseconds; a
    batch asks for it once per row.  The memo holds the objects themselves, so an id
    is never reused while its entry lives, and a hit is checked by identity.
    """
    memo = _REF_KEYS.get((id(expected), id(domain)))
    if memo is not None and memo[0] is expected and memo[1] is domain:
        return memo[2]
    text = repr((expected, sorted(domain.items(), key=lambda kv: kv[0])))
    if len(_REF_KEYS) > 10_000:
        _REF_KEYS.clear()
    _REF_KEYS[(id(expected), id(domain))] = (expected, domain, text)
    return text


def failed(reason: str, code: str, staff: str = "") -> dict[str, Any]:
    """The result of a row that could not be graded (``staff``: detail for the note column)."""
    return {"verdict": "invalid", "feedback": f"This answer could not be graded: {reason}.",
            "note": f"ATInvalid_{code}", "counterexample": None, "assumption": None,
            "reason": cut(reason + (f" ({staff})" if staff else ""), 500), "expected": "",
            "answer": "", "method": "", "points": 0}


def run_batch(tasks: Sequence[Task], references: Mapping[Hashable, RefSpec], *,
              workers: int = 2, time_limit: float = 5.0, memory_limit_mb: int = 512,
              chunk: int = 32, journal: str | Path | None = None, resume: bool = False,
              progress: bool | None = None, grade_fn: GradeFn = grade_row,
              notes: list[str] | None = None) -> list[dict]:
    """Grade ``tasks``; results (dicts, see :meth:`GradeResult.to_dict`) in task order.

    Parameters
    ----------
    tasks, references : the rows, and their references by key
    workers : worker processes; 0 grades in this process (no time or memory limits:
        for tests and tiny batches)
    time_limit : seconds one row may take (wall clock)
    memory_limit_mb : address space a worker may add to its start-up size
    chunk : rows in flight per worker
    journal, resume : append results to this file; keep the valid ones already there
    progress : show a progress bar (default: when stdout is a terminal)
    grade_fn : ``grade_fn(expected, answer, keywords) -> dict``
    notes : a list that receives one-line notes (journal lines skipped, rows re-graded)

    Raises
    ------
    BatchStopped : on Ctrl-C or when the journal cannot be written; the journal keeps
        every row graded so far
    """
    run = _Run(tasks, references, journal, time_limit)
    if journal is not None and resume:
        run.resume(notes if notes is not None else [])
    todo = [t for t in tasks if t.index not in run.results]
    show = sys.stdout.isatty() if progress is None else progress
    run.bar = _Progress(len(tasks), len(run.results)) if show else None
    try:
        if run.journal is not None:
            try:
                run.journal.open(fresh=not resume)
            except (OSError, UnsafeOutput) as exc:
                reason = getattr(exc, "strerror", None) or str(exc).removeprefix(
                    f"{run.journal.path}: ")
                raise BatchStopped(f"cannot write the journal {run.journal.path}: {reason}",
                                   0, len(tasks)) from None
        for task in todo:
            if task.problem is not None:
                run.record(task, failed(task.problem[1], task.problem[0]))
        todo = [t for t in todo if t.problem is None]
        if workers <= 0:
            for task in todo:
                expected, domain = references[task.reference]
                run.record(task, grade_fn(expected, task.answer, domain))
        elif todo:
            run.pooled(todo, WorkerPool(run.ref_specs, grade_fn, workers=workers,
                                        time_limit=time_limit, memory_limit_mb=memory_limit_mb,
                                        chunk=chunk))
    except KeyboardInterrupt:
        run.close()
        raise BatchStopped(f"interrupted: {run.saved:,} rows saved; rerun with --resume",
                           run.saved, len(tasks)) from None
    except OSError as exc:  # the journal could not be written (disk full, ...)
        run.close()
        raise BatchStopped(f"cannot write the journal {run.journal_path}: {exc.strerror}; "
                           f"{run.saved:,} rows saved; rerun with --resume", run.saved,
                           len(tasks)) from None
    run.close()
    return [run.results[t.index] for t in tasks]


class _Run:
    """The state of one batch: results so far, the journal, the caches."""

    def __init__(self, tasks: Sequence[Task], references: Mapping[Hashable, RefSpec],
                 journal: str | Path | None, time_limit: float) -> None:
        self.tasks, self.time_limit = tasks, time_limit
        self.results: dict[int, dict] = {}
        self.journal = Journal(journal) if journal is not None else None
        self.journal_path = str(journal) if journal is not None else ""
        self.bar: _Progress | None = None
        self.resumed = 0
        # references by position: what the forked workers inherit
        self.ref_ids: dict[Hashable, int] = {}
        self.ref_specs: list[RefSpec] = []
        digests: list[bytes] = []
        for task in tasks:
            if task.problem is None and task.reference not in self.ref_ids:
                self.ref_ids[task.reference] = len(self.ref_specs)
                expected, domain = references[task.reference]
                self.ref_specs.append((expected, domain))
                if journal is not None:
                    digests.append(reference_digest(expected, domain))
        # a row's hash (what its verdict depends on) is only needed with a journal
        self.hashes = {t.index: fingerprint(None, None, t.answer, digests[self.ref_ids[
            t.reference]]) if t.problem is None else fingerprint(None, None, t.problem, b"-")
            for t in tasks} if journal is not None else {}
        self.by_index = {t.index: t for t in tasks}
        self.failures: dict[Hashable, dict] = {}  # (ref id, answer) -> failed result
        # (ref id, answer) -> (result, its JSON from the worker), short answers: a copy is
        # journalled as the worker's text, not encoded again
        self.copies: dict[Hashable, tuple[dict, bytes]] = {}
        self.attempts: dict[int, int] = {}

    @property
    def saved(self) -> int:
        return self.resumed + (self.journal.saved if self.journal is not None else 0)

    def resume(self, notes: list[str]) -> None:
        assert self.journal is not None
        done, found = self.journal.read({t.index: (t.key, self.hashes[t.index])
                                         for t in self.tasks})
        notes.extend(found)
        self.results.update(done)
        self.resumed = len(done)

    def record(self, task: Task, result: dict, raw: bytes = b"") -> None:
        self.results[task.index] = result
        if self.journal is not None and raw:
            self.journal.append_raw(task.index, task.key, self.hashes[task.index], raw)
        elif self.journal is not None:
            self.journal.append(task.index, task.key, self.hashes[task.index], result)
        if self.bar is not None:
            self.bar.advance()

    def close(self) -> None:
        if self.journal is not None:
            try:
                self.journal.close()
            except OSError:
                pass
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def _cache_key(self, job: Job) -> Hashable | None:
        answer = job.answer
        if isinstance(answer, str) or isinstance(answer, int) and not isinstance(answer, bool):
            return (job.reference, answer)
        return None

    def pooled(self, todo: Sequence[Task], pool: WorkerPool) -> None:
        """Grade ``todo`` in ``pool``: the retry, cache and journal policy."""
        jobs = [Job(t.index, self.ref_ids[t.reference], t.answer) for t in todo]

        def known(job: Job) -> bool:
            key = self._cache_key(job)
            return key is not None and (key in self.failures or key in self.copies)

        def failed_before(job: Job) -> bool:
            key = self._cache_key(job)
            return key is not None and key in self.failures

        outcomes = pool.run(jobs, skip=known, abandon=failed_before)
        last_flush = time.monotonic()
        try:
            for outcome in outcomes:
                self._outcome(outcome, pool)
                now = time.monotonic()
                if now - last_flush > 0.05:
                    if self.journal is not None:
                        self.journal.flush()
                    last_flush = now
        finally:
            outcomes.close()  # kills the workers, whatever ended the loop
        if self.journal is not None:
            self.journal.flush()

    def _outcome(self, outcome: Outcome, pool: WorkerPool) -> None:
        job, task = outcome.job, self.by_index[outcome.job.index]
        key = self._cache_key(job)
        if outcome.failure == "skipped":
            assert key is not None
            if key in self.failures:
                self.record(task, dict(self.failures[key]))
            else:
                result, raw = self.copies[key]
                self.record(task, dict(result), raw)
            return
        if outcome.failure == "crashed" and self.attempts.get(job.index, 0) == 0:
            self.attempts[job.index] = 1
            pool.retry(job)  # once: the death may have had nothing to do with this row
            return
        if outcome.failure is not None or (outcome.result or {}).get("failure"):
            result = self._failure(outcome.failure or (outcome.result or {})["failure"])
            if key is not None:
                self.failures[key] = result
            self.record(task, result)
            return
        assert outcome.result is not None
        if key is not None and isinstance(job.answer, str) and len(job.answer) <= 4096:
            if len(self.copies) > 200_000:
                self.copies.clear()
            self.copies[key] = (outcome.result, outcome.raw)
        self.record(task, outcome.result, outcome.raw)

    def _failure(self, code: str) -> dict:
        if code == "time_limit":
            return failed(f"time limit ({self.time_limit:g} s) exceeded", "time_limit")
        if code == "crashed":
            return failed("the grading process died on this answer twice", "crashed")
        if code == "memory_limit":
            return failed("memory limit exceeded", "memory_limit")
        if code == "too_large":
            return failed("its result is too large to report", "too_large")
        return failed(_INTERNAL, "internal_error")


class _Progress:
    """A rich progress bar refreshed from the main loop (no thread: workers are forked)."""

    def __init__(self, total: int, done: int) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        self.progress = Progress("grading", BarColumn(), MofNCompleteColumn(),
                                 TimeRemainingColumn(), transient=False, auto_refresh=False)
        self.task = self.progress.add_task("grading", total=total, completed=done)
        self.progress.start()
        self.shown = 0.0

    def advance(self) -> None:
        self.progress.advance(self.task)
        now = time.monotonic()
        if now - self.shown > 0.1:
            self.progress.refresh()
            self.shown = now

    def close(self) -> None:
        self.progress.refresh()
        self.progress.stop()


__all__ = ["Task", "BatchStopped", "RefSpec", "run_batch", "grade_row", "failed", "cap_result"]
