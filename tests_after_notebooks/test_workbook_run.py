"""A learner presses "Run All" in every notebook of a fresh workbook/, no answer written: every cell
runs without error and every unanswered exercise prints its "not yet" line.

It runs on a temporary copy, last (after the checks of tests_after_notebooks/), because running a
notebook resets what the notebook owns."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from dbworkbook import workbook
from dbworkbook.estimate import EXERCISE_CALL

ROOT = Path(__file__).resolve().parents[1]
PATHS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture(scope="module")
def learner_copy(tmp_path_factory):
    target = tmp_path_factory.mktemp("learner") / "workbook"
    workbook.update(ROOT / "notebooks", target, quiet=True)
    return target


@pytest.mark.parametrize("name", [p.name for p in PATHS], ids=[p.stem for p in PATHS])
def test_run_all_in_the_learners_notebook(name, learner_copy, monkeypatch):
    monkeypatch.delenv("DBWB_STRICT_CHECKS", raising=False)
    monkeypatch.setenv("DBWB_PROGRESS", "0")
    nb = nbformat.read(str(learner_copy / name), as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    errors, not_yet, checks = [], 0, 0
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                errors.append(f"cell {i}: {out.get('ename')}: {out.get('evalue')}")
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                errors.append(f"cell {i} wrote to stderr: {out.get('text', '')[:200]}")
        if "ex.check(" in cell.source:
            checks += 1
            text = json.dumps(cell.get("outputs", []))
            not_yet += "not yet" in text
    assert not errors, "\n".join(errors)
    assert not_yet == checks, f"{name}: {checks - not_yet} of {checks} unanswered checks did not say 'not yet'"
    assert checks >= len({m for c in nb.cells if c.cell_type == "code" for m in EXERCISE_CALL.findall(c.source)})
