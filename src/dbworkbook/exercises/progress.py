"""Exercise progress: which exercises a learner has passed, kept in one small JSON file.

Every ``check`` records its outcome here. The file is ``<state dir>/progress.json``
(``settings.get().progress_path``), unless:

    DBWB_PROGRESS=0 (or off/false/no)   record nothing (the test suite and nbval set this)
    DBWB_PROGRESS=/some/file.json        record there instead
    DBWB_PROGRESS_FILE=/some/file.json   record there instead (wins over DBWB_PROGRESS)

Writing is atomic (a temporary file, then a rename) and never raises: a read-only folder or a
damaged file costs the record, not the learner's notebook.

    {"version": 2, "exercises": {"03.2": {"notebook": "03", "passed": true,
        "attempts": 3, "hints_shown": 1, "revealed_at": null, "passed_after_reveal": false,
        "first_attempt_at": "...", "first_passed_at": "...", "last_checked_at": "..."}}}

The rules (tested in tests/integration/test_progress.py):
  * "done" means the learner's answer **passes now**: ``passed`` is the outcome of the latest
    check, so a later failing check makes it not done; ``make reset`` clears ``passed`` for the
    notebooks whose objects it dropped (see ``invalidate``). Attempts, hints and reveals are kept.
  * ``ex.solution()`` records ``revealed_at``; a pass after that is "passed after reading the
    answer", told apart from a plain pass.
  * the hint position survives re-running ``exercise(id)`` (``hints_shown``).
With recording off, hints and reveals are kept in memory for the kernel's life.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

OFF = {"0", "off", "false", "no", "none", "disabled"}
ON = {"", "1", "on", "true", "yes"}


def progress_path() -> Path | None:
    """Where progress is recorded, or None when recording is off."""
    override = os.environ.get("DBWB_PROGRESS_FILE", "").strip()
    if override:
        return Path(override).expanduser()
    flag = os.environ.get("DBWB_PROGRESS", "").strip()
    if flag.lower() in OFF:
        return None
    if flag.lower() in ON:
        from .. import settings as _settings

        return _settings.get().progress_path
    return Path(flag).expanduser()


def load(path: Path | None = None) -> dict:
    path = path or progress_path()
    empty = {"version": 1, "exercises": {}}
    if path is None:
        return empty
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return empty
    if not isinstance(data, dict) or not isinstance(data.get("exercises"), dict):
        return empty
    return data


def _write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".progress-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, sort_keys=True)
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


_MEMORY: dict = {"version": 2, "exercises": {}}


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def _update(exercise_id: str, notebook: str, change) -> bool:
    """Apply ``change(entry)`` to one exercise's entry and save; True when written to the file
    (False when recording is off: then it is kept in memory). Never raises."""
    try:
        path = progress_path()
        data = _MEMORY if path is None else load(path)
        entry = data["exercises"].get(exercise_id) or {}
        entry["notebook"] = notebook
        change(entry)
        data["exercises"][exercise_id] = entry
        data["version"] = 2
        if path is None:
            return False
        _write(path, data)
        return True
    except Exception:
        return False


def entry(exercise_id: str) -> dict:
    """The recorded entry of one exercise ({} when none)."""
    path = progress_path()
    data = _MEMORY if path is None else load(path)
    return dict(data["exercises"].get(exercise_id) or {})


def hints_shown(exercise_id: str) -> int:
    try:
        return int(entry(exercise_id).get("hints_shown", 0))
    except (TypeError, ValueError):
        return 0


def record_hint(exercise, shown: int) -> bool:
    def change(e):
        e["hints_shown"] = max(int(e.get("hints_shown", 0) or 0), shown)

    return _update(exercise.id, exercise.notebook, change)


def record_reveal(exercise) -> bool:
    def change(e):
        e.setdefault("revealed_at", None)
        e["revealed_at"] = e["revealed_at"] or _now()

    return _update(exercise.id, exercise.notebook, change)


def record(exercise, passed: bool) -> bool:
    """Record one check's outcome; True when it was written. Never raises."""
    now = _now()

    def change(e):
        e["passed"] = bool(passed)
        e["attempts"] = int(e.get("attempts", 0) or 0) + 1
        e["last_checked_at"] = now
        e.setdefault("first_attempt_at", now)
        e.pop("done", None)  # version 1's "ever passed": replaced by "passes now"
        if passed:
            e.setdefault("first_passed_at", now)
            e["passed_after_reveal"] = bool(e.get("revealed_at"))

    return _update(exercise.id, exercise.notebook, change)


def invalidate(notebooks) -> list[str]:
    """Mark the exercises of these notebooks as not passing now (their objects were dropped)."""
    path = progress_path()
    if path is None:
        return []
    data = load(path)
    changed = []
    for ex_id, e in data["exercises"].items():
        if e.get("notebook") in set(notebooks) and e.get("passed"):
            e["passed"] = False
            e["invalidated_at"] = _now()
            changed.append(ex_id)
    if changed:
        _write(path, data)
    return changed


