"""Kind ``calculus``: derivations of :mod:`symconv.calculus` (gradients, variance, kernels...).

A question names an engine function (``function = "variance.gradient_variance"``),
the layer(s) it is about and any other arguments; the function's result
gives its own solution steps through ``.steps()`` (formulas, numbers, its
checks) and the main answer through the attribute path ``result``.  Only
public names inside ``symconv.calculus`` can be called: the file names a
function, it never contains code.

If the engine module is not installed the key says "derivation not
available" for that question instead of inventing one.

Examples
--------
>>> from symconv.keys.questions import question_from_table
>>> q = question_from_table("demo.toml", {"id": "v", "kind": "calculus", "text": "?",
...     "function": "variance.gradient_variance", "result": "variance",
...     "layer": {"type": "Conv2d", "in_channels": 1, "out_channels": 1, "kernel_size": "k",
...               "bias": False},
...     "input": [1, "n", "n"], "steps": {"monte_carlo": False}}, 0)
>>> CalculusKind().derive(q).answer
sigma_g**2*sigma_x**2*(-k + n + 1)**2
"""

from __future__ import annotations

import importlib
import inspect
import re
from typing import Any

import sympy as sp

from symconv.keys.kinds import Derivation, Kind, register
from symconv.keys.kinds.layer import latex, layer_report
from symconv.keys.steps import Answer
from symconv.notation.context import use
from symconv.solution import Text
from symconv.spec import SpecError, build_layer
from symconv.symbols import to_expr

_NAME = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][A-Za-z0-9_]*$")


def engine_function(q: Any) -> Any:
    """The named ``symconv.calculus`` function, or None when its module is missing."""
    name = q.get("function", str, required=True)
    if not _NAME.match(name):
        raise q.error("function", "expected 'module.function' inside symconv.calculus, "
                      "e.g. 'variance.gradient_variance'")
    module, attr = name.split(".")
    try:
        mod = importlib.import_module(f"symconv.calculus.{module}")
    except ModuleNotFoundError:
        return None
    fn = getattr(mod, attr, None)
    if fn is None or not callable(fn):
        return None
    return fn


def question_argument(q: Any, key: str, value: Any) -> Any:
    """A TOML value as an engine argument: layer tables built, names as symbols."""
    if isinstance(value, dict) and "type" in value:
        try:
            return build_layer(value)
        except SpecError as exc:
            raise q.error(f"args.{key}", str(exc)) from None
    if isinstance(value, list):
        if value and all(isinstance(v, list) for v in value):
            # entries converted one by one: sp.Matrix would sympify (eval) text entries
            return sp.Matrix([[question_argument(q, key, v) for v in row] for row in value])
        return [question_argument(q, key, v) for v in value]
    if isinstance(value, str):
        try:
            return to_expr(value)
        except ValueError as exc:
            raise q.error(f"args.{key}", str(exc)) from None
    return value


def tidy_display(expr: Any, result: Any) -> Any:
    """A formula of an engine result with its trivial sums and size-one axes left out."""
    from symconv.notation.transform import tidy

    shapes = getattr(result, "shapes", None)
    if shapes is None and hasattr(result, "backward"):
        shapes = getattr(result.backward, "shapes", None)
    if not shapes:
        return expr
    free = getattr(result, "free", None) or getattr(getattr(result, "backward", None), "free",
                                                     None)
    return tidy(expr, shapes, free)


def _follow(q: Any, obj: Any, path: str) -> Any:
    for part in path.split("."):
        if part.startswith("_"):
            raise q.error("result", "private attributes are not answers")
        if part == "rhs" and isinstance(obj, sp.Eq):
            obj = obj.rhs
            continue
        if not hasattr(obj, part):
            raise q.error("result", f"the engine's result has no {part!r}")
        obj = getattr(obj, part)
        if inspect.ismethod(obj):
            obj = obj()
    return obj


