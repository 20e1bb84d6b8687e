"""The instructor's guide, ``docs/instructors.md``, generated so that it never drifts.

    python -m dbworkbook instructors            # write docs/instructors.md
    python -m dbworkbook instructors --check    # exit 1 when it is out of date (the test does this)

Hand-written parts: ``docs/instructors.template.md`` (the prose, the room checklist) and
``docs/instructors.notes.yaml`` (per notebook: objectives and discussion prompts). Generated parts
(``<!-- GENERATED:name -->`` in the template):

* ``series``: core and full minutes per notebook from the estimator (``estimate.py``), and the
  measured run time of the committed notebook (the execution timestamps nbclient stores);
* ``agendas``: one day (the core path, with breaks), two days, a one-week onboarding track;
* ``windows``: which embedded servers publish Windows wheels (``wheelhouse.EMBEDDED_WHEELS``);
* ``notebooks``: per notebook the objectives, the core sections and the deep dives with their
  minutes, discussion prompts, and every exercise with its common wrong answers and what they
  reveal (the ``why`` of each declared ``Wrong``).
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import estimate as est

GENERATED = re.compile(r"<!-- GENERATED:([a-z_]+) -->")
DAY_START = 9 * 60  # 09:00
BLOCK_MINUTES = 100  # at most this long without a break
BREAK_MINUTES = 15
LUNCH_MINUTES = 60
LUNCH_AFTER = 3 * 60  # lunch once about three hours of work are done
ONE_DAY_CORE_LIMIT = 6 * 60


def _root() -> Path:
    from . import settings as _settings

    return _settings.project_root()


@dataclass
class Section:
    title: str
    minutes: float
    deep: bool


@dataclass
class NotebookInfo:
    number: str
    name: str
    title: str
    estimate: est.Estimate
    sections: list = field(default_factory=list)
    run_seconds: float | None = None


def _heading(cell) -> tuple[int, str] | None:
    if cell.get("cell_type") != "markdown":
        return None
    for line in est._source(cell).splitlines():
        m = re.match(r"^(#{1,3})\s+(.*)", line)
        if m:
            return len(m.group(1)), m.group(2).strip()
    return None


def sections_of(nb: dict) -> list[Section]:
    """Minutes per ``##`` section (a ``###`` deep dive inside a section is its own entry)."""
    out: list[Section] = []
    current: Section | None = None
    for cell in nb["cells"]:
        deep = est.DEEP_DIVE_TAG in est._tags(cell)
        h = _heading(cell)
        if h and (h[0] == 2 or (h[0] == 3 and deep and not (current and current.deep))):
            current = Section(h[1], 0.0, deep)
            out.append(current)
        elif current is not None and current.deep and not deep and h and h[0] <= 3:
            # a core subsection after a ### deep dive: back to the core path under its own title
            current = Section(h[1], 0.0, False)
            out.append(current)
        if current is not None:
            current.minutes += est.cell_minutes(cell)
    return [s for s in out if s.minutes > 0 or s.deep]


def run_seconds(nb: dict) -> float | None:
    """How long the committed notebook took to execute (sum of its cells' execution times)."""
    total, seen = 0.0, 0
    for cell in nb["cells"]:
        ex = (cell.get("metadata") or {}).get("execution") or {}
        start, end = ex.get("iopub.execute_input"), ex.get("shell.execute_reply")
        if start and end:
            try:
                t0 = _dt.datetime.fromisoformat(start.replace("Z", "+00:00"))
                t1 = _dt.datetime.fromisoformat(end.replace("Z", "+00:00"))
            except ValueError:
                continue
            total += max(0.0, (t1 - t0).total_seconds())
            seen += 1
    return total if seen else None


