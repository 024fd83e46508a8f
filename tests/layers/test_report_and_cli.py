"""Reports substitute, simplify, print as LaTeX and JSON; the CLI shows them."""

from __future__ import annotations

import json

import sympy as sp

import symconv
from symconv.cli import main


def conv_report():
    layer = symconv.Conv2d("c_i", "c_o", ("k_h", "k_w"), ("s_h", "s_w"), ("p_h", "p_w"))
    return symconv.analyze(layer, ("c_i", "h", "w"), batch="B")


def test_subs_by_name_and_by_symbol_agree():
    r = conv_report()
    by_name = r.subs(c_i=3, c_o=8, k_h=3, k_w=3, s_h=1, s_w=1, p_h=1, p_w=1, h=32, w=32, B=2)
    c_i = symconv.sym("c_i")
    by_symbol = r.subs({c_i: 3}).subs(c_o=8, k_h=3, k_w=3, s_h=1, s_w=1, p_h=1, p_w=1, h=32, w=32,
                                      B=2)
    assert by_name.is_numeric and by_symbol.is_numeric
    assert by_name.to_dict() == by_symbol.to_dict()
    assert by_name.output_shape == (8, 32, 32)


def test_partial_substitution_keeps_remaining_symbols():
    r = conv_report().subs(k_h=1, k_w=1, s_h=1, s_w=1, p_h=0, p_w=0)
    assert r.output_shape == (symconv.sym("c_o"), symconv.sym("h"), symconv.sym("w"))
    assert sp.expand(r.macs - symconv.sym("B") * r.weight_params * symconv.sym("h")
                     * symconv.sym("w")) == 0


def test_simplify_keeps_values():
    r = conv_report()
    values = dict(c_i=2, c_o=3, k_h=2, k_w=3, s_h=2, s_w=1, p_h=1, p_w=0, h=7, w=5, B=1)
    assert r.simplify().subs(values).to_dict() == r.subs(values).to_dict()


def test_latex_uses_subscripts_and_repr_latex_is_math():
    text = conv_report()._repr_latex_()
    assert text.startswith("$$") and text.endswith("$$")
    assert "k_{h}" in text and r"\left\lfloor" in text


def test_json_values_are_ints_when_numeric_else_strings():
    d = conv_report().subs(c_i=64, c_o=128, k_h=3, k_w=3, s_h=1, s_w=1, p_h=1, p_w=1, h=256,
                           w=256, B=1).to_dict()
    assert d["mults"] == 4831838208 and isinstance(d["params"], int)
    sym = conv_report().to_dict()
    assert isinstance(sym["mults"], str) and "floor" in sym["mults"]


def test_cli_json_has_the_documented_keys(capsys):
    assert main(["layer", "conv2d", "--input", "c_i,h,w", "--out-channels", "c_o",
                 "--kernel-size", "k_h,k_w", "--padding", "p_h,p_w", "--stride", "s_h,s_w",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("output_shape", "params", "mults", "adds", "macs", "flops", "memory", "backward"):
        assert key in out
    assert isinstance(out["output_shape"], list) and len(out["output_shape"]) == 3
    assert "floor" in out["mults"]


def test_cli_set_substitutes_numbers(capsys):
    argv = ["layer", "conv2d", "--input", "c_i,h,w", "--out-channels", "c_o", "--kernel-size", "3",
            "--padding", "1", "--json"]
    for item in ("c_i=64", "c_o=128", "h=256", "w=256"):
        argv += ["--set", item]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["mults"] == symconv.analyze(symconv.Conv2d(64, 128, 3, padding=1),
                                           (64, 256, 256)).mults
    assert out["output_shape"] == [128, 256, 256]
    assert out["memory"]["bytes"]["input"] == 4 * 64 * 256 * 256


def test_cli_table_shows_formula_and_value(capsys):
    assert main(["layer", "maxpool2d", "--input", "c,h,w", "--kernel-size", "2",
                 "--set", "c=64", "--set", "h=256", "--set", "w=256"]) == 0
    out = capsys.readouterr().out
    assert "floor(h/2)" in out and "3,145,728" in out


def test_cli_linear_and_transposed(capsys):
    assert main(["layer", "linear", "--input", "4096", "--out-features", "1000", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["params"] == 4096 * 1000 + 1000
    assert main(["layer", "convtranspose2d", "--input", "1,2,2", "--out-channels", "1",
                 "--kernel-size", "2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["output_shape"] == [1, 3, 3]
