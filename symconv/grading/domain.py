"""Where answers are compared: symbol domains, validity conditions and the sample points.

Each symbol has a domain (integer or real, a lower bound, an optional upper
bound or a fixed value), defaulted by name through
:func:`symconv.symbols.domain_of` (sizes positive integers, padding >= 0,
``sigma*`` positive reals) and overridable by keyword.  Conditions restrict
the valid instances: by default every kernel fits its padded input (``k_h <=
h + 2*p_h`` when those symbols exist) and every ``floor``/``ceil`` argument
of the reference is >= 0 (at least one window position); a
:class:`~symconv.report.LayerReport`'s ``conditions`` and the caller's own
are added.

The sample is exact integer/Rational points: the smallest valid values,
each symbol one and two above them, points where a condition is tight,
random points in each symbol's typical range and a few large ones, and for
every ``floor``/``ceil`` of the compared formulas, runs of points that take
its numerator through every residue modulo its divisor.

Examples
--------
>>> from symconv.grading.parser import parse
>>> ref = parse("floor((h + 2*p - k)/s) + 1")
>>> dom = Domain.build(ref.names(), {"p": 0})
>>> pts = dom.sample(ref)
>>> all(row["k"] <= row["h"] and row["p"] == 0 for row in pts.rows())
True
"""

from __future__ import annotations

import functools
import math
import random
from collections import ChainMap
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

import sympy as sp

from symconv.grading import nodes as N
from symconv.grading.evaluate import UNDEFINED, evaluate
from symconv.grading.limits import REFERENCE_LIMITS, InvalidAnswer, OutOfTime
from symconv.grading.reals import is_exact
from symconv.symbols import domain_of

Number = int | Fraction

# Typical ranges by role (small regime, large regime): what random points draw from.
_ROLES = {
    "kernel": ((1, 7), (1, 15)), "stride": ((1, 5), (1, 7)), "padding": ((0, 3), (0, 7)),
    "dilation": ((1, 3), (1, 4)), "groups": ((1, 4), (1, 8)), "channels": ((1, 32), (1, 1024)),
    "batch": ((1, 8), (1, 256)), "size": ((1, 40), (1, 5000)),
}
_STEM_ROLE = {"k": "kernel", "kernel": "kernel", "s": "stride", "stride": "stride",
              "p": "padding", "pad": "padding", "padding": "padding", "op": "padding",
              "dil": "dilation", "dilation": "dilation", "g": "groups", "groups": "groups",
              "c": "channels", "ch": "channels", "channels": "channels", "b": "batch",
              "batch": "batch"}
_SIZE_NAMES = ("h", "w", "l", "n")


def role(name: str) -> str:
    """The role a name suggests, which sets its typical range.

    >>> role("k_h"), role("c_i"), role("h"), role("d_w")
    ('kernel', 'channels', 'size', 'dilation')
    """
    stem, sep, _ = name.partition("_")
    stem = stem.lower()
    if stem == "d" and sep:
        return "dilation"
    return _STEM_ROLE.get(stem, "size")


@dataclass(frozen=True)
class SymbolDomain:
    """The values one symbol may take: integers or reals (sampled at exact rationals), from
    ``low`` (None: unbounded; ``open_low``: excluded) to ``high`` (None: unbounded)."""

    name: str
    integer: bool = True
    low: Number | None = 1
    high: Number | None = None
    value: Number | None = None
    open_low: bool = False

    def describe(self) -> str:
        """
        >>> override(default_symbol("x"), "real").describe()
        'x real'
        >>> default_symbol("sigma").describe(), default_symbol("p").describe()
        ('sigma > 0 (real)', 'p >= 0 (integer)')
        """
        if self.value is not None:
            return f"{self.name} = {self.value}"
        kind = "integer" if self.integer else "real"
        if self.low is None:
            text = f"{self.name} {kind}"
            return text if self.high is None else text + f", <= {self.high}"
        op = ">" if self.open_low else ">="
        text = f"{self.name} {op} {self.low} ({kind})"
        return text if self.high is None else text + f", <= {self.high}"

    def contains(self, v: Number) -> bool:
        if self.value is not None:
            return v == self.value
        if self.integer and type(v) is not int:
            return False
        if self.low is not None and (v < self.low or (self.open_low and v == self.low)):
            return False
        return self.high is None or v <= self.high


def default_symbol(name: str) -> SymbolDomain:
    """The domain :func:`symconv.symbols.domain_of` gives a name.

    >>> default_symbol("p_h").low, default_symbol("sigma_x").integer
    (0, False)
    """
    assumptions = domain_of(name)
    integer = bool(assumptions.get("integer"))
    if not integer:
        return SymbolDomain(name, integer=False, low=0, open_low=True)
    return SymbolDomain(name, integer=True, low=1 if assumptions.get("positive") else 0)


#: Symbol domains by (name, spec) for the specs every variant repeats (none, or a number).
_SYMBOLS: dict[tuple[str, Any], SymbolDomain] = {}


def _symbol(name: str, spec: Any) -> SymbolDomain:
    """``override(default_symbol(name), spec)``, kept when ``spec`` is None or an int (a
    student's fixed number): the domains are immutable, so variants can share them."""
    if spec is not None and type(spec) is not int:
        return override(default_symbol(name), spec)
    key = (name, spec)
    found = _SYMBOLS.get(key)
    if found is None:
        if len(_SYMBOLS) > 4096:
            _SYMBOLS.clear()
        found = _SYMBOLS[key] = override(default_symbol(name), spec)
    return found


