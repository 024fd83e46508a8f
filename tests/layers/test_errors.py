"""Bad layer input gets a clear error naming the problem, not a traceback from deep inside."""

from __future__ import annotations

import pytest

import symconv
from symconv.cli import main
from symconv.layers import LayerError


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: symconv.analyze(symconv.Conv2d(3, 8, 7), (3, 5, 5)), "larger than the padded input"),
        (lambda: symconv.Conv2d(6, 8, 3, groups=4), "groups=4 does not divide in_channels=6"),
        (lambda: symconv.Conv2d(4, 6, 3, groups=4), "does not divide out_channels=6"),
        (lambda: symconv.Conv2d(3, 8, -3), "kernel_size must be a positive integer"),
        (lambda: symconv.Conv2d(3, 8, 3, padding=-1), "padding must be a non-negative integer"),
        (lambda: symconv.Conv2d(3, 8, 3, stride=0), "stride must be a positive integer"),
        (lambda: symconv.analyze(symconv.Conv2d(3, 8, 3), (3, -4, 5)), "positive integer"),
        (lambda: symconv.analyze(symconv.Conv2d(3, 8, 3), (4, 9, 9)), "in_channels=3"),
        (lambda: symconv.analyze(symconv.Conv2d(3, 8, 3), (3, 9)), "expects an input"),
        (lambda: symconv.Conv2d(3, 8, (3, 3, 3)), "kernel_size needs 2 values"),
        (lambda: symconv.Conv2d(3, 8, 3, stride=2, padding="same"), "'same' is not supported"),
        (lambda: symconv.MaxPool2d(2, padding=2), "at most half the kernel"),
        (lambda: symconv.analyze(symconv.Linear(10, 2), (11,)), "in_features=10"),
        (lambda: symconv.ConvTranspose2d(1, 1, 3, stride=2, output_padding=2), "output_padding"),
        (lambda: symconv.Conv2d(3, 8, "2k"), "not a symbol name"),
    ],
)
def test_bad_layers_raise_clear_errors(build, message):
    with pytest.raises((LayerError, ValueError)) as info:
        build()
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["layer", "conv2d", "--input", "3,5,5", "--out-channels", "4", "--kernel-size", "7"],
         "larger than the padded input"),
        (["layer", "conv2d", "--input", "6,9,9", "--out-channels", "4", "--kernel-size", "3",
          "--groups", "4"], "does not divide"),
        (["layer", "conv2d", "--input", "3,-9,9", "--out-channels", "4", "--kernel-size", "3"],
         "positive integer"),
        (["layer", "conv9d", "--input", "3,9,9"], "unknown layer kind"),
        (["layer", "maxpool2d", "--input", "3,9,9", "--kernel-size", "2", "--out-channels", "3"],
         "MaxPool2d does not take --out-channels"),
        (["layer", "conv2d", "--input", "3,9,9", "--out-channels", "4", "--kernel-size", "3",
          "--set", "h"], "NAME=VALUE"),
        (["layer", "conv2d", "--input", "3,9,9", "--out-channels", "4", "--kernel-size", "3;rm"],
         "neither an integer nor a symbol name"),
    ],
)
def test_cli_reports_errors_in_one_line(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err and err.count("\n") == 1


def test_cli_rejects_unknown_option(capsys):
    # main returns argparse's status instead of raising SystemExit (in-process callers, tests)
    assert main(["layer", "conv2d", "--input", "3,9,9", "--kernel", "3"]) == 2
    err = capsys.readouterr().err
    assert "unrecognized arguments" in err and err.count("\n") == 1
