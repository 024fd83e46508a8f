"""Formulas written as Python, turned into SymPy by walking their syntax tree.

Question files may contain small formulas: an expression such as
``"C_in*H*W"`` (a flattened input) or a user's own Python function such as
``def out(h, k, p, s): return (h + 2*p - k)//s + 1``.  They are parsed with
:mod:`ast` and converted node by node against a whitelist (arithmetic,
``//``, ``floor``/``ceil``/``min``/``max``); nothing is ever evaluated, so a
question file cannot run code.  Functions are also rendered with latexify-py
from the same tree, which shows the formula as its author wrote it.

Examples
--------
>>> parse_expression("C_in*H*W")
C_in*H*W
>>> f = python_function("def out(h, k, p, s):\\n    return (h + 2*p - k)//s + 1")
>>> f.name, f.expr
('out', floor((h - k + 2*p)/s) + 1)
>>> f.latex
'\\\\mathrm{out}(h, k, p, s) = \\\\left\\\\lfloor\\\\frac{h + 2 p - k}{s}\\\\right\\\\rfloor + 1'
>>> parse_expression("__import__('os')")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
symconv.keys.pyformula.FormulaError: function '__import__' is not allowed (allowed: abs, ...)
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import sympy as sp

from symconv.grading.limits import Limits
from symconv.symbols import domain_of, sym

#: The grader's limits, tightened for formulas in question files.  ``max_exponent`` bounds one
#: power; ``max_bits`` bounds the size of any value the formula can take once numbers are put
#: in (nested powers multiply: ``(h**16)**16`` is ``h**256``), checked before anything is built.
LIMITS = Limits(max_length=4000, max_nodes=400, max_depth=40, max_digits=40, max_exponent=16,
                max_bits=8192)
MAX_SOURCE = LIMITS.max_length
MAX_NODES = LIMITS.max_nodes
MAX_EXPONENT = LIMITS.max_exponent
#: Bits of a symbol's value: question values (and --set values) are at most
#: ``symconv.keys.questions.MAX_VALUE`` = 10**6 < 2**20.
SYMBOL_BITS = 20
#: Largest argument factorial() may be given, whatever the formula around it.
MAX_FACTORIAL = 1000

#: Functions a formula may call, by name (``math.floor`` is accepted as ``floor``).
FUNCTIONS: dict[str, Callable[..., sp.Expr]] = {
    "abs": sp.Abs,
    "ceil": sp.ceiling,
    "factorial": sp.factorial,
    "floor": sp.floor,
    "max": sp.Max,
    "min": sp.Min,
    "sqrt": sp.sqrt,
}

#: How many arguments each function takes (as in Python: min and max of two or more).
_ARITY = {"max": (2, 64), "min": (2, 64)}

_BINARY: dict[type, Callable[[sp.Expr, sp.Expr], sp.Expr]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.FloorDiv: lambda a, b: sp.floor(a / b),
    ast.Mod: lambda a, b: sp.Mod(a, b),
}


class FormulaError(ValueError):
    """A formula that is not plain arithmetic over symbol names."""


@dataclass(frozen=True)
class PyFunction:
    """A user's Python function: its name, argument names, SymPy body and LaTeX."""

    name: str
    args: tuple[str, ...]
    expr: sp.Expr
    latex: str
    source: str


def _check_length(source: str) -> None:
    # Before ast.parse: a 400,000-term source is refused by its size, never parsed.
    if len(source) > MAX_SOURCE:
        raise FormulaError(f"formula of {len(source):,} characters (at most {MAX_SOURCE:,})")


def _parse(source: str, mode: str) -> ast.AST:
    _check_length(source)
    try:
        return ast.parse(source, mode=mode)
    except SyntaxError as exc:
        what = "not a formula" if mode == "eval" else "not Python"
        line = f" (line {exc.lineno})" if exc.lineno else ""
        raise FormulaError(f"{what}: {exc.msg}{line}") from None
    except (ValueError, MemoryError, RecursionError) as exc:  # NUL bytes, parser limits
        raise FormulaError(f"not a formula: {type(exc).__name__}") from None


