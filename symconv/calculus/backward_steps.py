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


def conv_backward_steps(bw: Any, check: bool = True) -> list[Any]:
    """Steps of :meth:`ConvBackward.steps`."""
    layer = bw.layer
    s: list[Any] = [
        Text(f"Forward definition of {layer!r} (cross-correlation, as torch). Tensors are read "
             "as 0 outside their index range: that is the zero padding of $x$, and below it "
             "also makes $dy$ at a non-integer position 0."),
        eq(bw.forward),
        Text("Chain rule with $dy = \\partial L/\\partial y$; SymPy differentiates the "
             "definition, which leaves Kronecker deltas:"),
        eq(bw.chain_weight),
        Text("Summing over each delta sets its index (every index lies in its range):"),
        eq(bw.grad_weight),
        Text("So the weight gradient is the input correlated with $dy$: a sum over the batch "
             "and all output positions."),
        eq(bw.chain_input),
        Text("Solving the position delta for the output index $o = (i + p - t d)/s$ leaves "
             "$dy$ read at a fraction when $s > 1$: that is $dy$ dilated by the stride "
             "(zeros between samples)."),
        eq(bw.grad_input),
        Text("Re-index $t = k - 1 - u$ (same taps, reversed) and name the dilated gradient "
             "and the flipped kernel:"),
        *(eq(d, "definition") for d in bw.definitions),
        eq(bw.grad_input_full),
        Text("This is a stride-1 correlation of the stride-dilated $dy$ with the flipped "
             "kernel, $dy$ padded by $d(k-1) - p$: the 'full' convolution."),
    ]
    if bw.grad_bias is not None:
        s += [Text("The bias enters every output position of its channel once:"), eq(bw.grad_bias)]
    if check:
        s += _checks(bw)
    return s


def _checks(bw: Any) -> list[Any]:
    from symconv.calculus.backward import conv_backward, is_numeric_layer
    from symconv.calculus.checks import LOOP_BUDGET, loop_cost, small_copy
    from symconv.oracles import bruteforce

    layer = bw.layer
    if not is_numeric_layer(layer, bw.input_shape) or not bw.batch.is_Integer:
        return [Text("(The numeric checks need a layer with numbers; substitute values first.)")]
    notes: list[Any] = []
    if loop_cost(layer, bw.input_shape, bw.batch) > LOOP_BUDGET:
        layer, shape = small_copy(layer, bw.input_shape)
        bw = conv_backward(layer, shape, 1)
        notes.append(Text(f"(Checks run on a small instance with the same kernel, stride, "
                          f"padding, dilation and groups: {layer!r} on input {shape}.)"))
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
    out: list[Any] = notes + [array_check("grad_weight formula", "explicit loops (bruteforce)",
                                  ref, got["grad_weight"])]
    # Adjoint identity: <dy, conv(x)> = <grad_input, x> for the linear map x -> conv(x).
    lhs, rhs = float(np.sum(dy * y)), float(np.sum(got["grad_input"] * x))
    out.append(Check("grad_input is the adjoint of the convolution",
                     "explicit-loop convolution, <dy, conv(x)> = <dx, x>",
                     sp.Integer(round(lhs)), sp.Integer(round(rhs)), lhs == rhs))
    out.append(array_check("flipped-kernel form equals the scatter form", "evaluation",
                           got["grad_input"], got["grad_input_full"]))
    torch = torch_or_none()
    if torch is not None:
        out += _torch_checks(torch, layer, x, w, dy, conv, got)
    return out


def _torch_checks(torch, layer, x, w, dy, conv, got) -> list[Check]:
    fn = {1: torch.nn.functional.conv1d, 2: torch.nn.functional.conv2d,
          3: torch.nn.functional.conv3d}[x.ndim - 2]
    xt = torch.tensor(x, requires_grad=True)
    wt = torch.tensor(w, requires_grad=True)
    fn(xt, wt, None, **conv).backward(torch.tensor(dy))
    return [
        array_check("grad_input formula", "torch autograd", xt.grad.numpy(), got["grad_input"]),
        array_check("grad_weight formula", "torch autograd", wt.grad.numpy(),
                    got["grad_weight"]),
    ]
