"""The one sliding-window core behind convolution, pooling and transposed convolution.

Everything geometric about a layer reduces to one spatial axis at a time: a
window of ``kernel`` taps, ``dilation`` apart, slides with ``stride`` over an
input of ``n`` positions padded by ``pad_left``/``pad_right``.  Window ``i``
(0-based) touches input positions ``i*stride - pad_left + j*dilation`` for
``j = 0 .. kernel-1``.  From that one definition come

* the number of window positions (the output size), floor or ceil mode;
* the input index range each output sees (receptive-field algebra);
* how many taps land on real (non-padding) input positions, which is what
  pooling loops over;
* the transposed (scatter) geometry: output size of a transposed conv and how
  many distinct positions a scatter writes to, which fixes its exact additions.

An N-d window is a tuple of 1-d windows: every count is a product over axes,
because window positions and taps are chosen independently on each axis.

Examples
--------
>>> from symconv.symbols import sym
>>> h, k, p, s = sym("h"), sym("k_h"), sym("p_h"), sym("s_h")
>>> Window1d(kernel=k, stride=s, pad_left=p, pad_right=p).output_size(h)
floor((h - k_h + 2*p_h)/s_h) + 1
>>> Window1d(kernel=3, stride=2, pad_left=1, pad_right=1).output_size(7)
4
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symconv.symbols import is_number, to_expr


def named_latex(name: str, args: tuple, printer, exp: str | None = None) -> str:
    r"""LaTeX of a named counting function, ``\operatorname{name}(args)``, raised to ``exp``.

    >>> n, k, s = sp.symbols("n k s")
    >>> sp.latex(ScatterCoverage(n, k, s, 2) ** 2)
    '\\operatorname{cover}\\left(n, k, s, 2\\right)^{2}'
    """
    body = r"\operatorname{%s}\left(%s\right)" % (name, ", ".join(printer._print(a) for a in args))
    return body if exp is None else "%s^{%s}" % (body, exp)


class ScatterCoverage(sp.Function):
    r"""Distinct positions ``{i*s + j*d : 0<=i<n, 0<=j<k}`` written by a 1-d scatter.

    Evaluates to a number for numeric arguments and to a closed form when the
    dilation is 1 (the positions form a gap-free run unless ``s > k``).

    Examples
    --------
    >>> ScatterCoverage(3, 2, 3, 1)   # stride 3 > kernel 2: gaps, 3*2 positions
    6
    >>> ScatterCoverage(4, 3, 2, 1)   # overlapping windows: (4-1)*2 + 3
    9
    >>> ScatterCoverage(2, 2, 1, 3)   # {0, 3} and {1, 4}
    4
    """

    nargs = 4

    @classmethod
    def eval(cls, n, k, s, d):  # type: ignore[override]
        if all(a.is_Integer for a in (n, k, s, d)):
            ni, ki, si, di = (int(a) for a in (n, k, s, d))
            if di == 1:
                return sp.Integer(ni * ki if si >= ki else (ni - 1) * si + ki)
            return sp.Integer(len({i * si + j * di for i in range(ni) for j in range(ki)}))
        if d == 1:
            return sp.Piecewise((n * k, sp.Ge(s, k)), ((n - 1) * s + k, True))
        return None

    def _latex(self, printer, exp=None):  # noqa: D401 - printer hook
        return named_latex(r"cover", self.args, printer, exp)


class RealTaps(sp.Function):
    r"""Taps of all windows that land on real input positions ``0 <= x < n``.

    Arguments ``(n, k, s, d, pad_left, out)``: ``out`` windows of ``k`` taps.
    Pooling loops over exactly these taps (padding is skipped); with no padding
    and no ceil-mode overhang every tap is real and the count is ``out*k``.

    Examples
    --------
    >>> RealTaps(4, 3, 1, 1, 1, 4)    # padding 1: two taps fall on padding
    10
    """

    nargs = 6

    @classmethod
    def eval(cls, n, k, s, d, pad_left, out):  # type: ignore[override]
        if all(a.is_Integer for a in (n, k, s, d, pad_left, out)):
            ni, ki, si, di, pi, oi = (int(a) for a in (n, k, s, d, pad_left, out))
            return sp.Integer(
                sum(1 for i in range(oi) for j in range(ki) if 0 <= i * si - pi + j * di < ni)
            )
        return None

    def _latex(self, printer, exp=None):
        return named_latex(r"taps", self.args, printer, exp)


class NonEmptyWindows(sp.Function):
    r"""Windows with at least one tap on a real input position.

    Arguments as :class:`RealTaps`.  A dilated window hanging over the padding
    can miss the input entirely (torch then outputs -inf for max pooling).

    Examples
    --------
    >>> NonEmptyWindows(1, 2, 1, 2, 1, 1)   # taps at -1 and 1 around a 1-wide input
    0
    """

    nargs = 6

    @classmethod
    def eval(cls, n, k, s, d, pad_left, out):  # type: ignore[override]
        if all(a.is_Integer for a in (n, k, s, d, pad_left, out)):
            ni, ki, si, di, pi, oi = (int(a) for a in (n, k, s, d, pad_left, out))
            return sp.Integer(sum(
                1 for i in range(oi)
                if any(0 <= i * si - pi + j * di < ni for j in range(ki))
            ))
        return None

    def _latex(self, printer, exp=None):
        return named_latex(r"windows", self.args, printer, exp)


@dataclass(frozen=True)
class Window1d:
    """A window sliding along one axis (see the module docstring).

    Parameters
    ----------
    kernel, stride, dilation : sympy expressions or ints
    pad_left, pad_right : zero padding before and after the input
    ceil_mode : use ceil instead of floor for the window count (pooling)
    """

    kernel: sp.Expr
    stride: sp.Expr = sp.Integer(1)
    pad_left: sp.Expr = sp.Integer(0)
    pad_right: sp.Expr = sp.Integer(0)
    dilation: sp.Expr = sp.Integer(1)
    ceil_mode: bool = False

    def __post_init__(self) -> None:
        for name in ("kernel", "stride", "pad_left", "pad_right", "dilation"):
            object.__setattr__(self, name, to_expr(getattr(self, name), name))

    @property
    def span(self) -> sp.Expr:
        """Effective kernel extent ``d*(k-1) + 1`` (Dumoulin & Visin, relationship 15).

        >>> Window1d(kernel=3, dilation=2).span
        5
        """
        return self.dilation * (self.kernel - 1) + 1

    def output_size(self, n: sp.Expr) -> sp.Expr:
        """Number of window positions over an input of ``n`` positions.

        Floor mode: ``floor(free/stride) + 1`` with ``free = n + pads - span``.
        Ceil mode (pooling) keeps a last, partial window: ``ceiling(free/stride) + 1``,
        provided that window starts inside the input or the left padding
        (PyTorch drops it otherwise).  When ``stride <= span - pad_right`` that
        always holds; else, for a symbolic ``n``, it is the stated condition
        :meth:`last_window_starts_inside` (see :meth:`validity`), and for a
        numeric ``n`` the rule is applied.

        >>> Window1d(kernel=2, stride=2, ceil_mode=True).output_size(5)
        3
        >>> from symconv.symbols import sym
        >>> Window1d(kernel=3, stride=2, ceil_mode=True).output_size(sym("h"))
        ceiling(h/2 - 3/2) + 1
        >>> Window1d(kernel=1, stride=2, pad_left=1, pad_right=1, ceil_mode=True).output_size(3)
        2
        """
        n = to_expr(n, "n")
        free = n + self.pad_left + self.pad_right - self.span
        if not self.ceil_mode:
            return sp.floor(free / self.stride) + 1
        out = sp.ceiling(free / self.stride) + 1
        if out.is_Integer and not self.ceil_never_drops:
            start = (out - 1) * self.stride
            if start.is_Integer and (n + self.pad_left).is_Integer and start >= n + self.pad_left:
                return out - 1
        return out

    @property
    def ceil_never_drops(self) -> bool:
        """Ceil mode's last window always starts inside: ``stride <= span - pad_right``.

        ``ceiling(free/s)*s < free + s = n + pad_left + (pad_right - span + s)``, so the
        last window starts before ``n + pad_left`` whenever ``s <= span - pad_right``
        (every torchvision pool: kernel 3 or 2, stride 2, padding 0 or 1).
        """
        cond = sp.Le(self.stride, self.span - self.pad_right)
        return is_number(cond) and bool(cond)

    def last_window_starts_inside(self, n: sp.Expr) -> sp.Basic:
        """Ceil mode's condition on ``n``: the last window starts before ``n + pad_left``."""
        n = to_expr(n, "n")
        if not self.ceil_mode or self.ceil_never_drops:
            return sp.true
        out = sp.ceiling((n + self.pad_left + self.pad_right - self.span) / self.stride) + 1
        return sp.Lt((out - 1) * self.stride, n + self.pad_left)

    def first_index(self, i: sp.Expr) -> sp.Expr:
        """First input position (padding coordinates: may be negative) seen by window ``i``."""
        return self.stride * i - self.pad_left

    def last_index(self, i: sp.Expr) -> sp.Expr:
        """Last input position seen by window ``i``.

        >>> from symconv.symbols import sym
        >>> i = sp.Symbol("i")
        >>> w = Window1d(kernel=3, stride=1, pad_left=1, pad_right=1)
        >>> (w.first_index(i), w.last_index(i))
        (i - 1, i + 1)
        """
        return self.first_index(i) + self.span - 1

    def real_taps(self, n: sp.Expr) -> sp.Expr:
        """Taps, over all windows, that land on real input positions."""
        n = to_expr(n, "n")
        out = self.output_size(n)
        unpadded = self.pad_left == 0 and self.pad_right == 0
        if unpadded and not self.ceil_mode:
            # Every window lies inside the input, so every tap is real.
            return out * self.kernel
        if unpadded and self.dilation == 1 and self.ceil_never_drops and not is_number(n):
            # The floor-mode windows are whole; ceil mode adds at most one, which starts
            # inside and holds the n - (out-1)*s positions left.
            full = sp.floor((n - self.kernel) / self.stride) + 1
            return full * self.kernel + (out - full) * (n - (out - 1) * self.stride)
        return RealTaps(n, self.kernel, self.stride, self.dilation, self.pad_left, out)

    def nonempty_windows(self, n: sp.Expr) -> sp.Expr:
        """Window positions that see at least one real input position."""
        n = to_expr(n, "n")
        out = self.output_size(n)
        unpadded = self.pad_left == 0 and self.pad_right == 0
        if unpadded and (not self.ceil_mode or (self.ceil_never_drops and self.dilation == 1)):
            return out  # every window starts on a real position
        return NonEmptyWindows(n, self.kernel, self.stride, self.dilation, self.pad_left, out)

    def transposed_output_size(self, n: sp.Expr, output_padding: sp.Expr = 0) -> sp.Expr:
        """Output size of the transposed (scatter) window: the input of the window it inverts.

        >>> Window1d(kernel=3, stride=2, pad_left=1, pad_right=1).transposed_output_size(4, 1)
        8
        """
        n = to_expr(n, "n")
        return (n - 1) * self.stride - self.pad_left - self.pad_right + self.span + output_padding

    def scatter_coverage(self, n: sp.Expr) -> sp.Expr:
        """Distinct positions of the uncropped buffer a scatter of ``n`` inputs writes."""
        return ScatterCoverage(to_expr(n, "n"), self.kernel, self.stride, self.dilation)

    def validity(self, n: sp.Expr) -> list[sp.Basic]:
        """Conditions for this window to fit: at least one window position, positive sizes.

        >>> Window1d(kernel=5).validity(3)
        [False]
        """
        n = to_expr(n, "n")
        room = n + self.pad_left + self.pad_right - self.span
        if room.is_Integer and not self.ceil_mode:
            return [] if room >= 0 else [sp.false]
        conds: list[sp.Basic] = [sp.Ge(n + self.pad_left + self.pad_right, self.span)]
        if self.ceil_mode and not is_number(n):
            conds.append(self.last_window_starts_inside(n))
        return [sp.simplify(c) if is_number(c) else c for c in conds if c is not sp.true]


def windows(
    kernel: tuple[sp.Expr, ...],
    stride: tuple[sp.Expr, ...],
    padding: tuple[tuple[sp.Expr, sp.Expr], ...],
    dilation: tuple[sp.Expr, ...],
    ceil_mode: bool = False,
) -> tuple[Window1d, ...]:
    """One :class:`Window1d` per spatial axis."""
    return tuple(
        Window1d(k, s, pl, pr, d, ceil_mode)
        for k, s, (pl, pr), d in zip(kernel, stride, padding, dilation, strict=True)
    )


def product(items) -> sp.Expr:
    """Product of SymPy expressions (1 for none).

    >>> product([2, 3, 4])
    24
    """
    out: sp.Expr = sp.Integer(1)
    for item in items:
        out = out * item
    return out


def total(items) -> sp.Expr:
    """Sum of SymPy expressions; integers are added in Python (a net has hundreds of rows).

    >>> total([sp.Integer(2), sp.Integer(3)]), total([sp.Symbol("h"), 1])
    (5, h + 1)
    """
    items = list(items)
    if all(isinstance(x, sp.Integer) for x in items):
        return sp.Integer(sum(int(x) for x in items))
    return sp.Add(*items)
