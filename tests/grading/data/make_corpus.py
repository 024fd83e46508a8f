"""Writes corpus.csv: the equivalence cases of tests/grading/test_corpus.py.

The cases are written here by hand, per category, as (expected, answer, verdict[, oracle])
templates; variants rename the symbols (one CNN formula along each axis, with kernel,
stride and padding names of that axis) and respell numbers, so every case is a concrete
row.  ``oracle`` is the answer in SymPy syntax when the answer itself is not (LaTeX,
implicit products, thousands separators, ``x`` as a times sign).  The test checks every
stated verdict independently of the grader, by exact SymPy evaluation at points of the
domain, and then that the grader agrees.

Run ``python tests/grading/data/make_corpus.py`` after editing; commit both files.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

HERE = Path(__file__).parent
ROWS: list[dict[str, str]] = []


def case(category: str, expected: str, answer: str, verdict: str, oracle: str = "",
         domain: str = "") -> None:
    ROWS.append({"category": category, "expected": expected, "answer": answer,
                 "verdict": verdict, "oracle": oracle, "domain": domain})


def _rename(text: str, table: dict[str, str]) -> str:
    """Rename single-letter symbols (not letters inside function names)."""
    return re.sub(r"(?<![A-Za-z_])([a-z])(?![A-Za-z_(])",
                  lambda m: table.get(m.group(1), m.group(1)), text)


def _latex_brackets(text: str) -> str:
    """``floor(x)`` -> ``\\left\\lfloor x \\right\\rfloor`` (and ceil) for the outermost."""
    out, i = [], 0
    while i < len(text):
        for name, (left, right) in (("floor(", (r"\left\lfloor ", r" \right\rfloor")),
                                    ("ceil(", (r"\lceil ", r" \rceil"))):
            if text.startswith(name, i):
                depth, j = 1, i + len(name)
                while j < len(text) and depth:
                    depth += {"(": 1, ")": -1}.get(text[j], 0)
                    j += 1
                out.append(left + _latex_brackets(text[i + len(name):j - 1]) + right)
                i = j
                break
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _unwrap(text: str) -> str:
    return text[1:-1] if text.startswith("(") and text.endswith(")") else text


def _frac(text: str) -> str:
    """``a/(b)`` at the top level as ``\\frac{a}{b}`` when the answer is one quotient."""
    depth = 0
    for i, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "/" and depth == 0:
            top, bottom = text[:i], text[i + 1:]
            if any(c in top for c in "+-") and not (top.startswith("(") and top.endswith(")")):
                return ""
            if any(c in bottom for c in "+-*") and not (bottom.startswith("(")
                                                       and bottom.endswith(")")):
                return ""
            return rf"\frac{{{_unwrap(top)}}}{{{_unwrap(bottom)}}}"
    return ""


# -- CNN forms, along every axis ------------------------------------------------------------
AXES = [("h", "k", "s", "p"), ("w", "k", "s", "p"), ("h", "k_h", "s_h", "p_h"),
        ("w", "k_w", "s_w", "p_w"), ("l", "k", "s", "p"), ("n", "k", "s", "p")]
for x, k, s, p in AXES:
    out = f"floor(({x} + 2*{p} - {k})/{s}) + 1"
    for answer, verdict, oracle in [
        (f"floor(({x} - {k} + 2*{p})/{s}) + 1", "correct", ""),
        (f"floor(({x}+2{p}-{k})/{s})+1", "correct", out),
        (f"ceil(({x} + 2*{p} - {k} + 1)/{s})", "correct", ""),
        (f"floor(({x} + 2*{p} - {k} + {s})/{s})", "correct", ""),
        (f"1 + floor((2*{p} + {x} - {k})/{s})", "correct", ""),
        (f"({x} + 2*{p} - {k})/{s} + 1", "partial", ""),
        (f"floor(({x} + {p} - {k})/{s}) + 1", "incorrect", ""),
        (f"floor(({x} + 2*{p} - {k})/{s})", "incorrect", ""),
        (f"ceil(({x} + 2*{p} - {k})/{s}) + 1", "partial", ""),
        (f"floor(({x} - {k})/{s}) + 1", "incorrect", ""),
        (f"floor(({x} + 2*{p} - {k})/{s}) + 2", "incorrect", ""),
    ]:
        case("cnn", out, answer, verdict, oracle)
    valid = f"{x} - {k} + 1"
    for answer, verdict, oracle in [
        (f"{x}-{k}+1", "correct", ""), (f"1 + {x} - {k}", "correct", ""),
        (f"{x} - ({k} - 1)", "correct", ""), (f"{x} - {k}", "incorrect", ""),
        (f"{x} + {k} - 1", "incorrect", ""), (f"{x} - {k} + 2", "incorrect", ""),
    ]:
        case("cnn", valid, answer, verdict, oracle)
for a, b in [("h", "w"), ("h", "h"), ("l", "n")]:
    mults = f"c_o*c_i*k^2*({a} - k + 1)*({b} - k + 1)"
    for answer, verdict, oracle in [
        (f"c_i c_o k^2 ({a}-k+1)({b}-k+1)", "correct", mults),
        (f"c_i*c_o*k*k*({a} - k + 1)*({b} - k + 1)", "correct", ""),
        (f"c_o*k^2*({a} - k + 1)*({b} - k + 1)", "incorrect", ""),
        (f"2*c_i*c_o*k^2*({a} - k + 1)*({b} - k + 1)", "incorrect", ""),
        (f"c_i*c_o*k^2*({a} - k)*({b} - k + 1)", "incorrect", ""),
        (f"c_i*c_o*k*({a} - k + 1)*({b} - k + 1)", "incorrect", ""),
        (f"c_i \\cdot c_o \\cdot k^{{2}} \\cdot ({a}-k+1) \\cdot ({b}-k+1)", "correct", mults),
        (f"c_i x c_o x k^2 x ({a} - k + 1) x ({b} - k + 1)", "correct", mults),
    ]:
        case("cnn", mults, answer, verdict, oracle)
PARAMS = [("c_o*(c_i*k^2 + 1)", [("c_o c_i k^2 + c_o", "correct", "c_o*c_i*k**2 + c_o"),
                                ("c_o*c_i*k*k + c_o", "correct", ""),
                                ("(c_i*k^2 + 1)*c_o", "correct", ""),
                                ("c_o*c_i*k^2", "incorrect", ""),
                                ("c_o*(c_i*k^2 + 2)", "incorrect", ""),
                                ("c_i*(c_o*k^2 + 1)", "incorrect", ""),
                                ("(c_i k^2 + 1) x c_o", "correct", "(c_i*k**2 + 1)*c_o")]),
          ("c_o*c_i*k_h*k_w + c_o", [("c_o*(c_i*k_h*k_w + 1)", "correct", ""),
                                     ("k_h x k_w x c_i x c_o + c_o", "correct",
                                      "k_h*k_w*c_i*c_o + c_o"),
                                     ("(k_h x k_w x c_i + 1) x c_o", "correct",
                                      "(k_h*k_w*c_i + 1)*c_o"),
                                     ("c_o*c_i*k_h*k_w", "incorrect", ""),
                                     ("c_o*c_i*k_h^2 + c_o", "incorrect", ""),
                                     ("c_ic_ok_hk_w + c_o", "correct",
                                      "c_i*c_o*k_h*k_w + c_o")]),
          ("n*m + m", [("(n + 1)*m", "correct", ""), ("nm + m", "correct", "n*m + m"),
                       ("n*m", "incorrect", ""), ("n*m + n", "incorrect", ""),
                       ("m(n+1)", "correct", "m*(n + 1)")]),
          ("c*h*w", [("hwc", "correct", "h*w*c"), ("c h w", "correct", "c*h*w"),
                     ("c*h^2", "incorrect", ""), ("c*h*w + 1", "incorrect", "")]),
          ("h*w^2", [("hw^2", "correct", "h*w**2"), ("h w^2", "correct", "h*w**2"),
                     ("(hw)^2", "incorrect", "(h*w)**2"), ("w^2 h", "correct", "w**2*h")]),
          ("c_i*k_h^2", [("c_ik_h^2", "correct", "c_i*k_h**2"),
                         ("(c_i k_h)^2", "incorrect", "(c_i*k_h)**2")]),
          ("n/m", [("nm^(-1)", "correct", "n*m**(-1)"), ("n*m^-1", "correct", "n*m**(-1)"),
                   ("(nm)^(-1)", "incorrect", "(n*m)**(-1)")])]
for expected, answers in PARAMS:
    for answer, verdict, oracle in answers:
        case("cnn", expected, answer, verdict, oracle)
for c in ("c_i", "c", "c_o"):
    for k in ("k", "k_h"):
        case("cnn", f"{c}*{k}^2", f"{k}^2*{c}", "correct")
        case("cnn", f"{c}*{k}^2", f"{k}*{c}*{k}", "correct")
        case("cnn", f"{c}*{k}^2", f"2*{c}*{k}", "incorrect")
        case("cnn", f"{c}*{k}^2", f"{c}*{k}^2 + {k}", "incorrect")
        case("cnn", f"{c}*{k}^2 + 1", f"1 + {k}^2 {c}", "correct", f"1 + {k}**2*{c}")

# -- floor / ceil / mod identities ----------------------------------------------------------
IDENTITIES = [
    ("n", "floor(n/2) + ceil(n/2)", "correct"),
    ("n", "floor(n/3) + floor((n+1)/3) + floor((n+2)/3)", "correct"),
    ("ceil(a/b)", "floor((a + b - 1)/b)", "correct"),
    ("floor(floor(n/a)/b)", "floor(n/(a*b))", "correct"),
    ("ceil(ceil(n/a)/b)", "ceil(n/(a*b))", "correct"),
    ("mod(n, m)", "n - m*floor(n/m)", "correct"),
    ("floor((n + 1)/2)", "ceil(n/2)", "correct"),
    ("floor(n/2)", "(n - mod(n, 2))/2", "correct"),
    ("ceil(n/m)", "floor(n/m) + 1", "incorrect"),
    ("ceil(n/m)", "floor((n - 1)/m) + 1", "correct"),
    ("floor(n/2)", "n/2", "partial"),
    ("ceil(n/2)", "n/2", "partial"),
    ("floor(n/m)", "n/m", "partial"),
    ("mod(a*b, b)", "0", "correct"),
    ("mod(n + m, m)", "mod(n, m)", "correct"),
    ("floor(n/2) - floor((n - 1)/2)", "mod(n + 1, 2)", "correct"),
    ("floor(n/2)", "floor((n - 1)/2)", "incorrect"),
    ("floor(2*n/2)", "n", "correct"),
    ("floor(n/1)", "n", "correct"),
    ("ceil(n/2) - floor(n/2)", "mod(n, 2)", "correct"),
    ("floor((a + b)/b)", "floor(a/b) + 1", "correct"),
    ("floor(a/b) + floor(c/b)", "floor((a + c + 1)/b)", "incorrect"),
    ("max(a, b)", "(a + b + abs(a - b))/2", "correct"),
    ("min(a, b)", "(a + b - abs(a - b))/2", "correct"),
    ("max(a, b) + min(a, b)", "a + b", "correct"),
    ("max(a, b)", "a + b", "incorrect"),
    ("abs(a - b)", "max(a, b) - min(a, b)", "correct"),
    ("floor(n/4)", "floor(floor(n/2)/2)", "correct"),
    ("floor((n + 3)/4)", "ceil(n/4)", "correct"),
    ("ceil(n/4)", "floor(n/4)", "partial"),
    ("ceil(n/4)", "floor(n/4) + 1", "incorrect"),
]
for expected, answer, verdict in IDENTITIES:
    case("floor", expected, answer, verdict)
    # the same identity in other letters (and LaTeX brackets for floors)
    renamed = {"n": "h", "m": "s", "a": "w", "b": "k", "c": "c_i"}
    e2, a2 = _rename(expected, renamed), _rename(answer, renamed)
    case("floor", e2, a2, verdict)
    if ("floor(" in a2 or "ceil(" in a2) and "mod" not in a2 and "abs" not in a2:
        case("floor", e2, _latex_brackets(a2), verdict, a2)


# -- rational functions ---------------------------------------------------------------------
RATIONAL = [
    ("(h^2 - 1)/(h - 1)", "h + 1", "correct"),
    ("1/(h + 1) - 1/(h + 2)", "1/((h + 1)*(h + 2))", "correct"),
    ("(a + b)/(a*b)", "1/a + 1/b", "correct"),
    ("h/(h + 1)", "1 - 1/(h + 1)", "correct"),
    ("(h + 1)/h", "1 + h", "incorrect"),
    ("(h + 1)/h", "1 + 1/h", "correct"),
    ("1/(1/a + 1/b)", "a*b/(a + b)", "correct"),
    ("(h^3 - w^3)/(h - w)", "h^2 + h*w + w^2", "correct"),
    ("(h^2 - w^2)/(h + w)", "h - w", "correct"),
    ("(h^2 - w^2)/(h + w)", "h + w", "incorrect"),
    ("h/(2*w)", "(h/2)/w", "correct"),
    ("h/(2*w)", "h/2*w", "incorrect"),
    ("(h + w)^2", "h^2 + 2*h*w + w^2", "correct"),
    ("(h + w)^2", "h^2 + w^2", "incorrect"),
    ("(h - w)^2", "(w - h)^2", "correct"),
    ("(h + 1)^3", "h^3 + 3*h^2 + 3*h + 1", "correct"),
    ("(h + 1)^3", "h^3 + 3*h^2 + 3*h", "incorrect"),
    ("1/(h*w)", "(1/h)*(1/w)", "correct"),
    ("1/(h*w)", "1/h + 1/w", "incorrect"),
    ("(a*b + a)/a", "b + 1", "correct"),
    ("(2*h + 2)/(h + 1)", "2", "correct"),
    ("(h^2 + 2*h)/h", "h + 2", "correct"),
    ("(a - b)/(b - a)", "-1", "correct"),
    ("a/b + b/a", "(a^2 + b^2)/(a*b)", "correct"),
    ("a/b + b/a", "(a + b)^2/(a*b)", "incorrect"),
]
for expected, answer, verdict in RATIONAL:
    case("rational", expected, answer, verdict)
    case("rational", expected, answer.replace("*", " * ").replace("^", "**"), verdict, answer)
    latex = _frac(answer)
    if latex:
        case("rational", expected, latex, verdict, answer)

# -- roots and logs -------------------------------------------------------------------------
ROOTS = [
    ("sqrt(h^2)", "h", "correct"), ("sqrt(4*h^2)", "2*h", "correct"),
    ("log(h^2)", "2*log(h)", "correct"), ("log(h*w)", "log(h) + log(w)", "correct"),
    ("log2(8*h)", "3 + log2(h)", "correct"), ("sqrt(2)*sqrt(3)", "sqrt(6)", "correct"),
    ("sqrt(h)*sqrt(h)", "h", "correct"), ("exp(log(h))", "h", "correct"),
    ("log(h)/log(2)", "log2(h)", "correct"), ("sqrt(h + 1)", "sqrt(h) + 1", "incorrect"),
    ("log(h + w)", "log(h) + log(w)", "incorrect"), ("h^(1/2)", "sqrt(h)", "correct"),
    ("(h^3)^(1/3)", "h", "correct"), ("log(h^(1/n))", "log(h)/n", "correct"),
    ("0", "sqrt(2)*sqrt(3) - sqrt(6)", "correct"), ("sqrt(8)", "2*sqrt(2)", "correct"),
    ("sqrt(8)", "3*sqrt(2)", "incorrect"), ("log(h/w)", "log(h) - log(w)", "correct"),
    ("log(h/w)", "log(h)/log(w)", "incorrect"), ("exp(h + w)", "exp(h)*exp(w)", "correct"),
    ("exp(h*w)", "exp(h)*exp(w)", "incorrect"), ("sqrt(h*w)", "sqrt(h)*sqrt(w)", "correct"),
    ("log10(1000*h)", "3 + log10(h)", "correct"), ("log2(h^3)", "3*log2(h)", "correct"),
    ("2^(log2(h))", "h", "correct"), ("log(exp(h))", "h", "correct"),
    ("sqrt(h)/h", "1/sqrt(h)", "correct"), ("h^(3/2)", "h*sqrt(h)", "correct"),
    ("h^(3/2)", "h^2/sqrt(h)", "correct"), ("h^(2/3)", "h^(3/2)", "incorrect"),
    ("log(sqrt(h))", "log(h)/2", "correct"), ("floor(sqrt(h))", "floor(h^(1/2))", "correct"),
    ("floor(log2(h))", "floor(log(h)/log(2))", "correct"),
    ("floor(sqrt(2)*10^20)", "141421356237309504880", "correct"),
    ("floor(sqrt(2)*10^20)", "141421356237309504881", "incorrect"),
    ("e^h", "exp(h)", "correct"), ("pi*h^2", "h^2*pi", "correct"),
    ("pi*h^2", "3.14159*h^2", "incorrect"),
]
for expected, answer, verdict in ROOTS:
    case("roots", expected, answer, verdict)
    spelled = (answer.replace("sqrt(", "\\sqrt{").replace("log(", "\\ln(")
               if "sqrt(" in answer and answer.count("sqrt(") == 1 else "")
    if spelled and "\\sqrt{" in spelled:
        i = spelled.index("\\sqrt{") + len("\\sqrt{")
        depth, j = 1, i
        while j < len(spelled) and depth:
            depth += {"(": 1, ")": -1}.get(spelled[j], 0)
            j += 1
        spelled = spelled[:j - 1] + "}" + spelled[j:]
        case("roots", expected, spelled, verdict, answer)

# -- LaTeX ----------------------------------------------------------------------------------
LATEX = [
    ("(h - k)/s + 1", r"\frac{h-k}{s}+1", "(h - k)/s + 1", "correct"),
    ("floor((h - k)/s) + 1", r"\left\lfloor \frac{h-k}{s} \right\rfloor + 1",
     "floor((h - k)/s) + 1", "correct"),
    ("floor((h - k)/s) + 1", r"\lfloor (h-k)/s \rfloor + 1", "floor((h - k)/s) + 1", "correct"),
    ("floor((h - k)/s) + 1", r"\left\lceil \frac{h-k+1}{s} \right\rceil",
     "ceiling((h - k + 1)/s)", "correct"),
    ("floor((h - k)/s) + 1", r"\left\lceil \frac{h-k}{s} \right\rceil",
     "ceiling((h - k)/s)", "incorrect"),
    ("c_i*k^2", r"C_{in} \cdot k^{2}", "c_i*k**2", "correct"),
    ("c_o*c_i*k^2", r"C_{out} \times C_{in} \times k^2", "c_o*c_i*k**2", "correct"),
    ("sqrt(h)", r"\sqrt{h}", "sqrt(h)", "correct"),
    ("h^(1/3)", r"\sqrt[3]{h}", "h**(1/3)", "correct"),
    ("1/2", r"\frac12", "1/2", "correct"), ("1/2", r"\dfrac{1}{2}", "1/2", "correct"),
    ("1/2", r"\tfrac{1}{3}", "1/3", "incorrect"),
    ("h*w", r"\boxed{h w}", "h*w", "correct"), ("h*w", r"\boxed{h + w}", "h + w", "incorrect"),
    ("log(h)/log(b)", r"\log_{b} h", "log(h)/log(b)", "correct"),
    ("log(h)/log(2)", r"\log_2 h", "log(h)/log(2)", "correct"),
    ("ceil(h/2)", r"\lceil h/2 \rceil", "ceiling(h/2)", "correct"),
    ("max(h, w)", r"\max(h, w)", "Max(h, w)", "correct"),
    ("max(h, w)", r"\min(h, w)", "Min(h, w)", "incorrect"),
    ("abs(h - w)", r"\left| h - w \right|", "Abs(h - w)", "correct"),
    ("abs(h*w)", r"|h||w|", "Abs(h)*Abs(w)", "correct"),
    ("log(h)^2", r"\log^2 h", "log(h)**2", "correct"),
    ("log(h)^2", r"\log h^2", "log(h**2)", "incorrect"),
    ("h*w", r"$h \cdot w$", "h*w", "correct"), ("h*w", r"\(h w\)", "h*w", "correct"),
    ("exp(h)", r"e^{h}", "exp(h)", "correct"), ("exp(1)", r"e", "E", "correct"),
    ("2*h", r"2\,h", "2*h", "correct"), ("h^2", r"h^{2}", "h**2", "correct"),
    ("h^2", r"h^{3}", "h**3", "incorrect"),
    ("(h + 2*p - k)/s", r"\frac{h + 2p - k}{s}", "(h + 2*p - k)/s", "correct"),
    ("(h + 2*p - k)/s", r"\frac{h + p - k}{s}", "(h + p - k)/s", "incorrect"),
    ("sigma_x^2", r"\sigma_x^2", "sigma_x**2", "correct"),
    ("h - k + 1", r"\text{h} - \text{k} + 1", "h - k + 1", "correct"),
    ("h*w*c", r"\mathrm{h}\,\mathrm{w}\,\mathrm{c}", "h*w*c", "correct"),
]
for expected, answer, oracle, verdict in LATEX:
    case("latex", expected, answer, verdict, oracle)

# -- numbers as people write them ---------------------------------------------------------
for value in (73856, 4096, 1000000, 2359296, 150528, 74908800, 65536, 12345, 1024000):
    groups = f"{value:,}"
    for text in (groups, groups.replace(",", " "), groups.replace(",", "{,}"),
                 groups.replace(",", r",\!"), str(value), f"{value}.0"):
        case("numbers", str(value), text, "correct", str(value))
    case("numbers", str(value), f"{value + 1:,}", "incorrect", str(value + 1))
    case("numbers", str(value), f"{value - 1}", "incorrect", str(value - 1))
    mantissa = f"{value / 10 ** (len(str(value)) - 1):.12g}"
    if float(mantissa) * 10 ** (len(str(value)) - 1) == value:
        exp = len(str(value)) - 1
        for text in (f"{mantissa}e{exp}", f"{mantissa} \\times 10^{{{exp}}}",
                     f"{mantissa}*10^{exp}"):
            case("numbers", str(value), text, "correct", str(value))
for expected, answer, verdict in [("111", "0,111", "invalid"), ("73856", "7,3856", "invalid"),
                                  ("73856", "7 3856", "invalid"), ("1000", "1,00,0", "invalid"),
                                  ("128", "128,128,128", "incorrect"),
                                  ("1/4", "0.25", "correct"), ("1/4", ".25", "correct"),
                                  ("3/2", "1.5", "correct"), ("1/3", "0.333", "incorrect"),
                                  ("4830000000", r"4.83 \times 10^{9}", "correct"),
                                  ("1000000", "10^6", "correct"), ("1000000", "1e6", "correct"),
                                  ("1000000", "1e5", "incorrect")]:
    oracle = "" if verdict == "invalid" else {"128,128,128": "128128128"}.get(
        answer, answer.replace(r" \times 10^{9}", "e9").replace("^", "**"))
    case("numbers", expected, answer, verdict, oracle)

# -- declared real symbols (sampled at negative and fractional values) -----------------------
REALS = [
    ("x - floor(x)", "mod(x, 1)", "correct"), ("x - floor(x)", "abs(x) - floor(abs(x))",
                                               "incorrect"),
    ("abs(x)", "sqrt(x^2)", "correct"), ("abs(x)", "x", "incorrect"),
    ("x^2", "abs(x)^2", "correct"), ("ceil(x)", "floor(x) + 1", "incorrect"),
    ("max(x, -x)", "abs(x)", "correct"), ("x/2", "0.5*x", "correct"),
    ("floor(2*x)", "2*floor(x)", "incorrect"), ("-floor(-x)", "ceil(x)", "correct"),
    ("floor(x + 1)", "floor(x) + 1", "correct"), ("x^3", "x*abs(x)^2", "correct"),
    ("x^3", "abs(x)^3", "incorrect"),
    ("(x + 1)^2", "x^2 + 2*x + 1", "correct"), ("sqrt(x^2 + 1)", "abs(x) + 1", "incorrect"),
]
for name in ("x", "y", "t"):
    for expected, answer, verdict in REALS:
        case("reals", _rename(expected, {"x": name}), _rename(answer, {"x": name}), verdict,
             domain=f"{name}=real")

# -- shapes ---------------------------------------------------------------------------------
SHAPE = "(c_o, h - k + 1, w - k + 1)"
for answer, verdict, oracle in [
    ("(c_o, h - k + 1, w - k + 1)", "correct", ""),
    ("[c_o, h-k+1, w-k+1]", "correct", "(c_o, h-k+1, w-k+1)"),
    ("c_o, h-k+1, w-k+1", "correct", "(c_o, h-k+1, w-k+1)"),
    ("c_o x (h-k+1) x (w-k+1)", "correct", "(c_o, h-k+1, w-k+1)"),
    (r"c_o \times (h-k+1) \times (w-k+1)", "correct", "(c_o, h-k+1, w-k+1)"),
    (r"\left(c_o, h-k+1, w-k+1\right)", "correct", "(c_o, h-k+1, w-k+1)"),
    ("(C, H, W) = (c_o, h-k+1, w-k+1)", "correct", "(c_o, h-k+1, w-k+1)"),
    ("(h - k + 1, w - k + 1, c_o)", "partial", ""),
    ("(c_o, w - k + 1, h - k + 1)", "partial", ""),
    ("(c_o, h - k, w - k + 1)", "incorrect", ""),
    ("(2*c_o, h - k + 1, w - k + 1)", "incorrect", ""),
    ("(c_o, h - k + 1)", "incorrect", ""),
    ("(c_o, h + k - 1, w + k - 1)", "incorrect", ""),
]:
    case("shapes", SHAPE, answer, verdict, oracle)
for c, size, k, s, p in [(10, 64, 6, 2, 1), (16, 32, 3, 1, 1), (64, 224, 7, 2, 3),
                         (8, 28, 5, 1, 0), (32, 56, 3, 2, 1), (3, 100, 4, 3, 2)]:
    o = (size + 2 * p - k) // s + 1
    expected = f"({c}, {o}, {o})"
    for answer, verdict, oracle in [
        (f"({c}, {o}, {o})", "correct", ""), (f"[{c},{o},{o}]", "correct", expected),
        (f"{c}x{o}x{o}", "correct", expected), (f"{c} × {o} × {o}", "correct", expected),
        (f"{o}x{o}x{c}", "partial", f"({o}, {o}, {c})"),
        (f"({c}, {o + 1}, {o + 1})", "incorrect", ""),
        (f"({c}, {o}, {o - 1})", "incorrect", ""), (f"({c}, {o})", "incorrect", ""),
        (f"{c * o * o}", "incorrect", f"({c * o * o},)"),
    ]:
        case("shapes", expected, answer, verdict, oracle)
for value in (128, 64, 224):
    case("shapes", f"({value}, {value}, {value})", f"{value},{value},{value}", "correct",
         f"({value}, {value}, {value})")


if __name__ == "__main__":
    with open(HERE / "corpus.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, ["category", "expected", "answer", "verdict", "oracle",
                                     "domain"])
        writer.writeheader()
        writer.writerows(ROWS)
    print(f"{len(ROWS)} cases")