@register
class CalculusKind(Kind):
    name = "calculus"
    fields = {
        "function": "engine function 'module.name' in symconv.calculus",
        "layer": "the layer the function is about (torch-like table)",
        "layers": "several layers (e.g. two convolutions to compose)",
        "input": "per-sample input shape passed after the layer(s)",
        "batch": "batch size (keyword batch=)",
        "args": "further keyword arguments (numbers, symbol names, matrices, layer tables)",
        "result": "attribute path of the main answer on the result (e.g. variance), or a list",
        "label": "what the answer is called in the Answer line (a list with a list of results)",
        "form": "how a list-valued answer reads: \"vector\" (the default) or \"shape\"",
        "steps": "keyword arguments for the result's .steps() (e.g. {monte_carlo = false})",
    }

    def validate(self, q: Any) -> None:
        engine_function(q)
        if "layer" in q.data:
            if "input" in q.data:
                layer_report(q)
            else:
                self._layers(q)
        for key in ("args", "steps"):
            q.get(key, dict)
        q.get("result", (str, list))
        q.get("label", (str, list))
        if q.get("form", str, "vector") not in ("vector", "shape"):
            raise q.error("form", 'expected "vector" or "shape"')
        for key, value in q.get("args", dict, {}).items():
            question_argument(q, key, value)

    def _layers(self, q: Any) -> list[Any]:
        specs = [q.data["layer"]] if "layer" in q.data else q.get("layers", list, [])
        out = []
        for i, spec in enumerate(specs):
            try:
                out.append(build_layer(spec))
            except (SpecError, TypeError) as exc:
                raise q.error("layer" if "layer" in q.data else f"layers[{i}]", str(exc)) from None
        return out

    def call(self, q: Any) -> Any:
        fn = engine_function(q)
        if fn is None:
            return None
        positional: list[Any] = self._layers(q)
        if "input" in q.data:
            positional.append(tuple(to_expr(v) for v in q.data["input"]))
        kwargs = {k: question_argument(q, k, v) for k, v in q.get("args", dict, {}).items()}
        if "batch" in q.data:
            kwargs["batch"] = q.data["batch"]
        return fn(*positional, **kwargs)

    def derive(self, q: Any) -> Derivation:
        with use(q.notation):
            return self._derive(q)

    def _derive(self, q: Any) -> Derivation:
        result = self.call(q)
        if result is None:
            return Derivation([Text(f"Derivation not available: `symconv.calculus."
                                    f"{q.data['function']}` is not installed.")], None)
        steps: list[Any] = []
        prose = [p.strip() for p in q.prose.split("\n\n") if p.strip()]
        steps += list(result.steps(**q.get("steps", dict, {})))
        paths = q.data.get("result")
        paths = [paths] if isinstance(paths, str) else list(paths or [])
        labels = q.data.get("label")
        labels = [labels] if isinstance(labels, str) else list(labels or [])
        answers: dict[str, Any] = {}
        items: list[Any] = []
        for i, path in enumerate(paths):
            eq = _follow(q, result, path[:-4]) if path.endswith(".rhs") else None
            answer = _follow(q, result, path)
            if isinstance(answer, list | tuple):
                answer = sp.Tuple(*answer) if q.get("form", str, "vector") == "shape" else \
                    sp.Matrix([list(answer)])  # a filter or vector, not a shape
            if q.values and isinstance(answer, sp.Basic):
                from symconv.exprmap import substitution

                answer = answer.xreplace(substitution(dict(q.values), answer.free_symbols))
            answers[path] = answer
            if i < len(labels):
                label = labels[i]
            elif isinstance(eq, sp.Eq):
                label = "$" + latex(tidy_display(eq.lhs, result)) + "$"
            else:
                label = path.replace("_", " ").replace(".", " ")
            shown = tidy_display(answer, result) if isinstance(answer, sp.Basic) else answer
            items.append(Answer(label, shown))
        if q.values:
            steps.append(Text("With " + ", ".join(f"${latex(sp.Symbol(k))} = {latex(v)}$"
                                                  for k, v in q.values.items()) + "."))
        if prose:
            # a conceptual question: the instructor's explanation is the answer (the formulas,
            # derived above, stay the answers the grader reads)
            items = [Answer("", p) for p in prose]
        main = answers.get(paths[0]) if paths else None
        return Derivation(steps + items, main, answers or {"answer": main})
