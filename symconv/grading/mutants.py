"""Misconception feedback: wrong formulas derived from the reference, each with its explanation.

The usual mistakes in CNN arithmetic are small edits of the right formula: a
factor left out (the ``c_i`` input channels), the ``+1`` of the window count
dropped, ``2p`` written ``p``, the floor dropped, FLOPs reported as MACs (or
the reverse), a bias counted or forgotten, ``h`` and ``w`` or ``c_i`` and
``c_o`` swapped, the stride or the padding ignored.  Nothing here is listed
per question: :func:`single_mutants` applies these edits to every place of
the reference tree where they make sense and describes each one for the
student; :func:`double_mutants` combines two.

Examples
--------
>>> from symconv.grading.parser import parse
>>> ref = parse("c_o*c_i*k_h*k_w*(floor((h - k_h)/s) + 1)")
>>> notes = {m.note for m in single_mutants(ref)}
>>> "ATMutant_factor_dropped_c_i" in notes and "ATMutant_floor_dropped" in notes
True
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from symconv.grading import nodes as N
from symconv.grading.domain import role
from symconv.grading.verdict import number_text

T = TypeVar("T")


@dataclass(frozen=True)
class Mutant:
    """A wrong formula, why a student might write it, and the staff note."""

    tree: N.Node
    note: str
    feedback: str
    order: int = 1

    def combine(self, other: Mutant) -> Mutant:
        return Mutant(other.tree, self.note + "+" + other.note.removeprefix("ATMutant_"),
                      f"Two differences from the expected formula. {self.feedback} "
                      f"Also: {_lower_first(other.feedback)}", 2)


class Edit:
    """One edit of a tree (``base``), described before the edited tree is built.

    ``how`` says what it does: ``"scale"`` (times the number ``arg``, a num node),
    ``"offset"`` (plus ``arg``), ``"rename"`` (the symbols swapped by the table ``arg``),
    ``"subst"`` (the symbol ``arg[0]`` set to the number ``arg[1]``), or ``"local"`` (the
    node below ``path`` replaced by the local mutant ``arg``, the ancestors on ``path``
    rebuilt around it).  :meth:`mutant` builds the edited tree (once); :meth:`bound` is an
    upper bound of its nodes, known without building it.
    """

    __slots__ = ("base", "how", "arg", "path", "note", "feedback", "_mutant")

    def __init__(self, base: N.Node, how: str, arg: Any,
                 path: tuple[tuple[N.Node, int], ...] = (), note: str = "",
                 feedback: str = "") -> None:
        self.base, self.how, self.arg, self.path = base, how, arg, path
        if how == "local":
            note, feedback = arg.note, arg.feedback
        self.note, self.feedback = note, feedback
        self._mutant: Mutant | None = None

    def mutant(self) -> Mutant:
        m = self._mutant
        if m is None:
            m = self._mutant = Mutant(self._tree(), self.note, self.feedback)
        return m

    def _tree(self) -> N.Node:
        how, base, arg = self.how, self.base, self.arg
        if how == "scale":
            return N.mul(arg, base)
        if how == "offset":
            return N.add(base, arg)
        if how == "rename":
            return N.rename(base, arg)
        if how == "subst":
            return N.substitute(base, {arg[0]: N.num(arg[1])})
        tree = arg.tree  # "local": rebuilt up the path, as each ancestor would rebuild it
        for node, i in reversed(self.path):
            tree = N.rebuild(node, node.args[:i] + (tree,) + node.args[i + 1:])
        return tree

    def bound(self) -> int:
        """At most the nodes of the edited tree: a rebuilt node has at most one more
        than its children (flattening and folding only remove nodes), a renamed or
        substituted leaf is one leaf."""
        base = self.base.size()
        if self.how in ("scale", "offset"):
            return base + 2
        if self.how == "local":
            node, i = self.path[-1] if self.path else (None, 0)
            edited = node.args[i] if node is not None else self.base
            return base - edited.size() + self.arg.tree.size()
        return base


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text.startswith("Your") else text


def _slug(node: N.Node) -> str:
    return re.sub(r"\W+", "", N.to_text(node))[:24] if node.op != "sym" else node.value


def _shown(node: N.Node) -> str:
    text = N.to_text(node)
    return text if node.op in ("sym", "num") else f"({text})"


def factor_reason(factor: N.Node) -> str:
    """What a dropped factor counts, for the student."""
    if factor.op == "pow" and factor.args[1] == N.num(-1):
        return f"the division by {_shown(factor.args[0])} is missing"
    if factor.op != "sym":
        if any(n.op in ("floor", "ceil") for n in factor.walk()):
            return "that factor is the number of output positions along one axis"
        return "every factor of the count multiplies the total"
    name = factor.value
    kind = role(name)
    sub = name.partition("_")[2].lower()
    if kind == "channels" and sub in ("i", "in"):
        return f"each output value sums products over all {name} input channels"
    if kind == "channels" and sub in ("o", "out"):
        return f"each of the {name} output channels is computed separately"
    if kind == "kernel":
        return f"each window has {name} taps along that axis"
    if kind == "batch":
        return f"every one of the {name} samples in the batch is processed"
    if kind == "stride":
        return f"the window moves {name} positions at a time"
    return f"the count grows in proportion to {name}"


class _Cache(OrderedDict):
    """Lists by key, least recently used first, with their total weight (see
    :data:`MUTANT_CACHE_WEIGHT`) kept up to date as they grow."""

    weight = 0

    def clear(self) -> None:
        super().clear()
        self.weight = 0


class _Replay(Generic[T]):
    """The items of a generator, kept as they are made and replayed to every later reader:
    a mutant tree (or edit) is built once however many references (students' variants of
    one formula, one reference's answers) read it."""

    def __init__(self, source: Iterator[T], home: _Cache, key: Any) -> None:
        self._source: Iterator[T] | None = source
        self._seen: list[T] = []
        self._home, self._key = home, key
        self._size = key[0].size()  # the weight of each item

    def __iter__(self) -> Iterator[T]:
        i = 0
        while True:
            if i < len(self._seen):
                yield self._seen[i]
                i += 1
                continue
            if self._source is None:
                return
            try:
                m = next(self._source, None)
            except BaseException:
                _forget(self._home, self._key)  # a broken list is never replayed
                raise
            if m is None:
                self._source = None
                return
            self._seen.append(m)
            if self._home.get(self._key) is self:
                self._home.weight += self._size

    @property
    def weight(self) -> int:
        return self._size * len(self._seen)


#: Mutant lists kept (by tree and kind), each of the two caches (one-edit lists, second-edit
#: lists) at most this many...
MUTANT_CACHE = 1024
#: ...and at most this weight: the nodes of its trees times the mutants made so far, an
#: upper bound of the nodes it keeps alive (mutants share most nodes with their tree).
#: Random references of a fuzz run must not fill a grading worker's memory.
MUTANT_CACHE_WEIGHT = 400_000
_SINGLES = _Cache()
_SECONDS = _Cache()


def _replayed(home: _Cache, key: Any, make: Callable[[], Iterator[T]]) -> Iterator[T]:
    found = home.get(key)
    if found is None:
        while len(home) >= MUTANT_CACHE:
            _forget(home, next(iter(home)))
        found = home[key] = _Replay(make(), home, key)
    else:
        home.move_to_end(key)
    # forget the least recently used lists while the cache is too heavy (the newest is
    # kept: it is being read)
    while home.weight > MUTANT_CACHE_WEIGHT and len(home) > 1:
        _forget(home, next(iter(home)))
    return iter(found)


def _forget(home: _Cache, key: Any) -> None:
    replay = home.pop(key, None)
    if replay is not None:
        home.weight -= replay.weight


def single_mutants(ref: N.Node, kind: str = "count") -> Iterator[Mutant]:
    """One-edit mutants of ``ref`` (duplicates and no-ops are removed by the caller), built
    once per tree and kind (cached) and lazily.

    ``kind="shape"``: ``ref`` is a dimension of a shape, so no hint speaks of FLOPs, MACs
    or biases.
    """
    return _replayed(_SINGLES, (ref, kind), lambda: _singles(ref, kind))


def _singles(ref: N.Node, kind: str) -> Iterator[Mutant]:
    whole = list(_whole(ref, kind))
    # When two edits give the same wrong formula the first explanation is kept, so the
    # ones that name a concept (FLOPs vs MACs, a swap, an ignored stride) come first.
    yield from (m for m in whole if m.note != "ATMutant_off_by_one")
    yield from _local_everywhere(ref, kind)
    yield from (m for m in whole if m.note == "ATMutant_off_by_one")


def double_mutants(singles: list[Mutant], limit: int = 500, kind: str = "count"
                   ) -> Iterator[Mutant]:
    """Two independent edits: each single mutant's own single mutants, taken in turn (the
    first edit of every single mutant's, then the second of each...), at most ``limit``;
    edits of the whole formula (doubled, swapped, a stride ignored) first."""
    for first, second in double_edits(singles, limit, kind):
        yield first.combine(second.mutant())


def double_edits(singles: list[Mutant], limit: int = 500, kind: str = "count"
                 ) -> Iterator[tuple[Mutant, Edit]]:
    """:func:`double_mutants` before their trees are built: each one's first mutant and
    the second edit (of the first one's tree) that makes it, in the same order."""
    def seconds(first: Mutant) -> Iterator[tuple[Mutant, Edit]]:
        for second in _replayed(_SECONDS, (first.tree, kind),
                                lambda: _second_edits(first.tree, kind)):
            yield first, second

    turns = [seconds(first) for first in singles]
    count = 0
    while turns:
        still = []
        for turn in turns:
            m = next(turn, None)
            if m is None:
                continue
            yield m
            count += 1
            if count >= limit:
                return
            still.append(turn)
        turns = still


def _second_edits(tree: N.Node, kind: str) -> Iterator[Edit]:
    """The edits a double mutant makes to a single mutant's ``tree`` (not yet built: most
    double mutants are told apart from an answer by their value at one point, which
    :mod:`~symconv.grading.equivalence` computes from the tree's own values)."""
    yield from (e for e in _whole_edits(tree, kind) if e.note != "ATMutant_off_by_one")
    yield from _local_edits(tree, kind, ())


def _local_everywhere(node: N.Node, kind: str = "count") -> Iterator[Mutant]:
    """Local edits at this node, and at every node below it (rebuilt into the whole tree)."""
    return (e.mutant() for e in _local_edits(node, kind, ()))


def _local_edits(node: N.Node, kind: str, path: tuple[tuple[N.Node, int], ...]
                 ) -> Iterator[Edit]:
    """:func:`_local_everywhere`'s edits, the node below ``path`` first, then each child's
    (``path``: the ancestors from the root, each with the index of the child taken)."""
    if node.op in _EDITABLE:
        root = path[0][0] if path else node
        for m in _local(node, kind):
            yield Edit(root, "local", m, path)
    for i, child in enumerate(node.args):
        if child.args:  # a leaf has no edit of its own
            yield from _local_edits(child, kind, path + ((node, i),))


#: The operators :func:`_local` edits.
_EDITABLE = frozenset(("mul", "add", "floor", "ceil"))


def _local(node: N.Node, kind: str = "count") -> Iterator[Mutant]:
    op = node.op
    if op == "mul":
        symbolic = [f for f in node.args if f.op != "num"]
        for i, f in enumerate(node.args):
            if f.op == "num":
                if f.value == 2:
                    rest = N.mul(*(g for g in node.args if g is not f))
                    why = (" (padding is added on both sides)"
                           if rest.op == "sym" and role(rest.value) == "padding" else "")
                    yield Mutant(rest, "ATMutant_coefficient_2_dropped",
                                 f"Your answer has {N.to_text(rest)} where the expected formula "
                                 f"has 2*{_shown(rest)}{why}.")
                continue
            if len(symbolic) < 2:
                continue  # dropping k from 2*k or -k leaves a bare number: not a misconception
            rest = N.mul(*(node.args[:i] + node.args[i + 1:]))
            yield Mutant(rest, f"ATMutant_factor_dropped_{_slug(f)}",
                         f"Your answer omits the factor {_shown(f)}: {factor_reason(f)}.")
        plain = [f for f in node.args if f.op == "sym"]
        if len(plain) >= 2:
            product = N.mul(*plain)
            others = [f for f in node.args if f.op != "sym"]
            for delta, what in ((1, "adds 1 to"), (-1, "subtracts 1 from")):
                why = "" if kind == "shape" else (
                    f" (a bias term {'counted' if delta > 0 else 'or one addition too few'}?)")
                yield Mutant(N.mul(*others, N.add(product, N.num(delta))),
                             f"ATMutant_product_{'plus' if delta > 0 else 'minus'}_one",
                             f"Your answer {what} {N.to_text(product)}{why}.")
    elif op == "add":
        const = [t for t in node.args if t.op == "num"]
        terms = [t for t in node.args if t.op != "num"]
        if const:
            c = const[0].value
            yield Mutant(N.add(*terms), "ATMutant_constant_dropped",
                         f"Your answer drops the {'+' if c > 0 else ''}{number_text(c)} of "
                         f"{_shown(node)}" + (": the first window position counts too."
                                             if c == 1 and _has_floor(node) else "."))
        else:
            for delta in (1, -1):
                yield Mutant(N.add(node, N.num(delta)), "ATMutant_constant_added",
                             f"Your answer has {N.to_text(node)} {'+' if delta > 0 else '-'} 1 "
                             f"where the expected formula has {N.to_text(node)}.")
        if len(terms) >= 2:
            for t in terms:
                rest = N.add(*(x for x in node.args if x is not t))
                why = "" if kind == "shape" else _term_reason(t)
                yield Mutant(rest, "ATMutant_term_dropped",
                             f"Your answer leaves out the term {_shown(t)}{why}.")
    elif op in ("floor", "ceil"):
        arg = node.args[0]
        yield Mutant(arg, "ATMutant_floor_dropped",
                     f"Your answer drops the {op} around {N.to_text(arg)}.")
        other = "ceil" if op == "floor" else "floor"
        yield Mutant(N.func(other, arg), f"ATMutant_{op}_to_{other}",
                     f"Your answer uses {other} where the expected formula uses {op}.")


def _term_reason(term: N.Node) -> str:
    """Why a left-out term matters, when its name says (a bias per output channel)."""
    if term.op == "sym" and role(term.value) == "channels" \
            and term.value.partition("_")[2].lower() in ("o", "out"):
        return f": the {term.value} biases, one per output channel (bias omitted?)"
    return ""


def _has_floor(node: N.Node) -> bool:
    return any(n.op in ("floor", "ceil") for n in node.walk())


_PAIRS = (("h", "w"), ("H", "W"), ("i", "o"), ("in", "out"))


def _whole(ref: N.Node, kind: str = "count") -> Iterator[Mutant]:
    """Edits of the whole formula: x2, /2, off by one, swapped or ignored symbols."""
    return (e.mutant() for e in _whole_edits(ref, kind))


def _whole_edits(ref: N.Node, kind: str = "count") -> Iterator[Edit]:
    """:func:`_whole`'s edits, not yet built."""
    if kind == "shape":
        yield Edit(ref, "scale", N.num(2), (), "ATMutant_doubled",
                   "Your answer is twice the expected value.")
        yield Edit(ref, "scale", N.Node("num", value=N.Fraction(1, 2)), (), "ATMutant_halved",
                   "Your answer is half the expected value.")
    else:
        yield Edit(ref, "scale", N.num(2), (), "ATMutant_doubled",
                   "Your answer is twice the expected value: did you count each multiply-add "
                   "as two operations (FLOPs instead of MACs), or count something twice?")
        yield Edit(ref, "scale", N.Node("num", value=N.Fraction(1, 2)), (), "ATMutant_halved",
                   "Your answer is half the expected value: did you count multiply-adds "
                   "(MACs) where multiplications plus additions (FLOPs) were asked, or miss a "
                   "factor 2?")
    for delta in (1, -1):
        yield Edit(ref, "offset", N.num(delta), (), "ATMutant_off_by_one",
                   f"Your answer is off by one ({delta:+d}).")
    for how, arg, note, feedback in _name_edits(ref.names()):
        yield Edit(ref, how, arg, (), note, feedback)


#: :func:`_name_edits` by set of names (most mutants of a formula have its names).
_NAME_EDITS: dict[frozenset[str], tuple[tuple[str, Any, str, str], ...]] = {}


def _name_edits(names: frozenset[str]) -> tuple[tuple[str, Any, str, str], ...]:
    """The swaps and ignored symbols of a formula with these names: (how, arg, note,
    feedback) of each edit, in order."""
    found = _NAME_EDITS.get(names)
    if found is not None:
        return found
    out: list[tuple[str, Any, str, str]] = []
    for a, b in _swappable(names):
        out.append(("rename", {a: b, b: a}, f"ATMutant_swapped_{a}_{b}",
                    f"Your answer swaps {a} and {b}."))
    for name in sorted(names):
        kind = role(name)
        if kind in ("stride", "dilation", "groups"):
            out.append(("subst", (name, 1), f"ATMutant_ignored_{name}",
                        f"Your answer ignores the {kind} {name} (it is right only for "
                        f"{name} = 1)."))
        elif kind == "padding":
            out.append(("subst", (name, 0), f"ATMutant_ignored_{name}",
                        f"Your answer ignores the padding {name} (it is right only for "
                        f"{name} = 0)."))
    if len(_NAME_EDITS) >= 256:
        _NAME_EDITS.clear()
    found = _NAME_EDITS[names] = tuple(out)
    return found


def _swappable(names: frozenset[str]) -> list[tuple[str, str]]:
    out = []
    for name in sorted(names):
        for a, b in _PAIRS:
            if name == a and b in names:
                out.append((a, b))
            stem, sep, sub = name.partition("_")
            if sep and sub == a and f"{stem}_{b}" in names:
                out.append((name, f"{stem}_{b}"))
    return out
