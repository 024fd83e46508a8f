"""Shape (tuple) answers: formats, componentwise verdicts, layouts, batch axes, questions, CLI.

Expected shapes come from the engine (``symconv.analyze``) or from torch; the
answers are what students type.
"""

from __future__ import annotations

import csv
import doctest
import json
import math
from pathlib import Path

import pytest
import sympy as sp
import sympy.parsing.sympy_parser
from hypothesis import assume, given
from hypothesis import strategies as st

from symconv import Conv2d, MaxPool2d, analyze, grade
from symconv.cli import main
from symconv.grading.batch import grade_row
from symconv.grading.questions import load, question_reference
from symconv.symbols import sym

from .traps import no_eval_traps, work_meter

ROOT = Path(__file__).resolve().parents[2]

# (c_o, floor((h + 2p - k)/s) + 1, floor((w + 2p - k)/s) + 1)
SHAPE = analyze(Conv2d("c_i", "c_o", "k", stride="s", padding="p"), ("c_i", "h", "w")).output_shape
VALID = analyze(Conv2d("c_i", "c_o", "k"), ("c_i", "h", "w")).output_shape  # (c_o, h-k+1, w-k+1)
NUM = analyze(Conv2d(10, 12, 6, stride=2, padding=1), (10, 64, 48)).output_shape  # h != w
C, H, W = (int(v) for v in NUM)


def values(shape):
    return [int(v) for v in shape]


# -- formats -------------------------------------------------------------------------------
CHANNELS_FIRST = [
    "({c}, {h}, {w})", "[{c},{h},{w}]", "{c}, {h}, {w}", r"\left({c}, {h}, {w}\right)",
    "$({c}, {h}, {w})$", "(C, H, W) = ({c}, {h}, {w})", "{c}x{h}x{w}", "{c} × {h} × {w}",
    r"{c} \times {h} \times {w}", r"$\left[ {c} \times {h} \times {w} \right]$", "({c},{h},{w},)",
]


@pytest.mark.parametrize("fmt", CHANNELS_FIRST)
def test_channels_first_formats_are_correct(fmt):
    result = grade(NUM, fmt.format(c=C, h=H, w=W))
    assert result.verdict == "correct", result


@pytest.mark.parametrize("fmt", ["{h}x{w}x{c}", "{h} × {w} × {c}", r"{h} \times {w} \times {c}",
                                 "({h}, {w}, {c})"])
def test_channels_last_is_partial_and_named(fmt):
    answer = fmt.format(c=C, h=H, w=W)
    result = grade(NUM, answer)
    assert (result.verdict, result.note) == ("partial", "ATShape_layout_channels_last")
    assert "channels-last" in result.feedback and "channels-first" in result.feedback
    assert result.assumption and "channels-last" in result.assumption
    strict = grade(NUM, answer, strict_order=True)
    assert (strict.verdict, strict.note) == ("incorrect", "ATShape_layout_channels_last")


def test_other_orders_are_named():
    result = grade(NUM, f"{W} x {H} x {C}")
    assert (result.verdict, result.note) == ("partial", "ATShape_layout_W_H_C")
    assert "W×H×C" in result.feedback
    swapped = grade(NUM, f"({C}, {W}, {H})")
    assert swapped.note == "ATShape_layout_C_W_H"


def test_symbolic_formats():
    assert grade(VALID, "c_o x (h-k+1) x (w-k+1)").verdict == "correct"
    assert grade(VALID, r"\left(C_{out}, h-k+1, w-k+1\right)").verdict == "correct"
    latex = (r"\left(c_o, \left\lfloor \frac{h+2p-k}{s} \right\rfloor + 1, "
             r"\left\lfloor \frac{w+2p-k}{s} \right\rfloor + 1\right)")
    assert grade(SHAPE, latex).verdict == "correct"
    assert grade(SHAPE, "(floor((h+2p-k)/s)+1) × (floor((w+2p-k)/s)+1) × c_o").note \
        == "ATShape_layout_channels_last"


def test_text_and_sympy_references_agree():
    for expected in (VALID, tuple(VALID), list(VALID), "(c_o, h - k + 1, w - k + 1)"):
        assert grade(expected, "c_o x (h-k+1) x (w-k+1)").verdict == "correct", expected


