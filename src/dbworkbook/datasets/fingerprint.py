"""The dataset's fingerprint: what was seeded, stored as JSON, and how the live data compares.

``<state>/fingerprint.json`` records, per database and per seeded object (PostgreSQL table,
MongoDB collection, Redis key pattern, SQLite table), a count and a checksum, plus the scale,
the dataset version, the seed and NOW. ``verify()`` recomputes them on the live data.
"""

from __future__ import annotations

import contextlib
import json
import os
from datetime import UTC, datetime

from .. import settings as _settings

DATABASES = ("postgres", "mongo", "redis", "sqlite")
UNITS = {"postgres": "rows", "mongo": "documents", "redis": "keys", "sqlite": "rows"}


def path():
    return _settings.get().fingerprint_path


class StateProblem(RuntimeError):
    """A problem with the workbook's state (dataset, fingerprint) that a command fixes. Its message
    is one paragraph saying what happened and what to run; in a notebook it is shown as that
    paragraph alone (IPython calls ``_render_traceback_``), never as a traceback."""

    def _render_traceback_(self) -> list[str]:
        return [f"\x1b[31m{type(self).__name__}\x1b[0m: {self}"]


class FingerprintCorrupt(StateProblem):
    """``fingerprint.json`` exists but cannot be read as a fingerprint (truncated, not JSON, ...)."""

    def __init__(self, file, why: str):
        self.path, self.why = file, why
        super().__init__(
            f"The dataset's fingerprint {file} is corrupt ({why}), so the workbook cannot tell "
            "whether the seeded data is intact. It is usually left by a seed that was interrupted "
            "or a full disk. Run `make reset` (or `python -m dbworkbook reset`) in a terminal: it "
            "reloads the seeded data and writes a new fingerprint (your notebooks' own objects are "
            "kept unless they depend on the seeded tables; it names any it drops). Then re-run "
            "what you were doing."
        )


def inspect() -> tuple[str, dict | None, str]:
    """("ok", data, "") | ("missing", None, "") | ("corrupt", None, why) for the stored fingerprint."""
    p = path()
    try:
        text = p.read_text()
    except FileNotFoundError:
        return "missing", None, ""
    except OSError as exc:
        return "corrupt", None, f"it cannot be read: {exc.strerror or exc}"
    except UnicodeDecodeError:
        return "corrupt", None, "it is not text"
    if not text.strip():
        return "corrupt", None, "the file is empty"
    try:
        data = json.loads(text)
    except ValueError as exc:
        return (
            "corrupt",
            None,
            (
                f"not valid JSON: {getattr(exc, 'msg', exc)} at line "
                f"{getattr(exc, 'lineno', '?')}, column {getattr(exc, 'colno', '?')} "
                f"of {len(text):,} characters, probably cut short"
            ),
        )
    if not isinstance(data, dict) or not isinstance(data.get("databases"), dict):
        return "corrupt", None, 'valid JSON, but not a fingerprint: it has no "databases" entry'
    missing = [k for k in ("scale", "version") if k not in data]
    if missing:
        return "corrupt", None, f"valid JSON, but the entries {', '.join(missing)} are missing"
    return "ok", data, ""


def read(strict: bool = True) -> dict | None:
    """The stored fingerprint, or None when there is none (never seeded).

    A corrupt file raises FingerprintCorrupt (strict, what checks use), or counts as no
    fingerprint (strict=False: what seeding uses, since it writes a new one)."""
    state, data, why = inspect()
    if state == "corrupt" and strict:
        raise FingerprintCorrupt(path(), why)
    return data


def write(data: dict) -> None:
    p = path()
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    tmp.replace(p)


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@contextlib.contextmanager
def lock(exclusive: bool):
    """A file lock in the state folder: seeding is exclusive, verifying shares it (so a check
    waits for a seed running in another process instead of failing half-way)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no lock
        yield
        return
    p = _settings.get().state_dir / "seed.lock"
    p.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(p, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def compare(db: str, expected: dict, live: dict) -> list[str]:
    """Human-readable differences between the stored and the live fingerprint of one database.
    Only what ``live`` holds is compared (a quick check of MongoDB has no full checksum)."""
    unit = UNITS[db]
    out = []
    for name, exp in expected.items():
        got = live.get(name)
        what = f"{db} {name}"
        if exp is None:
            continue
        if got is None:
            out.append(f"{what}: missing")
            continue
        if "count" in got and got["count"] != exp["count"]:
            out.append(f"{what}: {got['count']:,} {unit}, expected {exp['count']:,}")
            continue
        for key in ("checksum", "sample_checksum"):
            if key in got and got[key] != exp.get(key):
                out.append(f"{what}: contents differ ({exp['count']:,} {unit}, checksum does not match)")
                break
    return out
