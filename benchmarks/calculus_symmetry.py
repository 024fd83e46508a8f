"""Benchmark: the checks of ``mlp_symmetry(d, ...).steps()`` for every d a question may ask.

harden found ``d = 8`` running past 120 s: the checks went through all ``2^d d!``
elements of the group (10,321,920 at d = 8), each a SymPy expansion.  They now
check the group's ``d`` generators (SymPy), its order (Schreier-Sims, up to
d = 24), the generators and 200 random elements numerically, and count the
distinct parameter vectors without listing them.  Printed beside the peer, the
element-by-element enumeration: measured while it takes under ``--budget``
seconds, else extrapolated from its measured time per element (marked ``~``).

Usage: ``python benchmarks/calculus_symmetry.py [--activations tanh,relu] [--budget 20]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from symconv.calculus import symmetry as S  # noqa: E402
from symconv.calculus.symmetry import mlp_symmetry  # noqa: E402
from symconv.keys.questions import MAX_WORKED_INTEGER  # noqa: E402

DS = [3, 4, 5, 6, 8, 12, 16, 24, 32, 48, MAX_WORKED_INTEGER]


def seconds(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def enumeration_time(s, budget: float, per_element: dict[str, float]) -> str:
    """The old checks (every element, symbolic and numeric): measured, or extrapolated."""
    if s.group_size <= 4000 and (per_element.get(s.activation, 0) * s.group_size < budget):
        limit = S.ENUMERATION_LIMIT
        S.ENUMERATION_LIMIT = s.group_size  # force the element-by-element path
        try:
            took = seconds(lambda: (s.symbolic_check(), s.numeric_check()))
        finally:
            S.ENUMERATION_LIMIT = limit
        per_element[s.activation] = took / s.group_size
        return f"{took:10.3f}"
    rate = per_element.get(s.activation)
    return f"~{rate * s.group_size:9.3g}" if rate else "         ?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--activations", default="tanh,sigmoid,relu")
    parser.add_argument("--budget", type=float, default=20.0,
                        help="longest enumeration actually run (seconds)")
    args = parser.parse_args()
    print(f"{'activation':>10} {'d':>3} {'elements':>12} {'checks (s)':>11} "
          f"{'enumerating (s)':>16}  method")
    for activation in args.activations.split(","):
        per_element: dict[str, float] = {}
        for d in DS:
            s = mlp_symmetry(d, activation)
            took = seconds(lambda s=s: s.steps())
            peer = enumeration_time(s, args.budget, per_element)
            method = "enumeration" if s.enumerated else "generators"
            print(f"{activation:>10} {d:>3} {s.group_size:>12.3g} {took:>11.3f} {peer:>16}  "
                  f"{method}")


if __name__ == "__main__":
    main()
