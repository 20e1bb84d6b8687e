"""seed / reset / verify / ensure_seeded / summary. They print nothing (but progress bars on a
terminal, and reset's note about dropped notebook objects): the CLI (``__main__``) prints results."""

from __future__ import annotations

import time

from .. import connect
from .. import settings as _settings
from . import fingerprint as fp
from . import load_mongo, load_postgres, load_redis
from .loaders import PG_SCHEMA, REDIS_DB, Generation, load_all, seeded_loaders
from .spec import NOW, SEED, VERSION, scale_spec

DATABASES = fp.DATABASES


class DatasetMismatch(fp.StateProblem):
    """The live data is not the seeded dataset; the message says what differs and what to run."""

    def __init__(self, message: str, problems: dict | None = None):
        super().__init__(message)
        self.problems = problems or {}


# ------------------------------------------------------------------------------- checks
def _check(stored: dict, databases, quick: bool) -> tuple[dict, dict]:
    """({db: [differences]}, {db: seconds})."""
    problems, seconds = {}, {}
    for loader in seeded_loaders(databases):
        db = loader.name
        t = time.perf_counter()
        if db not in stored.get("databases", {}):
            problems[db] = [f"{db}: not part of the stored fingerprint"]
            continue
        objects = stored["databases"][db]["objects"]
        problems[db] = fp.compare(db, objects, loader.fingerprint(objects, quick))
        seconds[db] = time.perf_counter() - t
    return problems, seconds


def _notes(databases, quick: bool) -> list[str]:
    notes = []
    try:
        if "postgres" in databases:
            extra = load_postgres.secondary_indexes(PG_SCHEMA)
            if extra:
                notes.append("PostgreSQL indexes added to the seeded tables: " + ", ".join(extra))
        if "mongo" in databases:
            extra = load_mongo.extra_indexes()
            if extra:
                notes.append("MongoDB indexes added to the seeded collections: " + ", ".join(extra))
        if "redis" in databases and not quick:
            extra = load_redis.other_keys(connect.redis(db=REDIS_DB))
            if extra:
                notes.append("Redis db 0 holds keys the seed did not write, e.g. " + ", ".join(extra))
    except Exception:
        pass
    return notes


def _mismatch_message(stored: dict, problems: dict) -> str:
    lines = [
        f"The seeded dataset ({stored.get('scale')}, seeded {stored.get('seeded_at', '?')}) "
        "differs from its fingerprint:"
    ]
    for diffs in problems.values():
        lines += [f"  - {d}" for d in diffs]
    lines.append(
        "Run `make reset` (or `python -m dbworkbook reset`) to restore it. Only the seeded "
        "objects are reloaded: notebooks keep their own (PostgreSQL schema nbNN, MongoDB "
        "collections nbNN_*, Redis db NN)."
    )
    return "\n".join(lines)


def _never_seeded(databases) -> DatasetMismatch:
    return DatasetMismatch(
        "The dataset has not been seeded yet (no fingerprint at "
        f"{fp.path()}). Run `make seed` (or `python -m dbworkbook seed`), then re-run this cell.",
        {db: ["never seeded"] for db in databases},
    )


def verify(databases=DATABASES, quick: bool = True) -> dict:
    """Check the live seeded data against the stored fingerprint.

    quick=True compares counts and cheap checksums (well under a second on ``small``);
    quick=False reads everything. Raises DatasetMismatch (with what differs and what to run).
    """
    databases = tuple(databases)
    unknown = set(databases) - set(DATABASES)
    if unknown:
        raise ValueError(f"unknown database(s) {sorted(unknown)}: choose from {DATABASES}")
    with fp.lock(exclusive=False):
        stored = fp.read()
        if stored is None:
            raise _never_seeded(databases)
        t = time.perf_counter()
        problems, seconds = _check(stored, databases, quick)
    bad = {db: d for db, d in problems.items() if d}
    if bad:
        raise DatasetMismatch(_mismatch_message(stored, bad), bad)
    return {
        "ok": True,
        "scale": stored["scale"],
        "version": stored["version"],
        "quick": quick,
        "databases": list(databases),
        "seconds": time.perf_counter() - t,
        "seconds_per_database": seconds,
        "notes": _notes(databases, quick),
    }


# ------------------------------------------------------------------------------- seeding
def _load(spec, databases, quiet: bool, stored: dict | None) -> dict:
    """Generate and load ``databases`` (see ``loaders.load_all``), then write the fingerprint."""
    t0 = time.perf_counter()
    timings, entries = load_all(seeded_loaders(databases), Generation(spec, quiet=quiet))
    record = {
        "dataset": "dbworkbook",
        "version": VERSION,
        "scale": spec.name,
        "seed": SEED,
        "now": NOW.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seeded_at": fp.now_utc(),
        "backend": _settings.get().backend,
        "sizes": spec.as_dict(),
        "databases": {**(stored["databases"] if stored else {}), **entries},
    }
    fp.write(record)
    timings["seconds"] = time.perf_counter() - t0
    return {
        "status": "seeded",
        "scale": spec.name,
        "databases": list(databases),
        "seconds": timings["seconds"],
        "timings": timings,
        "summary": _summary_of(record),
    }


