"""Kind ``layer``: quantities of one layer (shape, parameters, cost, memory, backward).

The layer is built from its torch-like spec, analysed once, and each asked
quantity is read off the report.  The steps show the output size of every
spatial axis (the sliding-window formula), then each quantity written with
those sizes (``c_o h_out w_out ...``), the same with the sizes expanded, and,
when the question gives numbers, the numbers substituted and the result.

Examples
--------
>>> from symconv.keys.questions import question_from_table
>>> q = question_from_table("demo.toml", {"id": "a", "kind": "layer", "text": "?",
...     "layer": {"type": "Conv2d", "in_channels": "c_i", "out_channels": "c_o",
...               "kernel_size": "k", "stride": "s", "padding": "p"},
...     "input": ["c_i", "h", "h"], "ask": ["output_shape", "params"],
...     "values": {"c_i": 10, "c_o": 10, "k": 6, "s": 2, "p": 1, "h": 64}}, 0)
>>> d = LayerKind().derive(q)
>>> d.answers["output_shape"], d.answers["params"]
((10, 31, 31), 3610)
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import sympy as sp

from symconv.analyze import analyze
from symconv.exprmap import as_number
from symconv.keys.kinds import Derivation, Kind, register
from symconv.keys.kinds.ideas import idea
from symconv.keys.pyformula import FormulaError, parse_expression, python_function
from symconv.keys.quantities import QuantityError, display_label, resolve, shape_kind
from symconv.keys.steps import Answer, Display, Setup, Shared
from symconv.layers.base import LayerError, as_shape
from symconv.notation.context import use
from symconv.notation.describe import sentence
from symconv.notation.latex import latex as _latex
from symconv.notation.layout import arrange
from symconv.solution import Calculation, Equation, Text
from symconv.spec import SpecError, build_layer
from symconv.symbols import sym, to_expr

_AXIS_NAMES = {1: ("l",), 2: ("h", "w"), 3: ("d", "h", "w")}


@lru_cache(maxsize=256)
def _analyze_cached(spec_key: Any, shape: tuple[Any, ...], batch: Any) -> Any:
    layer = build_layer(thaw_spec(spec_key))
    return layer, analyze(layer, shape, batch)


def freeze_spec(obj: Any) -> Any:
    """A layer table as a hashable value (a cache key); :func:`thaw_spec` undoes it."""
    if isinstance(obj, dict):
        return tuple(sorted((k, freeze_spec(v)) for k, v in obj.items()))
    if isinstance(obj, list | tuple):
        return ("__list__", tuple(freeze_spec(v) for v in obj))
    return obj


def thaw_spec(obj: Any) -> Any:
    """The layer table :func:`freeze_spec` froze."""
    if isinstance(obj, tuple) and obj and obj[0] == "__list__":
        return [thaw_spec(v) for v in obj[1]]
    if isinstance(obj, tuple):
        return {k: thaw_spec(v) for k, v in obj}
    return obj


def layer_report(q: Any, spec: Any = None, shape: Any = None, batch: Any = None) -> Any:
    """(layer, report) for the question (or for an explicit spec/shape/batch)."""
    spec = q.get("layer", dict, required=True) if spec is None else spec
    shape = q.get("input", list, required=True) if shape is None else shape
    batch = q.get("batch", (int, str), 1) if batch is None else batch
    try:
        dims = as_shape(tuple(shape))
    except (LayerError, TypeError, ValueError) as exc:
        raise q.error("input", str(exc)) from None
    try:
        b = to_expr(batch, "batch")
    except (TypeError, ValueError) as exc:
        raise q.error("batch", str(exc)) from None
    try:
        return _analyze_cached(freeze_spec(dict(spec)), dims, b)
    except SpecError as exc:
        raise q.error("layer", str(exc)) from None
    except (LayerError, TypeError, ValueError) as exc:
        raise q.error("layer", f"cannot be applied to input {list(shape)}: {exc}") from None


def where_table(q: Any) -> dict[sp.Symbol, sp.Expr]:
    """``where = {n = "C_in*H*W"}``: symbols that stand for an expression of others."""
    out = {}
    for name, text in q.get("where", dict, {}).items():
        try:
            out[sym(name)] = parse_expression(str(text))
        except (FormulaError, ValueError) as exc:
            raise q.error(f"where.{name}", str(exc)) from None
    return out


def with_where(q: Any, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` plus the value of every ``where``-defined symbol computed from them."""
    from symconv.exprmap import substitution

    full = dict(values)
    for s, e in where_table(q).items():
        v = e.xreplace(substitution(values, e.free_symbols))
        if not v.is_Integer:
            raise q.error(f"where.{s.name}", f"needs values for {sorted(map(str, v.free_symbols))}")
        full[s.name] = int(v)
    return full


