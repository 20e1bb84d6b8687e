"""The student edition: the same notebooks with every reference solution replaced by a placeholder.

In a committed notebook each exercise's answer cell holds the reference solution and carries the
cell tag ``solution``. ``write_student_edition`` copies every notebook, replaces each such
cell's source with a placeholder of the same shape, keeping the variable's name:

    answer = \"\"\"-- write your SQL here\"\"\"            a string (SQL)
    answer = {}  # your filter here                    a dict (MongoDB filter / find spec)
    answer = []  # your pipeline here                  a list of dicts (MongoDB pipeline)
    answer = []  # your Redis commands here            a list of strings/tuples (Redis commands)
    def answer(r):                                     a function (Redis: r; MongoDB state: coll)
        ...  # your Redis commands here

and clears every output. Every placeholder is an answer ``check`` reports as "not written yet",
so no check passes vacuously; ``verify_student_edition`` proves it for every declared exercise
and every solution cell without running the notebooks.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

SOLUTION_TAG = "solution"
METADATA_KEY = "dbworkbook"
EXERCISE_CALL = re.compile(r"""\bexercise\(\s*["']([^"']+)["']\s*\)""")
CHECK_CALL = re.compile(r"""\.(?:check|assert_passes)\(\s*([A-Za-z_]\w*)""")
MARKDOWN_PLACEHOLDER = "*The worked solution is in the instructor edition.*"

SQL_PLACEHOLDER = '"""-- write your SQL here"""'
FUNCTION_COMMENTS = {"redis": "your Redis commands here", "mongo-state": "your code here (coll is the collection)"}


# --------------------------------------------------------------------------- placeholders
def _placeholder_for_node(name: str, node: ast.AST, kind: str | None) -> str:
    if isinstance(node, (ast.Constant, ast.JoinedStr)) and (
        isinstance(node, ast.JoinedStr) or isinstance(node.value, str)
    ):
        return f"{name} = {SQL_PLACEHOLDER}"
    if isinstance(node, ast.Dict) or (isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("dict", "SON")):
        keys = [k.value for k in getattr(node, "keys", []) if isinstance(k, ast.Constant)]
        if "filter" in keys:
            return f'{name} = {{}}  # your query here: {{"filter": ..., "projection": ..., "sort": ...}}'
        return f"{name} = {{}}  # your filter here"
    if isinstance(node, (ast.List, ast.Tuple)):
        elts = node.elts
        if kind == "redis" or (elts and all(isinstance(e, (ast.Constant, ast.Tuple)) for e in elts)):
            return f"{name} = []  # your Redis commands here"
        if kind == "mongo-query" or (elts and all(isinstance(e, ast.Dict) for e in elts)):
            return f"{name} = []  # your pipeline here"
        return f"{name} = []  # your answer here"
    if isinstance(node, ast.Lambda):
        args = ast.unparse(node.args)
        return _function_placeholder(name, args, kind)
    return f"{name} = ...  # your answer here"


def _function_placeholder(name: str, args: str, kind: str | None) -> str:
    comment = FUNCTION_COMMENTS.get(kind or "")
    if comment is None:
        comment = FUNCTION_COMMENTS["redis"] if args.split(",")[0].strip() == "r" else "your code here"
    return f"def {name}({args}):\n    ...  # {comment}"


def placeholder_source(source: str, kind: str | None = None) -> str:
    """The student's version of a solution cell: same names, placeholder values.

    Imports are kept; each top-level assignment or function becomes a placeholder; anything
    else (a print, a call) is dropped. Comment lines before the first statement are kept.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return "# write your answer here"
    lines = source.splitlines()
    first = tree.body[0].lineno - 1 if tree.body else len(lines)
    out = [line for line in lines[:first] if line.strip().startswith("#")]
    for stmt in tree.body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            out.append(ast.unparse(stmt))
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out.append(_function_placeholder(stmt.name, ast.unparse(stmt.args), kind))
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                if isinstance(target, ast.Name) and stmt.value is not None:
                    out.append(_placeholder_for_node(target.id, stmt.value, kind))
    if not any(not line.startswith(("#", "import ", "from ")) for line in out):
        out.append("# write your answer here")
    return "\n".join(out)


def placeholder_for(solution, kind: str | None = None, name: str = "answer") -> str:
    """The placeholder cell source for a reference ``solution`` value (from a catalog)."""
    if callable(solution):
        import inspect

        try:
            args = ", ".join(inspect.signature(solution).parameters)
        except (TypeError, ValueError):
            args = "r" if kind == "redis" else "coll"
        return _function_placeholder(name, args, kind)
    if isinstance(solution, str):
        return f"{name} = {SQL_PLACEHOLDER}"
    if isinstance(solution, dict):
        node = ast.Dict(keys=[ast.Constant(k) for k in solution], values=[ast.Constant(None)] * len(solution))
        return _placeholder_for_node(name, node, kind)
    if isinstance(solution, (list, tuple)):
        elts: list[ast.expr] = [
            ast.Dict(keys=[], values=[]) if isinstance(v, dict) else ast.Constant(None) for v in solution
        ]
        return _placeholder_for_node(name, ast.List(elts=elts), kind)
    return f"{name} = ...  # your answer here"


def _last_assigned(source: str) -> str | None:
    names = []
    for stmt in ast.parse(source).body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.append(stmt.name)
        elif isinstance(stmt, ast.Assign):
            names += [t.id for t in stmt.targets if isinstance(t, ast.Name)]
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            names.append(stmt.target.id)
    return names[-1] if names else None


def answer_from_source(source: str, name: str | None = None):
    """Run a (placeholder or solution) cell's source; return the value of ``name`` (or the last name assigned)."""
    namespace: dict = {}
    exec(compile(source, "<answer cell>", "exec"), namespace)
    return namespace.get(name or _last_assigned(source) or "answer")


# --------------------------------------------------------------------------- notebooks
def _tags(cell) -> list:
    return list(cell.get("metadata", {}).get("tags", []))


def linked_exercise(cell) -> str | None:
    """The exercise a solution cell answers, from its metadata (``{"dbworkbook": {"exercise": "03.1"}}``)."""
    meta = cell.get("metadata", {}).get(METADATA_KEY) or {}
    return meta.get("exercise") if isinstance(meta, dict) else None


def _exercise_links(nb) -> list[tuple[int, str | None, str | None]]:
    """(cell index, exercise id, checked variable) for every solution-tagged code cell.

    The exercise is the one named in the cell's metadata (as nbgrader links its cells); a cell
    without it falls back to the nearest ``exercise("NN.k")`` call above it.
    """
    current = None
    links = []
    cells = nb.cells
    for i, cell in enumerate(cells):
        if cell.cell_type == "code":
            found = EXERCISE_CALL.findall(cell.source)
            if found and SOLUTION_TAG not in _tags(cell):
                current = found[-1]
        if SOLUTION_TAG in _tags(cell) and cell.cell_type == "code":
            var = None
            for later in cells[i + 1 :]:
                if later.cell_type != "code":
                    continue
                if EXERCISE_CALL.search(later.source):
                    break
                m = CHECK_CALL.search(later.source)
                if m:
                    var = m.group(1)
                    break
            links.append((i, linked_exercise(cell) or current, var))
    return links


def link_solution_cells(nb) -> int:
    """Write each solution cell's exercise id into its metadata (from the call above it); count."""
    count = 0
    for index, ex_id, _var in _exercise_links(nb):
        cell = nb.cells[index]
        if ex_id and linked_exercise(cell) != ex_id:
            cell.metadata.setdefault(METADATA_KEY, {})["exercise"] = ex_id
            count += 1
    return count


def _kind_of(exercise_id):
    if not exercise_id:
        return None
    from .catalog import get

    try:
        return get(exercise_id).kind
    except KeyError:
        return None


def student_notebook(nb):
    """A copy of notebook ``nb`` (nbformat) with solutions replaced and *every* output cleared
    (``dbworkbook.workbook.learner_notebook`` is the same transformation keeping lesson outputs)."""
    from ..workbook import learner_notebook

    nb, replaced = learner_notebook(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.get("dbworkbook", {}).pop("edition", None)
    return nb, replaced


def _notebook_paths(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def write_student_edition(source="notebooks", target="student") -> int:
    """Write the student edition of every notebook under ``source`` into ``target``; exit code."""
    import nbformat

    src, tgt = Path(source), Path(target)
    if not src.is_dir():
        print(f"ERROR: {src} is not a folder of notebooks.")
        return 1
    if tgt.resolve() == src.resolve() or src.resolve() in tgt.resolve().parents:
        print(f"ERROR: the student edition must go outside {src} (got {tgt}).")
        return 1
    paths = _notebook_paths(src)
    total = 0
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        student, replaced = student_notebook(nb)
        out = tgt / path.relative_to(src)
        out.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(student, out)
        total += replaced
    print(
        f"Student edition: {len(paths)} notebook(s), {total} solution cell(s) replaced by placeholders, "
        f"outputs cleared -> {tgt}/"
    )
    return 0


# --------------------------------------------------------------------------- verification
def _expect_fails(ex, answer, what: str, problems: list) -> None:
    result = ex._blank().check(answer, strict=False, quiet=True, record=False)
    if result.passed:
        problems.append(f"{ex.id}: {what} passes its check (a placeholder must fail)")
    elif len(result.message.splitlines()) < 2:
        problems.append(f"{ex.id}: {what} fails without saying why")


def _expect_passes(ex, answer, what: str, problems: list) -> None:
    result = ex._blank().check(answer, strict=False, quiet=True, record=False)
    if not result.passed:
        problems.append(f"{ex.id}: {what} does not pass its check:\n{result.message}")


def verify_student_edition(source_dir="notebooks", *, catalogs=None) -> list[str]:
    """Prove, without running the notebooks, that placeholders fail and references pass.

    For every exercise declared in the catalogs: the placeholder for its solution's type fails
    with a message, and the reference solution passes. For every notebook under ``source_dir``:
    each ``solution`` cell follows an ``exercise("NN.k")`` call naming a declared exercise, its
    student placeholder fails, and its own source (run on its own: solution cells must be
    self-contained) passes; every exercise of catalog nbNN is used in notebook NN.
    ``catalogs`` limits the catalogs checked (default: every ``nbNN``; ``["demo"]``: the tests' registered examples).
    Returns one line per notebook/catalog checked; raises AssertionError listing every problem.
    """
    import nbformat

    from .catalog import get, notebooks

    problems: list[str] = []
    report: list[str] = []
    everything = notebooks(include_registered=True)
    if catalogs is None:
        catalogs = notebooks()
    else:
        catalogs = {nb: everything.get(nb, []) for nb in catalogs}
    for nb_id, exercises in catalogs.items():
        for ex in exercises:
            try:
                placeholder = answer_from_source(placeholder_for(ex.reference, ex.kind))
            except Exception as exc:
                problems.append(f"{ex.id}: its placeholder does not run ({exc})")
                continue
            _expect_fails(ex, placeholder, "the placeholder answer", problems)
            _expect_passes(ex, ex.reference, "the reference solution", problems)
        if exercises:
            report.append(f"catalog {nb_id}: {len(exercises)} exercise(s)")

    folder = Path(source_dir)
    for path in _notebook_paths(folder) if folder.is_dir() else []:
        nb = nbformat.read(path, as_version=4)
        used = set(EXERCISE_CALL.findall("\n".join(c.source for c in nb.cells if c.cell_type == "code")))
        links = _exercise_links(nb)
        for index, ex_id, var in links:
            where = f"{path.name} cell {index}"
            if ex_id is None:
                problems.append(f'{where}: a solution cell with no exercise("NN.k") call before it')
                continue
            try:
                ex = get(ex_id)
            except KeyError as exc:
                problems.append(f"{where}: {exc.args[0]}")
                continue
            source = nb.cells[index].source
            try:
                placeholder = answer_from_source(placeholder_source(source, ex.kind), var)
                _expect_fails(ex, placeholder, f"the student placeholder in {where}", problems)
            except Exception as exc:
                problems.append(f"{where}: the student placeholder does not run ({type(exc).__name__}: {exc})")
            try:
                reference = answer_from_source(source, var)
            except Exception as exc:
                problems.append(
                    f"{where}: the solution cell does not run on its own "
                    f"({type(exc).__name__}: {exc}); solution cells must be self-contained"
                )
                continue
            _expect_passes(ex, reference, f"the solution cell in {where}", problems)
        number = path.name[:2]
        if number.isdigit():
            missing = [ex.id for ex in catalogs.get(number, []) if ex.id not in used]
            if missing:
                problems.append(
                    f"{path.name}: exercises declared in catalog/nb{number}.py but not used: " + ", ".join(missing)
                )
        report.append(f"{path.name}: {len(links)} solution cell(s)")
    if problems:
        raise AssertionError("student edition problems:\n" + "\n".join(problems))
    return report
