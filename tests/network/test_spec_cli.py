"""Network descriptions in TOML and the ``symconv net`` command."""

from __future__ import annotations

import json
import subprocess
import tomllib
from pathlib import Path

import pytest

import symconv
from symconv.cli import main
from symconv.spec import SpecError, build_network

from .test_budget import SEED004

DERIVATIONS = Path(__file__).parents[2] / "derivations"


def hand_built_seed004():
    layers, cin = [], 1
    for c in (64, 128, 256, 512, 512):
        layers += [symconv.Conv2d(cin, c, 3, padding=1), symconv.Conv2d(c, c, 3, padding=1),
                   symconv.MaxPool2d(2, 2)]
        cin = c
    return symconv.Sequential(*layers, symconv.Flatten(), symconv.Linear(32768, 4096),
                              symconv.Linear(4096, 4096), symconv.Linear(4096, 2))


def test_toml_network_equals_hand_built():
    data = tomllib.loads(SEED004.read_text())
    built = symconv.analyze(build_network(data["network"]), (1, 256, 256))
    hand = symconv.analyze(hand_built_seed004(), (1, 256, 256))
    assert [r.report for r in built.layers] == [r.report for r in hand.layers]
    names = [r.name for r in built.layers]
    assert names[12:14] == ["last_conv", "last_conv_2"] and names[0] == "0"


def test_containers_from_data_and_lists():
    spec = {"type": "Sequential", "layers": [
        {"type": "Conv2d", "in_channels": 4, "out_channels": 4, "kernel_size": 3, "padding": 1},
        {"type": "Residual", "body": [{"type": "Conv2d", "in_channels": 4, "out_channels": 8,
                                       "kernel_size": 3, "stride": 2, "padding": 1}],
         "shortcut": [{"type": "Conv2d", "in_channels": 4, "out_channels": 8, "kernel_size": 1,
                       "stride": 2}]},
        {"type": "Concat", "branches": [[{"type": "ReLU"}], []]},
    ]}
    net = build_network(spec)
    by_hand = symconv.Sequential(
        symconv.Conv2d(4, 4, 3, padding=1),
        symconv.Residual([symconv.Conv2d(4, 8, 3, stride=2, padding=1)],
                         shortcut=[symconv.Conv2d(4, 8, 1, stride=2)]),
        symconv.Concat([symconv.ReLU()], []))
    assert repr(net) == repr(by_hand)
    assert symconv.analyze(net, (4, 16, 16)).output_shape == (16, 8, 8)
    assert repr(build_network(spec["layers"])) == repr(by_hand)


@pytest.mark.parametrize("spec,message", [
    ({"type": "Sequential", "layers": [{"type": "ReLU"}, {"type": "Conv2d", "in_channels": 1,
      "out_channels": 1, "kernel": 3}]}, r"network\.layers\[1\]: Conv2d: unknown argument 'kernel'"),
    ({"type": "Residual", "body": [{"type": "Residual", "body": [{"type": "Relu"}]}]},
     r"network\.body\[0\]\.body\[0\]: unknown layer type 'Relu'"),
    ({"type": "Residual", "shortcut": []}, r"network: Residual needs a 'body' field"),
    ({"type": "Concat", "branches": [], }, r"network\.branches: expected a non-empty list"),
    ({"type": "Sequential", "layers": [], "body": []}, r"network: Sequential: unknown field 'body'"),
    ({"type": "Sequential", "layers": 3}, r"network\.layers: expected a list of layers"),
    ("Conv2d", r"network: a network must be a table"),
])
def test_spec_errors_say_where(spec, message):
    with pytest.raises(SpecError, match=message):
        build_network(spec)


