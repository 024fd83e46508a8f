"""``symconv.summary``: the torchinfo one-liner, for torch modules, symconv layers and networks.

``summary(model, input_size)`` mirrors ``torchinfo.summary``: ``input_size``
includes the batch, ``col_names`` picks the columns (torchinfo's names, plus
symconv's ``macs``, ``flops``, ``activations`` and ``receptive_field``),
``depth`` folds nested containers, ``row_settings`` and ``verbose`` behave as
there, and the returned :class:`Summary` displays itself (a rich table in a
terminal, an HTML table in Jupyter).  Unlike torchinfo nothing is run: every
number is derived, so sizes may be symbols -- ``(1, 3, "h", "w")``.  Totals
follow torchinfo's conventions (mult-adds as torchinfo counts them,
forward/backward size from the outputs of layers with parameters, twice), so
the two tools agree on numeric inputs -- except the input size, which here is
the tensor's data, while torchinfo adds the storage object's own few bytes
(``sys.getsizeof``).

It is built on the public API only (``symconv.from_torch``, ``symconv.analyze``
and the network report's rows), whatever network code produced the rows.

Examples
--------
>>> import symconv
>>> net = symconv.Sequential(symconv.Conv2d(1, 8, 3, padding=1), symconv.ReLU(),
...                          symconv.MaxPool2d(2))
>>> s = summary(net, (16, 1, 28, 28), verbose=0)
>>> s.total_params, s.total_mult_adds
(80, 1003520)
>>> print(s.rows[0].label(), s.rows[0].output_size)
├─Conv2d: 1-1 (8, 28, 28)
>>> summary(net, (16, 1, "h", "w"), col_names=("output_size", "mult_adds"), verbose=0).rows[2]
<MaxPool2d 2 [8, floor(h/2), floor(w/2)]>
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sympy as sp

from symconv.display import html as H
from symconv.printing import cell_text

#: Columns, torchinfo's first (same names), then symconv's.
COLUMNS = {
    "input_size": "Input Shape", "output_size": "Output Shape", "num_params": "Param #",
    "params_percent": "Param %", "kernel_size": "Kernel Shape", "mult_adds": "Mult-Adds",
    "trainable": "Trainable", "macs": "MACs (exact)", "flops": "FLOPs (exact)",
    "activations": "Activations", "receptive_field": "Receptive field r / S / P",
}
ROW_SETTINGS = ("depth", "var_names", "ascii_only")
DEFAULT_COLUMNS = ("output_size", "num_params")


@dataclass
class SummaryRow:
    """One line of a summary: a layer, or a container at ``depth`` (its layers below it)."""

    name: str
    kind: str
    depth: int
    index: int
    input_size: tuple[Any, ...] | None = None
    output_size: tuple[Any, ...] | None = None
    params: sp.Expr = sp.Integer(0)
    trainable_params: sp.Expr = sp.Integer(0)
    mult_adds: sp.Expr = sp.Integer(0)
    macs: sp.Expr = sp.Integer(0)
    flops: sp.Expr = sp.Integer(0)
    activations: sp.Expr = sp.Integer(0)
    kernel_size: Any = None
    receptive_field: Any = None
    is_leaf: bool = True
    expanded: bool = False  # a container whose layers are shown below it

    def label(self, var_names: bool = False, show_depth: bool = True, ascii_only: bool = False,
              root: bool = False) -> str:
        """``├─Conv2d: 1-1``, ``│    └─Conv2d: 2-1`` as torchinfo draws its tree."""
        if root:
            return self.kind
        bar, tee, elbow = ("|", "+-", "`-") if ascii_only else ("│", "├─", "└─")
        indent = f"{bar}    " * (self.depth - 1)
        name = f"{self.kind} ({self.name.split('.')[-1]})" if var_names else self.kind
        where = f": {self.depth}-{self.index}" if show_depth else ""
        return f"{indent}{tee if self.depth == 1 else elbow}{name}{where}"

    def __repr__(self) -> str:
        return f"<{self.kind} {self.name} {_list(self.output_size)}>"


def _list(shape: tuple[Any, ...] | None) -> str:
    return "--" if shape is None else "[" + ", ".join(str(v) for v in shape) + "]"


def _kernel(layer_text: str) -> Any:
    import re

    m = re.search(r"kernel_size=(\([^)]*\)|[^,)]+)", layer_text)
    if m is None:
        return None
    text = m.group(1).strip("()")
    return "[" + ", ".join(v.strip() for v in text.split(",") if v.strip()) + "]"


def _parts(net: Any, prefix: str = "") -> dict[str, Any]:
    """A symconv network's containers and layers by dotted name (as its report names rows)."""
    out: dict[str, Any] = {}
    if hasattr(net, "named_children"):
        children = list(net.named_children())
    elif hasattr(net, "branches"):
        children = [(f"branches.{k}", b) for k, b in enumerate(net.branches)]
    elif hasattr(net, "body"):
        children = [("body", net.body)] + ([("shortcut", net.shortcut)]
                                            if getattr(net, "shortcut", None) is not None else [])
    else:
        return out
    for key, child in children:
        name = f"{prefix}{key}"
        out[name] = child
        out.update(_parts(child, name + "."))
    return out


