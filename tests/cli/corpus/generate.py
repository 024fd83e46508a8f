"""Write the CLI corpus: malformed question files and nonsense command lines.

Run ``python tests/cli/corpus/generate.py`` after changing a case; the files
it writes (``files/*``, ``cases.json``) are committed, and
``tests/cli/test_corpus.py`` runs every case through ``symconv.cli.main``.

Each question file is a valid base question with one thing broken (a value,
a formula, a text field, a layer argument...), so the error it must produce
is known: the case lists the fragments the one-line message has to contain
(the file, the question, the field).  Command-line cases use placeholders
filled in by the test: ``{files}`` (this corpus), ``{out}`` (a fresh output
directory), ``{file}`` (an existing regular file), ``{dir}`` (a directory),
``{good}`` / ``{good_net}`` / ``{net_file}`` (valid inputs), ``{ro}`` (a
folder that refuses new files: read-only for a user, ``/sys`` for root).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"

# -- base questions (valid), as raw TOML lines ----------------------------------------------
LAYER = {
    "id": '"q1"',
    "kind": '"layer"',
    "text": '"How many multiplications does the layer take?"',
    "layer": '{ type = "Conv2d", in_channels = "c_i", out_channels = "c_o", kernel_size = "k", '
             'padding = "p" }',
    "input": '["c_i", "h", "h"]',
    "ask": '["mults", "params"]',
    "values": '{ c_i = 3, c_o = 8, k = 3, p = 1, h = 32 }',
}
LINEAR = {
    "id": '"q1"',
    "kind": '"layer"',
    "text": '"Parameters of the classifier?"',
    "layer": '{ type = "Linear", in_features = "n", out_features = 10 }',
    "input": '["n"]',
    "ask": '["params"]',
    "where": '{ n = "C*H*W" }',
    "values": '{ C = 3, H = 8, W = 8 }',
}
NETWORK = {
    "id": '"n1"',
    "kind": '"network"',
    "text": '"Each layer\'s output shape?"',
    "input": '[1, 16, 16]',
    "ask": '["table", "params"]',
    "network": '{ type = "Sequential", layers = [{ type = "Conv2d", in_channels = 1, '
               'out_channels = 4, kernel_size = 3, padding = 1 }, { type = "MaxPool2d", '
               'kernel_size = 2 }] }',
}
CALCULUS = {
    "id": '"c1"',
    "kind": '"calculus"',
    "text": '"Solve for the filter."',
    "function": '"worked.solve_filter_1d"',
    "args": '{ x = [1, 4, 0, -2, 3], y = [-2, 2, 11], k = 3 }',
}
PROSE = {
    "id": '"p1"',
    "kind": '"prose"',
    "text": '"Why pool?"',
    "prose": '"It shrinks the maps."',
}
HEADER = '[assignment]\ntitle = "Corpus"\n\n'

DROP = object()  # a mutation that removes the field


def question(base: dict[str, str], **changes: Any) -> str:
    fields = dict(base)
    for key, value in changes.items():
        key = key.replace("__", ".")
        if value is DROP:
            fields.pop(key, None)
        else:
            fields[key] = value
    body = "".join(f"{k} = {v}\n" for k, v in fields.items() if v is not DROP)
    return HEADER + "[[question]]\n" + body


def quoted(text: str) -> str:
    return json.dumps(text)  # a TOML basic string (JSON escapes are TOML escapes)


CASES: list[dict[str, Any]] = []
_names: set[str] = set()
#: Files over this size are not committed: the test writes them from BIG at run time.
COMMIT_LIMIT = 200_000
BIG: dict[str, bytes] = {}


def file_case(name: str, content: str | bytes, expect: list[str], commands: tuple[str, ...] = (
        "key",), qid: str | None = None) -> None:
    """A malformed file and the commands run on it (each must fail with one clean line)."""
    assert name not in _names, name
    _names.add(name)
    filename = f"{name}.toml"
    data = content if isinstance(content, bytes) else content.encode("utf-8")
    if len(data) > COMMIT_LIMIT:
        BIG[filename] = data
        path = "{big}/" + filename
    else:
        if WRITE:
            (FILES / filename).write_bytes(data)
        path = "{files}/" + filename
    for command in commands:
        if command == "key":
            argv = ["key", path, "-o", "{out}", "--no-torch"]
        elif command == "net":
            argv = ["net", path]
        elif command == "grade":
            argv = ["grade", path, qid or "q1", "--answer", "1"]
        else:  # pragma: no cover
            raise ValueError(command)
        CASES.append({"id": f"{command}:{name}", "argv": argv, "expect": [path, *expect]})


def cli_case(name: str, argv: list[str], expect: list[str] = ()) -> None:  # type: ignore[assignment]
    case_id = f"cli:{name}"
    assert all(c["id"] != case_id for c in CASES), name
    CASES.append({"id": case_id, "argv": argv, "expect": list(expect)})


def field(qid: str, name: str) -> list[str]:
    return [f"question '{qid}'", f"field '{name}'"]


# -- values ---------------------------------------------------------------------------------
def values_cases() -> None:
    bad = {
        "negative": ("-8", "not allowed"), "zero": ("0", "not allowed"),
        "fraction": ("3.5", "not an integer"), "rational_text": ('"3/2"', "not an integer"),
        "nan": ("nan", "finite"), "inf": ("inf", "finite"), "neg_inf": ("-inf", "finite"),
        "huge_float": ("1e300", "too large"), "huge_int": ("1" + "0" * 30, "too large"),
        "int64_max": ("9223372036854775807", "too large"), "bool": ("true", "a number"),
        "list": ("[1, 2]", "a number"), "table": ("{ a = 1 }", "a number"),
        "text": ('"abc"', "not a number"), "empty_text": ('""', "not a number"),
        "long_text": (quoted("9" * 500), "not a number"), "expression": ('"2**10"', "number"),
        "float_integral": ("32.0", "not an integer"), "division_by_zero": ('"1/0"', "not a number"),
    }
    for name, (value, reason) in bad.items():
        file_case(f"values-h-{name}", question(LAYER, values=f"{{ c_i = 3, c_o = 8, k = 3, "
                                                            f"p = 1, h = {value} }}"),
                  [*field("q1", "values.h"), reason], ("key", "grade"))
    file_case("values-padding-negative", question(LAYER, values="{ c_i = 3, c_o = 8, k = 3, "
                                                  "p = -1, h = 32 }"),
              [*field("q1", "values.p"), "non-negative"])
    file_case("values-channels-zero", question(LAYER, values="{ c_i = 0, c_o = 8, k = 3, p = 1,"
                                               " h = 32 }"), field("q1", "values.c_i"))
    file_case("values-bad-name", question(LAYER, values='{ "h-1" = 3 }'),
              [*field("q1", "values.h-1"), "not a symbol name"])
    file_case("values-empty-name", question(LAYER, values='{ "" = 3 }'), ["question 'q1'"])
    file_case("values-not-table", question(LAYER, values="5"), field("q1", "values"))
    file_case("values-kernel-too-large", question(LAYER, values="{ c_i = 3, c_o = 8, k = 64, "
                                                  "p = 1, h = 32 }"),
              [*field("q1", "values"), "invalid"], ("key", "grade"))
    file_case("values-tiny-input", question(LAYER, values="{ c_i = 1, c_o = 4, k = 3, p = 0, "
                                            "h = 1 }"), [*field("q1", "values"), "invalid"])
    many = ", ".join(f"a{i} = 1" for i in range(100))
    file_case("values-too-many", question(LAYER, values=f"{{ {many} }}"),
              [*field("q1", "values"), "more than"])
    file_case("values-sigma-text", question(LAYER, values='{ sigma_x = "abc" }'),
              field("q1", "values.sigma_x"))


# -- vary -----------------------------------------------------------------------------------
def vary_cases() -> None:
    bad = {
        "huge_range": ("{ range = [1, " + "1" + "0" * 30 + "] }", "too large"),
        "wide_range": ("{ range = [1, 100000] }", "more than"),
        "reversed_negative": ("{ range = [-5, 5] }", "not allowed"),
        "zero_low": ("{ range = [0, 10] }", "not allowed"), "empty": ("{ one_of = [] }", "expected"),
        "text": ('"x"', "expected"), "floats": ("{ range = [1.5, 2] }", "integers"),
        "bools": ("{ one_of = [true, false] }", "integers"), "table": ("{ low = 1 }", "expected"),
        "nested": ("{ one_of = [[1, 2]] }", "integers"), "nan": ("{ range = [nan, 3] }", "finite"),
        "old_range": ("[1, 5]", "ambiguous"), "old_list": ("[28, 32, 64]", "one_of"),
        "step_zero": ("{ range = [1, 5], step = 0 }", "step"),
    }
    # the bounds on every number and list of a file name the entry itself (vary.h.range...)
    inner = {"huge_range": "vary.h.range", "nan": "vary.h.range"}
    for name, (value, reason) in bad.items():
        file_case(f"vary-{name}", question(LAYER, vary=f"{{ h = {value} }}"),
                  [*field("q1", inner.get(name, "vary.h")), reason])
    long_list = "[" + ", ".join(str(i) for i in range(1, 12002)) + "]"
    file_case("vary-long-list", question(LAYER, vary=f"{{ h = {{ one_of = {long_list} }} }}"),
              [*field("q1", "vary.h.one_of"), "more than"])
    file_case("vary-bad-name", question(LAYER, vary='{ "h w" = { range = [1, 2] } }'),
              field("q1", "vary.h w"))
    file_case("vary-not-table", question(LAYER, vary="[1, 2]"), field("q1", "vary"))
    file_case("vary-unused-name", question(LAYER, vary="{ x = { range = [1, 2] } }"),
              [*field("q1", "vary.x"), "not used"])
    file_case("vary-constraint-eval", question(
        LAYER, vary='{ k = { range = [1, 5] }, constraints = ["__import__(1) > 0"] }'),
        [*field("q1", "vary.constraints[0]")])


# -- where / claimed / function (formulas) ----------------------------------------------------
FORMULAS = {
    "nested_powers": ("((9**16)**16)**16**16", "exponent"),
    "nested_powers_product": ("(((9**16)**16)**16)**16", "bits"),
    "factorial_huge": ("factorial(10**16)", "factorial"),
    "factorial_nested": ("factorial(factorial(factorial(5)))", "factorial"),
    "factorial_symbol": ("factorial(C)", "factorial"),
    "power_huge": ("2**100000", "exponent"),
    "power_symbolic": ("C**H", "exponent"),
    "import": ("__import__('os').system('true')", "not allowed"),
    "attribute": ("C.__class__", "not allowed"),
    "lambda": ("(lambda: 1)()", "not allowed"),
    "comprehension": ("[x for x in range(3)]", "not allowed"),
    "conditional": ("C if H else W", "not allowed"),
    "text_constant": ("'text'", "not a number"),
    "division_by_zero": ("C/0", "division by zero"),
    "mod_zero": ("C % 0", "division by zero"),
    "floordiv_zero": ("C // 0", "division by zero"),
    "complex": ("sqrt(-1)", "real"),
    "empty_min": ("min()", "argument"),
    "one_max": ("max(C)", "argument"),
    "floor_two": ("floor(C, H)", "argument"),
    "keyword": ("floor(x=C)", "positional"),
    "star": ("max(*C)", "positional"),
    "long_digits": ("1" * 60, "digits"),
    "inf_float": ("1e999", "finite"),
    "syntax": ("C +", "not a formula"),
    "empty": ("", "not a formula"),
    "deep_parens": ("(" * 300 + "C" + ")" * 300, "nested"),
    "deep_unary": ("-" * 200 + "C", "nested"),
    "many_terms": ("+".join(["C"] * 3000), "characters"),
    "huge_source": ("+".join(["C"] * 400_000), "characters"),
    "nul_byte": ("C\u0000", "null bytes"),
    "walrus": ("(x := C)", "not allowed"),
    "compare": ("C < H", "not allowed"),
    "bitwise": ("C ^ H", "not allowed"),
    "matmul": ("C @ H", "not allowed"),
    "call_unknown": ("open('x')", "not allowed"),
    "method": ("math.factorial.__call__(3)", "not allowed"),
    "unicode_name": ("Cƒ", "symbol name"),
    "subscript": ("C[0]", "not allowed"),
    "starred_power": ("C**-100", "exponent"),
}


def formula_cases() -> None:
    for name, (text, reason) in FORMULAS.items():
        file_case(f"where-{name}", question(LINEAR, where=f"{{ n = {quoted(text)} }}"),
                  [*field("q1", "where.n"), reason])
    for name in ("nested_powers", "factorial_huge", "factorial_nested", "import",
                 "huge_source", "division_by_zero", "complex", "deep_parens"):
        text, reason = FORMULAS[name]
        file_case(f"claimed-{name}", question(LAYER, claimed=f"{{ mults = {quoted(text)} }}"),
                  [*field("q1", "claimed.mults"), reason])
    file_case("claimed-not-asked", question(LAYER, claimed="{ adds = 3 }"),
              field("q1", "claimed.adds"))
    file_case("claimed-nan", question(LAYER, claimed="{ mults = nan }"),
              [*field("q1", "claimed.mults"), "finite"])
    file_case("claimed-bool", question(LAYER, claimed="{ mults = true }"),
              field("q1", "claimed.mults"))
    file_case("claimed-huge", question(LAYER, claimed="{ mults = " + "9" * 60 + " }"),
              field("q1", "claimed.mults"))
    file_case("claimed-not-table", question(LAYER, claimed='"3"'), field("q1", "claimed"))


def source(body: str) -> str:
    return quoted(body)


FUNCTION_SOURCES = {
    "factorial_huge": ("def f(h, k, p):\n    return factorial(10**16)", "factorial"),
    "factorial_nested": ("def f(h, k, p):\n    return factorial(factorial(factorial(5)))",
                         "factorial"),
    "nested_powers": ("def f(h, k, p):\n    m = (h**16)**16\n    return (m**16)**16", "bits"),
    "huge_source": ("def f(h, k, p):\n    return " + "+".join(["h"] * 400_000), "characters"),
    "import": ("import os\ndef f(h, k, p):\n    return h", "exactly one"),
    "two_defs": ("def f(h):\n    return h\ndef g(h):\n    return h", "exactly one"),
    "print": ("def f(h, k, p):\n    print(h)\n    return h", "only"),
    "no_return": ("def f(h, k, p):\n    m = h", "return"),
    "recursion": ("def f(h, k, p):\n    return f(h, k, p)", "not allowed"),
    "global_name": ("def f(h, k, p):\n    return os", "not an argument"),
    "default": ("def f(h, k=1, p=0):\n    return h", "plain positional"),
    "varargs": ("def f(*a):\n    return 1", "plain positional"),
    "kwargs": ("def f(**a):\n    return 1", "plain positional"),
    "annotation": ("def f(h: int, k, p):\n    return h", "annotations"),
    "decorator": ("@cache\ndef f(h, k, p):\n    return h", "decorators"),
    "async": ("async def f(h, k, p):\n    return h", "exactly one"),
    "lambda": ("f = lambda h: h", "exactly one"),
    "class": ("class F:\n    pass", "exactly one"),
    "bad_arg_name": ("def f(h, k, _p):\n    return h", "argument"),
    "unicode_name": ("def ƒ(h, k, p):\n    return h", "not a plain name"),
    "dunder_local": ("def f(h, k, p):\n    __x = h\n    return __x", "not a plain name"),
    "duplicate_args": ("def f(h, h):\n    return h", "same name"),
    "syntax": ("def f(h:\n    return", "not Python"),
    "empty": ("", "exactly one"),
    "nul": ("def f(h):\n    return h\u0000", "null bytes"),
    "deep": ("def f(h, k, p):\n    return " + "(" * 300 + "h" + ")" * 300, "nested"),
    "while": ("def f(h, k, p):\n    while True:\n        pass\n    return h", "only"),
    "subscript_assign": ("def f(h, k, p):\n    h[0] = 1\n    return h", "only"),
    "yield": ("def f(h, k, p):\n    yield h", "return"),
    "string": ("def f(h, k, p):\n    return 'x'", "not a number"),
}


def function_cases() -> None:
    for name, (body, reason) in FUNCTION_SOURCES.items():
        value = f'{{ quantity = "output_shape.1", source = {source(body)} }}'
        file_case(f"function-{name}", question(LAYER, function=value),
                  [*field("q1", "function.source"), reason])
    src = source("def out(h, k, p):\n    return h + 2*p - k + 1")
    file_case("function-args-bad-target", question(LAYER, function=f'{{ quantity = '
              f'"output_shape.1", source = {src}, args = {{ h = "not a name" }} }}'),
              field("q1", "function.args.h"))
    file_case("function-args-bad-key", question(LAYER, function=f'{{ quantity = '
              f'"output_shape.1", source = {src}, args = {{ "1x" = "h" }} }}'),
              field("q1", "function.args.1x"))
    file_case("function-args-number", question(LAYER, function=f'{{ quantity = '
              f'"output_shape.1", source = {src}, args = {{ h = 5 }} }}'),
              field("q1", "function.args.h"))
    file_case("function-args-not-table", question(LAYER, function=f'{{ quantity = '
              f'"output_shape.1", source = {src}, args = 5 }}'), field("q1", "function.args"))
    file_case("function-unknown-key", question(LAYER, function=f'{{ quantity = '
              f'"output_shape.1", source = {src}, nope = 1 }}'), field("q1", "function.nope"))
    file_case("function-bad-quantity", question(LAYER, function=f'{{ quantity = "nope", '
              f'source = {src} }}'), field("q1", "function.quantity"))
    file_case("function-shape-quantity", question(LAYER, function=f'{{ quantity = '
              f'"output_shape", source = {src} }}'), field("q1", "function.quantity"))
    file_case("function-not-table", question(LAYER, function="5"), field("q1", "function"))


# -- text fields ----------------------------------------------------------------------------
def text_cases() -> None:
    attacks = {
        "input": r"$\input{/etc/passwd}$", "include": r"$\include{x}$",
        "openout": r"$\immediate\openout5=x.tex$", "write18": r"$\write18{id}$",
        "csname": r"$\csname input\endcsname$", "catcode": r"$\catcode 64=11$",
        "def": r"$\def\x{1}$", "caret": r"$^^5cinput{x}$", "percent": "$a % b$",
        "hash": "$#1$", "unbalanced_close": "$a}$",
        "unbalanced_open": "${a$", "bad_env": r"$\begin{tabular}{c}x\end{tabular}$",
        "unended_env": r"$\begin{matrix} a$", "ampersand": "$a & b$",
        "linebreak": r"$a \\ b$", "unicode_math": "$3 × 3$", "lone_dollar": "costs $5",
        "empty_math": "$ $", "control_char": "bell \u0007 here",
        "long_math": "$" + "x+" * 3000 + "x$", "deep_math": "$" + "{" * 50 + "x" + "}" * 50 + "$",
        "long_text": "word " * 5000, "verb": r"$\verb|x|$", "url": r"$\url{x}$",
    }
    for name, text in attacks.items():
        file_case(f"text-{name}", question(LAYER, text=quoted(text)), field("q1", "text"))
    for fieldname in ("note", "prose", "title", "section"):
        file_case(f"{fieldname}-input", question(LAYER, **{fieldname: quoted(
            r"$\input{/etc/passwd}$")}), field("q1", fieldname))
    file_case("text-number", question(LAYER, text="5"), field("q1", "text"))
    file_case("text-missing", question(LAYER, text=DROP), field("q1", "text"))
    file_case("title-list", question(LAYER, title="[1]"), field("q1", "title"))
    file_case("note-table", question(LAYER, note="{ a = 1 }"), field("q1", "note"))
    file_case("text-placeholder-unknown", question(LAYER, text='"size {{nope}}"'),
              [*field("q1", "text"), "placeholder"])
    file_case("assignment-title-input", '[assignment]\ntitle = "$\\\\input{x}$"\n\n'
              + question(LAYER)[len(HEADER):], ["field 'assignment.title'"])
    file_case("assignment-intro-write", '[assignment]\ntitle = "x"\nintro = "$\\\\write18{x}$"\n\n'
              + question(LAYER)[len(HEADER):], ["field 'assignment.intro'"])
    file_case("assignment-title-number", '[assignment]\ntitle = 5\n\n'
              + question(LAYER)[len(HEADER):], ["field 'assignment.title'"])
    file_case("assignment-not-table", 'assignment = 5\n' + question(LAYER)[len(HEADER):],
              ["field 'assignment'"])


# -- structure: ids, kinds, ask, fields -----------------------------------------------------
def structure_cases() -> None:
    file_case("id-missing", question(LAYER, id=DROP), ["field 'id'"])
    file_case("id-number", question(LAYER, id="5"), ["field 'id'"])
    file_case("id-empty", question(LAYER, id='""'), ["field 'id'"])
    file_case("id-markup", question(LAYER, id='"<script>"'), ["field 'id'"])
    file_case("id-long", question(LAYER, id=quoted("x" * 100)), ["field 'id'"])
    file_case("id-duplicate", question(LAYER) + "\n[[question]]\n" + "".join(
        f"{k} = {v}\n" for k, v in LAYER.items()), ["field 'id'", "two questions"])
    file_case("kind-missing", question(LAYER, kind=DROP), field("q1", "kind"))
    file_case("kind-unknown", question(LAYER, kind='"nope"'), field("q1", "kind"))
    file_case("kind-number", question(LAYER, kind="5"), field("q1", "kind"))
    file_case("ask-empty", question(LAYER, ask="[]"), field("q1", "ask"))
    file_case("ask-unknown", question(LAYER, ask='["mult"]'), field("q1", "ask"))
    file_case("ask-text", question(LAYER, ask='"mults"'), field("q1", "ask"))
    file_case("ask-number", question(LAYER, ask="[5]"), field("q1", "ask"))
    file_case("ask-missing", question(LAYER, ask=DROP), field("q1", "ask"))
    file_case("answer-not-asked", question(LAYER, answer='"adds"'), field("q1", "answer"))
    file_case("answer-number", question(LAYER, answer="5"), field("q1", "answer"))
    file_case("unknown-field", question(LAYER, colour='"red"'), field("q1", "colour"))
    file_case("order-bad", question(LAYER, order='"sideways"'), field("q1", "order"))
    file_case("points-negative", question(LAYER, points="-1"), field("q1", "points"))
    file_case("points-nan", question(LAYER, points="nan"), field("q1", "points"))
    file_case("points-text", question(LAYER, points='"five"'), field("q1", "points"))
    file_case("points-huge", question(LAYER, points="1e300"), field("q1", "points"))
    file_case("dtype-bad", question(LAYER, dtype='"float99"'), field("q1", "dtype"))
    file_case("dtype-number", question(LAYER, dtype="5"), field("q1", "dtype"))


# -- layers ---------------------------------------------------------------------------------
def conv(**args: str) -> str:
    fields = {"type": '"Conv2d"', "in_channels": "3", "out_channels": "8", "kernel_size": "3"}
    fields.update(args)
    return "{ " + ", ".join(f"{k} = {v}" for k, v in fields.items() if v != "DROP") + " }"


def layer_cases() -> None:
    numeric = dict(LAYER, layer=conv(), input="[3, 8, 8]", values=DROP)
    bad = {
        "kernel-zero": conv(kernel_size="0"), "kernel-negative": conv(kernel_size="-1"),
        "kernel-huge": conv(kernel_size="1" + "0" * 30), "kernel-too-large": conv(kernel_size="64"),
        "kernel-three-axes": conv(kernel_size="[1, 2, 3]"), "kernel-float": conv(kernel_size="3.5"),
        "kernel-bad-name": conv(kernel_size='"k k"'), "stride-zero": conv(stride="0"),
        "dilation-zero": conv(dilation="0"), "padding-negative": conv(padding="-1"),
        "padding-same-strided": conv(padding='"same"', stride="2"),
        "groups-zero": conv(groups="0"),
        "groups-not-dividing": conv(groups="2"), "channels-mismatch": conv(in_channels="4"),
        "bias-text": conv(bias='"yes"'), "unknown-arg": conv(kernel="3"),
        "type-unknown": conv(type='"Conv9d"'), "type-missing": conv(type="DROP"),
        "out-channels-zero": conv(out_channels="0"), "kernel-nan": conv(kernel_size="nan"),
        "kernel-table": conv(kernel_size="{ a = 1 }"),
        "padding-huge": conv(padding="1" + "0" * 20),
    }
    for name, spec in bad.items():
        file_case(f"layer-{name}", question(numeric, layer=spec), ["question 'q1'",
                                                                   "field 'layer"])
    file_case("layer-not-table", question(LAYER, layer="5"), field("q1", "layer"))
    file_case("layer-missing", question(LAYER, layer=DROP), field("q1", "layer"))
    inputs = {
        "empty": "[]", "two-axes": "[3, 8]", "zero": "[0, 8, 8]", "negative": "[-1, 8, 8]",
        "float": "[3, 8, 8.5]", "text": '"3,8,8"', "bad-name": '[3, "a b", 8]',
        "huge": "[3, " + "1" + "0" * 30 + ", 8]", "tiny": "[3, 1, 1]", "nested": "[[3], 8, 8]",
        "many-axes": "[3, 8, 8, 8, 8, 8, 8, 8, 8]", "bool": "[true, 8, 8]",
    }
    for name, shape in inputs.items():
        file_case(f"input-{name}", question(numeric, input=shape), ["question 'q1'", "input"])
    for name, batch in {"negative": "-3", "zero": "0", "float": "1.5", "bad-name": '"b b"',
                        "huge": "1" + "0" * 30, "list": "[1]"}.items():
        file_case(f"batch-{name}", question(numeric, batch=batch), field("q1", "batch"))


# -- networks ---------------------------------------------------------------------------------
def nested_network(depth: int) -> str:
    inner = '{ type = "Conv2d", in_channels = 1, out_channels = 1, kernel_size = 1 }'
    for _ in range(depth):
        inner = '{ type = "Sequential", layers = [' + inner + '] }'
    return inner


def network_cases() -> None:
    both = ("key", "net")
    file_case("network-number", question(NETWORK, network="5"), ["network"], both)
    file_case("network-text", question(NETWORK, network='"resnet"'), ["network"], both)
    file_case("network-layers-not-list", question(NETWORK, network='{ type = "Sequential", '
              'layers = 5 }'), ["network"], both)
    file_case("network-layer-number", question(NETWORK, network='{ type = "Sequential", '
              'layers = [5] }'), ["network"], both)
    file_case("network-container-unknown", question(NETWORK, network='{ type = "Parallel", '
              'layers = [] }'), ["network"], both)
    file_case("network-nested-200", question(NETWORK, network=nested_network(200)),
              ["nested"], both)
    file_case("network-nested-20", question(NETWORK, network=nested_network(20)),
              ["nested"], ("key",))
    file_case("network-tiny-input", question(NETWORK, input="[1, 1, 1]", network=(
        '{ type = "Sequential", layers = [{ type = "Conv2d", in_channels = 1, '
        'out_channels = 4, kernel_size = 3 }] }')), ["network"], both)
    file_case("network-values-negative", question(NETWORK, input='[1, "h", "h"]',
              values="{ h = -8 }"), field("n1", "values.h"), both)
    file_case("network-linear-mismatch", question(NETWORK, network=(
        '{ type = "Sequential", layers = [{ type = "Flatten" }, { type = "Linear", '
        'in_features = 5, out_features = 2 }] }')), ["network"], both)
    file_case("network-row-name-markup", question(NETWORK, network=(
        '{ type = "Sequential", layers = [{ type = "Conv2d", name = "$\\\\input{x}$", '
        'in_channels = 1, out_channels = 4, kernel_size = 3 }] }')),
        field("n1", "network.layers.name"), both)
    file_case("network-ask-unknown", question(NETWORK, ask='["nope"]'), field("n1", "ask"))
    max_batch = dict(NETWORK, ask='["max_batch"]')
    file_case("network-memory-missing", question(max_batch), field("n1", "memory"))
    file_case("network-memory-words", question(max_batch, memory='"12 parsecs"'),
              field("n1", "memory"))
    file_case("network-memory-negative", question(max_batch, memory="-5"), field("n1", "memory"))
    file_case("network-memory-zero", question(max_batch, memory='"0GiB"'), field("n1", "memory"))
    file_case("network-memory-huge", question(max_batch, memory='"99999999999999TiB"'),
              field("n1", "memory"))
    file_case("network-memory-list", question(max_batch, memory="[12]"), field("n1", "memory"))
    file_case("network-dtype-bad", question(max_batch, memory='"1GiB"', dtype='"float99"'),
              field("n1", "dtype"))
    file_case("network-policy-bad", question(max_batch, memory='"1GiB"', policy='"greedy"'),
              field("n1", "policy"))
    file_case("network-at-unknown", question(NETWORK, ask='["receptive"]', at='"99"'),
              field("n1", "at"))
    file_case("network-columns-unknown", question(NETWORK, columns='["nope"]'),
              field("n1", "columns"))
    file_case("network-columns-markup", question(NETWORK, columns='["$\\\\input{x}$"]'),
              field("n1", "columns"))
    file_case("network-index-bad-name", question(NETWORK, ask='["region"]',
              index='["a b", "j"]'), field("n1", "index"))
    file_case("network-input-bad", question(NETWORK, input='"1x16x16"'), ["network"], both)


# -- calculus and prose ------------------------------------------------------------------------
def calculus_cases() -> None:
    for name, fn in {"os": '"os.system"', "missing": '"worked.nope"', "path": '"../x.y"',
                     "number": "5", "private": '"worked._entries"'}.items():
        file_case(f"calculus-function-{name}", question(CALCULUS, function=fn),
                  field("c1", "function"), ("key",))
    file_case("calculus-args-unknown", question(CALCULUS, args="{ x = [1, 2, 3], y = [1], "
              "k = 3, colour = 1 }"), field("c1", "args.colour"))
    file_case("calculus-steps-unknown", question(CALCULUS, steps="{ colour = true }"),
              field("c1", "steps.colour"))
    file_case("calculus-args-not-table", question(CALCULUS, args="5"), field("c1", "args"))
    file_case("calculus-args-huge", question(CALCULUS, args="{ x = [1, 2, 3], y = [1], "
              "k = 1000000 }"), field("c1", "args.k"))
    file_case("calculus-args-long-list", question(CALCULUS, args="{ x = [" + ", ".join(
        ["1"] * 500) + "], y = [1], k = 3 }"), field("c1", "args.x"))
    file_case("calculus-mlp-huge", question(CALCULUS, function='"symmetry.mlp_symmetry"',
              args='{ d = 1000000, activation = "tanh" }'), field("c1", "args.d"))
    file_case("calculus-result-private", question(CALCULUS, result='"_secret"'),
              field("c1", "result"))
    file_case("calculus-layer-bad", question(CALCULUS, function='"variance.gradient_variance"',
              layer='{ type = "Conv2d", in_channels = 1, out_channels = 1, kernel_size = 0 }',
              input='[1, "n", "n"]', args=DROP), field("c1", "layer"))
    file_case("prose-missing", question(PROSE, prose=DROP), field("p1", "prose"), ("key",))
    file_case("prose-number", question(PROSE, prose="5"), field("p1", "prose"))
    file_case("prose-grade", question(PROSE), ["question 'p1'"], ("grade",), qid="p1")


# -- whole files -------------------------------------------------------------------------------
def file_level_cases() -> None:
    both = ("key", "net")
    file_case("utf8-invalid", question(LAYER).encode() + b"\nnote = \"\xff\xfe\"\n",
              ["not UTF-8"], ("key", "net", "grade"))
    file_case("utf16", question(LAYER).encode("utf-16"), ["not UTF-8"], ("key",))
    file_case("empty-file", "", ["no [", "question"], both)
    file_case("no-questions", HEADER, ["no [[question]]"], ("key",))
    file_case("question-number", HEADER + "question = 5\n", ["question"], both)
    file_case("question-list-of-numbers", HEADER + "question = [5]\n", ["question"], both)
    file_case("top-level-unknown", question(LAYER) + "\n[extra]\nx = 1\n", ["field 'extra'"])
    file_case("toml-syntax", question(LAYER) + "\nthis is not = = toml\n", ["not valid TOML"],
              ("key", "net", "grade"))
    file_case("toml-unclosed", HEADER + '[[question]]\ntext = "unclosed\n', ["not valid TOML"],
              ("key",))
    file_case("toml-deep-arrays", "x = " + "[" * 3000 + "]" * 3000 + "\n", ["nested"], both)
    file_case("toml-deep-tables", question(LAYER, layer="{ a = " * 100 + "1" + " }" * 100),
              ["nested"], both)
    file_case("binary", bytes(range(256)) * 4, ["UTF-8"], both)
    file_case("huge-file", HEADER + "# " + "x" * 2_100_000 + "\n", ["larger than"], ("key",))


def cli_cases() -> None:
    good, net = "{good}", "{net_file}"
    # -- layer
    base = ["layer", "conv2d", "--input", "3,8,8", "--out-channels", "4", "--kernel-size", "3"]
    for name, extra, expect in [
        ("groups-zero", ["--groups", "0"], ["--groups"]),
        ("groups-negative", ["--groups", "-1"], ["--groups"]),
        ("groups-float", ["--groups", "1.5"], ["--groups"]),
        ("groups-not-dividing", ["--groups", "2"], []),
        ("kernel-zero", ["--kernel-size", "0"], ["--kernel-size"]),
        ("kernel-huge", ["--kernel-size", "9" * 40], ["--kernel-size"]),
        ("kernel-too-large", ["--kernel-size", "99"], ["kernel"]),
        ("kernel-three-axes", ["--kernel-size", "3,3,3"], ["kernel_size"]),
        ("stride-zero", ["--stride", "0"], ["--stride"]),
        ("dilation-zero", ["--dilation", "0"], ["--dilation"]),
        ("padding-negative", ["--padding", "-1"], ["--padding"]),
        ("padding-same-strided", ["--padding", "same", "--stride", "2"], ["same"]),
        ("out-channels-zero", ["--out-channels", "0"], ["--out-channels"]),
        ("batch-negative", ["--batch", "-3"], ["--batch"]),
        ("batch-zero", ["--batch", "0"], ["--batch"]),
        ("batch-float", ["--batch", "1.5"], ["--batch"]),
        ("batch-huge", ["--batch", "9" * 400], ["--batch"]),
        ("set-negative", ["--set", "h=-5"], ["--set h"]),
        ("set-unknown", ["--set", "q=3"], ["--set", "no symbol q"]),
        ("set-no-equals", ["--set", "h"], ["--set"]),
        ("set-no-name", ["--set", "=5"], ["--set"]),
        ("set-bad-name", ["--set", "a b=3"], ["--set"]),
        ("dtype-bad", ["--dtype", "float99"], ["dtype"]),
        ("no-bias-pool", ["--no-bias"], []),
    ]:
        argv = list(base) + extra
        if name == "no-bias-pool":
            argv = ["layer", "maxpool2d", "--input", "3,8,8", "--kernel-size", "2", "--no-bias"]
        cli_case(f"layer-{name}", argv, expect)
    # every integer option of every layer kind that takes it, with each kind of bad number
    bad_numbers = {"zero": "0", "negative": "-2", "float": "2.5", "digits400": "7" * 400,
                   "words": "two words"}
    takes = {"conv2d": ["in-channels", "out-channels", "kernel-size", "stride", "dilation",
                        "groups"],
             "maxpool2d": ["kernel-size", "stride"], "linear": ["in-features", "out-features"],
             "batchnorm2d": ["num-features"], "adaptiveavgpool2d": ["output-size"]}
    needs = {"conv2d": ["--out-channels", "4", "--kernel-size", "3"],
             "maxpool2d": ["--kernel-size", "2"], "linear": ["--out-features", "4"],
             "batchnorm2d": [], "adaptiveavgpool2d": ["--output-size", "2"]}
    for kind, options in takes.items():
        shape = "8" if kind == "linear" else "4,8,8"
        for option in options:
            for label, number in bad_numbers.items():
                if option in ("stride", "dilation") and label == "words":
                    continue  # a symbol name is a valid (symbolic) stride
                argv = ["layer", kind, "--input", shape, *needs[kind]]
                if "--" + option in argv:
                    i = argv.index("--" + option)
                    del argv[i:i + 2]
                if label == "words":
                    number = "a b"
                cli_case(f"layer-{kind}-{option}-{label}", argv + [f"--{option}", number],
                         [f"--{option}" if label != "zero" or option != "num-features" else ""])
    sym = ["layer", "conv2d", "--input", "c,h,w", "--out-channels", "4", "--kernel-size", "3"]
    for name, value, expect in [
        ("set-h-negative", "h=-5", ["--set h"]), ("set-h-zero", "h=0", ["--set h"]),
        ("set-h-float", "h=3.5", ["--set h"]), ("set-h-nan", "h=nan", ["--set h"]),
        ("set-h-huge-float", "h=1e300", ["--set h"]), ("set-h-fraction", "h=3/2", ["--set h"]),
        ("set-h-huge", "h=" + "9" * 400, ["--set h"]), ("set-h-words", "h=ten", ["--set h"]),
        ("set-h-too-small", "h=1", ["--set", "kernel extent 3"]),
        ("set-h-div-zero", "h=1/0", ["--set h"]),
        ("set-c-zero", "c=0", ["--set c"]),
    ]:
        cli_case(f"layer-{name}", sym + ["--set", value], expect)
    for name, argv, expect in [
        ("unknown-kind", ["layer", "conv9d", "--input", "3,8,8"], ["conv9d"]),
        ("missing-input", ["layer", "conv2d", "--out-channels", "4"], ["--input"]),
        ("input-empty", ["layer", "conv2d", "--input", ",", "--out-channels", "4",
                         "--kernel-size", "3"], ["--input"]),
        ("input-zero", ["layer", "conv2d", "--input", "0,8,8", "--out-channels", "4",
                        "--kernel-size", "3"], ["--input"]),
        ("input-negative", ["layer", "conv2d", "--input", "-3,8,8", "--out-channels", "4",
                            "--kernel-size", "3"], ["--input"]),
        ("input-float", ["layer", "conv2d", "--input", "3,8,8.5", "--out-channels", "4",
                         "--kernel-size", "3"], ["--input"]),
        ("input-huge", ["layer", "conv2d", "--input", "3," + "9" * 400 + ",8",
                        "--out-channels", "4", "--kernel-size", "3"], ["--input"]),
        ("input-many-axes", ["layer", "conv2d", "--input", ",".join(["2"] * 20),
                             "--out-channels", "4", "--kernel-size", "3"], ["--input"]),
        ("input-two-axes", ["layer", "conv2d", "--input", "3,8", "--out-channels", "4",
                            "--kernel-size", "3"], []),
        ("input-tiny", ["layer", "conv2d", "--input", "1,1,1", "--out-channels", "4",
                        "--kernel-size", "3"], ["kernel"]),
        ("linear-mismatch", ["layer", "linear", "--input", "8", "--in-features", "5",
                             "--out-features", "2"], []),
        ("linear-zero", ["layer", "linear", "--input", "8", "--out-features", "0"],
         ["--out-features"]),
        ("conv-missing-kernel", ["layer", "conv2d", "--input", "3,8,8", "--out-channels", "4"],
         ["--kernel-size"]),
        ("pool-kernel-zero", ["layer", "maxpool2d", "--input", "3,8,8", "--kernel-size", "0"],
         ["--kernel-size"]),
        ("unknown-option", ["layer", "conv2d", "--input", "3,8,8", "--colour", "red"],
         ["--colour"]),
        ("adaptive-zero", ["layer", "adaptiveavgpool2d", "--input", "3,8,8", "--output-size",
                           "0"], ["--output-size"]),
    ]:
        cli_case(f"layer-{name}", argv, expect)
    # -- net
    for name, argv, expect in [
        ("directory", ["net", "{dir}"], ["directory"]),
        ("missing-file", ["net", "{files}/no-such-file.toml"], ["no such file"]),
        ("question-unknown", ["net", good, "--question", "nope"], ["nope"]),
        ("question-no-network", ["net", good, "--question", "q1"], ["q1"]),
        ("input-zero", ["net", net, "--input", "0,8,8"], ["input"]),
        ("input-words", ["net", net, "--input", "a b,8,8"], ["input"]),
        ("batch-negative", ["net", net, "--batch", "-3"], ["--batch"]),
        ("set-negative", ["net", net, "--set", "h=-5"], ["--set h"]),
        ("set-unknown", ["net", net, "--set", "zz=3"], ["--set", "no symbol zz"]),
        ("set-too-small", ["net", net, "--set", "h=1", "--set", "w=1"], ["--set", "kernel"]),
        ("memory-negative", ["net", net, "--memory", "-5"], ["-5"]),
        ("memory-zero", ["net", net, "--memory", "0"], ["--memory"]),
        ("memory-words", ["net", net, "--memory", "12 parsecs"], ["parsecs"]),
        ("memory-huge", ["net", net, "--memory", "99999999999999TiB"], ["--memory"]),
        ("divisible-zero", ["net", net, "--assume-divisible", "0"], ["--assume-divisible"]),
        ("divisible-negative", ["net", net, "--assume-divisible", "-2"], ["--assume-divisible"]),
        ("dtype-bad", ["net", net, "--dtype", "float99"], ["dtype"]),
        ("policy-bad", ["net", net, "--memory", "1GiB", "--policy", "greedy"], ["--policy"]),
        ("optimizer-bad", ["net", net, "--optimizer", "lion"], ["--optimizer"]),
        ("json-and-latex", ["net", net, "--json", "--latex"], ["--latex"]),
        ("no-file", ["net"], ["file"]),
    ]:
        cli_case(f"net-{name}", argv, expect)
    # -- key
    for name, argv, expect in [
        ("directory", ["key", "{dir}", "-o", "{out}"], ["directory"]),
        ("missing-file", ["key", "{files}/no-such-file.toml", "-o", "{out}"], ["no such file"]),
        ("output-is-file", ["key", good, "-o", "{file}", "--no-torch"], ["{file}"]),
        ("output-under-file", ["key", good, "-o", "{file}/sub", "--no-torch"], ["{file}"]),
        ("output-read-only", ["key", good, "-o", "{ro}/sub", "--no-torch"], ["{ro}"]),
        ("seed-400-digits", ["key", good, "-o", "{out}", "--seed", "9" * 400], ["--seed"]),
        ("seed-negative", ["key", good, "-o", "{out}", "--seed", "-1"], ["--seed"]),
        ("seed-words", ["key", good, "-o", "{out}", "--seed", "abc"], ["--seed"]),
        ("seed-float", ["key", good, "-o", "{out}", "--seed", "1.5"], ["--seed"]),
        ("format-bad", ["key", good, "-o", "{out}", "--format", "pdf"], ["--format"]),
        ("pdf-with-md", ["key", good, "-o", "{out}", "--format", "md", "--pdf"], ["--pdf"]),
        ("no-files", ["key", "-o", "{out}"], ["FILE"]),
        ("no-output", ["key", good], ["-o"]),
        ("vary-huge-with-seed", ["key", "{files}/vary-huge_range.toml", "-o", "{out}",
                                 "--seed", "3"], ["vary.h"]),
        ("one-bad-of-two", ["key", good, "{files}/values-h-negative.toml", "-o", "{out}"],
         ["values.h"]),
    ]:
        cli_case(f"key-{name}", argv, expect)
    # -- grade
    answer = ["grade", "--expected", "c_i*k^2", "--answer", "c_i*k^2"]
    for name, extra, expect in [
        ("sig-figs-negative", ["--sig-figs", "-400"], ["--sig-figs"]),
        ("sig-figs-zero", ["--sig-figs", "0"], ["--sig-figs"]),
        ("sig-figs-words", ["--sig-figs", "three"], ["--sig-figs"]),
        ("rel-tol-negative", ["--rel-tol", "-0.1"], ["--rel-tol"]),
        ("rel-tol-nan", ["--rel-tol", "nan"], ["--rel-tol"]),
        ("time-limit-zero", ["--time-limit", "0"], ["--time-limit"]),
        ("time-limit-negative", ["--time-limit", "-1"], ["--time-limit"]),
        ("time-limit-nan", ["--time-limit", "nan"], ["--time-limit"]),
        ("time-limit-inf", ["--time-limit", "inf"], ["--time-limit"]),
        ("memory-limit-negative", ["--memory-limit", "-5"], ["--memory-limit"]),
        ("memory-limit-zero", ["--memory-limit", "0"], ["--memory-limit"]),
        ("workers-negative", ["--workers", "-1"], ["--workers"]),
        ("partial-credit-two", ["--partial-credit", "2"], ["--partial-credit"]),
        ("partial-credit-nan", ["--partial-credit", "nan"], ["--partial-credit"]),
    ]:
        cli_case(f"grade-{name}", answer + extra, expect)
    for name, argv, expect in [
        ("no-answer", ["grade", "--expected", "h"], ["--answer"]),
        ("nothing", ["grade"], ["--answer"]),
        ("file-no-question", ["grade", good, "--answer", "3"], ["QUESTION"]),
        ("question-unknown", ["grade", good, "nope", "--answer", "3"], ["nope"]),
        ("file-directory", ["grade", "{dir}", "q1", "--answer", "3"], ["directory"]),
        ("file-missing", ["grade", "{files}/no-such-file.toml", "q1", "--answer", "3"],
         ["no such file"]),
        ("batch-missing", ["grade", "--batch", "{files}/no-such.csv", "--out", "{out}/r.csv"],
         ["no-such.csv"]),
        ("batch-directory", ["grade", "--batch", "{dir}", "--out", "{out}/r.csv"], ["{dir}"]),
        ("batch-no-out", ["grade", "--batch", "{file}"], []),
        ("batch-bad-columns", ["grade", "--batch", "{file}", "--out", "{out}/r.csv"],
         ["column"]),
        ("submissions-no-file", ["grade", "--submissions", "{file}", "--out", "{out}/r.csv"],
         ["FILE"]),
        ("set-words", ["grade", "--expected", "h", "--answer", "h", "--set", "h=abc"], ["abc"]),
        ("set-div-zero", ["grade", "--expected", "h", "--answer", "h", "--set", "h=1/0"], ["1/0"]),
        ("domain-div-zero", ["grade", "--expected", "h", "--answer", "h", "--domain",
                             "h=1/0..2"], ["1/0"]),
        ("batch-axis-div-zero", ["grade", "--expected", "h", "--answer", "h", "--batch-axis",
                                 "1/0"], ["1/0"]),
        ("set-no-equals", ["grade", "--expected", "h", "--answer", "h", "--set", "h"], ["--set"]),
        ("domain-bad", ["grade", "--expected", "h", "--answer", "h", "--domain", "h=nope"],
         ["nope"]),
    ]:
        cli_case(f"grade-{name}", argv, expect)
    # -- grade: options added with class grading
    for name, argv, expect in [
        ("duplicates-bad", ["grade", good, "--submissions", "{file}", "--out", "{out}.csv",
                            "--duplicates", "middle"], ["--duplicates"]),
        ("journal-directory", ["grade", "--batch", "{file}", "--out", "{out}.csv", "--journal",
                               "{dir}"], []),
        ("scores-without-submissions", ["grade", "--expected", "h", "--answer", "h",
                                        "--scores", "{out}.csv", "--sig-figs", "0"],
         ["--sig-figs"]),
    ]:
        cli_case(f"grade-{name}", argv, expect)
    # -- gradescope
    for name, argv, expect in [
        ("time-limit-nan", ["gradescope", "build", good, "-o", "{out}.zip", "--time-limit",
                            "nan"], ["--time-limit"]),
        ("time-limit-zero", ["gradescope", "build", good, "-o", "{out}.zip", "--time-limit",
                             "0"], ["--time-limit"]),
        ("partial-credit-two", ["gradescope", "build", good, "-o", "{out}.zip",
                                "--partial-credit", "2"], ["--partial-credit"]),
        ("bad-question-file", ["gradescope", "build", "{files}/values-h-negative.toml", "-o",
                               "{out}.zip"], ["values.h"]),
        ("template-bad-file", ["gradescope", "template", "{files}/text-input.toml", "-o",
                               "{out}.toml"], ["field 'text'"]),
        ("directory", ["gradescope", "build", "{dir}", "-o", "{out}.zip"], ["directory"]),
        ("output-is-directory", ["gradescope", "template", good, "-o", "{dir}"], ["folder"]),
        ("no-output", ["gradescope", "template", good], ["-o"]),
        ("no-file", ["gradescope", "build", "-o", "{out}.zip"], ["FILE"]),
        ("action-bad", ["gradescope", "frob"], ["frob"]),
        ("visibility-bad", ["gradescope", "build", good, "-o", "{out}.zip", "--visibility",
                            "public"], ["--visibility"]),
        ("run-missing-root", ["gradescope", "run", "--root", "{files}/no-such-root"],
         ["--root"]),
    ]:
        cli_case(f"gradescope-{name}", argv, expect)
    # -- top level
    cli_case("no-command", [], ["COMMAND"])
    cli_case("unknown-command", ["frobnicate"], ["frobnicate"])


WRITE = False


def build(write: bool) -> None:
    """Make every case (writing the committed files when ``write``)."""
    global WRITE
    WRITE = write
    CASES.clear()
    _names.clear()
    BIG.clear()
    values_cases()
    vary_cases()
    formula_cases()
    function_cases()
    text_cases()
    structure_cases()
    layer_cases()
    network_cases()
    calculus_cases()
    file_level_cases()
    cli_cases()


def big_files(directory: Path) -> None:
    """Write the large corpus files (not committed) into ``directory``."""
    build(write=False)
    for name, data in BIG.items():
        (directory / name).write_bytes(data)


def main() -> None:
    FILES.mkdir(exist_ok=True)
    for old in FILES.iterdir():
        old.unlink()
    (FILES / "good.toml").write_text(question(LAYER), encoding="utf-8")
    (FILES / "good-net.toml").write_text(
        'input = [1, "h", "w"]\n\n[network]\ntype = "Sequential"\nlayers = [\n'
        '  { type = "Conv2d", in_channels = 1, out_channels = 4, kernel_size = 3, '
        'padding = 1 },\n  { type = "MaxPool2d", kernel_size = 2 },\n]\n', encoding="utf-8")
    build(write=True)
    (HERE / "cases.json").write_text(json.dumps(CASES, indent=1, ensure_ascii=False) + "\n",
                                     encoding="utf-8")
    files = sum(1 for c in CASES if not c["id"].startswith("cli:"))
    print(f"{len(_names)} malformed files, {files} file runs, "
          f"{len(CASES) - files} command lines, {len(CASES)} cases")


if __name__ == "__main__":
    main()
