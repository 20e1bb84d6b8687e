"""Exercise progress: which exercises a learner has passed, kept in one small JSON file.

Every ``check`` records its outcome here. The file is ``<state dir>/progress.json``
(``settings.get().progress_path``), unless:

    DBWB_PROGRESS=0 (or off/false/no)   record nothing (the test suite and nbval set this)
    DBWB_PROGRESS=/some/file.json        record there instead
    DBWB_PROGRESS_FILE=/some/file.json   record there instead (wins over DBWB_PROGRESS)

Writing is atomic (a temporary file, then a rename) and never raises: a read-only folder or a
damaged file costs the record, not the learner's notebook.

    {"version": 1, "exercises": {"03.2": {"notebook": "03", "passed": true, "done": true,
        "attempts": 3, "first_passed_at": "...", "last_checked_at": "..."}}}
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import tempfile
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
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def record(exercise, passed: bool) -> bool:
    """Record one check's outcome; True when it was written. Never raises."""
    try:
        path = progress_path()
        if path is None:
            return False
        data = load(path)
        now = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        entry = data["exercises"].get(exercise.id) or {}
        entry.update(notebook=exercise.notebook, passed=bool(passed),
                     attempts=int(entry.get("attempts", 0)) + 1, last_checked_at=now)
        entry["done"] = bool(entry.get("done")) or bool(passed)
        if passed and not entry.get("first_passed_at"):
            entry["first_passed_at"] = now
        data["exercises"][exercise.id] = entry
        data["version"] = 1
        _write(path, data)
        return True
    except Exception:  # noqa: BLE001 - progress must never break a notebook
        return False


def _notebook_names() -> dict[str, str]:
    """{'03': '03_postgres_query_optimization', ...} from the notebooks folder, when there is one."""
    from .. import settings as _settings

    folder = _settings.project_root() / "notebooks"
    names = {}
    if folder.is_dir():
        for nb in sorted(folder.glob("[0-9][0-9]_*.ipynb")):
            names.setdefault(nb.name[:2], nb.stem)
    return names


def summary() -> list[dict]:
    """One row per notebook with exercises: notebook, name, done ids, total."""
    from .catalog import notebooks

    done = {i for i, e in load()["exercises"].items() if e.get("done")}
    names = _notebook_names()
    rows = []
    for nb, exercises in notebooks().items():
        if not exercises:
            continue
        ids = [ex.id for ex in exercises]
        rows.append({"notebook": nb, "name": names.get(nb, nb),
                     "done": [i for i in ids if i in done], "total": len(ids)})
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
        print(f"{r['name']:<{width}}  {count:<5}  {', '.join(r['done']) or '—'}")
    done = sum(len(r["done"]) for r in rows)
    total = sum(r["total"] for r in rows)
    print(f"{'total':<{width}}  {done}/{total}")
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
