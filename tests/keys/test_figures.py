"""Figures: drawn from the engine's numbers, which torch confirms; they compile and parse."""

from __future__ import annotations

import glob
import subprocess
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

import pytest

from symconv.figures import figure_steps
from symconv.figures.drawing import BLUE, GRAY, ORANGE, RED, Box, Label
from symconv.figures.step import Figure
from symconv.keys.latex import PREAMBLE, text_latex
from symconv.keys.questions import QuestionFileError, load_assignment, question_from_table
from symconv.keys.roster import student_variant

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(glob.glob(str(ROOT / "derivations" / "*.toml")))


def _layer_q(layer, shape, figure="sliding_window", values=None):
    table = {"id": "f", "kind": "layer", "text": "?", "layer": layer, "input": shape,
             "ask": ["output_shape"], "figure": figure}
    if values:
        table["values"] = values
    return question_from_table("demo.toml", table, 0)


def _figure(q) -> Figure:
    figs = [s for s in figure_steps(q) if isinstance(s, Figure)]
    assert len(figs) == 1
    return figs[0]


def _plain(text: str) -> Fraction:
    return Fraction(text.replace("\u2212", "-"))


# -- sliding window ----------------------------------------------------------------------------

SLIDING = [  # (kernel, stride, padding, dilation, n)
    (3, 1, 1, 1, 7), (3, 2, 1, 1, 7), (2, 3, 0, 1, 10), (3, 2, 0, 1, 8), (3, 1, 0, 2, 10),
    (6, 2, 1, 1, 64), (4, 2, 0, 1, 32), (5, 3, 2, 1, 17), (1, 1, 0, 1, 40),
]


@pytest.mark.parametrize("k,s,p,d,n", SLIDING)
def test_sliding_window_counts_and_unread_positions_agree_with_torch(torch, k, s, p, d, n):
    q = _layer_q({"type": "Conv2d", "in_channels": 1, "out_channels": 1, "kernel_size": [k, 1],
                  "stride": [s, 1], "padding": [p, 0], "dilation": [d, 1]}, [1, n, 3])
    fig = _figure(q)
    x = torch.ones(1, 1, n, 3, dtype=torch.float64, requires_grad=True)
    y = torch.nn.functional.conv2d(x, torch.ones(1, 1, k, 1, dtype=torch.float64), stride=(s, 1),
                                   padding=(p, 0), dilation=(d, 1))
    y.sum().backward()
    read = [i for i in range(n) if x.grad[0, 0, i, 0] != 0]
    assert fig.checks[0].expected == y.shape[2] and fig.checks[0].passed
    reds = [b for b in fig.drawing.items if isinstance(b, Box) and b.fill == RED]
    assert len(reds) == n - 1 - max(read)  # the tail the floor drops, as torch reads it
    grays = [b for b in fig.drawing.items if isinstance(b, Box) and b.fill == GRAY]
    if (p * 2 + n) <= 30:  # drawn in full: every padding cell is there
        assert len(grays) == 2 * p
    bars = [b for b in fig.drawing.items if isinstance(b, Box) and b.fill == BLUE]
    shown = min(y.shape[2], 6) if y.shape[2] <= 6 else 4
    assert len(bars) == shown * (1 if d == 1 else k)
    assert f"there are {y.shape[2]} positions" in fig.caption


def test_a_students_figure_shows_the_students_numbers():
    a = load_assignment(ROOT / "derivations" / "cs280_sp25_a2.toml")
    for student in ("s1", "s2", "s3"):
        q = student_variant(a, student, "salt").question("1.1")
        fig = _figure(q)
        h, k, s, p = (int(q.values[n]) for n in "hksp")
        assert f"Axis $h$: {h} positions" in fig.caption
        assert fig.checks[0].expected == (h + 2 * p - k) // s + 1


# -- receptive field ---------------------------------------------------------------------------

def _network_q(layers, shape, figure):
    return question_from_table("demo.toml", {
        "id": "r", "kind": "network", "text": "?", "input": shape, "ask": ["receptive"],
        "network": {"type": "Sequential", "layers": layers}, "figure": figure}, 0)


def _conv(**kw):
    return {"type": "Conv2d", "in_channels": 1, "out_channels": 1, "bias": False, **kw}


STACKS = [
    [_conv(kernel_size=3)] * 3,
    [_conv(kernel_size=2, stride=2)] * 3,
    [_conv(kernel_size=3), _conv(kernel_size=3, dilation=2)],
    [_conv(kernel_size=3, padding=1), {"type": "ReLU"}, {"type": "MaxPool2d", "kernel_size": 2},
     _conv(kernel_size=3, padding=1)],
    [_conv(kernel_size=5, stride=3), _conv(kernel_size=2)],
]