# -- wrong components ------------------------------------------------------------------------
def test_wrong_component_named_with_a_real_counterexample():
    result = grade(SHAPE, "(c_o, floor((h+p-k)/s)+1, floor((w+2p-k)/s)+1)")
    assert result.verdict == "incorrect"
    assert result.note.startswith("ATShape_component2:ATMutant_")
    assert "component 2 of 3 (the height)" in result.feedback
    assert "other components are right" in result.feedback
    example = result.counterexample
    assert example["component"] == 2
    table = {sym(k): v for k, v in example.items() if k in {"c_o", "h", "w", "k", "s", "p"}}
    assert SHAPE[1].xreplace(table) == example["expected"]
    got = (example["h"] + example["p"] - example["k"]) // example["s"] + 1
    assert got == example["got"] != example["expected"]
    assert example["expected_shape"] == str(tuple(int(v.xreplace(table)) for v in SHAPE))


def test_dropped_floors_are_partial():
    result = grade(SHAPE, "(c_o, (h+2p-k)/s+1, (w+2p-k)/s+1)")
    assert result.verdict == "partial"
    assert "s divides" in result.assumption
    assert result.note.count("ATEquiv_floor_dropped") == 2


def test_numeric_components_are_explained_by_mutants():
    result = grade(NUM, f"({C}, {H + 1}, {W})")
    assert result.verdict == "incorrect" and result.note.startswith("ATShape_component2:")
    assert result.counterexample["got_shape"] == str((C, H + 1, W))


# -- batch axis, length, single values --------------------------------------------------------
def test_extra_batch_axis():
    answer = f"(4, {C}, {H}, {W})"
    result = grade(NUM, answer)
    assert (result.verdict, result.note) == ("partial", "ATShape_batch_axis_extra")
    assert "batch" in result.feedback
    assert grade(NUM, answer, batch_axis=4).note == "ATEquiv_true_batch_axis"
    wrong = grade(NUM, answer, batch_axis=8)
    assert (wrong.verdict, wrong.note) == ("incorrect", "ATShape_batch_axis_wrong")
    sample = grade(NUM, f"({C}, {H}, {W})", batch_axis=4)
    assert sample.verdict == "correct"
    symbolic = grade(SHAPE, "(B, c_o, floor((h+2p-k)/s)+1, floor((w+2p-k)/s)+1)",
                     batch_axis="B")
    assert symbolic.verdict == "correct"


def test_missing_batch_axis_and_missing_dimension():
    batched = (sym("B"),) + tuple(VALID)
    result = grade(batched, "c_o x (h-k+1) x (w-k+1)")
    assert (result.verdict, result.note) == ("partial", "ATShape_batch_axis_missing")
    missing = grade(VALID, "(h-k+1, w-k+1)")
    assert (missing.verdict, missing.note) == ("incorrect", "ATShape_component_missing")
    assert "the channels" in missing.feedback


def test_wrong_length():
    result = grade(NUM, f"({C}, {H}, {W}, 1, 1)")
    assert (result.verdict, result.note) == ("incorrect", "ATShape_length")
    assert "3 components" in result.feedback and "has 5" in result.feedback


def test_product_instead_of_shape():
    result = grade(NUM, str(math.prod(values(NUM))))
    assert (result.verdict, result.note) == ("incorrect", "ATShape_product")
    assert "number of elements" in result.feedback
    symbolic = grade(SHAPE, "c_o*(floor((h+2p-k)/s)+1)*(floor((w+2p-k)/s)+1)")
    assert symbolic.note == "ATShape_product"
    assert grade(NUM, str(H)).note == "ATShape_one_component"
    assert grade(NUM, "7").note == "ATShape_not_a_tuple"


def test_tuple_where_one_value_is_expected():
    count = analyze(Conv2d("c_i", "c_o", "k"), ("c_i", "h", "w")).memory.input
    assert count == sym("c_i") * sym("h") * sym("w")  # one sample's input elements
    assert grade(count, "c_i x h x w").verdict == "correct"  # "x" is a times sign here
    result = grade(count, "(c_i, h, w)")
    assert (result.verdict, result.note) == ("incorrect", "ATShape_tuple_for_scalar")
    assert "product" in result.feedback


