"""Named counting conventions: what each profiling tool reports for a layer.

symconv's own counts are exact (every multiplication, addition and comparison
of a stated algorithm).  Tools report one number each, under their own
conventions; these functions derive that number from the exact quantities so
a user can reconcile symconv with torch, fvcore, ptflops or thop.  The table
in ``docs/conventions.md`` says where each rule comes from; the ``torch``
rule is checked against ``torch.utils.flop_counter.FlopCounterMode`` in the
tests.

Examples
--------
>>> import sympy as sp
>>> c = OpCounts(family="conv", macs=sp.Integer(10), mults=sp.Integer(10),
...              adds=sp.Integer(9), bias_adds=sp.Integer(1),
...              in_elements=sp.Integer(4), out_elements=sp.Integer(1))
>>> conventions(c)["torch"], conventions(c)["fvcore"], conventions(c)["ptflops"]
(20, 10, 11)
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

ZERO = sp.Integer(0)

#: One-line description of every convention, shown in docs and the CLI.
CONVENTIONS = {
    "exact": "every multiplication and addition (mults + adds), bias included",
    "macs": "multiply-accumulates of the weight products, bias excluded",
    "torch": "torch.utils.flop_counter.FlopCounterMode: 2*MACs for conv, "
    "transposed conv and matmul; bias and non-matmul layers count 0",
    "fvcore": "fvcore FlopCountAnalysis: 1 per MAC for conv and linear (bias excluded); "
    "batch norm 1 per input element in eval; adaptive average pooling 1 per input element; "
    "max pooling, ReLU and other element-wise ops 0",
    "ptflops": "ptflops (pytorch backend): MACs plus one per output element for the bias; "
    "pooling 1 per input element; ReLU 1 per output element; batch norm 2 per element "
    "when affine, else 1",
    "thop": "thop profile (0.1.x): MACs for conv and linear (bias excluded); "
    "batch norm 2 per element when affine; pooling, ReLU: 0",
}


@dataclass(frozen=True)
class OpCounts:
    """The exact quantities of one layer that conventions are computed from."""

    family: str  # conv | linear | pool_max | pool_avg | pool_adaptive | norm | relu | other
    macs: sp.Expr
    mults: sp.Expr
    adds: sp.Expr
    bias_adds: sp.Expr
    in_elements: sp.Expr
    out_elements: sp.Expr
    affine: bool = True


def conventions(c: OpCounts) -> dict[str, sp.Expr]:
    """Each named convention's count for one layer's forward pass."""
    matmul_like = c.family in {"conv", "linear"}
    torch_count = 2 * c.macs if matmul_like else ZERO
    if matmul_like:
        fvcore = c.macs
        ptflops = c.macs + c.bias_adds
        thop = c.macs
    elif c.family == "norm":
        fvcore = c.in_elements
        ptflops = (2 if c.affine else 1) * c.in_elements
        thop = (2 if c.affine else 1) * c.in_elements
    elif c.family == "pool_adaptive":
        fvcore = c.in_elements
        ptflops = c.in_elements
        thop = ZERO
    elif c.family in {"pool_max", "pool_avg"}:
        fvcore = ZERO
        ptflops = c.in_elements
        thop = ZERO
    elif c.family == "relu":
        fvcore = ZERO
        ptflops = c.out_elements
        thop = ZERO
    else:
        fvcore = ptflops = thop = ZERO
    return {
        "exact": c.mults + c.adds,
        "macs": c.macs,
        "torch": torch_count,
        "fvcore": fvcore,
        "ptflops": ptflops,
        "thop": thop,
    }


def torch_backward(
    family: str, macs: sp.Expr, input_needs_grad: bool = True, groups: sp.Expr = 1
) -> sp.Expr:
    """FlopCounterMode's count for a layer's backward pass.

    A convolution's backward computes grad_weight and, unless the input needs
    no gradient (the first layer of a net), grad_input (2*MACs).  torch counts
    grad_weight as a convolution of the transposed input with grad_output that
    ignores ``groups``: ``2*groups*MACs``, ``groups`` times the real work.
    """
    if family not in {"conv", "linear"}:
        return ZERO
    grad_weight = 2 * groups * macs
    return grad_weight + (2 * macs if input_needs_grad else 0)
