"""``from_torch`` on modules written in different torch styles."""

from __future__ import annotations

import pytest

import symconv
from symconv.network.from_torch import TorchImportError

pytestmark = pytest.mark.torch


def leaf_shapes(torch, module, shape):
    shapes = []
    hooks = [m.register_forward_hook(lambda m, i, o: shapes.append(tuple(o.shape[1:])))
             for m in module.modules() if not list(m.children())]
    with torch.no_grad():
        out = module(torch.rand((2, *shape)))
    for h in hooks:
        h.remove()
    return tuple(out.shape[1:]), shapes


def test_functional_style_module(torch):
    nn, F = torch.nn, torch.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 6, 5, dilation=2, padding="same")
            self.pool = nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False)
            self.fc = nn.Linear(6 * 9 * 9, 10)  # ceil mode: 9 windows

        def forward(self, x):
            x = self.pool(F.relu(self.conv(x)))
            x = torch.sigmoid(x)
            return self.fc(x.view(x.size(0), -1))

    module = Net()
    net = symconv.from_torch(module, (3, 16, 16))
    report = symconv.analyze(net, (3, 16, 16))
    out, shapes = leaf_shapes(torch, module, (3, 16, 16))
    assert report.output_shape == out
    assert [r.kind for r in report.layers] == ["conv", "activation", "pool", "activation",
                                               "reshape", "linear"]
    assert report.total.params == sum(p.numel() for p in module.parameters())
    assert [r.output_shape for r in report.layers if r.name in ("conv", "pool", "fc")] == shapes


def test_inception_block_is_one_cat_node_named_after_modules(torch):
    nn = torch.nn

    class Inception(nn.Module):
        def __init__(self):
            super().__init__()
            self.b1 = nn.Conv2d(8, 4, 1)
            self.b2 = nn.Sequential(nn.Conv2d(8, 4, 1), nn.ReLU(), nn.Conv2d(4, 6, 3, padding=1))
            self.b3 = nn.Sequential(nn.MaxPool2d(3, 1, 1), nn.Conv2d(8, 2, 1))

        def forward(self, x):
            return torch.cat([self.b1(x), self.b2(x), self.b3(x)], 1)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(3, 8, 3)
            self.block = Inception()

        def forward(self, x):
            return self.block(self.stem(x))

    module = Net()
    report = symconv.analyze(symconv.from_torch(module, (3, 12, 12)), (3, 12, 12))
    out, _ = leaf_shapes(torch, module, (3, 12, 12))
    assert report.output_shape == out == (12, 10, 10)
    names = [r.name for r in report.layers]
    assert names[0] == "stem" and names[-1] == "block.cat"
    assert names[1:-1] == ["block.b1", "block.b2.0", "block.b2.1", "block.b2.2", "block.b3.0",
                           "block.b3.1"]
    assert report.row("block.cat").inputs == ("block.b1", "block.b2.2", "block.b3.1")
    assert report.receptive_field.size == (5, 5) and report.receptive_field.aligned


def test_residual_written_either_way_round(torch):
    nn = torch.nn

    class Pre(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(4, 4, 3, padding=1)

        def forward(self, x):
            return x + self.conv(x)

    report = symconv.analyze(symconv.from_torch(Pre(), (4, 8, 8)), (4, 8, 8))
    # The add is called in the top module's forward: named after the function.
    assert [r.name for r in report.layers] == ["conv", "add"]
    hand = symconv.analyze(symconv.Residual([symconv.Conv2d(4, 4, 3, padding=1)]), (4, 8, 8))
    assert [r.report for r in report.layers] == [r.report for r in hand.layers]


@pytest.mark.parametrize("body,elements", [
    # Once refused ("not modelled", "channel concatenation", "tensor + tensor"); now exact.
    ("return x * 2", {"mul": 2 * 2 * 3 * 4}),
    ("return torch.cat([self.conv(x), x], 2)", {"conv": 0, "cat": 2 * 2 * 6 * 4}),
    ("return self.conv(x) + 1", {"add": 2 * 2 * 3 * 4}),
])
def test_arithmetic_with_numbers_and_cat_along_any_dim(torch, body, elements):
    nn = torch.nn
    namespace = {"torch": torch}
    exec("def forward(self, x):\n    " + body, namespace)  # a throwaway forward

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(2, 2, 1)

        forward = namespace["forward"]

    module = Net()
    report = symconv.analyze(symconv.from_torch(module, (2, 3, 4)), (2, 3, 4), batch=2)
    assert report.output_shape == tuple(module(torch.rand(2, 2, 3, 4)).shape[1:])
    for name, count in elements.items():
        row = report.row(name)
        assert row.mults + row.adds == count or row.kind in ("conv", "concat")
        if row.kind == "concat":
            assert row.activations == count


@pytest.mark.parametrize("body,message", [
    ("return self.lstm(x)", "LSTM has no symconv counterpart"),
    ("return x.cumsum(1)", "not modelled"),
    ("return torch.fft.fft2(x)", "not modelled"),
])
def test_unsupported_operations_name_the_graph_node_and_module(torch, body, message):
    nn = torch.nn
    namespace = {"torch": torch}
    exec("def forward(self, x):\n    " + body, namespace)  # a throwaway forward

    class Inner(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(2, 2, 1)
            self.lstm = nn.LSTM(4, 4)

        forward = namespace["forward"]

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = Inner()

        def forward(self, x):
            return self.inner(x)

    with pytest.raises(TorchImportError, match=message) as info:
        symconv.from_torch(Net())
    assert "graph node" in str(info.value) and "'inner" in str(info.value)
