"""ResNet-50 analysed symbolically (input 3 x h x w): time to the full table and totals.

Run: ``PYTHONPATH=. python benchmarks/network_resnet50.py``.  The target is <= 2 s
for a cold run (per-layer report cache emptied first).
"""

from __future__ import annotations

import time

import symconv
from symconv.network import clear_cache, zoo

TARGET_SECONDS = 2.0


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def main() -> None:
    net = zoo.resnet50()
    clear_cache()

    def run():
        report = symconv.analyze(net, (3, "h", "w"))
        _ = report.total, report.receptive_field
        return report

    report, cold = timed(run)
    _, warm = timed(run)  # per-layer reports now come from the cache
    numeric, subs = timed(lambda: report.subs(h=224, w=224))
    print(f"ResNet-50, input 3 x h x w: {len(report.layers)} rows")
    print(f"  analyse (cold cache)      {cold:6.3f} s   target <= {TARGET_SECONDS} s: "
          f"{'ok' if cold <= TARGET_SECONDS else 'TOO SLOW'}")
    print(f"  analyse (warm cache)      {warm:6.3f} s")
    print(f"  substitute h = w = 224    {subs:6.3f} s")
    print(f"  params {int(numeric.total.params):,}   MACs at 224: {int(numeric.total.macs):,}")
    print(f"  MACs(h, w) = {report.total.macs}")
    simple, seconds = timed(lambda: report.simplify(assume_divisible=32))
    print(f"  assuming {simple.assumptions[0]} ({seconds:.3f} s):")
    print(f"  MACs(h, w) = {simple.total.macs}")


if __name__ == "__main__":
    main()
