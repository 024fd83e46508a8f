"""Variants keep the question's meaning: only what `vary` lists changes, constraints hold."""

from __future__ import annotations

import glob
import tomllib
from pathlib import Path

import pytest
import sympy as sp

from symconv.grading.convert import to_sympy
from symconv.keys.instance import numeric_spec
from symconv.keys.questions import QuestionFileError, load_assignment
from symconv.keys.variants import (
    MAX_ATTEMPTS,
    Stream,
    VariantError,
    seed_stream,
    variant_assignment,
    variant_question,
    vary_spec,
)
from symconv.symbols import sym

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(glob.glob(str(ROOT / "derivations" / "*.toml")))
DRAWS = 1000

#: What each bundled varied question must keep, stated here independently of its file.
MEANING = {
    ("aimed_cnn_2020", "4.1"): lambda v: 2 * v["P"] < v["K"]
    and (v["W"] + 2 * v["P"] - v["K"]) % v["S"] == 0,
    ("aimed_cnn_2020", "4.2"): lambda v: v["S_2"] <= v["K"] and 2 * v["P_2"] <= v["K"]
    and (v["W"] + 2 * v["P_2"] - v["K"]) % v["S_2"] == 0,
    ("aimed_cnn_2020", "4.3"): lambda v: True,
    ("cs280_sp25_a2", "1.1"): lambda v: 2 * v["p"] < v["k"]
    and (v["h"] + 2 * v["p"] - v["k"]) % v["s"] == 0,
    ("cs280_sp25_a2", "1.2"): lambda v: v["k"] >= 2,
    ("cs280_sp25_a2", "2.2"): lambda v: v["k"] <= v["n"],
    ("cs280_sp25_a2", "2.3"): lambda v: v["k"] <= v["n"],
    ("homework4_cnn", "4a-i"): lambda v: v["K"] == 3  # "3x3 kernels"
    and (v["H"] + 2 * v["P"] - v["K"]) % v["S"] == 0,
    ("homework4_cnn", "4a-ii"): lambda v: v["K"] == 4 and v["S"] > 1  # "4x4", strided
    and (v["H"] + 2 * v["P"] - v["K"]) % v["S"] == 0,
}


def _allowed(raw: dict) -> set[int]:
    if "one_of" in raw:
        return set(raw["one_of"])
    low, high = raw["range"]
    return set(range(low, high + 1, raw.get("step", 1)))


def _varied_questions():
    for f in FILES:
        with open(f, "rb") as fh:
            tables = tomllib.load(fh)["question"]
        for table in tables:
            if "vary" in table:
                yield pytest.param(f, table, id=f"{Path(f).stem}:{table['id']}")


def _torch_valid(torch, q, values) -> bool:
    """torch itself builds the layer (or stack) and applies it to the input (meta device)."""
    from symconv.keys.kinds.layer import with_where

    values = with_where(q, values)  # e.g. n = C_in*W*W for a Linear layer
    shape = [int(n) for n in numeric_spec(q.data["input"], values)]
    batch = int(numeric_spec(q.data.get("batch", 1), values))
    specs = (numeric_spec(q.data["network"], values)["layers"] if "network" in q.data
             else [numeric_spec(q.data["layer"], values)])
    with torch.device("meta"):  # (a device= argument makes Linear's init 20x slower)
        x = torch.empty(batch, *shape)
        for spec in specs:
            kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in spec.items()
                      if k != "type"}
            x = getattr(torch.nn, spec["type"])(**kwargs)(x)
    return all(n >= 1 for n in x.shape)


def test_every_varied_bundled_question_states_its_meaning_here():
    found = {(Path(p.values[0]).stem, p.values[1]["id"]) for p in _varied_questions()}
    assert found == set(MEANING)


@pytest.mark.parametrize("path,table", list(_varied_questions()))
def test_constraints_hold_over_a_thousand_draws(path, table, torch):
    q = load_assignment(path).question(table["id"])
    meaning = MEANING[(Path(path).stem, q.id)]
    varied = {k: _allowed(v) for k, v in table["vary"].items() if k != "constraints"}
    relations = [to_sympy(c.node) for c in vary_spec(q).constraints]
    seen: dict[str, set[int]] = {k: set() for k in varied}
    for i in range(DRAWS):
        v = variant_question(q, seed_stream("test", i, q.id))
        values = {k: int(x) for k, x in v.values.items()}
        assert set(values) == set(table["values"])
        for name, number in values.items():
            if name in varied:
                assert number in varied[name], (i, name, number)
                seen[name].add(number)
            else:  # not listed in vary: keeps the file's number
                assert number == table["values"][name], (i, name)
        assert meaning(values), (i, values)
        table_ = {sym(k): sp.Integer(x) for k, x in values.items()}
        assert all(bool(r.xreplace(table_)) for r in relations), (i, values)
        assert _torch_valid(torch, v, values), (i, values)
    assert all(len(s) >= 2 for s in seen.values()), seen  # the draws do vary


