"""Receptive fields through channels-last code (permute, LayerNorm and Linear over channels),
against the support of torch's input gradient."""

from __future__ import annotations

import pytest

import symconv

pytestmark = pytest.mark.torch


def convnext_like(torch):
    nn = torch.nn

    class Block(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.dw = nn.Conv2d(c, c, 7, padding=3, groups=c)
            self.norm = nn.LayerNorm(c)
            self.up, self.act, self.down = nn.Linear(c, 4 * c), nn.GELU(), nn.Linear(4 * c, c)
            self.scale = nn.Parameter(torch.full((c, 1, 1), 0.5))

        def forward(self, x):
            y = self.dw(x).permute(0, 2, 3, 1)
            y = self.down(self.act(self.up(self.norm(y)))).permute(0, 3, 1, 2)
            return x + self.scale * y

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(1, 4, 2, stride=2)
            self.block = Block(4)
            self.down = nn.Conv2d(4, 4, 3, stride=2, padding=1)

        def forward(self, x):
            return self.down(self.block(self.stem(x)))

    return Net().double()


def gradient_support(torch, net, x, i, j):
    out = net(x)
    (grad,) = torch.autograd.grad(out[0, :, i, j].sum(), x)
    rows = torch.nonzero(grad[0].abs().sum(dim=(0, 2))).flatten()
    cols = torch.nonzero(grad[0].abs().sum(dim=(0, 1))).flatten()
    return (int(rows.min()), int(rows.max())), (int(cols.min()), int(cols.max()))


def test_field_follows_a_permuted_layout(torch):
    torch.manual_seed(0)
    net = convnext_like(torch)
    report = symconv.analyze(symconv.from_torch(net), (1, 40, 36))
    assert report.row("block.up").receptive_field is not None  # Linear over channels-last
    rf = report.receptive_field
    # stem 2/2, block 7x7 at stride 2 (span 13), down 3/2 with padding 1 at stride 2
    assert (rf.size, rf.stride, rf.padding) == ((18, 18), (4, 4), (8, 8))
    x = (torch.rand((1, 1, 40, 36), dtype=torch.float64) + 0.5).requires_grad_(True)
    for i, j in [(0, 0), (4, 3), (9, 8), (2, 7)]:
        assert rf.region(i, j, clip=True) == gradient_support(torch, net, x, i, j)


def test_field_ends_where_positions_mix(torch):
    nn = torch.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(2, 2, 3)
            self.norm = nn.LayerNorm((6, 6))  # normalises over h and w: every position mixes

        def forward(self, x):
            return self.norm(self.conv(x))

    report = symconv.analyze(symconv.from_torch(Net()), (2, 8, 8))
    assert report.row("conv").receptive_field.size == (3, 3)
    assert report.receptive_field is None
    assert "mixes positions along a spatial axis" in report.layers[-1].receptive_note
