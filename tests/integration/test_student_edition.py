"""The student edition: placeholders in place of solutions, and no check that passes vacuously.

A tiny notebook is built on the fly with SQL, MongoDB and Redis exercises from the demo catalog;
its reference edition and its student edition are both executed in a real kernel.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from dbworkbook.exercises import student
from tests import demo_catalog as demo

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = {"tags": ["solution"]}


def build_notebook():
    cells = [
        new_markdown_cell("# Demo · Check exercises against real servers"),
        new_code_cell(
            "import sys\n"
            f"sys.path.insert(0, {str(ROOT)!r})  # the demo catalog is test code, beside the package\n"
            "from dbworkbook.exercises import exercise\n"
            "from tests import demo_catalog\n"
            "demo_catalog.install_fixtures()"
        ),
        new_markdown_cell("### Exercise — List the Norwegian authors by name"),
        new_code_cell('ex = exercise("demo.pg_query")\nex'),
        new_code_cell(
            'answer = """\nSELECT name, country\nFROM authors\nWHERE country = \'NO\'\nORDER BY name\n"""',
            metadata=SOLUTION,
        ),
        new_code_cell("ex.check(answer)"),
        new_code_cell("ex.hint()"),
        new_code_cell('fx = exercise("demo.mongo_filter")'),
        new_code_cell('books_filter = {"author": "Author 3", "year": 2013}', metadata=SOLUTION),
        new_code_cell("fx.check(books_filter)"),
        new_code_cell('px = exercise("demo.mongo_pipeline")'),
        new_code_cell(
            'pipeline = [\n    {"$match": {"year": {"$gte": 2015}}},\n'
            '    {"$group": {"_id": "$year", "books": {"$sum": 1}, "avg_price": {"$avg": "$price"}}},\n'
            '    {"$sort": {"_id": 1}},\n]',
            metadata=SOLUTION,
        ),
        new_code_cell("px.check(pipeline)"),
        new_code_cell('cx = exercise("demo.redis_commands")'),
        new_code_cell('commands = ["SET user:1:name Ada", "EXPIRE user:1:name 60"]', metadata=SOLUTION),
        new_code_cell("cx.check(commands)"),
        new_code_cell('rx = exercise("demo.redis_function")'),
        new_code_cell(
            'def queue_jobs(r):\n    r.rpush("jobs", "resize:1", "resize:2", "email:7")\n    return r.llen("jobs")',
            metadata=SOLUTION,
        ),
        new_code_cell("rx.check(queue_jobs)"),
        new_markdown_cell("The worked solution: RPUSH returns the new length too.", metadata=SOLUTION),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def _text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")


def _check_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code" and ".check(" in c.source]


def _execute(path, monkeypatch, strict: bool):
    from nbclient import NotebookClient

    monkeypatch.setenv("DBWB_PROGRESS", "0")
    if strict:
        monkeypatch.setenv("DBWB_STRICT_CHECKS", "1")
    else:
        monkeypatch.delenv("DBWB_STRICT_CHECKS", raising=False)
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


@pytest.fixture(scope="module")
def editions(tmp_path_factory):
    from dbworkbook import connect

    try:
        connect.ping_all()
    except connect.ConnectionFailed as exc:  # pragma: no cover
        pytest.skip(f"servers not running: {exc}")
    root = tmp_path_factory.mktemp("editions")
    (root / "notebooks").mkdir()
    nbformat.write(build_notebook(), root / "notebooks" / "99_demo.ipynb")
    assert student.write_student_edition(root / "notebooks", root / "student") == 0
    yield root
    demo.remove_fixtures()


def test_student_edition_replaces_solutions_and_clears_outputs(editions):
    source = nbformat.read(editions / "notebooks" / "99_demo.ipynb", as_version=4)
    target = nbformat.read(editions / "student" / "99_demo.ipynb", as_version=4)
    assert len(source.cells) == len(target.cells)
    replaced = {i: c.source for i, c in enumerate(target.cells) if "solution" in c.metadata.get("tags", [])}
    assert list(replaced.values()) == [
        'answer = """-- write your SQL here"""',
        "books_filter = {}  # your filter here",
        "pipeline = []  # your pipeline here",
        "commands = []  # your Redis commands here",
        "def queue_jobs(r):\n    ...  # your Redis commands here",
        student.MARKDOWN_PLACEHOLDER,
    ]
    for i, cell in enumerate(target.cells):
        if i not in replaced:
            assert cell.source == source.cells[i].source
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


def test_reference_edition_passes_every_check(editions, monkeypatch):
    nb = _execute(editions / "notebooks" / "99_demo.ipynb", monkeypatch, strict=True)
    outputs = [_text(c) for c in _check_cells(nb)]
    assert len(outputs) == 5
    for out in outputs:
        assert out.startswith("✓ demo.") and out.count("\n") == 1, out
    hint = next(c for c in nb.cells if c.source == "ex.hint()")
    assert _text(hint) == "Hint 1/2: Filter with WHERE country = 'NO'.\n"
    assert not any(o.get("output_type") == "error" for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def test_student_edition_fails_every_check_with_a_message(editions, monkeypatch):
    nb = _execute(editions / "student" / "99_demo.ipynb", monkeypatch, strict=False)
    outputs = [_text(c) for c in _check_cells(nb)]
    assert len(outputs) == 5
    for out in outputs:
        assert out.startswith("✗ demo."), out
        assert "You have not written an answer yet: replace the placeholder with your" in out
    assert not any(o.get("output_type") == "error" for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def test_verify_student_edition(editions):
    report = student.verify_student_edition(editions / "notebooks", catalogs=["demo"])
    assert "99_demo.ipynb: 5 solution cell(s)" in report
    assert "catalog demo: 10 exercise(s)" in report


def test_verify_reports_a_broken_solution_cell(editions, tmp_path):
    nb = build_notebook()
    nb.cells[4].source = 'answer = "SELECT name, country FROM authors ORDER BY name"'  # wrong rows
    nb.cells[8].source = 'books_filter = {"author": AUTHOR}'  # not self-contained
    nb.cells[13].source = "# the exercise() call is gone"
    (tmp_path / "nb").mkdir()
    nbformat.write(nb, tmp_path / "nb" / "99_broken.ipynb")
    with pytest.raises(AssertionError) as info:
        student.verify_student_edition(tmp_path / "nb", catalogs=[])
    text = str(info.value)
    assert "demo.pg_query: the solution cell in 99_broken.ipynb cell 4 does not pass its check" in text
    assert "99_broken.ipynb cell 8: the solution cell does not run on its own (NameError" in text
    # cell 14's nearest exercise() call is now the pipeline exercise's: a list of commands is wrong there
    assert "demo.mongo_pipeline: the solution cell in 99_broken.ipynb cell 14 does not pass" in text
