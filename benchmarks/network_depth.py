"""Analysis time against depth: 10 ... 1000 layers, symbolic input (c, h, w).

Each net is a chain of 3x3 convolutions (padding 1) with distinct channel counts,
never reused between runs, so no layer finds its report in symconv's cache or its
expressions in SymPy's: the time measures real derivation work.  Linear growth
shows as a flat time per layer.  The constant depends on the machine's load and on
SymPy's expression cache (``SYMPY_CACHE_SIZE``, 1000 entries by default): nets whose
expressions outgrow it pay for cache misses, a constant factor, not a growth.

Run: ``PYTHONPATH=. python benchmarks/network_depth.py``.
"""

from __future__ import annotations

import time

import symconv
from symconv.network import clear_cache

DEPTHS = (10, 30, 100, 300, 1000)


_next_channel = 8


def chain(depth: int) -> symconv.Sequential:
    """``depth`` convolutions whose channel counts no earlier chain used."""
    global _next_channel
    channels = [_next_channel + i for i in range(depth + 1)]
    _next_channel += depth + 1
    return symconv.Sequential(*(symconv.Conv2d(channels[i], channels[i + 1], 3, padding=1)
                                for i in range(depth)))


def measure(depth: int, repeats: int = 3) -> float:
    """Best of ``repeats`` cold runs (the machine is shared: the minimum is the least noisy)."""
    best = float("inf")
    for _ in range(repeats if depth <= 300 else 1):
        net = chain(depth)
        clear_cache()
        start = time.perf_counter()
        report = symconv.analyze(net, (net[0].in_channels, "h", "w"), batch="B")
        _ = report.total, report.receptive_field
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    measure(10)  # warm up imports and SymPy's caches of small expressions
    print(f"{'layers':>7} {'seconds':>9} {'ms/layer':>9}")
    per_layer = []
    for depth in DEPTHS:
        seconds = measure(depth)
        per_layer.append(seconds / depth)
        print(f"{depth:>7} {seconds:>9.3f} {1000 * seconds / depth:>9.2f}")
    ratio = per_layer[-1] / per_layer[1]
    print(f"time per layer at {DEPTHS[-1]} vs {DEPTHS[1]} layers: x{ratio:.2f} "
          f"({'linear' if ratio < 2 else 'super-linear'} growth)")


if __name__ == "__main__":
    main()
