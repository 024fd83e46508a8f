"""Tuple and shape references: built once, on one shared domain, one Reference per component.

A shape such as ``(c_o, floor((h + 2*p - k)/s) + 1, floor((w + 2*p - k)/s) + 1)``
is graded component by component with the ordinary cascade
(:func:`symconv.grading.equivalence.judge`).  All components share one domain
and one set of sample points, built from all of them together (so every
valid instance has every output dimension >= 1, and the residues of every
component's floors are sampled); that is what lets an answer's component be
compared with *another* reference component (a channels-last answer).
Reading answers is :mod:`~symconv.grading.shapetext` plus the safe parser;
the verdicts are :mod:`~symconv.grading.shapejudge`.

Examples
--------
>>> ref = shape_reference(("c_o", "h - k + 1", "w - k + 1"), {})
>>> ref.is_shape, ref.roles, ref.text
(True, ['channels', 'height', 'width'], '(c_o, h - k + 1, w - k + 1)')
>>> [N.to_text(a) for a in read_answer("c_o x (h-k+1) x (w-k+1)", ref.known)]
['c_o', 'h - k + 1', 'w - k + 1']
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Union

import sympy as sp

from symconv.grading import nodes as N
from symconv.grading.convert import expected_tree, from_sympy
from symconv.grading.domain import Domain, PointSet
from symconv.grading.equivalence import Reference
from symconv.grading.limits import (
    DEFAULT_LIMITS,
    REFERENCE_LIMITS,
    REFERENCE_TIME_LIMIT,
    InvalidAnswer,
    Limits,
    OutOfTime,
    time_budget,
)
from symconv.grading.parser import parse
from symconv.grading.shapelayout import roles_of
from symconv.grading.shapetext import split_shape

#: Components of a tuple: trees, or nested lists of them.
Components = list[Union[N.Node, "Components"]]

_CACHE: OrderedDict[Any, ShapeReference] = OrderedDict()
_CACHE_SIZE = 128
#: Tuples that could not be prepared, and why (the error, raised again at once).
_FAILED: OrderedDict[Any, Exception] = OrderedDict()


@dataclass
class ShapeReference:
    """A compiled tuple reference.

    Attributes
    ----------
    tree : the components as References, nested like the expected tuple
    leaves : the component References in order (all on ``domain`` and ``points``)
    is_shape : the tuple is a shape (every component a positive integer): only then is
        another order of the right dimensions partially right, and batch axes are recognised
    roles : what each component measures (``channels``, ``height``, ...) if it can be told
    batch : the batch size, when a leading batch axis in the answer is also correct
    strict : the order of the dimensions matters (a channels-last answer is incorrect)
    """

    tree: list[Any]
    leaves: list[Reference]
    domain: Domain
    points: PointSet
    known: frozenset[str]
    is_shape: bool
    roles: list[str] | None
    batch: Reference | None
    strict: bool
    _product: Reference | None = field(default=None, repr=False)

    @property
    def flat(self) -> bool:
        return all(isinstance(x, Reference) for x in self.tree)

    @property
    def text(self) -> str:
        return tuple_text(self.tree, lambda r: r.text)

    @property
    def shown(self) -> str:
        """The expected tuple as the student should see it: numbers when nothing is free."""
        if self.domain.free:
            return self.text
        return tuple_text(self.tree, lambda r: _number_text(r.values[0]))

    def needs(self) -> Limits:
        """What an answer may need (the largest of the components' needs)."""
        out = Limits(*(0 for _ in Limits.__dataclass_fields__))
        for leaf in self.leaves:
            out = out.at_least(leaf.needs())
        return out

    def product(self) -> Reference:
        """The number of elements, on the same points (a student who multiplied them out)."""
        if self._product is None:
            self._product = component(N.mul(*(r.tree for r in self.leaves)), self.domain,
                                      self.points)
        return self._product


def shape_reference(expected: Any, overrides: dict[str, Any],
                    conditions: tuple[N.Node, ...] = (), defaults: bool = True, seed: int = 0,
                    *, batch_axis: Any = None, strict_order: bool = False,
                    shape: bool | None = None) -> ShapeReference:
    """The (cached) reference for a tuple ``expected`` (see :func:`expected_components`)."""
    key = (_key(expected), repr(sorted(overrides.items(), key=lambda kv: kv[0])),
           tuple(c.key() for c in conditions), defaults, seed, _key(batch_axis),
           strict_order, shape)
    cached = _CACHE.get(key)
    if cached is not None:
        _CACHE.move_to_end(key)
        return cached
    failed = _FAILED.get(key)
    if failed is not None:  # it failed before: at once, not after another time budget
        raise failed.with_traceback(None)
    try:
        with time_budget(REFERENCE_TIME_LIMIT, within=False):
            try:
                components = expected_components(expected)
                if components is None:
                    raise ValueError(f"{expected!r} is not a tuple")
                ref = _build(components, overrides, conditions, defaults, seed, batch_axis,
                             strict_order, shape)
            except OutOfTime:
                raise ValueError(f"the reference tuple could not be prepared within "
                                 f"{REFERENCE_TIME_LIMIT:g} s") from None
    except (ValueError, TypeError) as exc:
        _FAILED[key] = exc
        if len(_FAILED) > _CACHE_SIZE:
            _FAILED.popitem(last=False)
        raise
    _CACHE[key] = ref
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return ref


def _key(x: Any) -> Any:
    if isinstance(x, sp.Basic):
        return ("sympy", x)
    if isinstance(x, (list, tuple)):
        return ("seq", tuple(_key(v) for v in x))
    if type(x) in (int, Fraction):
        return (type(x).__name__, x)  # repr() refuses an int past 4,300 digits
    return (type(x).__name__, repr(x))


def is_tuple(expected: Any) -> bool:
    """Whether ``expected`` is a tuple reference (a sequence, a SymPy Tuple or tuple text)."""
    if isinstance(expected, str):
        return _is_tuple_text(expected)
    return _is_tuple(expected)


@functools.lru_cache(maxsize=4096)
def _is_tuple_text(expected: str) -> bool:
    return _is_tuple(expected)


def _is_tuple(expected: Any) -> bool:
    if isinstance(expected, (tuple, list, sp.Tuple)):
        return True
    if isinstance(expected, sp.MatrixBase):
        return 1 in expected.shape
    if isinstance(expected, str):
        try:
            return split_shape(expected) is not None
        except InvalidAnswer:
            return False
    return False


def expected_components(expected: Any) -> Components | None:
    """The trees of a trusted tuple reference, or None if ``expected`` is not a tuple."""
    if isinstance(expected, sp.MatrixBase) and 1 in expected.shape:
        expected = list(expected)
    if isinstance(expected, str):
        parts = split_shape(expected)
        if parts is None:
            return None
        return _parse_parts(parts, None, REFERENCE_LIMITS, "the expected tuple", expected=True)
    if not isinstance(expected, (tuple, list, sp.Tuple)):
        return None
    if len(expected) == 0:
        raise ValueError("the expected tuple is empty")
    return [_expected_item(x) for x in expected]


def _expected_item(x: Any) -> Any:
    if isinstance(x, (tuple, list, sp.Tuple)):
        return expected_components(x)
    return expected_tree(x, "component", floats=False)


def read_answer(answer: Any, known: Collection[str],
                limits: Limits = DEFAULT_LIMITS) -> Components | N.Node:
    """An answer as component trees, or one tree if it is not written as a tuple."""
    if isinstance(answer, (tuple, list)):
        if len(answer) > limits.max_components:
            raise InvalidAnswer("too_long", f"the answer has more than {limits.max_components} "
                                "components")
        return [read_answer(a, known, limits) for a in answer]
    if isinstance(answer, str):
        parts = split_shape(answer, known, limits, thousands=False)
        if parts is not None:
            return _parse_parts(parts, known, limits, "component")
        return parse(answer, known, limits)
    if isinstance(answer, bool) or not isinstance(answer, (int, Fraction)):
        if isinstance(answer, sp.Basic) and answer.is_Rational:
            return from_sympy(answer)
        raise InvalidAnswer("not_text", f"cannot grade an answer of type {type(answer).__name__}")
    return N.num(answer)


def _parse_parts(parts: list[Any], known: Collection[str] | None, limits: Limits, what: str,
                 expected: bool = False, prefix: str = "") -> Components:
    out: Components = []
    for i, part in enumerate(parts):
        name = f"{prefix}{i + 1}"
        if isinstance(part, list):
            out.append(_parse_parts(part, known, limits, what, expected, name + "."))
            continue
        try:
            out.append(parse(part, known, limits))
        except InvalidAnswer as exc:
            if expected:
                raise ValueError(f"{what} {part!r} cannot be read: {exc}") from None
            raise InvalidAnswer(exc.code, f"{what} {name}: {exc.message}") from None
    return out


def _build(components: Components, overrides: dict[str, Any], conditions: tuple[N.Node, ...],
           defaults: bool, seed: int, batch_axis: Any, strict: bool,
           shape: bool | None) -> ShapeReference:
    trees = flatten(components)
    batch_tree = None if batch_axis is None else _expected_item(batch_axis)
    if isinstance(batch_tree, list):
        raise ValueError("the batch axis must be one number or symbol")
    every = tuple(trees) + ((batch_tree,) if batch_tree is not None else ())
    whole = N.Node("all", every)  # every component: their names, floors and definedness
    domain = Domain.build(whole.names(), overrides, conditions, whole, defaults, seed)
    points = domain.sample(whole)
    if points.n == 0:
        shown = "; ".join(text for _, text in domain.conditions) or "none"
        raise ValueError(f"no valid instance of {tuple_text(components, N.to_text)} satisfies "
                         f"the domain (conditions: {shown})")
    leaves = [component(t, domain, points) for t in trees]
    nested = _nest(components, iter(leaves))
    flat = all(not isinstance(c, list) for c in components)
    if shape is None:
        shape = flat and all(isinstance(v, int) and v >= 1 for r in leaves for v in r.values)
    if shape and flat:
        for leaf in leaves:
            leaf.kind = "shape"  # a dimension: no FLOPs or bias hints
    batch = component(batch_tree, domain, points) if batch_tree is not None else None
    return ShapeReference(nested, leaves, domain, points, frozenset(domain.symbols),
                          bool(shape and flat), roles_of(trees, bool(shape and flat)), batch,
                          strict)


def component(tree: N.Node, domain: Domain, points: PointSet) -> Reference:
    """A Reference for one component, on the tuple's shared domain and points."""
    return Reference.on(tree, domain, points)


def flatten(items: Sequence[Any]) -> list[Any]:
    """The leaves of a nested list, in order."""
    out: list[Any] = []
    for x in items:
        out.extend(flatten(x) if isinstance(x, list) else [x])
    return out


def _nest(template: Sequence[Any], leaves: Any) -> list[Any]:
    return [_nest(x, leaves) if isinstance(x, list) else next(leaves) for x in template]


def structure(items: Sequence[Any]) -> tuple:
    """The nesting of a tuple, without its values: ``((0, 3), (1, 4))`` -> ``((1, 1), (1, 1))``."""
    return tuple(structure(x) if isinstance(x, list) else 1 for x in items)


def tuple_text(items: Sequence[Any], show: Any) -> str:
    """``(a, b, c)``, nested, with ``show`` applied to each leaf."""
    inner = ", ".join(tuple_text(x, show) if isinstance(x, list) else show(x) for x in items)
    return f"({inner},)" if len(items) == 1 else f"({inner})"


def _number_text(v: Any) -> str:
    """Exact digits (an int past 4,300 digits cannot be ``str()``'d: shortened instead)."""
    if isinstance(v, Fraction):
        return f"{N.int_text(v.numerator)}/{N.int_text(v.denominator)}"
    if isinstance(v, int) and not isinstance(v, bool):
        return N.int_text(v)
    return str(v)
