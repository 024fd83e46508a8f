r"""A recursive-descent parser for untrusted answers: text to :class:`~symconv.grading.nodes.Node`.

Nothing here calls ``eval``, ``exec``, ``sympify`` or ``parse_expr``: the
grammar below is the whole language, every name must be a whitelisted
function or a symbol the question knows, and the limits (length, tokens,
depth, nodes, digits) are checked while parsing, before anything is
evaluated::

    answer   := [LABEL "="] sum ("=" sum)*          (a leading "h_out =" is a label)
    relation := sum (("<" | "<=" | ">" | ">=" | "=" | "!=") sum)*
    sum      := ["+" | "-"] term (("+" | "-") term)*
    term     := unary (("*" | "/" | "%" | " x " | <implicit>) unary)*
    unary    := ("-" | "+") unary | power
    power    := primary ["^" unary]                 (right-associative)
    primary  := number | NAME | NAME "(" args ")" | "(" sum ")" | "[" sum "]" | "{" sum "}"
              | "|" sum "|" | \lfloor sum \rfloor | \lceil sum \rceil
              | \frac{sum}{sum} | \frac12 | \sqrt[n]{sum} | \log_{b} x | log^2 x

Numbers are exact (``7.3856e4`` is the integer 73856); ``73,856``, ``73 856``
and ``73,\!856`` are thousands groupings (groups of exactly three digits after
a first group of one to three without a leading zero); ``7,3856``, ``0,111``
and ``7 3856`` are rejected as ambiguous.  Implicit multiplication is accepted
where it is unambiguous (``2p_h``, ``c_i k_h k_w``, ``2(h+1)``, ``|h||w|``,
``hw`` when ``h`` and ``w`` are known and ``hw`` is not), but not right after
a division (``1/2h``).  A name split into known names binds like separate
factors: ``hw^2`` is ``h*w^2``.  A standalone ``x`` that is not a symbol of the
question is a multiplication sign with the precedence of ``*``
(``(k x k x c + 1) x f``).  ``e`` is Euler's number unless it is a symbol of the
question; ``pi`` likewise.  A chain ``a = b = c`` is an equation
(:func:`~symconv.grading.nodes.func` ``"eq"``): it is worth its last side
where all sides are equal (``3*3*64 = 576``) and undefined elsewhere.

Examples
--------
>>> from symconv.grading.nodes import to_text
>>> to_text(parse(r"\left\lfloor \frac{h+2p-k}{s} \right\rfloor + 1"))
'floor((h + 2*p - k)/s) + 1'
>>> to_text(parse("C_{in} k_h k_w", known={"c_i", "k_h", "k_w"}))
'c_i*k_h*k_w'
>>> to_text(parse("4.83 \\times 10^{9}"))
'483/100*10**9'
>>> parse("7,3856")
Traceback (most recent call last):
...
symconv.grading.limits.InvalidAnswer: '7,3856' is ambiguous: write 73856 (no separator) or 7.3856
>>> to_text(parse("hw^2", known={"h", "w"})), to_text(parse(r"\frac12 + \log_{b} x"))
('h*w**2', '1/2 + log(x, b)')
>>> to_text(parse("(K_1 x K_2 x C + 1) x F", known={"K_1", "K_2", "C", "F"}))
'(K_1*K_2*C + 1)*F'
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from fractions import Fraction

from symconv.grading import nodes as N
from symconv.grading.lexer import Token, tokenize
from symconv.grading.limits import DEFAULT_LIMITS, InvalidAnswer, Limits, TooLarge
from symconv.grading.normalize import normalize

#: Whitelisted functions: spelling -> node operator.
FUNCTIONS = {
    "floor": "floor", "Floor": "floor", "ceil": "ceil", "ceiling": "ceil", "Ceil": "ceil",
    "min": "min", "Min": "min", "max": "max", "Max": "max", "sqrt": "sqrt", "Sqrt": "sqrt",
    "abs": "abs", "Abs": "abs", "exp": "exp", "log": "log", "ln": "log", "mod": "mod",
    "Mod": "mod", "log2": "log2", "lg": "log2", "log_2": "log2", "log10": "log10",
    "log_10": "log10",
}
_ARITY = {"floor": (1, 1), "ceil": (1, 1), "sqrt": (1, 1), "abs": (1, 1), "exp": (1, 1),
          "log": (1, 2), "log2": (1, 1), "log10": (1, 1), "mod": (2, 2), "min": (1, 20),
          "max": (1, 20)}
_SUBSCRIPT_ALIASES = {"in": "i", "out": "o", "input": "i", "output": "o"}
_OPEN = {"(": ")", "[": "]", "{": "}"}
_RELATIONS = {"<", "<=", ">", ">=", "=", "==", "!="}
#: Token kinds that always start a primary (an operator may, see starts_primary).
_PRIMARY_KINDS = frozenset(("num", "name", "cmd", "lfloor", "lceil"))


def parse(text: str, known: Collection[str] | None = None,
          limits: Limits = DEFAULT_LIMITS, *, equation: bool = False,
          declared: Collection[str] = ()) -> N.Node:
    """Parse an answer.

    ``known``: the symbol names the question uses (None: any name, as for a reference);
    ``equation``: the reference is an equation, so a leading ``name =`` is one of its sides
    (not a label) unless ``name`` is not a symbol of the question; ``declared``: names that
    are symbols even where they would be a constant (``e``) or a function.
    """
    parser = _Parser(tokenize(normalize(text, limits), limits), known, limits, equation,
                     declared)
    return parser.answer()


def parse_relation(text: str, known: Collection[str] | None = None,
                   limits: Limits = DEFAULT_LIMITS) -> N.Node:
    """Parse a condition such as ``k_h <= h + 2*p_h`` (chains give a conjunction).

    >>> from symconv.grading.nodes import to_text
    >>> to_text(parse_relation("1 <= s <= k"))
    '(1 <= s) and (s <= k)'
    """
    parser = _Parser(tokenize(normalize(text, limits), limits), known, limits)
    return parser.relation()


class _Parser:
    def __init__(self, tokens: list[Token], known: Collection[str] | None, limits: Limits,
                 equation: bool = False, declared: Collection[str] = ()):
        self.tokens = tokens
        self.i = 0
        self.known = frozenset(known) if known is not None else None
        known_set = self.known or frozenset()
        self.declared = frozenset(declared) | known_set if declared else known_set
        self.longest = _longest(known_set)
        self.known_set = known_set
        self.limits = limits
        self.equation = equation
        self.depth = 0
        # saved and restored around each group and call (a parse that fails is dropped):
        self.commas = False  # inside call arguments, "," separates arguments
        self.bars = False  # directly inside |...|, a "|" closes instead of opening
        self.split: N.Node | None = None  # the last name read as a product (hw -> h*w)

    # -- token helpers ----------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, ahead: int = 1) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def is_op(self, *ops: str) -> bool:
        tok = self.tokens[self.i]
        return tok.kind == "op" and tok.text in ops

    def take(self) -> Token:
        tok = self.tok
        self.i += 1
        return tok

    def expect(self, kind: str, text: str | None = None) -> Token:
        tok = self.tok
        if tok.kind != kind or (text is not None and tok.text != text):
            raise self.error(f"expected {text or kind!r}")
        return self.take()

    def error(self, what: str) -> InvalidAnswer:
        tok = self.tok
        if tok.kind == "end":
            return InvalidAnswer("syntax", f"{what} at the end of the answer")
        return InvalidAnswer("syntax", f"{what} before {tok.text!r} (position {tok.pos + 1})")

    def enter(self) -> None:
        self.depth += 1
        if self.depth > self.limits.max_depth:
            raise InvalidAnswer("too_deep", f"the answer is nested more than "
                                f"{self.limits.max_depth} levels deep")

    # -- grammar ----------------------------------------------------------
    def answer(self) -> N.Node:
        if self.tok.kind == "end":
            raise InvalidAnswer("empty", "the answer is empty")
        if self.tok.kind == "name" and self.peek().kind == "op" and self.peek().text == "=" \
                and self.is_label(self.tok.text):
            self.i += 2  # "h_out = ...": a label, grade the right-hand side
        sides = [self.sum()]
        while self.is_op("=", "=="):  # "3*3*64 = 576", "7 = 11a + c"
            self.take()
            sides.append(self.sum())
        return self.finish(sides[0] if len(sides) == 1 else N.func("eq", *sides))

    def is_label(self, name: str) -> bool:
        """Whether a leading ``name =`` names the answer rather than being a side."""
        if self.known is None:  # a reference: a label if the name is used nowhere else
            return not any(t.kind == "name" and t.text == name for t in self.tokens[self.i + 1:])
        if not self.equation:
            return True
        return not any(c in self.known for c in _aliases(name))

    def relation(self) -> N.Node:
        left = self.sum()
        parts = []
        while self.tok.kind == "op" and self.tok.text in _RELATIONS:
            op = {"=": "=="}.get(self.take().text, self.tokens[self.i - 1].text)
            right = self.sum()
            parts.append(N.func("rel", left, right, value=op))
            left = right
        if not parts:
            raise self.error("expected a comparison such as '<='")
        return self.finish(parts[0] if len(parts) == 1 else N.func("and", *parts))

    def finish(self, node: N.Node) -> N.Node:
        if self.tok.kind != "end":
            raise self.error("unexpected text")
        if node.size() > self.limits.max_nodes:
            raise InvalidAnswer("too_long", "the answer is too large an expression")
        return node

    def sum(self) -> N.Node:
        """``sum`` and ``term`` of the grammar in one loop (one call a term, not two)."""
        self.enter()
        unary = self.unary
        tokens = self.tokens
        terms = []
        negate = False
        while True:
            factors = [unary()]
            after_division = False
            while True:
                tok = tokens[self.i]  # read once: this loop runs for every factor
                kind = tok.kind
                if kind == "op":
                    text = tok.text
                    if text == "*":
                        self.i += 1
                        factors.append(unary())
                        after_division = False
                        continue
                    if text == "/":
                        self.i += 1
                        factors.append(N.power(unary(), N.num(-1)))
                        after_division = True
                        continue
                    if text == "%":
                        self.i += 1
                        left = N.mul(*factors)
                        factors = [N.func("mod", left, unary())]
                        continue
                    # an implicit product, as starts_primary decides for an operator
                    if not (text in ("(", "[", "{") or (text == "|" and not self.bars)):
                        break
                elif kind == "name" and tok.text in ("x", "X") and self.times_x():
                    self.i += 1
                    factors.append(unary())
                    after_division = False
                    continue
                elif kind not in _PRIMARY_KINDS:
                    break
                if after_division:
                    raise InvalidAnswer(
                        "ambiguous", "a product right after '/' is ambiguous (is 1/2h "
                        "1/(2h) or h/2?): add brackets or '*'")
                if kind == "num" and factors[-1].op == "num":
                    raise self.ambiguous_numbers()
                factors.append(unary())
            if len(factors) == 1 and factors[0].op not in ("mul", "num"):
                term = factors[0]  # what N.mul would return: nothing to flatten or fold
            else:
                term = N.mul(*factors)
            terms.append(N.neg(term) if negate else term)
            tok = tokens[self.i]
            if tok.kind != "op" or tok.text not in ("+", "-"):
                break
            self.i += 1
            negate = tok.text == "-"
        self.depth -= 1
        if len(terms) == 1 and terms[0].op not in ("add", "num"):
            return terms[0]  # what N.add would return: nothing to flatten or fold
        return N.add(*terms)

    def starts_primary(self) -> bool:
        tok = self.tokens[self.i]
        if tok.kind in ("num", "name", "cmd", "lfloor", "lceil"):
            return True
        if tok.kind == "op" and tok.text == "|":
            return not self.bars  # |h||w|: a new bar opens unless one is open here
        return tok.kind == "op" and tok.text in ("(", "[", "{")

    def times_x(self) -> bool:
        """A standalone ``x`` (not a symbol of the question) between two factors."""
        tok = self.tok
        if tok.kind != "name" or tok.text not in ("x", "X") or self.known is None:
            return False
        if any(c in self.known for c in _aliases(tok.text)):
            return False
        saved = self.i
        self.i += 1
        follows = self.starts_primary() or self.is_op("|")
        self.i = saved
        return follows

    def unary(self) -> N.Node:
        """``unary`` and ``power`` of the grammar (and the common primaries) in one call."""
        tokens = self.tokens
        tok = tokens[self.i]
        kind = tok.kind
        if kind == "name":
            text = tok.text
            if text in self.known_set and len(text) <= self.limits.max_name:
                base = N.sym(text)  # a symbol of the question as spelled: what name() reads
                self.i += 1
            else:
                base = self.name()
        elif kind == "num":
            base = self.number()
        elif kind == "op" and tok.text in ("-", "+"):
            self.enter()
            self.i += 1
            inner = self.unary()
            self.depth -= 1
            return N.neg(inner) if tok.text == "-" else inner
        elif kind == "op" and tok.text in _OPEN:
            self.i += 1
            base = self.group(_OPEN[tok.text])
        else:
            base = self.primary()
        tok = tokens[self.i]
        if tok.kind == "op" and tok.text == "^":
            return self.exponent(base)
        return base

    def power(self) -> N.Node:
        return self.exponent(self.primary())

    def exponent(self, base: N.Node) -> N.Node:
        """``base`` or, before ``^``, ``base`` to the power that follows."""
        tok = self.tokens[self.i]
        if tok.kind == "op" and tok.text == "^":
            self.i += 1
            self.enter()
            exponent = self.unary()
            self.depth -= 1
            if base is self.split and base.op == "mul":
                # "hw^2" is h*w^2: a name split into factors binds like separate factors
                *first, last = base.args
                return N.mul(*first, N.power(last, exponent))
            return N.power(base, exponent)
        return base

    def primary(self) -> N.Node:
        tok = self.tokens[self.i]
        if tok.kind == "name":
            return self.name()
        if tok.kind == "num":
            return self.number()
        if tok.kind == "op" and tok.text in _OPEN:
            self.take()
            return self.group(_OPEN[tok.text])
        if tok.kind == "op" and tok.text == "|":
            self.take()
            inner = self.group("|")
            return N.func("abs", inner)
        if tok.kind in ("lfloor", "lceil"):
            self.take()
            inner = self.sum()
            closing = "rfloor" if tok.kind == "lfloor" else "rceil"
            if self.tok.kind != closing:
                raise self.error(f"expected \\{closing}")
            self.take()
            return N.floor(inner) if tok.kind == "lfloor" else N.ceil(inner)
        if tok.kind == "cmd":
            return self.command()
        if tok.kind == "end":
            raise self.error("expected a number, symbol or bracket")
        raise self.error(f"unexpected {tok.text!r}")

    def group(self, closing: str) -> N.Node:
        tokens = self.tokens
        first = tokens[self.i]
        if first.kind in ("num", "name"):
            after = tokens[self.i + 1]
            if after.kind == "op" and after.text == closing:
                leaf = self.leaf(first)
                if leaf is not None:  # "(s_h)", "(2)": what sum() would read, at once
                    if self.depth >= self.limits.max_depth:
                        self.enter()  # too deep, as sum() would find
                    self.i += 2
                    return leaf
        elif first.kind == "op" and first.text == "-":
            digits = tokens[self.i + 1]
            after = tokens[self.i + 2] if digits.kind == "num" else digits  # never past "end"
            if digits.kind == "num" and after.kind == "op" and after.text == closing:
                leaf = self.leaf(digits)
                if leaf is not None:  # "(-1)": what sum() and unary() would read
                    if self.depth + 2 > self.limits.max_depth:
                        self.enter()  # too deep, as sum() or unary() would find
                        self.enter()
                    self.i += 3
                    return N.num(-leaf.value)
        saved = self.commas, self.bars
        self.commas, self.bars = False, closing == "|"
        inner = self.sum()
        self.commas, self.bars = saved
        tok = self.tokens[self.i]
        if not (tok.kind == "op" and tok.text == closing):
            raise self.error(f"expected {closing!r}")
        self.i += 1
        return inner

    def command(self) -> N.Node:
        name = self.take().text
        if name == "frac":
            top = self.frac_argument()
            bottom = self.frac_argument()
            return N.div(top, bottom)
        # sqrt, optionally with an index: \sqrt[3]{x}
        index = None
        if self.is_op("["):
            self.take()
            index = self.group("]")
        arg = self.power()
        if index is None:
            return N.func("sqrt", arg)
        return N.power(arg, N.power(index, N.num(-1)))

    def frac_argument(self) -> N.Node:
        """One argument of ``\\frac``: a braced group, or (as in TeX) a single digit or
        letter: ``\\frac12`` is 1/2, ``\\frac ab`` is a/b."""
        if self.is_op("{", "("):
            return self.group(_OPEN[self.take().text])
        tok = self.tok
        if tok.kind in ("num", "name") and tok.text[:1].isalnum():
            if len(tok.text) > 1:  # split the token: its first character is the argument
                rest = tok.text[1:]
                if not (rest[0].isdigit() if tok.kind == "num" else rest[0].isalpha()):
                    raise InvalidAnswer("syntax", "\\frac needs braces: \\frac{a}{b}")
                self.tokens[self.i:self.i + 1] = [
                    Token(tok.kind, tok.text[0], tok.pos, tok.space_before),
                    Token(tok.kind, rest, tok.pos + 1, False)]
            return self.number() if self.tok.kind == "num" else self.name()
        if tok.kind == "cmd":
            return self.command()
        raise InvalidAnswer("syntax", "\\frac needs braces: \\frac{a}{b}")

    def number(self) -> N.Node:
        first = self.tokens[self.i]
        self.i += 1
        text = first.text
        nxt = self.tokens[self.i]
        if nxt.kind != "num" and nxt.text != "," and text.isdigit() \
                and len(text) <= self.limits.max_digits:
            # the common case: no grouping or separator can follow, an exact int
            return N.num(int(text))
        plain = text.isdigit()
        groups = [text]
        # a thousands grouping starts with 1-3 digits, not with a 0 ("0,111" is no number)
        while plain and len(groups[0]) <= 3 and not groups[0].startswith("0"):
            nxt, after = self.tok, self.peek()
            if (self.is_op(",") and not nxt.space_before and after.kind == "num"
                    and not after.space_before and not self.commas):
                sep = ","
            elif nxt.kind == "num" and nxt.space_before:
                sep, after = " ", nxt
            else:
                break
            lead = len(after.text) - len(after.text.lstrip("0123456789"))
            if lead != 3:
                break  # not a group of exactly three digits: reported below
            if sep == ",":
                self.take()
            groups.append(self.take().text)
            if not after.text.isdigit():
                break  # "73,856.5": a decimal part ends the number
        if self.is_op(",") and not self.commas and self.peek().kind == "num" \
                and not self.tok.space_before and not self.peek().space_before:
            shown = ",".join(groups) + "," + self.peek().text
            if len(groups) == 1 and text.startswith("0"):
                raise InvalidAnswer(
                    "ambiguous_number", f"{shown!r} is ambiguous: write {shown.replace(',', '.')} "
                    "(a decimal point) or leave out the leading 0")
            raise InvalidAnswer(
                "ambiguous_number", f"{shown!r} is ambiguous: write "
                f"{shown.replace(',', '')} (no separator) or {shown.replace(',', '.')}")
        return N.num(self.literal("".join(groups)))

    def leaf(self, tok: Token) -> N.Node | None:
        """The node of a plain integer or a symbol of the question as spelled (what
        number() and name() read from it), or None for anything else."""
        text = tok.text
        if tok.kind == "num":
            if text.isdigit() and len(text) <= self.limits.max_digits:
                return N.num(int(text))
        elif self.known is not None and text in self.known \
                and len(text) <= self.limits.max_name:
            return N.sym(text)
        return None

    def ambiguous_numbers(self) -> InvalidAnswer:
        prev = self.tokens[self.i - 1].text
        return InvalidAnswer("ambiguous_number",
                             f"two numbers side by side ({prev!r} and {self.tok.text!r}): "
                             "group thousands in threes or add '*'")

    def literal(self, text: str) -> int | Fraction:
        if text.isdigit() and len(text) <= self.limits.max_digits:
            return int(text)
        mantissa, _, exponent = text.lower().partition("e")
        digits = sum(c.isdigit() for c in mantissa)
        if digits > self.limits.max_digits:
            raise InvalidAnswer("too_large", f"a number with {digits} digits is too long "
                                f"(at most {self.limits.max_digits})")
        if exponent and abs(int(exponent)) > 3 * self.limits.max_digits:
            raise TooLarge(f"the exponent in {text!r} is too large")
        return Fraction(text)

    # -- names --------------------------------------------------------------
    def name(self) -> N.Node:
        tokens = self.tokens
        name = tokens[self.i].text
        self.i += 1
        if len(name) > self.limits.max_name:
            raise InvalidAnswer("too_long", f"a name of {len(name):,} characters is too long "
                                f"(at most {self.limits.max_name})")
        known = self.known
        if known is not None and name in known:
            # a symbol of the question as spelled: known names are declared, so none of
            # the readings below (function, log_b, constant) applies, and resolve() would
            # find the name itself first
            return N.sym(name)
        nxt = tokens[self.i]
        calls = nxt.kind == "op" and nxt.text == "("
        if name in FUNCTIONS and name not in self.declared:
            return self.call(FUNCTIONS[name], name)
        stem, _, base = name.partition("_")
        if stem in ("log", "Log") and base and name not in self.declared:
            return self.call("log", name, base=self.log_base(base))
        if name in ("pi", "e") and name not in self.declared:
            return N.Node("const", value=name)
        resolved = self.resolve(name)
        if resolved is None:
            if calls:
                raise InvalidAnswer("unknown_function", f"unknown function {name!r}; allowed: "
                                    "floor, ceil, min, max, sqrt, log, exp, abs, mod")
            shown = ", ".join(sorted(self.known or ()))
            raise InvalidAnswer("unknown_symbol",
                                f"unknown symbol {name!r}" + (f"; use {shown}" if shown else ""))
        return resolved

    def log_base(self, text: str) -> N.Node:
        """The base of ``log_b``: a number or a symbol of the question."""
        if text.isdigit():
            return N.num(self.literal(text))
        resolved = self.resolve(text)
        if resolved is None:
            raise InvalidAnswer("unknown_symbol", f"unknown base {text!r} of log_{text}")
        return resolved

    def call(self, op: str, spelled: str, base: N.Node | None = None) -> N.Node:
        power = None
        if self.is_op("^") and op in ("log", "log2", "log10", "sqrt", "exp", "abs") \
                and not self.peek().kind == "end":
            self.take()  # "log^2 x" is (log x)^2
            self.enter()
            power = self.power()
            self.depth -= 1
        node = self.call_arguments(op, spelled, base)
        return node if power is None else N.power(node, power)

    def call_arguments(self, op: str, spelled: str, base: N.Node | None) -> N.Node:
        if not self.is_op("("):
            if op in ("sqrt", "log", "log2", "log10", "exp") and self.starts_primary():
                self.enter()
                arg = self.power()  # LaTeX style: \log x, \sqrt x
                self.depth -= 1
                return self.build_call(op, [arg] if base is None else [arg, base], spelled)
            raise self.error(f"{spelled} needs its argument in brackets")
        self.take()
        self.enter()
        saved = self.commas
        self.commas = True
        args = [self.sum()]
        while self.is_op(","):
            self.take()
            args.append(self.sum())
        self.commas = saved
        self.expect("op", ")")
        self.depth -= 1
        if base is not None:
            args.append(base)
        return self.build_call(op, args, spelled)

    def build_call(self, op: str, args: list[N.Node], spelled: str) -> N.Node:
        low, high = _ARITY[op]
        if not low <= len(args) <= high:
            raise InvalidAnswer("syntax", f"{spelled} takes {low}"
                                + (f" to {high}" if high != low else "")
                                + f" argument(s), not {len(args)}")
        if op in ("log2", "log10"):
            return N.func("log", args[0], N.num(2 if op == "log2" else 10))
        return N.func(op, *args)

    def resolve(self, name: str) -> N.Node | None:
        """A known symbol, an alias of one, or an unambiguous product of known symbols."""
        if self.known is None:
            return N.sym(name)
        for candidate in _aliases(name):
            if candidate in self.known:
                return N.sym(candidate)
        parts = _segment(name, self.known, self.longest)
        if parts is not None:
            if len(parts) > self.limits.max_nodes:
                raise InvalidAnswer("too_long", "the answer is too large an expression")
            self.split = N.mul(*(N.sym(p) for p in parts))
            return self.split
        return None


@functools.lru_cache(maxsize=256)
def _longest(known: frozenset[str]) -> int:
    """The longest known name's length (one question's names serve many answers)."""
    return max(map(len, known), default=0)


def _aliases(name: str) -> tuple[str, ...]:
    """``C_{in}`` may mean ``c_i``; ``H`` may mean ``h`` (short names cached: they repeat)."""
    return _short_aliases(name) if len(name) <= 64 else _alias_list(name)


@functools.lru_cache(maxsize=4096)
def _short_aliases(name: str) -> tuple[str, ...]:
    return _alias_list(name)


def _alias_list(name: str) -> tuple[str, ...]:
    out = [name, name.lower()]
    stem, sep, subscript = name.partition("_")
    if sep and subscript.lower() in _SUBSCRIPT_ALIASES:
        short = _SUBSCRIPT_ALIASES[subscript.lower()]
        out += [f"{stem}_{short}", f"{stem.lower()}_{short}"]
        if short == "i":
            out += [stem, stem.lower()]  # h_in -> h
    return tuple(out)


def _segment(name: str, known: frozenset[str], longest: int) -> list[str] | None:
    """The unique way to read ``name`` as a product of known names (``hw`` -> h*w).

    Only pieces as long as the longest known name are tried: linear in ``len(name)``.
    """
    ways: list[list[list[str]]] = [[] for _ in range(len(name) + 1)]
    ways[0] = [[]]
    for end in range(1, len(name) + 1):
        for start in range(max(end - longest, 0), end):
            piece = name[start:end]
            if piece in known and ways[start]:
                ways[end].extend(w + [piece] for w in ways[start][:2])
        ways[end] = ways[end][:2]
    found = ways[len(name)]
    if len(found) == 1 and len(found[0]) > 1:
        return found[0]
    return None
