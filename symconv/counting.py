"""Named counting conventions: what each profiling tool reports for a layer.

symconv's own counts are exact (every multiplication, addition and comparison
of a stated algorithm).  Tools report one number each, under their own
conventions; these functions derive that number from the exact quantities so
a user can reconcile symconv with torch, fvcore, ptflops, thop or torchinfo.
Every rule was measured on real ``torch.nn`` modules (torch 2.13.0, fvcore
0.1.5.post20221221, ptflops 0.7.5, thop 0.1.1.post2209072238, torchinfo
1.8.0) and is tested against those tools in ``tests/test_conventions.py``;
``docs/conventions.md`` tabulates them with the tool function each comes from.

Examples
--------
A 3x3 convolution, 2 -> 4 channels, batch 2, 5 output positions, with bias:

>>> import sympy as sp
>>> c = OpCounts(family="conv", macs=sp.Integer(360), mults=sp.Integer(360),
...              adds=sp.Integer(360), bias_adds=sp.Integer(40),
...              in_elements=sp.Integer(98), out_elements=sp.Integer(40),
...              batch=sp.Integer(2), params=sp.Integer(76))
>>> v = conventions(c)
>>> v["torch"], v["fvcore"], v["thop"], v["torchinfo"], v["ptflops_aten"]
(720, 360, 360, 400, 400)
>>> v["ptflops"]   # per sample: ptflops divides by the batch size
200
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

ZERO = sp.Integer(0)
ONE = sp.Integer(1)

#: Families whose work is a matrix product (the only ones torch and ptflops-aten count).
MATMUL_FAMILIES = frozenset({"conv", "linear"})
#: Products of two activations (``matmul``, ``einsum``) and attention: FlopCounterMode counts
#: their ``bmm``/``mm`` (and scaled-dot-product attention) as 2 per MAC, like a linear layer.
PRODUCT_FAMILIES = frozenset({"matmul", "attention"})

#: Families measured against every tool (tests/test_conventions.py).
_MEASURED = frozenset({
    "conv", "linear", "pool_max", "pool_avg", "pool_adaptive", "norm",
    "relu", "leaky_relu", "gelu", "other",
})
#: Families of the layers issue 12 added (torchvision's zoo): their FlopCounterMode rule
#: (``torch``: 2 per MAC of a product, 0 otherwise) is tested on every zoo model; the other
#: tools' rules for them are not derived, so those conventions are left out (a network's
#: total of a tool is only given when every row has that tool's rule).
_TORCH_ONLY = frozenset({
    "relu6", "silu", "hardswish", "hardsigmoid", "softmax", "layer_norm", "group_norm",
    "reduce", "upsample", "matmul", "attention",
})

#: Every family a layer may declare in :class:`OpCounts`.
FAMILIES = _MEASURED | _TORCH_ONLY

#: How a layer was called in a traced torch model: a ``torch.nn`` module, a
#: ``torch.nn.functional`` function, or another torch function / tensor method.
#: Hook-based tools (thop, torchinfo, ptflops' module hooks) see only modules;
#: ptflops also patches some ``torch.nn.functional`` functions.
CALLED_AS = ("module", "functional", "torch")

#: One-line description of every convention, shown in docs and the CLI.
CONVENTIONS = {
    "exact": "every multiplication and addition (mults + adds), bias included",
    "macs": "multiply-accumulates of the weight products, bias excluded",
    "torch": "torch.utils.flop_counter.FlopCounterMode forward: 2*MACs for conv, "
    "transposed conv and linear; bias and every other layer count 0",
    "torch_backward": "FlopCounterMode backward when the input needs a gradient: "
    "grad_input 2*MACs plus grad_weight 2*groups*MACs (torch over-counts grouped convs)",
    "torch_backward_first_layer": "FlopCounterMode backward when the input needs no "
    "gradient (a network's first layer): grad_weight only, 2*groups*MACs",
    "fvcore": "fvcore FlopCountAnalysis, eval mode: MACs for conv and linear; batch norm 2 per "
    "element (1 without affine); AdaptiveAvgPool2d 1 per input element; everything else 0",
    "ptflops": "ptflops get_model_complexity_info (pytorch backend, the default): a count "
    "per sample (divided by the batch size) of MACs + bias, pooling 1 per input element, "
    "ReLU/GELU 1 per output element, batch norm 2 (1) per element; pooling, ReLU and GELU "
    "also add the whole batch's input elements through its patched torch.nn.functional",
    "ptflops_aten": "ptflops aten backend: MACs plus one per output element for the bias, "
    "conv and linear only, whole batch",
    "thop": "thop profile: output elements x (in_channels/groups x kernel volume) for conv, "
    "which is not the MACs of a transposed conv; MACs for linear; batch norm 4 per element "
    "(2 without affine); average pooling 1 per output element; adaptive average pooling "
    "1 per input and 1 per output element; max pooling and activations 0",
    "torchinfo": "torchinfo summary total_mult_adds: conv as thop plus one per output element "
    "for the bias; every other layer batch x its parameter count (linear, batch norm)",
}


@dataclass(frozen=True)
class OpCounts:
    """The quantities of one layer that conventions are computed from.

    Every count includes the batch.  ``fan_in`` is the number of products
    behind one output of the direct form of a convolution or linear layer
    (``in_channels/groups x kernel volume``, or ``in_features``); it defaults
    to ``macs / out_elements``, which is right for every layer except a
    transposed convolution, whose products are counted per *input* element.
    """

    family: str
    macs: sp.Expr
    mults: sp.Expr
    adds: sp.Expr
    bias_adds: sp.Expr
    in_elements: sp.Expr
    out_elements: sp.Expr
    affine: bool = True
    batch: sp.Expr = ONE
    params: sp.Expr = ZERO
    fan_in: sp.Expr | None = None
    groups: sp.Expr = ONE
    spatial_dims: int = 2
    called_as: str = "module"

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"unknown layer family {self.family!r}; known: {sorted(FAMILIES)}")
        if self.called_as not in CALLED_AS:
            raise ValueError(f"called_as must be one of {CALLED_AS}, not {self.called_as!r}")

    @property
    def direct_fan_in(self) -> sp.Expr:
        """Products per output of the direct (gather) form of the layer."""
        if self.fan_in is not None:
            return self.fan_in
        # The batch and output positions are common factors: SymPy cancels them.
        return self.macs / self.out_elements if self.macs != 0 else ZERO


def conventions(c: OpCounts) -> dict[str, sp.Expr]:
    """Each named convention's count for one layer (see :data:`CONVENTIONS`).

    >>> c = OpCounts("norm", ZERO, sp.Integer(6), sp.Integer(6), ZERO, sp.Integer(6),
    ...              sp.Integer(6), batch=sp.Integer(2), params=sp.Integer(2))
    >>> {k: v for k, v in conventions(c).items() if v}
    {'exact': 12, 'fvcore': 12, 'ptflops': 6, 'thop': 24, 'torchinfo': 4}

    A family without a tool's measured rule has no entry for that tool:

    >>> sorted(conventions(OpCounts("silu", ZERO, sp.Integer(6), ZERO, ZERO, sp.Integer(6),
    ...                             sp.Integer(6))))
    ['exact', 'macs', 'torch', 'torch_backward', 'torch_backward_first_layer']
    """
    torch_forward = 2 * c.macs if c.family in MATMUL_FAMILIES | PRODUCT_FAMILIES else ZERO
    out = {"exact": c.mults + c.adds, "macs": c.macs, "torch": torch_forward}
    if c.family not in PRODUCT_FAMILIES:  # backward of a product depends on its inputs' grads
        out["torch_backward"] = torch_backward(c.family, c.macs, True, c.groups)
        out["torch_backward_first_layer"] = torch_backward(c.family, c.macs, False, c.groups)
    if c.family in _TORCH_ONLY:
        return out
    if c.called_as != "module" and c.family in MATMUL_FAMILIES | {"norm"}:
        return out  # F.conv2d / F.linear: hook tools attribute them to the calling module
    out.update({
        "fvcore": _fvcore(c),
        "ptflops": _ptflops(c),
        "ptflops_aten": c.macs + c.bias_adds if c.family in MATMUL_FAMILIES else ZERO,
        "thop": _thop(c) if c.called_as == "module" else ZERO,
        "torchinfo": _torchinfo(c) if c.called_as == "module" else ZERO,
    })
    return out


def torch_backward(
    family: str, macs: sp.Expr, input_needs_grad: bool = True, groups: sp.Expr = ONE
) -> sp.Expr:
    """FlopCounterMode's count for a layer's backward pass.

    ``conv_backward_flop`` counts grad_input as a transposed convolution
    (``2*MACs``) and grad_weight as a convolution whose "batch" is the input
    channels and whose channels are the batch, which ignores the groups:
    ``2*groups*MACs``.  grad_input is skipped when the input needs no gradient
    (the first layer of a network).  Linear layers are two ``mm`` of
    ``2*MACs`` each.  Bias gradients and every other layer count 0.

    >>> torch_backward("conv", sp.Integer(10)), torch_backward("conv", sp.Integer(10), False, 3)
    (40, 60)
    """
    if family not in MATMUL_FAMILIES:
        return ZERO
    grad_weight = 2 * groups * macs
    return grad_weight + (2 * macs if input_needs_grad else ZERO)


def _fvcore(c: OpCounts) -> sp.Expr:
    # fvcore.nn.jit_handles: conv_flop_jit / linear_flop_jit count one flop per
    # MAC; batchnorm_flop_jit in eval mode 2 (affine) or 1 per input element;
    # elementwise_flop_counter(1, 0) for aten::adaptive_avg_pool2d only (the
    # 1-d and 3-d ops, max/avg pooling and activations have no handle: 0).
    if c.family in MATMUL_FAMILIES:
        return c.macs
    if c.family == "norm":
        return (2 if c.affine else 1) * c.in_elements
    if c.family == "pool_adaptive" and c.spatial_dims == 2:
        return c.in_elements
    return ZERO


def _ptflops(c: OpCounts) -> sp.Expr:
    # ptflops.pytorch_ops: module hooks accumulate the whole batch, and
    # compute_average_flops_cost divides by the batch size.  The F.* functions
    # patched by patch_functional (relu, gelu, *pool*) add the whole batch's
    # input elements again, undivided, when nn.ReLU/GELU/pooling call them.
    # Each term carries the batch as a factor; dividing term by term lets SymPy cancel it.
    # F.relu called directly: no module hook, the patched function only; torch.relu and
    # x.relu() are not patched at all.
    hooks = _ptflops_module_hook(c) if c.called_as == "module" else ()
    per_sample = sum((term / c.batch for term in hooks), ZERO)
    patched = c.family in _PTFLOPS_PATCHED_FUNCTIONALS and c.called_as in ("module", "functional")
    return per_sample + (c.in_elements if patched else ZERO)


_PTFLOPS_PATCHED_FUNCTIONALS = frozenset(
    {"pool_max", "pool_avg", "pool_adaptive", "relu", "gelu"}
)


def _ptflops_module_hook(c: OpCounts) -> tuple[sp.Expr, ...]:
    """The terms a module hook adds up over the whole batch."""
    if c.family in MATMUL_FAMILIES:  # conv_flops_counter_hook, linear_flops_counter_hook
        return (c.macs, c.bias_adds)
    if c.family == "norm":  # bn_flops_counter_hook
        return ((2 if c.affine else 1) * c.in_elements,)
    if c.family in {"pool_max", "pool_avg", "pool_adaptive"}:  # pool_flops_counter_hook
        return (c.in_elements,)
    if c.family in {"relu", "leaky_relu", "gelu"}:  # relu_flops_counter_hook
        return (c.out_elements,)
    return ()


def _thop(c: OpCounts) -> sp.Expr:
    # thop.vision.basic_hooks + calc_func.
    if c.family in MATMUL_FAMILIES:
        # count_convNd: prod(output shape) * in_channels/groups * kernel volume, the
        # same for transposed convs; count_linear: in_features * output elements.
        return c.out_elements * c.direct_fan_in
    if c.family == "norm":
        # count_normalization: calculate_norm already doubles, then x2 when affine.
        return (4 if c.affine else 2) * c.in_elements
    if c.family == "pool_avg":  # count_avgpool
        return c.out_elements
    if c.family == "pool_adaptive":
        # count_adap_avgpool: (prod(in/out sizes) + 1) * output elements.  In exact
        # arithmetic that is in + out elements; thop computes it in float64 and
        # truncates, so when a size does not divide it may report one less.
        return c.in_elements + c.out_elements
    return ZERO  # zero_ops for max pooling and ReLU; LeakyReLU's hook returns 0 too


def _torchinfo(c: OpCounts) -> sp.Expr:
    # torchinfo.layer_info.LayerInfo.calculate_macs: for a "Conv" module each
    # parameter tensor times batch x output positions; for any other module each
    # parameter tensor times output_size[0], the batch (extra leading axes of a
    # Linear input are ignored).
    if c.family == "conv":
        return c.out_elements * c.direct_fan_in + c.bias_adds
    return c.batch * c.params
