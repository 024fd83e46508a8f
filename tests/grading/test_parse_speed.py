"""The fast paths of the lexer, parser and nodes read exactly what the slow paths read.

Each case pins a path the speed work changed (one regex match per token with its spaces,
symbols of the question read at once, plain integers without the grouping loop,
single-term sums and products, node equality settled by hashes, fractions printed by
partitioning factors): the tree, the text or the error must be the one the general path
gives.
"""

from __future__ import annotations

import pytest

from symconv.grading import nodes as N
from symconv.grading.lexer import tokenize
from symconv.grading.limits import InvalidAnswer, Limits
from symconv.grading.parser import parse


def test_spaces_before_a_token_are_recorded_on_it():
    tokens = tokenize("h  +w   ")
    assert [(t.text, t.space_before) for t in tokens] == [
        ("h", False), ("+", True), ("w", False), ("", True)]
    assert [t.pos for t in tokens] == [0, 3, 4, 8]


@pytest.mark.parametrize("text, position", [("h  ?", 4), ("?", 1), ("h + w  ;", 8)])
def test_a_bad_character_after_spaces_is_reported_where_it_is(text, position):
    with pytest.raises(InvalidAnswer) as err:
        tokenize(text)
    assert err.value.code == "bad_character"
    assert f"at position {position}" in err.value.message


def test_times_sign_between_numbers_still_splits_after_spaces_only_when_glued():
    assert [t.text for t in tokenize("3x3x64")][:-1] == ["3", "x", "3", "x", "64"]
    assert [t.text for t in tokenize("3 x3")][:-1] == ["3", "x3"]


def test_latex_spacing_commands_still_count_as_spaces():
    tokens = tokenize(r"73,\,856")
    assert [(t.text, t.space_before) for t in tokens][:3] == [
        ("73", False), (",", False), ("856", True)]


@pytest.mark.parametrize("text, known, expected", [
    ("h w", {"h", "w"}, "h*w"),
    ("e", {"e"}, "e"),  # a declared e is a symbol, not Euler's number
    ("min", {"min"}, "min"),  # a symbol named like a function
    ("log_b", {"log_b", "b"}, "log_b"),
    ("C_{in}", {"c_i"}, "c_i"),  # an alias, not the spelling: the general path
    ("hw^2", {"h", "w"}, "h*w**2"),
    ("(hw)^2", {"h", "w"}, "(h*w)**2"),
])
def test_names_read_the_same_on_every_path(text, known, expected):
    assert N.to_text(parse(text, known=known)) == expected


@pytest.mark.parametrize("text, expected", [
    ("12", 12), ("0", 0), ("007", 7), ("73,856", 73856), ("73 856", 73856),
    ("1.5", None), ("1e3", 1000),
])
def test_numbers_on_the_fast_and_the_general_path(text, expected):
    tree = parse(text)
    assert tree.op == "num"
    if expected is not None:
        assert tree.value == expected and type(tree.value) is int


def test_too_many_digits_still_rejected_on_the_integer_path():
    with pytest.raises(InvalidAnswer) as err:
        parse("1" * 41)
    assert err.value.code == "too_large"
    assert parse("1" * 41, limits=Limits(max_digits=41)).value == int("1" * 41)


def test_single_terms_keep_their_node_and_numbers_fold():
    tree = parse("(h)", known={"h"})
    assert tree.op == "sym" and tree.value == "h"
    assert N.to_text(parse("(2)*(3)")) == "6"
    assert N.to_text(parse("((h + 1))", known={"h"})) == "h + 1"


def test_equality_agrees_with_keys():
    a = parse("h + 2*w", known={"h", "w"})
    b = parse("2w + h", known={"h", "w"})
    c = parse("h + 3*w", known={"h", "w"})
    assert a == b and a.key() == b.key() and hash(a) == hash(b)
    assert a != c and a.key() != c.key()
    assert a != "h + 2*w"


def test_fractions_print_numerator_over_denominator():
    tree = parse("a/b*c/d", known={"a", "b", "c", "d"})
    assert N.to_text(tree) == "(a*c)/(b*d)"
    assert N.to_text(parse("-1/(h*w)", known={"h", "w"})) == "-1/(h*w)"


def test_sizes_count_every_node():
    tree = parse("h*(w + 1) - 2", known={"h", "w"})
    assert tree.size() == len(list(tree.walk()))


@pytest.mark.parametrize("text", [
    "h  +w   ", "c_{in}**2 +  k_{h}", "3x3x64", "(h)x3", "h + 7,3856", "1.5e3*.5", "   ",
    "", "h+?", "h ** -1 <= w != 2", "((s_h)^(-1)*p_h*2)",
])
def test_plain_tokens_are_those_of_the_general_loop(text):
    from symconv.grading.lexer import _tokens

    def tokens(read):
        try:
            return [tuple(t) for t in read(text, Limits())]
        except InvalidAnswer as exc:
            return (exc.code, exc.message)

    assert tokens(tokenize) == tokens(_tokens)


def test_too_many_plain_tokens_still_rejected():
    with pytest.raises(InvalidAnswer) as err:
        tokenize("+".join(["h"] * 301))
    assert err.value.code == "too_long"
    assert len(tokenize("+".join(["h"] * 300))) == 600  # 599 tokens and the end


@pytest.mark.parametrize("inner, deepest", [
    ("h", 5), ("2", 5), ("h+1", 5), ("-1", 4), ("-h", 4), ("|h|", 4),
])
def test_bracketed_leaves_count_their_depth_like_a_sum(inner, deepest):
    # "(h)" and "(-1)" are read without sum(); the depth limit must fall where it did
    limits = Limits(max_depth=6)
    for k in range(1, 8):
        text = "(" * k + inner + ")" * k
        if k <= deepest:
            tree = parse(text, known={"h"}, limits=limits)
            assert N.to_text(tree) == N.to_text(parse(inner, known={"h"}))
        else:
            with pytest.raises(InvalidAnswer) as err:
                parse(text, known={"h"}, limits=limits)
            assert err.value.code == "too_deep"


def test_shared_leaves_and_walk_order():
    a = parse("h*w + 2", known={"h", "w"})
    b = parse("2 + w", known={"w"})
    w_a = [n for n in a.walk() if n.op == "sym" and n.value == "w"][0]
    w_b = [n for n in b.walk() if n.op == "sym" and n.value == "w"][0]
    assert w_a is w_b  # one leaf for every tree: its hash and text are computed once
    assert [N.to_text(n) for n in a.walk()] == ["h*w + 2", "h*w", "h", "w", "2"]
