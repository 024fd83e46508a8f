"""Forked grading workers that cannot deadlock with their parent, leak, or outlive it.

One :class:`WorkerPool` runs rows through a few forked worker processes.  The
rules that make it safe, each answering a way batches used to fail:

* **No blocking pipe writes in the parent.**  Rows go to a worker and results come
  back as length-prefixed frames over two pipes; the parent's ends are
  non-blocking and driven by one ``selectors`` loop that always drains what the
  workers write before it writes more.  A worker may block on its own writes:
  the parent is always reading.  (A 300 kB answer and a 300 kB reference used to
  fill both pipes at once and stop both processes forever.)
* **Bounded frames.**  A worker's result is cut to :data:`MAX_FIELD` characters per
  text field and :data:`MAX_FRAME` bytes in all; the parent refuses a longer frame
  (the worker is killed and its row marked), so no row can make the parent
  allocate without bound.  Results come back as JSON, never pickle: the parent
  only ever reads data from a worker.
* **Workers die with their parent.**  On Linux each worker asks the kernel for
  SIGKILL when its parent dies (``prctl(PR_SET_PDEATHSIG)`` through ctypes); on
  every POSIX system the parent holds the only write end of each worker's task
  pipe (a new worker closes every descriptor it inherited except its own two), so
  an idle worker reads end-of-file and exits, and a worker stuck in one row is
  stopped by its CPU-time limit (``RLIMIT_CPU``, set before every row to what
  that row may use).  After ``kill -9`` of the parent no worker survives.
* **Time and memory.**  A row that runs longer than ``time_limit`` seconds
  (wall clock, measured by the parent) gets its worker killed with SIGKILL (C-level
  bignum code does not run Python signal handlers); each worker's address space
  is capped at its size after start-up plus ``memory_limit_mb``.

* **One worker per reference.**  Preparing a reference, and all a worker caches on it
  (sample points, mutant trees, answers already graded against it), is per process:
  a reference's rows go to the worker that holds it (:class:`_Queue`), so it is
  prepared once, not once per worker; the end of a batch is still shared.

Everything else (what a failure means for the row, retries, caches, the journal)
is :mod:`symconv.grading.batch`'s.
"""

from __future__ import annotations

import gc
import json
import math
import mmap
import os
import pickle
import select
import selectors
import signal
import struct
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

#: ``(expected, keywords of symconv.grade)``.
RefSpec = tuple[Any, Any]
GradeFn = Callable[[Any, Any, Any], dict[str, Any]]

_HEADER = struct.Struct(">I")
#: Longest text field of a result a worker sends back (characters).
MAX_FIELD = 2000
#: Longest result line (bytes) a worker sends; longer results become a failure.
MAX_LINE = 64 * 1024
#: Results per frame, and the longest a finished result waits in the worker (seconds).
BATCH = 64
FLUSH_SECONDS = 0.01
#: Longest frame (bytes) the parent accepts from a worker.
MAX_FRAME = BATCH * (MAX_LINE + 24)
_READ_SIZE = 1 << 20
#: A worker's first-generation garbage-collection threshold (Python's default: 700).
GC_THRESHOLD = 10_000
#: What a worker is doing, in memory shared with its parent: row index, start time.
_STATUS = struct.Struct("=qd")


@dataclass
class Job:
    """One row on its way through the pool: its position, reference id and answer."""

    index: int
    reference: int
    answer: Any


@dataclass
class Outcome:
    """What happened to a job: a result from the worker, or why there is none."""

    job: Job
    result: dict[str, Any] | None
    failure: str | None = None  # "time_limit", "crashed", "too_large", "skipped"
    raw: bytes = b""  # the result as the worker's JSON (journalled as it is)


