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


def takes_device(cls: Any) -> bool:
    """Whether a torch module class accepts ``device=`` (some, e.g. pooling, do not)."""
    import inspect

    return "device" in inspect.signature(cls.__init__).parameters


def as_tuple(v: Any) -> Any:
    """A TOML list (a kernel size, a stride) as the tuple torch takes."""
    return tuple(v) if isinstance(v, list) else v


def _check(name: str, oracle: str, expected: Any, observed: Any) -> Check:
    if isinstance(expected, tuple):
        expected, observed = tuple(int(v) for v in expected), tuple(int(v) for v in observed)
    else:
        expected, observed = int(expected), int(observed)
    return Check(name, oracle, expected, observed, expected == observed, "torch")


def torch_layer(spec: dict[str, Any], layer: Any, report: Any, oracle: str) -> list[Check]:
    """Torch checks of ``report`` (numeric) for the layer described by ``spec``.

    Shapes and parameters from the module, FLOPs from FlopCounterMode (2 per
    multiply-accumulate: half of them are the multiplications of a convolution
    or a linear layer), element counts of the tensors a forward pass and a
    training step hold, gradient shapes from autograd.
    """
    try:
        import torch
        from torch.utils.flop_counter import FlopCounterMode
    except ImportError:
        return []
    from symconv.keys.checks import META_ELEMENTS

    cls = getattr(torch.nn, spec["type"], None)
    if cls is None:
        return []
    kwargs = {k: as_tuple(v) for k, v in spec.items() if k not in _SAME_ARGS}
    batch = int(report.batch)
    in_shape = (batch, *(int(d) for d in report.input_shape))
    out_shape = (batch, *(int(d) for d in report.output_shape))
    elements = 1
    for d in (*in_shape, *out_shape):
        elements *= d
    big = elements > META_ELEMENTS or int(report.macs) > 50_000_000
    device = "meta" if big else "cpu"
    where = f"{oracle}{' (meta device)' if big else ''}"
    torch.manual_seed(0)
    # Built on its device: a big layer is never allocated (or initialised) on the CPU.
    module = cls(**kwargs, device=device, dtype=torch.float64) if takes_device(cls) else (
        cls(**kwargs).to(device=device, dtype=torch.float64))
    x = torch.randn(in_shape, device=device, dtype=torch.float64, requires_grad=True)
    weight, bias = getattr(module, "weight", None), getattr(module, "bias", None)
    params = sum(p.numel() for p in module.parameters())
    n_weight = weight.numel() if weight is not None else 0
    n_bias = bias.numel() if bias is not None else 0
    with FlopCounterMode(display=False) as counter:
        y = module(x)
    y.retain_grad()
    flops = int(counter.get_total_flops())
    y.sum().backward()
    mem = report.memory
    checks = [
        _check("output shape", where, out_shape, tuple(y.shape)),
        _check("parameters", where, report.params, params),
        _check("weights", where, report.weight_params, n_weight),
        _check("biases", where, report.bias_params, n_bias),
        _check("input elements", where, mem.input, x.numel()),
        _check("output elements", where, mem.output, y.numel()),
        _check("weight elements", where, mem.weight, n_weight),
        _check("bias elements", where, mem.bias, n_bias),
        _check("forward-pass elements", where, mem.forward, x.numel() + y.numel() + params),
    ]
    grads = (x.grad.numel() if x.grad is not None else 0) + sum(
        p.grad.numel() for p in module.parameters() if p.grad is not None)
    checks.append(_check("training-step elements", where, mem.training,
                         x.numel() + y.numel() + params + grads))
    size = torch.empty((), dtype=torch.float32).element_size()
    checks += [_check(c.name + " (bytes)", where, int(c.expected) * size,
                      int(c.observed) * size) for c in checks if c.name.endswith("elements")]
    if getattr(layer, "kind", "") in ("conv", "linear", "conv_transpose"):
        checks.append(_check("multiplications (FLOPs / 2)", where, report.mults, flops // 2))
        checks.append(_check("multiply-accumulates (FLOPs / 2)", where, report.macs, flops // 2))
    back = report.backward
    if back is not None:
        if y.grad is not None:
            want = (batch, *(int(d) for d in back.grad_output_shape))
            checks.append(_check("output-gradient shape", where, want, tuple(y.grad.shape)))
        if back.grad_input is not None and x.grad is not None:
            want = (batch, *(int(d) for d in back.grad_input.shape))
            checks.append(_check("input-gradient shape", where, want, tuple(x.grad.shape)))
        if back.grad_weight is not None and weight is not None and weight.grad is not None:
            checks.append(_check("weight-gradient shape", where,
                                 tuple(int(d) for d in back.grad_weight.shape),
                                 tuple(weight.grad.shape)))
        if back.grad_bias is not None and bias is not None and bias.grad is not None:
            checks.append(_check("bias-gradient shape", where,
                                 tuple(int(d) for d in back.grad_bias.shape),
                                 tuple(bias.grad.shape)))
    return checks
