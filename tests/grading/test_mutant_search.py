"""The mutant search: the same first match as a full table, independent of history, load.

The search compares a double mutant at one key point before the others and is bounded
by a count of evaluated nodes; these tests hold it to what a plain table of every
mutant's values at every key point gives, whatever answers came before and however
slow the clock runs.
"""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

import symconv.grading.limits as limits_module
from symconv.grading import equivalence as E
from symconv.grading.api import grade
from symconv.grading.evaluate import UNDEFINED, evaluate, exact_at
from symconv.grading.limits import REFERENCE_LIMITS
from symconv.grading.mutants import double_mutants, single_mutants
from symconv.grading.parser import parse

CONV = "c_i*c_o*k_h*k_w*(floor((h - k_h + 2*p_h)/s_h) + 1)*(floor((w - k_w + 2*p_w)/s_w) + 1)"
POOL = "c*(floor((h - k)/s) + 1)*(floor((w - k)/s) + 1)"
CASES = [
    (CONV, {}, "c_i*c_o*k_h*k_w*(floor((h - k_h + 2*p_h)/s_h) + 1)*(floor((w - k_w + p_w)/s_w) + 1)"),
    (CONV, {"c_i": 17, "k_w": 3},
     "c_o*k_h*3*(floor((h - k_h + 2*p_h)/s_h) + 1)*(floor((w - 3 + 2*p_w)/s_w))"),
    (CONV, {}, "2*c_o*k_h*k_w*(floor((h - k_h + 2*p_h)/s_h) + 1)*(floor((w - k_w + 2*p_w)/s_w) + 1)"),
    (CONV, {}, "c_i*c_o*k_h*k_w*(floor((w - k_w + 2*p_w)/s_w) + 1)*((h - k_h + p_h)/s_h + 1)"),
    (POOL, {}, "c*(floor((h - k)/s) + 1)*(floor((w - k)/s))"),
    (POOL, {"c": 3}, "3*(floor((h - k)/s))*(floor((w - k)/s)) + 1"),
    (POOL, {}, "c*h*w"),
]


def table_first_match(ref: E.Reference, answer_text: str) -> str | None:
    """The note of the first mutant, in the search's order, equal to the answer at every
    key point and confirmed at every point: every mutant evaluated at every key point."""
    answer = parse(answer_text, known=ref.known)
    pts = ref.points
    got = evaluate(answer, pts.env, pts.n)
    idx, sub, _ = ref.key_points()
    own = tuple(ref.values[i] for i in idx)
    values = tuple(got[i] for i in idx)

    def at_keys(m):
        try:
            vec = tuple(evaluate(m.tree, sub.env, sub.n, REFERENCE_LIMITS))
        except (ValueError, ArithmeticError, TypeError):
            return None
        return None if vec == own else vec

    singles, seen, order = [], set(), []
    for m in single_mutants(ref.tree, ref.kind):
        vec = at_keys(m)
        order.append((m, vec))
        if vec is not None and vec not in seen:
            seen.add(vec)
            singles.append(m)
    order += [(m, at_keys(m)) for m in double_mutants(singles, E.MUTANT_DOUBLES, ref.kind)]
    for m, vec in order:
        if vec is not None and vec == values and E._matches(ref, m, answer, got, None,
                                                            limits_module.DEFAULT_LIMITS):
            return m.note
    return None


@pytest.mark.parametrize("expected, domain, answer", CASES)
def test_search_finds_the_tables_first_match(expected, domain, answer):
    ref = E.Reference.build(parse(expected), domain, ())
    want = table_first_match(ref, answer)
    result = E.judge(ref, parse(answer, known=ref.known))
    note = result.note.removeprefix("ATEquiv_partial_")
    if want is None:
        assert not note.startswith("ATMutant"), result.note
    else:
        assert note.removeprefix("ATMutant_") == want.removeprefix("ATMutant_"), result.note


def test_feedback_does_not_depend_on_answers_graded_before():
    answers = [a for _, _, a in CASES[:4]]
    alone = []
    for a in answers:
        ref = E.Reference.build(parse(CONV), {}, ())  # a fresh reference for each answer
        alone.append(E.judge(ref, parse(a, known=ref.known)).note)
    rng = random.Random(5)
    print("seed 5")
    for _ in range(3):
        ref = E.Reference.build(parse(CONV), {}, ())  # one reference, answers in any order
        order = list(range(len(answers)))
        rng.shuffle(order)
        for i in order:
            assert E.judge(ref, parse(answers[i], known=ref.known)).note == alone[i]


def test_feedback_does_not_depend_on_the_clock(monkeypatch):
    """A clock running 10 s per reading (a loaded machine) changes nothing: the search is
    bounded by counted work, not seconds (a wall-clock net of 1 s used to drop the note)."""
    answer = CASES[0][2]
    ref = E.Reference.build(parse(CONV), {}, ())  # prepared at the normal pace
    now = [0.0]

    def slow_clock() -> float:
        now[0] += 10.0
        return now[0]

    monkeypatch.setattr(limits_module.time, "monotonic", slow_clock)
    note = E.judge(ref, parse(answer, known=ref.known)).note
    monkeypatch.undo()
    assert note == "ATMutant_coefficient_2_dropped"
    assert grade(CONV, answer).note == note


