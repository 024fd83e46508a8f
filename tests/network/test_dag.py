"""Networks as DAGs: a tensor read by many nodes is one node, every layer counted once.

Before the DAG, ``from_torch`` copied the layers producing a shared tensor into
each consumer, so a dense block's counts grew exponentially with depth
(issue 12: k = 10 layers gave 279,200 params where torch has 53,368).  These
nets are written in plain torch; their oracles are torch itself: ``sum(p.numel())``,
the real forward's shapes and FlopCounterMode.
"""

from __future__ import annotations

import pytest
import sympy as sp

import symconv
from symconv.layers.merge import Add, Cat
from symconv.network.from_torch import convert_module
from symconv.network.graph import GraphBuilder

from . import torch_nets as T

pytestmark = pytest.mark.torch


def dense_net(torch, k, growth=4, c0=8, bottleneck=False):
    """A stem, one dense block of ``k`` layers (each reads every earlier feature map), a head."""
    nn = torch.nn

    class DenseLayer(nn.Module):
        def __init__(self, cin):
            super().__init__()
            self.norm = nn.BatchNorm2d(cin)
            self.relu = nn.ReLU()
            width = 4 * growth if bottleneck else cin
            self.reduce = nn.Conv2d(cin, width, 1, bias=False) if bottleneck else nn.Identity()
            self.conv = nn.Conv2d(width, growth, 3, padding=1, bias=False)

        def forward(self, features):
            x = torch.cat(features, 1)  # every earlier output, read again
            return self.conv(self.reduce(self.relu(self.norm(x))))

    class DenseBlock(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList(DenseLayer(c0 + i * growth) for i in range(k))

        def forward(self, x):
            features = [x]
            for layer in self.layers:
                features.append(layer(features))
            return torch.cat(features, 1)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(3, c0, 3, padding=1)
            self.block = DenseBlock()
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(c0 + k * growth, 10)

        def forward(self, x):
            x = self.pool(self.block(self.stem(x)))
            return self.fc(torch.flatten(x, 1))

    return Net()


def skip_net(torch):
    """Residuals that skip several stages: stage 3 adds the outputs of the stem and stage 1."""
    nn = torch.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(3, 6, 3, padding=1)
            self.stage1 = nn.Sequential(nn.Conv2d(6, 6, 3, padding=1), nn.ReLU())
            self.stage2 = nn.Sequential(nn.Conv2d(6, 6, 3, padding=2, dilation=2), nn.ReLU())
            self.stage3 = nn.Conv2d(6, 6, 1)
            self.head = nn.Conv2d(6, 2, 1)

        def forward(self, x):
            x0 = self.stem(x)
            x1 = self.stage1(x0)
            x2 = self.stage2(x1) + x0          # skips stage 1
            x3 = self.stage3(x2) + x1 + x0     # skips stages 2 and 1
            return self.head(x3 + x2)

    return Net()


def leaf_calls(torch, module, shape, batch=2):
    """(module name, input shape, output shape) of every leaf module call, in order."""
    names = {m: n for n, m in module.named_modules()}
    calls = []
    hooks = [m.register_forward_hook(
        lambda m, i, o: calls.append((names[m], tuple(i[0].shape[1:]), tuple(o.shape[1:]))))
        for m in module.modules() if not list(m.children())]
    with torch.no_grad():
        out = module.eval()(torch.rand((batch, *shape)))
    for h in hooks:
        h.remove()
    return out, calls


def check_exact(torch, module, shape, batch=2):
    """Shapes, params, MACs and every layer's report against torch; returns the report."""
    report = symconv.analyze(symconv.from_torch(module, shape), shape, batch=batch)
    out, calls = leaf_calls(torch, module, shape, batch)
    assert report.output_shape == tuple(out.shape[1:])
    assert report.total.params == T.n_params(module)
    assert report.total.macs == batch * T.flop_counted_macs(torch, module, shape)
    rows = {row.name: row for row in report.layers}
    for name, ins, outs in calls:  # each module called once: one row, on the real shapes
        row = rows[name]
        assert (row.report.input_shape, row.output_shape) == (ins, outs)
        alone = convert_module(dict(module.named_modules())[name]).analyze(
            row.report.input_shape, sp.Integer(batch))
        assert row.report == alone
    return report


@pytest.mark.parametrize("k", [2, 6, 10])
def test_dense_block_counts_each_layer_once(torch, k):
    module = dense_net(torch, k)
    report = check_exact(torch, module, (3, 32, 32))
    # k layers x (cat, norm, relu, identity, conv) + stem, final cat, pool, flatten, fc
    assert len(report.layers) == 5 * k + 5
    cats = [row for row in report.layers if row.kind == "concat"]
    assert [len(row.inputs) for row in cats] == [*range(1, k + 1), k + 1]
    assert cats[-1].inputs == ("stem", *(f"block.layers.{i}.conv" for i in range(k)))
    # Each concatenation copies its inputs once: channels c0 + i*growth at 32 x 32.
    assert [row.activations for row in cats] == [2 * (8 + 4 * i) * 32 * 32 for i in range(k + 1)]


def test_dense_block_with_bottleneck_at_odd_size(torch):
    check_exact(torch, dense_net(torch, 5, growth=3, c0=5, bottleneck=True), (3, 13, 11), batch=3)


def test_dense_block_symbolic_size_substituted_equals_numeric(torch):
    net = symconv.from_torch(dense_net(torch, 4))
    symbolic = symconv.analyze(net, (3, "h", "w"), batch="B")
    for size in ((32, 32), (7, 19)):
        numeric = symconv.analyze(net, (3, *size), batch=2)
        assert symbolic.subs(h=size[0], w=size[1], B=2).total == numeric.total


def test_residuals_skipping_several_stages(torch):
    module = skip_net(torch)
    report = check_exact(torch, module, (3, 12, 10))
    adds = [row for row in report.layers if row.kind == "add"]
    assert [row.inputs for row in adds] == [
        ("stage2.1", "stem"), ("stage3", "stage1.1"), ("add_1", "stem"), ("add_2", "add")]
    assert all(row.adds == 2 * 6 * 12 * 10 for row in adds)
    # stem 3x3, stage1 3x3, stage2 dilated 3x3 (span 5), stage3 and head 1x1; the field of the
    # output is the longest path's: 1 + 2 + 2 + 4 = 9.
    rf = report.receptive_field
    assert (rf.size, rf.stride, rf.padding, rf.aligned) == ((9, 9), (1, 1), (4, 4), True)
    assert report.row("stage1.1").receptive_field.size == (5, 5)


def test_builder_graph_equals_imported_graph(torch):
    """The same DAG written with GraphBuilder: identical rows, reports and fields."""
    module = skip_net(torch)
    g = GraphBuilder()
    x = g.input()
    stem = g.layer("stem", symconv.Conv2d(3, 6, 3, padding=1), x)
    s1 = g.layer("stage1.1", symconv.ReLU(), g.layer("stage1.0", symconv.Conv2d(6, 6, 3, padding=1),
                                                      stem))
    s2 = g.layer("stage2.1", symconv.ReLU(),
                 g.layer("stage2.0", symconv.Conv2d(6, 6, 3, padding=2, dilation=2), s1))
    a = g.merge("add", Add(), s2, stem)
    s3 = g.layer("stage3", symconv.Conv2d(6, 6, 1), a)
    a1 = g.merge("add_1", Add(), s3, s1)
    a2 = g.merge("add_2", Add(), a1, stem)
    a3 = g.merge("add_3", Add(), a2, a)
    out = g.layer("head", symconv.Conv2d(6, 2, 1), a3)
    ours = symconv.analyze(g.build(out), (3, "h", "w"))
    imported = symconv.analyze(symconv.from_torch(module), (3, "h", "w"))
    assert [r.name for r in ours.layers] == [r.name for r in imported.layers]
    assert [r.report for r in ours.layers] == [r.report for r in imported.layers]
    assert [r.receptive_field for r in ours.layers] == [r.receptive_field for r in imported.layers]


def test_concat_reusing_a_branch_output():
    """``cat([a, b, a])``: the same tensor twice in one concatenation, produced once."""
    g = GraphBuilder()
    x = g.input()
    a = g.layer("a", symconv.Conv2d(2, 3, 1), x)
    b = g.layer("b", symconv.Conv2d(3, 1, 1), a)
    report = symconv.analyze(g.build(g.merge("cat", Cat(1), a, b, a)), (2, 5, 5))
    assert report.output_shape == (7, 5, 5)
    assert report.total.params == 9 + 4
    assert report.row("cat").inputs == ("a", "b")
