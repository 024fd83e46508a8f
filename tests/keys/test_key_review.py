"""What a page-by-page review of the bundled keys found, each pinned by a test that fails on
the old text (figures' class-name labels and shape-like ranges, a check value of 1 dropped,
FLOPs not factored, worked sums folding a product into a subtraction, the full convolution's
padding as an undefined d(k - 1) - p, average pooling's "dy/K", degenerate random instances
and counterexamples, region checks by axis number)."""

from __future__ import annotations

import glob
import re
from pathlib import Path

import sympy as sp

from symconv.keys.checks import check_instance, natural_point
from symconv.keys.questions import load_assignment
from symconv.notation.latex import latex
from symconv.symbols import sym

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = sorted(glob.glob(str(ROOT / "derivations" / "*.toml")))


def _tex(rendered_keys: Path, name: str) -> str:
    return (rendered_keys / f"{name}.tex").read_text(encoding="utf-8")


def _question(tex: str, qid: str) -> str:
    start = tex.index(f"Question {qid}:")
    end = tex.find(r"\subsection*{", start + 1)
    return tex[start:end if end > 0 else len(tex)]


def test_receptive_field_figures_label_layers_as_the_text_counts_them(rendered_keys):
    for name in ("cs280_sp25_a2", "cs280_sp23_a2", "homework4_cnn"):
        tex = _tex(rendered_keys, name)
        assert not re.search(r"\b(Conv[123]d|MaxPool[123]d|AvgPool[123]d) \d", tex), name
        assert re.search(r"\{\\small layer 1\}", tex), name  # 1-based, as "layer 2 (conv ...)"


def test_a_drawn_unit_reads_an_interval_of_positions(rendered_keys):
    q = _question(_tex(rendered_keys, "cs280_sp25_a2"), "1.2")
    assert r"input positions of the drawn unit $\left[11, 19\right]$" in q
    assert r"11 \times 19" not in q


def test_a_check_value_of_one_is_shown(rendered_keys):
    q = _question(_tex(rendered_keys, "cs280_sp23_a2"), "1b")
    assert re.search(r"bias elements \$1\$ \\checkok", q)


def test_flops_are_factored_and_labelled_once(rendered_keys):
    q = _question(_tex(rendered_keys, "cs280_sp23_a2"), "1a")
    assert r"\left(2 c_{i} k_{h} k_{w} - 1\right)" in q
    assert "FLOPs (multiplications + additions)" not in q


def test_a_worked_sum_shows_every_product_in_order():
    terms = [(-1, 1), (2, 0), (3, -1), (1, 1)]
    entry = sp.Add(*(sp.Mul(sp.Integer(a), sp.Integer(b), evaluate=False) for a, b in terms),
                   evaluate=False)
    assert latex(entry) == (r"\left(-1\right) \cdot 1 + 2 \cdot 0 + 3 \cdot \left(-1\right) "
                            r"+ 1 \cdot 1")
    assert latex(sp.Add(sp.Mul(2, 3, evaluate=False), -4, evaluate=False)) == r"2 \cdot 3 - 4"
    assert latex(sym("h") - sym("k") + 1) == "h - k + 1"  # formulas keep the natural order


def test_the_transposed_convolution_entries_keep_their_products(rendered_keys):
    q = _question(_tex(rendered_keys, "homework4_cnn"), "3c")
    assert r"\left(-1\right) \cdot 1 + 2 \cdot 0 + 3 \cdot \left(-1\right) + 1 \cdot 1" in q


def test_the_full_convolution_padding_is_the_layers_own(rendered_keys):
    q = _question(_tex(rendered_keys, "cs280_sp25_a2"), "2.1")
    assert "padded by $2$ on each side" in q and "d(k-1)" not in q


def test_average_pooling_divides_by_the_window_inputs(rendered_keys):
    q = _question(_tex(rendered_keys, "homework4_cnn"), "5c-avg")
    assert "dy/K" not in q and "$dy/4$" in q and r"$2 \times 2 = 4$ inputs" in q


def test_region_checks_name_rows_and_columns(rendered_keys):
    q = _question(_tex(rendered_keys, "aimed_cnn_2020"), "6")
    assert "input range, rows" in q and "input range, columns" in q and "axis 1" not in q


def test_random_check_instances_read_as_real_layers():
    """Every symbolic layer question's instance: padding at most half the kernel, stride at
    most the kernel, the input at least the kernel (no p = 2 with k = 2)."""
    from symconv.keys.checks import instance_roles

    seen = 0
    for f in BUNDLED:
        for q in load_assignment(f).questions:
            if q.kind != "layer" or q.values:
                continue
            values, _ = check_instance(q)
            point = {sym(k): v for k, v in values.items()}
            assert natural_point(point, instance_roles(q)), (q.id, values)
            seen += 1
    assert seen >= 8


def test_a_wrong_formula_is_shown_wrong_on_a_natural_layer(rendered_keys):
    q = _question(_tex(rendered_keys, "cs280_fa22_a2"), "1a")
    found = re.search(r"at \$h = (\d+)\$, \$k_\{h\} = (\d+)\$, \$p_\{h\} = (\d+)\$, "
                      r"\$s_\{h\} = (\d+)\$ the derivation gives", q)
    assert found, q[:200]
    h, k, p, s = map(int, found.groups())
    assert 2 * p <= k - 1 and s <= k <= h
