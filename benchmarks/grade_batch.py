"""Benchmark: a 10,000-row batch of CNN formulas graded end to end by ``symconv grade --batch``.

Rows (``--rows``, default 10,000): half equivalent rewrites of engine formulas, half near
misses, 2 % hostile.  References come from :func:`symconv.analyze`; rewrites and near misses
are built as SymPy expressions and printed by SymPy (``str``/``latex``) or by a random
ASCII printer here (shuffled terms and factors, ``^``/``**``, implicit products, Unicode
floors).  Every distinct pair is labelled by an oracle independent of the grader: exact
evaluation of the two SymPy expressions with ``lambdify`` over Fractions at 250 random
valid instances (the grader's ranges; strides also at every divisor of the formula's
numbers and their differences), up to 125 more where every floor argument is an integer,
and the smallest one (correct: equal everywhere; partial: equal wherever the reference's
floor arguments are integers, with some needed division exact by more than 1, see
docs/grading.md; incorrect otherwise); every ASCII string is
checked to print the expression it claims (SymPy's ``parse_expr``, on our own trusted
text).  Hostile rows must come back ``invalid`` or ``incorrect``.

The batch is then run through the CLI (``--workers 2``), and on a sample the naive
``simplify(a - b) == 0`` is timed and scored on the same rows.

Usage: ``python benchmarks/grade_batch.py [--rows N] [--workers W] [--sample S]``
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import sympy as sp
from sympy.parsing.sympy_parser import parse_expr

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from symconv import (  # noqa: E402
    AvgPool2d,
    Conv2d,
    ConvTranspose2d,
    Linear,
    MaxPool2d,
    analyze,
)
from symconv.window import product  # noqa: E402

HOSTILE = [
    "__import__('os').system('echo pwned')", "().__class__.__bases__[0]", "ｅｖａｌ('1')",
    "lambda x: x", "9**9**9**9", "2**30**5", "(" * 3000 + "h" + ")" * 3000, "h" * 400_000,
    r"\input{/etc/passwd}", "exec('import os')", "10^10^10", "7,3856", "open('x').read()",
]


def references() -> list[tuple[str, sp.Expr]]:
    """Reference formulas, all derived by the engine."""
    conv = analyze(Conv2d("c_i", "c_o", ("k_h", "k_w"), stride=("s_h", "s_w"),
                          padding=("p_h", "p_w"), bias=False), ("c_i", "h", "w"))
    convb = analyze(Conv2d("c_i", "c_o", "k", stride="s", padding="p"), ("c_i", "h", "w"))
    dil = analyze(Conv2d("c_i", "c_o", "k", stride="s", padding="p", dilation="d_h"),
                  ("c_i", "h", "h"))
    pool = analyze(MaxPool2d("k", stride="s"), ("c", "h", "w"))
    avg = analyze(AvgPool2d("k", stride="s", padding="p"), ("c", "h", "w"))
    tconv = analyze(ConvTranspose2d("c_i", "c_o", "k", stride="s", padding=1),
                    ("c_i", "h", "w"))
    lin = analyze(Linear("n", "m"), ("n",))
    return [
        ("conv_out_h", conv.output_shape[1]), ("conv_mults", conv.mults),
        ("conv_flops", conv.flops), ("conv_params", convb.params), ("conv_adds", convb.adds),
        ("conv_outputs", product(conv.output_shape)), ("dilated_out", dil.output_shape[1]),
        ("pool_out", pool.output_shape[1]), ("pool_cmp", pool.comparisons),
        ("avg_out", avg.output_shape[2]), ("tconv_out", tconv.output_shape[1]),
        ("tconv_params", tconv.params), ("linear_params", lin.params),
        ("conv_memory", convb.memory.input + convb.memory.output),
    ]


# -- equivalent rewrites and near misses (SymPy in, SymPy out) ---------------------------
def floors(e: sp.Expr) -> list[sp.Expr]:
    return sorted(e.atoms(sp.floor, sp.ceiling), key=str)


def rewrites(e: sp.Expr, rng: random.Random) -> sp.Expr:
    choice = rng.randrange(5)
    if choice == 0:
        return sp.expand(e)
    if choice == 1 and floors(e):
        f = rng.choice(floors(e))
        num, den = sp.fraction(sp.together(f.args[0]))
        if isinstance(f, sp.floor):  # floor(n/d) = ceil((n - d + 1)/d) for integers
            alt = sp.ceiling(sp.UnevaluatedExpr(num - den + 1) / den)
        else:
            alt = sp.floor(sp.UnevaluatedExpr(num + den - 1) / den)
        return e.xreplace({f: alt})
    if choice == 2:
        s = rng.choice(sorted(e.free_symbols, key=str))
        return sp.Add(e, s, -s, evaluate=False)
    if choice == 3:
        return sp.factor(e)
    return e


def near_miss(e: sp.Expr, rng: random.Random) -> sp.Expr:
    names = {s.name: s for s in sorted(e.free_symbols, key=str)}  # an order a seed fixes
    for _ in range(20):
        choice = rng.randrange(8)
        if choice == 0 and floors(e):
            f = rng.choice(floors(e))
            out = e.xreplace({f: f.args[0]})
        elif choice == 1:
            out = 2 * e
        elif choice == 2:
            out = e + rng.choice([1, -1])
        elif choice == 3:
            muls = [m for m in sp.preorder_traversal(e) if m.is_Mul and len(m.args) > 2]
            if not muls:
                continue
            m = rng.choice(muls)
            factor = rng.choice([a for a in m.args if not a.is_number] or [m.args[0]])
            out = e.xreplace({m: m / factor})
        elif choice == 4:
            pairs = [(a, b) for a, b in (("h", "w"), ("c_i", "c_o"), ("k_h", "k_w"), ("n", "m"))
                     if a in names and b in names]
            if not pairs:
                continue
            a, b = rng.choice(pairs)
            out = e.xreplace({names[a]: names[b], names[b]: names[a]})
        elif choice == 5:
            pads = [s for n, s in names.items() if n.startswith("p")]
            if not pads:
                continue
            p = rng.choice(pads)
            out = e.xreplace({p: p / 2})
        elif choice == 6:
            strides = [s for n, s in names.items() if n.startswith("s")]
            if not strides:
                continue
            out = e.xreplace({rng.choice(strides): 1})
        else:
            s = rng.choice(sorted(e.free_symbols, key=str))
            out = e.xreplace({s: s + 1})
        if out != e:
            return out
    return e + 1


# -- printing -------------------------------------------------------------------------------
def ascii_print(e: sp.Expr, rng: random.Random) -> str:
    """A random but faithful ASCII rendering (checked with parse_expr by the caller)."""
    if e.is_Symbol:
        return e.name
    if e.is_Integer:
        return str(e)
    if e.is_Rational:
        return f"({e.p}/{e.q})"
    if isinstance(e, sp.UnevaluatedExpr):
        return ascii_print(e.args[0], rng)
    args = list(e.args)
    if e.is_Add:
        rng.shuffle(args)
        return "(" + " + ".join(ascii_print(a, rng) for a in args) + ")"
    if e.is_Mul:
        rng.shuffle(args)
        sep = rng.choice(["*", " * ", "*"])
        return "(" + sep.join(ascii_print(a, rng) for a in args) + ")"
    if e.is_Pow:
        op = rng.choice(["**", "^"])
        return f"({ascii_print(e.base, rng)}){op}({ascii_print(e.exp, rng)})"
    if isinstance(e, (sp.floor, sp.ceiling)):
        name = "floor" if isinstance(e, sp.floor) else rng.choice(["ceil", "ceiling"])
        return f"{name}({ascii_print(e.args[0], rng)})"
    if isinstance(e, (sp.Max, sp.Min)):
        name = "max" if isinstance(e, sp.Max) else "min"
        return f"{name}(" + ", ".join(ascii_print(a, rng) for a in args) + ")"
    raise ValueError(f"cannot print {type(e).__name__}")


def render(e: sp.Expr, rng: random.Random, check: bool = True) -> str:
    style = rng.randrange(4)
    if style == 0:
        return str(e)
    if style == 1:
        return sp.latex(e)
    text = ascii_print(e, rng)
    if not check:
        return text
    check = parse_expr(text.replace("^", "**").replace("ceil(", "ceiling("),
                       local_dict={s.name: s for s in e.free_symbols}
                       | {"floor": sp.floor, "ceiling": sp.ceiling, "max": sp.Max,
                          "min": sp.Min})
    syms = sorted(e.free_symbols, key=str)
    f, g = evaluator(e, syms), evaluator(check, syms)
    for _ in range(8):
        pt = {s: rng.randint(1, 30) for s in syms}
        assert f(pt) == g(pt), (text, e)
    return text


# -- the independent oracle -----------------------------------------------------------------
# Ranges the oracle draws from: the grader's own typical ranges (domain.py: kernels 1-7,
# strides 1-7, padding 0-3) and, for strides, every divisor of the reference's constants
# and of their differences (151/s is exact at s = 151; (190 - k)/s and (123 - k)/s at
# once at s = 67), where strides 1-4 alone would all divide 168.
_RANGES = {"k": (1, 7), "s": (1, 7), "p": (0, 3), "d": (1, 3), "c": (1, 6)}


def stride_values(ref: sp.Expr, most: int = 400) -> list[int]:
    """Strides 1-7 and the divisors (up to ``most``) of the reference's integers and their
    differences."""
    consts = {abs(int(c)) for c in ref.atoms(sp.Integer)} | {
        abs(int(r.p)) for r in ref.atoms(sp.Rational)}
    consts |= {abs(a - b) for a in consts for b in consts}
    out = set(range(1, 8))
    for c in consts:
        out |= {d for d in range(1, min(c, most) + 1) if c % d == 0}
    return sorted(out)


def _draw(syms: list[sp.Symbol], strides: list[int], rng: random.Random
          ) -> dict[sp.Symbol, int]:
    pt = {}
    for s in syms:
        if s.name[0] == "s" and rng.random() < 0.5:
            pt[s] = rng.choice(strides)
        else:
            pt[s] = rng.randint(*_RANGES.get(s.name[0], (1, 40)))
    return pt


def instances(ref: sp.Expr, rng: random.Random, n: int = 250) -> list[dict[sp.Symbol, int]]:
    """``n`` random valid instances and up to ``n // 2`` more where every floor/ceil
    argument is an integer (drawn until found, bounded: a formula with no valid instance
    gets none)."""
    syms = sorted(ref.free_symbols, key=str)
    strides = stride_values(ref)
    fl = [f for f in ref.atoms(sp.floor, sp.ceiling) if f.free_symbols]
    conds = conditions(ref, syms)
    args = [evaluator(f.args[0], syms) for f in fl]
    out = [{s: (0 if s.name.startswith("p") else 1) for s in syms}]
    for _ in range(200 * n):
        if len(out) >= n:
            break
        pt = _draw(syms, strides, rng)
        if valid(pt, conds):
            out.append(pt)
    out = [pt for pt in out if valid(pt, conds)]
    exact: list[dict[sp.Symbol, int]] = []
    for _ in range(40 * n if fl else 0):
        if len(exact) >= n // 2:
            break
        pt = _draw(syms, strides, rng)
        if all(Fraction(a(pt)).denominator == 1 for a in args) and valid(pt, conds):
            exact.append(pt)
    return out + exact


def conditions(ref: sp.Expr, syms: list[sp.Symbol]) -> list:
    """The default validity conditions (docs/grading.md) as functions that must be >= 0:
    a window count ``floor(x) + c`` (c >= 1, however SymPy arranged it:
    ``floor(-k/2) + 64``) is >= 1, any other floor/ceil argument >= 0."""
    counted, out = set(), []
    for node in sp.preorder_traversal(ref):
        if node.is_Add:
            fl = [a for a in node.args if isinstance(a, (sp.floor, sp.ceiling))
                  and a.free_symbols]
            const = sum((a for a in node.args if a.is_number), sp.Integer(0))
            if len(fl) == 1 and const.is_integer and const >= 1:
                out.append(evaluator(fl[0] + const - 1, syms))
                counted.add(fl[0])
    for f in ref.atoms(sp.floor, sp.ceiling):
        if f not in counted and f.free_symbols:
            out.append(evaluator(f.args[0], syms))
    return out


def valid(pt: dict, conds: list) -> bool:
    """Every default condition holds and every kernel fits its padded input."""
    if any(c(pt) < 0 for c in conds):
        return False
    names = {s.name: v for s, v in pt.items()}
    for k, size, pad in (("k_h", "h", "p_h"), ("k_w", "w", "p_w"), ("k", "h", "p"),
                         ("k", "w", "p")):
        if k in names and size in names and names[k] > names[size] + 2 * names.get(pad, 0):
            return False
    return True


def evaluator(e: sp.Expr, syms: list[sp.Symbol]):
    """Exact evaluation over Fractions.  lambdify prints a Rational as ``p/q``, which
    Python would compute as a float: every non-integer Rational is passed in as a
    Fraction argument instead."""
    e = e.doit()
    rationals = sorted((r for r in e.atoms(sp.Rational) if not r.is_Integer), key=str)
    holders = [sp.Dummy(f"r{i}") for i in range(len(rationals))]
    e = e.xreplace(dict(zip(rationals, holders)))
    fn = sp.lambdify(syms + holders, e, modules=[{"floor": math.floor, "ceiling": math.ceil,
                                                  "Max": max, "Min": min}, "math"])
    consts = [Fraction(int(r.p), int(r.q)) for r in rationals]
    return lambda pt: fn(*(Fraction(pt[s]) for s in syms), *consts)


def label(ref: sp.Expr, ans: sp.Expr, pts: list[dict]) -> str:
    """correct: equal at every instance; partial: equal wherever the reference's floor
    arguments are integers (and wrong elsewhere), where each floor the answer needs exact
    divides by more than 1 at some such instance (an answer right only at stride 1 is
    not partial, docs/grading.md); incorrect otherwise."""
    syms = sorted(ref.free_symbols | ans.free_symbols, key=str)
    f, g = evaluator(ref, syms), evaluator(ans, syms)
    full = [{s: pt.get(s, 1) for s in syms} for pt in pts]
    same = [f(pt) == g(pt) for pt in full]
    if all(same):
        return "correct"
    fl = [x for x in ref.atoms(sp.floor, sp.ceiling) if x.free_symbols]
    if not fl:
        return "incorrect"
    args = [evaluator(x.args[0], syms) for x in fl]
    divisors = [evaluator(sp.fraction(sp.together(x.args[0]))[1], syms) for x in fl]
    exact_at = [[Fraction(a(pt)).denominator == 1 for a in args] for pt in full]
    exact = [i for i, e in enumerate(exact_at) if all(e)]
    if not exact or not all(same[i] for i in exact):
        return "incorrect"
    for j in range(len(fl)):  # floor j is needed: wrong where only it is not exact
        needed = any(not same[i] and not e[j] and sum(e) == len(e) - 1
                     for i, e in enumerate(exact_at))
        if needed and not any(abs(divisors[j](full[i])) > 1 for i in exact):
            return "incorrect"
    return "partial"


def generate(n: int, seed: int = 0, pool: int = 16) -> tuple[list[dict], dict]:
    """``n`` rows drawn from ``pool`` rewrites and ``pool`` near misses per reference.

    Each row gets its own random rendering, so most answer strings are distinct even
    when their expressions repeat (as students' answers do).
    """
    rng = random.Random(seed)
    refs = references()
    labels: dict[tuple, str] = {}
    exprs: dict[tuple, tuple[sp.Expr, sp.Expr]] = {}
    answers: dict[str, list[list[tuple]]] = {}
    for name, ref in refs:
        pts = instances(ref, rng)
        answers[name] = [[], []]
        for kind, make in ((0, rewrites), (1, near_miss)):
            for _ in range(pool):
                ans = make(ref, rng)
                key = (name, sp.srepr(ans))
                if key not in labels:
                    labels[key] = label(ref, ans, pts)
                    exprs[key] = (ref, ans)
                answers[name][kind].append(key)
    rows = []
    n_hostile = n // 50
    for i in range(n - n_hostile):
        name, ref = refs[i % len(refs)]
        key = rng.choice(answers[name][i % 2])
        rows.append({"id": f"r{i}", "expected": str(ref),
                     "answer": render(exprs[key][1], rng, check=i % 25 == 0),
                     "label": labels[key], "key": key})
    for j in range(n_hostile):
        rows.append({"id": f"x{j}", "expected": str(refs[j % len(refs)][1]),
                     "answer": HOSTILE[j % len(HOSTILE)], "label": "hostile", "key": None})
    rng.shuffle(rows)
    return rows, exprs


def wrong(verdict: str, lab: str) -> bool:
    """Hostile rows must be invalid or incorrect; other rows must match their label."""
    if lab == "hostile":
        return verdict not in ("invalid", "incorrect")
    return verdict != lab


def write_rows(rows: list[dict], path: Path) -> None:
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, ["id", "expected", "answer"], extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--sample", type=int, default=60, help="rows for the naive simplify baseline")
    args = ap.parse_args()
    csv.field_size_limit(2**31 - 1)
    t0 = time.perf_counter()
    rows, exprs = generate(args.rows)
    print(f"generated {len(rows)} rows ({len({r['answer'] for r in rows})} distinct answers, "
          f"{len({r['expected'] for r in rows})} references) in {time.perf_counter() - t0:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "rows.csv", Path(tmp) / "results.csv"
        write_rows(rows, src)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        start = time.perf_counter()
        cpu, load = os.times(), os.getloadavg()[0]
        subprocess.run([sys.executable, "-m", "symconv", "grade", "--batch", str(src), "--out",
                        str(out), "--workers", str(args.workers), "--no-progress"],
                       check=True, env=env)
        wall = time.perf_counter() - start
        cpu_used = (os.times().children_user - cpu.children_user
                    + os.times().children_system - cpu.children_system)
        with open(out, newline="") as fh:
            results = {r["id"]: r for r in csv.DictReader(fh)}
    bad = [(r, results[r["id"]]) for r in rows if wrong(results[r["id"]]["verdict"], r["label"])]
    counts: dict[str, int] = {}
    for r in results.values():
        counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    print(f"symconv grade --batch: {len(rows)} rows in {wall:.2f} s wall "
          f"({len(rows) / wall:,.0f} rows/s, {args.workers} workers, {cpu_used:.1f} s CPU in all "
          f"processes; load average before: {load:.1f}); verdicts {counts}")
    print(f"wrong verdicts: {len(bad)}")
    for r, res in bad[:10]:
        print(f"  {r['id']}: label {r['label']}, got {res['verdict']} ({res['note']}): "
              f"{r['expected'][:60]} | {r['answer'][:60]}")
    naive(rows, exprs, args.sample)


def naive(rows: list[dict], exprs: dict, sample: int) -> None:
    """``simplify(a - b) == 0`` on a sample of the same (non-hostile) rows."""
    rng = random.Random(1)
    picked = rng.sample([r for r in rows if r["key"] is not None], sample)
    start = time.perf_counter()
    wrong_count = 0
    for r in picked:
        ref, ans = exprs[r["key"]]
        verdict = "correct" if sp.simplify(ref - ans.doit()) == 0 else "incorrect"
        wrong_count += verdict != r["label"]
    wall = time.perf_counter() - start
    print(f"naive simplify(a - b) == 0 on {sample} of the same rows: {wall:.2f} s "
          f"({sample / wall:.1f} rows/s, 1 process), wrong verdicts {wrong_count}/{sample} "
          f"({wrong_count / sample:.0%})")


if __name__ == "__main__":
    main()
