"""How long a notebook takes a careful first reader: the "About N minutes" of every notebook.

    python -m dbworkbook times            # core and full minutes per notebook, and the series total
    python -m dbworkbook times --markdown # the README's series table

The estimate adds up what a learner does with each cell:

* **prose**: markdown words at ``WORDS_PER_MINUTE`` (a technical text read with care, not skimmed:
  general prose is read at 200-250 words a minute, dense technical prose at about half that);
* **code**: ``CODE_CELL_MINUTES`` per code cell (run it, look at the output: a table, a plan, a
  plot) plus ``CODE_LINE_MINUTES`` per non-blank, non-comment line (read what it does);
* **exercises**: ``EXERCISE_MINUTES`` per exercise (read the task, write an answer, check it,
  read the feedback, try again once). The exercise's own cells (the ``exercise()`` call, the
  answer cell, the check) count there, not as code.

Calibration: the series' first stated times (10-45 minutes a notebook, 6.7 hours in all) were
found to be a third to a half of what a careful first reading took (13-20 hours). These
constants put the whole series at about 15 hours, in that range; a notebook's slowest part, the
dense plan-reading sections, come out at about 1 minute per 100 words plus their cells.

Cells tagged ``deep-dive`` (sections a first pass can skip, headed "Deep dive — optional") are
left out of the **core path**; the **full** time counts everything. ``tests/unit/test_estimate.py``
keeps every notebook's stated figures within ±25 % of these, and each notebook's core path at
most ``MAX_CORE_MINUTES`` (the series' at most ``MAX_SERIES_CORE_MINUTES``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

WORDS_PER_MINUTE = 170
CODE_CELL_MINUTES = 0.25
CODE_LINE_MINUTES = 0.04
EXERCISE_MINUTES = 5.0

MAX_CORE_MINUTES = 45
MAX_SERIES_CORE_MINUTES = 6 * 60
TOLERANCE = 0.25

DEEP_DIVE_TAG = "deep-dive"
SOLUTION_TAG = "solution"
# The stated figures, in the notebook's first cell:
#   **Time:** about 95 minutes (core path: about 40 minutes; ...)
STATED = re.compile(r"about (\d+) minutes \(core path: about (\d+) minutes", re.IGNORECASE)
EXERCISE_CALL = re.compile(r"""\bexercise\(\s*["']([^"']+)["']\s*\)""")
EXERCISE_CELL = re.compile(
    r"""\bexercise\(\s*["']|\bex\.(check|hint|show|solution|assert_passes)\(|^\s*ex\s*$""", re.MULTILINE
)


@dataclass
class Estimate:
    name: str
    core: float
    full: float
    words: int
    code_cells: int
    exercises: int
    stated_full: int | None = None
    stated_core: int | None = None

    @property
    def core_minutes(self) -> int:
        return round_minutes(self.core)

    @property
    def full_minutes(self) -> int:
        return round_minutes(self.full)


def round_minutes(value: float) -> int:
    """Minutes as a reader would state them: to the nearest 5."""
    return max(5, int(5 * round(value / 5)))


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _tags(cell) -> list:
    return list(cell.get("metadata", {}).get("tags", []))


def code_lines(source: str) -> int:
    return sum(1 for line in source.splitlines() if line.strip() and not line.strip().startswith("#"))


def is_exercise_cell(cell) -> bool:
    """A code cell that belongs to an exercise: its ``exercise()`` call, answer, check or hint."""
    return cell.get("cell_type") == "code" and (
        SOLUTION_TAG in _tags(cell) or bool(EXERCISE_CELL.search(_source(cell)))
    )


def cell_minutes(cell) -> float:
    source = _source(cell)
    if cell.get("cell_type") == "markdown":
        return len(source.split()) / WORDS_PER_MINUTE
    if cell.get("cell_type") != "code":
        return 0.0
    if is_exercise_cell(cell):
        return EXERCISE_MINUTES * len(set(EXERCISE_CALL.findall(source)))
    return CODE_CELL_MINUTES + CODE_LINE_MINUTES * code_lines(source)


def estimate(nb, name: str = "") -> Estimate:
    """The core and full minutes of a notebook (a dict as read from JSON, or an nbformat node)."""
    core = full = 0.0
    words = code = exercises = 0
    for cell in nb["cells"]:
        minutes = cell_minutes(cell)
        full += minutes
        if DEEP_DIVE_TAG not in _tags(cell):
            core += minutes
        source = _source(cell)
        if cell.get("cell_type") == "markdown":
            words += len(source.split())
        elif is_exercise_cell(cell):
            exercises += len(set(EXERCISE_CALL.findall(source)))
        elif cell.get("cell_type") == "code":
            code += 1
    result = Estimate(name, core, full, words, code, exercises)
    if nb["cells"]:
        m = STATED.search(_source(nb["cells"][0]))
        if m:
            result.stated_full, result.stated_core = int(m.group(1)), int(m.group(2))
    return result


def estimate_path(path: Path) -> Estimate:
    import json

    return estimate(json.loads(Path(path).read_text(encoding="utf-8")), Path(path).stem)


def series(folder: Path | None = None) -> list[Estimate]:
    from . import settings as _settings

    folder = Path(folder) if folder else _settings.project_root() / "notebooks"
    return [estimate_path(p) for p in sorted(folder.glob("[0-9][0-9]_*.ipynb"))]


def stated_line(e: Estimate) -> str:
    """The sentence a notebook's first cell carries (copy it there after changing the notebook)."""
    return (
        f"about {e.full_minutes} minutes (core path: about {e.core_minutes} minutes; "
        "the sections marked *Deep dive — optional* can wait for a second pass)"
    )


def markdown_table(estimates: list[Estimate]) -> str:
    lines = ["| notebook | core path | everything |", "| --- | ---: | ---: |"]
    for e in estimates:
        lines.append(f"| `{e.name}` | {e.core_minutes} min | {e.full_minutes} min |")
    core = sum(e.core for e in estimates)
    full = sum(e.full for e in estimates)
    lines.append(f"| **the series** | **{core / 60:.1f} h** | **{full / 60:.1f} h** |")
    return "\n".join(lines)


def cli(markdown: bool = False) -> int:
    estimates = series()
    if markdown:
        print(markdown_table(estimates))
        return 0
    print(f"{'notebook':<36} {'core':>5} {'full':>5}  {'stated':>11}  words  code  exercises")
    for e in estimates:
        stated = f"{e.stated_core}/{e.stated_full}" if e.stated_full else "—"
        print(f"{e.name:<36} {e.core:5.0f} {e.full:5.0f}  {stated:>11}  {e.words:5}  {e.code_cells:4}  {e.exercises:3}")
        if e.stated_full:
            print(
                f"{'':<36} stated: {stated_line(e)}"
                if (e.stated_full, e.stated_core) != (e.full_minutes, e.core_minutes)
                else "",
                end="",
            )
    core = sum(e.core for e in estimates)
    full = sum(e.full for e in estimates)
    print(f"{'series':<36} {core:5.0f} {full:5.0f}  (core {core / 60:.1f} h, everything {full / 60:.1f} h)")
    return 0
