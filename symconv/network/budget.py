"""Largest batch that fits a memory budget, under a stated memory policy.

A policy says which tensors count.  Every policy counts elements per sample
(``A``) and elements independent of the batch (``F``); with ``b`` bytes per
element and ``M`` bytes available the largest batch is
``floor((M - b*F) / (b*A))``.

``max_activation``
    ``A`` = the largest single activation (the input or one layer's output);
    ``F = 0``.  The reading of seed 004: only the biggest tensor must fit.
``all_activations``
    ``A`` = the input plus every layer's output, as when a forward pass keeps
    all of them; outputs of views (Flatten) share memory and are not counted.
    ``F`` = the outputs of rows computed from parameters or constants only (a
    transformer's position-bias tables: one per forward, not per sample), else 0.
``training``
    ``A`` as for ``all_activations`` (activations kept for the backward pass);
    ``F`` = those constant rows, the parameters, their gradients and the optimizer's state
    (``sgd``: none, ``momentum``: one buffer, ``adam``: two moment buffers).

None of them counts framework workspace, temporary buffers of the backward
pass, fragmentation or the CUDA context: real limits are lower.

Examples
--------
>>> import symconv
>>> net = symconv.Sequential(symconv.Conv2d(1, 64, 3, padding=1), symconv.MaxPool2d(2))
>>> r = symconv.analyze(net, (1, 256, 256))
>>> b = r.max_batch(parse_bytes("12GiB"), policy="max_activation")
>>> b.batch, b.per_sample_elements
(768, 4194304)
>>> r.max_batch(12 * 2**30, policy="all_activations").batch
606
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sympy as sp

from symconv.exprmap import as_number
from symconv.report import dtype_bytes
from symconv.solution import Calculation, Text
from symconv.symbols import to_expr

#: Policies and what each counts (shown in every budget's statement).
POLICIES = {
    "max_activation": "the largest single activation (input or one layer's output) per sample",
    "all_activations": "the input and every layer's output per sample (views excluded)",
    "training": "activations kept for backward per sample, plus weights, their gradients and "
                "the optimizer state",
}
#: Buffers per parameter an optimizer keeps, besides weights and gradients.
OPTIMIZER_SLOTS = {"sgd": 0, "momentum": 1, "adam": 2}

_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
          "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}


def parse_bytes(text: str | int) -> int:
    """Bytes from ``"12GiB"`` (binary units) or ``"12GB"`` (decimal units) or an integer.

    >>> parse_bytes("12GiB"), parse_bytes("1.5 KB"), parse_bytes(64)
    (12884901888, 1500, 64)
    """
    if isinstance(text, int):
        return text
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*", text)
    if not match or match.group(2).upper() not in _UNITS:
        raise ValueError(f"{text!r} is not a memory size (e.g. 12GiB, 16GB, 8589934592)")
    value = sp.Rational(match.group(1)) * _UNITS[match.group(2).upper()]
    if not value.is_Integer:
        raise ValueError(f"{text!r} is not a whole number of bytes")
    return int(value)


@dataclass(frozen=True)
class BatchBudget:
    """The largest batch and everything it was computed from."""

    policy: str
    dtype: str
    bytes_per_element: int
    memory_bytes: sp.Expr
    per_sample_elements: sp.Expr
    fixed_elements: sp.Expr
    batch: sp.Expr
    statement: str

    def __int__(self) -> int:
        return int(self.batch)

    def __str__(self) -> str:
        return f"largest batch {self.batch}: {self.statement}"

    def __repr__(self) -> str:
        from symconv.display.memory import budget_text

        return budget_text(self)

    def _repr_html_(self) -> str:
        from symconv.display.memory import budget_html

        return budget_html(self)

    def _repr_latex_(self) -> str:
        from symconv.display.memory import budget_latex

        return budget_latex(self)

    def steps(self) -> list[Any]:
        """The computation as solution steps (for answer keys; shown worked in Jupyter)."""
        from symconv.display.steps import Steps

        M, b, A, F = sp.symbols("M b A F", positive=True, integer=True)
        formula = sp.floor((M - b * F) / (b * A)) if self.fixed_elements != 0 else sp.floor(
            M / (b * A))
        values = {"M": self.memory_bytes, "b": self.bytes_per_element,
                  "A": self.per_sample_elements, "F": self.fixed_elements}
        return Steps([Text(self.statement),
                      Calculation("B_max", formula, values=values, result=self.batch)],
                     title="Largest batch")


def policy_elements(report: Any, policy: str, optimizer: str = "adam") -> tuple[sp.Expr, sp.Expr]:
    """Per-sample and fixed element counts of ``policy`` for a network report."""
    # Rows computed from parameters or constants only (a position-bias table) are one tensor
    # per forward, not per sample: they count as fixed elements.
    per_row = [row for row in report.layers if getattr(row, "batched", True)]
    constants = sp.Add(*(row.per_sample_activations for row in report.layers
                         if not getattr(row, "batched", True) and row.kind != "reshape"))
    outputs = [row.per_sample_activations for row in per_row]
    if policy == "max_activation":
        return sp.Max(report.input_activations, *outputs), sp.Integer(0)
    kept = [row.per_sample_activations for row in per_row if row.kind != "reshape"]
    per_sample = sp.Add(report.input_activations, *kept)
    if policy == "all_activations":
        return per_sample, constants
    if policy == "training":
        if optimizer not in OPTIMIZER_SLOTS:
            raise ValueError(f"unknown optimizer {optimizer!r}; known: {', '.join(OPTIMIZER_SLOTS)}")
        return per_sample, constants + (2 + OPTIMIZER_SLOTS[optimizer]) * report.total.params
    raise ValueError(f"unknown memory policy {policy!r}; known: {', '.join(POLICIES)}")


def max_batch(report: Any, memory_bytes: Any, dtype: str = "float32",
              policy: str = "max_activation", optimizer: str = "adam") -> BatchBudget:
    """Largest batch of ``report``'s network within ``memory_bytes`` under ``policy``."""
    size = dtype_bytes(dtype)
    memory = (sp.Integer(parse_bytes(memory_bytes)) if isinstance(memory_bytes, str | int)
              else to_expr(memory_bytes, "memory_bytes") if isinstance(memory_bytes, sp.Basic)
              else as_number(memory_bytes))
    per_sample, fixed = policy_elements(report, policy, optimizer)
    batch = sp.floor((memory - size * fixed) / (size * per_sample))
    if batch.is_negative:
        batch = sp.Integer(0)
    statement = (f"policy {policy!r}: counts {POLICIES[policy]}"
                 + (f" ({optimizer}: {OPTIMIZER_SLOTS[optimizer]} state buffers per parameter)"
                    if policy == "training" else "")
                 + f"; {dtype} = {size} bytes per element")
    return BatchBudget(policy, dtype, size, memory, per_sample, fixed, batch, statement)
