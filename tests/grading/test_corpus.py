"""The equivalence corpus (tests/grading/data/corpus.csv, written by make_corpus.py).

Every case states a verdict.  Each verdict is first checked *independently of the
grader*: both sides are read by SymPy (the answer through its ``oracle`` spelling when it
is LaTeX or informal) and evaluated exactly, with SymPy Rationals, at random points of
the domain (positive integers, padding from 0, declared reals at negative and fractional
values), keeping the points where the reference is defined, every kernel fits and every
window count of the reference is at least 1:

* ``correct``: equal at every point (irrational values compared to 60 digits);
* ``incorrect``: different at some point where every floor argument of the reference is
  an integer (so not merely a dropped floor);
* ``partial``: different somewhere, equal wherever those floor arguments are integers;
* shapes: ``correct`` componentwise, ``partial`` the right components in another order;
* ``invalid``: a number written ambiguously (the documented rules: a first group with a
  leading 0, a group that is not three digits).

Then the grader must give that verdict.
"""

from __future__ import annotations

import csv
import itertools
import random
import re
import zlib
from fractions import Fraction
from pathlib import Path

import pytest
import sympy as sp
from sympy.parsing.sympy_parser import parse_expr

from symconv.grading import grade

CASES = list(csv.DictReader(open(Path(__file__).parent / "data" / "corpus.csv",
                                 newline="", encoding="utf-8")))
FUNCS = {"floor": sp.floor, "ceil": sp.ceiling, "ceiling": sp.ceiling, "mod": sp.Mod,
         "max": sp.Max, "min": sp.Min, "abs": sp.Abs, "sqrt": sp.sqrt, "log": sp.log,
         "exp": sp.exp, "log2": lambda x: sp.log(x, 2), "log10": lambda x: sp.log(x, 10),
         "pi": sp.pi, "e": sp.E, "E": sp.E}


def domain_of(case: dict) -> dict[str, str]:
    return dict(part.split("=") for part in case["domain"].split(";") if part.strip())


def read(text: str, reals: set[str]) -> object:
    """Trusted corpus text in SymPy syntax (``^`` as power), tuples as Python tuples."""
    names = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text)) - set(FUNCS) - {"Max", "Min",
                                                                            "Abs", "Mod"}
    local = dict(FUNCS)
    local.update({n: sp.Symbol(n, real=True) if n in reals else sp.Symbol(n, integer=True)
                  for n in names})
    return parse_expr(text.replace("^", "**"), local_dict=local)


def points(exprs: list, reals: set[str], rng: random.Random, count: int = 40) -> list[dict]:
    symbols = sorted(set().union(*(sp.sympify(e).free_symbols for e in exprs)), key=str)
    ref = exprs[0]
    out = []
    for _ in range(count * 20):
        pt = {}
        for s in symbols:
            if s.name in reals:
                pt[s] = sp.Rational(rng.randint(-36, 36), rng.choice([1, 2, 3, 4, 6, 7]))
            elif s.name.startswith("p"):
                pt[s] = sp.Integer(rng.randint(0, 3))
            else:
                pt[s] = sp.Integer(rng.randint(1, 12 if rng.random() < 0.8 else 60))
        if admissible(ref, pt):
            out.append(pt)
        if len(out) >= count:
            break
    return out


def admissible(ref: object, pt: dict) -> bool:
    """The reference defined, every kernel fitting, every window count >= 1."""
    names = {s.name: v for s, v in pt.items()}
    for k, size, pad in (("k", "h", "p"), ("k", "w", "p"), ("k", "l", "p"), ("k", "n", "p"),
                         ("k_h", "h", "p_h"), ("k_w", "w", "p_w")):
        if k in names and size in names and names[k] > names[size] + 2 * names.get(pad, 0):
            return False
    for e in (ref if isinstance(ref, tuple) else (ref,)):
        value = sp.sympify(e).xreplace(pt)
        if value.has(sp.zoo, sp.nan, sp.oo) or not value.is_real:
            return False
        for f in sp.sympify(e).atoms(sp.floor, sp.ceiling):
            arg = f.args[0]
            if arg.free_symbols and all(s.is_integer for s in arg.free_symbols) \
                    and arg.xreplace(pt) < 0:
                return False  # no window position: not a valid instance
    return True


