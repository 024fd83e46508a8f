"""No module reaches into the private names of the key and notation layers.

The notation layer (:mod:`symconv.notation`) and the key renderers
(:mod:`symconv.keys`) are used by others (the notebook displays, figures, the
grader's JSON key); what they share is public (:mod:`symconv.notation.rows`
holds the aligned rows every renderer lays out).  An import of an underscored
name from another module of these packages is a failure.
"""

from __future__ import annotations

import ast
from pathlib import Path

import symconv

ROOT = Path(symconv.__file__).parent
GUARDED = ("symconv.keys", "symconv.notation")


def private_imports(source: str, module: str) -> list[str]:
    """``module: imported.name`` for every private name ``source`` imports from the layers."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.module != module and \
                node.module.startswith(GUARDED):
            found += [f"{module}: {node.module}.{a.name}" for a in node.names
                      if a.name.startswith("_") and not a.name.startswith("__")]
    return found


def test_no_private_name_of_keys_or_notation_is_imported_elsewhere():
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        module = "symconv." + ".".join(path.relative_to(ROOT).with_suffix("").parts)
        found += private_imports(path.read_text(encoding="utf-8"), module)
    assert not found, found


def test_the_check_sees_a_private_import():
    # what repl's display/steps.py once did, inside a function as it was
    probe = "def f():\n    from symconv.keys.latex import _name, math\n    return _name\n"
    assert private_imports(probe, "symconv.display.steps") == [
        "symconv.display.steps: symconv.keys.latex._name"]
    assert private_imports(probe, "symconv.keys.latex") == []  # its own names
    assert private_imports("from symconv.display.network import _per_axis\n", "x") == []
