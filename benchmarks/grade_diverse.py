"""Benchmark: 10,000 rows of *diverse* answers, graded end to end, beside naive SymPy.

Where ``grade_batch.py`` repeats about twenty answers per reference (so caches do the
work), here at least half of the rows carry an answer text seen nowhere else: every row's
answer is a fresh rendering (SymPy ``str``/``latex``, a shuffled ASCII printer with ``^``
or ``**``, implicit products, spaces, Unicode ``×``/``⌊⌋``) of an equivalent rewrite or a
near miss, and 2 % of the rows are hostile.  Two runs:

* ``--mode refs``: about 20 references (engine formulas of Conv2d, pooling, transposed
  convolution, linear layers), the answers spread over them;
* ``--mode per-row``: a different reference on every row, as per-student variants make
  them: each row fixes some symbols of an engine formula to that student's numbers, sent
  as symconv's per-student grading sends them (``symconv grade --submissions
  --per-student``, :class:`symconv.keys.roster.StudentVariants`): the formula in the
  ``expected`` column and the student's numbers in the ``domain`` column
  (``c_i=17; k=3``);
* ``--mode per-row-text``: the same variants with the numbers substituted into the
  ``expected`` text itself (``17*c_o*...``), as a CSV written by hand would carry them.

Every (reference, answer) pair is labelled by an oracle independent of the grader (exact
``lambdify`` evaluation over Fractions at random valid instances, ``grade_batch.label``);
the batch is graded by ``symconv grade --batch --workers 2`` end to end, and a sample of
the same rows by naive ``simplify(a - b) == 0``.  Printed: rows/s, CPU, wrong verdicts, the
slowest single answers (in-process, per answer, non-hostile) and the time to prepare a
reference.

Usage: ``python benchmarks/grade_diverse.py [--mode refs|per-row|per-row-text|both|all]
[--rows N] [--workers W] [--sample S] [--seed S] [--rows-cache DIR]``

Labelling a per-row run takes about two minutes per thousand rows (a ``lambdify`` per
pair); ``--rows-cache DIR`` keeps the generated, labelled rows of each (mode, rows, seed)
in ``DIR`` and reuses them, so a 10,000-row per-row run can be labelled once and graded
again after every change.  Only generation is reused: grading is always timed afresh.
"""

from __future__ import annotations

import argparse
import csv
import gc
import os
import pickle
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sympy as sp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import grade_batch as GB  # noqa: E402  (its rewrites, near misses, printers and oracle)

from symconv import AvgPool2d, Conv2d, ConvTranspose2d, Linear, MaxPool2d, analyze  # noqa: E402
from symconv.cli.grade import row_domain  # noqa: E402  (the batch's own domain column)
from symconv.grading import api  # noqa: E402
from symconv.window import product  # noqa: E402


def references() -> list[tuple[str, sp.Expr]]:
    """About 20 engine formulas (every one derived by symconv, none typed here)."""
    conv = analyze(Conv2d("c_i", "c_o", ("k_h", "k_w"), stride=("s_h", "s_w"),
                          padding=("p_h", "p_w"), bias=False), ("c_i", "h", "w"))
    convb = analyze(Conv2d("c_i", "c_o", "k", stride="s", padding="p"), ("c_i", "h", "w"))
    dil = analyze(Conv2d("c_i", "c_o", "k", stride="s", padding="p", dilation="d_h"),
                  ("c_i", "h", "h"))
    grp = analyze(Conv2d("c_i", "c_o", "k", groups="g", bias=False), ("c_i", "h", "w"))
    pool = analyze(MaxPool2d("k", stride="s"), ("c", "h", "w"))
    avg = analyze(AvgPool2d("k", stride="s", padding="p"), ("c", "h", "w"))
    tconv = analyze(ConvTranspose2d("c_i", "c_o", "k", stride="s", padding=1),
                    ("c_i", "h", "w"))
    lin = analyze(Linear("n", "m"), ("n",))
    return [
        ("conv_out_h", conv.output_shape[1]), ("conv_out_w", conv.output_shape[2]),
        ("conv_mults", conv.mults), ("conv_flops", conv.flops), ("conv_adds", conv.adds),
        ("conv_outputs", product(conv.output_shape)), ("convb_params", convb.params),
        ("convb_adds", convb.adds), ("convb_mults", convb.mults),
        ("convb_memory", convb.memory.input + convb.memory.output),
        ("dilated_out", dil.output_shape[1]), ("dilated_mults", dil.mults),
        ("grouped_params", grp.params), ("grouped_mults", grp.mults),
        ("pool_out", pool.output_shape[1]), ("pool_cmp", pool.comparisons),
        ("avg_out", avg.output_shape[2]), ("tconv_out", tconv.output_shape[1]),
        ("tconv_params", tconv.params), ("linear_params", lin.params),
    ]


