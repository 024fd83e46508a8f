r"""Answer-key steps for :func:`symconv.calculus.symmetry.mlp_symmetry`.

The argument a hand-written key gives: the network is a sum over its hidden
units, so a permutation of the units changes the parameters but not the
function; a permutation is an isometry of parameter space that leaves the loss
unchanged, so it maps a local minimum to a local minimum; with
``phi(-z) + phi(z)`` constant (tanh, the sigmoid) sign flips with the output
bias adjusted add a factor ``2^d``.

Examples
--------
>>> from symconv.calculus.symmetry import mlp_symmetry
>>> steps = mlp_symmetry(3, "sigmoid").steps()
>>> [s.result for s in steps if type(s).__name__ == "Calculation"]
[6, 48]
>>> all(s.passed for s in steps if type(s).__name__ == "Check")
True
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from symconv.notation.latex import Terms
from symconv.solution import Calculation, Check, Equation, Shared, Text
from symconv.symbols import sym

_Z = sp.Symbol("z", real=True)


def symmetry_steps(sym_: Any, check: bool = True) -> list[Any]:
    """Steps of :meth:`MLPSymmetry.steps`."""
    i, d = sp.Symbol("i", integer=True, positive=True), sym("d")
    W, B, V = (sp.IndexedBase(n) for n in ("w", "b", "v"))
    x = sp.Symbol("x")
    phi = sp.Function("phi")
    # w_i^T x + b_i, weights before the input as a hand-written key has them
    n = sp.Symbol("n", integer=True, positive=True)
    unit_input = Terms(sp.MatMul(sp.Transpose(sp.MatrixSymbol("w_i", n, 1)),
                                 sp.MatrixSymbol("x", n, 1)), B[i])
    argument: list[Any] = [
        Text("One hidden layer of $d$ units with activation $\\phi$ and an output bias $c$:"),
        Equation(sp.Function("f")(x), sp.Symbol("c") + sp.Sum(V[i] * phi(unit_input), (i, 1, d))),
        Text("Renaming the units, i.e. permuting the triples $(w_i, b_i, v_i)$, only reorders "
             "the terms of the sum: each of the $d!$ permutations gives another parameter "
             "vector with the same function, hence the same loss $L$."),
        Text("Each of them is a local minimum too. Let $\\theta^*$ be a local minimum: "
             "$L(\\theta) \\ge L(\\theta^*)$ whenever $\\lVert \\theta - \\theta^* \\rVert < r$. "
             "A permutation $P$ of the units only reorders the coordinates of $\\theta$, so it "
             "keeps distances, and $L(P\\theta) = L(\\theta)$. If "
             "$\\lVert \\theta - P\\theta^* \\rVert < r$ then "
             "$\\lVert P^{-1}\\theta - \\theta^* \\rVert < r$, so "
             "$L(\\theta) = L(P^{-1}\\theta) \\ge L(\\theta^*) = L(P\\theta^*)$: "
             "$P\\theta^*$ is a local minimum with the same loss."),
        Text("The $d!$ vectors are distinct when the hidden units are pairwise different (if "
             "two coincide, the network is one with fewer distinct units and swapping them "
             "changes nothing), so every such local minimum has at least $d!$ equivalent "
             "solutions:"),
        Calculation("N", sym_.permutations, label="result"),
    ]
    s: list[Any] = [Shared(tuple(argument), "The permutation argument is"),
                    Text(f"For example, with $d = {sym_.d}$:"),
                    Calculation("N", sym_.permutations, {"d": sym_.d})]
    act = sym_.phi
    total = sp.simplify(act(-_Z) + act(_Z))
    s.append(Text(f"Sign flips, with $\\phi$ the {sym_.activation}: is $\\phi(-z) + \\phi(z)$ a "
                  "constant?"))
    s.append(Equation(phi(-_Z) + phi(_Z), sp.Add(act(-_Z), act(_Z), evaluate=False), total))
    if sym_.flips:
        a = sym_.shift
        if a == 0:
            how = ("The activation is odd, so flipping the signs of $w_i, b_i, v_i$ keeps term "
                   "$i$: $(-v_i)\\,\\phi(-z) = v_i\\,\\phi(z)$.")
        else:
            av = "v_i" if a == 1 else f"{sp.latex(a)}\\, v_i"
            how = (f"It is: $\\phi(-z) = {sp.latex(a)} - \\phi(z)$. Flipping the signs of "
                   f"$w_i, b_i, v_i$ and adding ${av}$ to the output bias $c$ keeps term $i$: "
                   f"$(-v_i)\\,\\phi(-z) + {av} = v_i\\,\\phi(z)$. (Without the output bias "
                   "this would fail: the flip leaves a constant behind.)")
        s += [Text(how + " Any subset of units may be flipped, so with distinct units that "
                   "are not negatives of one another, the equivalent vectors number"),
              Calculation("N", sym_.formula, {"d": sym_.d})]
    else:
        s.append(Text("It is not, so sign flips change the function; only the permutations "
                      "remain."))
    if sym_.activation == "identity":
        s.append(Text("(With the identity the network is linear: any invertible mixing of "
                      "the hidden units, not only these, leaves it unchanged.)"))
    elif sym_.activation == "relu":
        s.append(Text("(ReLU has another symmetry: scaling $w_i, b_i$ by $a > 0$ and $v_i$ "
                      "by $1/a$; it is continuous, not counted here.)"))
    if check:
        s += symmetry_checks(sym_)
    return s


def symmetry_checks(sym_: Any) -> list[Check]:
    """Checks of the group: every element while it is small, else its generators.

    Beyond ``ENUMERATION_LIMIT`` elements (:mod:`symconv.calculus.symmetry`) the
    generators are checked in SymPy, Schreier-Sims confirms the order they
    generate, and random elements are checked numerically.
    """
    same, count = sym_.numeric_check()
    symbolic = sym_.symbolic_check()
    instance = f"$d = {sym_.d}$"
    if sym_.enumerated:
        return [Check("all transformed networks equal the original", "SymPy", sp.true,
                      sp.sympify(symbolic), symbolic, instance=instance),
                Check("transformed random networks compute the same outputs",
                      "numpy, every element, 50 random inputs, tolerance $10^{-12}$", sp.true,
                      sp.sympify(same), same, instance=instance),
                Check("distinct parameter vectors of a random network", "enumeration",
                      sp.Integer(sym_.group_size), sp.Integer(count),
                      count == sym_.group_size, instance=instance)]
    gens = len(sym_.generators())
    checks = [Check(f"each of the {gens} generators (neighbour swaps"
                    + (", one sign flip" if sym_.flips else "") + ") keeps the network, so "
                    "every element does", "SymPy", sp.true, sp.sympify(symbolic), symbolic,
                    instance=instance)]
    if sym_.order_recomputed:
        order = sym_.generated_order()
        checks.append(Check("order of the group the generators generate",
                            "Schreier-Sims (sympy.combinatorics)",
                            sp.Integer(sym_.group_size), sp.Integer(order),
                            order == sym_.group_size, instance=instance))
    checks += [Check("transformed random networks compute the same outputs",
                     f"numpy, the generators and {sym_.sampled} random elements, "
                     "50 random inputs, tolerance $10^{-12}$", sp.true, sp.sympify(same), same,
                     instance=instance),
               Check("distinct parameter vectors of a random network",
                     "counting arrangements of its units and their signs (sampled vectors "
                     "distinct)", sp.Integer(sym_.group_size), sp.Integer(count),
                     count == sym_.group_size, instance=instance)]
    return checks
