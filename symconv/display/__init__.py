"""Displays of every result object: HTML and LaTeX for Jupyter, text for terminals.

One module per concept (a layer report, a network report, a receptive field,
a gradient variance, a composition, a backward pass, memory and budgets,
worked steps, the torchinfo-style summary).  Result classes keep thin
``_repr_html_`` / ``_repr_latex_`` / ``__str__`` methods that call these.
The mathematics comes from :mod:`symconv.printing`; these modules only lay it
out: HTML tables with ``\\(...\\)`` math cells (never ``tabular``), LaTeX as one
displayed ``array``, text with thousands grouped and parenthesised shapes.
"""

from symconv.display.steps import Steps

__all__ = ["Steps"]
