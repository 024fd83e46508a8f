"""Hypothesis strategies for valid layer instances (shared by the layer tests)."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st


@dataclass(frozen=True)
class ConvCase:
    dims: int
    batch: int
    groups: int
    c_in: int
    c_out: int
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...]
    dilation: tuple[int, ...]
    size: tuple[int, ...]
    bias: bool

    def torch_kwargs(self) -> dict:
        return dict(kernel_size=self.kernel, stride=self.stride, padding=self.padding,
                    dilation=self.dilation, groups=self.groups, bias=self.bias)


@st.composite
def conv_cases(draw, dims: int = 2, max_size: int = 9, max_channels: int = 3) -> ConvCase:
    groups = draw(st.integers(1, 3))
    c_in = groups * draw(st.integers(1, max_channels))
    c_out = groups * draw(st.integers(1, max_channels))
    axis = st.tuples(*[st.integers(1, 4)] * dims)
    kernel = draw(axis)
    stride = draw(st.tuples(*[st.integers(1, 3)] * dims))
    dilation = draw(st.tuples(*[st.integers(1, 3)] * dims))
    padding = draw(st.tuples(*[st.integers(0, 2)] * dims))
    size = tuple(
        draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), max(1, d * (k - 1) + 1 - 2 * p) + max_size))
        for k, d, p in zip(kernel, dilation, padding)
    )
    return ConvCase(dims, draw(st.integers(1, 2)), groups, c_in, c_out, kernel, stride, padding,
                    dilation, size, draw(st.booleans()))


@dataclass(frozen=True)
class PoolCase:
    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]
    ceil_mode: bool
    channels: int
    batch: int
    size: tuple[int, int]


@st.composite
def pool_cases(draw, dilated: bool = True) -> PoolCase:
    kernel = draw(st.tuples(st.integers(1, 4), st.integers(1, 4)))
    stride = draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    dilation = draw(st.tuples(st.integers(1, 2), st.integers(1, 2))) if dilated else (1, 1)
    size = tuple(
        draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), max(1, d * (k - 1) + 1 - 2 * p) + 8))
        for k, d, p in zip(kernel, dilation, padding)
    )
    return PoolCase(kernel, stride, padding, dilation, draw(st.booleans()),  # type: ignore[arg-type]
                    draw(st.integers(1, 3)), draw(st.integers(1, 2)), size)  # type: ignore[arg-type]