def _check_tree(tree: ast.AST) -> None:
    """Count nodes and nesting without recursion (the tree may be deep)."""
    count = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise FormulaError(f"formula has more than {MAX_NODES} syntax nodes")
        if depth > LIMITS.max_depth:
            raise FormulaError(f"formula nested more than {LIMITS.max_depth} levels deep")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _constant_size(value: object) -> tuple[int, int]:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FormulaError(f"constant {value!r} is not a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise FormulaError(f"constant {value!r} is not a finite number")
    digits = sum(c.isdigit() for c in repr(value))
    if digits > LIMITS.max_digits:
        raise FormulaError(f"a number with {digits} digits (at most {LIMITS.max_digits})")
    r = sp.Rational(repr(value)) if isinstance(value, float) else sp.Integer(value)
    return int(abs(r.p)).bit_length(), int(r.q).bit_length()


def _too_big(node: ast.AST, bits: int) -> FormulaError:
    text = ast.unparse(node) if isinstance(node, ast.expr) else ""
    shown = text if len(text) <= 60 else text[:57] + "..."
    return FormulaError(f"{shown} can take values of about {bits:,} bits (at most "
                        f"{LIMITS.max_bits:,}): nested powers multiply their exponents, "
                        "factorials grow fast")


#: A bound on a value's size: (bits of its numerator, bits of its denominator).
Size = tuple[int, int]


def bits_bound(node: ast.AST, env: Mapping[str, Size] | None = None) -> int:
    """An upper bound on the bits of any value ``node`` can take (numerator plus denominator).

    Symbols are assumed as large as a question value may be (:data:`SYMBOL_BITS`;
    integers for integer symbols, fractions for real ones such as ``sigma``);
    ``env`` gives the bound of names bound earlier (a function's locals).
    Raises :class:`FormulaError` as soon as a bound passes ``LIMITS.max_bits``, so a
    formula such as ``(((9**16)**16)**16)**16`` or ``factorial(10**16)`` is refused
    before SymPy computes anything.

    >>> bits_bound(ast.parse("(h**8)**4", mode="eval"))
    641
    """
    num, den = size_bound(node, env or {})
    return num + den


def size_bound(node: ast.AST, env: Mapping[str, Size]) -> Size:
    """(numerator bits, denominator bits) bounds of ``node``'s values; see :func:`bits_bound`."""
    size = _size(node, env)
    if sum(size) > LIMITS.max_bits:
        raise _too_big(node, sum(size))
    return size


def _symbol_size(name: str) -> Size:
    integer = domain_of(name).get("integer", False) if _PLAIN_NAME.match(name) else True
    return (SYMBOL_BITS, 1) if integer else (SYMBOL_BITS, SYMBOL_BITS)


def _size(node: ast.AST, env: Mapping[str, Size]) -> Size:
    if isinstance(node, ast.Expression):
        return _size(node.body, env)
    if isinstance(node, ast.Constant):
        # text and other constants are refused by the conversion, with its message
        return _constant_size(node.value) if _is_number(node.value) else (1, 1)
    if isinstance(node, ast.Name):
        return env.get(node.id) or _symbol_size(node.id)
    if isinstance(node, ast.UnaryOp):
        return _size(node.operand, env)
    if isinstance(node, ast.BinOp):
        n1, d1 = _size(node.left, env)
        if isinstance(node.op, ast.Pow):
            k = _small_exponent(node.right)
            n, d = (n1, d1) if k >= 0 else (d1, n1)
            size = (_power_bits(n, abs(k)), _power_bits(d, abs(k)))
        else:
            n2, d2 = _size(node.right, env)
            op = node.op
            if isinstance(op, ast.Add | ast.Sub):  # (n1 d2 + n2 d1) / (d1 d2)
                size = (max(_product_bits(n1, d2), _product_bits(n2, d1)) + 1,
                        _product_bits(d1, d2))
            elif isinstance(op, ast.Mult):
                size = (_product_bits(n1, n2), _product_bits(d1, d2))
            elif isinstance(op, ast.Div):
                size = (_product_bits(n1, d2), _product_bits(d1, n2))
            elif isinstance(op, ast.FloorDiv):  # an integer at most |a/b| + 1
                size = (_product_bits(n1, d2) + 1, 1)
            else:  # a % b: below |b|, over a common denominator
                size = (_product_bits(n2, d1), _product_bits(d1, d2))
        if sum(size) > LIMITS.max_bits:
            raise _too_big(node, sum(size))
        return size
    if isinstance(node, ast.Call):
        args = [_size(a, env) for a in node.args]
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        if name == "factorial":
            return _factorial_size(node, args)
        if name in ("floor", "ceil"):
            return (max((n for n, _ in args), default=1) + 1, 1)
        return (max((n for n, _ in args), default=1), max((d for _, d in args), default=1))
    return (1, 1)  # anything else is refused by the conversion


def _product_bits(a: int, b: int) -> int:
    """Bits of a product of numbers of ``a`` and ``b`` bits (one bit: 0 or 1, the other stays)."""
    return b if a <= 1 else a if b <= 1 else a + b


def _power_bits(a: int, k: int) -> int:
    return 1 if a <= 1 or k == 0 else a * k


def _small_exponent(node: ast.expr) -> int:
    """The exponent of a power: an integer constant (possibly negated) of at most MAX_EXPONENT."""
    negative = isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)
    inner = node.operand if isinstance(node, ast.UnaryOp) and isinstance(
        node.op, ast.USub | ast.UAdd) else node
    value = inner.value if isinstance(inner, ast.Constant) else None
    if isinstance(value, bool) or not isinstance(value, int) or value > MAX_EXPONENT:
        raise FormulaError(f"exponent {ast.unparse(node)[:40]} is not an integer from "
                           f"-{MAX_EXPONENT} to {MAX_EXPONENT}")
    return -value if negative else value


