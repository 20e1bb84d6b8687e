"""``make report`` and ``make class-report`` on real progress files, written by real checks.

Each learner's progress goes to a temporary DBWB_PROGRESS_FILE (never the checkout's own), written
by checking the demo SQLite exercise (an in-memory database: no shared server is touched).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dbworkbook import report
from dbworkbook.exercises import catalog, exercise

EX = "demo.sqlite_query"
WRONG = "SELECT name, population FROM cities WHERE population >= 100"


def _learn(monkeypatch, tmp_path: Path, name: str, actions: list[str]) -> Path:
    """Run one learner's session: 'right', 'wrong', 'hint', 'reveal' on the demo exercise."""
    progress_file = tmp_path / f"{name}-progress.json"
    monkeypatch.setenv("DBWB_PROGRESS_FILE", str(progress_file))
    monkeypatch.delenv("DBWB_STRICT_CHECKS", raising=False)
    ex = exercise(EX)
    for action in actions:
        if action == "right":
            assert ex.check(ex.reference, quiet=True).passed
        elif action == "wrong":
            assert not ex.check(WRONG, quiet=True).passed
        elif action == "hint":
            ex.hint()
        elif action == "reveal":
            ex.solution()
    return progress_file


def _write_report(monkeypatch, tmp_path, name, actions, out: Path) -> dict:
    _learn(monkeypatch, tmp_path, name, actions)
    monkeypatch.setenv("DBWB_LEARNER", name)
    json_path, html_path = report.write_report(out)
    assert json_path.name == report.slug(name) + ".json" and html_path.exists()
    return json.loads(json_path.read_text())


def _demo_row(rep: dict) -> dict:
    [row] = [r for r in rep["notebooks"] if r["notebook"] == "demo"]
    return row


def test_report_counts_passes_reveals_and_attempts(monkeypatch, tmp_path, capsys):
    rep = _write_report(monkeypatch, tmp_path, "Ada Lovelace", ["wrong", "wrong", "right"], tmp_path / "out")
    row = _demo_row(rep)
    [x] = [x for x in row["exercises"] if x["id"] == EX]
    assert (x["status"], x["attempts"], x["revealed"]) == ("passed", 3, False)
    assert row["first_activity"] and row["last_activity"] and row["first_activity"] <= row["last_activity"]
    assert rep["learner"] == "Ada Lovelace" and rep["format"] == report.FORMAT
    # every notebook of the series is listed, not yet tried
    assert {r["notebook"] for r in rep["notebooks"]} >= set(catalog.notebooks())
    assert rep["series_total"] == sum(len(v) for v in catalog.notebooks().values())

    rep = _write_report(monkeypatch, tmp_path, "Grace", ["wrong", "reveal", "right"], tmp_path / "out")
    [x] = [x for x in _demo_row(rep)["exercises"] if x["id"] == EX]
    assert (x["status"], x["attempts"], x["revealed"]) == ("passed after reveal", 2, True)
    assert rep["totals"]["passed_after_reveal"] == 1

    rep = _write_report(monkeypatch, tmp_path, "Linus", ["hint", "wrong"], tmp_path / "out")
    [x] = [x for x in _demo_row(rep)["exercises"] if x["id"] == EX]
    assert (x["status"], x["attempts"], x["hints_shown"]) == ("not yet", 1, 1)


def test_report_holds_no_answers(monkeypatch, tmp_path):
    out = tmp_path / "out"
    _write_report(monkeypatch, tmp_path, "Ada", ["wrong", "reveal", "right"], out)
    text = (out / "ada.json").read_text() + (out / "ada.html").read_text()
    from dbworkbook.exercises.core import render_answer

    for ex in catalog.all_exercises(include_registered=True):
        ref = render_answer(ex.reference)
        if len(ref) >= 25:
            assert ref not in text, ex.id
    assert WRONG not in text


