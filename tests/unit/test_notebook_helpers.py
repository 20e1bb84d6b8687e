"""One set of lesson helpers (issue 16): read from the notebooks' cells, no server needed.

* no function or class is defined at the top level of two notebooks (solution cells aside: an
  answer may well define what another notebook defines);
* a helper a lesson teaches keeps its ``def`` right below ``# the same function is
  dbworkbook.lessons.<module>.<name>``, and that ``def`` is character for character the package's
  source (``inspect.getsource``), so what the learner reads is what the other notebooks import;
* no notebook defines, outside such a taught copy, a function or class that the package has;
* every public name of ``dbworkbook.lessons.*`` has a docstring.

The rule itself is written in ``dbworkbook/lessons/__init__.py``.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import pkgutil
import re
from collections import defaultdict
from pathlib import Path

import pytest
from IPython.core.inputtransformer2 import TransformerManager

import dbworkbook.lessons
from dbworkbook.estimate import SOLUTION_TAG

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
TAUGHT = re.compile(r"^# the same function is (dbworkbook\.lessons\.\w+)\.(\w+)\s*$", re.MULTILINE)
DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def code_cells(path: Path) -> list[tuple[int, str]]:
    """(index, source) of the notebook's code cells, solution cells left out."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [
        (i, _source(cell))
        for i, cell in enumerate(nb["cells"])
        if cell.get("cell_type") == "code" and SOLUTION_TAG not in cell.get("metadata", {}).get("tags", [])
    ]


def _parse(source: str) -> ast.Module:
    """A cell as Python: IPython turns its magics (``%sql``, ``%%sql``) into calls first."""
    return ast.parse(TransformerManager().transform_cell(source))


def top_level_definitions(tree: ast.Module):
    """The functions and classes a cell defines in the notebook's namespace: at its top level, and
    inside top-level ``if`` / ``with`` / ``try`` / ``for`` blocks (not inside other definitions)."""
    pending = list(tree.body)
    while pending:
        node = pending.pop(0)
        if isinstance(node, DEFINITIONS):
            yield node
            continue
        for field in ("body", "orelse", "finalbody", "handlers"):
            pending += [child for child in getattr(node, field, []) if isinstance(child, ast.AST)]


def definitions_by_name() -> dict[str, set[str]]:
    """{name: the notebooks (file stems) that define it}."""
    found: dict[str, set[str]] = defaultdict(set)
    for path in NOTEBOOKS:
        for _, source in code_cells(path):
            for node in top_level_definitions(_parse(source)):
                found[node.name].add(path.stem)
    return found


def taught_copies() -> list[tuple[str, int, str, str, str]]:
    """(notebook, cell, module, name, cell source) of every cell that carries the taught-copy comment."""
    return [
        (path.stem, i, module, name, source)
        for path in NOTEBOOKS
        for i, source in code_cells(path)
        for module, name in TAUGHT.findall(source)
    ]


def public_names():
    """(module name, name, object) of every public name of the dbworkbook.lessons modules: those in
    ``__all__``, and every function or class a module defines whose name has no leading underscore."""
    modules = [dbworkbook.lessons] + [
        importlib.import_module(f"dbworkbook.lessons.{info.name}")
        for info in pkgutil.iter_modules(dbworkbook.lessons.__path__)
    ]
    for module in modules:
        names = set(getattr(module, "__all__", []))
        names |= {
            name
            for name, obj in vars(module).items()
            if not name.startswith("_")
            and (inspect.isfunction(obj) or inspect.isclass(obj))
            and obj.__module__ == module.__name__
        }
        for name in sorted(names):
            yield module.__name__, name, getattr(module, name)


def test_the_notebooks_are_found_and_parse():
    assert len(NOTEBOOKS) >= 12
    for path in NOTEBOOKS:
        for i, source in code_cells(path):
            try:
                _parse(source)
            except SyntaxError as exc:  # pragma: no cover - the message is the point
                pytest.fail(f"{path.name} cell {i} does not parse: {exc}")


def test_no_helper_is_defined_in_two_notebooks():
    twice = {name: sorted(stems) for name, stems in definitions_by_name().items() if len(stems) > 1}
    assert not twice, (
        "Defined in more than one notebook (move it to dbworkbook.lessons and import it, or keep it in "
        "the notebook that teaches it; a helper that means something else needs its own name): "
        + "; ".join(f"{name}: {', '.join(stems)}" for name, stems in sorted(twice.items()))
    )


def test_a_taught_copy_is_the_package_source():
    copies = taught_copies()
    assert copies, "no cell carries '# the same function is dbworkbook.lessons.<module>.<name>'"
    for stem, i, module, name, source in copies:
        where = f"{stem} cell {i} ({module}.{name})"
        obj = getattr(importlib.import_module(module), name, None)
        assert obj is not None, f"{where}: the package has no {module}.{name}"
        lines = source.splitlines()
        comment = lines.index(f"# the same function is {module}.{name}")
        nodes = [n for n in top_level_definitions(ast.parse(source)) if n.name == name]
        assert len(nodes) == 1, f"{where}: the cell should define {name} once, right below the comment"
        node = nodes[0]
        first = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
        assert first == comment + 1, f"{where}: the def should start on the line right below the comment"
        copy = "\n".join(lines[first : node.end_lineno])
        package = inspect.getsource(obj).rstrip("\n")
        assert copy == package, f"{where}: the notebook's copy differs from inspect.getsource({module}.{name})"


def test_a_package_helper_is_imported_not_redefined():
    package = {name for _, name, obj in PUBLIC if inspect.isfunction(obj) or inspect.isclass(obj)}
    redefined = []
    for path in NOTEBOOKS:
        for i, source in code_cells(path):
            taught = {name for _, name in TAUGHT.findall(source)}
            for node in top_level_definitions(_parse(source)):
                if node.name in package and node.name not in taught:
                    redefined.append(f"{path.stem} cell {i}: {node.name}")
    assert not redefined, (
        "A notebook defines a helper that dbworkbook.lessons already has: import it (or, in the notebook "
        "that teaches it, put '# the same function is dbworkbook.lessons.<module>.<name>' above its def): "
        + "; ".join(redefined)
    )


def test_every_taught_helper_is_taught_once():
    taught = defaultdict(list)
    for stem, i, module, name, _ in taught_copies():
        taught[f"{module}.{name}"].append(f"{stem} cell {i}")
    assert all(len(where) == 1 for where in taught.values()), dict(taught)


PUBLIC = list(public_names())


@pytest.mark.parametrize("module,name,obj", PUBLIC, ids=[f"{m}.{n}" for m, n, _ in PUBLIC])
def test_every_public_lesson_helper_has_a_docstring(module, name, obj):
    # its own docstring: inspect.getdoc would lend a class its base class's (redis.Redis's, say)
    assert (obj.__doc__ or "").strip(), (
        f"{module}.{name} has no docstring: say what it returns and when a lesson uses it"
    )


def test_every_lessons_module_has_a_docstring():
    for info in pkgutil.iter_modules(dbworkbook.lessons.__path__):
        module = importlib.import_module(f"dbworkbook.lessons.{info.name}")
        assert (module.__doc__ or "").strip(), f"{module.__name__} has no module docstring"
