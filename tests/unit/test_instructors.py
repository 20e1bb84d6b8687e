"""docs/instructors.md is generated from the notebooks and the catalogs, and is up to date.

After changing a notebook (its times, sections, deep dives) or a catalog (exercise titles, declared
wrong answers), regenerate it: ``python -m dbworkbook instructors``.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from dbworkbook import estimate, instructors
from dbworkbook.exercises.catalog import notebooks as catalogs

ROOT = Path(__file__).resolve().parents[2]


def test_the_guide_is_up_to_date():
    current = (ROOT / "docs" / "instructors.md").read_text(encoding="utf-8")
    assert current == instructors.generate(ROOT), (
        "docs/instructors.md is out of date with the notebooks or the catalogs: "
        "run `python -m dbworkbook instructors` and commit it"
    )


def test_the_guide_carries_every_time_exercise_and_wrong_answer():
    guide = instructors.generate(ROOT)
    for e in estimate.series(ROOT / "notebooks"):
        assert f"| `{e.name}` | {e.core_minutes} min | {e.full_minutes} min |" in guide
    for items in catalogs().values():
        for ex in items:
            assert f"**{ex.id} — {' '.join(ex.title.split())}**" in guide
            for wrong in ex.wrong:
                if wrong.why:
                    assert " ".join(wrong.why.split()) in guide, (ex.id, wrong.why)
    assert "<!-- GENERATED:" not in guide
    for part in ("One day", "Two days", "One week", "make doctor", "WSL2", "WHEELHOUSE="):
        assert part in guide
    notes = instructors._load_notes(ROOT)
    assert set(notes) >= {f"{n:02d}" for n in range(12)}, "objectives and prompts for every notebook"
    for nb, n in notes.items():
        assert n.get("objectives") and n.get("prompts"), nb


def _notebook(cells):
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def _md(text, tags=()):
    return {"cell_type": "markdown", "metadata": {"tags": list(tags)}, "source": text}


def test_sections_agendas_and_run_time_on_a_small_series(tmp_path):
    """The generator on synthetic notebooks: deep dives are left out of the core path and listed;
    a six-hour core path fits one day (breaks and lunch included); run time is measured."""
    (tmp_path / "docs").mkdir()
    shutil.copy(ROOT / "docs" / "instructors.template.md", tmp_path / "docs")
    (tmp_path / "docs" / "instructors.notes.yaml").write_text(
        '"00":\n  objectives: [Read a plan]\n  prompts: ["Why so?"]\n'
    )
    folder = tmp_path / "notebooks"
    folder.mkdir()
    words = " ".join(["word"] * estimate.WORDS_PER_MINUTE * 55)  # 55 minutes of prose
    for n in range(6):
        cells = [_md(f"# Notebook {n}"), _md(f"## Core part\n{words}")]
        if n == 0:
            cells += [
                _md(
                    "## Deep dive — optional: internals\n" + " ".join(["w"] * estimate.WORDS_PER_MINUTE * 20),
                    tags=["deep-dive"],
                ),
                {
                    "cell_type": "code",
                    "metadata": {
                        "tags": ["deep-dive"],
                        "execution": {
                            "iopub.execute_input": "2026-12-01T10:00:00.000Z",
                            "shell.execute_reply": "2026-12-01T10:00:42.500Z",
                        },
                    },
                    "source": "x = 1",
                    "outputs": [],
                    "execution_count": 1,
                },
            ]
        (folder / f"{n:02d}_topic{n}.ipynb").write_text(json.dumps(_notebook(cells)))
    guide = instructors.generate(tmp_path)
    assert "**Deep dives (optional):** Deep dive — optional: internals (20 min)." in guide
    assert "**Core sections:** Core part (55 min)." in guide
    assert "measured run time 42 s" in guide
    assert "more than the 6 h a day holds" not in guide  # 6 h of core path: one day
    one_day = guide.split("### One day")[1].split("### Two days")[0]
    assert one_day.count("| lunch |") == 1 and one_day.count("| break |") >= 3
    end = re.search(r"the day ends about (\d\d):(\d\d)", one_day)
    assert end and (int(end.group(1)), int(end.group(2))) <= (17, 30)
    assert "Read a plan" in guide and "Why so?" in guide
