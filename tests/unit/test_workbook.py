"""The learner's edition (workbook/): what it hides, what it keeps, and the update rule on real files."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from dbworkbook import workbook
from dbworkbook.exercises.catalog import all_exercises
from dbworkbook.exercises.core import render_answer

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
MIN_FINGERPRINT = 30


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def fingerprints(ex) -> list[str]:
    """Pieces of an exercise's reference answer that must not appear in the learner's edition."""
    answer = ex.reference
    if isinstance(answer, str):
        pieces = [answer]
    elif callable(answer):
        pieces = ["\n".join(render_answer(answer).splitlines()[1:])]  # the body, not the "def" line
    else:
        pieces = [json.dumps(answer, default=str), repr(answer)]
    return [_norm(p) for p in pieces if len(_norm(p)) >= MIN_FINGERPRINT]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    target = tmp_path_factory.mktemp("wb") / "workbook"
    workbook.update(NOTEBOOKS, target, quiet=True)
    return target


def _cells_text(nb: dict) -> str:
    parts = []
    for cell in nb["cells"]:
        src = cell["source"]
        parts.append("".join(src) if isinstance(src, list) else src)
        for out in cell.get("outputs", []):
            parts.append(json.dumps(out))
    return _norm("\n".join(parts))


def test_no_reference_solution_anywhere_in_the_workbook(generated):
    texts = {p.name: _cells_text(json.loads(p.read_text())) for p in generated.glob("*.ipynb")}
    assert len(texts) == len(list(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")))
    leaks = []
    for ex in all_exercises():
        for piece in fingerprints(ex):
            for name, text in texts.items():
                if piece in text:
                    leaks.append(f"{ex.id}: {piece[:70]!r} in workbook/{name}")
    assert not leaks, "\n".join(leaks)


def test_lesson_outputs_kept_exercise_outputs_cleared(generated):
    for path in sorted(generated.glob("*.ipynb")):
        nb = json.loads(path.read_text())
        ref = json.loads((NOTEBOOKS / path.name).read_text())
        assert len(nb["cells"]) == len(ref["cells"])
        kept = 0
        for cell, ref_cell in zip(nb["cells"], ref["cells"], strict=True):
            if cell["cell_type"] != "code":
                continue
            if workbook.is_exercise_cell(ref_cell):
                assert cell["outputs"] == [] and cell["execution_count"] is None, (path.name, cell["source"])
            else:
                assert cell["outputs"] == ref_cell["outputs"]
                kept += bool(cell["outputs"])
        assert kept > 0, f"{path.name}: no lesson output kept"


def _reference_copy(tmp_path) -> Path:
    ref = tmp_path / "notebooks"
    ref.mkdir()
    for name in ("00_getting_started.ipynb", "01_choosing_a_database.ipynb"):
        shutil.copy(NOTEBOOKS / name, ref / name)
    return ref


def _edit_reference(path: Path, text: str) -> None:
    nb = nbformat.read(str(path), as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell(text))
    nbformat.write(nb, str(path))


def test_update_rule_on_real_files(tmp_path, capsys):
    ref = _reference_copy(tmp_path)
    target = tmp_path / "workbook"
    first = workbook.update(ref, target)
    assert sorted(first.written) == ["00_getting_started.ipynb", "01_choosing_a_database.ipynb"]

    # the learner edits 01, leaves 00 alone (but runs and saves it: outputs are not a change), adds a notebook
    nb01 = target / "01_choosing_a_database.ipynb"
    mine = nbformat.read(str(nb01), as_version=4)
    mine.cells.insert(3, nbformat.v4.new_code_cell("my_note = 'mine'"))
    nbformat.write(mine, str(nb01))
    nb00 = target / "00_getting_started.ipynb"
    ran = json.loads(nb00.read_text())
    ran["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "ran it\n"}]
    nb00.write_text(json.dumps(ran))
    added = target / "99_my_experiments.ipynb"
    added.write_text('{"my": "own file"}')
    capsys.readouterr()

    # nothing changed upstream: nothing is touched
    again = workbook.update(ref, target)
    assert (
        not again.written
        and not again.updated
        and sorted(again.unchanged) == sorted(["00_getting_started.ipynb", "01_choosing_a_database.ipynb"])
        and not again.lines
    )
    assert "ran it" in nb00.read_text()

    # upstream changes both: 00 (unchanged by the learner) is replaced, 01 is kept and .new written beside it
    _edit_reference(ref / "00_getting_started.ipynb", "An update to 00.")
    _edit_reference(ref / "01_choosing_a_database.ipynb", "An update to 01.")
    capsys.readouterr()
    upd = workbook.update(ref, target)
    out = capsys.readouterr().out
    assert upd.updated == ["00_getting_started.ipynb"] and upd.kept == ["01_choosing_a_database.ipynb"]
    assert "An update to 00." in nb00.read_text()
    assert "my_note = 'mine'" in nb01.read_text() and "An update to 01." not in nb01.read_text()
    new = target / "01_choosing_a_database.new.ipynb"
    assert "An update to 01." in new.read_text()
    assert "workbook/01_choosing_a_database.ipynb has your changes, so it was kept" in out
    assert added.read_text() == '{"my": "own file"}'

    # running the update again says nothing new and touches nothing
    before = nb01.read_text()
    capsys.readouterr()
    workbook.update(ref, target)
    assert "has your changes" not in capsys.readouterr().out and nb01.read_text() == before


def test_corrupt_and_deleted_notebooks(tmp_path, capsys):
    ref = _reference_copy(tmp_path)
    target = tmp_path / "workbook"
    workbook.update(ref, target, quiet=True)
    broken = target / "00_getting_started.ipynb"
    broken.write_text('{"cells": [ truncated')
    (target / "01_choosing_a_database.ipynb").unlink()
    capsys.readouterr()
    report = workbook.update(ref, target)
    out = capsys.readouterr().out
    assert report.written == ["01_choosing_a_database.ipynb"]
    [(name, kept_as)] = report.broken
    assert name == "00_getting_started.ipynb" and (target / kept_as).read_text() == '{"cells": [ truncated'
    assert f"kept as workbook/{kept_as}" in out and "notebooks/00_getting_started.ipynb" in out
    assert json.loads(broken.read_text())["cells"]

    shutil.rmtree(target)  # the whole workbook/ deleted by hand: regenerated
    assert len(workbook.update(ref, target, quiet=True).written) == 2


def test_editions_and_lab_command(capsys):
    assert workbook.cli_lab("bogus", [], dry_run=True) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "workbook" in err and "reference" in err
    cmd = workbook.lab_command("workbook", ["--no-browser"])
    assert (
        any(c.endswith("/workbook") for c in cmd) and "--LabApp.default_url=/lab/tree/00_getting_started.ipynb" in cmd
    )
    assert any(c.endswith("/notebooks") for c in workbook.lab_command("reference", []))


def test_lab_settings_stay_in_this_environment(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    path = workbook.lab_settings()
    assert path == tmp_path / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    data = json.loads(path.read_text())
    assert data["@jupyterlab/apputils-extension:notification"] == {"fetchNews": "false", "checkForUpdates": False}


def test_the_installed_environment_has_the_settings():
    path = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    assert path.exists(), "make install writes them (python -m dbworkbook lab-settings)"


def test_nothing_deletes_the_workbook():
    makefile = (ROOT / "Makefile").read_text()
    for line in makefile.splitlines():
        if "rm " in line:
            assert not re.search(r"(^|[\s/])workbook/?(\s|$)", line), line
    src = "\n".join(p.read_text() for p in (ROOT / "src" / "dbworkbook").rglob("*.py"))
    assert not re.search(r"rmtree\([^)]*workbook", src)


def test_make_workbook_from_the_command_line(tmp_path):
    # the CLI on a copy of the project layout (DBWB_ROOT): the learner's first `make workbook`
    (tmp_path / "notebooks").mkdir()
    shutil.copy(NOTEBOOKS / "00_getting_started.ipynb", tmp_path / "notebooks")
    env = {"DBWB_ROOT": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-m", "dbworkbook", "workbook"], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "workbook" / "00_getting_started.ipynb").exists()
    assert "1 written" in out.stdout