def test_vectors_are_not_shapes():
    result = grade((2, -1, 3), "(3, 2, -1)")
    assert (result.verdict, result.note) == ("incorrect", "ATShape_order")
    assert grade([1, 2, 1], "(1, 2, 1)", shape=False).verdict == "correct"


def test_nested_tuples():
    region = sp.Tuple(sp.Tuple(0, sym("k") - 1), sp.Tuple(1, sym("k")))
    assert grade(region, "((0, k-1), (1, k))").verdict == "correct"
    wrong = grade(region, "((0, k), (1, k))")
    assert wrong.note.startswith("ATShape_component1.2:")
    assert grade(region, "(0, k-1, 1, k)").note == "ATShape_structure"


# -- question files, batches, CLI -------------------------------------------------------------
def tuple_questions():
    out = []
    for path in sorted((ROOT / "derivations").glob("*.toml")):
        for q in load(path).questions:
            try:
                expected = q.expected
            except Exception:  # noqa: BLE001 - prose questions have no answer to grade
                continue
            if isinstance(expected, sp.Tuple):
                out.append((path, q.id))
    return out


TUPLE_QUESTIONS = tuple_questions()


def test_the_derivations_have_shape_questions():
    assert len(TUPLE_QUESTIONS) >= 8


@pytest.mark.parametrize("path, qid", TUPLE_QUESTIONS, ids=lambda x: getattr(x, "name", x))
def test_question_answers_graded(path, qid):
    question = load(path).question(qid)
    expected, domain = question_reference(load(path), qid)
    answer = "(" + ", ".join(_text(v) for v in question.expected) + ")"
    assert grade(expected, answer, **domain).verdict == "correct"
    row = grade_row(expected, answer, domain)  # a batch row, not "the reference cannot be used"
    assert row["verdict"] == "correct", row
    flat = [v for v in question.expected if not isinstance(v, sp.Tuple)]
    if len(flat) == 3 and len(set(flat)) > 1:  # a channels-first shape
        last = " x ".join(_text(v) for v in flat[1:] + flat[:1])
        result = grade(expected, last, **domain)
        assert result.note == "ATShape_layout_channels_last", result
        assert result.verdict == ("incorrect" if domain.get("strict_order") else "partial")


def _text(v):
    if isinstance(v, sp.Tuple):
        return "(" + ", ".join(_text(x) for x in v) + ")"
    return str(v).replace("**", "^")


def test_numeric_question_explains_a_wrong_dimension():
    path = ROOT / "derivations" / "cs280_sp25_a2.toml"
    expected, domain = question_reference(load(path), "1.1")
    v = {k: int(x) for k, x in load(path).question("1.1").values.items()}
    assert v["p"] > 0  # else forgetting the padding changes nothing
    no_padding = analyze(Conv2d(v["c_i"], v["c_o"], v["k"], stride=v["s"]),
                         (v["c_i"], v["h"], v["h"])).output_shape
    result = grade(expected, str(tuple(values(no_padding))), **domain)
    assert result.verdict == "incorrect"
    assert "ignored_p" in result.note and "padding" in result.feedback


def test_question_batch_axis(capsys):
    path = ROOT / "derivations" / "homework4_cnn.toml"
    question = load(path).question("4a-i")
    batch = int(question.values["B"])
    per_sample = values(question.expected)
    code = main(["grade", str(path), "4a-i", "--answer", str([batch] + per_sample)])
    assert code == 0 and "batch axis" in capsys.readouterr().out
    code = main(["grade", str(path), "4a-i", "--answer", str([batch + 1] + per_sample)])
    assert code == 1 and "ATShape_batch_axis_wrong" in capsys.readouterr().out