def status_of(e: dict) -> str:
    """'passed', 'passed after reveal' or 'not yet' for one entry."""
    if not e.get("passed"):
        return "not yet"
    return "passed after reveal" if e.get("passed_after_reveal") else "passed"


def _notebook_names() -> dict[str, str]:
    """{'03': '03_postgres_query_optimization', ...} from the notebooks folder, when there is one."""
    from .. import settings as _settings

    folder = _settings.project_root() / "notebooks"
    names: dict[str, str] = {}
    if folder.is_dir():
        for nb in sorted(folder.glob("[0-9][0-9]_*.ipynb")):
            names.setdefault(nb.name[:2], nb.stem)
    return names


def summary() -> list[dict]:
    """One row per notebook with exercises: notebook, name, done ids, total."""
    from .catalog import notebooks

    recorded = load()["exercises"] if progress_path() is not None else _MEMORY["exercises"]
    done = {i for i, e in recorded.items() if e.get("passed")}
    names = _notebook_names()
    rows = []
    for nb, exercises in notebooks().items():
        if not exercises:
            continue
        ids = [ex.id for ex in exercises]
        rows.append(
            {
                "notebook": nb,
                "name": names.get(nb, nb),
                "done": [i for i in ids if i in done],
                "after_reveal": [i for i in ids if i in done and recorded[i].get("passed_after_reveal")],
                "total": len(ids),
            }
        )
    return rows


def print_progress() -> int:
    """Print exercises done per notebook (the CLI's ``progress``); returns an exit code."""
    path = progress_path()
    if path is None:
        print("Exercise progress is not recorded (DBWB_PROGRESS=0).")
    rows = summary()
    if not rows:
        print("No exercises are declared yet.")
        return 0
    width = max(len(r["name"]) for r in rows)
    width = max(width, len("notebook"))
    print(f"{'notebook':<{width}}  done   exercises passed")
    for r in rows:
        count = f"{len(r['done'])}/{r['total']}"
        shown = [i + ("*" if i in r["after_reveal"] else "") for i in r["done"]]
        print(f"{r['name']:<{width}}  {count:<5}  {', '.join(shown) or '—'}")
    done = sum(len(r["done"]) for r in rows)
    total = sum(r["total"] for r in rows)
    print(f"{'total':<{width}}  {done}/{total}")
    if any(r["after_reveal"] for r in rows):
        print("* passed after reading the answer (ex.solution())")
    if path is not None:
        print(f"(recorded in {path})")
    return 0


def reset_progress() -> int:
    """Forget all recorded progress (the CLI's ``reset-progress``); returns an exit code."""
    path = progress_path()
    if path is None:
        print("Exercise progress is not recorded (DBWB_PROGRESS=0): nothing to reset.")
        return 0
    try:
        path.unlink()
    except FileNotFoundError:
        print(f"No exercise progress recorded yet ({path}).")
        return 0
    except OSError as exc:
        print(f"Could not remove {path}: {exc}")
        return 1
    print(f"Exercise progress cleared ({path}).")
    return 0


# --------------------------------------------------------------------------- in a notebook
@dataclass
class NotebookProgress:
    """What ``wb.progress("03")`` shows and returns: this notebook's exercises and the series total."""

    notebook: str
    exercises: list  # (id, title, status, attempts)
    series_done: int
    series_total: int
    recording: bool

    @property
    def total(self) -> int:
        return len(self.exercises)

    def count(self, status: str) -> int:
        return sum(1 for _i, _t, s, _a in self.exercises if s == status)

    def text(self) -> str:
        lines = [
            f"Notebook {self.notebook}: {self.count('passed')} passed, "
            f"{self.count('passed after reveal')} passed after reading the answer, "
            f"{self.count('not yet')} not yet (of {self.total})"
        ]
        for ex_id, title, status, attempts in self.exercises:
            mark = "✓" if status.startswith("passed") else "·"
            tries = f"{attempts} attempt{'s' if attempts != 1 else ''}" if attempts else "not tried"
            lines.append(f"  {mark} {ex_id}  {status:<20} {tries:<12} {title}")
        lines.append(
            f"Series: {self.series_done}/{self.series_total} exercises pass now (`make progress` lists every notebook)."
        )
        if not self.recording:
            lines.append("(Progress is not recorded in this session: DBWB_PROGRESS=0.)")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.text()


def notebook_progress(notebook, show: bool = True) -> NotebookProgress:
    """This notebook's exercises (passed / passed after reveal / not yet) and the series total."""
    from .catalog import notebooks

    number = f"{int(notebook):02d}" if str(notebook).isdigit() else str(notebook)
    recording = progress_path() is not None
    recorded = load()["exercises"] if recording else _MEMORY["exercises"]
    everything = notebooks()
    exercises = []
    for ex in everything.get(number, []):
        e = recorded.get(ex.id) or {}
        exercises.append((ex.id, ex.title, status_of(e), int(e.get("attempts", 0) or 0)))
    series = [ex.id for items in everything.values() for ex in items]
    done = sum(1 for i in series if (recorded.get(i) or {}).get("passed"))
    result = NotebookProgress(number, exercises, done, len(series), recording)
    if show:
        print(result.text())
    return result