def override(base: SymbolDomain, spec: Any) -> SymbolDomain:
    """Apply one keyword of :func:`symconv.grade` to a symbol's domain.

    ``spec`` is a number (the symbol is fixed), ``(low, high)``, one of
    ``"integer"``, ``"positive"``, ``"nonnegative"``, ``"real"``, a dict with
    keys among ``integer, real, positive, nonnegative, min, max, value``, or a
    SymPy symbol whose assumptions are used.

    >>> override(default_symbol("h"), 32).value, override(default_symbol("s"), (2, 4)).high
    (32, 4)
    """
    if spec is None:
        return base
    if isinstance(spec, bool):
        raise InvalidAnswer("bad_domain", f"{base.name}: a domain cannot be a bool")
    if isinstance(spec, (int, Fraction)) or (isinstance(spec, sp.Basic) and spec.is_Rational):
        value = _number(spec)
        return replace(base, value=value, integer=isinstance(value, int))
    if isinstance(spec, sp.Symbol):
        spec = {"integer": bool(spec.is_integer), "real": bool(spec.is_real),
                "positive": bool(spec.is_positive), "nonnegative": bool(spec.is_nonnegative)}
    if isinstance(spec, str):
        spec = {spec: True}
    if isinstance(spec, (tuple, list)) and len(spec) == 2:
        low, high = (_number(x) for x in spec)
        return replace(base, low=low, high=high, open_low=False,
                       integer=isinstance(low, int) and isinstance(high, int))
    if isinstance(spec, Mapping):
        out = base
        if spec.get("real") and not spec.get("integer"):
            out = replace(out, integer=False, low=None, open_low=False)  # every real
        if spec.get("integer"):
            out = replace(out, integer=True, low=out.low if out.integer else None,
                          open_low=False)
        if spec.get("nonnegative"):
            out = replace(out, low=0, open_low=False)
        if spec.get("positive"):
            out = replace(out, low=1 if out.integer else 0, open_low=not out.integer)
        for key in ("min", "low"):
            if spec.get(key) is not None:
                out = replace(out, low=_number(spec[key]), open_low=False)
        for key in ("max", "high"):
            if spec.get(key) is not None:
                out = replace(out, high=_number(spec[key]))
        if spec.get("value") is not None:
            out = replace(out, value=_number(spec["value"]))
        return out
    raise InvalidAnswer("bad_domain", f"{base.name}: cannot read a domain from {spec!r}")


def _number(x: Any) -> Number:
    if isinstance(x, sp.Basic):
        if not x.is_Rational:
            raise InvalidAnswer("bad_domain", f"{x} is not an exact number")
        x = Fraction(int(x.p), int(x.q))
    if isinstance(x, str):
        x = Fraction(x)
    if isinstance(x, float):
        x = Fraction(x)
    if isinstance(x, Fraction) and x.denominator == 1:
        return int(x)
    if not isinstance(x, (int, Fraction)):
        raise InvalidAnswer("bad_domain", f"{x!r} is not a number")
    return x


@dataclass
class PointSet:
    """Sample points as columns: ``env[name]`` holds each point's value of ``name``."""

    names: tuple[str, ...]
    env: dict[str, list[Number]]
    n: int

    @classmethod
    def from_rows(cls, names: Sequence[str], rows: Iterable[Sequence[Number]]) -> PointSet:
        return cls.of_unique(names, list(dict.fromkeys(tuple(r) for r in rows)))

    @classmethod
    def of_unique(cls, names: Sequence[str], rows: Sequence[Sequence[Number]]) -> PointSet:
        """The points of ``rows``, already de-duplicated (no second pass over them)."""
        if not names:
            return cls((), {}, len(rows))
        columns = list(zip(*rows)) if rows else [()] * len(names)
        return cls(tuple(names), {name: list(col) for name, col in zip(names, columns)},
                   len(rows))

    def rows(self) -> list[dict[str, Number]]:
        return [{k: self.env[k][i] for k in self.names} for i in range(self.n)]

    def row(self, i: int) -> dict[str, Number]:
        return {k: self.env[k][i] for k in self.names}

    def subset(self, keep: Sequence[int]) -> PointSet:
        return PointSet(self.names, {k: [v[i] for i in keep] for k, v in self.env.items()},
                        len(keep))


