"""Whole reference nets: symconv against torch, torch against the published numbers.

The torch nets are written in plain torch in ``torch_nets.py`` (torchvision's
definitions); the symconv nets come from ``symconv.network.zoo`` and, through
``from_torch``, from the torch modules themselves.
"""

from __future__ import annotations

import pytest

import symconv
from symconv.network import zoo

from . import torch_nets as T

# Published figures: torchvision's model tables (parameters; GFLOPS there are GMACs).
PUBLISHED = {
    "vgg16": dict(params=138_357_544, macs=15_470_264_320, gmacs=15.47),
    "alexnet": dict(params=61_100_840, gmacs=0.71),
    "resnet18": dict(params=11_689_512, gmacs=1.81),
    "resnet50": dict(params=25_557_032, gmacs=4.09),
}
NETS = list(PUBLISHED)


def build_torch(torch, name):
    with torch.device("meta"):
        return getattr(T, name)(torch)


@pytest.mark.torch
@pytest.mark.parametrize("name", NETS)
def test_params_and_macs_match_torch_and_published(torch, name):
    module = build_torch(torch, name)
    torch_params = T.n_params(module)
    torch_macs = T.flop_counted_macs(torch, module, (3, 224, 224))
    published = PUBLISHED[name]
    assert torch_params == published["params"]
    if "macs" in published:
        assert torch_macs == published["macs"]
    assert round(torch_macs / 1e9, 2) == published["gmacs"]

    report = symconv.analyze(getattr(zoo, name)(), (3, 224, 224))
    assert report.total.params == torch_params
    assert report.total.macs == torch_macs
    # FlopCounterMode's own convention, derived per layer by symconv.counting.
    assert report.total.conventions["torch"] == 2 * torch_macs


@pytest.mark.torch
@pytest.mark.parametrize("name", NETS)
def test_layer_output_shapes_match_torch_calls(torch, name):
    module = build_torch(torch, name)
    shapes = []
    hooks = [m.register_forward_hook(lambda m, i, o: shapes.append(tuple(o.shape[1:])))
             for m in module.modules() if not list(m.children())]
    with torch.no_grad():
        out = module(torch.empty((1, 3, 224, 224), device="meta"))
    for h in hooks:
        h.remove()
    report = symconv.analyze(getattr(zoo, name)(), (3, 224, 224))
    assert report.output_shape == tuple(out.shape[1:])
    # Every torch leaf module call's output shape, in call order (the torch nets
    # flatten with torch.flatten, a function, and add with +: no module, no hook).
    rows = [row for row in report.layers if row.kind not in ("add", "concat", "reshape")]
    assert [row.output_shape for row in rows] == shapes
    assert [row.activations for row in rows] == [T.prod(s) for s in shapes]


@pytest.mark.torch
@pytest.mark.parametrize("name", NETS)
def test_from_torch_reproduces_hand_built_net(torch, name):
    module = build_torch(torch, name)
    imported = symconv.from_torch(module, (3, 224, 224))
    for shape in [(3, 224, 224), (3, "h", "w")] if name in ("resnet18", "vgg16") else [
            (3, 224, 224)]:
        a = symconv.analyze(imported, shape)
        b = symconv.analyze(getattr(zoo, name)(), shape)
        assert [r.report for r in a.layers] == [r.report for r in b.layers]
        assert [r.receptive_field for r in a.layers] == [r.receptive_field for r in b.layers]
        assert a.total == b.total
        assert a.output_shape == b.output_shape


@pytest.mark.torch
def test_from_torch_row_names_follow_torch_modules(torch):
    module = build_torch(torch, "resnet18")
    report = symconv.analyze(symconv.from_torch(module), (3, 64, 64))
    names = [r.name for r in report.layers]
    torch_names = [n for n, m in module.named_modules() if not list(m.children())]
    # Every torch leaf module is a row (ReLU modules are called twice per block: relu_1).
    assert set(names) >= set(torch_names)
    assert "layer2.0.downsample.0" in names and "layer2.0.add" in names
    assert "layer2.0.relu_1" in names
    assert report.row("layer2.0.add").inputs == ("layer2.0.bn2", "layer2.0.downsample.1")


def test_network_torch_backward_total_matches_flop_counter(torch):
    """The first layer's input needs no gradient, so torch skips its grad_input."""
    from torch.utils.flop_counter import FlopCounterMode

    nn = torch.nn
    module = nn.Sequential(nn.MaxPool2d(2), nn.Conv2d(3, 6, 3, padding=1, groups=3), nn.ReLU(),
                           nn.Conv2d(6, 4, 3), nn.Flatten(), nn.Linear(4 * 2 * 2, 5))
    ours = symconv.Sequential(symconv.MaxPool2d(2), symconv.Conv2d(3, 6, 3, padding=1, groups=3),
                              symconv.ReLU(), symconv.Conv2d(6, 4, 3), symconv.Flatten(),
                              symconv.Linear(16, 5))
    x = torch.randn(2, 3, 8, 8)
    y = module(x)
    with FlopCounterMode(display=False) as counter:
        y.sum().backward()
    report = symconv.analyze(ours, (3, 8, 8), batch=2)
    assert report.total.conventions["torch_backward"] == counter.get_total_flops()
