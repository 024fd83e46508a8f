"""The grader's own expression tree: what the safe parser builds and the evaluator walks.

Student text never becomes a SymPy object before it has been checked: the
parser builds these small, inert nodes, the limits are enforced on them, and
only then are they evaluated (exactly, see :mod:`symconv.grading.evaluate`)
or converted to SymPy (see :mod:`symconv.grading.convert`).

Operators: ``num`` (int or Fraction), ``sym`` (a name), ``const`` (``pi``),
``add``, ``mul``, ``pow``, ``floor``, ``ceil``, ``abs``, ``sqrt``, ``exp``,
``log``, ``min``, ``max``, ``mod``, ``rel`` (a comparison), ``and``, ``or``,
``not``, ``pw`` (piecewise: value, condition, value, condition, ...), ``eq`` (an
equation or chain ``a = b = c``), ``all`` (several formulas together: a tuple's
components, whose names, floors and definedness count) and
``fn`` (a trusted SymPy function of the reference, evaluated through SymPy).

Examples
--------
>>> h, s = sym("h"), sym("s")
>>> e = add(floor(div(sub(h, num(3)), s)), num(1))
>>> to_text(e)
'floor((h - 3)/s) + 1'
>>> sorted(free_names(e))
['h', 's']
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from fractions import Fraction
from operator import attrgetter
from typing import Any

from mpmath.libmp import libmpf as F

Number = int | Fraction


class Node:
    """One node: an operator, its children and (for leaves) a value."""

    __slots__ = ("op", "args", "value", "_key", "_hash", "_names", "_size", "_text", "facts")

    def __init__(self, op: str, args: tuple[Node, ...] = (), value: Any = None) -> None:
        self.op = op
        self.args = args
        self.value = value
        self._key: tuple | None = None
        self._hash: int | None = None
        self._names: frozenset[str] | None = None
        self._size: int | None = None
        self._text: str | None = None  # to_text's, cached (a slot: read for every child)
        self.facts: dict[str, Any] = {}  # derived properties other modules cache here

    def key(self) -> tuple:
        """A hashable canonical form: sums and products compare regardless of order."""
        key = self._key
        if key is None:
            op = self.op
            if op in _LEAVES:
                key = (op, type(self.value).__name__, self.value)
            else:
                args: Iterable[Node] = self.args
                if op in _COMMUTATIVE:  # any fixed order works: equal multisets alike
                    hash(self)  # caches every child's hash, which the sort then reads
                    args = sorted(args, key=_CACHED_HASH)
                value = self.value
                key = (op, "None" if value is None else repr(value),
                       tuple([a._key or a.key() for a in args]))
            self._key = key
        return key

    def names(self) -> frozenset[str]:
        """Names of the free symbols."""
        names = self._names
        if names is None:
            if self.op == "sym":
                names = frozenset([self.value])
            else:
                names = frozenset().union(*[a._names or a.names() for a in self.args])
            self._names = names
        return names

    def size(self) -> int:
        """Number of nodes."""
        size = self._size
        if size is None:
            size = 1
            for a in self.args:  # a loop, not sum(generator): fresh parses size every node
                size += a._size or a.size()
            self._size = size
        return size

    def walk(self) -> Iterator[Node]:
        """This node and all below it, parents first (children in order).

        One generator with a stack: nested ``yield from`` resumed a generator per level
        for every node (quadratic in the depth).
        """
        stack = [self]
        pop, extend = stack.pop, stack.extend
        while stack:
            node = pop()
            yield node
            if node.args:
                extend(reversed(node.args))

    def __eq__(self, other: object) -> bool:
        # Equal keys imply equal hashes (a hash is computed from what the key holds), so
        # different hashes settle it without building either key.
        if self is other:
            return True
        if not isinstance(other, Node):
            return False
        return ((self._hash or hash(self)) == (other._hash or hash(other))
                and (self._key or self.key()) == (other._key or other.key()))

    def __hash__(self) -> int:
        """Cached, and computed from the children's cached hashes (a node is a memo key of
        the evaluator: hashing must not walk the tree every time)."""
        h = self._hash
        if h is None:
            op = self.op
            if op in _LEAVES:
                h = hash((op, type(self.value).__name__, self.value))
            else:
                hashes = [a._hash or hash(a) for a in self.args]
                if op in _COMMUTATIVE:
                    hashes.sort()
                value = self.value
                h = hash((op, "None" if value is None else repr(value), tuple(hashes)))
            self._hash = h
        return h

    def __repr__(self) -> str:
        return f"Node({to_text(self)!r})"


_COMMUTATIVE = frozenset(("add", "mul", "min", "max", "and", "or"))
#: A node's hash once computed (``hash(node)`` without a Python call per node).
_CACHED_HASH = attrgetter("_hash")
_LEAVES = frozenset(("num", "sym", "const"))


# -- constructors -----------------------------------------------------------
#: Leaves are shared: a node is never changed (what is cached on it, its hash, text, size
#: and bounds, depends on the node alone), so one ``h`` or ``-1`` serves every tree, and
#: its cached facts are computed once.  Bounded: small integers, and at most this many
#: names (answers are read against the question's names; references name what they like).
_SMALL_INTS: dict[int, Node] = {}
_SMALL_INT = 1024
_SYMS: dict[str, Node] = {}
_SYMS_SIZE = 4096


def num(value: Number) -> Node:
    # type() first: isinstance(v, Fraction) goes through ABCMeta, and most values are ints
    if type(value) is not int:
        if not (isinstance(value, Fraction) and value.denominator == 1):
            return Node("num", (), value)
        value = int(value)
    node = _SMALL_INTS.get(value)
    if node is None:
        node = Node("num", (), value)
        if -_SMALL_INT <= value <= _SMALL_INT:
            _SMALL_INTS[value] = node
    return node


def sym(name: str) -> Node:
    node = _SYMS.get(name)
    if node is None:
        node = Node("sym", (), name)
        if len(_SYMS) < _SYMS_SIZE:
            _SYMS[name] = node
    return node


#: Numbers are folded (``2*3`` -> ``6``) only while the result stays this small: folding
#: happens while parsing, before the evaluator's limits apply, so ``9e119 * 9e119 * ...``
#: must not become one gigantic literal there (the evaluator bounds the product instead).
FOLD_BITS = 1024


def _bits(v: Number) -> int:
    if type(v) is int:
        return v.bit_length()
    if isinstance(v, Fraction):
        return max(v.numerator.bit_length(), v.denominator.bit_length())
    return int(v).bit_length()


def _folds(v: Number, total: Number) -> bool:
    """Whether ``v`` is folded into ``total`` (their bits within :data:`FOLD_BITS`)."""
    if type(v) is int and type(total) is int:  # the common case, without two calls
        return v.bit_length() + total.bit_length() <= FOLD_BITS
    return _bits(v) + _bits(total) <= FOLD_BITS


def add(*terms: Node) -> Node:
    """Sum, flattened, with its (small) numbers added up into one last term."""
    total: Number = 0
    rest: list[Node] = []
    append = rest.append
    for item in terms:
        op = item.op
        if op == "num" and _folds(item.value, total):
            total += item.value
        elif op == "add":
            for t in item.args:
                if t.op == "num" and _folds(t.value, total):
                    total += t.value
                else:
                    append(t)
        else:
            append(item)
    if total != 0 or not rest:
        append(num(total))
    return rest[0] if len(rest) == 1 else Node("add", tuple(rest))


def mul(*factors: Node) -> Node:
    """Product, flattened, with its (small) numbers multiplied into one first factor."""
    coeff: Number = 1
    rest: list[Node] = []
    append = rest.append
    for item in factors:
        op = item.op
        if op == "num" and (item.value == 0 or _folds(item.value, coeff)):
            coeff *= item.value
        elif op == "mul":
            for f in item.args:
                if f.op == "num" and (f.value == 0 or _folds(f.value, coeff)):
                    coeff *= f.value
                else:
                    append(f)
        else:
            append(item)
    if coeff == 0 or not rest:
        return num(coeff)
    if coeff != 1:
        rest.insert(0, num(coeff))
    return rest[0] if len(rest) == 1 else Node("mul", tuple(rest))


def power(base: Node, exponent: Node) -> Node:
    return Node("pow", (base, exponent))


def neg(x: Node) -> Node:
    if x.op == "num":
        return num(-x.value)
    return mul(num(-1), x)


def sub(a: Node, b: Node) -> Node:
    return add(a, neg(b))


def div(a: Node, b: Node) -> Node:
    return mul(a, power(b, num(-1)))


def floor(x: Node) -> Node:
    return Node("floor", (x,))


def ceil(x: Node) -> Node:
    return Node("ceil", (x,))


def func(op: str, *args: Node, value: Any = None) -> Node:
    return Node(op, tuple(args), value)


def free_names(node: Node) -> frozenset[str]:
    return node.names()


def replace(node: Node, target: Node, new: Node) -> Node:
    """``node`` with every subtree equal to ``target`` replaced by ``new``."""
    if node is target or node == target:
        return new
    if not node.args:
        return node
    args = tuple(replace(a, target, new) for a in node.args)
    return rebuild(node, args)


def rebuild(node: Node, args: tuple[Node, ...]) -> Node:
    """A node like ``node`` with new children (sums and products re-flattened)."""
    if node.op == "add":
        return add(*args) if args else num(0)
    if node.op == "mul":
        return mul(*args) if args else num(1)
    return Node(node.op, args, node.value)


def rename(node: Node, table: dict[str, str]) -> Node:
    """Swap or rename symbols, e.g. ``{"h": "w", "w": "h"}``.

    A subtree without any of the names is kept as it is (the same object), so its cached
    hash, names and values serve the new tree too (mutants share most of the reference).
    """
    if node.names().isdisjoint(table):
        return node
    if node.op == "sym":
        return sym(table.get(node.value, node.value))
    return rebuild(node, tuple(rename(a, table) for a in node.args))


def substitute(node: Node, table: dict[str, Node]) -> Node:
    """Replace symbols by trees, e.g. a stride by ``1`` (untouched subtrees kept as they
    are, see :func:`rename`)."""
    if node.names().isdisjoint(table):
        return node
    if node.op == "sym":
        return table.get(node.value, node)
    return rebuild(node, tuple(substitute(a, table) for a in node.args))


# -- printing ---------------------------------------------------------------
def int_text(v: int, max_digits: int | None = None) -> str:
    """The decimal digits of ``v``; with ``max_digits``, or past 3,900 digits (which
    Python refuses to print and nobody reads), a longer number is shortened to its first
    and last digits (found in linear time: the first ones through mpmath).

    >>> int_text(-12345), int_text(7**9000, 20)
    ('-12345', '7627112078…1525400001 (7,606 digits)')
    """
    v = int(v)
    if v < 0:
        return "-" + int_text(-v, max_digits)
    if v.bit_length() < 13_000:
        text = str(v)
        if max_digits is None or len(text) <= max_digits:
            return text
        half = max(max_digits // 2, 1)
        return f"{text[:half]}…{text[-half:]} ({len(text):,} digits)"
    half = max((max_digits or 60) // 2, 1)
    mantissa, _, exponent = F.to_str(F.from_int(v, 4 * half + 128, F.round_floor),
                                     half + 20, strip_zeros=False).partition("e")
    digits = int(exponent) + 1
    if v < 10 ** (digits - 1):  # rounded up to the next power of ten: 999...9
        digits, lead = digits - 1, "9" * half
    else:
        lead = mantissa.replace(".", "")[:half]
    tail = str(v % 10**half).zfill(half)
    return f"{lead}…{tail} ({digits:,} digits)"


_PREC = {"add": 1, "mul": 2, "neg": 2, "pow": 4}
_REL = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "==": "=", "!=": "!="}
_FUNC_NAMES = {"floor": "floor", "ceil": "ceil", "abs": "abs", "sqrt": "sqrt", "exp": "exp",
               "log": "log", "min": "min", "max": "max", "mod": "mod", "all": "all"}


def _prec(node: Node) -> int:
    if node.op == "num":
        v = node.value
        if type(v) is int:  # before isinstance(v, Fraction), which goes through ABCMeta
            return 2 if v < 0 else 9
        if v < 0:
            return 2
        return 2 if isinstance(v, Fraction) else 9
    if node.op == "mul" and node.args and node.args[0].op == "num" and node.args[0].value == -1:
        return 2
    return _PREC.get(node.op, 9)


def _wrap(node: Node, parent: int) -> str:
    text = node._text or to_text(node)
    return f"({text})" if _prec(node) < parent else text


def to_text(node: Node) -> str:
    """Plain-text form (SymPy-like: ``*``, ``/``, ``**``), which the parser reads back
    (cached on the node: trees are never changed)."""
    text = node._text
    if text is None:
        text = node._text = _text(node)
    return text


def _text(node: Node) -> str:
    op = node.op
    if op == "num":
        v = node.value
        if type(v) is int:
            return int_text(v)
        if isinstance(v, Fraction):
            return f"{int_text(v.numerator)}/{int_text(v.denominator)}"
        return int_text(v) if not isinstance(v, bool) else str(v)
    if op in ("sym", "const"):
        return str(node.value)
    if op == "add":
        out = to_text(node.args[0])
        for term in node.args[1:]:
            text = term._text or to_text(term)
            if text.startswith("-"):
                out += " - " + text[1:] if _prec(term) >= 2 else " + " + text
            else:
                out += " + " + (f"({text})" if _prec(term) < 1 else text)
        return out
    if op == "mul":
        return _mul_text(node)
    if op == "pow":
        base, exp = node.args
        if exp.op == "num" and exp.value == -1:
            return "1/" + _wrap(base, 3)
        return _wrap(base, 5) + "**" + _wrap(exp, 5)
    if op == "rel":
        return f"{to_text(node.args[0])} {_REL[node.value]} {to_text(node.args[1])}"
    if op in ("and", "or"):
        return f" {op} ".join(f"({to_text(a)})" for a in node.args)
    if op == "not":
        return f"not ({to_text(node.args[0])})"
    if op == "pw":
        parts = [f"({to_text(node.args[i])}, {to_text(node.args[i + 1])})"
                 for i in range(0, len(node.args), 2)]
        return "Piecewise(" + ", ".join(parts) + ")"
    name = _FUNC_NAMES.get(op) or getattr(node.value, "__name__", str(node.value))
    return f"{name}(" + ", ".join(to_text(a) for a in node.args) + ")"


def _mul_text(node: Node) -> str:
    factors = list(node.args)
    sign = ""
    if factors[0].op == "num" and factors[0].value == -1 and len(factors) > 1:
        sign, factors = "-", factors[1:]
    top, bottom = [], []
    for f in factors:  # one pass by the factor itself (``f in top`` compared whole trees)
        if f.op == "pow" and f.args[1].op == "num" and f.args[1].value == -1:
            bottom.append(f.args[0])
        else:
            top.append(f)
    num_text = "*".join([_wrap(f, 2) for f in top]) if top else "1"
    if not bottom:
        return sign + num_text
    if len(top) > 1 and not sign:
        num_text = f"({num_text})"
    elif len(top) > 1:
        num_text = f"({num_text})"
    den = bottom[0] if len(bottom) == 1 else mul(*bottom)
    den_text = _wrap(den, 3) if den.op != "mul" else f"({to_text(den)})"
    return f"{sign}{num_text}/{den_text}"