def _apply(value: Any, fn: Any) -> Any:
    return tuple(fn(v) for v in value) if isinstance(value, tuple) else fn(value)


def output_size_symbols(layer: Any, report: Any) -> list[tuple[sp.Symbol, sp.Expr, Any]]:
    """(h_out symbol, its expression, window) for each spatial axis with a window."""
    windows = getattr(layer, "windows", None)
    if not windows or getattr(layer, "kind", "") == "conv_transpose":
        return []
    spatial = report.input_shape[1:]
    defaults = _AXIS_NAMES.get(len(spatial), tuple(f"n{i}" for i in range(len(spatial))))
    out = []
    used: dict[str, Any] = {}
    for axis, (w, n) in enumerate(zip(windows, spatial, strict=True)):
        base = n.name if isinstance(n, sp.Symbol) else defaults[axis]
        if used.get(base) == (w, n):
            continue  # a square input: one size serves both axes
        if base in used:
            base = f"{base}{axis}"  # same input name, different window
        used[base] = (w, n)
        out.append((sym(f"{base}_out"), report.output_shape[axis + 1], (w, n)))
    return out


@register
class LayerKind(Kind):
    name = "layer"
    fields = {
        "layer": "the layer: a table {type = torch.nn class name, torch keyword arguments}",
        "input": "per-sample input shape, e.g. [\"c_i\", \"h\", \"w\"]",
        "batch": "batch size (integer or symbol name; default 1)",
        "ask": "quantities to derive, e.g. [\"mults\", \"adds\", \"memory.forward\"]",
        "where": "symbols standing for expressions, e.g. {n = \"C_in*H*W\"}",
        "dtype": "element type for memory.bytes.* (default float32)",
        "function": "a formula written in Python to compare: {source, quantity, args}",
    }

    def validate(self, q: Any) -> None:
        _, report = layer_report(q)
        asks = q.get("ask", list, required=True)
        if not asks:
            raise q.error("ask", "empty: name at least one quantity")
        for path in asks:
            if not isinstance(path, str):
                raise q.error("ask", f"{path!r} is not a quantity name")
            try:
                resolve(report, path, q.get("dtype", str, "float32"))
            except (QuantityError, ValueError) as exc:
                raise q.error("ask", str(exc)) from None
        main = q.get("answer", str)
        if main is not None and main not in asks:
            raise q.error("answer", f"{main!r} is not one of the asked quantities {asks}")
        where_table(q)
        fn = q.get("function", dict)
        if fn is not None:
            self._function(q, fn)
        for name in q.get("claimed", dict, {}):
            if name not in asks:
                raise q.error(f"claimed.{name}", f"{name!r} is not one of the asked quantities")

    def _function(self, q: Any, fn: dict[str, Any]) -> Any:
        for key in fn:
            if key not in ("source", "quantity", "args"):
                raise q.error(f"function.{key}", "unknown (use source, quantity, args)")
        try:
            parsed = python_function(str(fn.get("source", "")))
        except FormulaError as exc:
            raise q.error("function.source", str(exc)) from None
        try:
            target = resolve(layer_report(q)[1], str(fn.get("quantity", "")))
        except QuantityError as exc:
            raise q.error("function.quantity", str(exc)) from None
        if isinstance(target, tuple):
            raise q.error("function.quantity", "a shape: name one axis, e.g. output_shape.2")
        args = fn.get("args", {})
        if not isinstance(args, dict):
            raise q.error("function.args", "expected a table argument = symbol name")
        return parsed, {sym(a): sym(str(args.get(a, a))) for a in parsed.args}

    def conditions(self, q: Any) -> tuple[sp.Basic, ...]:
        return tuple(layer_report(q)[1].conditions)

    # -- derivation -------------------------------------------------------
    def derive(self, q: Any) -> Derivation:
        with use(q.notation):
            return self._derive(q)

    def _derive(self, q: Any) -> Derivation:
        layer, report = layer_report(q)
        notation = q.notation
        where = where_table(q)
        dtype = q.get("dtype", str, "float32")
        asks: list[str] = list(q.get("ask", list))
        values = {k: v for k, v in q.values.items()}
        numeric = bool(values)
        steps: list[Any] = [Setup(setup_sentence(layer, report, where))]
        if numeric:
            steps.append(Text("With " + _and([f"${latex(sym(k))} = {latex(v)}$"
                                             for k, v in values.items()]) + "."))

        sizes = output_size_symbols(layer, report)
        compact = {expr: s for s, expr, _ in sizes if not expr.is_Integer}
        uses_sizes = any(_has_any(resolve(report, p, dtype), compact) for p in asks)
        size_values: dict[str, sp.Expr] = {}
        axes_only = all(p.startswith("output_shape.") for p in asks)
        if compact and uses_sizes and axes_only:
            steps.append(Text(window_sentence(layer)))
            compact = {}  # each asked quantity is an output size itself: no h_out step first
        elif compact and uses_sizes:
            shared: list[Any] = [Text(window_sentence(layer))]
            for s, expr, _window in sizes:
                if expr.is_Integer:
                    continue
                calc = Calculation(s, expr, values=values if numeric else {})
                shared.append(calc)
                if numeric and calc.result is not None:
                    size_values[s.name] = calc.result
            names = [s for s, e, _ in sizes if not e.is_Integer]
            steps.append(Shared(tuple(shared), _and([f"${latex(s)}$" for s in names])))

        answers: dict[str, Any] = {}
        shown: dict[str, Any] = {}
        said: set[str] = set()
        dims = len(report.input_shape) - 1
        for path in asks:
            full = _apply(resolve(report, path, dtype), lambda e: e.xreplace(where))
            short = _apply(full, lambda e: e.xreplace(compact))
            name = display_label(path, notation, dims)
            kind = shape_kind(path)
            line = "" if axes_only else idea(path, layer)
            if line and line not in said:
                steps.append(Text(line))
                said.add(line)
            if numeric:
                subs_all = {**values, **size_values}
                result = _apply(short, lambda e, sv=subs_all: _evaluate(e, sv))
                answers[path] = result
                steps.append(Calculation(name, _as_expr(self._arranged(short, kind, report, q)),
                                         values=subs_all,
                                         simplified=_as_expr(self._arranged(full, kind, report, q))
                                         if full != short else None,
                                         result=_as_expr(self._arranged(result, kind, report, q,
                                                                        numeric=True)),
                                         label="result"))
            else:
                simple = _apply(full, _tidy)
                answers[path] = simple
                steps.append(Calculation(name, _as_expr(self._arranged(short, kind, report, q)),
                                         simplified=_as_expr(self._arranged(simple, kind, report,
                                                                            q))
                                         if simple != short else None, result=None,
                                         label="result"))
            shown[path] = self._arranged(answers[path], kind, report, q, numeric=numeric)
            steps.extend(self._claims(q, path, answers[path], kind))
        if q.get("function", dict):
            target = resolve(report, q.data["function"]["quantity"], dtype)
            steps.extend(self._compare_function(q, target.xreplace(where), report))
        for path in asks:
            steps.append(Answer(display_label(path, notation, dims), _as_expr(shown[path])))
        main = q.get("answer", str) or asks[0]
        return Derivation(steps, _as_expr(answers[main]), answers)

    def _arranged(self, value: Any, kind: str | None, report: Any, q: Any,
                  numeric: bool = False) -> Any:
        """A shape in the question's axis order (with the batch when the question has one)."""
        if kind is None or not isinstance(value, tuple):
            return value
        if kind == "weight":
            return arrange(value, q.notation, kind="weight")
        batch = report.batch
        if numeric and q.values:
            batch = _evaluate(batch, dict(q.values))
        return arrange(value, q.notation, batch=batch if kind == "activation" else None)

    def _claims(self, q: Any, path: str, derived: Any, kind: str | None = None) -> list[Any]:
        """Whether a submitted answer agrees (shapes are read in the question's axis order)."""
        claimed = q.get("claimed", dict, {})
        if path not in claimed:
            return []
        raw = claimed[path]
        value = tuple(_claim(q, path, v) for v in raw) if isinstance(raw, list) else _claim(
            q, path, raw)
        if isinstance(value, tuple):
            _, report = layer_report(q)
            derived = self._arranged(derived, kind, report, q, numeric=bool(q.values))
            same = tuple(value) == tuple(derived)
        else:
            same = sp.simplify(_as_expr(value) - _as_expr(derived)) == 0
        got = latex(_as_expr(value))
        if same:
            return [Text(f"The submitted answer ${got}$ agrees.")]
        if len(got) > 60:
            return [Text("The submitted answer"), Equation(sp.Symbol("submitted"), _as_expr(value)),
                    Text("is wrong: it differs from the derivation above.")]
        return [Text(f"The submitted answer ${got}$ is wrong; the derivation gives "
                     f"${latex(_as_expr(derived))}$.")]

    def _compare_function(self, q: Any, full: Any, report: Any) -> list[Any]:
        from symconv.keys.checks import compare_formulas, instance_roles

        parsed, renames = self._function(q, q.data["function"])
        user = parsed.expr.xreplace(renames)
        verdict = compare_formulas(_as_expr(full), user, report.conditions,
                                   roles=instance_roles(q))
        return [Text("The formula as written in Python (shown by latexify-py):"),
                Display(latexify_names(parsed.latex), parsed.source), Text(verdict)]

    def checks(self, q: Any, derivation: Derivation, use_torch: bool) -> list[Any]:
        from symconv.keys.checks import layer_checks

        return layer_checks(q, use_torch)

    def instance_ok(self, q: Any, values: dict[str, Any]) -> bool:
        from symconv.keys.instance import numeric_spec

        try:
            values = with_where(q, values)
            layer_report(q, numeric_spec(q.data["layer"], values),
                         numeric_spec(q.data["input"], values),
                         numeric_spec(q.data.get("batch", 1), values))
        except ValueError:
            return False
        return True