def _factorial_size(node: ast.Call, args: list[Size]) -> Size:
    if len(args) != 1:
        raise FormulaError("factorial() takes one argument")
    # The argument is below 2**b; n! <= n**n has at most n*log2(n) bits.
    if args[0][0] > MAX_FACTORIAL.bit_length():
        raise FormulaError(f"factorial of {ast.unparse(node.args[0])[:40]}: the argument may be "
                           f"far larger than {MAX_FACTORIAL} (factorial only of small numbers)")
    n = 2 ** max(args[0][0], 1)
    return (n * n.bit_length(), 1)


def _call_name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
            and func.value.id in ("math", "np", "numpy", "sympy", "sp")):
        return func.attr
    raise FormulaError(f"call of {ast.unparse(func)!r} is not allowed")


def to_sympy(node: ast.AST, env: Mapping[str, sp.Expr], free_names: bool) -> sp.Expr:
    """Convert one whitelisted expression node.

    ``env`` maps names already bound (function arguments, local assignments);
    with ``free_names`` any other identifier becomes a symbol (expressions in
    question files), without it an unknown name is an error (function bodies).
    """
    if isinstance(node, ast.Expression):
        return to_sympy(node.body, env, free_names)
    if isinstance(node, ast.Constant):
        value = node.value
        _constant_size(value)
        return sp.Integer(value) if isinstance(value, int) else sp.Rational(repr(value))
    if isinstance(node, ast.Name):
        if node.id in env:
            return env[node.id]
        if free_names:
            try:
                return sym(node.id)
            except ValueError as exc:
                raise FormulaError(str(exc)) from None
        raise FormulaError(f"name {node.id!r} is not an argument or a local variable")
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = to_sympy(node.operand, env, free_names)
        return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.BinOp):
        left = to_sympy(node.left, env, free_names)
        right = to_sympy(node.right, env, free_names)
        if isinstance(node.op, ast.Pow):
            if not (right.is_Integer and abs(int(right)) <= MAX_EXPONENT):
                raise FormulaError(f"exponent {right} is not a small integer")
            return left**right
        op = _BINARY.get(type(node.op))
        if op is None:
            raise FormulaError(f"operator {type(node.op).__name__} is not allowed")
        try:
            value = op(left, right)
        except ZeroDivisionError:
            value = sp.zoo
        if value.has(sp.zoo, sp.nan):
            raise FormulaError(f"division by zero in {ast.unparse(node)[:60]}")
        return value
    if isinstance(node, ast.Call):
        name = _call_name(node.func)
        if name not in FUNCTIONS:
            allowed = ", ".join(sorted(FUNCTIONS))
            raise FormulaError(f"function {name!r} is not allowed (allowed: {allowed})")
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise FormulaError(f"{name}() takes plain positional arguments here")
        args = [to_sympy(a, env, free_names) for a in node.args]
        low, high = _ARITY.get(name, (1, 1))
        if not low <= len(args) <= high:
            raise FormulaError(f"{name}() takes {low if low == high else f'at least {low}'} "
                               f"argument{'s' if low > 1 else ''}, not {len(args)}")
        try:
            return FUNCTIONS[name](*args)
        except (TypeError, ValueError) as exc:
            raise FormulaError(f"{name}() cannot take {len(args)} arguments: {exc}") from None
    raise FormulaError(f"{type(node).__name__} is not allowed in a formula: "
                       f"{ast.unparse(node) if isinstance(node, ast.expr) else ''}".rstrip(": "))