# -- in the worker ------------------------------------------------------------------------
def _serve(task_fd: int, result_fd: int, status: mmap.mmap, references: Sequence[RefSpec],
           grade_fn: GradeFn, memory_limit_mb: int, cpu_seconds: int) -> None:
    """The worker's loop: read a frame of jobs, grade each, send results in batches.

    Before each row the worker writes (row index, start time) into ``status``, memory
    shared with the parent: that is how the parent knows which row is slow or killed
    its worker, so results can travel in batches (one write per ~64 rows, or when
    the worker would wait for work, or every :data:`FLUSH_SECONDS`).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # a vanished parent ends the worker
    _limit_memory(memory_limit_mb)
    # The heap inherited from the parent (its imports, the rows) is never garbage here:
    # leave it out of every collection.  Grading allocates many small trees that stay
    # (parsed answers, verdict caches): with the default threshold a full collection
    # walked them every few hundred rows, a third of a worker's time.
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, 10, 10)
    waiting = select.poll()
    waiting.register(task_fd, select.POLLIN)
    lines: list[bytes] = []
    first = 0.0
    while True:
        if lines and not waiting.poll(0):  # about to wait for work: send what is done
            _write_all(result_fd, _frame(lines))
            lines = []
        frame = _read_frame(task_fd)
        if frame is None:  # the parent closed the pipe, or died
            return
        for index, ref_id, answer in pickle.loads(frame):
            _limit_cpu(cpu_seconds)
            _STATUS.pack_into(status, 0, index, time.monotonic())
            try:
                expected, domain = references[ref_id]
                result = grade_fn(expected, answer, domain)
            except MemoryError:
                result = {"failure": "memory_limit"}
            except Exception:  # noqa: BLE001 - one row must not stop the batch
                result = {"failure": "internal_error"}
            if not lines:
                first = time.monotonic()
            lines.append(encode_result(index, result))
            if len(lines) >= BATCH or time.monotonic() - first > FLUSH_SECONDS:
                _write_all(result_fd, _frame(lines))
                lines = []


def _frame(lines: list[bytes]) -> bytes:
    payload = b"\n".join(lines)
    return _HEADER.pack(len(payload)) + payload


def encode_result(index: int, result: dict[str, Any]) -> bytes:
    """One result line, ``index<TAB>JSON``; text fields cut to :data:`MAX_FIELD`.

    JSON never contains a raw newline, so lines can be joined into one frame.
    """
    payload = json.dumps(cap_result(result), default=str).encode("utf-8", "surrogateescape")
    if len(payload) > MAX_LINE:
        payload = b'{"failure": "too_large"}'
    return b"%d\t%s" % (index, payload)


def cap_result(result: dict[str, Any]) -> dict[str, Any]:
    """``result`` with every long text value cut, so no row returns megabytes.

    >>> capped = cap_result({"answer": "h" * 5000, "points": 3})
    >>> len(capped["answer"]), capped["answer"][-25:], capped["points"]
    (1985, '… [5,000 characters, cut]', 3)
    """
    out: dict[str, Any] = {}
    for key, value in result.items():
        if isinstance(value, str):
            out[key] = cut(value)
        elif isinstance(value, dict) and len(json.dumps(value, default=str)) > MAX_FIELD:
            out[key] = {k: cut(str(v), 200) for k, v in list(value.items())[:20]}
        else:
            out[key] = value
    return out


def cut(text: str, limit: int = MAX_FIELD) -> str:
    """``text`` if short enough, else its start and how long it was."""
    if len(text) <= limit:
        return text
    return text[:limit - 40] + f"… [{len(text):,} characters, cut]"


def _read_frame(fd: int) -> bytes | None:
    header = _read_exactly(fd, _HEADER.size)
    if header is None:
        return None
    data = _read_exactly(fd, _HEADER.unpack(header)[0])
    return data


def _read_exactly(fd: int, n: int) -> bytes | None:
    parts, got = [], 0
    while got < n:
        piece = os.read(fd, min(n - got, _READ_SIZE))
        if not piece:
            return None
        parts.append(piece)
        got += len(piece)
    return b"".join(parts)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _limit_memory(extra_mb: int) -> None:
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return
    current = _virtual_size()
    if current is None or extra_mb <= 0:
        return
    limit = current + extra_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _limit_cpu(seconds: int) -> None:
    """Let this process use at most ``seconds`` more CPU time (then the kernel kills it).

    The parent kills a slow row long before this (wall time >= CPU time); the limit is
    what stops a worker whose parent is gone on a system without PR_SET_PDEATHSIG.
    """
    try:
        import resource
    except ImportError:  # pragma: no cover
        return
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = int(usage.ru_utime + usage.ru_stime) + seconds
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _virtual_size() -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _die_with_parent(parent: int) -> None:
    """Ask Linux to SIGKILL this process when ``parent`` dies (no-op elsewhere)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _close_inherited(keep: set[int]) -> None:
    """Close every descriptor this forked child inherited except ``keep`` and stdio.

    Other workers' pipe ends must not stay open here: a copy of another worker's task
    pipe would keep that worker from ever seeing end-of-file when the parent dies.
    """
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        fds = list(range(3, 256))
    for fd in fds:
        if fd > 2 and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