def run_cli(capsys, *args):
    code = main(["net", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_json_with_budget(capsys):
    code, out, _ = run_cli(capsys, SEED004, "--json", "--memory", "12GiB")
    data = json.loads(out)
    assert code == 0
    assert data["max_batch"]["batch"] == 768 and data["max_batch"]["policy"] == "max_activation"
    assert len(data["layers"]) == 19 and data["output_shape"] == [2]
    assert data["layers"][13]["receptive_field"] == {
        "size": [140, 140], "stride": [16, 16], "padding": [62, 62], "aligned": True, "notes": []}
    hand = symconv.analyze(hand_built_seed004(), (1, 256, 256))
    assert data["total"]["params"] == hand.total.params


def test_cli_symbolic_input_set_and_divisibility(capsys):
    code, out, _ = run_cli(capsys, SEED004, "--input", "1,h,w", "--assume-divisible", "32",
                           "--json")
    data = json.loads(out)
    assert code == 0 and data["assumptions"] == [
        "h, w are multiples of 32 (h = 32*h_32, w = 32*w_32)"]
    assert data["layers"][2]["output_shape"] == [64, "h/2", "w/2"]
    code, out, _ = run_cli(capsys, SEED004, "--input", "1,h,w", "--set", "h=256", "--set",
                           "w=256", "--json")
    assert json.loads(out)["total"] == json.loads(run_cli(capsys, SEED004, "--json")[1])["total"]


def test_cli_table_and_latex(capsys, tmp_path, pdflatex):
    code, out, _ = run_cli(capsys, SEED004, "--memory", "12GiB", "--policy", "training")
    assert code == 0 and "total" in out and "160,415,170" in out and "policy 'training'" in out
    code, out, _ = run_cli(capsys, SEED004, "--latex")
    assert code == 0 and out.startswith(r"\begin{tabular}")
    doc = tmp_path / "table.tex"
    doc.write_text("\\documentclass{article}\\usepackage[landscape,margin=1cm]{geometry}"
                   "\\begin{document}\\tiny\n" + out + "\n\\end{document}\n")
    result = subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error", doc.name],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:]


def test_cli_reads_question_files(capsys, tmp_path):
    path = tmp_path / "q.toml"
    path.write_text('''
[assignment]
title = "t"
[[question]]
id = "a"
kind = "layer"
[[question]]
id = "b"
kind = "network"
input = [1, "n", "n"]
values = { n = 16 }
network = { type = "Sequential", layers = [ { type = "MaxPool2d", kernel_size = 2 } ] }
[[question]]
id = "c"
kind = "network"
input = [2, 8, 8]
[question.network]
type = "Sequential"
layers = [ { type = "Conv2d", in_channels = 2, out_channels = 1, kernel_size = 3 } ]
''')
    code, out, _ = run_cli(capsys, path, "--json")
    assert code == 0 and json.loads(out)["output_shape"] == [1, 8, 8]
    code, out, _ = run_cli(capsys, path, "--question", "c", "--json")
    assert code == 0 and json.loads(out)["output_shape"] == [1, 6, 6]
    code, _, err = run_cli(capsys, path, "--question", "zz")
    assert code == 2 and "question 'zz'" in err


@pytest.mark.skipif(not (DERIVATIONS / "aimed_cnn_2020.toml").exists(),
                    reason="seed 004's question file is not in this checkout")
def test_cli_on_seed004_question_file(capsys):
    code, out, _ = run_cli(capsys, DERIVATIONS / "aimed_cnn_2020.toml", "--json", "--memory",
                           "12GiB")
    assert code == 0 and json.loads(out)["max_batch"]["batch"] == 768


@pytest.mark.parametrize("args,message", [
    (["nope.toml"], "no such file"),
    (["{bad}", "--input", "1,8,8"], "not valid TOML"),
    (["{noinput}"], "no input shape"),
    (["{noinput}", "--input", "1,8,8", "--memory", "lots"], "not a memory size"),
])
def test_cli_errors_exit_2_with_one_line(capsys, tmp_path, args, message):
    (tmp_path / "bad.toml").write_text("[network\n")
    (tmp_path / "noinput.toml").write_text(
        '[network]\ntype = "Sequential"\nlayers = [ { type = "ReLU" } ]\n')
    args = [a.format(bad=tmp_path / "bad.toml", noinput=tmp_path / "noinput.toml") for a in args]
    code, _, err = run_cli(capsys, *args)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
