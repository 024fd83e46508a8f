"""A time limit for in-process work on untrusted input (deriving one question of a key).

Bounds on sizes stop most hostile inputs before any work starts; this is
the backstop for the rest (an engine function asked for something
legitimately small but slow).  The limit uses ``SIGALRM``, so it applies in
the main thread of a Unix process (the command line, a notebook kernel);
elsewhere the work runs unlimited, as before.

Examples
--------
>>> with time_limit(5, "question 'q1'"):
...     total = sum(range(1000))
>>> total
499500
>>> import time
>>> with time_limit(0.05, "question 'slow'"):  # doctest: +ELLIPSIS
...     while True:
...         time.sleep(0.01)
Traceback (most recent call last):
...
symconv.timelimit.TimeLimitExceeded: question 'slow' took longer than 0.05 s and was stopped ...
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

#: Seconds one question of a key may take to derive and check (``SYMCONV_QUESTION_TIME_LIMIT``).
QUESTION_TIME_LIMIT = 120.0


class TimeLimitExceeded(ValueError):
    """Work on one input ran past its time limit; the message names the input."""


def question_time_limit() -> float:
    """The per-question limit: ``SYMCONV_QUESTION_TIME_LIMIT`` seconds, else the default."""
    text = os.environ.get("SYMCONV_QUESTION_TIME_LIMIT", "")
    try:
        value = float(text)
    except ValueError:
        return QUESTION_TIME_LIMIT
    return value if value > 0 else QUESTION_TIME_LIMIT


@contextlib.contextmanager
def time_limit(seconds: float, what: str) -> Iterator[None]:
    """Raise :class:`TimeLimitExceeded` in the block if it runs longer than ``seconds``."""
    usable = (hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
              and seconds > 0)
    if not usable:
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise TimeLimitExceeded(f"{what} took longer than {seconds:g} s and was stopped "
                                "(SYMCONV_QUESTION_TIME_LIMIT sets the limit)")

    previous = signal.signal(signal.SIGALRM, expire)
    start = time.monotonic()
    outer_remaining, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_remaining:  # an enclosing limit keeps running
            left = outer_remaining - (time.monotonic() - start)
            signal.setitimer(signal.ITIMER_REAL, max(left, 0.001))