def test_the_same_seed_gives_the_same_variant_and_another_seed_another():
    a = load_assignment(ROOT / "derivations" / "cs280_sp25_a2.toml")
    one, again, other = (variant_assignment(a, s) for s in (5, 5, 6))
    assert [dict(q.values) for q in one.questions] == [dict(q.values) for q in again.questions]
    assert [dict(q.values) for q in one.questions] != [dict(q.values) for q in other.questions]


def test_a_question_without_vary_keeps_its_numbers():
    a = load_assignment(ROOT / "derivations" / "cs280_sp25_a2.toml")
    q = a.question("2.1")
    assert variant_question(q, 3) is q


def test_the_variant_does_not_depend_on_where_the_file_lives(tmp_path):
    src = (ROOT / "derivations" / "aimed_cnn_2020.toml").read_text()
    (tmp_path / "elsewhere.toml").write_text(src)
    here = variant_assignment(load_assignment(ROOT / "derivations" / "aimed_cnn_2020.toml"), 9)
    there = variant_assignment(load_assignment(tmp_path / "elsewhere.toml"), 9)
    assert [dict(q.values) for q in here.questions] == [dict(q.values) for q in there.questions]


def test_stream_is_hmac_sha256_of_the_json_context():
    import hashlib
    import hmac
    import json

    digest = hmac.new(b"k", json.dumps(["A", "s1", "q", 0, "h"]).encode(), hashlib.sha256)
    assert Stream(b"k", "A", "s1", "q").below(1000, 0, "h") == \
        int.from_bytes(digest.digest(), "big") % 1000


# -- load-time errors ------------------------------------------------------------------------

BASE = '''
[assignment]
title = "V"

[[question]]
id = "q1"
kind = "layer"
text = "A ${{k}} \\\\times {{k}}$ kernel, stride {{s}}, on ${{h}} \\\\times {{h}}$: the output?"
layer = { type = "Conv2d", in_channels = 3, out_channels = 8, kernel_size = "k", stride = "s" }
input = [3, "h", "h"]
ask = ["output_shape"]
values = { k = 3, s = 1, h = 32 }
'''


def _load(tmp_path: Path, extra: str, base: str = BASE):
    path = tmp_path / "v.toml"
    path.write_text(base + extra)
    return load_assignment(path)


@pytest.mark.parametrize("extra,field,words", [
    ('vary = { k = [1, 5] }', "vary.k", "ambiguous: write k = { range = [1, 5] }"),
    ('vary = { k = [1, 3, 5] }', "vary.k", "one_of = [1, 3, 5]"),
    ('vary = { k = 3 }', "vary.k", "a fixed number belongs in values"),
    ('vary = { k = { range = [5, 1] } }', "vary.k", "above high"),
    ('vary = { k = { range = [1, 5], one_of = [2] } }', "vary.k", "exactly one of"),
    ('vary = { k = { one_of = [] } }', "vary.k", "non-empty"),
    ('vary = { k = { one_of = [3, 3] } }', "vary.k", "twice"),
    ('vary = { k = { range = [1, 5], step = 0 } }', "vary.k", "positive"),
    ('vary = { k = { range = [1, 10000000] } }', "vary.k.range", "too large"),
    ('vary = { k = { range = [1, 99] }, constraints = ["__import__(1) > 0"] }',
     "vary.constraints[0]", "__import__"),
    ('vary = { x = { range = [1, 5] } }', "vary.x", "'x' is not used by this question"),
    ('vary = { k = { range = [1, 5] }, constraints = ["k > q"] }', "vary.constraints[0]",
     "unknown symbol 'q'"),
    ('vary = { k = { range = [1, 5] }, constraints = ["k +"] }', "vary.constraints[0]", "'k +'"),
    ('vary = { k = { range = [1, 5] }, constraints = "k > 1" }', "vary.constraints",
     "list of relations"),
    ('vary = { k = { range = [1, 5] }, constraints = ["k > 3"] }', "vary.constraints",
     "own values break 'k > 3'"),
    ('vary = { constraints = ["k > 1"] }', "vary.constraints", "without any varied symbol"),
])
def test_vary_mistakes_are_errors_naming_the_entry(tmp_path, extra, field, words):
    with pytest.raises(QuestionFileError) as info:
        _load(tmp_path, extra)
    assert info.value.qid == "q1" and info.value.field == field, str(info.value)
    assert words in str(info.value)


