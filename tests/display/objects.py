"""One of every result object the REPL shows, symbolic and numeric (shared by the display tests)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy as sp

import symconv as S


def _symbolic_conv() -> Any:
    layer = S.Conv2d("c_i", "c_o", ("k_h", "k_w"), stride=("s_h", "s_w"), padding=("p_h", "p_w"))
    return S.analyze(layer, ("c_i", "h", "w"), batch="B")


def _net(shape: Any) -> Any:
    net = S.Sequential(S.Conv2d(3, 16, 3, padding=1), S.ReLU(), S.MaxPool2d(2),
                       S.Residual([S.Conv2d(16, 16, 3, padding=1), S.BatchNorm2d(16)]),
                       S.Conv2d(16, 32, 3, stride=2, padding=1), S.AdaptiveAvgPool2d(1),
                       S.Flatten(), S.Linear(32, 10))
    return S.analyze(net, shape)


def _budget() -> Any:
    return _net((3, 64, 64)).max_batch("8GiB", policy="training")


OBJECTS: dict[str, Callable[[], Any]] = {
    "layer, symbolic conv": _symbolic_conv,
    "layer, numeric conv": lambda: S.analyze(S.Conv2d(64, 128, 3, padding=1), (64, 256, 256)),
    "layer, max pool with padding": lambda: S.analyze(S.MaxPool2d(3, stride=2, padding=1),
                                                      ("c", "h", "w")),
    "layer, transposed conv": lambda: S.analyze(S.ConvTranspose2d("c", "c", "k", stride="s"),
                                                ("c", "h", "w")),
    "layer, substituted": lambda: _symbolic_conv().subs(c_i=3, c_o=8, k_h=3, k_w=3, s_h=2, s_w=2,
                                                        p_h=1, p_w=1, h=32, w=32, B=4),
    "memory": lambda: _symbolic_conv().memory,
    "backward of a layer": lambda: _symbolic_conv().backward,
    "network, symbolic": lambda: _net((3, "h", "w")),
    "network, numeric": lambda: _net((3, 64, 64)),
    "network totals": lambda: _net((3, "h", "w")).total,
    "network row": lambda: _net((3, "h", "w")).layers[0],
    "receptive field": lambda: _net((3, "h", "w")).layers[4].receptive_field,
    "gradient variance": lambda: S.gradient_variance(S.Conv2d(1, 1, "k", padding="p"),
                                                     (1, "n", "n")),
    "composition of three": lambda: S.compose(S.Conv2d(1, 4, 3), S.Conv2d(4, 4, 3, stride=2),
                                              S.Conv2d(4, 1, 3, padding=1)),
    "conv backward": lambda: S.conv_backward(S.Conv2d(2, 4, 3, stride=2, padding=1, groups=2),
                                             (2, 5, 5), batch=2),
    "max pool backward": lambda: S.pool_backward(S.MaxPool2d(2), (1, 4, 4)),
    "avg pool backward": lambda: S.pool_backward(S.AvgPool2d(2), (1, 4, 4)),
    "batch budget": _budget,
    "decomposition": lambda: S.decompose(sp.Matrix([[1, 2, 1], [2, 4, 2], [1, 2, 1]]), (2, 2)),
    "no decomposition": lambda: S.decompose(sp.Matrix([[0, 1, 0], [1, -4, 1], [0, 1, 0]]),
                                            (2, 2)),
    "mlp symmetry": lambda: S.mlp_symmetry(3, "tanh"),
    "worked: filter": lambda: S.solve_filter_1d([1, 4, 0, -2, 3], [-2, 2, 11]),
    "worked: scatter": lambda: S.transposed_conv_scatter([[-1, 2], [3, 1]], [[1, -1], [0, 1]]),
    "steps: conv backward": lambda: S.conv_backward(S.Conv2d(1, 2, 3, padding=1),
                                                    (1, 4, 4)).steps(),
    "steps: pool backward": lambda: S.pool_backward(S.AvgPool2d(2), (1, 4, 4)).steps(),
    "steps: variance": lambda: S.gradient_variance(S.Conv2d(1, 2, 3, padding=1), (1, 5, 5),
                                                   2).steps(),
    "steps: composition": lambda: S.compose(S.Conv2d(1, 2, 3, stride=2),
                                            S.Conv2d(2, 1, 2, padding=1), S.Conv2d(1, 1, 2),
                                            input_shape=(1, 11, 11)).steps(),
    "steps: decomposition": lambda: S.decompose(sp.Matrix([[1, 2, 1], [2, 4, 2], [1, 2, 1]]),
                                                (2, 2)).steps(),
    "steps: worked": lambda: S.padded_convolution([[1, 2, 3], [4, 5, 6], [7, 8, 9]],
                                                  [[1, 1], [1, 1]]).steps(),
    "steps: budget": lambda: _budget().steps(),
    "steps: symmetry": lambda: S.mlp_symmetry(2, "tanh").steps(),
    "summary, symbolic": lambda: S.summary(
        S.Sequential(S.Conv2d(3, 8, 3, padding=1), S.MaxPool2d(2),
                     S.Residual([S.Conv2d(8, 8, 3, padding=1)]), S.Conv2d(8, 16, 3, stride=2)),
        ("B", 3, "h", "w"), verbose=0, depth=2,
        col_names=("input_size", "output_size", "num_params", "params_percent", "kernel_size",
                   "mult_adds", "trainable", "macs", "flops", "activations", "receptive_field")),
    "summary, numeric": lambda: S.summary(S.Conv2d(3, 8, 3), (16, 3, 32, 32), verbose=0),
}