def parse_expression(text: str) -> sp.Expr:
    """A SymPy expression from arithmetic text over symbol names (never evaluated).

    Its size, nesting and the size of every value it can take are bounded
    before SymPy builds anything:

    >>> parse_expression("factorial(factorial(factorial(5)))")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    symconv.keys.pyformula.FormulaError: factorial of factorial(5): the argument may be ...
    """
    tree = _parse(text.strip(), "eval")
    _check_tree(tree)
    bits_bound(tree)
    return _real(to_sympy(tree, {}, free_names=True), text)


def _real(expr: sp.Expr, text: str) -> sp.Expr:
    if expr.has(sp.I, sp.zoo, sp.nan, sp.oo, -sp.oo):
        shown = text.strip() if len(text.strip()) <= 60 else text.strip()[:57] + "..."
        raise FormulaError(f"{shown!r} is not a real, finite value ({expr})")
    return expr


def _function_body(fn: ast.FunctionDef) -> sp.Expr:
    args = fn.args
    if args.vararg or args.kwarg or args.kwonlyargs or args.defaults or args.posonlyargs:
        raise FormulaError("the function may only take plain positional arguments")
    if fn.decorator_list:
        raise FormulaError("decorators are not allowed")
    _plain_name(fn.name, "function name")
    env: dict[str, sp.Expr] = {}
    sizes: dict[str, Size] = {}
    for a in args.args:
        try:
            env[a.arg] = sym(a.arg)
        except ValueError as exc:
            raise FormulaError(f"argument {a.arg!r}: {exc}") from None
        if a.annotation is not None:
            raise FormulaError("argument annotations are not allowed")
        sizes[a.arg] = _symbol_size(a.arg)
    if len(env) != len(args.args):
        raise FormulaError("two arguments have the same name")
    if fn.returns is not None or getattr(fn, "type_params", None):
        raise FormulaError("annotations and type parameters are not allowed")
    body = list(fn.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # docstring
    for stmt in body[:-1]:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)):
            raise FormulaError("only 'name = expression' lines may come before the return")
        name = _plain_name(stmt.targets[0].id, "local name")
        sizes[name] = size_bound(stmt.value, sizes)  # bounded before SymPy builds it
        env[name] = to_sympy(stmt.value, env, free_names=False)
    if not body or not isinstance(body[-1], ast.Return) or body[-1].value is None:
        raise FormulaError("the function must end with 'return expression'")
    size_bound(body[-1].value, sizes)
    return _real(to_sympy(body[-1].value, env, free_names=False), ast.unparse(body[-1].value))


_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,39}$")


def _plain_name(name: str, what: str) -> str:
    # Python allows Unicode identifiers; the key's LaTeX (pdflatex) and symbols want ASCII.
    if not _PLAIN_NAME.match(name) or name.startswith("__"):
        raise FormulaError(f"{what} {name!r} is not a plain name (ASCII letters, digits, '_')")
    return name


def python_function(source: str) -> PyFunction:
    """Parse one ``def`` (as text), convert its body to SymPy and render it with latexify."""
    tree = _parse(source.strip() + "\n", "exec")
    _check_tree(tree)
    assert isinstance(tree, ast.Module)
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.FunctionDef):
        raise FormulaError("expected exactly one 'def name(args): ... return expression'")
    fn = tree.body[0]
    expr = _function_body(fn)
    return PyFunction(fn.name, tuple(a.arg for a in fn.args.args), expr, _latexify(tree),
                      source.strip())


def _latexify(tree: ast.Module) -> str:
    # latexify renders from the tree we already checked, so no source is executed.
    from latexify import codegen, transformers

    tree = transformers.AugAssignReplacer().visit(tree)
    tree = transformers.DocstringRemover().visit(tree)
    tree = transformers.AssignmentReducer().visit(tree)
    return str(codegen.FunctionCodegen(use_math_symbols=True, use_signature=True,
                                       use_set_symbols=False).visit(tree))