def notebooks_info(folder: Path | None = None) -> list[NotebookInfo]:
    folder = Path(folder) if folder else _root() / "notebooks"
    out = []
    for path in sorted(folder.glob("[0-9][0-9]_*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        title = path.stem
        for cell in nb["cells"]:
            h = _heading(cell)
            if h and h[0] == 1:
                title = re.sub(r"^\s*(?:Notebook\s+)?\d\d\s*[·:.—-]\s*", "", h[1])
                break
        out.append(
            NotebookInfo(path.name[:2], path.stem, title, est.estimate(nb, path.stem), sections_of(nb), run_seconds(nb))
        )
    return out


def _minutes(value: float) -> str:
    return f"{max(1, round(value))} min"


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _run(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


# --------------------------------------------------------------------------- generated parts
def series_part(infos: list[NotebookInfo]) -> str:
    lines = [
        "| notebook | core path | with the deep dives | exercises | measured run time |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for i in infos:
        e = i.estimate
        lines.append(
            f"| `{i.name}` | {e.core_minutes} min | {e.full_minutes} min | {e.exercises} | {_run(i.run_seconds)} |"
        )
    core = sum(i.estimate.core for i in infos)
    full = sum(i.estimate.full for i in infos)
    lines.append(
        f"| **the series** | **{core / 60:.1f} h** | **{full / 60:.1f} h** | "
        f"**{sum(i.estimate.exercises for i in infos)}** | |"
    )
    lines.append("")
    lines.append(
        "The measured run time is the time the reference notebook took to execute on the "
        "project's 2-core test machine (embedded servers, dataset `small`): the part of a "
        "learner's time spent waiting for the machine, included in the estimate."
    )
    return "\n".join(lines)


def _schedule(items: list[tuple[str, float]], start: int = DAY_START) -> tuple[list[str], int]:
    """A day's rows: items (label, minutes) placed in blocks with breaks and lunch."""
    rows, t, block, worked, lunched = [], start, 0, 0, False
    for label, minutes in items:
        m = max(5, int(5 * round(minutes / 5)))
        if block and block + m > BLOCK_MINUTES:
            if not lunched and worked >= LUNCH_AFTER - 30:
                rows.append(f"| {_clock(t)} | lunch | {LUNCH_MINUTES} min |")
                t, lunched = t + LUNCH_MINUTES, True
            else:
                rows.append(f"| {_clock(t)} | break | {BREAK_MINUTES} min |")
                t += BREAK_MINUTES
            block = 0
        rows.append(f"| {_clock(t)} | {label} | {m} min |")
        t, block, worked = t + m, block + m, worked + m
    rows.append(f"| {_clock(t)} | wrap-up: `make report`, questions | 15 min |")
    return rows, t + 15


def agendas_part(infos: list[NotebookInfo]) -> str:
    out = []
    core = sum(i.estimate.core for i in infos)
    out.append("### One day (the core path)")
    out.append("")
    if core > ONE_DAY_CORE_LIMIT:
        out.append(
            f"> **Today the core path is {core / 60:.1f} h, more than the 6 h a day holds.** Until the "
            "notebooks' deep dives are marked, teach 00–04 (SQL) on day one and use the two-day agenda; "
            "the table below is the whole core path as it stands."
        )
        out.append("")
    rows, end = _schedule([(f"`{i.name}` (core)", i.estimate.core) for i in infos])
    out += ["| time | what | length |", "| --- | --- | ---: |", *rows, ""]
    out.append(
        f"Core path {core / 60:.1f} h; the day ends about {_clock(end)}. Learners skip every "
        "*Deep dive — optional* section; the fast ones read them while others finish an exercise."
    )
    out.append("")
    out.append("### Two days")
    out.append("")
    halves = [
        ("Day 1: PostgreSQL and SQL (00–04)", [i for i in infos if i.number <= "04"]),
        ("Day 2: MongoDB, Redis and the capstone (05–11)", [i for i in infos if i.number > "04"]),
    ]
    for title, part in halves:
        if not part:
            continue
        items = []
        for i in part:
            deep = i.estimate.full - i.estimate.core
            label = f"`{i.name}`" + (" (with its deep dives)" if deep >= 1 else "")
            items.append((label, i.estimate.full))
        rows, end = _schedule(items)
        full = sum(i.estimate.full for i in part)
        out += [
            f"**{title}**: {full / 60:.1f} h with the deep dives "
            f"({sum(i.estimate.core for i in part) / 60:.1f} h core), ends about {_clock(end)}",
            "",
            "| time | what | length |",
            "| --- | --- | ---: |",
            *rows,
            "",
        ]
        if full > 7 * 60:
            out += [
                "More than a day with every deep dive: keep the deep dives of the notebooks your "
                "audience needs most, and leave the rest as reading.",
                "",
            ]
    out.append("### One week of self-paced onboarding (ending with the capstone)")
    out.append("")
    out.append(
        "For engineers joining a team: about two to three hours a day in the workbook, the rest "
        "on their real work. Each day ends with `make report` handed to the mentor, who runs "
        "`make class-report` on Friday morning."
    )
    out.append("")
    week = [
        ("Monday", ["00", "01", "02"]),
        ("Tuesday", ["03", "04"]),
        ("Wednesday", ["05", "06", "07"]),
        ("Thursday", ["08", "09", "10"]),
        ("Friday", ["11"]),
    ]
    by_nb = {i.number: i for i in infos}
    out += ["| day | notebooks | everything | core path |", "| --- | --- | ---: | ---: |"]
    for day, nbs in week:
        part = [by_nb[n] for n in nbs if n in by_nb]
        if not part:
            continue
        names = ", ".join(f"`{i.name}`" for i in part)
        extra = " — the capstone, then a review of the week's class report with the mentor" if "11" in nbs else ""
        out.append(
            f"| {day} | {names}{extra} | {sum(i.estimate.full for i in part) / 60:.1f} h | "
            f"{sum(i.estimate.core for i in part) / 60:.1f} h |"
        )
    return "\n".join(out)


def windows_part() -> str:
    from .wheelhouse import EMBEDDED_WHEELS

    on_windows = [name for name, plats in EMBEDDED_WHEELS.items() if "windows-x86_64" in plats]
    missing = [name for name, plats in EMBEDDED_WHEELS.items() if "windows-x86_64" not in plats]
    intel = [name for name, plats in EMBEDDED_WHEELS.items() if "macos-x86_64" not in plats]
    return "\n".join(
        [
            f"- The embedded servers do not all exist for Windows: {', '.join(on_windows)} publish Windows "
            f"wheels, but **{', '.join(missing)} does not** (checked on PyPI for the pinned versions), so "
            "`make lab` cannot run natively on Windows.",
            "- **Recommended: WSL2.** `wsl --install` (Ubuntu), then everything inside the Ubuntu shell: "
            "`sudo apt install python3 python3-venv make git`, clone, `make lab`. JupyterLab opens in the "
            "Windows browser. Keep the clone inside the Linux file system (`~/`), not under `/mnt/c` (slow).",
            "- **Or the docker backend** (Docker Desktop): `make docker-up` starts PostgreSQL 18, MongoDB 8 "
            "and Redis 8 from the official images on the same ports, then `DBWB_BACKEND=docker make lab`. "
            "Real mongod and Redis: a few outputs differ from the committed ones (timings, SecantusDB notes).",
            f"- Intel Macs: no wheels of {', '.join(intel)} for macOS x86_64 either: use the docker backend there.",
        ]
    )


def _load_notes(root: Path) -> dict:
    import yaml

    path = root / "docs" / "instructors.notes.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    return {str(k).zfill(2): v or {} for k, v in (data or {}).items()}


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def notebooks_part(infos: list[NotebookInfo], notes: dict) -> str:
    from .exercises.catalog import notebooks as catalogs

    exercises = catalogs()
    out = []
    for i in infos:
        e = i.estimate
        n = notes.get(i.number, {})
        out.append(f"### {i.number} · {i.title}")
        out.append("")
        out.append(
            f"`notebooks/{i.name}.ipynb` · core path **{e.core_minutes} min**, with the deep dives "
            f"{e.full_minutes} min · measured run time {_run(i.run_seconds)} · {e.exercises} exercises"
        )
        out.append("")
        if n.get("objectives"):
            out.append("**Objectives.** After this notebook a learner can:")
            out += [f"- {_one_line(o)}" for o in n["objectives"]]
            out.append("")
        core = [s for s in i.sections if not s.deep]
        deep = [s for s in i.sections if s.deep]
        if core:
            out.append(
                "**Core sections:** " + "; ".join(f"{_one_line(s.title)} ({_minutes(s.minutes)})" for s in core) + "."
            )
            out.append("")
        out.append(
            "**Deep dives (optional):** "
            + (
                "; ".join(f"{_one_line(s.title)} ({_minutes(s.minutes)})" for s in deep) + "."
                if deep
                else "none marked."
            )
        )
        out.append("")
        if n.get("prompts"):
            out.append("**Discussion prompts.**")
            out += [f"- {_one_line(p)}" for p in n["prompts"]]
            out.append("")
        items = exercises.get(i.number, [])
        if items:
            out.append("**Exercises, and the common wrong answers and what they reveal.**")
            out.append("")
            for ex in items:
                out.append(f"- **{ex.id} — {_one_line(ex.title)}**")
                wrongs = [w for w in ex.wrong if getattr(w, "why", "")]
                if not wrongs:
                    out.append("  - (no common wrong answers declared yet)")
                for w in wrongs:
                    out.append(f"  - {_one_line(w.why)} *(the feedback says: “{_one_line(w.says)}”)*")
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def generate(root: Path | None = None) -> str:
    root = Path(root) if root else _root()
    template = (root / "docs" / "instructors.template.md").read_text(encoding="utf-8")
    infos = notebooks_info(root / "notebooks")
    notes = _load_notes(root)
    parts = {
        "series": lambda: series_part(infos),
        "agendas": lambda: agendas_part(infos),
        "windows": windows_part,
        "notebooks": lambda: notebooks_part(infos, notes),
    }

    def fill(m):
        name = m.group(1)
        if name not in parts:
            raise RuntimeError(
                f"docs/instructors.template.md asks for an unknown generated part {name!r} (known: {', '.join(parts)})"
            )
        return parts[name]().rstrip("\n")

    return GENERATED.sub(fill, template).rstrip("\n") + "\n"


def cli(check: bool = False) -> int:
    root = _root()
    target = root / "docs" / "instructors.md"
    text = generate(root)
    current = target.read_text(encoding="utf-8") if target.exists() else ""
    if check:
        if current == text:
            print(f"{target} is up to date.")
            return 0
        print(f"{target} is out of date with the notebooks or the catalogs: run `python -m dbworkbook instructors`.")
        return 1
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(f"Wrote {target} ({'unchanged' if current == text else 'updated'}).")
    return 0