def test_cli_expected_tuple(capsys):
    code = main(["grade", "--expected", "(c_o, h, w)", "--answer", "h x w x c_o", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1 and out["verdict"] == "partial"
    code = main(["grade", "--expected", "(c_o, h, w)", "--answer", "h x w x c_o",
                 "--strict-order"])
    assert code == 1 and capsys.readouterr().out.startswith("incorrect:")
    assert main(["grade", "--expected", "(c_o, h, w)", "--answer", "[c_o,h,w]"]) == 0


def test_cli_batch_with_shapes(tmp_path):
    rows = tmp_path / "rows.csv"
    expected = "(" + ", ".join(str(v) for v in VALID) + ")"
    with open(rows, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "expected", "answer", "domain", "order", "batch_axis"])
        writer.writerow(["a", expected, "c_o x (h-k+1) x (w-k+1)", "", "", ""])
        writer.writerow(["b", expected, "(h-k+1, w-k+1, c_o)", "", "", ""])
        writer.writerow(["c", expected, "(h-k+1, w-k+1, c_o)", "", "strict", ""])
        writer.writerow(["d", expected, "(B, c_o, h-k+1, w-k+1)", "B=1..8", "", "B"])
        writer.writerow(["e", expected, "(c_o, h-k+1, 9^9^9^9)", "", "", ""])
    out = tmp_path / "out.csv"
    assert main(["grade", "--batch", str(rows), "--out", str(out), "--workers", "0"]) == 0
    with open(out, newline="") as fh:
        got = {r["id"]: r for r in csv.DictReader(fh)}
    assert [got[k]["verdict"] for k in "abcde"] == ["correct", "partial", "incorrect",
                                                     "correct", "invalid"]


def test_grading_guide_examples_run():
    result = doctest.testfile(str(ROOT / "docs" / "grading.md"), module_relative=False,
                              optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 10 and result.failed == 0


# -- torch is the oracle of the shape; the grader must agree ------------------------------------
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 5), st.integers(1, 3),
       st.integers(0, 2), st.integers(1, 16), st.integers(1, 16), st.data())
def test_torch_shapes_graded_correct(torch, c_i, c_o, k, s, p, h, w, data):
    assume(k <= h + 2 * p and k <= w + 2 * p)
    conv = torch.nn.Conv2d(c_i, c_o, k, stride=s, padding=p)
    y = conv(torch.zeros(1, c_i, h, w))
    shape = tuple(y.shape[1:])
    fmt = data.draw(st.sampled_from(CHANNELS_FIRST))
    answer = fmt.format(c=shape[0], h=shape[1], w=shape[2])
    numeric = analyze(Conv2d(c_i, c_o, k, stride=s, padding=p), (c_i, h, w)).output_shape
    assert grade(numeric, answer).verdict == "correct"
    fixed = dict(c_i=c_i, c_o=c_o, k=k, s=s, p=p, h=h, w=w)
    assert grade(SHAPE, answer, **fixed).verdict == "correct"
    last = tuple(y.permute(0, 2, 3, 1).shape[1:])  # a channels-last tensor's shape
    result = grade(SHAPE, "x".join(map(str, last)), **fixed)
    if last == shape:
        assert result.verdict == "correct"
    else:
        assert result.note == "ATShape_layout_channels_last", (shape, last, result)


def test_pooling_shape_from_the_engine(torch):
    layer = MaxPool2d(2, stride=2)
    expected = analyze(layer, (3, 9, 7)).output_shape
    shape = tuple(torch.nn.MaxPool2d(2, stride=2)(torch.zeros(1, 3, 9, 7)).shape[1:])
    assert grade(expected, "x".join(map(str, shape))).verdict == "correct"


# -- hostile components: invalid, fast, nothing evaluated --------------------------------------
nothing_evaluated = no_eval_traps


def _deep_tuple(depth):
    text = "h"
    for _ in range(depth):
        text = f"({text}, 1)"
    return text


HOSTILE_PARTS = ["__import__('os').system('touch /tmp/symconv_pwned')", "9**9**9**9",
                 "10^10^10", "h^(10^10)", "(h^4096)^4096", "exp(exp(exp(100)))",
                 r"\input{/etc/passwd}", "().__class__", "ｅｖａｌ('1')", "1e999999999",
                 "floor(" * 100 + "h" + ")" * 100, "lambda x: x", "h/0", "log(0)"]