def test_a_value_no_question_uses_is_an_error_naming_it(tmp_path):
    with pytest.raises(QuestionFileError) as info:
        _load(tmp_path, "", BASE.replace("values = { k = 3, s = 1, h = 32 }",
                                         "values = { k = 3, s = 1, h = 32, c_o = 16 }"))
    assert info.value.field == "values.c_o" and "'c_o' is not used" in str(info.value)


def test_a_varied_value_the_text_never_shows_is_an_error(tmp_path):
    base = BASE.replace("stride {{s}}, ", "")
    with pytest.raises(QuestionFileError) as info:
        _load(tmp_path, 'vary = { s = { range = [1, 2] } }', base)
    assert info.value.field == "vary.s" and "never shows s" in str(info.value)


def test_a_varied_name_needs_its_own_value(tmp_path):
    base = BASE.replace("values = { k = 3, s = 1, h = 32 }", "values = { k = 3, h = 32 }")
    base = base.replace("stride {{s}}, ", "")
    with pytest.raises(QuestionFileError) as info:
        _load(tmp_path, 'vary = { s = { range = [1, 2] } }', base)
    assert info.value.field == "vary.s" and "no value in values" in str(info.value)


def test_symbols_of_an_engine_derivation_count_as_used(tmp_path):
    src = '''
[assignment]
title = "V"

[[question]]
id = "v"
kind = "calculus"
text = "The variance of the weight gradient?"
function = "variance.gradient_variance"
layer = { type = "Conv2d", in_channels = 1, out_channels = 1, kernel_size = 3, bias = false }
input = [1, 8, 8]
result = "variance"
steps = { monte_carlo = false }
values = { sigma_x = 2 }
'''
    q = _load(tmp_path, "", src).question("v")  # sigma_x is in no table: the engine brings it
    assert q.expected == 4 * 36 * sym("sigma_g") ** 2
    with pytest.raises(QuestionFileError) as info:
        _load(tmp_path, "", src.replace("sigma_x = 2", "sigma_z = 2"))
    assert info.value.field == "values.sigma_z"


def test_constraints_that_no_draw_meets_stop_with_the_question_named(tmp_path):
    a = _load(tmp_path, 'vary = { k = { one_of = [4, 6] }, constraints = ["k % 2 == 1"] }')
    with pytest.raises(VariantError) as info:
        variant_assignment(a, 1)
    message = str(info.value)
    assert "question 'q1'" in message and f"no draw in {MAX_ATTEMPTS} attempts" in message
    assert "k % 2 == 1" in message


def test_draws_that_give_an_invalid_layer_are_redrawn_or_refused(tmp_path):
    # every k drawn is larger than the 32x32 input: the layer is never valid
    a = _load(tmp_path, 'vary = { k = { one_of = [33, 40] } }')
    with pytest.raises(VariantError, match="valid question"):
        variant_assignment(a, 1)
    # half of them are: those are the only ones ever drawn
    b = _load(tmp_path, 'vary = { k = { one_of = [5, 40] } }')
    assert {variant_assignment(b, s).question("q1").values["k"] for s in range(30)} == {5}


def test_a_calculus_question_varies_where_its_file_says(tmp_path):
    src = '''
[assignment]
title = "V"

[[question]]
id = "c"
kind = "calculus"
text = "The receptive field of {{L}} stacked convolutions?"
function = "recurrence.repeated_receptive_field"
layer = { type = "Conv2d", in_channels = 1, out_channels = 1, kernel_size = "K" }
args = { layers = "L" }
result = "result"
values = { L = 3 }
vary = { L = { range = [2, 9] } }
'''
    q = _load(tmp_path, "", src).question("c")
    seen = set()
    for seed in range(20):
        v = variant_question(q, seed)
        L = int(v.values["L"])
        assert v.expected == L * (sym("K") - 1) + 1
        seen.add(L)
    assert len(seen) > 3