def _as_network(model: Any, shape: tuple[Any, ...]) -> tuple[Any, str, dict[str, Any]]:
    """(symconv network, the model's type name, torch modules by name) for any model."""
    import symconv

    if hasattr(model, "named_modules") and hasattr(model, "forward"):  # a torch.nn.Module
        modules = dict(model.named_modules())
        return symconv.from_torch(model), type(model).__name__, modules
    if isinstance(model, symconv.Layer):
        return symconv.Sequential(model), type(model).__name__, {}
    if hasattr(model, "analyze"):
        return model, type(model).__name__, _parts(model)
    raise TypeError(f"summary: {model!r} is not a torch module or a symconv layer or network")


def _split_input(input_size: Any, batch_dim: int | None) -> tuple[Any, tuple[Any, ...]]:
    if input_size is None:
        raise TypeError("summary needs input_size (the input shape, batch first, as torchinfo)")
    if isinstance(input_size, list) and len(input_size) == 1 and isinstance(
            input_size[0], tuple | list):
        input_size = input_size[0]  # torchinfo's list of input sizes, with one input
    shape = tuple(input_size)
    if batch_dim is None:
        if len(shape) < 2:
            raise ValueError(f"input_size {shape} needs the batch first, then the sample's shape")
        return shape[0], shape[1:]
    if batch_dim != 0:
        raise ValueError("batch_dim must be None (input_size includes the batch) or 0")
    return 1, shape


def torch_name(row_name: str, modules: dict[str, Any]) -> str:
    """The torch module a row comes from: symconv's own groupings (``body``) dropped.

    >>> torch_name("layer1.0.body.conv1", {"layer1": 0, "layer1.0": 0, "layer1.0.conv1": 0})
    'layer1.0.conv1'
    """
    kept: list[str] = []
    for part in row_name.split("."):
        candidate = ".".join([*kept, part])
        if candidate in modules or not any(m.startswith(candidate + ".") or m == candidate
                                           for m in modules):
            kept.append(part) if candidate in modules else None
    name = ".".join(kept)
    return name if name in modules else row_name


def _trainable(report: Any, modules: dict[str, Any]) -> dict[str, Any]:
    """Trainable parameters per row (the torch module's own parameters that need a gradient)."""
    out: dict[str, Any] = {}
    for row in report.layers:
        module = modules.get(torch_name(row.name, modules)) if modules else None
        if module is None or not hasattr(module, "parameters"):
            continue  # a symconv layer: every parameter is trainable
        own = [p for p in module.parameters(recurse=False)]
        if sum(p.numel() for p in own) == row.report.params:  # the same tensors
            out[row.name] = sp.Integer(sum(p.numel() for p in own if p.requires_grad))
    return out


