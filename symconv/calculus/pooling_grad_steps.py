"""Answer-key steps for :func:`symconv.calculus.pooling_grad.pool_backward`, with checks.

The gradient formula is evaluated on integer inputs and compared with

* explicit loops: the input gradient computed entry by entry as a difference
  quotient of the loop oracle's pooling (``x_i`` raised by 1/2; exact here:
  average pooling is linear and, with distinct integer inputs, a maximum moves
  only if the raised entry is the maximum);
* torch autograd on the same pooling (when torch is installed).

Examples
--------
>>> from symconv import MaxPool2d
>>> from symconv.calculus.pooling_grad import pool_backward
>>> steps = pool_backward(MaxPool2d(2), (1, "h", "w")).steps()
>>> [c.passed for c in steps if type(c).__name__ == "Check"][:1]
[True]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from symconv.solution import Check, Equation, Text


def pool_backward_steps(pb: Any, check: bool = True) -> list[Any]:
    """Steps of :meth:`PoolBackward.steps`."""
    from symconv.calculus.backward import X
    from symconv.calculus.indexing import index
    from symconv.notation.describe import sentence
    from symconv.notation.latex import latex
    from symconv.notation.transform import tidy

    shapes = dict(pb.shapes)
    for name in ("a", "a_h", "a_w", "a_d"):
        shapes[name] = shapes["dy"]
    free = {"x": pb.free["x"], "x'": tuple(index(f"{v.name}'") for v in pb.free["x"])}
    shapes["x'"] = shapes["x"]

    def show(e: Any, label: str = "") -> Equation:
        return Equation(tidy(e.lhs, shapes, free), tidy(e.rhs, shapes, free), label=label)

    what = "maximum" if pb.kind == "max" else "average"
    words = sentence(pb.layer)
    s: list[Any] = [Text(f"{words[0].upper() + words[1:]} takes the {what} of each window.")]
    for d in pb.definitions:  # the arg-max taps: a definition, not a formula to evaluate
        pair = ", ".join(latex(tidy(a, shapes, free)) for a in d.lhs.args)
        window, taps = d.rhs.args
        s.append(Text(f"Call $({pair})$ the tap of the window with the largest input: "
                      f"$({pair}) = \\operatorname{{argmax}}_{{({', '.join(latex(t) for t in taps.args)})}}"
                      f" {latex(tidy(window, shapes, free))}$. Then"))
    s += [show(pb.forward), Text("Chain rule (SymPy's derivative of the definition):"),
          show(pb.chain_input), Text("Summing over the deltas that can be solved:"),
          show(pb.grad_input)]
    if pb.kind == "max":
        s.append(Text("The derivative of a maximum is 1 for the arg-max of the window and 0 for "
                      "the other inputs: each output gradient $dy$ is copied to the arg-max of "
                      "its window (added where windows overlap and share it), every other input "
                      "gets 0."))
    else:
        # Local derivative of the first output w.r.t. an input of its window (not padding).
        first = {v: 0 for v in pb.free["o"]}
        y0 = pb.forward.rhs.xreplace(first)
        x0 = X[(*pb.free["x"][:2], *(p for p in pb.layer.padding))]
        local = sp.diff(y0, x0)
        lhs = sp.Derivative(pb.forward.lhs.xreplace(first), x0, evaluate=False)
        size = sp.Mul(*(sp.sympify(k) for k in pb.layer.kernel_size))
        dims = " \\times ".join(latex(sp.sympify(k)) for k in pb.layer.kernel_size)
        n = latex(size)
        count = f"${dims} = {n}$" if len(pb.layer.kernel_size) > 1 else f"${n}$"
        s += [Equation(tidy(lhs, shapes, free), tidy(local, shapes, free), local.doit()),
              Text(f"Each input of a window receives $dy/{n}$: the upstream gradient divided by "
                   f"the {count} inputs of the window. Writing $y/{n}$ (the output value) "
                   f"would be wrong: the chain rule multiplies the local derivative $1/{n}$ by "
                   "$dy$.")]
    if check:
        s += _checks(pb)
    return s


def _checks(pb: Any) -> list[Check]:
    from dataclasses import replace

    from symconv.calculus.checks import array_check, torch_or_none
    from symconv.calculus.example_steps import numeric_example
    from symconv.calculus.pooling_grad import pool_backward
    from symconv.oracles import bruteforce

    layer, shape, instance = pb.layer, pb.input_shape, ""
    numeric = all(sp.sympify(v).is_Integer for v in (*shape, *layer.kernel_size,
                                                      *layer.stride, *layer.padding))
    if not numeric:
        layer, shape, values = numeric_example(layer, shape)
        instance = ", ".join(f"${sp.latex(sp.Symbol(k))} = {v}$" for k, v in values.items())
    shape = tuple(int(v) for v in shape)
    if numeric and np.prod(shape) > 400:
        return []
    pb = pool_backward(layer, shape)
    rng = np.random.default_rng(0)
    size = int(np.prod(shape))
    x = rng.permutation(size).astype(float).reshape((1, *shape)) * 2  # distinct, 2 apart
    out = (1, *(int(v) for v in layer.output_shape(shape)))
    dy = rng.integers(-3, 4, out).astype(float)
    formula = pb.evaluate(x, dy)["grad_input"]
    kernel = tuple(int(k) for k in layer.kernel_size)
    args = dict(stride=tuple(int(v) for v in layer.stride),
                padding=tuple(int(v) for v in layer.padding))

    def pool(a: np.ndarray) -> np.ndarray:
        if pb.kind == "max":
            return bruteforce.max_pool_nd(a, kernel, **args)[0]
        return bruteforce.avg_pool_nd(a, kernel, **args)[0]

    base = pool(x)
    loops = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        bumped = x.copy()
        bumped[index] += 0.5
        loops[index] = float(np.sum(dy * (pool(bumped) - base))) / 0.5
    checks = [array_check("input-gradient formula", "explicit loops, a difference quotient "
                          "per input", loops, formula)]
    torch = torch_or_none()
    if torch is not None:
        fn = torch.nn.functional.max_pool2d if pb.kind == "max" else \
            torch.nn.functional.avg_pool2d
        xt = torch.tensor(x, requires_grad=True)
        fn(xt, kernel, **args).backward(torch.tensor(dy))
        checks.append(array_check("input-gradient formula", "torch autograd", xt.grad.numpy(),
                                  formula))
    return [replace(c, instance=instance) for c in checks]