@pytest.mark.parametrize("layers", STACKS)
def test_receptive_field_cells_are_torchs_gradient_support(torch, layers):
    n = 32
    fig = _figure(_network_q(layers, [1, n, n], "receptive_field"))
    mods = []
    for spec in layers:
        kw = {k: v for k, v in spec.items() if k != "type"}
        if spec["type"] == "Conv2d":
            m = torch.nn.Conv2d(**kw, dtype=torch.float64)
            torch.nn.init.ones_(m.weight)
        elif spec["type"] == "MaxPool2d":  # same window, a gradient for every tap
            m = torch.nn.AvgPool2d(**kw)
        else:
            m = getattr(torch.nn, spec["type"])()
        mods.append(m)
    net = torch.nn.Sequential(*[m for m in mods if not isinstance(m, torch.nn.ReLU)])
    x = torch.ones(1, 1, n, n, dtype=torch.float64, requires_grad=True)
    out = net(x)
    unit = (out.shape[2] - 1) // 2
    out[0, 0, unit, unit].backward()
    support = sorted({int(i) for i in torch.nonzero(x.grad[0, 0].sum(dim=1)).flatten()})
    first, last = (int(e) for e in fig.checks[0].expected.args)  # an IndexRange [first, last]
    assert (max(first, 0), min(last, n - 1)) == (support[0], support[-1])
    inputs = [b for b in fig.drawing.items if isinstance(b, Box) and b.y == 0.3 and b.fill == BLUE
              and not b.text]  # the real input positions the unit reads
    assert len(inputs) == len(support)
    assert sum(isinstance(b, Box) and b.fill == ORANGE for b in fig.drawing.items) == 1


# -- transposed-convolution scatter ------------------------------------------------------------

def test_scatter_copies_and_their_sum_are_torchs_transposed_convolution(torch):
    a = load_assignment(ROOT / "derivations" / "homework4_cnn.toml")
    q = a.question("3c")
    fig = _figure(q)
    x = torch.tensor(q.data["args"]["x"], dtype=torch.float64)[None, None]
    K = torch.tensor(q.data["args"]["K"], dtype=torch.float64)[None, None]
    y = torch.nn.functional.conv_transpose2d(x, K)[0, 0]
    boxes = [b for b in fig.drawing.items if isinstance(b, Box)]
    result = boxes[-y.numel():]  # the last grid drawn is the sum
    assert [_plain(b.text) for b in result] == [Fraction(int(v)) for v in y.flatten()]
    copies = [b for b in boxes if b.fill is not None and b.y < 4]
    assert len(copies) == x.numel() * K.numel()
    assert sum(_plain(b.text) for b in copies) == int(y.sum())
    labels = [lab.text for lab in fig.drawing.items if isinstance(lab, Label)]
    assert "x00·K at (0, 0)" in labels and "x11·K at (1, 1)" in labels


# -- pooling gradient --------------------------------------------------------------------------

@pytest.mark.parametrize("kind,extra", [("MaxPool2d", {}), ("AvgPool2d", {}),
                                        ("MaxPool2d", {"stride": 1, "kernel_size": 3}),
                                        ("AvgPool2d", {"stride": 1, "kernel_size": 3})])
def test_pool_gradient_cells_are_torchs_autograd(torch, kind, extra):
    layer = {"type": kind, "kernel_size": 2, **extra}
    q = question_from_table("demo.toml", {
        "id": "p", "kind": "calculus", "text": "?", "function": "pooling_grad.pool_backward",
        "result": "grad_input.rhs", "layer": layer, "input": [1, "h", "w"],
        "figure": "pool_gradient"}, 0)
    fig = _figure(q)
    from symconv.figures.pooling import DEFAULT_X

    x = torch.tensor(DEFAULT_X, dtype=torch.float64, requires_grad=True)
    kw = {k: v for k, v in layer.items() if k != "type"}
    fn = getattr(torch.nn.functional, "max_pool2d" if kind == "MaxPool2d" else "avg_pool2d")
    y = fn(x[None, None], **kw)
    dy = torch.arange(1, y.numel() + 1, dtype=torch.float64).reshape(y.shape)
    y.backward(dy)
    boxes = [b for b in fig.drawing.items if isinstance(b, Box)]
    drawn = [_plain(b.text) for b in boxes[-x.numel():]]  # the last grid is dx
    size = extra.get("kernel_size", 2) ** 2
    assert drawn == [Fraction(round(float(v) * size), size) for v in x.grad.flatten()]
    assert [_plain(b.text) for b in boxes[x.numel():x.numel() + dy.numel()]] == \
        [Fraction(int(v)) for v in dy.flatten()]
    assert all(c.passed for c in fig.checks) and len(fig.checks) == 2  # loops and torch


