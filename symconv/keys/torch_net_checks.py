"""Torch oracles for network questions (see :mod:`symconv.keys.network_checks`).

Examples
--------
>>> torch_module({"type": "ReLU"}).__class__.__name__
'ReLU'
"""

from __future__ import annotations

from typing import Any

from symconv.solution import Check


def torch_module(spec: dict[str, Any], device: str = "cpu") -> Any:
    """A torch.nn layer from a numeric torch-like spec, built on ``device``."""
    import torch

    from symconv.keys.torch_checks import takes_device

    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in spec.items()
              if k not in ("type", "name")}
    cls = getattr(torch.nn, spec["type"])
    return cls(**kwargs, device=device) if takes_device(cls) else cls(**kwargs)


def _layer_specs(q: Any, values: dict[str, Any] | None = None) -> list[dict[str, Any]] | None:
    from symconv.keys.instance import numeric_spec

    spec = numeric_spec(q.data["network"], dict(q.values) if values is None else values)
    layers = spec.get("layers") if isinstance(spec, dict) else spec
    if not isinstance(layers, list) or any(not isinstance(x, dict) or "layers" in x
                                           or x.get("type") in ("Residual", "Concat")
                                           for x in layers):
        return None
    return layers


def torch_network(q: Any, report: Any, derivation: Any,
                  values: dict[str, Any] | None = None) -> list[Check]:
    """What the question asks of a network, from torch: shapes, parameters, FLOPs, batches."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    specs = _layer_specs(q, values)
    if specs is None:
        return []
    asks = q.data["ask"]
    batch = int(report.batch)
    in_shape = (batch, *(int(d) for d in report.input_shape))
    big = int(report.total.activations) > 2_000_000 or int(report.total.params) > 2_000_000
    device = "meta" if big else "cpu"
    modules = [torch_module(s, device) for s in specs]
    oracle = "torch" + (" (meta device)" if device == "meta" else "")
    net = torch.nn.Sequential(*modules).to(device)
    shapes: list[tuple[int, ...]] = []
    for m in net:
        m.register_forward_hook(lambda mod, inp, out: shapes.append(tuple(out.shape)))
    x = torch.zeros(in_shape, device=device)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        net(x)
    checks = []
    per_layer = [sum(p.numel() for p in m.parameters()) for m in net]
    if "table" in asks:
        want = [(batch, *(int(d) for d in row.output_shape)) for row in report.layers]
        same = sum(1 for a, b in zip(want, shapes, strict=False) if a == b)
        checks.append(Check(f"output shapes of all {len(want)} layers", oracle, len(want), same,
                            want == shapes, "torch"))
        columns = q.get("columns", list, ["output_shape", "params"])
        if "params" in columns:
            want_p = [int(row.report.params) for row in report.layers]
            same = sum(1 for a, b in zip(want_p, per_layer, strict=False) if a == b)
            checks.append(Check(f"parameters of all {len(want_p)} layers", oracle, len(want_p),
                                same, want_p == per_layer, "torch"))
    if "params" in asks:
        params = sum(per_layer)
        checks.append(Check("total parameters", oracle, int(report.total.params), params,
                            int(report.total.params) == params, "torch"))
    if any(a in asks for a in ("mults", "macs", "flops")):
        flops = report.total.conventions.get("torch")
        if flops is not None:
            got = int(counter.get_total_flops())
            checks.append(Check("FLOPs (FlopCounterMode)", oracle, int(flops), got,
                                int(flops) == got, "torch"))
    largest = max([int(torch.Size(in_shape[1:]).numel())] +
                  [int(torch.Size(s[1:]).numel()) for s in shapes])
    if "bottleneck" in asks:
        want_b = int(derivation.answers["bottleneck"])
        checks.append(Check("largest activation", oracle, want_b, largest, want_b == largest,
                            "torch"))
    if "max_batch" in asks and q.get("policy", str, "max_activation") == "max_activation":
        from symconv.network import parse_bytes
        from symconv.report import dtype_bytes

        size = dtype_bytes(q.get("dtype", str, "float32"))
        readings = derivation.answers.get("max_batch_readings") or [
            (q.data["memory"], derivation.answers["max_batch"])]
        memory = q.data["memory"] if isinstance(q.data["memory"], list) else [q.data["memory"]]
        for (label, want_b), text in zip(readings, memory, strict=False):
            got_b = parse_bytes(text) // (size * largest)
            checks.append(Check(f"largest batch in {label}", oracle, int(want_b), got_b,
                                int(want_b) == got_b, "torch"))
    return checks


def _impulse_net(layers: list[Any]) -> Any:
    """The stack as torch layers with all-one weights (max pooling as average pooling)."""
    import torch

    from symconv.keys.torch_checks import as_tuple

    mods: list[Any] = []
    for layer in layers:
        name = type(layer).__name__
        if name.startswith(("Conv", "MaxPool", "AvgPool")):
            args: dict[str, Any] = {
                "kernel_size": tuple(int(v) for v in as_tuple(layer.kernel_size)),
                "stride": tuple(int(v) for v in as_tuple(layer.stride))}
            dilation: Any = tuple(int(v) for v in getattr(layer, "dilation", (1, 1)))
            m: Any
            if name.startswith("Conv"):
                args["padding"] = tuple(int(p) for p, _ in layer.padding)
                m = torch.nn.Conv2d(1, 1, dilation=dilation, bias=False, **args)
                torch.nn.init.ones_(m.weight)
            else:
                if any(v != 1 for v in dilation):
                    return None
                args["padding"] = tuple(int(p) for p in layer.padding)
                m = torch.nn.AvgPool2d(**args)
            mods.append(m)
    return torch.nn.Sequential(*mods).to(torch.float64)


def _support(layers: list[Any], report: Any, index: tuple[int, ...]) -> Any:
    import torch

    net = _impulse_net(layers)
    if net is None or len(index) != 2:
        return None
    spatial = tuple(int(n) for n in report.input_shape[1:])
    x = torch.zeros((1, 1, *spatial), dtype=torch.float64, requires_grad=True)
    out = net(x)
    out[(0, 0, *index)].backward()
    assert x.grad is not None
    return torch.nonzero(x.grad[0, 0])


def torch_support(layers: list[Any], report: Any, index: tuple[int, ...], region: Any,
                  table: dict[Any, int], shown: str) -> list[Check]:
    """Non-zero pattern of d out[index] / d input equals the (clipped) region."""
    from symconv.keys.network_checks import axis_name

    nz = _support(layers, report, index)
    if nz is None:
        return []
    spatial = tuple(int(n) for n in report.input_shape[1:])
    checks = []
    oracle = f"torch autograd, an impulse back from output ${shown}$"
    for axis, (first, last) in enumerate(region):
        lo = max(int(first.xreplace(table)), 0)
        hi = min(int(last.xreplace(table)), spatial[axis] - 1)
        got = (int(nz[:, axis].min()), int(nz[:, axis].max()))
        checks.append(Check(f"gradient support, {axis_name(axis, len(region))}", oracle, (lo, hi), got,
                            (lo, hi) == got, "torch"))
    return checks


def torch_receptive(layers: list[Any], report: Any, index: tuple[int, ...],
                    want: tuple[int, ...]) -> list[Check]:
    """Extent of the input gradient of one output of the real layers = the receptive field."""

    nz = _support(layers, report, index)
    if nz is None:
        return []
    got = tuple(int(nz[:, a].max() - nz[:, a].min() + 1) for a in range(len(want)))
    return [Check("receptive field", "torch autograd, an impulse back through the layers",
                  want, got, want == got, "torch")]
