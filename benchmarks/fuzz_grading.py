"""Fuzz the grader: random (reference, answer) pairs, counting crashes, hangs and bad output.

Each pair is drawn from its own ``random.Random(seed + i)``, so a failing pair is
reproduced by its number alone (``--only I``).  References are random expression trees
over CNN symbols (sizes, kernels, strides, paddings, channels, a declared real ``x``)
with every operator the grader knows (``+ - * / ^`` with small and huge exponents,
floor, ceil, mod, min, max, sqrt, log, log2, exp, abs, pi, e), given as text, as a SymPy
expression, as a tuple (a shape) or as an equation, sometimes with fixed values, a real
domain or ranges.  Answers are equivalent rewrites (shuffled, LaTeX, Unicode, implicit
products), near misses (mutated trees), unrelated random trees, and hostile strings
(token soup, huge numbers, deep nesting, long names).

A *crash* is any of: an exception out of ``grade()`` (other than the ``ValueError`` a
reference that cannot be used raises by design), a verdict noted
``ATInvalid_internal_error``, a ``to_dict()`` that ``json.dumps`` refuses, or a pair that
takes longer than its time limit plus one second of CPU time (CPU, not wall-clock: a
worker starved by other jobs once "took" 12.5 s of wall time for a 0.1 s pair; a
grader that runs past its limit burns CPU).  Crashes are printed with their pair
number and written as JSON lines (``--out``) to be added to the regression corpus
(``tests/grading/data/regressions.toml``).

Usage: ``python benchmarks/fuzz_grading.py [--pairs N] [--seed S] [--workers W]
[--out FILE] [--only I]``.  ``make fuzz`` runs 100,000 pairs.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import re
import sys
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sympy as sp  # noqa: E402

from symconv.grading import BadReference, grade  # noqa: E402

SYMBOLS = ["h", "w", "k", "k_h", "s", "p", "c_i", "c_o", "n", "d_h", "g"]
FUNCS1 = ["floor", "ceil", "sqrt", "abs", "log", "log2", "exp"]
TIME_LIMIT = 5.0  # the default of grade(time_limit=)
REFERENCE_TIME = 20.0  # symconv.grading.limits.REFERENCE_TIME_LIMIT


# -- random trees as (ASCII text, SymPy-readable text) --------------------------------------
class Tree:
    """A random expression, printed several ways."""

    def __init__(self, op: str, args: tuple[Any, ...] = ()) -> None:
        self.op, self.args = op, args

    def ascii(self, rng: random.Random) -> str:
        op, a = self.op, self.args
        if op == "leaf":
            return str(a[0])
        parts = [x.ascii(rng) for x in a[1:]] if op == "call" else [x.ascii(rng) for x in a]
        if op == "call":
            return f"{a[0]}({', '.join(parts)})"
        if op == "neg":
            return f"-({parts[0]})"
        sep = {"+": rng.choice(["+", " + "]), "-": rng.choice(["-", " - "]),
               "*": rng.choice(["*", " * ", " ", "*"]), "/": "/",
               "^": rng.choice(["^", "**"])}[op]
        if op == "*" and sep == " " and parts[1][:1].isdigit():
            sep = "*"  # "2 3" is refused as ambiguous: keep rewrites readable
        return f"({parts[0]}){sep}({parts[1]})"

    def sympy(self) -> str:
        op, a = self.op, self.args
        if op == "leaf":
            v = str(a[0])
            return {"pi": "pi", "e": "E"}.get(v, v)
        if op == "call":
            name = {"ceil": "ceiling", "abs": "Abs", "min": "Min", "max": "Max",
                    "mod": "Mod", "log2": "log2"}.get(a[0], a[0])
            inner = ", ".join(x.sympy() for x in a[1:])
            if name == "log2":
                return f"(log({inner})/log(2))"
            return f"{name}({inner})"
        if op == "neg":
            return f"(-({a[0].sympy()}))"
        sym_op = "**" if op == "^" else op
        return f"(({a[0].sympy()}){sym_op}({a[1].sympy()}))"

    def latex(self) -> str:
        op, a = self.op, self.args
        if op == "leaf":
            v = str(a[0])
            return {"pi": r"\pi", "e": "e"}.get(v, v.replace("_", "_{", 1) + "}" if "_" in v else v)
        if op == "call":
            name, args = a[0], [x.latex() for x in a[1:]]
            if name == "floor":
                return rf"\left\lfloor {args[0]} \right\rfloor"
            if name == "ceil":
                return rf"\lceil {args[0]} \rceil"
            if name == "sqrt":
                return rf"\sqrt{{{args[0]}}}"
            if name == "abs":
                return rf"\left|{args[0]}\right|"
            if name in ("log", "exp", "min", "max"):
                return rf"\{name}\left({', '.join(args)}\right)"
            if name == "log2":
                return rf"\log_2\left({args[0]}\right)"
            return rf"\operatorname{{{name}}}\left({', '.join(args)}\right)"
        if op == "neg":
            return rf"-\left({a[0].latex()}\right)"
        x, y = a[0].latex(), a[1].latex()
        if op == "/":
            return rf"\frac{{{x}}}{{{y}}}"
        if op == "^":
            return rf"\left({x}\right)^{{{y}}}"
        if op == "*":
            return rf"\left({x}\right) \cdot \left({y}\right)"
        return rf"\left({x}\right) {op} \left({y}\right)"


def leaf(rng: random.Random, symbols: list[str]) -> Tree:
    r = rng.random()
    if r < 0.55:
        return Tree("leaf", (rng.choice(symbols),))
    if r < 0.85:
        return Tree("leaf", (rng.randint(0, 12),))
    return Tree("leaf", (rng.choice(["pi", "e", "1/2", "0.5", "3.25", "10", "1e3", "2e-2",
                                     "96", "9e119", "4096", "12345678901234567890"]),))


def tree(rng: random.Random, symbols: list[str], depth: int) -> Tree:
    if depth <= 0 or rng.random() < 0.25:
        return leaf(rng, symbols)
    r = rng.random()
    if r < 0.45:
        op = rng.choice(["+", "-", "*", "*", "/"])
        return Tree(op, (tree(rng, symbols, depth - 1), tree(rng, symbols, depth - 1)))
    if r < 0.55:
        exponent = rng.choice([Tree("leaf", (v,)) for v in (2, 3, 4, -1, "1/2", "1/3")]
                              + [Tree("leaf", (rng.choice([5, 7, 100, 2170, 5000, 10**6]),)),
                                 tree(rng, symbols, depth - 1)])
        return Tree("^", (tree(rng, symbols, depth - 1), exponent))
    if r < 0.85:
        return Tree("call", (rng.choice(FUNCS1), tree(rng, symbols, depth - 1)))
    if r < 0.95:
        name = rng.choice(["min", "max", "mod"])
        return Tree("call", (name, tree(rng, symbols, depth - 1), tree(rng, symbols, depth - 1)))
    return Tree("neg", (tree(rng, symbols, depth - 1),))


def mutate(t: Tree, rng: random.Random, symbols: list[str]) -> Tree:
    """A near miss: one subtree replaced, an operator changed, a constant moved."""
    if t.op == "leaf" or rng.random() < 0.3:
        choice = rng.random()
        if choice < 0.4:
            return Tree("+", (t, Tree("leaf", (rng.choice([1, -1, 2]),))))
        if choice < 0.7:
            return Tree("*", (Tree("leaf", (rng.choice([2, 3, "1/2"]),)), t))
        return tree(rng, symbols, 2)
    if t.op == "call":
        args = list(t.args)
        i = rng.randrange(1, len(args))
        args[i] = mutate(args[i], rng, symbols)
        return Tree("call", tuple(args))
    args = list(t.args)
    i = rng.randrange(len(args))
    args[i] = mutate(args[i], rng, symbols)
    op = t.op if rng.random() < 0.7 or t.op == "neg" else rng.choice(["+", "-", "*", "/"])
    return Tree(op, tuple(args))


HOSTILE_PIECES = ["h", "w", "k_h", "c_i", "(", ")", "[", "]", "{", "}", "|", "^", "**", "*",
                  "/", "+", "-", ",", ".", "=", " ", "x", "X", "e", "pi", "0", "1", "9", "99",
                  "9e99", "floor(", "ceil(", "sqrt(", "log(", "exp(", "max(", "min(", "mod(",
                  r"\frac", r"\frac{", r"\left(", r"\right)", r"\lfloor", r"\rfloor", r"\sqrt",
                  r"\log_", r"\boxed{", r"\cdot", r"\times", r"\!", r"\,", "$", "×", "⌊", "⌋",
                  "²", "−", "σ", "ｅ", "_{", "__import__", "eval", "lambda", "'", "\x00", "\\"]


def hostile(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.5:
        return "".join(rng.choice(HOSTILE_PIECES) for _ in range(rng.randint(1, 40)))
    if r < 0.6:
        depth = rng.randint(5, 60)
        return "(" * depth + "h" + "^4)" * depth
    if r < 0.7:
        return rng.choice(["hw", "c_ik_h", "ab", "x"]) * rng.randint(10, 1200)
    if r < 0.8:
        return "*".join([rng.choice(["9e119", "96^2170", "10^4096", "2^65536"])]
                        * rng.randint(2, 300))
    if r < 0.9:
        return ",".join(str(rng.randint(0, 999)).zfill(rng.choice([1, 3])) for _ in
                        range(rng.randint(2, 5)))
    return "".join(chr(rng.randint(32, 0x2fff)) for _ in range(rng.randint(1, 30)))


def domain(rng: random.Random, names: set[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in sorted(names):
        r = rng.random()
        if r < 0.08:
            out[name] = rng.randint(1, 64)
        elif r < 0.12:
            out[name] = "real"
        elif r < 0.15:
            out[name] = (rng.randint(-5, 2), rng.randint(3, 20))
        elif r < 0.17:
            out[name] = {"real": True, "min": -3}
    return out


def names_in(text: str) -> set[str]:
    import re

    return {m for m in re.findall(r"[A-Za-z][A-Za-z0-9_]*", text) if m in SYMBOLS or m == "x"}


def pair(i: int, seed: int) -> tuple[Any, Any, dict[str, Any], str]:
    """Pair number ``i``: (expected, answer, keywords, kind)."""
    rng = random.Random(seed + i)
    symbols = rng.sample(SYMBOLS, rng.randint(1, 4)) + (["x"] if rng.random() < 0.1 else [])
    ref = tree(rng, symbols, rng.randint(1, 4))
    kw: dict[str, Any] = domain(rng, set(symbols))
    if "x" in symbols and "x" not in kw:
        kw["x"] = "real"
    r = rng.random()
    if r < 0.35:
        answer: Any = ref.ascii(rng) if rng.random() < 0.6 else ref.latex()
        kind = "rewrite"
    elif r < 0.65:
        m = mutate(ref, rng, symbols)
        answer, kind = (m.ascii(rng) if rng.random() < 0.7 else m.latex()), "near miss"
    elif r < 0.8:
        answer, kind = tree(rng, symbols, rng.randint(0, 4)).ascii(rng), "random"
    else:
        answer, kind = hostile(rng), "hostile"
    form = rng.random()
    expected: Any
    if form < 0.55:
        expected = ref.ascii(rng)
    elif form < 0.75:
        text = ref.sympy()
        # SymPy evaluates as it builds: Mod(p, exp(12345678901234567890)) took > 9 GB in
        # gcd (seed 20261202, pair 10093) before the grader saw anything.  A form with
        # big literals is built unevaluated (still a SymPy reference for the grader).
        evaluate = re.search(r"\d{7,}|\de\d", text) is None
        try:
            with sp.evaluate(evaluate):  # functions too (Mod, exp), not only operators
                expected = sp.sympify(text, locals={s: sp.Symbol(s) for s in SYMBOLS}
                                      | {"x": sp.Symbol("x", real=True)})
        except Exception:  # noqa: BLE001 - SymPy could not build it (PrecisionExhausted in
            # a floor's evalf, seed 20261202 pair ~46,000): the same reference as text
            expected = ref.ascii(rng)
    elif form < 0.9:
        other = tree(rng, symbols, 2)
        expected = f"({ref.ascii(rng)}, {other.ascii(rng)}, {rng.randint(1, 64)})"
        if kind != "hostile":
            answer = f"({answer}, {other.ascii(rng)}, {rng.randint(1, 64)})"
    else:
        expected = f"{rng.randint(0, 9)} = {ref.ascii(rng)}"
        if kind != "hostile":
            answer = f"{rng.randint(0, 9)} = {answer}"
    if rng.random() < 0.05:
        kw["reveal"] = False
    if rng.random() < 0.05:
        kw["rel_tol"] = rng.choice([1e-3, 0.01])
    return expected, answer, kw, kind


def check(i: int, seed: int) -> dict[str, Any] | None:
    """None if pair ``i`` is fine, else a description of the crash."""
    expected, answer, kw, kind = pair(i, seed)
    problem = None
    prepared = time.process_time()
    try:
        grade(expected, "1", **kw)  # prepares (and caches) the reference: timed apart
    except BadReference:
        pass
    except Exception:  # noqa: BLE001 - reported by the real call below
        pass
    start = time.process_time()
    if start - prepared > REFERENCE_TIME + 1.0:
        problem = f"preparing the reference took {start - prepared:.2f} s"
    try:
        result = grade(expected, answer, **kw)
        if result.note == "ATInvalid_internal_error":
            problem = f"internal error: {result.extra.get('error')}"
        else:
            json.dumps(result.to_dict())
    except BadReference:  # the reference itself cannot be used: by design
        pass
    except Exception as exc:  # noqa: BLE001 - this is what the fuzzer looks for
        problem = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=6)}"
    elapsed = time.process_time() - start
    if problem is None and elapsed > TIME_LIMIT + 1.0:
        problem = f"the answer took {elapsed:.2f} s of CPU"
    if problem is None:
        return None
    return {"pair": i, "seed": seed, "kind": kind, "expected": str(expected),
            "expected_sympy": isinstance(expected, sp.Basic),
            "answer": answer if isinstance(answer, str) else repr(answer),
            "options": {k: list(v) if isinstance(v, tuple) else v for k, v in kw.items()},
            "problem": problem[:2000], "seconds": round(elapsed, 3)}


def toml_string(text: str) -> str:
    """A TOML basic string (every character that needs it escaped)."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch < " " or ch == "\x7f":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return toml_string(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(v)