@dataclass
class Domain:
    """Symbol domains plus the conditions a valid instance satisfies."""

    symbols: dict[str, SymbolDomain]
    conditions: list[tuple[N.Node, str]] = field(default_factory=list)
    seed: int = 0
    #: :meth:`_all_rounds` of the last base and floors (the key, the result)
    _rounds_cache: tuple[Any, list[bool]] | None = field(default=None, repr=False,
                                                         compare=False)

    @classmethod
    def build(cls, names: Iterable[str], overrides: Mapping[str, Any] | None = None,
              conditions: Iterable[N.Node] = (), reference: N.Node | None = None,
              defaults: bool = True, seed: int = 0) -> Domain:
        """Domains for ``names`` (plus any overridden name) with default and given conditions."""
        overrides = dict(overrides or {})
        conds = list(conditions)
        all_names = set(names) | set(overrides)
        for c in conds:
            all_names |= c.names()
        symbols = {n: _symbol(n, overrides.get(n)) for n in sorted(all_names)}
        dom = cls(symbols, [], seed)
        found = []
        if defaults:
            found = _kernel_fits(symbols) + _floor_args(reference, symbols)
        dom.conditions = found + [(c, N.to_text(c)) for c in conds]
        return dom

    @property
    def free(self) -> list[str]:
        return [n for n, d in self.symbols.items() if d.value is None]

    # -- sampling -----------------------------------------------------------
    def sample(self, reference: N.Node, extra: Sequence[N.Node] = (), count: int = 14,
               large: int = 4, tight: int = 6) -> PointSet:
        """Valid points (conditions hold, ``reference`` defined), see the module docstring."""
        return self.sample_values(reference, extra, count, large, tight)[0]

    def sample_values(self, reference: N.Node, extra: Sequence[N.Node] = (), count: int = 14,
                      large: int = 4, tight: int = 6
                      ) -> tuple[PointSet, list[Any] | None, dict]:
        """:meth:`sample`, and the values and memo of ``reference`` at the points when the
        last judgement evaluated it at exactly them (what ``evaluate`` with a fresh memo
        gives there), else None and an empty memo.

        Each row is judged on its own (its verdict does not depend on the rows judged with
        it), so rows are judged in as few evaluations as the draws allow, the same points
        as judging them one round after another: the boundary rows, the first small
        draws and the first large ones, drawn ahead (the large round the random stream
        gives next when the first small round is enough, as it mostly is) in one; the
        tight rows and the residue rows, with the whole sample, in one at the end."""
        rng = random.Random(self.seed)
        names = tuple(self.symbols)
        tame = _in_exponents(reference)
        seen: dict[tuple, bool] = {}  # rows already checked: each is checked once
        boundary = self._boundary()
        draw_small = self._drawer(False, frozenset())
        round1 = [draw_small(rng) for _ in range(count + count // 2 + 1)]
        after_round1 = rng.getstate()
        draw_big = self._drawer(True, tame)
        ahead: list[tuple[Number, ...]] | None = [draw_big(rng)
                                                  for _ in range(large + large // 2 + 1)]
        self._judge(names, round1 + boundary + (ahead or []), reference, seen)
        if len(self._kept(names, round1, reference, seen)) < count:
            rng.setstate(after_round1)  # more small rounds first: the large ones come later
            ahead = None
        small = self._drawn(rng, count, False, frozenset(), reference, seen, round1)
        first = small[:8]
        early = self._tight(first) if len(first) == 8 or count < 8 else []
        big = self._drawn(rng, large, True, tame, reference, seen, ahead)
        drawn = small[:count] + big[:large]
        tight_src = early if drawn[:8] == first and early else self._tight(drawn[:8])
        # The tight rows are judged at the end: those out of range are known at once, the
        # others taken as valid (they nearly always are), and if one is not, the residues
        # are found again from the tight rows it leaves.
        for r in dict.fromkeys(tight_src):
            if r not in seen and not self._in_range(r):
                seen[r] = False  # what valid() says of a row out of range
        tight_rows = [r for r in dict.fromkeys(tight_src) if seen.get(r, True)]
        guessed = [r for r in tight_rows[:tight] if r not in seen]
        base = [r for r in dict.fromkeys(boundary + drawn + tight_rows[:tight])
                if seen.get(r, True)]
        floors = _floor_nodes(reference) + [f for e in extra for f in _floor_nodes(e)]
        before_residues = rng.getstate()
        residues = self.residues(PointSet.of_unique(names, base), floors, rng)
        rows = list(dict.fromkeys(base + [tuple(r) for r in residues]))
        if all(r in seen for r in rows):
            return PointSet.of_unique(names, [r for r in rows if seen[r]]), None, {}
        pts = PointSet.of_unique(names, rows)
        keep, values, memo = self._valid(pts, reference)
        good = set(keep)
        for j, r in enumerate(rows):
            if r not in seen:
                seen[r] = j in good
        if all(seen[r] for r in guessed):
            if len(keep) == pts.n and values is not None:
                return pts, values, memo
            return PointSet.of_unique(names, [r for r in rows if seen[r]]), None, {}
        # a tight row taken as valid is not: the sample from the tight rows on, as judged
        rng.setstate(before_residues)
        tight_rows = self._kept(names, tight_src, reference, seen)
        base = self._kept(names, boundary + drawn + tight_rows[:tight], reference, seen)
        residues = self.residues(PointSet.of_unique(names, base), floors, rng)
        return PointSet.of_unique(names, self._kept(names, base + [tuple(r) for r in residues],
                                                    reference, seen)), None, {}

    def _in_range(self, row: Sequence[Number]) -> bool:
        """Whether every value of ``row`` is in its symbol's range."""
        return all(d.contains(v) for d, v in zip(self.symbols.values(), row))

    def _drawn(self, rng: random.Random, count: int, big: bool, tame: frozenset[str],
               reference: N.Node, seen: dict[tuple, bool],
               first: list[tuple[Number, ...]] | None = None) -> list[tuple[Number, ...]]:
        """``count`` valid random points (or as many as three rounds of draws give), as
        rows; ``first``: the first round, drawn (and judged) already."""
        names = tuple(self.symbols)
        draw = self._drawer(big, tame)
        rows: list[tuple[Number, ...]] = []
        kept: list[tuple[Number, ...]] = []
        for k, size in enumerate((count + count // 2 + 1, count, count)):
            rows += first if k == 0 and first is not None else [draw(rng) for _ in range(size)]
            kept = self._kept(names, rows, reference, seen)
            if len(kept) >= count:
                break
        return kept

    def _kept(self, names: Sequence[str], rows: Sequence[Sequence[Number]],
              reference: N.Node, seen: dict[tuple, bool]) -> list[tuple[Number, ...]]:
        """The valid rows among ``rows`` (de-duplicated, in order), judging the new ones."""
        unique = self._judge(names, rows, reference, seen)
        return [r for r in unique if seen[r]]

    def _judge(self, names: Sequence[str], rows: Sequence[Sequence[Number]],
               reference: N.Node, seen: dict[tuple, bool]) -> list[tuple[Number, ...]]:
        """Judge the rows not in ``seen`` (all in one evaluation) into it; the rows,
        de-duplicated, in order."""
        unique = list(dict.fromkeys(tuple(r) for r in rows))
        new = [r for r in unique if r not in seen]
        if new:
            good = set(self.valid(PointSet.of_unique(names, new), reference))
            for j, r in enumerate(new):
                seen[r] = j in good
        return unique

    def valid(self, pts: PointSet, reference: N.Node | None) -> list[int]:
        """The rows in every symbol's range where every condition holds and the reference
        is defined (all evaluated together: their common subtrees once)."""
        return self._valid(pts, reference)[0]

    def _valid(self, pts: PointSet, reference: N.Node | None
               ) -> tuple[list[int], list[Any] | None, dict]:
        """:meth:`valid`, and when every row is in range and ``reference`` was evaluated at
        them all at once, its values and memo (what ``evaluate`` with a fresh memo gives
        at ``pts``: the reference is evaluated first, into a memo of its own, and the
        conditions read it without writing to it)."""
        inside: list[bool] | None = None  # None: every row so far
        for name in pts.names:
            d = self.symbols[name]
            column = pts.env[name]
            if inside is None:
                if _all_inside(d, column):  # the common case: drawn in range
                    continue
                inside = [True] * pts.n
            contains = d.contains
            inside = [k and contains(v) for k, v in zip(inside, column)]
        if inside is None:
            keep = list(range(pts.n))
            sub = pts
        else:
            keep = [i for i, k in enumerate(inside) if k]
            sub = pts.subset(keep)
        own: dict = {}
        if not keep:
            return [], None, own
        found = None
        if reference is not None:
            found = values_at(reference, sub, own)
        ok = [True] * sub.n
        memo = ChainMap({}, own)
        for node, _ in self.conditions:
            ok = [k and v is not UNDEFINED and bool(v)
                  for k, v in zip(ok, values_at(node, sub, memo))]
        if found is not None:
            ok = [k and v is not UNDEFINED for k, v in zip(ok, found)]
            if own.get(reference) is not found or sub is not pts:
                found = None  # judged point by point, or on some rows only
        return [i for i, k in zip(keep, ok) if k], found, own

    def _drawer(self, big: bool, tame: frozenset[str]
                ) -> Callable[[random.Random], tuple[Number, ...]]:
        """A function drawing a random point (``tame`` symbols, in exponents, stay in their
        small range), each symbol's range found once, not at every draw."""
        template: list[Number] = []  # the fixed values, and a place for each drawn one
        integers: list[tuple[int, int, int]] = []  # (column, first value, count)
        plan: list[tuple[int, Any, Any]] = []  # (kind, ...): 0 fixed, 1 integer, 2 real
        for col, d in enumerate(self.symbols.values()):
            wide = big and d.name not in tame
            template.append(0 if d.value is None else d.value)
            if d.value is not None:
                plan.append((0, d.value, None))
            elif not d.integer:
                plan.append((2, d, wide))
            else:
                low, span = _integer_range(d, wide)
                plan.append((1, low, span))
                integers.append((col, low, span))
        if all(kind != 2 for kind, _, _ in plan):
            def draw_integers(rng: random.Random) -> tuple[Number, ...]:
                # one rng.random() per free symbol, in order, as below
                random_ = rng.random
                row = template.copy()
                for col, low, span in integers:
                    row[col] = low + int(random_() * span)
                return tuple(row)

            return draw_integers

        def draw(rng: random.Random) -> tuple[Number, ...]:
            random_ = rng.random
            return tuple(a if kind == 0 else a + int(random_() * b) if kind == 1
                         else _draw_real(a, rng, b) for kind, a, b in plan)

        return draw

    def _boundary(self) -> list[tuple[Number, ...]]:
        """Smallest values, each free symbol one and two above them; for reals also
        negative, fractional and zero values where the domain has them."""
        smallest = [_smallest(d) for d in self.symbols.values()]
        rows = [tuple(smallest)]
        for i, d in enumerate(self.symbols.values()):
            if d.value is None:
                steps: tuple[Number, ...] = (1, 2) if d.integer else (
                    1, 2, Fraction(1, 3), Fraction(5, 2))
                for step in steps:
                    r = list(smallest)
                    r[i] = smallest[i] + step
                    rows.append(tuple(r))
                if not d.integer:
                    for v in _REAL_PROBES:
                        if d.contains(v):
                            r = list(smallest)
                            r[i] = v
                            rows.append(tuple(r))
        # everything at 2 (or its minimum), a common "smallest interesting" instance
        rows.append(tuple(v if d.value is not None else max(v, 2)
                          for v, d in zip(smallest, self.symbols.values())))
        return rows

    def _tight(self, rows: Sequence[tuple[Number, ...]]) -> list[tuple[Number, ...]]:
        """Points where an inequality condition holds with equality (kernel = padded input)."""
        names = list(self.symbols)
        out: list[tuple[Number, ...]] = []
        pts = PointSet.from_rows(names, rows)
        for cond, _ in self.conditions:
            if cond.op != "rel" or cond.value not in ("<=", ">="):
                continue
            slack_node, slack_names = _slack(cond)
            # only the condition's own symbols move
            movers = [name for name in slack_names
                      if (d := self.symbols.get(name)) is not None and d.value is None
                      and d.integer]
            n = pts.n
            steps: dict[str, list[Any]] = {}
            own = _env_of(slack_node, pts)  # the slack's own columns only
            try:  # the slack and every bumped slack in one evaluation
                env = {k: v * (1 + len(movers)) for k, v in own.items()}
                for j, name in enumerate(movers):
                    env[name] = env[name][:(j + 1) * n] + [v + 1 for v in pts.env[name]] \
                        + env[name][(j + 2) * n:]
                every = evaluate(slack_node, env, n * (1 + len(movers)))
                slack = every[:n]
                steps = {name: every[(j + 1) * n:(j + 2) * n] for j, name in enumerate(movers)}
            except (InvalidAnswer, ValueError, ArithmeticError):
                try:  # one of them fails: each on its own, as far as it goes
                    slack = evaluate(slack_node, own, n)
                except (InvalidAnswer, ValueError, ArithmeticError):
                    continue
                for name in movers:
                    bumped = dict(own)
                    bumped[name] = [v + 1 for v in pts.env[name]]
                    try:
                        steps[name] = evaluate(slack_node, bumped, n)
                    except (InvalidAnswer, ValueError, ArithmeticError):
                        pass
            for name in movers:
                step = steps.get(name)
                if step is None:
                    continue
                col = names.index(name)
                for i in range(pts.n):
                    if slack[i] is UNDEFINED or step[i] is UNDEFINED:
                        continue
                    if not (type(slack[i]) is int and type(step[i]) is int):
                        continue
                    if step[i] - slack[i] == 1 and slack[i] > 0:
                        r = list(rows[i])
                        r[col] = rows[i][col] - slack[i]
                        out.append(tuple(r))
        return out

    def residues(self, base: PointSet, floors: Sequence[N.Node], rng: random.Random,
                 bases: int = 2, max_period: int = 16) -> list[list[Number]]:
        """Runs of points taking each floor/ceil numerator through every residue."""
        names = list(base.names)
        out: list[list[Number]] = []
        if base.n == 0:
            return out
        order = sorted(range(base.n), key=lambda i: rng.random())
        for node in {f.key(): f for f in floors}.values():
            arg = node.args[0]
            movers = self._movers(arg, {})
            done = 0
            # the first four points, then (when their divisors are all 1, as when the
            # stride is fixed at 1) all the others at once: two evaluations per mover
            for chunk in (order[:4], order[4:]):
                if not chunk:
                    break
                sub = base.subset(chunk)
                periods: dict[str, list[int | None]] = {}  # by mover, when first needed
                for j, i in enumerate(chunk):  # the first points whose divisor is > 1
                    for name in movers:
                        if name not in periods:
                            periods[name] = _periods(arg, sub, name)
                        period = periods[name][j]
                        if period is None or period > max_period:
                            continue
                        if period > 1:
                            row = base.row(i)
                            col = names.index(name)
                            for t in range(1, period):
                                r = [row[n] for n in names]
                                r[col] = row[name] + t
                                out.append(r)
                            done += 1
                        break
                    if done >= bases:
                        break
                if done >= bases:
                    break
        return out

    def _movers(self, arg: N.Node, row: Mapping[str, Number]) -> list[str]:
        """Free integer symbols of ``arg``, sizes first (moving them keeps kernels fitting)."""
        cands = [n for n in arg.names() if n in self.symbols and self.symbols[n].value is None
                 and self.symbols[n].integer]
        return sorted(cands, key=lambda n: (role(n) != "size", n))

    def exact_points(self, base: PointSet, floors: Sequence[N.Node], reference: N.Node,
                     skip: int | None = None) -> PointSet:
        """Points where every floor/ceil argument (except number ``skip``, which must not
        be) is an integer: each base point moved, floor after floor, along the first
        symbol that can make it so (vectorised over the points).  A second pass mends the
        points where a later floor's move (a shared stride) undid an earlier floor's;
        points still wrong after it are left out."""
        return self.exact_values(base, floors, reference, skip)[0]

    def exact_values(self, base: PointSet, floors: Sequence[N.Node], reference: N.Node,
                     skip: int | None = None) -> tuple[PointSet, list[Any]]:
        """:meth:`exact_points` and the values of ``reference`` there."""
        names = list(base.names)
        # and a few points with each divisor symbol at its smallest value (s = 1: every
        # division exact; the sample may have none, and an answer wrong there is wrong
        # where the divisions are exact)
        divisors = {n for f in floors for n in f.args[0].names()
                    if n in self.symbols and self.symbols[n].value is None
                    and self.symbols[n].integer and _divided_by(f.args[0], n) is not None}
        if divisors and base.n:
            low = [tuple(_smallest(self.symbols[n]) if n in divisors else row[n]
                         for n in names) for row in base.rows()[:4]]
            base = PointSet.from_rows(names, _as_rows(base) + low)
        env = {k: list(v) for k, v in base.env.items()}
        # a floor whose argument moves by whole numbers only (every symbol fixed, or
        # floor(p + 93/2) once w and k are a student's numbers) never rounds differently:
        # it is a number or a polynomial, not a division that must be exact
        rounds = self._all_rounds(floors, base)
        wants = [j != skip if rounds[j] else None for j in range(len(floors))]
        todo_all = list(range(base.n))
        failed: set[int] = set()
        # each floor's argument at every point, while no point has moved since (the check
        # closing a pass is the next pass's start)
        known: dict[int, list[Any]] = {}
        for _ in range(2):
            for j, node in enumerate(floors):
                arg = node.args[0]
                if wants[j] is None:
                    continue
                want = bool(wants[j])
                values = known.get(j)
                if values is None:
                    values = _arg_values(arg, base.names, env, todo_all)
                todo = [i for i in todo_all if not _as_wanted(values[i], want)]
                for name in self._movers(arg, {}):
                    if not todo:
                        break
                    pts = PointSet(base.names, {k: [v[i] for i in todo] for k, v in env.items()},
                                   len(todo))
                    shifts = _shifts_to_integer(arg, pts, name, want, [values[i] for i in todo])
                    left = []
                    for i, shift in zip(todo, shifts):
                        if shift is None:
                            left.append(i)
                        else:
                            env[name][i] += shift
                            if shift:
                                known.clear()
                    todo = left
            failed = set()
            known.clear()
            for j, node in enumerate(floors):
                if wants[j] is not None:
                    known[j] = _arg_values(node.args[0], base.names, env, todo_all)
                    failed.update(i for i in todo_all
                                  if not _as_wanted(known[j][i], bool(wants[j])))
            if not failed:
                break
        rows = list(zip(*(env[n] for n in names))) if names else [()] * base.n
        return self.accept_values(names, [r for i, r in enumerate(rows) if i not in failed],
                                  reference)

    def accept_values(self, names: Sequence[str], rows: Sequence[Sequence[Number]],
                      reference: N.Node) -> tuple[PointSet, list[Any]]:
        """The points of ``rows`` at which every condition holds and the reference is
        defined, and the values of ``reference`` there, as ``evaluate`` gives them: when
        every row is kept, the values computed to judge them (the same evaluation of the
        same points)."""
        pts = PointSet.from_rows(names, rows)
        keep, values, _ = self._valid(pts, reference)
        if values is None or len(keep) != pts.n:
            pts = pts.subset(keep)
            values = evaluate(reference, pts.env, pts.n, REFERENCE_LIMITS)
        return pts, values

    def _all_rounds(self, floors: Sequence[N.Node], base: PointSet) -> list[bool]:
        """:meth:`_rounds` of every floor's argument at ``base``, kept for the base and
        floors of the last call (the same for every ``skip`` of :meth:`exact_points`)."""
        key = (tuple(f.key() for f in floors), _as_rows(base), base.names)
        cached = self._rounds_cache
        if cached is None or cached[0] != key:
            cached = self._rounds_cache = (key, [self._rounds(f.args[0], base)
                                                 for f in floors])
        return cached[1]

    def _rounds(self, arg: N.Node, base: PointSet) -> bool:
        """Whether raising some free symbol by 1 moves ``arg`` by a fraction at some base
        point (a declared real symbol: always)."""
        free = [n for n in arg.names() if n in self.symbols and self.symbols[n].value is None]
        if any(not self.symbols[n].integer for n in free):
            return True
        # the base and each bumped base in one evaluation (each point's value is its own)
        n = base.n
        own = _env_of(arg, base)
        env = {k: v * (1 + len(free)) for k, v in own.items()}
        for j, name in enumerate(free):
            env[name] = env[name][:(j + 1) * n] + [v + 1 for v in own[name]] \
                + env[name][(j + 2) * n:]
        every = values_at(arg, PointSet(tuple(env), env, n * (1 + len(free))))
        before = every[:n]
        for j in range(len(free)):
            for a, b in zip(before, every[(j + 1) * n:(j + 2) * n]):
                if not (is_exact(a) and is_exact(b)) or (b - a).denominator != 1:
                    return True
        return False


@functools.lru_cache(maxsize=4096)
def _integer_range(d: SymbolDomain, big: bool) -> tuple[int, int]:
    """The first value and the number of values random integer draws take for ``d``."""
    lo_role, hi_role = _ROLES[role(d.name)][1 if big else 0]
    low = d.low if d.low is not None else -hi_role
    low = max(low, lo_role) if d.high is None else low
    high = hi_role if d.high is None else d.high
    high = max(high, low)
    return int(low), int(high) - int(low) + 1


_REAL_PROBES = (Fraction(-7, 3), -1, Fraction(-1, 2), Fraction(-1, 3), 0, Fraction(1, 3),
                Fraction(1, 2), 1, Fraction(3, 2), Fraction(7, 3), 3)
_DENOMINATORS = (1, 2, 3, 4, 5, 6, 7, 9, 12)


def _all_inside(d: SymbolDomain, column: list[Number]) -> bool:
    """Whether ``d`` contains every value of ``column`` (``all(map(d.contains, column))``)
    with the loops in C; False may also mean "not sure" (the caller then asks each)."""
    if not column:
        return True
    if d.value is not None:
        return column.count(d.value) == len(column)
    if d.integer and set(map(type, column)) != {int}:
        return False
    if not d.integer and not set(map(type, column)) <= {int, Fraction}:
        return False
    if d.low is not None:
        lowest = min(column)
        if lowest < d.low or (d.open_low and lowest == d.low):
            return False
    return d.high is None or max(column) <= d.high


def _smallest(d: SymbolDomain) -> Number:
    if d.value is not None:
        return d.value
    if d.low is None:
        return -3 if d.high is None or d.high >= -3 else d.high
    if not d.open_low:
        return d.low
    return d.low + (1 if d.integer else Fraction(1, 2))


def _draw_real(d: SymbolDomain, rng: random.Random, big: bool) -> Number:
    """A rational in the domain: integers, halves, thirds... negatives where allowed."""
    span = 40 if big else 12
    low: Number
    high: Number
    if d.low is None:
        high = d.high if d.high is not None else span
        low = high - 2 * span if d.high is not None else -span
    else:
        low = d.low
        high = d.high if d.high is not None else low + span
    q = rng.choice(_DENOMINATORS)
    first, last = math.ceil(low * q), math.floor(high * q)
    value = Fraction(rng.randint(first, last), q) if first <= last else Fraction(low)
    if not d.contains(value):
        value = Fraction(low) + Fraction(1, 2 * q) if d.open_low else Fraction(low)
    return int(value) if value.denominator == 1 else value


def values_at(node: N.Node, pts: PointSet, memo: Any = None) -> list[Any]:
    """``node`` at every point (reference limits), UNDEFINED at a point where it is too
    large or cannot be evaluated, instead of failing every point (``memo``: a dict, or
    ``ChainMap({}, shared)`` to read ``shared`` without writing to it)."""
    try:
        return evaluate(node, pts.env, pts.n, REFERENCE_LIMITS, memo=memo)
    except OutOfTime:
        raise
    except (InvalidAnswer, ArithmeticError, ValueError, TypeError):
        out = []
        for i in range(pts.n):
            try:
                out.append(evaluate(node, {k: [v[i]] for k, v in pts.env.items()}, 1,
                                    REFERENCE_LIMITS)[0])
            except OutOfTime:
                raise
            except (InvalidAnswer, ArithmeticError, ValueError, TypeError):
                out.append(UNDEFINED)
        return out


def _in_exponents(node: N.Node) -> frozenset[str]:
    """Symbols in an exponent or under ``exp``: large values of them only make gigantic
    numbers (``h^n`` for n = 5000), so they are sampled in their typical range only."""
    found = node.facts.get("in exponents")
    if found is None:  # kept on the tree: the variants of a formula share it
        out: set[str] = set()
        for n in node.walk():
            if n.op == "pow":
                out |= n.args[1].names()
            elif n.op == "exp":
                out |= n.args[0].names()
        found = node.facts["in exponents"] = frozenset(out)
    return found


def _as_rows(pts: PointSet) -> list[tuple[Number, ...]]:
    if not pts.names:
        return [()] * pts.n
    return list(zip(*(pts.env[n] for n in pts.names)))


def _periods(arg: N.Node, pts: PointSet, name: str) -> list[int | None]:
    """At each point, ``m`` when raising ``name`` by 1 raises ``arg`` by exactly ``1/m``
    (None otherwise)."""
    # the points and the bumped points in one evaluation (each point's value is its own)
    n = pts.n
    both = PointSet(pts.names, {k: (v + [x + 1 for x in v]) if k == name else v + v
                                for k, v in _env_of(arg, pts).items()}, 2 * n)
    values = values_at(arg, both)
    before, after = values[:n], values[n:]
    out: list[int | None] = []
    for a, b in zip(before, after):
        if a is UNDEFINED or b is UNDEFINED or not (is_exact(a) and is_exact(b)):
            out.append(None)
            continue
        # b - a = top/bottom (ints and Fractions alike have a numerator and a denominator),
        # whose reduced numerator is 1 when top > 0 divides bottom: then its denominator is
        # bottom // top (integers only, no Fraction made)
        top = b.numerator * a.denominator - a.numerator * b.denominator
        bottom = a.denominator * b.denominator
        out.append(bottom // top if top > 0 and bottom % top == 0 else None)
    return out


def _env_of(node: N.Node, pts: PointSet) -> dict[str, list[Number]]:
    """The columns of ``pts`` that ``node`` reads: an evaluation looks at the sizes of
    every column it is given (the values are the same with only its own)."""
    return {k: v for k, v in pts.env.items() if k in node.names()}


def _slack(cond: N.Node) -> tuple[N.Node, list[str]]:
    """How far an inequality condition is from tight (``right - left`` of ``<=``) and its
    names, sorted; kept on the condition (the conditions of a formula's tree are shared
    by its variants, and so are the slack's cached facts)."""
    found = cond.facts.get("slack")
    if found is None:
        node = N.sub(cond.args[1], cond.args[0]) if cond.value == "<=" \
            else N.sub(cond.args[0], cond.args[1])
        found = cond.facts["slack"] = (node, sorted(node.names()))
    return found


def _arg_values(arg: N.Node, names: tuple[str, ...], env: dict[str, list[Number]],
                idx: list[int]) -> list[Any]:
    """``arg`` at the points ``idx`` of ``env``."""
    pts = PointSet(names, {k: [v[i] for i in idx] for k, v in env.items()}, len(idx))
    return values_at(arg, pts)


def _as_wanted(v: Any, want: bool) -> bool:
    """Whether ``v`` is exact and (``want``) an integer or not."""
    return is_exact(v) and (v.denominator == 1) == want


def _shifts_to_integer(arg: N.Node, pts: PointSet, name: str, want: bool,
                       before: list[Any] | None = None) -> list[int | None]:
    """How far to raise ``name`` at each point so ``arg`` is (``want``) or is not an
    integer (``None``: no shift found), every point at once.

    Where raising ``name`` by 1 moves ``arg`` by ``a/m`` (any ``a``: ``2*p/3`` moves by
    2/3, ``(185 - k)/3`` by -1/3) the shift is solved modulo ``m``; where ``name`` is
    the divisor (``212/s``, ``(h - 7)/s``) it is raised to the next divisor of the
    numerator (``s = 4`` for 212, ``151`` for 151: no scan reaches it); where neither
    gives a shift the next few values are tried.  Every shift is checked by evaluating
    ``arg`` (a point whose candidates all fail gets ``None``).  ``before``: ``arg`` at
    ``pts`` when the caller has it."""
    n = pts.n
    out: list[int | None] = [None] * n
    if n == 0:
        return out
    bumped = PointSet(pts.names, {**pts.env, name: [v + 1 for v in pts.env[name]]}, n)
    if before is None:
        before = values_at(arg, pts)
    after = values_at(arg, bumped)
    tops = _divided_by(arg, name) if want else None  # a divisor helps only to be integer
    top_values = values_at(tops, pts) if tops is not None else [UNDEFINED] * n
    tries: list[list[int]] = []
    for x, y, top, v in zip(before, after, top_values, pts.env[name]):
        cands: list[int] = []
        if is_exact(x) and is_exact(y):
            step = y - x  # ints and Fractions alike have a numerator and a denominator
            if (x.denominator == 1) == want:
                cands.append(0)
            elif step and step.denominator > 1 and x.denominator > 1 and want:
                m = step.denominator  # x + t*a/m integer: t*a = -x*m (mod m)
                if m % x.denominator == 0:  # -x*m is the integer -x.numerator*(m/x.den)
                    t = (-x.numerator * (m // x.denominator)) * pow(step.numerator, -1, m) % m
                    cands.append(t)
            elif step and step.denominator > 1 and not want:
                cands.append(1)
        if want and type(top) is int and top != 0 and type(v) is int and abs(top) < 10**12:
            d = _next_divisor(abs(top), v)
            if d is not None:
                cands.append(d - v)
        if not cands:  # no shift solved for: the next few values
            cands = list(range(1, 5))
        tries.append(cands)
    open_ = list(range(n))
    for rank in range(max(len(c) for c in tries)):
        open_ = [i for i in open_ if rank < len(tries[i])]
        if not open_:
            break
        # a shift of 0 or 1 was evaluated already (before, after); the others now
        unknown = [i for i in open_ if tries[i][rank] not in (0, 1)]
        found = dict(zip(unknown, _moved_values(arg, pts, name, unknown,
                                                [tries[i][rank] for i in unknown])))
        still = []
        for i in open_:
            shift = tries[i][rank]
            value = before[i] if shift == 0 else after[i] if shift == 1 else found[i]
            if _as_wanted(value, want):
                out[i] = shift
            else:
                still.append(i)
        open_ = still
    return out


def _moved_values(arg: N.Node, pts: PointSet, name: str, idx: list[int],
                  shifts: list[int]) -> list[Any]:
    """``arg`` at the points ``idx`` of ``pts`` with ``name`` raised by ``shifts``."""
    if not idx:
        return []
    moved = PointSet(pts.names, {k: [v[i] for i in idx] for k, v in pts.env.items()},
                     len(idx))
    moved.env[name] = [v + t for v, t in zip(moved.env[name], shifts)]
    return values_at(arg, moved)


def _divided_by(arg: N.Node, name: str) -> N.Node | None:
    """``top`` when ``arg`` is ``top/name`` with ``name`` not in ``top``."""
    if arg.op != "mul":
        return None
    cache = arg.facts.setdefault("divided by", {})  # kept: the same tree for every call
    if name not in cache:
        inverse = N.power(N.sym(name), N.num(-1))
        rest = [f for f in arg.args if f != inverse]
        if len(rest) != len(arg.args) - 1 or any(name in f.names() for f in rest):
            cache[name] = None
        else:
            cache[name] = N.mul(*rest) if rest else N.num(1)
    return cache[name]


def _next_divisor(top: int, start: int) -> int | None:
    """The smallest divisor ``d >= start`` of ``top`` with ``d > 1`` (the caller keeps
    ``top`` below 10**12, which SymPy factors at once)."""
    return next((d for d in _divisors(top) if d >= start and d > 1), None)


@functools.lru_cache(maxsize=1024)
def _divisors(top: int) -> tuple[int, ...]:
    """The divisors of ``top``, in increasing order (kept: the same sizes recur)."""
    return tuple(int(d) for d in sp.divisors(top))

def _floor_nodes(node: N.Node | None) -> list[N.Node]:
    if node is None:
        return []
    found = node.facts.get("floor nodes")
    if found is None:  # kept on the tree: the variants of a formula share it
        found = node.facts["floor nodes"] = tuple(
            n for n in node.walk() if n.op in ("floor", "ceil") and n.args[0].names())
    return list(found)


def _floor_args(reference: N.Node | None, symbols: Mapping[str, SymbolDomain]
                ) -> list[tuple[N.Node, str]]:
    """At least one window position: every ``floor(x) + c`` of the reference over integer
    symbols is >= 1 when ``c >= 1`` (a window count, however SymPy arranged it:
    ``floor(-k/2) + 64``), and any other floor/ceil argument is >= 0.  A floor of a
    declared real may be negative (``x - floor(x)``).  With their texts; kept on the
    reference's tree for the set of its names declared real (all that they depend on), so
    the variants of one formula share them, and their slacks (:meth:`Domain._tight`)."""
    if reference is None:
        return []
    real = frozenset(n for n in reference.names() if n in symbols and not symbols[n].integer)
    cache = reference.facts.setdefault("floor conditions", {})
    found = cache.get(real)
    if found is None:
        if len(cache) > 64:
            cache.clear()
        found = cache[real] = tuple((c, N.to_text(c)) for c in _floor_conditions(reference,
                                                                                 real))
    return list(found)


def _floor_conditions(reference: N.Node, real: frozenset[str]) -> list[N.Node]:
    def integer(f: N.Node) -> bool:
        return not (f.args[0].names() & real)

    out: list[N.Node] = []
    counted: set[int] = set()
    for node in reference.walk():
        if node.op != "add":
            continue
        rounded = [a for a in node.args if a.op in ("floor", "ceil") and a.args[0].names()]
        const = sum((a.value for a in node.args if a.op == "num"), 0)
        if len(rounded) == 1 and const >= 1 and integer(rounded[0]):
            out.append(N.func("rel", N.add(rounded[0], N.num(const)), N.num(1), value=">="))
            counted.add(id(rounded[0]))
    for f in _floor_nodes(reference):
        if id(f) not in counted and integer(f):
            out.append(N.func("rel", f.args[0], N.num(0), value=">="))
    return out


#: The kernel conditions (with their texts) by the names of a domain's symbols, in order.
_KERNEL_FITS: dict[tuple[str, ...], tuple[tuple[N.Node, str], ...]] = {}


def _kernel_fits(symbols: Mapping[str, SymbolDomain]) -> list[tuple[N.Node, str]]:
    """``d*(k - 1) + 1 <= n + 2*p`` for each kernel symbol and the size it slides over (with
    its text; the same for every domain of the same names)."""
    key = tuple(symbols)
    found = _KERNEL_FITS.get(key)
    if found is None:
        if len(_KERNEL_FITS) > 1024:
            _KERNEL_FITS.clear()
        found = _KERNEL_FITS[key] = tuple((c, N.to_text(c)) for c in _kernel_conditions(key))
    return list(found)


def _kernel_conditions(symbols: Sequence[str]) -> list[N.Node]:
    out = []
    for name in symbols:
        stem, sep, axis = name.partition("_")
        if stem.lower() != "k":
            continue
        sizes = [axis] if sep and axis in symbols else (
            [s for s in _SIZE_NAMES if s in symbols] if not sep else [])
        for size in sizes:
            span: N.Node = N.sym(name)
            dil = f"d_{size}" if f"d_{size}" in symbols else None
            if dil:
                span = N.add(N.mul(N.sym(dil), N.sub(span, N.num(1))), N.num(1))
            padded: N.Node = N.sym(size)
            pad = next((p for p in (f"p_{size}", f"p_{axis}" if sep else "", "p")
                        if p in symbols), None)
            if pad:
                padded = N.add(padded, N.mul(N.num(2), N.sym(pad)))
            out.append(N.func("rel", span, padded, value="<="))
    return out
