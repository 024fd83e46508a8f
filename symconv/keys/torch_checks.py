"""Check a layer's numbers with torch: shape, parameters, FlopCounterMode, autograd.

The torch.nn layer is built from the same torch keyword arguments the
question gives (numbers substituted).  Big instances run on the ``meta``
device, where torch propagates shapes and counts FLOPs without data.

Examples
--------
>>> from symconv import Conv2d, analyze
>>> spec = {"type": "Conv2d", "in_channels": 2, "out_channels": 3, "kernel_size": 3}
>>> layer = Conv2d(2, 3, 3)
>>> checks = torch_layer(spec, layer, analyze(layer, (2, 6, 6)), "demo")
>>> all(c.passed for c in checks), len(checks) > 0
(True, True)
"""

from __future__ import annotations

from typing import Any

from symconv.solution import Check

#: symconv layers whose torch class takes the same arguments.
_SAME_ARGS = {"type", "name"}


def _takes_device(cls: Any) -> bool:
    import inspect

    return "device" in inspect.signature(cls.__init__).parameters


def _tuple(v: Any) -> Any:
    return tuple(v) if isinstance(v, list) else v


def torch_layer(spec: dict[str, Any], layer: Any, report: Any, oracle: str) -> list[Check]:
    """Torch checks of ``report`` (numeric) for the layer described by ``spec``."""
    try:
        import torch
        from torch.utils.flop_counter import FlopCounterMode
    except ImportError:
        return []
    from symconv.keys.checks import META_ELEMENTS

    cls = getattr(torch.nn, spec["type"], None)
    if cls is None:
        return []
    kwargs = {k: _tuple(v) for k, v in spec.items() if k not in _SAME_ARGS}
    batch = int(report.batch)
    in_shape = (batch, *(int(d) for d in report.input_shape))
    out_shape = (batch, *(int(d) for d in report.output_shape))
    elements = 1
    for d in (*in_shape, *out_shape):
        elements *= d
    big = elements > META_ELEMENTS or int(report.macs) > 50_000_000
    device = "meta" if big else "cpu"
    where = f"{oracle}{' on the meta device' if big else ''}"
    torch.manual_seed(0)
    # Built on its device: a big layer is never allocated (or initialised) on the CPU.
    module = cls(**kwargs, device=device, dtype=torch.float64) if _takes_device(cls) else (
        cls(**kwargs).to(device=device, dtype=torch.float64))
    x = torch.randn(in_shape, device=device, dtype=torch.float64, requires_grad=True)
    checks: list[Check] = []
    params = sum(p.numel() for p in module.parameters())
    checks.append(Check("parameters", where, int(report.params), params,
                        int(report.params) == params, "torch"))
    with FlopCounterMode(display=False) as counter:
        y = module(x)
    checks.append(Check("output shape", where, out_shape, tuple(y.shape),
                        out_shape == tuple(y.shape), "torch"))
    torch_flops = report.conventions.get("torch")
    if torch_flops is not None:
        got = int(counter.get_total_flops())
        checks.append(Check("FLOPs (FlopCounterMode, 2 per MAC)", where, int(torch_flops), got,
                            int(torch_flops) == got, "torch"))
    y.sum().backward()
    back = report.backward
    if back is not None and back.grad_input is not None and x.grad is not None:
        want = (batch, *(int(d) for d in back.grad_input.shape))
        checks.append(Check("grad_input shape (autograd)", where, want, tuple(x.grad.shape),
                            want == tuple(x.grad.shape), "torch"))
    weight = getattr(module, "weight", None)
    if back is not None and back.grad_weight is not None and weight is not None:
        want = tuple(int(d) for d in back.grad_weight.shape)
        got_w = tuple(weight.grad.shape) if weight.grad is not None else ()
        checks.append(Check("grad_weight shape (autograd)", where, want, got_w, want == got_w,
                            "torch"))
    return checks
