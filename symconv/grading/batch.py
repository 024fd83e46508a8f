"""Grade many answers in parallel worker processes, with per-row time and memory limits.

Every input row gets exactly one result, whatever happens to its neighbours:

* rows go to worker processes in small chunks; each worker reports each
  row as soon as it is graded, so the parent always knows which row a
  worker is on and since when;
* a worker that spends longer than ``time_limit`` seconds on one row is
  killed with SIGKILL (a process stuck in C-level bignum code does not
  answer signals Python could catch), that row is reported ``invalid`` with
  reason ``time limit``, the worker's other rows are re-queued and a fresh
  worker takes its place;
* each worker's address space is capped (``RLIMIT_AS``) at its size after
  start-up plus ``memory_limit_mb``: an allocation beyond it raises
  MemoryError inside the row (reported ``invalid``), and a worker that dies
  anyway is replaced the same way;
* with a ``journal`` path every result is appended (JSON lines) as it
  arrives, so an interrupted batch resumes where it stopped.

Examples
--------
>>> tasks = [Task(0, "a", "ref", "h*w"), Task(1, "b", "ref", "h+w")]
>>> out = run_batch(tasks, {"ref": ("w*h", {})}, workers=0)
>>> [r["verdict"] for r in out]
['correct', 'incorrect']
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from symconv.grading.api import grade

#: A reference: the expected formula and the domain keywords of :func:`symconv.grade`.
RefSpec = tuple[Any, Mapping[str, Any]]
GradeFn = Callable[[Any, Any, Mapping[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Task:
    """One answer to grade: its position, its id for output, its reference key, its text."""

    index: int
    key: str
    reference: Hashable
    answer: Any


_SEEN: dict[tuple, dict[str, Any]] = {}


def grade_row(expected: Any, answer: Any, domain: Mapping[str, Any]) -> dict[str, Any]:
    """The default grading function of a row: :func:`symconv.grade` as a JSON-ready dict.

    Students often hand in the very same text; a repeated (reference, answer) pair gets a
    copy of the first result instead of being graded again (grading is deterministic).
    """
    key = (repr(expected), repr(sorted(domain.items(), key=lambda kv: kv[0])), answer) \
        if isinstance(answer, str) and len(answer) <= 4096 else None
    if key is not None and key in _SEEN:
        return dict(_SEEN[key])
    try:
        result = grade(expected, answer, **domain).to_dict()
    except (ValueError, TypeError) as exc:  # the reference itself is unusable
        result = failed(f"the reference cannot be used: {exc}", "reference")
    if key is not None:
        if len(_SEEN) > 100_000:
            _SEEN.clear()
        _SEEN[key] = result
    return dict(result)


def failed(reason: str, code: str) -> dict[str, Any]:
    """The result of a row that could not be graded."""
    return {"verdict": "invalid", "feedback": f"This answer could not be graded: {reason}.",
            "note": f"ATInvalid_{code}", "counterexample": None, "assumption": None,
            "reason": reason, "expected": "", "answer": "", "method": "", "points": 0}


def run_batch(tasks: Sequence[Task], references: Mapping[Hashable, RefSpec], *,
              workers: int = 2, time_limit: float = 5.0, memory_limit_mb: int = 512,
              chunk: int = 16, journal: str | Path | None = None, resume: bool = False,
              progress: bool | None = None, grade_fn: GradeFn = grade_row) -> list[dict]:
    """Grade ``tasks``; results (dicts, see :meth:`GradeResult.to_dict`) in task order.

    ``workers=0`` grades in this process (no time or memory limits): for tests and tiny
    batches.  ``progress=None`` shows a progress bar when stdout is a terminal.
    """
    results: dict[int, dict] = {}
    if journal is not None and resume:
        results.update(_read_journal(Path(journal), tasks))
    elif journal is not None and Path(journal).exists():
        Path(journal).unlink()
    todo = [t for t in tasks if t.index not in results]
    sink = open(journal, "a", encoding="utf-8") if journal is not None else None  # noqa: SIM115
    show = sys.stdout.isatty() if progress is None else progress
    bar = _Progress(len(tasks), len(results)) if show else None

    def record(task: Task, result: dict) -> None:
        results[task.index] = result
        if sink is not None:
            sink.write(json.dumps({"index": task.index, "key": task.key, "result": result}) + "\n")
            sink.flush()
        if bar is not None:
            bar.advance()

    try:
        if workers <= 0:
            for task in todo:
                expected, domain = references[task.reference]
                record(task, grade_fn(expected, task.answer, domain))
        elif todo:
            _Pool(references, workers, time_limit, memory_limit_mb, chunk, grade_fn).run(
                todo, record)
    finally:
        if sink is not None:
            sink.close()
        if bar is not None:
            bar.close()
    return [results[t.index] for t in tasks]


def _read_journal(path: Path, tasks: Sequence[Task]) -> dict[int, dict]:
    """Results already in the journal (rows whose id no longer matches are graded again)."""
    if not path.exists():
        return {}
    keys = {t.index: t.key for t in tasks}
    done: dict[int, dict] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut short by the interruption
            if keys.get(entry.get("index")) == entry.get("key"):
                done[entry["index"]] = entry["result"]
    return done


class _Progress:
    def __init__(self, total: int, done: int) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        self.progress = Progress("grading", BarColumn(), MofNCompleteColumn(),
                                 TimeRemainingColumn(), transient=False)
        self.task = self.progress.add_task("grading", total=total, completed=done)
        self.progress.start()

    def advance(self) -> None:
        self.progress.advance(self.task)

    def close(self) -> None:
        self.progress.stop()


# -- the worker pool -------------------------------------------------------------
def _worker(conn: Connection, references: Mapping[Hashable, RefSpec], memory_limit_mb: int,
            grade_fn: GradeFn) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    _limit_memory(memory_limit_mb)
    while True:
        try:
            batch = conn.recv()
        except EOFError:
            return
        if batch is None:
            return
        for index, ref_key, answer in batch:
            try:
                expected, domain = references[ref_key]
                result = grade_fn(expected, answer, domain)
            except MemoryError:
                result = failed(f"memory limit ({memory_limit_mb} MB) exceeded", "memory_limit")
            except Exception as exc:  # noqa: BLE001 - one row must not stop the batch
                result = failed(f"{type(exc).__name__}: {exc}", "internal_error")
            conn.send((index, result))


def _limit_memory(extra_mb: int) -> None:
    try:
        import resource
    except ImportError:  # pragma: no cover - not on POSIX
        return
    current = _virtual_size()
    if current is None or extra_mb <= 0:
        return
    limit = current + extra_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _virtual_size() -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


class _Slot:
    """One worker process and the rows it has been given."""

    def __init__(self, pool: _Pool) -> None:
        parent, child = pool.ctx.Pipe()
        self.process = pool.ctx.Process(
            target=_worker, args=(child, pool.references, pool.memory_limit_mb, pool.grade_fn),
            daemon=True)
        self.process.start()
        child.close()
        self.conn = parent
        self.queue: deque[Task] = deque()
        self.since = time.monotonic()

    def give(self, tasks: list[Task]) -> None:
        if not self.queue:
            self.since = time.monotonic()
        self.queue.extend(tasks)
        self.conn.send([(t.index, t.reference, t.answer) for t in tasks])

    def kill(self) -> None:
        if self.process.is_alive():
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.join(timeout=5)
        self.conn.close()


class _Pool:
    def __init__(self, references: Mapping[Hashable, RefSpec], workers: int, time_limit: float,
                 memory_limit_mb: int, chunk: int, grade_fn: GradeFn) -> None:
        methods = mp.get_all_start_methods()
        self.ctx: Any = mp.get_context("fork" if "fork" in methods else "spawn")
        self.references, self.workers, self.time_limit = references, workers, time_limit
        self.memory_limit_mb, self.chunk, self.grade_fn = memory_limit_mb, chunk, grade_fn

    def run(self, todo: Iterable[Task], record: Callable[[Task, dict], None]) -> None:
        pending = deque(todo)
        slots = [_Slot(self) for _ in range(min(self.workers, len(pending)))]
        try:
            while pending or any(s.queue for s in slots):
                for slot in slots:
                    if pending and len(slot.queue) <= self.chunk // 2:
                        size = max(1, min(self.chunk, len(pending) // (2 * len(slots)) or 1))
                        slot.give([pending.popleft() for _ in range(min(size, len(pending)))])
                busy = [s for s in slots if s.queue]
                ready = wait([s.conn for s in busy], timeout=0.05)
                for slot in busy:
                    if slot.conn in ready and not self._collect(slot, record):
                        self._replace(slots, slot, pending, record, "the grading process died "
                                      "(memory limit or crash)", "crashed")
                now = time.monotonic()
                for slot in list(slots):
                    if slot.queue and now - slot.since > self.time_limit:
                        self._replace(slots, slot, pending, record,
                                      f"time limit ({self.time_limit:g} s) exceeded",
                                      "time_limit")
        finally:
            for slot in slots:
                try:
                    slot.conn.send(None)
                except (OSError, ValueError):
                    pass
                slot.process.join(timeout=1)
                slot.kill()

    def _collect(self, slot: _Slot, record: Callable[[Task, dict], None]) -> bool:
        """Read every result the worker has sent; False if it died."""
        try:
            while slot.conn.poll():
                index, result = slot.conn.recv()
                task = slot.queue.popleft()
                assert task.index == index, "worker answered out of order"
                record(task, result)
                slot.since = time.monotonic()
        except (EOFError, OSError):
            return False
        return True

    def _replace(self, slots: list[_Slot], slot: _Slot, pending: deque[Task],
                 record: Callable[[Task, dict], None], reason: str, code: str) -> None:
        slot.kill()
        if slot.queue:
            record(slot.queue.popleft(), failed(reason, code))
        pending.extendleft(reversed(slot.queue))
        slots[slots.index(slot)] = _Slot(self)