def _claim(q: Any, path: str, raw: Any) -> sp.Expr:
    """A claimed answer: a number, or a formula parsed safely (never evaluated)."""
    if isinstance(raw, str):
        try:
            return parse_expression(raw)
        except FormulaError as exc:
            raise q.error(f"claimed.{path}", str(exc)) from None
    try:
        return as_number(raw)
    except (TypeError, ValueError) as exc:
        raise q.error(f"claimed.{path}", str(exc)) from None


def _has_any(value: Any, targets: Any) -> bool:
    items = value if isinstance(value, tuple) else (value,)
    return any(sp.sympify(v).has(t) for v in items for t in targets)


def latex(value: Any) -> str:
    """LaTeX in the current notation (digits grouped, the question's names)."""
    return _latex(value)


def _and(items: list[str]) -> str:
    if not items:
        return ""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def setup_sentence(layer: Any, report: Any, where: dict[Any, Any]) -> str:
    """The layer and its input in words (the key's "Layer." line)."""
    text = sentence(layer)
    text = text[0].upper() + text[1:]
    shape = arrange(report.input_shape, batch=report.batch)
    if where:
        defs = _and([f"${latex(s)} = {latex(e)}$" for s, e in where.items()])
        text += f" (here {defs})"
    shows_batch = len(shape) > len(report.input_shape)
    batch = "" if report.batch == 1 or shows_batch else f", for a batch of ${latex(report.batch)}$"
    return f"{text}; input ${latex(shape)}${batch}."


