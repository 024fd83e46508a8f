"""Every torchvision classification model, imported by ``from_torch``, against torch itself.

Built by torchvision (weights=None, parameters on the meta device), analysed at
the resolution of its default weights with batch 2, and compared exactly with

* the real forward pass (on meta tensors): output shapes, and every leaf
  module call's output shape against its row (one row per call: the DAG);
* ``sum(p.numel())``: the parameters (those the traced forward never reads,
  GoogLeNet's and Inception's auxiliary heads in eval mode, are reported apart);
* FlopCounterMode: MACs = its total / 2 (it counts conv, linear, matmul/einsum
  and attention; docs/conventions.md lists what it leaves out).

The symbolic analysis (input ``3 x h x w``, batch ``B``) substituted at the same
size and batch must give the numeric analysis' totals.  Timing goals are checked
by ``benchmarks/zoo.py``, not here.
"""

from __future__ import annotations

import pytest
import sympy as sp

import symconv

from . import models as Z

try:
    import torchvision as _tv

    NAMES = Z.classification_models(_tv)
except ImportError:  # the torchvision fixture then skips or, in CI, fails
    NAMES = ["torchvision-missing"]

pytestmark = pytest.mark.torch
BATCH = 2


def test_the_zoo_is_torchvisions_whole_classification_list(torchvision):
    assert len(NAMES) >= 71  # the 71 of issue 12, and whatever torchvision adds
    for family in ("alexnet", "convnext_tiny", "densenet121", "efficientnet_b0",
                   "efficientnet_v2_s", "googlenet", "inception_v3", "maxvit_t", "mnasnet0_5",
                   "mobilenet_v2", "mobilenet_v3_large", "regnet_x_400mf", "regnet_y_400mf",
                   "resnet18", "resnext50_32x4d", "shufflenet_v2_x1_0", "squeezenet1_0",
                   "swin_t", "swin_v2_t", "vgg11_bn", "vit_b_16", "wide_resnet50_2"):
        assert family in NAMES


def check_rows_against_calls(report, calls):
    """Each leaf module call is one row named after the module (``name_1`` for a second call),
    with the module's output shape.  A module torch.fx traces through (torchvision's
    LayerNorm2d) gives rows ``name.<function>``, the last of them with the module's output."""
    rows = {row.name: row for row in report.layers}
    seen: dict[str, int] = {}

    def whole(row):  # a row on a constant (batch 1 while the network's is 2) has no batch axis
        return row.output_shape if row.report.batch != report.batch else (BATCH, *row.output_shape)

    for name, shape in calls:
        k = seen.get(name, 0)
        seen[name] = k + 1
        key = name if k == 0 else f"{name}_{k}"
        if key in rows:
            assert whole(rows[key]) == shape, key
        else:
            inside = [r for r in report.layers if r.name.startswith(name + ".")]
            assert inside and any(whole(r) == shape for r in inside), name


@pytest.mark.parametrize("name", NAMES)
def test_model_exact_against_torch(torch, torchvision, name):
    std = Z.standard(torchvision, name)
    model = Z.build(torch, torchvision, name, **std.kwargs)
    shape = (3, std.size, std.size)
    net = symconv.from_torch(model)
    report = symconv.analyze(net, shape, batch=BATCH)
    outputs, flops, calls = Z.meta_forward(torch, model, shape, BATCH)

    assert report.output_shapes == tuple(tuple(o.shape[1:]) for o in outputs)
    assert report.total.params + net.unused_params == sum(p.numel() for p in model.parameters())
    assert 2 * report.total.macs == flops
    assert report.total.conventions["torch"] == flops
    assert not report.skipped
    check_rows_against_calls(report, calls)

    symbolic = symconv.analyze(net, (3, "h", "w"), batch="B")
    at = symbolic.subs(h=std.size, w=std.size, B=BATCH)
    assert at.total == report.total
    assert at.output_shape == report.output_shape
    assert all(c is not sp.false for c in at.conditions)
