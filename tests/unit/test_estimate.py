"""Honest times and a core path: every notebook states what the estimator computes (±25 %), each core
path fits a sitting, the series' core path fits a day, and exercises sit where the skill is taught."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from dbworkbook import estimate

ROOT = Path(__file__).resolve().parents[2]
PATHS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
IDS = [p.stem for p in PATHS]


def _nb(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _src(cell):
    s = cell["source"]
    return "".join(s) if isinstance(s, list) else s


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_stated_times_match_the_estimate(path):
    e = estimate.estimate(_nb(path), path.stem)
    assert e.stated_full and e.stated_core, (
        f"{path.name}: its first cell must state the time; write: {estimate.stated_line(e)}"
    )
    for stated, computed, what in ((e.stated_full, e.full, "full"), (e.stated_core, e.core, "core path")):
        assert abs(stated - computed) <= estimate.TOLERANCE * computed, (
            f"{path.name}: states {stated} min for the {what}, the estimator says {computed:.0f}; "
            f"write: {estimate.stated_line(e)}"
        )
    assert e.core <= estimate.MAX_CORE_MINUTES, (
        f"{path.name}: core path {e.core:.0f} min (at most {estimate.MAX_CORE_MINUTES})"
    )


def test_the_series_core_path_fits_a_day():
    core = sum(estimate.estimate_path(p).core for p in PATHS)
    assert core <= estimate.MAX_SERIES_CORE_MINUTES, f"the series' core path is {core / 60:.1f} h (at most 6 h)"


@pytest.mark.parametrize("path", [p for p in PATHS if p.name[:2] != "00"], ids=[i for i in IDS if i[:2] != "00"])
def test_first_exercise_in_the_first_third(path):
    cells = _nb(path)["cells"]
    first = next(i for i, c in enumerate(cells) if c["cell_type"] == "code" and estimate.EXERCISE_CALL.search(_src(c)))
    assert first < len(cells) / 3, f"{path.name}: first exercise at cell {first} of {len(cells)}"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_deep_dives_are_marked_and_progress_closes_the_notebook(path):
    cells = _nb(path)["cells"]
    previous = False
    for i, cell in enumerate(cells):
        tagged = estimate.DEEP_DIVE_TAG in cell.get("metadata", {}).get("tags", [])
        if tagged and not previous:
            first_line = _src(cell).strip().splitlines()[0] if _src(cell).strip() else ""
            assert cell["cell_type"] == "markdown" and re.match(r"#+ .{0,12}Deep dive — optional", first_line), (
                f"{path.name} cell {i}: a deep dive starts with a heading '## Deep dive — optional: ...'"
            )
        previous = tagged
    last = _src(cells[-1])
    assert cells[-1]["cell_type"] == "code" and f'wb.progress("{path.name[:2]}")' in last, (
        f'{path.name}: the last cell shows wb.progress("{path.name[:2]}")'
    )


def test_readme_series_table_is_the_estimate():
    table = estimate.markdown_table([estimate.estimate_path(p) for p in PATHS])
    assert table in (ROOT / "README.md").read_text(encoding="utf-8"), (
        "README's series table is out of date: paste `python -m dbworkbook times --markdown`"
    )
