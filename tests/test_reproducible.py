"""The suite draws the same examples in every process: a fresh clone runs what CI ran.

Two interpreters with different ``PYTHONHASHSEED`` (string hashes, set and dict orders
differ between them) run one property test under this suite's hypothesis profile, with
the project's own strategies, and print every example drawn; the two lists must match.
Without ``derandomize`` in tests/conftest.py they differ (checked below too).
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent

PROGRAM = """
import sys
sys.path[:0] = [{tests!r}, {layers!r}]
import conftest  # loads the suite's profile
from hypothesis import given, settings
from strategies import conv_cases

{override}

@given(conv_cases())
def draw(case):
    print(repr(case))

draw()
"""


def draws(hash_seed: str, override: str = "") -> list[str]:
    code = PROGRAM.format(tests=str(TESTS), layers=str(TESTS / "layers"), override=override)
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    env.pop("CI", None)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=300, check=True)
    return done.stdout.splitlines()


def test_two_processes_draw_the_same_examples():
    first, second = draws("1"), draws("2")
    assert len(first) >= 20
    assert first == second


def test_a_random_profile_would_not():
    """The comparison above can fail: with derandomize off the draws differ."""
    random = ('settings.register_profile("random", settings.get_profile("default"), '
              'derandomize=False)\nsettings.load_profile("random")')
    assert draws("1", random) != draws("2", random)
