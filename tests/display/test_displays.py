"""Every result object displays: HTML and LaTeX that KaTeX parses, readable text.

The math of each display is extracted as a browser would find it (the text of
the HTML, delimiters ``\\(...\\)``, ``\\[...\\]``, ``$$...$$``) and rendered by
KaTeX in node with ``throwOnError``; nothing that looks like LaTeX source may be
left outside the math, and tables are HTML tables, never ``tabular``.
"""

from __future__ import annotations

import re

import pytest

import symconv
from symconv.display import Steps

from .katex import formulas, html_text, katex_errors, leftover
from .objects import OBJECTS

SOURCE = (r"\begin", r"\frac", r"\left", r"\(", r"\[", "$", "tabular", r"\text{", "\\_")


@pytest.fixture(scope="module")
def displays():
    out = {}
    for name, make in OBJECTS.items():
        obj = make()
        out[name] = (obj, obj._repr_html_(), getattr(obj, "_repr_latex_", lambda: None)())
    return out


@pytest.mark.parametrize("name", list(OBJECTS))
def test_html_math_parses_in_katex_and_no_source_is_left(node_modules, displays, name):
    obj, html, latex = displays[name]
    text = html_text(html)
    found = formulas(text)
    assert found, f"{name}: no math in the HTML display"
    if latex is not None:
        assert latex.startswith("$$") and latex.rstrip().endswith("$$")
        found += formulas(latex)
    assert katex_errors(node_modules, found) == []
    rest = leftover(text)
    assert [s for s in SOURCE if s in rest] == [], rest[:400]
    assert "tabular" not in html and (latex is None or "tabular" not in latex)


@pytest.mark.parametrize("name", list(OBJECTS))
def test_text_is_readable_not_a_dataclass_dump(displays, name):
    obj = displays[name][0]
    for text in (str(obj), repr(obj)):
        assert text.strip()
        assert not text.startswith(type(obj).__name__ + "("), text[:80]  # "LayerReport(layer=..."
        assert "\\" not in text.replace("\\n", "")  # no LaTeX in the terminal


def test_katex_harness_reports_errors(node_modules):
    # The check above can fail: a broken formula is reported, a good one is not.
    errors = katex_errors(node_modules, [(r"\frac{1}{", False), (r"\frac{1}{2}", True)])
    assert [tex for tex, _ in errors] == [r"\frac{1}{"]
    assert "tabular" in leftover(html_text(r"<p>\begin{tabular}{ll}</p>"))


def test_layer_report_table_is_narrow_and_names_are_not_escaped(displays):
    _, html, latex = displays["layer, symbolic conv"]
    first_table = html.split("</table>")[0]
    assert first_table.count("<th style") == 2  # quantity | value: nothing scrolls off
    assert "c\\_i" not in html_text(html)
    assert "<code>Conv2d(c_i, c_o, kernel_size=(k_h, k_w)" in html
    assert r"\mathtt{Conv2d(c\_i," in latex  # in math mode, where \_ renders in every engine


def test_shapes_have_parentheses_where_needed(displays):
    _, html, latex = displays["layer, symbolic conv"]
    shape_cell = html_text(html).split("output shape")[1].split("parameters")[0]
    pieces = re.findall(r"\\\((.+?)\\\)", shape_cell)  # c_o × (⌊…⌋ + 1) × (⌊…⌋ + 1)
    assert pieces[0] == r"c_{o} \times" and all(p.startswith(r"\left(\left\lfloor")
                                                 for p in pieces[1:])
    assert " ".join(pieces).count(r"\right\rfloor + 1\right)") == 2
    text = str(displays["layer, symbolic conv"][0])
    assert "c_o × (floor(" in text and ") + 1) × (floor(" in text


def test_numbers_are_grouped(displays):
    report = displays["layer, numeric conv"][0]
    assert "4,831,838,208" in str(report) and "73,856" in str(report)
    assert "4{,}831{,}838{,}208" in displays["layer, numeric conv"][1]


def test_symbolic_network_names_compound_sizes_and_defines_them(displays):
    _, html, _ = displays["network, symbolic"]
    text = html_text(html)
    assert "where" in text and r"h_{1} = \left\lfloor{\frac{h}{2}}\right\rfloor" in text
    assert r"4608 h_{2} w_{2}" in text  # the strided conv's MACs, not nested floors


def test_every_steps_method_returns_displayable_steps(displays):
    for name in OBJECTS:
        if name.startswith("steps:"):
            steps = displays[name][0]
            assert isinstance(steps, Steps) and isinstance(steps, list)
    html = displays["steps: composition"][1]
    assert r"\begin{aligned}" in html and "&#10003;" in html  # calculations, and a passed check
    assert displays["steps: composition"][0].passed


def test_network_latex_repr_is_math_and_the_cli_keeps_its_tabular(displays):
    latex = displays["network, numeric"][2]
    assert latex.startswith(r"$$\begin{array}")
    report = displays["network, numeric"][0]
    assert str(report).splitlines()[0].strip().startswith("input")  # the rich table


def test_row_and_total_reprs_are_short():
    r = symconv.analyze(symconv.Sequential(symconv.Conv2d(1, 2, 3)), (1, 5, 5))
    assert repr(r.layers[0]) == "<row '0': Conv2d(1, 2, kernel_size=3, stride=1, padding=0, " \
                                "dilation=1, groups=1, bias=True), output 2 × 3 × 3>"
    assert "parameters                    20" in repr(r.total)


def test_math_cells_wrap_between_whole_terms():
    from symconv.display.html import math_html

    long = sum(symconv.sym(f"c_{i}") * symconv.sym("h") for i in range(20))
    pieces = re.findall(r"\\\((.+?)\\\)", math_html(long))
    assert len(pieces) > 2
    joined = " ".join(pieces)
    assert joined.count("c_{") == 20  # every term is kept, in order
