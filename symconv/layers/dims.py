"""torch's dimension arguments on symconv's per-sample shapes.

symconv shapes leave the batch axis out; torch's ``dim`` arguments count it
as axis 0 (as :class:`~symconv.layers.Flatten` does).  These helpers turn a
torch ``dim`` into a per-sample axis, refusing the batch axis itself.

Examples
--------
>>> sample_axis(1, 3), sample_axis(-1, 3)
(0, 2)
>>> sample_axis(0, 3)
Traceback (most recent call last):
...
symconv.validity.LayerError: dim 0 is the batch axis: an operation across samples is not modelled
"""

from __future__ import annotations

from collections.abc import Sequence

from symconv.layers.base import LayerError


def torch_axis(dim: int, rank: int) -> int:
    """``dim`` (negative counts from the end) as an index of a ``rank``-axis tensor."""
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise LayerError(f"dim must be an integer, not {dim!r}")
    if not -rank <= dim < rank:
        raise LayerError(f"dim {dim} is out of range for a tensor with {rank} axes")
    return dim % rank


def sample_axis(dim: int, sample_rank: int) -> int:
    """The per-sample axis of torch's ``dim`` for a tensor of ``sample_rank`` axes per sample."""
    axis = torch_axis(dim, sample_rank + 1)
    if axis == 0:
        raise LayerError(f"dim {dim} is the batch axis: an operation across samples is not modelled")
    return axis - 1


def sample_axes(dims: int | Sequence[int], sample_rank: int) -> tuple[int, ...]:
    """Several torch dims as sorted, distinct per-sample axes.

    >>> sample_axes((-1, 2), 3)
    (1, 2)
    """
    items = (dims,) if isinstance(dims, int) else tuple(dims)
    axes = sorted({sample_axis(d, sample_rank) for d in items})
    if len(axes) != len(items):
        raise LayerError(f"dims {tuple(items)} repeat an axis")
    return tuple(axes)
