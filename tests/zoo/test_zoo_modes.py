"""Zoo models beyond the standard check: training mode, fixed input sizes, unmodelled nodes,
and the profilers whose rules symconv derives (fvcore, ptflops, thop, torchinfo)."""

from __future__ import annotations

import pytest
import sympy as sp

import symconv
from symconv.layers import LayerError
from symconv.network.from_torch import TorchImportError
from symconv.validity import InvalidLayer

from . import models as Z

pytestmark = pytest.mark.torch


@pytest.mark.parametrize("name,outputs", [("googlenet", 3), ("inception_v3", 2)])
def test_training_mode_named_tuple_outputs_and_auxiliary_heads(torch, torchvision, name, outputs):
    std = Z.standard(torchvision, name)
    model = Z.build(torch, torchvision, name, **std.kwargs).train()
    shape = (3, std.size, std.size)
    net = symconv.from_torch(model)
    report = symconv.analyze(net, shape, batch=2)
    out, flops, _ = Z.meta_forward(torch, model, shape, batch=2)  # batch norm trains on > 1
    assert len(report.output_shapes) == outputs == len(out)  # GoogLeNetOutputs(logits, aux2, aux1)
    assert report.output_shapes == tuple(tuple(o.shape[1:]) for o in out)
    # Training mode runs the auxiliary classifiers: every parameter is used and counted.
    assert net.unused_params == 0
    assert report.total.params == sum(p.numel() for p in model.parameters())
    assert 2 * report.total.macs == flops
    # In eval mode they are not run; the note says how many parameters that leaves out.
    eval_net = symconv.from_torch(model.eval())
    assert eval_net.unused_params > 0
    assert any(f"{eval_net.unused_params:,} parameters" in n for n in eval_net.notes)


def test_vit_input_size_is_a_condition_of_the_symbolic_analysis(torch, torchvision):
    net = symconv.from_torch(Z.build(torch, torchvision, "vit_b_16"))
    h, w = symconv.symbols("h w")
    symbolic = symconv.analyze(net, (3, "h", "w"))
    assert sp.Eq(h, 224) in symbolic.conditions and sp.Eq(w, 224) in symbolic.conditions
    with pytest.raises(InvalidLayer, match=r"floor\(h/16\)\*floor\(w/16\) \+ 1 = 197, "
                                           r"false for h = 240, w = 224"):
        symbolic.subs(h=240, w=224)
    assert symbolic.subs(h=224, w=224).conditions == ()
    with pytest.raises(LayerError, match="Wrong image height"):
        symconv.analyze(net, (3, 240, 224))


def resnet18_with(torch, torchvision, extra):
    """ResNet-18 whose ``layer2.0.bn1`` is followed by ``extra`` modules (one Sequential)."""
    model = Z.build(torch, torchvision, "resnet18")
    model.layer2[0].bn1 = torch.nn.Sequential(model.layer2[0].bn1, *extra)
    return model


def test_unmodelled_node_one_error_or_the_rest_of_the_table(torch, torchvision):
    class CumSum(torch.nn.Module):
        def forward(self, x):
            return torch.cumsum(x, 1)

    model = resnet18_with(torch, torchvision, [CumSum()])
    with pytest.raises(TorchImportError, match=r"graph node 'cumsum' \(call_function torch.cumsum\)"
                                               r" in module 'layer2.0.bn1.1': not modelled"):
        symconv.from_torch(model)
    net = symconv.from_torch(model, unknown="skip")
    report = symconv.analyze(net, (3, 224, 224))
    full = symconv.analyze(symconv.from_torch(resnet18_with(torch, torchvision, [])), (3, 224, 224))
    # Only the cumsum is missing: its output shape comes from torch, the rest is analysed.
    assert [r.name for r in report.layers] == [r.name for r in full.layers]
    assert report.total == full.total
    assert [s[0] for s in report.skipped] == ["layer2.0.bn1.1"]
    assert any("layer2.0.bn1.1" in n and "not modelled" in n for n in report.notes)
    # Symbolic sizes: torch cannot tell the shape, so what the cumsum feeds is left out too.
    symbolic = symconv.analyze(net, (3, "h", "w"))
    names = [r.name for r in symbolic.layers]
    assert names == [n for n in names if not n.startswith(("layer3", "layer4", "fc"))]
    assert "layer2.0.conv2" in [s[0] for s in symbolic.skipped]


@pytest.mark.parametrize("name", ["googlenet", "densenet121", "regnet_y_400mf"])
def test_profilers_own_totals_are_predicted(torch, torchvision, fvcore, ptflops, thop, torchinfo,
                                           name):
    """GoogLeNet and DenseNet call F.relu (ptflops counts it once, without a module hook),
    torch.flatten and F.adaptive_avg_pool2d; RegNet-Y multiplies by a sigmoid gate."""
    import logging

    kwargs = {"init_weights": False} if name == "googlenet" else {}
    model = torchvision.models.get_model(name, weights=None, **kwargs).eval()
    shape = (3, 224, 224)
    conventions = symconv.analyze(symconv.from_torch(model), shape).total.conventions
    x = torch.randn(1, *shape)
    logging.disable(logging.WARNING)
    try:
        counter = fvcore.FlopCountAnalysis(model, x)
        counter.unsupported_ops_warnings(False)
        counter.uncalled_modules_warnings(False)
        assert conventions["fvcore"] == counter.total()
        macs, _ = ptflops.get_model_complexity_info(model, shape, as_strings=False,
                                                    print_per_layer_stat=False, verbose=False)
        assert conventions["ptflops"] == macs
        assert conventions["thop"] == int(thop.profile(model, inputs=(x,), verbose=False)[0])
        assert conventions["torchinfo"] == torchinfo.summary(model, input_data=x,
                                                             verbose=0).total_mult_adds
    finally:
        logging.disable(logging.NOTSET)
