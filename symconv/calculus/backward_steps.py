"""Answer-key steps for the backward pass of a convolution (see :mod:`.backward`).

The derivation reads as by hand: definition, chain rule with the derivative
SymPy took (Kronecker deltas), the sums over the deltas carried out, the
re-indexing that shows the flipped kernel, then checks on a small instance
against explicit loops (and torch autograd when installed).

Examples
--------
>>> from symconv import Conv1d
>>> from symconv.calculus.backward import conv_backward
>>> steps = conv_backward(Conv1d(1, 1, 2), (1, 4)).steps()
>>> [type(s).__name__ for s in steps][:3]
['Text', 'Equation', 'Text']
>>> all(s.passed for s in steps if type(s).__name__ == "Check")
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from symconv.calculus.checks import array_check, small_ints, torch_or_none
from symconv.solution import Check, Equation, Text


def eq(e: sp.Eq, label: str = "") -> Equation:
    """A SymPy ``Eq`` as an answer-key :class:`~symconv.solution.Equation`."""
    return Equation(e.lhs, e.rhs, label=label)


def _display(bw: Any) -> Any:
    """The rewrite every shown formula gets: one-value sums dropped, size-one axes squeezed."""
    from symconv.calculus.indexing import index
    from symconv.notation.transform import tidy

    free = dict(bw.free)
    # the chain rule differentiates with respect to primed copies of the free indices
    free["w'"] = tuple(index(f"{s.name}'") for s in bw.free["w"])
    free["x'"] = tuple(index(f"{s.name}'") for s in bw.free["x"])
    shapes = dict(bw.shapes)
    shapes["w'"], shapes["x'"] = shapes["w"], shapes["x"]
    unit_stride = all(sp.sympify(s) == 1 for s in bw.layer.stride)

    def show(e: sp.Eq, label: str = "") -> Equation:
        lhs, rhs = tidy(e.lhs, shapes, free), tidy(e.rhs, shapes, free)
        if unit_stride:  # with stride 1 the dilated gradient is the gradient itself
            from symconv.calculus.backward import DY, DY_UP

            lhs, rhs = lhs.xreplace({DY_UP: DY}), rhs.xreplace({DY_UP: DY})
        return Equation(lhs, rhs, label=label)

    return show


def _full_padding(layer: Any) -> str:
    """The padding of the 'full' convolution, ``d(k - 1) - p`` per axis, with the layer's own
    numbers or names (``2`` for a 3x3 kernel without padding)."""
    from symconv.notation.latex import latex

    pads = [sp.sympify(d) * (sp.sympify(k) - 1) - sp.sympify(left)
            for k, d, (left, _) in zip(layer.kernel_size, layer.dilation, layer.padding,
                                       strict=True)]
    shown = [f"${latex(e)}$" for e in pads]
    if len(set(shown)) == 1:
        return shown[0] + (" on each side" if all(e.is_number for e in pads) else "")
    return " and ".join(shown) + " (one per axis)"


def conv_backward_steps(bw: Any, check: bool = True, parts: Any = ("weight", "input"),
                        detail: str = "full") -> list[Any]:
    """Steps of :meth:`ConvBackward.steps`.

    ``parts``: which gradients to derive (``"weight"``, ``"input"``); ``detail``:
    ``"full"`` shows the chain rule with SymPy's Kronecker deltas and the sums
    over them, ``"summary"`` the forward definition and the results only.
    """
    from symconv.notation.describe import sentence
    from symconv.notation.latex import tensor_tex

    show = _display(bw)
    dy, y = tensor_tex("grad_output", "dy"), tensor_tex("output", "y")
    layer = bw.layer
    unit_stride = all(sp.sympify(v) == 1 for v in layer.stride)
    s: list[Any] = [
        Text(f"Forward pass of {sentence(layer)}: a cross-correlation, as torch computes it "
             "(a tensor is 0 outside its index range, which is the zero padding):"),
        show(bw.forward),
    ]
    if "weight" in parts:
        if detail == "full":
            s += [Text(f"Chain rule with the upstream gradient ${dy} = \\partial L/\\partial {y}$; "
                       "SymPy differentiates the definition, which leaves Kronecker deltas:"),
                  show(bw.chain_weight),
                  Text("Summing over each delta sets its index (every index lies in its range):")]
        s += [show(bw.grad_weight),
              Text("So the weight gradient is the input correlated with the upstream gradient"
                   + (", summed over the batch." if sp.sympify(bw.batch) != 1 else "."))]
    if "input" in parts:
        if detail == "full":
            s += [Text("For the input gradient, the chain rule again:"), show(bw.chain_input)]
            if not unit_stride:
                s.append(Text("Solving the position delta for the output index "
                              f"$o = (i + p - t d)/s$ leaves ${dy}$ read at a fraction when "
                              f"$s > 1$: that is ${dy}$ dilated by the stride (zeros between "
                              "samples)."))
            s += [show(bw.grad_input),
                  Text("Re-index $t = k - 1 - u$ (the same taps, reversed)" +
                       ("" if unit_stride else " and name the dilated gradient") +
                       " with the flipped kernel:")]
            s += [show(d, "where") for d in bw.definitions[(1 if unit_stride else 0):]]
        s += [show(bw.grad_input_full),
              Text("The input gradient is the upstream gradient" +
                   ("" if unit_stride else " dilated by the stride,") +
                   f" padded by {_full_padding(layer)} and correlated with the flipped "
                   "kernel: a 'full' convolution.")]
    if bw.grad_bias is not None:
        s += [Text("The bias enters every output position of its channel once:"),
              show(bw.grad_bias)]
    if check:
        s += _checks(bw)
    return s


def _checks(bw: Any) -> list[Any]:
    from dataclasses import replace

    from symconv.calculus.backward import conv_backward, is_numeric_layer
    from symconv.calculus.checks import LOOP_BUDGET, loop_cost, small_copy
    from symconv.calculus.example_steps import numeric_example
    from symconv.oracles import bruteforce

    layer = bw.layer
    instance = ""
    if not is_numeric_layer(layer, bw.input_shape) or not bw.batch.is_Integer:
        layer, shape, values = numeric_example(layer, bw.input_shape)
        bw = conv_backward(layer, shape, 1)
        instance = _described(values)
    if loop_cost(layer, bw.input_shape, bw.batch) > LOOP_BUDGET:
        layer, shape = small_copy(layer, bw.input_shape)
        bw = conv_backward(layer, shape, 1)
        size = r" \times ".join(str(int(n)) for n in shape[1:])
        instance = ("a smaller instance with the same kernel, stride, padding and dilation "
                    f"(input ${size}$)")
    rng = np.random.default_rng(0)
    x = small_ints(rng, tuple(int(v) for v in (bw.batch, *bw.input_shape)))
    w = small_ints(rng, tuple(int(v) for v in bw.shapes["w"]))
    pads = tuple(int(p) for p, _ in layer.padding)
    conv: dict[str, Any] = dict(stride=tuple(int(v) for v in layer.stride), padding=pads,
                dilation=tuple(int(v) for v in layer.dilation), groups=int(layer.groups))
    y, _ = bruteforce.conv_nd(x, w, **conv)
    dy = small_ints(rng, y.shape)
    got = bw.evaluate(x, w, dy, bias=np.zeros(int(layer.out_channels)) if layer.bias else None)
    ref, _ = bruteforce.conv_grad_weight(x, dy, tuple(w.shape[2:]), **conv)
    out: list[Any] = [array_check("weight-gradient formula", "explicit loops",
                                  ref, got["grad_weight"])]
    # Adjoint identity: <dy, conv(x)> = <grad_input, x> for the linear map x -> conv(x).
    lhs, rhs = float(np.sum(dy * y)), float(np.sum(got["grad_input"] * x))
    out.append(Check("input gradient is the adjoint of the convolution",
                     "explicit loops, $\\langle dy, \\mathrm{conv}(x)\\rangle = "
                     "\\langle dx, x\\rangle$",
                     sp.Integer(round(lhs)), sp.Integer(round(rhs)), lhs == rhs))
    out.append(array_check("flipped-kernel form equals the scatter form", "evaluation",
                           got["grad_input"], got["grad_input_full"]))
    torch = torch_or_none()
    if torch is not None:
        out += _torch_checks(torch, layer, x, w, dy, conv, got)
    return [replace(c, instance=instance) for c in out]


def _described(values: dict[str, int]) -> str:
    from symconv.notation.latex import latex
    from symconv.symbols import sym

    return ", ".join(f"${latex(sym(k))} = {v}$" for k, v in values.items())


def _torch_checks(torch, layer, x, w, dy, conv, got) -> list[Check]:
    fn = {1: torch.nn.functional.conv1d, 2: torch.nn.functional.conv2d,
          3: torch.nn.functional.conv3d}[x.ndim - 2]
    xt = torch.tensor(x, requires_grad=True)
    wt = torch.tensor(w, requires_grad=True)
    fn(xt, wt, None, **conv).backward(torch.tensor(dy))
    return [
        array_check("input-gradient formula", "torch autograd", xt.grad.numpy(),
                    got["grad_input"]),
        array_check("weight-gradient formula", "torch autograd", wt.grad.numpy(),
                    got["grad_weight"]),
    ]