def _tree(report: Any, modules: dict[str, Any], depth: int,
          trainable: dict[str, Any]) -> list[SummaryRow]:
    """Rows of the report grouped under their containers (dotted names), folded below ``depth``."""
    known = set(modules)

    def parents(name: str) -> list[str]:
        parts = name.split(".")
        prefixes = [".".join(parts[:k]) for k in range(1, len(parts))]
        # With a torch module, containers are its modules (symconv's own groupings such as a
        # residual's "body" fold into them); a symconv net's containers are its name prefixes.
        return [p for p in prefixes if p in known] if known else prefixes

    nodes: dict[str, SummaryRow] = {}
    order: list[str] = []
    counters: dict[int, int] = {}

    def node(name: str, level: int, kind: str) -> SummaryRow:
        if name not in nodes:
            counters[level] = counters.get(level, 0) + 1
            nodes[name] = SummaryRow(name, kind, level, counters[level])
            order.append(name)
        return nodes[name]

    for row in report.layers:
        chain = parents(row.name)
        for level, prefix in enumerate(chain, start=1):
            kind = type(modules[prefix]).__name__ if prefix in modules else prefix.split(".")[-1]
            container = node(prefix, level, kind)
            container.is_leaf = False
        kind = (type(modules[row.name]).__name__ if row.name in modules
                else row.layer.split("(")[0] or row.kind)
        leaf = node(row.name, len(chain) + 1, kind)
        rep = row.report
        leaf.input_size, leaf.output_size = tuple(rep.input_shape), tuple(rep.output_shape)
        leaf.params, leaf.macs, leaf.flops = rep.params, rep.macs, rep.flops
        leaf.activations = rep.activations
        leaf.mult_adds = rep.conventions.get("torchinfo", sp.Integer(0))
        leaf.trainable_params = trainable.get(row.name, rep.params)
        leaf.kernel_size = _kernel(row.layer)
        leaf.receptive_field = row.receptive_field
        for prefix in chain:  # containers sum what is inside them; their shapes span it
            c = nodes[prefix]
            c.params += leaf.params
            c.trainable_params += leaf.trainable_params
            c.mult_adds += leaf.mult_adds
            c.macs += leaf.macs
            c.flops += leaf.flops
            c.activations += leaf.activations
            c.input_size = c.input_size or leaf.input_size
            c.output_size = leaf.output_size
            c.receptive_field = leaf.receptive_field
    shown = [nodes[n] for n in order if nodes[n].depth <= depth]
    for row in shown:
        row.expanded = not row.is_leaf and row.depth < depth
    return shown


