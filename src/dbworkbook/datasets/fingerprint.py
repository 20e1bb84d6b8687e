"""The dataset's fingerprint: what was seeded, stored as JSON, and how the live data compares.

``<state>/fingerprint.json`` records, per database and per seeded object (PostgreSQL table,
MongoDB collection, Redis key pattern, SQLite table), a count and a checksum, plus the scale,
the dataset version, the seed and NOW. ``verify()`` recomputes them on the live data.
"""
from __future__ import annotations

import contextlib
import json
import os
from datetime import datetime, timezone

from .. import settings as _settings

DATABASES = ("postgres", "mongo", "redis", "sqlite")
UNITS = {"postgres": "rows", "mongo": "documents", "redis": "keys", "sqlite": "rows"}


def path():
    return _settings.get().fingerprint_path


def read() -> dict | None:
    try:
        data = json.loads(path().read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and "databases" in data else None


def write(data: dict) -> None:
    p = path()
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    tmp.replace(p)


def now_utc() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


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


def compare(db: str, expected: dict, live: dict, quick: bool) -> list[str]:
    """Human-readable differences between the stored and the live fingerprint of one database."""
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