# -- in the parent ------------------------------------------------------------------------
class _Queue:
    """The jobs waiting for a worker, by reference, each reference held by one worker.

    References are held in groups (``group[reference id]``, default: each its own):
    the per-student variants of one formula share the formula's parsed tree and what is
    cached on it, so they go to one worker too.

    A worker takes the jobs of the references it holds, oldest first; with none left it
    claims the next reference nobody holds; when every reference with jobs is held, it
    takes the next job of the longest queue (the end of a batch is shared, not left to
    one worker; with one reference the jobs go out in order, as from one queue).  A
    killed worker's references are free again, first in line.

    In a batch with 20 references and two workers this is a fifth less CPU than rows
    dealt out in order (each worker prepared every reference and graded its answers
    into caches the other never used).

    >>> q = _Queue([Job(0, 7, "a"), Job(1, 8, "b"), Job(2, 7, "c"), Job(3, 8, "d")])
    >>> [q.pop(100).index, q.pop(200).index, q.pop(100).index, q.pop(100).index, len(q)]
    [0, 1, 2, 3, 0]
    """

    def __init__(self, jobs: Sequence[Job] = (), group: Sequence[int] | None = None) -> None:
        self._group = group
        self._jobs: dict[int, deque[Job]] = {}  # group -> its waiting jobs (none: absent)
        for job in jobs:
            self._jobs.setdefault(self._key(job), deque()).append(job)
        self._free: deque[int] = deque(self._jobs)  # references nobody holds, in order
        self._holder: dict[int, int] = {}  # reference -> pid of the worker holding it
        self._held: dict[int, deque[int]] = {}  # pid -> references it holds, oldest first
        self._size = len(jobs)

    def __len__(self) -> int:
        return self._size

    def _key(self, job: Job) -> int:
        return job.reference if self._group is None else self._group[job.reference]

    def pop(self, pid: int) -> Job:
        """The next job for the worker ``pid`` (the queue must not be empty)."""
        held = self._held.setdefault(pid, deque())
        while held and (held[0] not in self._jobs or self._holder.get(held[0]) != pid):
            ref = held.popleft()  # drained, or lost with a worker and held by another since
            if self._holder.get(ref) == pid:
                del self._holder[ref]  # a job queued again later goes to whoever is free
        if held:
            ref = held[0]
        else:
            while self._free and (self._free[0] not in self._jobs
                                  or self._free[0] in self._holder):
                self._free.popleft()
            if self._free:
                ref = self._free.popleft()
                self._holder[ref] = pid
                held.append(ref)
            else:  # everything is held: share the longest queue
                ref = max(self._jobs, key=lambda r: len(self._jobs[r]))
        queue = self._jobs[ref]
        job = queue.popleft()
        if not queue:
            del self._jobs[ref]
        self._size -= 1
        return job

    def push_front(self, job: Job) -> None:
        """Queue ``job`` again, before the other jobs of its reference."""
        ref = self._key(job)
        queue = self._jobs.get(ref)
        if queue is None:
            queue = self._jobs[ref] = deque()
            holder = self._holder.get(ref)
            if holder is None or holder not in self._held:
                self._holder.pop(ref, None)
                self._free.appendleft(ref)
            else:
                self._held[holder].appendleft(ref)
        queue.appendleft(job)
        self._size += 1

    def release(self, pid: int) -> None:
        """The worker ``pid`` is gone: its references (with jobs) go first to the next."""
        for ref in reversed(self._held.pop(pid, deque())):
            if self._holder.get(ref) == pid:
                del self._holder[ref]
                if ref in self._jobs:
                    self._free.appendleft(ref)


def _groups(references: Sequence[RefSpec]) -> list[int]:
    """For each reference, the first one with the same expected formula (see :class:`_Queue`)."""
    first: dict[Any, int] = {}
    out = []
    for i, (expected, _) in enumerate(references):
        try:
            out.append(first.setdefault(("formula", type(expected), expected), i))
        except TypeError:  # unhashable: a group of its own
            out.append(i)
    return out


@dataclass
class _Worker:
    pid: int
    task_fd: int
    result_fd: int
    status: mmap.mmap
    queue: deque[Job] = field(default_factory=deque)
    since: float = field(default_factory=time.monotonic)
    outbox: bytearray = field(default_factory=bytearray)
    inbox: bytearray = field(default_factory=bytearray)
    dead: bool = False