def seed(scale: str | None = None, force: bool = False, quiet: bool = False, databases=DATABASES) -> dict:
    """Generate and load the dataset; idempotent.

    If the stored fingerprint is for this scale and version and the live data matches it, nothing
    is loaded. Otherwise only the databases that differ are dropped and reloaded (all of them
    when the scale or version changed, or with force=True). Only seeded objects are touched.
    Unless quiet, progress bars are shown on a terminal; nothing is printed (the CLI prints the
    result). Returns {"status": "unchanged" | "seeded" | "repaired", "scale", "databases",
    "seconds", "timings" (when something was loaded), "summary", "notes"}.
    """
    spec = scale_spec(scale)
    databases = tuple(db for db in DATABASES if db in databases)
    t0 = time.perf_counter()
    notes = []
    if "postgres" in databases:
        notes.append(load_postgres.ensure_pg_stat_statements())
    with fp.lock(exclusive=True):
        # A corrupt fingerprint counts as none: everything is reloaded and a new one written.
        stored = fp.read(strict=False)
        same = stored is not None and stored.get("scale") == spec.name and stored.get("version") == VERSION
        todo = databases
        result = None
        if stored is not None and same and not force:
            problems, _ = _check(stored, databases, quick=False)
            todo = tuple(db for db in databases if problems.get(db))
            if not todo:
                result = {
                    "status": "unchanged",
                    "scale": spec.name,
                    "databases": list(databases),
                    "seconds": time.perf_counter() - t0,
                    "summary": _summary_of(stored),
                }
        if result is None:
            result = _load(spec, todo, quiet, stored if same else None)
            if same and not force:
                result["status"] = "repaired"
    result["notes"] = notes
    return result


def reset(scale: str | None = None, databases=DATABASES, quiet: bool = False) -> dict:
    """Drop and reload the seeded objects (restores the seeded state exactly).

    Works after any notebook ran: the notebook objects that depend on the seeded PostgreSQL
    tables (e.g. notebook 01's materialized view nb01.top_posts on posts) are dropped with them,
    named, and those notebooks' exercises stop counting as passing until the notebook runs again
    (it rebuilds them). Nothing outside schema public and the nbNN schemas is ever dropped: if
    another object depends on a seeded table, SeedBlocked names it and nothing changes. MongoDB
    and Redis need no such step: a notebook's view on a seeded collection (nbNN_*) is resolved
    when it is read, so it works again once the collection is reloaded.
    Returns seed()'s result plus "dropped": [(notebook, description)].
    """
    databases = tuple(db for db in DATABASES if db in databases)
    dropped: list = []
    if "postgres" in databases:
        with fp.lock(exclusive=True):
            conn = connect.postgres()
            try:
                dropped = load_postgres.drop_for_reset(conn, PG_SCHEMA)
            finally:
                conn.close()
    invalidated: list = []
    if dropped:
        from ..exercises.progress import invalidate

        invalidated = invalidate(sorted({nb for nb, _ in dropped}))
        if not quiet:
            print(_dropped_message(dropped, invalidated))
    result = seed(scale, force=True, quiet=quiet, databases=databases)
    result["dropped"] = dropped
    result["invalidated"] = invalidated
    return result


def _dropped_message(dropped: list, invalidated: list) -> str:
    notebooks = sorted({nb for nb, _ in dropped})
    line = (
        "reset: dropped notebook objects that depend on the seeded tables (each notebook "
        "rebuilds its own when it runs): " + "; ".join(d for _, d in dropped) + "."
    )
    line += (
        f" Exercises of notebook{'s' if len(notebooks) > 1 else ''} {', '.join(notebooks)} "
        "no longer count as passing until you run "
        f"{'them' if len(notebooks) > 1 else 'it'} again"
    )
    line += f" ({len(invalidated)} were passing)." if invalidated else "."
    return line


def ensure_seeded(databases=DATABASES, quiet: bool = True) -> dict:
    """Verify the seeded data (quick); seed it if it was never seeded. Raises DatasetMismatch
    when the data differs from what was seeded (the message says to run `make reset`)."""
    if fp.read() is None:  # a corrupt fingerprint raises FingerprintCorrupt (what to run)
        seed(quiet=quiet)
    return verify(databases, quick=True)


# ------------------------------------------------------------------------------- summary
def _summary_of(record: dict) -> dict:
    dbs = record.get("databases", {})

    def count(db, name):
        obj = dbs.get(db, {}).get("objects", {}).get(name)
        return obj["count"] if obj else None

    out = {
        "scale": record["scale"],
        "version": record.get("version"),
        "seeded": True,
        "now": record.get("now"),
        "seeded_at": record.get("seeded_at"),
        "users": count("postgres", "users"),
        "posts": count("postgres", "posts"),
        "categories": count("postgres", "categories"),
    }
    if "mongo" in dbs:
        out["mongo"] = {k: (v or {}).get("count") for k, v in dbs["mongo"]["objects"].items()}
        out["orders"] = out["mongo"].get("orders")
    if "redis" in dbs:
        out["redis_keys"] = sum((v or {}).get("count", 0) for v in dbs["redis"]["objects"].values())
    if "sqlite" in dbs:
        out["sqlite"] = {k: (v or {}).get("count") for k, v in dbs["sqlite"]["objects"].items()}
    return out


def summary() -> dict:
    """One line's worth of facts about the dataset: {"scale": "small", "users": 10000, ...}.

    Read from the stored fingerprint (no server is asked); before the first seed, the sizes the
    configured scale will have, with "seeded": False.
    """
    record = fp.read(strict=False)
    if record is not None:
        return _summary_of(record)
    spec = scale_spec(None)
    return {
        "scale": spec.name,
        "version": VERSION,
        "seeded": False,
        "now": NOW.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "users": spec.users,
        "posts": spec.posts,
        "categories": None,
        "orders": spec.orders,
    }


def demo_credentials(n: int = 3, scale: str | None = None) -> list[tuple[str, str]]:
    """(email, password) of the first n seeded users: their password_hash verifies with argon2."""
    from .generator import build_users

    spec = scale_spec(scale)
    users = build_users(spec.users)
    return list(zip(users.emails[:n], users.passwords[:n], strict=True))