HOSTILE = ([f"(c_o, {part}, w)" for part in HOSTILE_PARTS]
           + [f"c_o x {part} x w" for part in HOSTILE_PARTS]
           + ["(" + "1, " * 5000 + "1)", "1x" * 900 + "1", "(" * 3000 + "c_o, h, w" + ")" * 3000,
              "((" * 30 + "1, 2" + "))" * 30, "(c_o, h, w)" * 300, "[" + "h," * 20 + "h]",
              _deep_tuple(60),
              "(,,,)", "x x x", r"\left(\right)", "(c_o, h, w", "c_o, h, w)"])


@pytest.mark.parametrize("answer", HOSTILE, ids=lambda a: repr(a[:30]))
def test_hostile_components(answer):
    shape_ref = grade(SHAPE, "(c_o, h, w)")  # compile the reference before the traps
    assert shape_ref.verdict == "incorrect"
    with work_meter() as work, nothing_evaluated():
        result = grade(SHAPE, answer)
    # Work in evaluated nodes, not seconds: a loaded machine stretches wall time at random.
    assert work[0] < 20_000, f"{work[0]} nodes evaluated"
    undefined = "h/0" in answer or "log(0)" in answer  # readable, just undefined: wrong
    assert result.verdict == ("incorrect" if undefined else "invalid"), result
    assert result.note != "ATInvalid_internal_error", result
    assert not Path("/tmp/symconv_pwned").exists()


PIECES = st.sampled_from(
    ["(", ")", "[", "]", ",", ", ", "x", " x ", "×", r"\times", r"\left(", r"\right)", "{", "}",
     "c_o", "h", "w", "k", "s", "p", "1", "10", "31", "-", "+", "*", "/", "^", "floor(",
     r"\lfloor", r"\rfloor", "=", "$", " ", "X", "\\", "2p", "h_x", "."])


@given(st.lists(PIECES, max_size=30).map("".join))
def test_tuple_like_strings_never_raise(text):
    for expected in (SHAPE, NUM):
        grade(expected, "1")  # compile the trusted references before the traps
    with nothing_evaluated():
        for expected in (SHAPE, NUM):
            result = grade(expected, text)
            assert result.verdict in ("correct", "partial", "incorrect", "invalid")
            assert result.note != "ATInvalid_internal_error", (text, result)


RIGHT = ["c_o", "h-k+1", "w-k+1"]


@given(st.lists(st.one_of(st.integers(-3, 40).map(str), st.sampled_from(RIGHT + ["w", "h"])),
                min_size=1, max_size=6),
       st.sampled_from([", ", " x ", " × ", r" \times "]), st.booleans())
def test_random_tuples_get_consistent_verdicts(parts, separator, brackets):
    text = separator.join(parts)
    text = f"({text})" if brackets else text
    result = grade(VALID, text)
    assert result.note != "ATInvalid_internal_error", (text, result)
    assert (result.verdict == "correct") == (parts == RIGHT), (text, result)
    permuted = sorted(parts) == sorted(RIGHT) and parts != RIGHT  # another layout
    batch = len(parts) == 4 and sorted(parts[1:]) == sorted(RIGHT)  # a leading batch axis
    assert (result.verdict == "partial") == (permuted or batch), (text, result)


@pytest.mark.parametrize("order,verdict", [(None, "partial"), ("layout", "partial"),
                                           ("strict", "incorrect")])
def test_question_file_order_field(tmp_path, order, verdict):
    """`order = "strict"` in a question file makes a channels-last answer wrong."""
    text = (ROOT / "derivations" / "cs280_sp25_a2.toml").read_text()
    if order is not None:
        text = text.replace('id = "1.1"', f'id = "1.1"\norder = "{order}"', 1)
    path = tmp_path / "q.toml"
    path.write_text(text)
    expected, domain = question_reference(load(path), "1.1")
    c, h, w = values(load(path).question("1.1").expected)  # the numbers of the instance
    assert grade(expected, f"{h} x {w} x {c}", **domain).verdict == verdict


def test_question_file_order_field_is_validated(tmp_path):
    from symconv.keys.questions import QuestionFileError

    text = (ROOT / "derivations" / "cs280_sp25_a2.toml").read_text()
    path = tmp_path / "q.toml"
    path.write_text(text.replace('id = "1.1"', 'id = "1.1"\norder = "sorted"', 1))
    with pytest.raises(QuestionFileError) as info:
        load(path)
    assert info.value.field == "order"