def window_sentence(layer: Any) -> str:
    """Why the output sizes are what they are: the window sliding over the padded input."""
    kernel = layer.kernel_size
    dilation = tuple(getattr(layer, "dilation", (1,) * len(kernel)))
    stride = tuple(layer.stride)
    pads = tuple(p[0] if isinstance(p, tuple) else p for p in layer.padding)
    one = all(sp.sympify(d) == 1 for d in dilation)
    span = "window" if one else "dilated window (span $d(k-1)+1$)"
    padded = "" if all(sp.sympify(p) == 0 for p in pads) else " padded on both sides"
    del stride
    return (f"Along each axis the {span} slides with its stride over the input{padded}; "
            "the number of positions is")


def latexify_names(tex: str) -> str:
    r"""latexify-py's LaTeX with identifiers in the notation's names (``K\_1`` -> ``K_{1}``)."""
    import re

    def name(match: re.Match[str]) -> str:
        ident = match.group(1).replace(r"\_", "_")
        if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", ident):
            return latex(sym(ident))
        return match.group(0)

    return re.sub(r"\\mathrm\{([A-Za-z][A-Za-z0-9]*(?:\\_[A-Za-z0-9]+)*)\}", name, tex)


def _as_expr(value: Any) -> Any:
    return sp.Tuple(*value) if isinstance(value, tuple) else value


def _evaluate(expr: sp.Expr, values: dict[str, Any]) -> sp.Expr:
    table = {s: sp.sympify(values[s.name]) for s in expr.free_symbols if s.name in values}
    if not table:
        return expr
    value = expr.xreplace(table)
    return value if value.is_number else sp.simplify(value)


def _tidy(expr: sp.Expr) -> sp.Expr:
    """A readable equivalent: factor products, keep floors of the window formula."""
    if expr.is_number:
        return expr
    if expr.has(sp.floor, sp.ceiling, sp.Function):
        # keep the window formula's floors as derived; only pull out common factors
        # (multiplications + additions: c_o h_out w_out (2 c_i k_h k_w - 1))
        common = sp.factor_terms(expr)
        return common if sp.count_ops(common) < sp.count_ops(expr) else expr
    return sp.factor(sp.simplify(expr))