def test_a_spent_work_budget_gives_no_note_but_a_verdict(monkeypatch):
    monkeypatch.setattr(E, "MUTANT_WORK", 50)
    ref = E.Reference.build(parse(CONV), {}, ())
    result = E.judge(ref, parse(CASES[2][2], known=ref.known))
    assert result.verdict == "incorrect" and result.note == "ATEquiv_false"
    monkeypatch.setattr(E, "MUTANT_WORK", 150_000)
    ref = E.Reference.build(parse(CONV), {}, ())
    assert E.judge(ref, parse(CASES[2][2], known=ref.known)).note == \
        "ATMutant_factor_dropped_c_i+doubled"


def test_exact_at_agrees_with_evaluate_on_every_mutant():
    """Wherever the lean walk gives a value it is evaluate's value (seeded points)."""
    rng = random.Random(11)
    print("seed 11")
    checked = 0
    for text in (CONV, POOL, "floor((h + 2*p - d*(k - 1) - 1)/s) + 1", "c*(h/s)^2 - 1/(k + 1)"):
        tree = parse(text)
        singles = list(single_mutants(tree))
        trees = [tree] + [m.tree for m in singles] + [
            m.tree for m in double_mutants(singles, 60)]
        for t in trees:
            row = {name: rng.randint(0, 9) for name in sorted(tree.names())}
            value = exact_at(t, row, {})
            want = evaluate(t, {k: [v] for k, v in row.items()}, 1, REFERENCE_LIMITS)[0]
            if value is None:
                continue
            assert want is not UNDEFINED and want == value and type(value) in (int, Fraction)
            checked += 1
    assert checked > 100
    assert exact_at(parse("1/(h - 2)"), {"h": 2}, {}) is None  # undefined: left to evaluate
    assert exact_at(parse("sqrt(h)"), {"h": 2}, {}) is None  # irrational: left to evaluate


def _counted(ref: E.Reference) -> E._MutantSearch:
    """A search that counts every double mutant's work from the start (builds every tree)."""
    search = E._MutantSearch(ref)
    search._edit_memos = None
    return search


def _grown(search: E._MutantSearch) -> list[str]:
    while search._grow():
        pass
    return [search._mutant(i).note for i in range(len(search.mutants))]


def _same_values(a: E._MutantSearch, b: E._MutantSearch) -> bool:
    """Equal filter-point values wherever both are known."""
    return all(x is E._OPEN or y is E._OPEN or x == y for x, y in zip(a.first, b.first))


@pytest.mark.parametrize("expected, domain", [(CONV, {}), (CONV, {"c_i": 17, "k_w": 3}),
                                              (POOL, {"c": 3}),
                                              ("c*(h/s)^2 - 1/(k + 1) + floor(h/(k+1))", {})])
def test_uncounted_doubles_stop_where_counted_ones_do(monkeypatch, expected, domain):
    """Double mutants whose trees are not built (values from their first mutant's) give
    the same order, values and stopping point as counting each one, for budgets that stop
    the search among the single ones, among the double ones or not at all."""
    full = _counted(E.Reference.build(parse(expected), domain, ()))
    order = _grown(full)
    singles_work = None
    probe = _counted(E.Reference.build(parse(expected), domain, ()))
    while probe._grow() and not probe._in_doubles:
        singles_work = probe.work
    budgets = [singles_work, singles_work + 1, (singles_work + full.work) // 2,
               full.work - 1, full.work, E.MUTANT_WORK]
    for budget in budgets:
        monkeypatch.setattr(E, "MUTANT_WORK", budget)
        want = _counted(E.Reference.build(parse(expected), domain, ()))
        got = E._MutantSearch(E.Reference.build(parse(expected), domain, ()))
        assert _grown(got) == _grown(want) and _same_values(got, want)
        assert got.work <= want.work
        if budget < full.work:  # counted from where the bounds could reach the budget
            assert got.work == want.work and got._over and got.first == want.first
    assert len(order) > 100


def test_a_double_mutant_value_from_its_first_is_its_trees():
    """The filter-point value computed from the first mutant's values is the built tree's
    (where both are exact)."""
    for text in (CONV, POOL, "floor((h + 2*p - d*(k - 1) - 1)/s) + 1", "c*(h/s)^2 - 1/(k + 1)"):
        search = E._MutantSearch(E.Reference.build(parse(text), {}, ()))
        while not search._in_doubles and search._grow():
            pass
        checked = 0
        while search._grow():
            i = len(search.mutants) - 1
            value = search.first[i]
            tree_value = exact_at(search._mutant(i).tree, search.row0, {})
            if value is not E._OPEN:
                assert value == tree_value
                checked += 1
        assert checked > 50


def test_mutant_caches_keep_their_weight_and_stay_within_it(monkeypatch):
    from symconv.grading import mutants as M

    monkeypatch.setattr(M, "MUTANT_CACHE_WEIGHT", 3000)
    monkeypatch.setattr(M, "_SINGLES", M._Cache())
    for k in range(40):
        tree = parse(f"c*(floor((h - k)/s) + {k + 1})*(floor((w - k)/s) + 1)")
        assert list(single_mutants(tree)) == list(single_mutants(tree))  # replayed alike
        cache = M._SINGLES
        assert cache.weight == sum(r.weight for r in cache.values())
        newest = next(reversed(cache.values()))  # grown since it was asked for
        assert cache.weight - newest.weight <= 3000
    assert 1 < len(M._SINGLES) < 40
