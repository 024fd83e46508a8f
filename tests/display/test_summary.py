"""``symconv.summary`` against ``torchinfo.summary``: same rows, same totals, without running.

torchinfo runs the model (a forward pass with hooks); symconv derives every
number.  On real torchvision models the totals (parameters, trainable ones,
mult-adds, the byte sizes) and every leaf layer's output shape and parameter
count must agree; symbolic input sizes must give formulas that substitute to
the numeric summary.
"""

from __future__ import annotations

import sys

import pytest
import sympy as sp

import symconv

from .katex import formulas, html_text, katex_errors, leftover

MODELS = ["resnet18", "vgg11", "alexnet", "squeezenet1_0"]


def _torchvision(name):
    from conftest import missing

    try:
        import torchvision as tv
    except ImportError:  # a skip on a user's machine, a failure in CI (SYMCONV_REQUIRE_ORACLES)
        missing("torchvision is not installed (pip install torch==2.14.1 torchvision==0.29.1)")
    return getattr(tv.models, name)()


@pytest.mark.parametrize("name", MODELS)
def test_totals_and_leaf_rows_equal_torchinfo(torch, torchinfo, name):
    model = _torchvision(name)
    if name == "resnet18":
        for p in model.layer1.parameters():
            p.requires_grad_(False)  # trainable and non-trainable both appear
    size = (2, 3, 96, 96) if name != "alexnet" else (2, 3, 224, 224)
    ours = symconv.summary(model, size, depth=10, verbose=0,
                           col_names=("output_size", "num_params", "mult_adds"))
    theirs = torchinfo.summary(model, size, depth=10, verbose=0)
    assert ours.total_params == theirs.total_params
    assert ours.trainable_params == theirs.trainable_params
    assert ours.total_mult_adds == theirs.total_mult_adds
    # torchinfo's input size is sys.getsizeof(storage): the data plus the Python object's own
    # bytes; symconv's is the data (elements x bytes per element).
    overhead = sys.getsizeof(torch.empty(0).untyped_storage())
    assert ours.total_input == theirs.total_input - overhead
    assert ours.total_output_bytes == theirs.total_output_bytes
    assert ours.total_param_bytes == theirs.total_param_bytes
    names = {id(m): n for n, m in model.named_modules()}
    rows = {symconv.display.summary.torch_name(r.name, dict(model.named_modules())): r
            for r in ours.rows if r.is_leaf}
    compared = 0
    for info in theirs.summary_list:
        if not info.is_leaf_layer or not info.executed:
            continue
        row = rows[names[id(info.module)]]
        assert [int(v) for v in (ours.batch, *row.output_size)] == list(info.output_size)
        assert row.params == info.num_params
        compared += 1
    assert compared > 5


def test_symbolic_sizes_give_formulas_that_substitute_to_the_numbers(torch):
    model = _torchvision("resnet18")
    general = symconv.summary(model, ("B", 3, "h", "w"), verbose=0, depth=1)
    numeric = symconv.summary(model, (2, 3, 64, 80), verbose=0, depth=1)
    values = {symconv.sym("B"): 2, symconv.sym("h"): 64, symconv.sym("w"): 80}
    assert general.total_mult_adds.free_symbols == set(values)
    for attr in ("total_params", "total_mult_adds", "total_input", "total_output_bytes",
                 "total_size"):
        assert sp.sympify(getattr(general, attr)).xreplace(values) == getattr(numeric, attr)
    assert [r.kind for r in general.rows] == [r.kind for r in numeric.rows]


def test_a_layer_and_a_symconv_network_summarize_too(capsys):
    s = symconv.summary(symconv.Conv2d(3, 8, 3), (16, 3, 32, 32), verbose=0,
                        col_names=("input_size", "output_size", "num_params", "kernel_size",
                                   "mult_adds", "params_percent", "trainable"))
    row = s.rows[0]
    assert (row.kind, row.output_size, row.params, row.kernel_size) == ("Conv2d", (8, 30, 30),
                                                                         224, "[3]")
    assert s.total_mult_adds == 16 * 8 * 30 * 30 * (27 + 1)  # torchinfo: MACs plus the bias
    assert capsys.readouterr().out == ""
    net = symconv.Sequential(symconv.Conv2d(1, 4, 3), symconv.Residual(
        [symconv.Conv2d(4, 4, 3, padding=1)]))
    symconv.summary(net, (1, 1, 9, 9), depth=1, verbose=1)
    printed = capsys.readouterr().out
    assert "├─Conv2d: 1-1" in printed and "├─Residual: 1-2" in printed  # folded at depth 1
    assert "└─" not in printed and "148" in printed and "Total params: 188" in printed


