"""Worked numerics the seeds ask for, each derived from the layer definitions.

* :func:`solve_filter_1d` -- the filter that maps an input to a given output:
  the forward definition ``y[o] = sum_t w[t] x[o*s + t*d - p]`` with unknown
  ``w`` is a linear system, solved exactly (seed 003 3(b)).
* :func:`transposed_conv_scatter` -- a transposed convolution as a scatter-add:
  every input entry adds ``x[i,j] * K`` at ``(i*s, j*s)`` (seed 003's 2x2 example).
* :func:`padded_convolution` -- zero-pad a matrix, correlate, every entry as a sum
  (seed 003 4(d)(i)); the output size comes from the window formula.
* :func:`stack_receptive_field` -- receptive field of stacked (dilated)
  convolutions as the span of their composition (seed 003 4(d)(ii)).

Every example returns a :class:`Worked` with ``.result`` and ``.steps()``.

Examples
--------
>>> solve_filter_1d([1, 4, 0, -2, 3], [-2, 2, 11]).result
(2, -1, 3)
>>> transposed_conv_scatter([[-1, 2], [3, 1]], [[1, -1], [0, 1]]).result
Matrix([
[-1,  3, -2],
[ 3, -3,  1],
[ 0,  3,  1]])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from symconv.calculus.checks import array_check, torch_or_none
from symconv.layers.conv import Conv1d
from symconv.solution import Calculation, Check, Equation, Text
from symconv.symbols import sym
from symconv.window import Window1d


@dataclass(frozen=True)
class Worked:
    """A worked example: its result and the steps that derive and check it."""

    name: str
    result: Any
    _steps: tuple[Any, ...] = field(repr=False, default=())
    _checks: Callable[[], list[Any]] | None = field(repr=False, default=None)

    def steps(self, check: bool = True) -> list[Any]:
        """Answer-key steps; ``check`` runs the independent checks (loops, torch)."""
        from symconv.display.steps import Steps

        return Steps(list(self._steps) + (self._checks() if check and self._checks else []),
                     title=self.name.replace("_", " "))

    def _repr_html_(self) -> str:
        from symconv.display.worked import worked_html

        return worked_html(self)

    def __str__(self) -> str:
        from symconv.display.worked import worked_text

        return worked_text(self)

    __repr__ = __str__


def _entries(values: Sequence[Any]) -> list[sp.Expr]:
    return [sp.nsimplify(v, rational=True) if isinstance(v, float) else sp.sympify(v)
            for v in values]


def solve_filter_1d(x: Sequence[Any], y: Sequence[Any], k: int | None = None, stride: int = 1,
                    padding: int = 0, dilation: int = 1) -> Worked:
    """The 1-d filter ``w`` (correlation, as torch) with ``conv(x, w) = y``, solved exactly."""
    xs, ys = _entries(x), _entries(y)
    n, m = len(xs), len(ys)
    if k is None:
        ks = sym("k")
        sols = sp.solve(sp.Eq(Window1d(ks, stride, padding, padding, dilation).output_size(n), m),
                        ks)
        if len(sols) != 1 or not sols[0].is_Integer or sols[0] < 1:
            raise ValueError(f"no single kernel size maps {n} inputs to {m} outputs here")
        k = int(sols[0])
    from symconv.calculus.backward import conv_backward

    layer = Conv1d(1, 1, k, stride=stride, padding=padding, dilation=dilation, bias=False)
    bw = conv_backward(layer, (1, n))
    if layer.output_shape((1, n))[1] != m:
        raise ValueError(f"a kernel of size {k} gives {layer.output_shape((1, n))[1]} outputs, "
                         f"not {m}")
    unknowns = sp.symbols(f"w_0:{k}")
    w_ix = {sp.IndexedBase("w")[0, 0, t]: unknowns[t] for t in range(k)}
    x_ix = sp.IndexedBase("x")
    o = [s for s in bw.forward.lhs.indices][2]
    b, f = bw.forward.lhs.indices[:2]
    equations = []
    for oo in range(m):
        rhs = bw.forward.rhs.xreplace({o: oo, b: 0, f: 0}).doit()
        rhs = rhs.replace(lambda e: isinstance(e, sp.Indexed) and e.base == x_ix,
                          lambda e: xs[int(e.indices[2])] if 0 <= e.indices[2] < n else 0)
        equations.append((rhs.xreplace(w_ix), ys[oo]))
    solution = sp.linsolve([a - b for a, b in equations], unknowns)
    steps: list[Any] = [
        Text(f"Unknown filter $w$ of size {k} (correlation, as torch: "
             "$y_o = \\sum_t w_t x_{o s + t d - p}$); one equation per output:"),
        *(Equation(a, b, label=f"$o = {oo}$:") for oo, (a, b) in enumerate(equations)),
    ]
    if not solution:
        return Worked("solve_filter_1d", None, tuple(steps + [Text("The system has no solution.")]))
    (sol,) = tuple(solution)
    unique = not any(v.free_symbols for v in sol)
    steps += [Equation(sp.Matrix(unknowns).T, sp.Matrix([list(sol)]),
                      label="unique solution" if unique else "solutions (a family)")]
    if unique:
        flipped = ", ".join(sp.latex(v) for v in reversed(sol))
        steps.append(Text("In the true-convolution convention (kernel flipped) the same data "
                          f"give $({flipped})$."))

    def checks() -> list[Any]:
        if not unique:
            return []
        from symconv.oracles.bruteforce import conv_nd

        got, _ = conv_nd(np.array(xs, dtype=float)[None, None],
                         np.array(sol, dtype=float)[None, None],
                         stride=(stride,), padding=(padding,), dilation=(dilation,))
        return [array_check("re-convolving $x$ with the solved filter gives $y$",
                            "explicit loops", np.array(ys, dtype=float),
                            got[0, 0])]

    return Worked("solve_filter_1d", tuple(sol) if unique else sol, tuple(steps), checks)


def _as_matrix(a: Any) -> sp.Matrix:
    return sp.Matrix([_entries(row) for row in (a.tolist() if hasattr(a, "tolist") else a)])


def _sum_display(terms: list[tuple[sp.Expr, sp.Expr]]) -> sp.Expr:
    """``a*b + c*d + ...`` kept unevaluated, so a step shows every product."""
    if not terms:
        return sp.Integer(0)
    return sp.Add(*(sp.Mul(a, b, evaluate=False) for a, b in terms), evaluate=False)


def transposed_conv_scatter(x: Any, K: Any, stride: int = 1, padding: int = 0) -> Worked:
    """2-d transposed convolution (torch's ``ConvTranspose2d``) as an explicit scatter-add."""
    X, W = _as_matrix(x), _as_matrix(K)
    win = [Window1d(W.shape[a], stride, padding, padding) for a in (0, 1)]
    size = [int(win[a].transposed_output_size(X.shape[a])) for a in (0, 1)]
    full = [(X.shape[a] - 1) * stride + W.shape[a] for a in (0, 1)]
    k, ps, s_ = sym("k"), sym("p"), sym("s")
    general = Window1d(k, s_, ps, ps)
    steps: list[Any] = [
        Text("A transposed convolution scatters: input entry $x_{i,j}$ adds $x_{i,j} K$ to the "
             "output block starting at $(i s, j s)$. The output size along each axis is"),
        Calculation("H_out", general.transposed_output_size(sym("h")),
                    {"h": X.shape[0], "k": W.shape[0], "s": stride, "p": padding}),
        Calculation("W_out", general.transposed_output_size(sym("w")),
                    {"w": X.shape[1], "k": W.shape[1], "s": stride, "p": padding}),
        Text(f"so the output is ${size[0]} \\times {size[1]}$"
             + (f" (the scatter's ${full[0]} \\times {full[1]}$ cropped by {padding} on each "
                "side)" if padding else "") + ". The placed blocks:"),
    ]
    buf = sp.zeros(*full)
    terms: dict[tuple[int, int], list[tuple[sp.Expr, sp.Expr]]] = {}
    for i in range(X.shape[0]):
        for j in range(X.shape[1]):
            block = sp.zeros(*full)
            for a in range(W.shape[0]):
                for c in range(W.shape[1]):
                    r, q = i * stride + a, j * stride + c
                    block[r, q] = X[i, j] * W[a, c]
                    terms.setdefault((r, q), []).append((X[i, j], W[a, c]))
            buf += block
            steps.append(Equation(sp.Symbol(f"x_{{{i},{j}}} K"), X[i, j] * W,
                                  label=f"at $({i * stride}, {j * stride})$:"))
    out = buf[padding:padding + size[0], padding:padding + size[1]]
    display = sp.Matrix(size[0], size[1], lambda r, q: _sum_display(
        terms.get((r + padding, q + padding), [])))
    steps += [Text("Adding the placed blocks entry by entry:"),
              Equation(sp.Symbol("Y"), display, out)]

    def checks() -> list[Any]:
        from symconv.oracles.bruteforce import conv_transpose_nd

        xa = np.array(X.tolist(), dtype=float)[None, None]
        wa = np.array(W.tolist(), dtype=float)[None, None]
        ref, _ = conv_transpose_nd(xa, wa, stride=(stride, stride), padding=(padding, padding))
        got = np.array(out.tolist(), dtype=float)
        found = [array_check("scatter-add result", "explicit loops",
                             ref[0, 0], got)]
        torch = torch_or_none()
        if torch is not None:
            t = torch.nn.functional.conv_transpose2d(torch.tensor(xa), torch.tensor(wa),
                                                     stride=stride, padding=padding)
            found.append(array_check("scatter-add result", "torch ConvTranspose2d",
                                     t[0, 0].numpy(), got))
        return found

    return Worked("transposed_conv_scatter", out, tuple(steps), checks)


def padded_convolution(M: Any, K: Any, padding: int = 1, stride: int = 1) -> Worked:
    """Zero-pad ``M`` by ``padding`` and correlate with ``K`` (as torch ``conv2d``)."""
    A, W = _as_matrix(M), _as_matrix(K)
    p = padding
    P = sp.zeros(A.shape[0] + 2 * p, A.shape[1] + 2 * p)
    P[p:p + A.shape[0], p:p + A.shape[1]] = A
    win = [Window1d(W.shape[a], stride, p, p) for a in (0, 1)]
    size = [int(win[a].output_size(A.shape[a])) for a in (0, 1)]
    entries: dict[tuple[int, int], list[tuple[sp.Expr, sp.Expr]]] = {}
    for r in range(size[0]):
        for q in range(size[1]):
            entries[(r, q)] = [(W[a, c], P[r * stride + a, q * stride + c])
                               for a in range(W.shape[0]) for c in range(W.shape[1])]
    out = sp.Matrix(size[0], size[1], lambda r, q: sum(a * b for a, b in entries[(r, q)]))
    display = sp.Matrix(size[0], size[1], lambda r, q: _sum_display(
        [(a, b) for a, b in entries[(r, q)] if a != 0 and b != 0]))
    k, ps, s = sym("k"), sym("p"), sym("s")
    general = Window1d(k, s, ps, ps)
    steps: list[Any] = [
        Equation(sp.Symbol("M'"), P, label=f"Zero-padded by {p}:"),
        Calculation("H_out", general.output_size(sym("h")),
                    {"h": A.shape[0], "p": p, "k": W.shape[0], "s": stride}),
        Calculation("W_out", general.output_size(sym("w")),
                    {"w": A.shape[1], "p": p, "k": W.shape[1], "s": stride}),
        Text(f"So the output is ${size[0]} \\times {size[1]}$. Each entry is the sum of the "
             "kernel times the window it covers (products with a zero are left out):"),
        Equation(sp.Symbol("Y"), display, out),
    ]

    def checks() -> list[Any]:
        from symconv.oracles.bruteforce import conv_nd

        xa = np.array(A.tolist(), dtype=float)[None, None]
        wa = np.array(W.tolist(), dtype=float)[None, None]
        ref, _ = conv_nd(xa, wa, stride=(stride, stride), padding=(p, p))
        got = np.array(out.tolist(), dtype=float)
        found = [array_check("padded convolution", "explicit loops", ref[0, 0], got)]
        torch = torch_or_none()
        if torch is not None:
            t = torch.nn.functional.conv2d(torch.tensor(xa), torch.tensor(wa), stride=stride,
                                           padding=p)
            found.append(array_check("padded convolution", "torch conv2d", t[0, 0].numpy(), got))
        return found

    return Worked("padded_convolution", out, tuple(steps), checks)


def stack_receptive_field(*layers: Any) -> Worked:
    """Receptive field of stacked convolutions: the span of their single composed layer."""
    from symconv.calculus.compose import compose, compose_axis
    from symconv.calculus.compose_steps import GENERAL, axis_values

    if not layers:
        raise ValueError("stack_receptive_field needs at least one layer")
    steps: list[Any] = [Text("The stack is linear in its input (activations do not change "
                             "which inputs an output depends on), so its receptive field is the "
                             "effective kernel of the composed layer, composed two at a time:")]
    single = layers[0]
    for nxt in layers[1:]:
        c = compose(single, nxt)
        steps += [Calculation("span", compose_axis(*GENERAL).span, axis_values(c, 0),
                              result=c.axes[0].span, label=f"{single!r} then {nxt!r}")]
        single = c.layer
    spans = tuple(w.span for w in single.windows)
    steps.append(Equation(sp.Symbol("RF"), sp.Tuple(*spans), label="per spatial axis"))

    def checks() -> list[Any]:
        torch = torch_or_none()
        if torch is None or not all(sp.sympify(s).is_Integer for s in spans):
            return []
        return [_autograd_support(torch, layers, spans)]

    return Worked("stack_receptive_field", spans, tuple(steps), checks)


def _autograd_support(torch: Any, layers: Sequence[Any], spans: tuple) -> Check:
    """Extent of the input gradient of one output of the stack (all-ones weights)."""
    n = int(sum(int(s) for s in spans)) + 8
    x = torch.zeros((1, int(layers[0].in_channels), n, n), dtype=torch.float64,
                    requires_grad=True)
    y = x
    for L in layers:
        w = torch.ones((int(L.out_channels), int(L.in_channels / L.groups),
                        *(int(k) for k in L.kernel_size)), dtype=torch.float64)
        y = torch.nn.functional.conv2d(y, w, stride=tuple(int(s) for s in L.stride),
                                       padding=tuple(int(p) for p, _ in L.padding),
                                       dilation=tuple(int(d) for d in L.dilation),
                                       groups=int(L.groups))
    y[0, 0, y.shape[2] // 2, y.shape[3] // 2].backward()
    support = (x.grad[0].abs().sum(0) > 0).nonzero()
    extent = tuple(int(support[:, a].max() - support[:, a].min() + 1) for a in (0, 1))
    return Check("receptive field", "torch autograd: input-gradient support of one output",
                 sp.Tuple(*spans), sp.Tuple(*extent), extent == tuple(int(s) for s in spans))


__all__ = ["Worked", "padded_convolution", "solve_filter_1d", "stack_receptive_field",
           "transposed_conv_scatter"]