def corpus_entry(crash: dict[str, Any]) -> str:
    """A crash as a case of tests/grading/data/regressions.toml (checked: no crash)."""
    source = f"fuzz seed {crash['seed']} pair {crash['pair']}: " \
        + crash["problem"].splitlines()[0][:80]
    lines = ["[[case]]", f"source = {toml_string(source)}"]
    key = "expected_sympy" if crash.get("expected_sympy") else "expected"
    lines.append(f"{key} = {toml_string(crash['expected'])}")
    lines.append(f"answer = {toml_string(crash['answer'])}")
    if crash["options"]:
        lines.append(f"options = {toml_value(crash['options'])}")
    return "\n".join(lines) + "\n"


def _work(args: tuple[int, int, int]) -> tuple[int, list[dict[str, Any]], float]:
    start, stop, seed = args
    t0 = time.perf_counter()
    found = [c for c in (check(i, seed) for i in range(start, stop)) if c is not None]
    return stop - start, found, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pairs", type=int, default=2000)
    ap.add_argument("--progress", type=int, default=5000, help="print a line every N pairs")
    ap.add_argument("--seed", type=int, default=None, help="default: random, printed")
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--out", type=Path, help="write crashes as JSON lines here")
    ap.add_argument("--only", type=int, help="run only this pair number (with --seed)")
    ap.add_argument("--corpus", type=Path, help="append every crash as a regression case to "
                    "this TOML file (tests/grading/data/regressions.toml)")
    args = ap.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**9)
    print(f"fuzz_grading: seed {seed}, {args.pairs:,} pairs, {args.workers} workers")
    if args.only is not None:
        expected, answer, kw, kind = pair(args.only, seed)
        print(f"pair {args.only} ({kind}):\n  expected {expected!r}\n  answer   {answer!r}\n"
              f"  options  {kw!r}")
        print(check(args.only, seed) or "no crash")
        return 0
    chunks = [(i, min(i + 200, args.pairs), seed) for i in range(0, args.pairs, 200)]
    crashes: list[dict[str, Any]] = []
    done, t0 = 0, time.perf_counter()
    if args.workers > 1:
        with mp.get_context("fork").Pool(args.workers, maxtasksperchild=20) as pool:
            results = pool.imap_unordered(_work, chunks)
            for count, found, _ in results:
                done += count
                crashes += found
                for c in found:
                    print(f"CRASH pair {c['pair']}: {c['problem'].splitlines()[0]}", flush=True)
                if done % args.progress < 200:
                    print(f"  {done:,} pairs, {len(crashes)} crashes, "
                          f"{done / (time.perf_counter() - t0):,.0f} pairs/s", flush=True)
    else:
        for chunk in chunks:
            count, found, _ = _work(chunk)
            done += count
            crashes += found
            for c in found:
                print(f"CRASH pair {c['pair']}: {c['problem'].splitlines()[0]}", flush=True)
    elapsed = time.perf_counter() - t0
    print(f"fuzz_grading: seed {seed}: {done:,} pairs in {elapsed:,.0f} s "
          f"({done / elapsed:,.0f} pairs/s), {len(crashes)} crashes")
    if args.out is not None:
        with open(args.out, "w", encoding="utf-8") as fh:
            for c in sorted(crashes, key=lambda c: c["pair"]):
                fh.write(json.dumps(c) + "\n")
    if args.corpus is not None and crashes:
        with open(args.corpus, "a", encoding="utf-8") as fh:
            for c in sorted(crashes, key=lambda c: c["pair"]):
                fh.write("\n" + corpus_entry(c))
    return 1 if crashes else 0


if __name__ == "__main__":
    raise SystemExit(main())