class WorkerPool:
    """``workers`` forked processes grading :class:`Job` s against ``references``.

    Parameters
    ----------
    references : the references, by position (a worker inherits them at fork time)
    grade_fn : ``grade_fn(expected, answer, keywords) -> dict``, run in the workers
    workers, time_limit, memory_limit_mb : as :func:`symconv.grading.batch.run_batch`
    chunk : jobs per frame sent to a worker; up to two frames are in flight per worker
        (fewer system calls; a killed worker's other jobs are handed back)

    :meth:`run` yields an :class:`Outcome` per job as it completes, in completion
    order.  Leaving the iteration early (an exception, Ctrl-C, ``close``) kills every
    worker.

    Examples
    --------
    >>> def double(expected, answer, keywords):
    ...     return {"value": 2 * answer}
    >>> pool = WorkerPool([(None, {})], double, workers=2)
    >>> sorted(o.result["value"] for o in pool.run([Job(i, 0, i) for i in range(5)]))
    [0, 2, 4, 6, 8]
    """

    def __init__(self, references: Sequence[RefSpec], grade_fn: GradeFn, *, workers: int = 2,
                 time_limit: float = 5.0, memory_limit_mb: int = 512, chunk: int = 32) -> None:
        if not hasattr(os, "fork"):  # pragma: no cover - Windows
            raise OSError("grading worker processes need os.fork (use workers=0)")
        self.references, self.grade_fn = references, grade_fn
        self.workers, self.time_limit = max(1, workers), time_limit
        self.memory_limit_mb, self.chunk = memory_limit_mb, max(1, chunk)
        self.cpu_seconds = math.ceil(time_limit) + 1  # CPU time <= wall time: never early
        self._live: list[_Worker] = []
        self._groups = _groups(references)
        self._pending = _Queue()
        self._abandon: Callable[[Job], bool] | None = None
        self._selector = selectors.DefaultSelector()
        self.started = 0

    # -- lifecycle ----------------------------------------------------------------------
    def _spawn(self) -> _Worker:
        task_r, task_w = os.pipe()
        result_r, result_w = os.pipe()
        status = mmap.mmap(-1, _STATUS.size)  # shared with the child (MAP_SHARED)
        _STATUS.pack_into(status, 0, -1, 0.0)
        parent = os.getpid()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the worker: never returns into the parent's code
            code = 0
            try:
                _die_with_parent(parent)
                _close_inherited({task_r, result_w})
                _serve(task_r, result_w, status, self.references, self.grade_fn,
                       self.memory_limit_mb, self.cpu_seconds)
            except BaseException:  # noqa: BLE001 - exit quietly, the parent reports
                code = 1
            finally:
                os._exit(code)
        os.close(task_r)
        os.close(result_w)
        os.set_blocking(task_w, False)
        os.set_blocking(result_r, False)
        worker = _Worker(pid, task_w, result_r, status)
        self._selector.register(result_r, selectors.EVENT_READ, worker)
        self._live.append(worker)
        self.started += 1
        return worker

    def _kill(self, worker: _Worker) -> None:
        if worker.dead:
            return
        worker.dead = True
        try:
            os.kill(worker.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(worker.pid, 0)
        except ChildProcessError:
            pass
        for fd in (worker.task_fd, worker.result_fd):
            try:
                self._selector.unregister(fd)
            except (KeyError, ValueError):
                pass
            os.close(fd)
        worker.status.close()
        self._live.remove(worker)
        self._pending.release(worker.pid)

    def close(self) -> None:
        """Kill every worker (idempotent)."""
        for worker in list(self._live):
            self._kill(worker)

    @property
    def pids(self) -> list[int]:
        """Process ids of the live workers."""
        return [w.pid for w in self._live]

    # -- the loop -----------------------------------------------------------------------
    def run(self, jobs: Sequence[Job], skip: Callable[[Job], bool] | None = None,
            abandon: Callable[[Job], bool] | None = None) -> Any:
        """Grade ``jobs``; yield an :class:`Outcome` per job (``skip(job)`` True: not sent).

        ``skip`` is asked just before a job is sent, ``abandon`` of every worker's current
        job between reads (True: the worker is killed, its other jobs go back to the
        queue), so a job whose answer just failed for another row is not graded again:
        its outcome has failure ``"skipped"`` and the caller fills in the result.
        Jobs handed back by a killed worker are retried later in the same run; the
        caller decides, from the outcome, whether a failed job is queued again with
        :meth:`retry`.
        """
        self._pending = _Queue(jobs, self._groups)
        self._abandon = abandon
        try:
            while self._pending or any(w.queue for w in self._live):
                yield from self._dispatch(skip)
                yield from self._poll()
                yield from self._check_deadlines()
        finally:
            self.close()
            self._selector.close()

    def retry(self, job: Job) -> None:
        """Queue ``job`` again (to the front: it is graded next)."""
        self._pending.push_front(job)

    def _dispatch(self, skip: Callable[[Job], bool] | None) -> Any:
        if not self._pending:
            return
        while len(self._live) < min(self.workers, len(self._pending)
                                    + sum(len(w.queue) for w in self._live)):
            self._spawn()
        for worker in list(self._live):
            # two frames in flight: the worker starts the next while the parent reads
            if len(worker.queue) > self.chunk or not self._pending:
                continue
            share = max(1, min(self.chunk, -(-len(self._pending) // len(self._live))))
            batch: list[Job] = []
            while self._pending and len(batch) < share:
                job = self._pending.pop(worker.pid)
                if skip is not None and skip(job):
                    yield Outcome(job, None, "skipped")
                    continue
                batch.append(job)
            if not batch:
                continue
            if not worker.queue:
                worker.since = time.monotonic()
            worker.queue.extend(batch)
            frame = pickle.dumps([(j.index, j.reference, j.answer) for j in batch],
                                 protocol=pickle.HIGHEST_PROTOCOL)
            worker.outbox += _HEADER.pack(len(frame)) + frame
            self._flush(worker)

    def _flush(self, worker: _Worker) -> None:
        """Write what the pipe takes now; watch for writability while anything is left."""
        if worker.outbox:
            try:
                del worker.outbox[:os.write(worker.task_fd, worker.outbox)]
            except BlockingIOError:
                pass
            except OSError:  # the worker died; its end-of-file is read in _poll
                worker.outbox.clear()
        watching = worker.task_fd in self._selector.get_map()
        if worker.outbox and not watching:
            self._selector.register(worker.task_fd, selectors.EVENT_WRITE, worker)
        elif not worker.outbox and watching:
            self._selector.unregister(worker.task_fd)

    def _poll(self) -> Any:
        timeout = 0.05
        busy = [w for w in self._live if w.queue]
        if busy:
            soonest = min(self._current(w)[1] for w in busy) + self.time_limit - time.monotonic()
            timeout = max(0.0, min(timeout, soonest))
        for key, mask in self._selector.select(timeout):
            worker: _Worker = key.data
            if worker.dead:
                continue
            if mask & selectors.EVENT_WRITE and key.fd == worker.task_fd:
                self._flush(worker)
                continue
            yield from self._read(worker)

    def _read(self, worker: _Worker) -> Any:
        closed = False
        while True:
            try:
                data = os.read(worker.result_fd, _READ_SIZE)
            except BlockingIOError:
                break
            except OSError:
                closed = True
                break
            if not data:
                closed = True
                break
            worker.inbox += data
            if len(data) < _READ_SIZE:
                break
        yield from self._frames(worker)
        if closed and not worker.dead:
            yield from self._lost(worker, "crashed")

    def _frames(self, worker: _Worker) -> Any:
        inbox, offset = worker.inbox, 0
        while len(inbox) - offset >= _HEADER.size:
            (size,) = _HEADER.unpack_from(inbox, offset)
            if size > MAX_FRAME:
                del inbox[:offset]
                yield from self._lost(worker, "too_large")
                return
            if len(inbox) - offset - _HEADER.size < size:
                break
            start = offset + _HEADER.size
            payload = bytes(inbox[start:start + size])
            offset = start + size
            for line in payload.split(b"\n"):
                index, raw = line.split(b"\t", 1)
                job = worker.queue.popleft()
                if job.index != int(index):  # pragma: no cover - a worker answers in order
                    raise RuntimeError("a grading worker answered out of order")
                yield Outcome(job, json.loads(raw), raw=raw)
            worker.since = time.monotonic()
        del inbox[:offset]

    def _current(self, worker: _Worker) -> tuple[int, float]:
        """(position in the worker's queue, start time) of the row it is grading now."""
        index, started = _STATUS.unpack_from(worker.status, 0)
        for position, job in enumerate(worker.queue):
            if job.index == index:
                return position, started
        return 0, worker.since  # it has not started any row of its queue yet

    def _check_deadlines(self) -> Any:
        now = time.monotonic()
        for worker in list(self._live):
            if not worker.queue:
                continue
            position, started = self._current(worker)
            if now - started > self.time_limit and self._current(worker) == (position, started):
                yield from self._lost(worker, "time_limit")
            elif self._abandon is not None and self._abandon(worker.queue[position]):
                yield from self._lost(worker, "skipped")  # failed elsewhere meanwhile

    def _lost(self, worker: _Worker, failure: str) -> Any:
        """Kill ``worker``: its current job failed, its other jobs go back to the queue.

        Jobs it finished but had not yet reported are among the others: graded again.
        """
        queue = list(worker.queue)
        position = self._current(worker)[0] if queue else 0
        self._kill(worker)
        if queue:
            for job in reversed(queue[:position] + queue[position + 1:]):
                self._pending.push_front(job)
            yield Outcome(queue[position], None, failure)