_UNICODE = str.maketrans({"*": "×"})


def varied(text: str, rng: random.Random) -> str:
    """One more surface variation of an ASCII answer (spaces, Unicode, implicit products)."""
    r = rng.random()
    if r < 0.15:
        return text.replace(" ", "")
    if r < 0.3:
        return text.replace("**", "^").replace("*", " * ")
    if r < 0.4 and "**" not in text:
        return text.translate(_UNICODE)
    if r < 0.5:
        return text.replace(")*(", ")(")
    return text


def variant(ref: sp.Expr, rng: random.Random) -> tuple[sp.Expr, dict[str, int]]:
    """A per-student variant: some symbols fixed to this student's numbers (the variant's
    expression and those numbers)."""
    values = {"c": (1, 64), "k": (1, 7), "s": (1, 3), "p": (0, 3), "d": (1, 3), "g": (1, 4),
              "n": (1, 512), "m": (1, 512), "h": (8, 256), "w": (8, 256)}
    subs = {}
    for s in sorted(ref.free_symbols, key=str):
        if rng.random() < 0.5:
            low, high = values.get(s.name[0], (1, 32))
            subs[s] = rng.randint(low, high)
    out = ref.xreplace({s: sp.Integer(v) for s, v in subs.items()})
    if not out.free_symbols:  # keep at least one symbol: a formula question
        return ref, {}
    return out, {s.name: v for s, v in sorted(subs.items(), key=lambda kv: kv[0].name)}


def generate(mode: str, n: int, seed: int, labelled: bool = True
             ) -> tuple[list[dict], dict]:
    rng = random.Random(seed)
    base = references()
    exprs: dict[tuple, tuple[sp.Expr, sp.Expr]] = {}
    labels: dict[tuple, str] = {}
    points: dict[str, list] = {}
    rows: list[dict] = []
    n_hostile = n // 50
    for i in range(n - n_hostile):
        name, ref = base[i % len(base)]
        formula, values = ref, {}
        if mode.startswith("per-row"):
            for _ in range(10):  # a variant with a valid instance (no window: another)
                ref, values = variant(formula, rng)
                if GB.instances(ref, rng, 3):
                    break
            else:
                ref, values = formula, {}
        kind = i % 2
        ans = GB.rewrites(ref, rng) if kind == 0 else GB.near_miss(ref, rng)
        key = (sp.srepr(ref), sp.srepr(ans))
        if key not in labels and not labelled:
            labels[key], exprs[key] = "unlabelled", (ref, ans)
        if key not in labels:
            ref_key = sp.srepr(ref)
            if ref_key not in points:
                points[ref_key] = GB.instances(ref, rng, 40 if mode.startswith("per-row") else 150)
            labels[key] = GB.label(ref, ans, points[ref_key])
            exprs[key] = (ref, ans)
        text = GB.render(ans, rng, check=i % 25 == 0)
        shown, domain = str(ref), ""
        if mode == "per-row" and values:  # the formula, and this student's numbers
            shown, domain = str(formula), "; ".join(f"{k}={v}" for k, v in values.items())
        rows.append({"id": f"r{i}", "expected": shown, "domain": domain,
                     "answer": varied(text, rng)
                     if rng.random() < 0.5 and "\\" not in text else text,
                     "label": labels[key], "key": key})
    for j in range(n_hostile):
        rows.append({"id": f"x{j}", "expected": str(base[j % len(base)][1]), "domain": "",
                     "answer": GB.HOSTILE[j % len(GB.HOSTILE)], "label": "hostile",
                     "key": None})
    rng.shuffle(rows)
    return rows, exprs


def run_batch(rows: list[dict], workers: int) -> tuple[dict[str, dict], float, float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "rows.csv", Path(tmp) / "results.csv"
        with open(src, "w", newline="") as fh:
            out_rows = csv.DictWriter(fh, ["id", "expected", "domain", "answer"],
                                      extrasaction="ignore")
            out_rows.writeheader()
            out_rows.writerows(rows)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        load = os.getloadavg()[0]
        before = os.times()
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "symconv", "grade", "--batch", str(src), "--out",
                        str(out), "--workers", str(workers), "--no-progress"],
                       check=True, env=env)
        wall = time.perf_counter() - start
        after = os.times()
        cpu = (after.children_user - before.children_user
               + after.children_system - before.children_system)
        with open(out, newline="") as fh:
            results = {r["id"]: r for r in csv.DictReader(fh)}
    return results, wall, cpu, load


def slowest(rows: list[dict], count: int, rng: random.Random) -> list[tuple[float, dict]]:
    """In-process time of single answers (non-hostile), each against a fresh reference
    cache entry only for its first answer, as a server grading one answer would see it."""
    picked = rng.sample([r for r in rows if r["label"] != "hostile"], min(count, len(rows)))
    # The benchmark's own heap (10,000 rows, their SymPy expressions) is no grader's: keep
    # it out of the collections a server grading one answer would not pay for.
    gc.collect()
    gc.freeze()
    times = []
    for r in picked:
        domain = row_domain(r["domain"])
        start = time.perf_counter()
        api.grade(r["expected"], r["answer"], **domain)
        times.append((time.perf_counter() - start, r))
    gc.unfreeze()
    return sorted(times, key=lambda t: -t[0])


