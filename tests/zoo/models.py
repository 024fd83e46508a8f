"""torchvision's classification models, built (weights=None) without memory, and torch's counts.

Models are built by torchvision's own constructors; parameters and buffers
are moved to the meta device as they are registered, so even RegNet-Y-128GF
(645 M parameters) costs no memory, and FlopCounterMode counts a forward pass
on meta tensors (shapes only, no compute).  ``torch.device("meta")`` alone is
not enough: RegNet computes its widths with real tensors while it is built.

Also used by ``benchmarks/zoo.py`` (the table in docs/networks.md).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


def classification_models(torchvision: Any) -> list[str]:
    """Every classification constructor of ``torchvision.models`` (not detection, video...)."""
    return sorted(torchvision.models.list_models(module=torchvision.models))


@dataclass(frozen=True)
class Standard:
    """A model's standard input: the resolution its default weights were evaluated at."""

    size: int
    kwargs: dict[str, Any]
    gflops: float  # torchvision's published figure (its ``_ops`` meta: GMACs)
    params: int


def standard(torchvision: Any, name: str) -> Standard:
    """From the default weights' metadata and transforms (nothing is downloaded)."""
    weights = torchvision.models.get_model_weights(name).DEFAULT
    size = int(weights.transforms().crop_size[0])
    kwargs: dict[str, Any] = {}
    if name.startswith("vit_"):
        kwargs["image_size"] = size  # ViT's position embedding fixes the input size
    if name in ("googlenet", "inception_v3"):
        kwargs["init_weights"] = False  # only silences a FutureWarning; values do not matter
    return Standard(size, kwargs, float(weights.meta["_ops"]), int(weights.meta["num_params"]))


@contextlib.contextmanager
def parameters_on_meta(torch: Any) -> Iterator[None]:
    """Register every new parameter and buffer on the meta device."""
    nn = torch.nn
    register_parameter, register_buffer = nn.Module.register_parameter, nn.Module.register_buffer

    def on_meta_parameter(self: Any, name: str, param: Any) -> None:
        register_parameter(self, name, param)
        if param is not None:
            p = self._parameters[name]
            self._parameters[name] = nn.Parameter(p.to("meta"), requires_grad=p.requires_grad)

    def on_meta_buffer(self: Any, name: str, tensor: Any, persistent: bool = True) -> None:
        register_buffer(self, name, tensor, persistent)
        if tensor is not None:
            self._buffers[name] = self._buffers[name].to("meta")

    nn.Module.register_parameter, nn.Module.register_buffer = on_meta_parameter, on_meta_buffer
    try:
        yield
    finally:
        nn.Module.register_parameter, nn.Module.register_buffer = (register_parameter,
                                                                   register_buffer)


def build(torch: Any, torchvision: Any, name: str, **kwargs: Any) -> Any:
    """``torchvision.models.get_model(name, weights=None)`` on the meta device, in eval mode."""
    with parameters_on_meta(torch), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = torchvision.models.get_model(name, weights=None, **kwargs)
    return model.eval()


def meta_forward(torch: Any, model: Any, shape: tuple[int, ...], batch: int = 1
                 ) -> tuple[list[Any], int, list[tuple[str, tuple[int, ...]]]]:
    """(output tensors, FlopCounterMode's total, (module, output shape) of each leaf call).

    The call shapes are whole shapes, the batch axis included (a module applied to a
    parameter, Swin V2's position-bias MLP, has no batch axis).
    """
    from torch.utils.flop_counter import FlopCounterMode

    names = {m: n for n, m in model.named_modules()}
    calls: list[tuple[str, tuple[int, ...]]] = []

    def hook(module: Any, args: Any, out: Any) -> None:
        first = out[0] if isinstance(out, tuple) else out
        calls.append((names[module], tuple(first.shape)))

    hooks = [m.register_forward_hook(hook) for m in model.modules() if not list(m.children())]
    counter = FlopCounterMode(display=False)
    try:
        with counter, torch.no_grad():
            out = model(torch.empty((batch, *shape), device="meta"))
    finally:
        for h in hooks:
            h.remove()
    outputs = list(out) if isinstance(out, tuple) else [out]
    return outputs, counter.get_total_flops(), calls