def test_depth_folds_containers_into_their_rows(torch):
    model = _torchvision("resnet18")
    deep = symconv.summary(model, (1, 3, 64, 64), depth=3, verbose=0)
    shallow = symconv.summary(model, (1, 3, 64, 64), depth=1, verbose=0)
    assert max(r.depth for r in deep.rows) == 3 and max(r.depth for r in shallow.rows) == 1
    layer1 = next(r for r in shallow.rows if r.name == "layer1")
    assert layer1.params == 147968 and "147,968" in str(shallow)
    assert "│    └─BasicBlock: 2-1" in str(deep)


def test_summary_html_parses_in_katex(node_modules, torch):
    model = _torchvision("resnet18")
    s = symconv.summary(model, (1, 3, "h", "w"), depth=2, verbose=0,
                        col_names=("output_size", "num_params", "mult_adds", "receptive_field"))
    text = html_text(s._repr_html_())
    found = formulas(text)
    assert len(found) > 40 and katex_errors(node_modules, found) == []
    assert "$" not in leftover(text) and r"\frac" not in leftover(text)
    # the next size through the one before it, its floor argument as one fraction
    assert r"h_{2} = \left\lfloor{\frac{h_{1} - 1}{2}}\right\rfloor + 1" in text


@pytest.mark.parametrize(("kwargs", "message"), [
    (dict(input_size=None), "needs input_size"),
    (dict(input_size=(3, 8, 8), col_names=("params",)), "unknown column"),
    (dict(input_size=(1, 3, 8, 8), row_settings=("depth", "colour")), "unknown row setting"),
    (dict(input_size=(3,)), "batch first"),
])
def test_bad_arguments_say_what_is_wrong(kwargs, message):
    with pytest.raises((TypeError, ValueError), match=message):
        symconv.summary(symconv.Sequential(symconv.ReLU()), verbose=0, **kwargs)


def test_batch_dim_zero_means_no_batch_in_input_size():
    s = symconv.summary(symconv.Conv2d(3, 8, 3), (3, 32, 32), batch_dim=0, verbose=0)
    assert s.batch == 1 and s.rows[0].output_size == (8, 30, 30)


def test_symbolic_shapes_print_in_the_terminal_table():
    """A shape such as ``[b, 8, h, w]`` is text, not rich markup (``[b]`` is rich's bold
    tag): the terminal table used to print an empty Output Shape column and an input-less
    title for symbolic sizes."""
    net = symconv.Sequential(symconv.Conv2d("c", 8, 3, padding=1), symconv.ReLU(),
                             symconv.MaxPool2d(2))
    text = str(symconv.summary(net, ("b", "c", "h", "w"), verbose=0))
    assert "input [b, c, h, w]" in text
    for shape in ("[b, 8, h, w]", "[b, 8, h_1, w_1]"):
        assert shape in text
    from symconv.network.tables import text_table

    table = text_table(symconv.analyze(net, ("c", "h", "w"), batch="b"))
    assert "8 × h × w" in table


def test_terminal_floors_read_as_one_fraction():
    """SymPy writes floor((h - 1)/2) as floor(h/2 - 1/2); tables show the TA's form, and
    the text still reads back as the same expression."""
    net = symconv.Sequential(symconv.Conv2d(3, 8, 3, stride=2, padding=1), symconv.ReLU())
    text = str(symconv.summary(net, (1, 3, "h", "h"), verbose=0))
    assert "h_1 = floor((h - 1)/2) + 1" in text and "h/2 - 1/2" not in text
    h = sp.Symbol("h")
    assert sp.sympify("floor((h - 1)/2) + 1") == sp.floor(h / 2 - sp.Rational(1, 2)) + 1
