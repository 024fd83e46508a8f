"""torchvision's classification zoo through ``symconv.from_torch``: times, and the docs table.

For every model (``weights=None``, at the resolution of its default weights):

* ``trace``: ``symconv.from_torch(model)`` (torch.fx trace and conversion);
* ``numeric``: ``symconv.analyze(net, (3, S, S))`` with the per-layer cache emptied,
  totals included; ``symbolic``: the same for ``(3, "h", "w")``;
* the targets: trace + numeric <= 2 s, trace + symbolic <= 10 s;
* ``torchinfo``, ``fvcore``, ``ptflops``: each tool's own run on the same model
  (CPU, random weights, one sample), as a user would call it;
* a check that symconv's MACs equal FlopCounterMode / 2 and its parameters sum(p.numel()).

Then DenseNet-121 -> 169 -> 201 -> 161: symbolic time against the number of
graph nodes (linear growth: a flat time per node).

``--markdown FILE`` writes the table of docs/networks.md (params, MACs by symconv,
by FlopCounterMode / 2 and torchvision's published GFLOPS, symbolic time).

Run: ``python benchmarks/zoo.py [--models resnet50,vit_b_16] [--no-tools]
[--tool-limit 60] [--markdown table.md]``.  Timings on a shared machine are noisy: each
analysis is the best of ``--repeats`` cold runs.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import logging
import platform
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
import torchvision

import symconv
from symconv.network import clear_cache

# The zoo's list of constructors is the tests' (tests/zoo/models.py): one list, run from anywhere.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.zoo import models as Z  # noqa: E402

NUMERIC_TARGET_S = 2.0
SYMBOLIC_TARGET_S = 10.0
DENSENETS = ("densenet121", "densenet169", "densenet201", "densenet161")


def timed(fn: Callable[[], Any], repeats: int = 1) -> tuple[Any, float]:
    best, out = float("inf"), None
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return out, best


def analysis(net: Any, shape: tuple) -> Callable[[], Any]:
    def run() -> Any:
        clear_cache()
        report = symconv.analyze(net, shape)
        _ = report.total, report.receptive_field
        return report
    return run


def tool_times(name: str, std: Z.Standard) -> dict[str, float | None]:
    """Each tool on the real model (CPU), as its documentation shows."""
    from fvcore.nn import FlopCountAnalysis
    from ptflops import get_model_complexity_info
    from torchinfo import summary

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = torchvision.models.get_model(name, weights=None, **std.kwargs).eval()
    shape = (3, std.size, std.size)
    x = torch.randn(1, *shape)

    def fv() -> Any:
        counter = FlopCountAnalysis(model, x)
        counter.unsupported_ops_warnings(False)
        counter.uncalled_modules_warnings(False)
        return counter.total()

    runs: dict[str, Callable[[], Any]] = {
        "torchinfo": lambda: summary(model, input_data=x, verbose=0).total_mult_adds,
        "fvcore": fv,
        "ptflops": lambda: get_model_complexity_info(model, shape, as_strings=False,
                                                     print_per_layer_stat=False, verbose=False),
    }
    out: dict[str, float | None] = {}
    logging.disable(logging.WARNING)
    try:
        for tool, run in runs.items():
            with torch.no_grad(), contextlib.redirect_stdout(io.StringIO()), \
                    warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    out[tool] = timed(run)[1]
                except Exception:  # noqa: BLE001 - a tool failing on a model is reported, not fatal
                    out[tool] = None
    finally:
        logging.disable(logging.NOTSET)
    return out


def measure(name: str, repeats: int, tools: bool, tool_limit: float) -> dict[str, Any]:
    std = Z.standard(torchvision, name)
    model = Z.build(torch, torchvision, name, **std.kwargs)
    shape = (3, std.size, std.size)
    net, trace_s = timed(lambda: symconv.from_torch(model), repeats)
    numeric, numeric_s = timed(analysis(net, shape), repeats)
    _, symbolic_s = timed(analysis(net, (3, "h", "w")), repeats)
    outputs, flops, _ = Z.meta_forward(torch, model, shape)
    params = sum(p.numel() for p in model.parameters())
    row = {
        "model": name, "size": std.size, "nodes": len(net.nodes), "rows": len(numeric.layers),
        "params": int(numeric.total.params), "unused": net.unused_params,
        "params_ok": int(numeric.total.params) + net.unused_params == params,
        "macs": int(numeric.total.macs), "fcm_macs": flops // 2, "gflops": std.gflops,
        "trace": trace_s, "numeric": numeric_s, "symbolic": symbolic_s,
    }
    if tools and std.gflops <= tool_limit:
        row.update(tool_times(name, std))
    return row


def fmt_s(value: float | None) -> str:
    return "   -  " if value is None else f"{value:6.2f}"


def print_rows(rows: list[dict[str, Any]], tools: bool, header: bool = True) -> None:
    head = (f"{'model':20s} {'size':>4s} {'nodes':>5s} {'trace':>6s} {'numeric':>7s} "
            f"{'symbolic':>8s}  {'<=2s':4s} {'<=10s':5s} {'MACs = FCM/2':12s}")
    if tools:
        head += f" {'torchinfo':>9s} {'fvcore':>7s} {'ptflops':>7s}"
    if header:
        print(head)
    for r in rows:
        line = (f"{r['model']:20s} {r['size']:4d} {r['nodes']:5d} {fmt_s(r['trace'])} "
                f"{fmt_s(r['numeric']):>7s} {fmt_s(r['symbolic']):>8s}  "
                f"{'ok' if r['trace'] + r['numeric'] <= NUMERIC_TARGET_S else 'SLOW':4s} "
                f"{'ok' if r['trace'] + r['symbolic'] <= SYMBOLIC_TARGET_S else 'SLOW':5s} "
                f"{'yes' if r['macs'] == r['fcm_macs'] and r['params_ok'] else 'NO':12s}")
        if tools:
            line += "".join(f" {fmt_s(r.get(t)):>{w}s}" for t, w in
                            (("torchinfo", 9), ("fvcore", 7), ("ptflops", 7)))
        print(line, flush=True)


def print_growth(repeats: int) -> None:
    print("\nDenseNet symbolic (3 x h x w) analysis against depth (graph nodes):")
    print(f"{'model':14s} {'nodes':>5s} {'trace':>6s} {'symbolic':>8s} {'ms/node':>8s}")
    for name in DENSENETS:
        model = Z.build(torch, torchvision, name)
        net, trace_s = timed(lambda m=model: symconv.from_torch(m), repeats)
        _, symbolic_s = timed(analysis(net, (3, "h", "w")), repeats)
        print(f"{name:14s} {len(net.nodes):5d} {trace_s:6.2f} {symbolic_s:8.2f} "
              f"{1000 * symbolic_s / len(net.nodes):8.2f}", flush=True)


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| model | input | params | MACs (symconv) | FlopCounterMode / 2 | published GFLOPS "
        "| symconv rounded alike | symbolic analysis |",
        "|---|---:|---:|---:|---:|---:|:---:|---:|",
    ]
    for r in rows:
        fcm = "= symconv" if r["fcm_macs"] == r["macs"] else f"{r['fcm_macs']:,}"
        unused = f" (+{r['unused']:,} unused)" if r["unused"] else ""
        same = "=" if round(r["macs"] / 1e9, 3) == r["gflops"] else f"{r['macs'] / 1e9:.3f}"
        lines.append(f"| {r['model']} | {r['size']} | {r['params']:,}{unused} | {r['macs']:,} "
                     f"| {fcm} | {r['gflops']} | {same} | {r['trace'] + r['symbolic']:.2f} s |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", help="comma-separated names (default: every model)")
    parser.add_argument("--no-tools", action="store_true", help="skip torchinfo/fvcore/ptflops")
    parser.add_argument("--tool-limit", type=float, default=60.0,
                        help="run the tools only on models of at most this many GFLOPS (CPU time)")
    parser.add_argument("--repeats", type=int, default=1, help="best of N cold runs")
    parser.add_argument("--markdown", help="write the docs/networks.md table to this file")
    args = parser.parse_args()
    names = args.models.split(",") if args.models else Z.classification_models(torchvision)
    torch.set_num_threads(2)
    symconv.analyze(symconv.Sequential(symconv.Conv2d(1, 1, 3)), (1, "h", "w"))  # warm imports
    print(f"symconv on torchvision {torchvision.__version__}, torch {torch.__version__}, "
          f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads")
    rows: list[dict[str, Any]] = []
    for name in names:
        rows.append(measure(name, args.repeats, not args.no_tools, args.tool_limit))
        print_rows(rows[-1:], not args.no_tools, header=len(rows) == 1)
    slow = [r["model"] for r in rows if r["trace"] + r["numeric"] > NUMERIC_TARGET_S
            or r["trace"] + r["symbolic"] > SYMBOLIC_TARGET_S]
    wrong = [r["model"] for r in rows if r["macs"] != r["fcm_macs"] or not r["params_ok"]]
    print(f"\n{len(rows)} models; exact (MACs = FCM/2, params): {len(rows) - len(wrong)}; "
          f"over a time target: {', '.join(slow) or 'none'}")
    if not args.models or any(n in DENSENETS for n in names):
        print_growth(args.repeats)
    if args.markdown:
        with open(args.markdown, "w") as out:
            out.write(markdown(rows) + "\n")
        print(f"\nwrote {args.markdown}")


if __name__ == "__main__":
    main()
