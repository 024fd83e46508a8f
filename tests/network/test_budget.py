"""Memory budgets: element counts against torch's own tensors, batch sizes by integer division."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symconv
from symconv.network.budget import parse_bytes
from symconv.spec import build_network

from . import torch_nets as T

SEED004 = Path(__file__).parent / "data" / "seed004.toml"
GIB = 2**30


def seed004_net(shape=None):
    data = tomllib.loads(SEED004.read_text())
    return symconv.analyze(build_network(data["network"]), shape or tuple(data["input"]))


def torch_activations(torch, module, shape):
    """Per-sample elements of the input and of every leaf module's output (views marked)."""
    outputs = []
    hooks = [m.register_forward_hook(lambda m, i, o: outputs.append((o[0].numel(), o._is_view())))
             for m in module.modules() if not list(m.children())]
    with torch.no_grad():
        module(torch.empty((1, *shape), device="meta"))
    for h in hooks:
        h.remove()
    return T.prod(shape), outputs


@pytest.fixture(scope="module")
def seed004_torch(torch):
    with torch.device("meta"):
        module = T.seed004(torch)
    return module, *torch_activations(torch, module, (1, 256, 256))


@pytest.mark.torch
def test_seed004_largest_activation_and_768_samples(seed004_torch):
    module, input_elements, outputs = seed004_torch
    largest = max([input_elements] + [n for n, _ in outputs])
    report = seed004_net()
    assert report.bottleneck.per_sample_activations == largest == 4_194_304
    assert report.bottleneck.name == "0"  # the first of the two 64-channel convs
    budget = report.max_batch(12 * GIB, "float32", "max_activation")
    assert budget.batch == 12 * GIB // (4 * largest) == 768
    assert "max_activation" in budget.statement and "largest single activation" in str(budget)
    assert int(budget) == 768
    assert report.total.params == T.n_params(module)


@pytest.mark.torch
@pytest.mark.parametrize("dtype,size", [("float32", 4), ("float16", 2), ("float64", 8)])
def test_all_activations_and_training_policies(seed004_torch, dtype, size):
    module, input_elements, outputs = seed004_torch
    kept = input_elements + sum(n for n, is_view in outputs if not is_view)
    report = seed004_net()
    budget = report.max_batch(12 * GIB, dtype, "all_activations")
    assert budget.per_sample_elements == kept
    assert budget.batch == 12 * GIB // (size * kept)

    params = T.n_params(module)
    for optimizer, slots in (("sgd", 0), ("momentum", 1), ("adam", 2)):
        budget = report.max_batch(12 * GIB, dtype, "training", optimizer=optimizer)
        assert budget.fixed_elements == (2 + slots) * params
        assert budget.batch == (12 * GIB - size * (2 + slots) * params) // (size * kept)
        assert optimizer in budget.statement


def test_budget_too_small_gives_zero():
    report = seed004_net()
    assert report.max_batch(1024, policy="training").batch == 0


@settings(max_examples=15)
@given(st.integers(32, 512), st.integers(32, 512), st.integers(2**20, 2**36))
def test_symbolic_budget_substituted_equals_numeric(h, w, memory):
    net = symconv.Sequential(symconv.Conv2d(3, 16, 3, padding=1), symconv.MaxPool2d(2),
                             symconv.Conv2d(16, 64, 3, stride=2))
    symbolic = symconv.analyze(net, (3, "h", "w"))
    numeric = symconv.analyze(net, (3, h, w))
    for policy in ("max_activation", "all_activations", "training"):
        general = symbolic.max_batch(memory, policy=policy).batch
        assert general.subs({symconv.sym("h"): h, symconv.sym("w"): w}) == numeric.max_batch(
            memory, policy=policy).batch


def test_bottleneck_is_decided_for_every_size_where_it_can_be():
    # 64*(floor((h-5)/2)+1)**2 <= 16*(h-2)**2 for every valid h: decidable (tests/display has more).
    net = symconv.Sequential(symconv.Conv2d(3, 16, 3), symconv.Conv2d(16, 64, 3, stride=2))
    report = symconv.analyze(net, (3, "h", "w"))
    assert report.bottleneck.name == "0"
    assert report.subs(h=64, w=64).bottleneck.name == "0"
    assert report.subs(h=8, w=8).bottleneck.name == "0"


def test_parse_bytes_units():
    assert parse_bytes("12GiB") == 12 * GIB
    assert parse_bytes("12 GB") == 12 * 10**9
    assert parse_bytes("0.5MiB") == 2**19
    with pytest.raises(ValueError):
        parse_bytes("12 bananas")
    with pytest.raises(ValueError):
        symconv.analyze(symconv.Sequential(symconv.ReLU()), (3,)).max_batch(10, policy="peak")


def test_budget_steps_are_a_calculation_that_evaluates_to_the_batch():
    from symconv.solution import Calculation, Text

    report = seed004_net()
    for policy in ("max_activation", "training"):
        budget = report.max_batch("12GiB", policy=policy)
        text, calc = budget.steps()
        assert isinstance(text, Text) and policy in text.text
        assert isinstance(calc, Calculation) and calc.result == budget.batch
        values = {s: calc.values[s.name] for s in calc.formula.free_symbols}
        assert calc.formula.xreplace(values) == budget.batch


@pytest.mark.torch
def test_rows_on_parameters_only_are_fixed_memory_not_per_sample(torch):
    nn = torch.nn

    class Biased(nn.Module):
        """A learned (c, w, h) table, transposed once per forward and added to every sample."""

        def __init__(self):
            super().__init__()
            self.table = nn.Parameter(torch.zeros(3, 5, 4))

        def forward(self, x):
            return x + self.table.transpose(1, 2).contiguous()

    report = symconv.analyze(symconv.from_torch(Biased()), (3, 4, 5), batch="B")
    fixed = report.row("contiguous")
    assert not fixed.batched and fixed.report.batch == 1
    assert report.row("add").batched and report.row("add").activations == symconv.sym("B") * 60
    b = report.max_batch(4 * (60 + 2 * 120), policy="all_activations")  # float32: 2 samples
    # per sample: input 60 + add 60 (the transpose is a view); fixed: the contiguous copy, 60
    assert (b.per_sample_elements, b.fixed_elements, b.batch) == (120, 60, 2)