# -- the bundled keys --------------------------------------------------------------------------

def _bundled_figures() -> list[tuple[str, str, Figure]]:
    out = []
    for f in FILES:
        for q in load_assignment(f).questions:
            for s in figure_steps(q):
                if isinstance(s, Figure):
                    out.append((Path(f).stem, q.id, s))
    return out


def test_the_bundled_keys_draw_the_four_figures():
    names = {(stem, qid): fig.name for stem, qid, fig in _bundled_figures()}
    assert set(names.values()) == {"sliding_window", "receptive_field", "transposed_scatter",
                                   "pool_gradient"}
    assert names[("homework4_cnn", "3c")] == "transposed_scatter"
    assert names[("homework4_cnn", "5c-avg")] == "pool_gradient"


def test_every_bundled_figure_is_well_formed_svg_and_its_checks_pass():
    for stem, qid, fig in _bundled_figures():
        root = ET.fromstring(fig.markdown().split("\n\n*")[0])
        assert root.tag.endswith("svg"), (stem, qid)
        assert root.findall(".//{http://www.w3.org/2000/svg}rect"), (stem, qid)
        assert "\n\n" not in fig.markdown().split("</svg>")[0]  # one Markdown HTML block
        assert fig.checks and all(c.passed for c in fig.checks), (stem, qid)
        tex = fig.latex(text_latex)
        assert "\\begin{picture}" in tex and "tikz" not in tex.lower()


def test_every_bundled_figure_compiles_with_pdflatex(tmp_path, pdflatex):
    body = []
    for stem, qid, fig in _bundled_figures():
        body.append(f"\\subsection*{{{text_latex(stem + ' ' + qid)}}}\n{fig.latex(text_latex)}")
    tex = tmp_path / "figures.tex"
    tex.write_text(PREAMBLE + "\\begin{document}\n" + "\n\n".join(body) + "\n\\end{document}\n")
    proc = subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error", tex.name],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:]
    log = (tmp_path / "figures.log").read_text(errors="replace")
    assert "Bad \\line or \\vector" not in log and "Overfull \\hbox" not in log


# -- asking for a figure -----------------------------------------------------------------------

CONV = {"type": "Conv2d", "in_channels": 1, "out_channels": 1, "kernel_size": "k"}


@pytest.mark.parametrize("figure,field,words", [
    ("sliding", "figure", "unknown figure 'sliding'"),
    ({"draw": "sliding_window", "colour": 1}, "figure.colour", "unknown option"),
    ("sliding_window", "figure", "needs numbers for k"),
    ({"draw": "sliding_window", "values": {"q": 3}}, "figure.values.q", "not used"),
    ({"draw": "sliding_window", "values": {"k": 300}}, "figure.values.k", "from 0 to 64"),
    ("receptive_field", "figure", "network question"),
    ("transposed_scatter", "figure", "worked.transposed_conv_scatter"),
    ("pool_gradient", "figure", "MaxPool2d or AvgPool2d"),
    ({"draw": "sliding_window", "values": {"k": 3}, "axis": 2}, "figure.axis", "spatial axis"),
    (3, "figure", "a figure name"),
])
def test_a_figure_that_cannot_be_drawn_is_an_error_naming_it(figure, field, words):
    with pytest.raises(QuestionFileError) as info:
        _layer_q(CONV, [1, 8, 8], figure)
    assert info.value.field == field and words in str(info.value), str(info.value)


def test_a_field_too_wide_to_draw_is_refused():
    with pytest.raises(QuestionFileError, match="too many to draw"):
        _network_q([_conv(kernel_size=9)] * 6, [1, 64, 64], "receptive_field")


def test_example_values_draw_a_symbolic_question_and_the_caption_says_so():
    fig = _figure(_layer_q(CONV, [1, "h", "h"],
                           {"draw": "sliding_window", "values": {"k": 3, "h": 9}}))
    assert fig.checks[0].expected == 7
    q = _network_q([_conv(kernel_size="K")] * 2, [1, 16, 16],
                   {"draw": "receptive_field", "values": {"K": 3}})
    assert "drawn for $K = 3$" in _figure(q).caption
