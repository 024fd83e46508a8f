"""Counts of the CLI corpus run (tests/cli/test_corpus.py), printed after the tests."""

from __future__ import annotations

import collections


def pytest_terminal_summary(terminalreporter):
    import sys

    module = next((m for name, m in sys.modules.items() if name.endswith("test_corpus")
                   and hasattr(m, "OUTCOMES")), None)
    outcomes = getattr(module, "OUTCOMES", None)
    if not outcomes:
        return
    counts = collections.Counter(outcomes.values())
    terminalreporter.write_line(
        f"CLI corpus: {len(outcomes)} cases run, "
        f"{counts.get('clean', 0)} clean one-line errors, "
        f"{counts.get('traceback', 0)} tracebacks, "
        f"{counts.get('exit 0 for nonsense', 0)} exit-0-for-nonsense, "
        f"{counts.get('bug fallback', 0)} bug fallbacks, {counts.get('slow', 0)} over 10 s, "
        f"{sum(v for k, v in counts.items() if k != 'clean')} failing")
