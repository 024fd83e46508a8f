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
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import sympy as sp

from symconv.symbols import sym

MAX_SOURCE = 4000
MAX_NODES = 400
MAX_EXPONENT = 16

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


def _check_size(tree: ast.AST, source: str) -> None:
    if len(source) > MAX_SOURCE:
        raise FormulaError(f"formula longer than {MAX_SOURCE} characters")
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise FormulaError(f"formula has more than {MAX_NODES} syntax nodes")


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
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise FormulaError(f"constant {value!r} is not a number")
        return sp.Integer(value) if isinstance(value, int) else sp.Rational(str(value))
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
        return op(left, right)
    if isinstance(node, ast.Call):
        name = _call_name(node.func)
        if name not in FUNCTIONS:
            allowed = ", ".join(sorted(FUNCTIONS))
            raise FormulaError(f"function {name!r} is not allowed (allowed: {allowed})")
        if node.keywords:
            raise FormulaError(f"{name}() takes no keyword arguments here")
        return FUNCTIONS[name](*(to_sympy(a, env, free_names) for a in node.args))
    raise FormulaError(f"{type(node).__name__} is not allowed in a formula: "
                       f"{ast.unparse(node) if isinstance(node, ast.expr) else ''}".rstrip(": "))


def parse_expression(text: str) -> sp.Expr:
    """A SymPy expression from arithmetic text over symbol names (never evaluated)."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise FormulaError(f"not a formula: {text!r} ({exc.msg})") from None
    _check_size(tree, text)
    return to_sympy(tree, {}, free_names=True)


def _function_body(fn: ast.FunctionDef) -> sp.Expr:
    args = fn.args
    if args.vararg or args.kwarg or args.kwonlyargs or args.defaults or args.posonlyargs:
        raise FormulaError("the function may only take plain positional arguments")
    if fn.decorator_list:
        raise FormulaError("decorators are not allowed")
    env: dict[str, sp.Expr] = {}
    for a in args.args:
        try:
            env[a.arg] = sym(a.arg)
        except ValueError as exc:
            raise FormulaError(str(exc)) from None
    body = list(fn.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # docstring
    for stmt in body[:-1]:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)):
            raise FormulaError("only 'name = expression' lines may come before the return")
        env[stmt.targets[0].id] = to_sympy(stmt.value, env, free_names=False)
    if not body or not isinstance(body[-1], ast.Return) or body[-1].value is None:
        raise FormulaError("the function must end with 'return expression'")
    return to_sympy(body[-1].value, env, free_names=False)


def python_function(source: str) -> PyFunction:
    """Parse one ``def`` (as text), convert its body to SymPy and render it with latexify."""
    try:
        tree = ast.parse(source.strip() + "\n")
    except SyntaxError as exc:
        raise FormulaError(f"not Python: {exc.msg} (line {exc.lineno})") from None
    _check_size(tree, source)
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