def preparation(rows: list[dict], count: int) -> float:
    """Mean milliseconds to prepare a reference (parse, domain, sample points, values)."""
    refs = list(dict.fromkeys((r["expected"], r["domain"]) for r in rows
                              if r["label"] != "hostile"))[:count]
    domains = [row_domain(d) for _, d in refs]
    api.clear_caches()
    start = time.process_time()
    for (text, _), domain in zip(refs, domains):
        api.reference(text, domain)
    return (time.process_time() - start) / max(len(refs), 1) * 1000


def naive(rows: list[dict], exprs: dict, sample: int, rng: random.Random) -> tuple[float, int]:
    picked = rng.sample([r for r in rows if r["key"] is not None], sample)
    start = time.perf_counter()
    wrong = 0
    for r in picked:
        ref, ans = exprs[r["key"]]
        verdict = "correct" if sp.simplify(ref - ans.doit()) == 0 else "incorrect"
        wrong += verdict != r["label"]
    return sample / (time.perf_counter() - start), wrong


def rows_for(mode: str, args: argparse.Namespace) -> tuple[list[dict], dict, str]:
    """The rows of this run (generated and labelled, or read from ``--rows-cache``) and
    where they came from."""
    if args.rows_cache is None:
        return (*generate(mode, args.rows, args.seed), "generated and labelled")
    path = Path(args.rows_cache) / f"diverse-{mode}-{args.rows}-{args.seed}.pickle"
    if path.exists():
        with open(path, "rb") as fh:
            rows, exprs = pickle.load(fh)
        return rows, exprs, "read from --rows-cache"
    made = generate(mode, args.rows, args.seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        pickle.dump(made, fh)
    return (*made, "generated, labelled and kept")


def report(mode: str, args: argparse.Namespace) -> None:
    t0 = time.perf_counter()
    rows, exprs, source = rows_for(mode, args)
    distinct = len({r["answer"] for r in rows})
    refs = len({(r["expected"], r["domain"]) for r in rows if r["label"] != "hostile"})
    print(f"\n== mode {mode}: {len(rows):,} rows, {distinct:,} distinct answer texts, "
          f"{refs:,} references ({source} in {time.perf_counter() - t0:.0f} s)")
    results, wall, cpu, load = run_batch(rows, args.workers)
    bad = [(r, results[r["id"]]) for r in rows if GB.wrong(results[r["id"]]["verdict"],
                                                           r["label"])]
    print(f"symconv grade --batch --workers {args.workers}: {len(rows) / wall:,.0f} rows/s "
          f"({wall:.1f} s wall, {cpu:.1f} s CPU in all processes, load average before "
          f"{load:.1f}); wrong verdicts {len(bad)}")
    for r, res in bad[:8]:
        print(f"  {r['id']}: label {r['label']}, got {res['verdict']} ({res['note']}): "
              f"{r['expected'][:50]} | {r['answer'][:50]}")
    rng = random.Random(args.seed + 1)
    rate, wrong = naive(rows, exprs, args.sample, rng)
    print(f"naive simplify(a - b) == 0 on {args.sample} of the same rows: {rate:.1f} rows/s "
          f"(1 process), wrong verdicts {wrong}/{args.sample} ({wrong / args.sample:.0%})")
    print(f"preparing a reference: {preparation(rows, 200):.1f} ms CPU on average")
    times = slowest(rows, args.single, rng)
    over = [t for t in times if t[0] > 0.3]
    print(f"single answers in-process ({len(times)} non-hostile): slowest "
          f"{times[0][0] * 1000:.0f} ms, median {times[len(times) // 2][0] * 1000:.1f} ms, "
          f"{len(over)} over 0.3 s")
    for t, r in times[:3]:
        print(f"  {t * 1000:.0f} ms: {r['expected'][:50]} | {r['answer'][:50]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mode", choices=["refs", "per-row", "per-row-text", "both", "all"],
                    default="both")
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--sample", type=int, default=60, help="rows for naive simplify")
    ap.add_argument("--single", type=int, default=500, help="answers timed one by one")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--rows-cache", metavar="DIR",
                    help="keep generated, labelled rows here and reuse them")
    args = ap.parse_args()
    csv.field_size_limit(2**31 - 1)
    modes = {"both": ["refs", "per-row"], "all": ["refs", "per-row", "per-row-text"]}
    for mode in modes.get(args.mode, [args.mode]):
        report(mode, args)


if __name__ == "__main__":
    main()