def test_learner_name_falls_back_to_git(monkeypatch, tmp_path):
    monkeypatch.delenv("DBWB_LEARNER", raising=False)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.chdir(tmp_path)
    subprocess.run(["git", "config", "--global", "user.name", "Margaret Hamilton"], check=True)
    assert report.learner_name() == "Margaret Hamilton"
    monkeypatch.setenv("DBWB_LEARNER", "  Katherine  ")
    assert report.learner_name() == "Katherine"


def test_cli_report_and_class_report(monkeypatch, tmp_path):
    hand_in = tmp_path / "hand-in"
    for name, actions in [
        ("Ada", ["right"]),
        ("Grace", ["wrong", "reveal", "right"]),
        ("Linus", ["wrong", "wrong"]),
        ("Barbara", ["wrong"]),
    ]:
        _learn(monkeypatch, tmp_path, name, actions)
        env = {"DBWB_LEARNER": name}
        result = subprocess.run(
            [sys.executable, "-m", "dbworkbook", "report", "--out", str(hand_in)],
            capture_output=True,
            text=True,
            env={**__import__("os").environ, **env},
        )
        assert result.returncode == 0, result.stderr
        assert "Hand in the .json" in result.stdout
    # bad and foreign files: listed, skipped, never a crash
    (hand_in / "broken.json").write_text("{ not json")
    (hand_in / "package.json").write_text(json.dumps({"name": "left-pad", "version": "1.0.0"}))
    (hand_in / "list.json").write_text("[1, 2, 3]")
    (hand_in / "notes.txt").write_text("hello")
    (hand_in / "binary.json").write_bytes(b"\xff\xfe\x00garbage")
    raw = Path(tmp_path / "Ada-progress.json")
    (hand_in / "progress.json").write_text(raw.read_text())
    damaged = json.loads((hand_in / "ada.json").read_text())
    damaged["learner"] = "Mallory"
    damaged["notebooks"][0]["exercises"][0]["status"] = "excellent"
    (hand_in / "mallory.json").write_text(json.dumps(damaged))
    older = json.loads((hand_in / "linus.json").read_text())
    older["generated_at"] = "2020-01-01T00:00:00+00:00"
    (hand_in / "linus-old.json").write_text(json.dumps(older))

    result = subprocess.run(
        [sys.executable, "-m", "dbworkbook", "class-report", str(hand_in)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "4 learner report(s)" in result.stdout
    for name in (
        "broken.json",
        "package.json",
        "list.json",
        "notes.txt",
        "binary.json",
        "progress.json",
        "mallory.json",
        "linus-old.json",
    ):
        assert f"skipped {name}:" in result.stdout, name
    assert "raw progress.json" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    page = (hand_in / "class-report.html").read_text()
    for name in ("Ada", "Grace", "Linus", "Barbara"):
        assert f"<td>{name}</td>" in page
    reports, _skipped = report.collect(hand_in)
    summary = report.summarize(reports)
    [stuck] = [s for s in summary["stuck"] if s["id"] == EX]
    assert (stuck["tried_not_passing"], stuck["after_reveal"], stuck["passing"]) == (2, 1, 1)
    assert summary["stuck"][0]["id"] == EX  # the only exercise anyone tried
    assert summary["per_notebook"]["demo"]["complete"] == 2


def test_class_report_bad_folder(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "dbworkbook", "class-report", str(tmp_path / "nope")], capture_output=True, text=True
    )
    assert result.returncode == 1 and "is not a folder" in result.stderr and "Traceback" not in result.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    target, summary, skipped = report.write_class_report(empty)
    assert target.exists() and summary["rows"] == [] and skipped == []


def test_report_with_recording_off(monkeypatch, tmp_path):
    monkeypatch.delenv("DBWB_PROGRESS_FILE", raising=False)
    monkeypatch.setenv("DBWB_PROGRESS", "0")
    assert report.cli_report(tmp_path) == 1
    assert not list(tmp_path.iterdir())


@pytest.fixture(autouse=True)
def _no_project_progress(monkeypatch, tmp_path):
    """Never the checkout's own progress: every test starts with a temporary file."""
    monkeypatch.setenv("DBWB_PROGRESS_FILE", str(tmp_path / "unused-progress.json"))