class Summary:
    """What :func:`summary` returns: rows, totals, and a display (text, rich, HTML).

    Attributes mirror torchinfo's ``ModelStatistics``: ``total_params``,
    ``trainable_params``, ``total_mult_adds``, ``total_input`` (bytes),
    ``total_output_bytes``, ``total_param_bytes``; ``report`` is the network report.
    """

    def __init__(self, name: str, report: Any, rows: list[SummaryRow], batch: Any,
                 col_names: Sequence[str], row_settings: Sequence[str], dtype: str,
                 trainable: dict[str, Any] | None = None) -> None:
        from symconv.report import dtype_bytes

        self.name, self.report, self.rows, self.batch = name, report, rows, batch
        self.col_names, self.row_settings, self.dtype = tuple(col_names), tuple(row_settings), dtype
        size = dtype_bytes(dtype)
        layers = report.layers
        trainable = trainable or {}
        self.total_params = sp.Add(*(r.report.params for r in layers))
        self.trainable_params = sp.Add(*(trainable.get(r.name, r.report.params) for r in layers))
        self.total_mult_adds = sp.Add(*(r.report.conventions.get("torchinfo", 0) for r in layers))
        self.total_input = size * report.batch * sp.Mul(*report.input_shape)
        self.total_output_bytes = 2 * size * sp.Add(*(r.report.activations for r in layers
                                                      if r.report.params != 0))
        self.total_param_bytes = size * self.total_params
        self.total_size = self.total_input + self.total_output_bytes + self.total_param_bytes
        from symconv.display.network import abbreviations

        self._names = abbreviations(report)  # short names for compound sizes (h_1, ...)

    # -- cells -------------------------------------------------------------------------------
    def _batched(self, shape: tuple[Any, ...] | None) -> tuple[Any, ...] | None:
        return None if shape is None else (self.batch, *shape)

    def _value(self, row: SummaryRow, col: str) -> Any:
        """The SymPy value (or text) of one cell; ``None`` shows as ``--``."""
        if col == "input_size":
            return self._batched(row.input_size)
        if col == "output_size":
            return self._batched(row.output_size)
        if col == "kernel_size":
            return row.kernel_size
        if col == "trainable":
            if row.params == 0:
                return None
            return "True" if row.trainable_params == row.params else (
                "False" if row.trainable_params == 0 else "Partial")
        if col == "receptive_field":
            return row.receptive_field
        if row.expanded:
            return None  # torchinfo: a container shows "--" when its layers are listed
        if col == "num_params":
            return row.params if row.params != 0 else None
        if col == "params_percent":
            if row.params == 0 or self.total_params == 0:
                return None
            return row.params / self.total_params
        return getattr(row, col) if getattr(row, col) != 0 else None

    def _text(self, value: Any, col: str) -> str:
        from symconv.display.network import _per_axis, abbreviate

        value = abbreviate(value, self._names) if col != "receptive_field" else value
        if value is None:
            return "--"
        if col == "receptive_field":
            return " / ".join(cell_text(_per_axis(v)) for v in (value.size, value.stride,
                                                                  value.padding))
        if col == "params_percent":
            number = sp.sympify(value)
            return f"{float(number) * 100:.2f}%" if number.is_number else str(number)
        if isinstance(value, tuple):
            return _list(value)
        return value if isinstance(value, str) else cell_text(value)

    def _label(self, row: SummaryRow, root: bool = False) -> str:
        return row.label("var_names" in self.row_settings, "depth" in self.row_settings,
                         "ascii_only" in self.row_settings, root)

    # -- totals -----------------------------------------------------------------------------
    def totals(self) -> list[tuple[str, Any]]:
        """(label, value) of the totals block, torchinfo's lines, values exact."""
        return [("Total params", self.total_params), ("Trainable params", self.trainable_params),
                ("Non-trainable params", self.total_params - self.trainable_params),
                ("Total mult-adds", self.total_mult_adds),
                ("Input size (bytes)", self.total_input),
                ("Forward/backward pass size (bytes)", self.total_output_bytes),
                ("Params size (bytes)", self.total_param_bytes),
                ("Estimated Total Size (bytes)", self.total_size)]

    @staticmethod
    def _readable(value: Any, unit: str = "") -> str:
        """An exact number grouped, with torchinfo's rounded form (``1.81 G``) beside big ones."""
        text = cell_text(value)
        number = sp.sympify(value)
        if number.is_Integer and abs(int(number)) >= 10**6:
            n = int(number)
            scale, letter = ((1e12, "T"), (1e9, "G"), (1e6, "M"))[
                0 if n >= 1e12 else 1 if n >= 1e9 else 2]
            text += f" ({n / scale:.2f} {letter}{unit})"
        return text

    # -- displays ---------------------------------------------------------------------------
    def rich_table(self) -> Any:
        """A :class:`rich.table.Table` of the summary (what ``verbose=1`` prints)."""
        from rich import box
        from rich.table import Table
        from rich.text import Text

        # Every cell is plain Text: a shape such as [b, c, h, w] is not rich markup ([b] bold)
        table = Table(box=box.SIMPLE_HEAD if "ascii_only" not in self.row_settings else box.ASCII,
                      title=Text(f"{self.name}: input "
                                 f"{_list(self._batched(tuple(self.report.input_shape)))}"))
        table.add_column("Layer (type:depth-idx)" if "depth" in self.row_settings else "Layer (type)",
                         no_wrap=True)
        for col in self.col_names:  # fold, never cut: a value is never shown in part
            table.add_column(COLUMNS[col], overflow="fold", justify="left" if col in (
                "input_size", "output_size", "kernel_size", "trainable") else "right")
        root = [self.name] + ["--" if c not in ("output_size", "input_size") else
                              self._text(self._batched(tuple(self.report.output_shape
                                                             if c == "output_size" else
                                                             self.report.input_shape)), c)
                              for c in self.col_names]
        table.add_row(*map(Text, root))
        for row in self.rows:
            table.add_row(Text(self._label(row)), *(Text(self._text(self._value(row, c), c))
                                                    for c in self.col_names))
        return table

    def totals_text(self) -> str:
        from symconv.display.network import abbreviate, definitions_text

        lines = [f"{label}: {self._readable(abbreviate(value, self._names), 'B' if 'bytes' in label else '')}"
                 for label, value in self.totals()]
        where = definitions_text(self._names)
        return "\n".join(([where, ""] if where else []) + lines)

    def __str__(self) -> str:
        from rich.console import Console

        buffer = io.StringIO()
        console = Console(file=buffer, width=200, color_system=None, force_jupyter=False)
        console.print(self.rich_table())
        console.print(self.totals_text(), markup=False, highlight=False)
        return "\n".join(line.rstrip() for line in buffer.getvalue().rstrip().splitlines())

    __repr__ = __str__

    def print(self) -> None:
        """Print the summary to the terminal (a rich table, colours when the terminal has them)."""
        from rich.console import Console

        console = Console()
        console.print(self.rich_table())
        console.print(self.totals_text(), markup=False, highlight=False)

    def _repr_html_(self) -> str:
        from symconv.display.network import abbreviate, definitions_html, rf_latex

        names = self._names

        def cell(col: str, value: Any) -> str:
            if value is None:
                return "--"
            if col == "receptive_field":
                return H.inline(rf_latex(value))
            if col in ("trainable", "kernel_size") or isinstance(value, str):
                return H.escape(value)
            if col == "params_percent":
                return H.escape(self._text(value, col))
            if isinstance(value, tuple):  # torchinfo's [batch, c, h, w]
                inner = ", ".join(H.tex(abbreviate(v, names)) for v in value)
                return f'<span style="white-space:nowrap">{H.inline("[" + inner + "]")}</span>'
            return H.math_html(abbreviate(value, names), 36)

        head = ["Layer (type:depth-idx)" if "depth" in self.row_settings else "Layer (type)"]
        head += [COLUMNS[c] for c in self.col_names]
        align = ["left"] + ["left" if c in ("input_size", "output_size", "kernel_size",
                                            "trainable") else "right" for c in self.col_names]
        body = [[f"<b>{H.escape(self.name)}</b>"] + [
            cell(c, self._batched(tuple(self.report.output_shape if c == "output_size"
                                              else self.report.input_shape)))
            if c in ("input_size", "output_size") else "--" for c in self.col_names]]
        for row in self.rows:
            label = H.escape(self._label(row)).replace(" ", "&nbsp;")
            body.append([f'<span style="font-family:monospace">{label}</span>']
                        + [cell(c, self._value(row, c)) for c in self.col_names])
        totals = [[H.escape(label), H.math_html(abbreviate(value, names), 48)]
                  for label, value in self.totals()]
        return H.block(H.table(head, body, align), definitions_html(names),
                       H.table(["total", "value"], totals, ["left", "right"]),
                       H.notes(["computed by symconv, not run: mult-adds as torchinfo counts "
                                "them; exact MACs and FLOPs are columns <code>macs</code>, "
                                "<code>flops</code>"]))


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    try:
        ip = shell.get_ipython()  # type: ignore[attr-defined]
    except AttributeError:
        return False
    return ip is not None and type(ip).__name__ == "ZMQInteractiveShell"


