"""Progress rules of the learner's edition, on real progress files written by real checks:
answers on request (and recorded), hint position kept, "done" means "passes now"."""

from __future__ import annotations

import dataclasses
import json

import pytest

import dbworkbook as wb
from dbworkbook.exercises import catalog, exercise, progress
from dbworkbook.exercises.core import NO_MORE_HINTS

pytestmark = pytest.mark.usefixtures("demo_fixtures")  # the demo objects, once per module (conftest.py)


@pytest.fixture
def progress_file(monkeypatch, tmp_path):
    path = tmp_path / "progress.json"
    monkeypatch.setenv("DBWB_PROGRESS_FILE", str(path))
    monkeypatch.delenv("DBWB_STRICT_CHECKS", raising=False)
    return path


def _entry(path, ex_id):
    return json.loads(path.read_text())["exercises"][ex_id]


def test_solution_needs_an_attempt_or_every_hint(progress_file, capsys):
    ex = exercise("demo.pg_query")
    ex.solution()
    out = capsys.readouterr().out
    assert out.startswith("Not yet:") and "SELECT name, country" not in out
    assert not progress_file.exists() or "revealed_at" not in _entry(progress_file, "demo.pg_query")

    ex.check("SELECT 1", quiet=True)  # one attempt (wrong) unlocks it
    ex.solution()
    out = capsys.readouterr().out
    assert "SELECT name, country FROM authors" in out and "recorded as revealed" in out
    assert _entry(progress_file, "demo.pg_query")["revealed_at"]


def test_all_hints_unlock_the_solution(progress_file, capsys):
    ex = exercise("demo.mongo_pipeline")
    for _ in ex.hints:
        ex.hint()
    ex.solution()
    assert "$match" in capsys.readouterr().out
    assert _entry(progress_file, "demo.mongo_pipeline")["revealed_at"]


def test_passed_after_reveal_is_told_apart(progress_file, capsys):
    plain, helped = exercise("demo.pg_query"), exercise("demo.sqlite_query")
    plain.check(plain.reference, quiet=True)
    helped.check("SELECT 1", quiet=True)
    helped.solution()
    helped.check(helped.reference, quiet=True)
    assert progress.status_of(_entry(progress_file, "demo.pg_query")) == "passed"
    assert progress.status_of(_entry(progress_file, "demo.sqlite_query")) == "passed after reveal"


def test_hint_position_survives_rerunning_exercise(progress_file, capsys):
    ex = exercise("demo.mongo_pipeline")
    ex.hint()
    capsys.readouterr()
    again = exercise("demo.mongo_pipeline")  # the learner re-runs the exercise cell
    again.hint()
    assert capsys.readouterr().out.startswith(f"Hint 2/{len(ex.hints)}")
    again.hint()
    assert capsys.readouterr().out.strip() == NO_MORE_HINTS
    assert _entry(progress_file, "demo.mongo_pipeline")["hints_shown"] == 2


def test_hint_position_kept_in_memory_when_recording_is_off(monkeypatch, capsys):
    monkeypatch.delenv("DBWB_PROGRESS_FILE", raising=False)
    monkeypatch.setenv("DBWB_PROGRESS", "0")
    monkeypatch.setattr(progress, "_MEMORY", {"version": 2, "exercises": {}})
    exercise("demo.pg_query").hint()
    capsys.readouterr()
    exercise("demo.pg_query").hint()
    assert capsys.readouterr().out.startswith("Hint 2/")


def test_done_means_passing_now(progress_file, monkeypatch, capsys):
    fake = [
        dataclasses.replace(exercise("demo.pg_query"), id="98.1"),
        dataclasses.replace(exercise("demo.sqlite_query"), id="98.2"),
    ]
    monkeypatch.setattr(catalog, "notebooks", lambda include_registered=False: {"98": fake})
    fake[0].check(fake[0].reference, quiet=True)
    assert _entry(progress_file, "98.1")["passed"] is True
    fake[0].check("SELECT 1", quiet=True)  # a later failing check: not done any more
    e = _entry(progress_file, "98.1")
    assert e["passed"] is False and e["attempts"] == 2 and e["first_passed_at"]
    fake[0].check(fake[0].reference, quiet=True)
    fake[1].check(fake[1].reference, quiet=True)
    assert progress.invalidate(["98"]) == ["98.1", "98.2"]  # a reset dropped the notebook's objects
    e = _entry(progress_file, "98.1")
    assert e["passed"] is False and e["attempts"] == 3 and e["invalidated_at"]
    shown = wb.progress("98")
    assert shown.total == 2 and shown.count("not yet") == 2
    assert "Notebook 98: 0 passed" in capsys.readouterr().out


def test_notebook_progress_view(progress_file, monkeypatch, capsys):
    fake = [
        dataclasses.replace(exercise("demo.pg_query"), id="97.1"),
        dataclasses.replace(exercise("demo.sqlite_query"), id="97.2"),
        dataclasses.replace(exercise("demo.pg_ddl"), id="97.3"),
    ]
    monkeypatch.setattr(catalog, "notebooks", lambda include_registered=False: {"97": fake})
    fake[0].check(fake[0].reference, quiet=True)
    fake[1].check("SELECT 1", quiet=True)
    fake[1].solution()
    fake[1].check(fake[1].reference, quiet=True)
    capsys.readouterr()
    shown = wb.progress(97)
    text = capsys.readouterr().out
    assert (shown.count("passed"), shown.count("passed after reveal"), shown.count("not yet")) == (1, 1, 1)
    assert text.splitlines()[0] == "Notebook 97: 1 passed, 1 passed after reading the answer, 1 not yet (of 3)"
    assert "Series: 2/3 exercises pass now" in text