def equal(a: object, b: object, pt: dict) -> bool:
    x, y = sp.sympify(a).xreplace(pt), sp.sympify(b).xreplace(pt)
    if x.is_Rational and y.is_Rational:
        return x == y
    if y.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or x.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        return False  # the answer is undefined where the reference is defined
    return abs(sp.N(x - y, 60)) < sp.Float("1e-45")


def integer_floors(ref: object) -> list:
    """The reference's floors and ceilings of integer symbols (partial credit is about
    divisions of integers that are not exact; a floor of a real has none)."""
    return [f for e in (ref if isinstance(ref, tuple) else (ref,))
            for f in sp.sympify(e).atoms(sp.floor, sp.ceiling)
            if f.args[0].free_symbols and all(s.is_integer for s in f.args[0].free_symbols)]


def floors_exact(ref: object, pt: dict) -> bool:
    return all(f.args[0].xreplace(pt).is_integer for f in integer_floors(ref))


def oracle_verdict(case: dict) -> str:
    """The verdict from SymPy alone."""
    if case["verdict"] == "invalid":
        text = case["answer"]
        ambiguous = re.search(r"(^|[^\d])0,\d|\d,(\d{1,2}|\d{4,})(\D|$)|\d \d{4,}", text)
        return "invalid" if ambiguous else "readable"
    reals = {k for k, v in domain_of(case).items() if v == "real"}
    ref = read(case["expected"], reals)
    ans = read(case["oracle"] or case["answer"], reals)
    # A string's hash() differs between processes (PYTHONHASHSEED): crc32 draws the same
    # points on every run.
    rng = random.Random(zlib.crc32((case["expected"] + case["answer"]).encode()))
    if isinstance(ref, tuple):
        ans = ans if isinstance(ans, tuple) else (ans,)
        pts = points(list(ref) + list(ans), reals, rng)
        assert pts, case
        if len(ans) != len(ref):
            return "incorrect"
        if all(all(equal(r, a, pt) for pt in pts) for r, a in zip(ref, ans)):
            return "correct"
        for perm in itertools.permutations(range(len(ref))):
            if all(all(equal(ref[p], a, pt) for pt in pts) for p, a in zip(perm, ans)):
                return "partial"
        return "incorrect"
    pts = points([ref, ans], reals, rng)
    assert len(pts) >= 5, case
    same = [equal(ref, ans, pt) for pt in pts]
    if all(same):
        return "correct"
    if not integer_floors(ref):
        return "incorrect"
    exact = [s for s, pt in zip(same, pts) if floors_exact(ref, pt)]
    if exact and all(exact):
        return "partial"
    return "incorrect"


@pytest.mark.parametrize("case", CASES, ids=[f"{i}:{c['category']}:{c['answer'][:40]}"
                                             for i, c in enumerate(CASES)])
def test_corpus_case(case):
    independent = oracle_verdict(case)
    assert independent == case["verdict"], f"the corpus is wrong: SymPy says {independent}"
    options = {k: v for k, v in domain_of(case).items()}
    result = grade(case["expected"], case["answer"], time_limit=60, **options)  # verdicts, not speed
    assert result.verdict == case["verdict"], result


def test_corpus_is_large_and_covers_every_category():
    counts: dict[str, int] = {}
    for c in CASES:
        counts[c["category"]] = counts.get(c["category"], 0) + 1
    assert len(CASES) >= 600
    assert set(counts) >= {"cnn", "floor", "rational", "roots", "latex", "numbers", "shapes",
                           "reals"}
    assert all(n >= 20 for n in counts.values()), counts


def test_the_oracle_can_disagree():
    """The independent check is real: a case with a wrong stated verdict is caught."""
    wrong = dict(CASES[0], verdict="incorrect" if CASES[0]["verdict"] == "correct"
                 else "correct")
    assert oracle_verdict(wrong) != wrong["verdict"]
    assert Fraction(1, 3) != Fraction(1, 2)