def summary(model: Any, input_size: Any = None, *, col_names: Iterable[str] | None = None,
            depth: int = 3, verbose: int | None = None, batch_dim: int | None = None,
            row_settings: Iterable[str] | None = None, dtype: str = "float32") -> Summary:
    """Summarize ``model`` (torch module, symconv layer or network) as ``torchinfo.summary`` does.

    Parameters
    ----------
    model : a ``torch.nn.Module`` (imported with :func:`symconv.from_torch`), a symconv
        layer or a symconv network
    input_size : the input's shape *with* the batch first, as in torchinfo:
        ``(16, 3, 224, 224)``; sizes may be symbol names: ``(1, 3, "h", "w")``
    col_names : columns, among :data:`COLUMNS` (default ``("output_size", "num_params")``)
    depth : containers nested deeper than this are folded into their parent row
    verbose : 0 quiet, 1 (2) print the table; default 0 in Jupyter (the returned
        object displays itself), 1 elsewhere
    batch_dim : ``None`` (``input_size`` includes the batch) or 0 (it does not; batch 1)
    row_settings : among ``"depth"`` (default), ``"var_names"``, ``"ascii_only"``
    dtype : element type for the sizes in bytes

    Returns
    -------
    Summary, which prints as a table and shows as an HTML table in Jupyter.
    """
    import symconv

    cols = tuple(col_names) if col_names is not None else DEFAULT_COLUMNS
    unknown = [c for c in cols if c not in COLUMNS]
    if unknown:
        raise ValueError(f"unknown column(s) {', '.join(unknown)}; known: {', '.join(COLUMNS)}")
    settings = tuple(row_settings) if row_settings is not None else ("depth",)
    bad = [s for s in settings if s not in ROW_SETTINGS]
    if bad:
        raise ValueError(f"unknown row setting(s) {', '.join(bad)}; known: {', '.join(ROW_SETTINGS)}")
    batch, shape = _split_input(input_size, batch_dim)
    net, name, modules = _as_network(model, shape)
    report = symconv.analyze(net, shape, batch=batch)
    trainable = _trainable(report, modules)
    rows = _tree(report, modules, depth, trainable)
    result = Summary(name, report, rows, report.batch, cols, settings, dtype, trainable)
    if verbose is None:
        verbose = 0 if _in_notebook() else 1
    if verbose:
        result.print()
    return result


__all__ = ["summary", "Summary", "SummaryRow", "COLUMNS"]
