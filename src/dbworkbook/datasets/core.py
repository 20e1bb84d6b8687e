"""seed / reset / verify / ensure_seeded / summary, and the CLI's short human lines."""

from __future__ import annotations

import sys
import threading
import time

from .. import connect
from .. import settings as _settings
from . import fingerprint as fp
from . import generator, load_mongo, load_postgres, load_redis, load_sqlite, passwords, progress
from .generator import generate
from .spec import NOW, SEED, VERSION, scale_spec

DATABASES = fp.DATABASES
PG_SCHEMA = "public"
REDIS_DB = 0


class DatasetMismatch(fp.StateProblem):
    """The live data is not the seeded dataset; the message says what differs and what to run."""

    def __init__(self, message: str, problems: dict | None = None):
        super().__init__(message)
        self.problems = problems or {}


# ------------------------------------------------------------------------------- checks
def _live(db: str, stored: dict, quick: bool) -> dict:
    objects = stored["databases"][db]["objects"]
    if db == "postgres":
        return load_postgres.fingerprint(PG_SCHEMA)
    if db == "mongo":
        return load_mongo.fingerprint(objects, connect.mongo(), quick=quick)
    if db == "redis":
        return load_redis.fingerprint(connect.redis(db=REDIS_DB))
    return load_sqlite.fingerprint()


def _expected(db: str, stored: dict, quick: bool) -> dict:
    return stored["databases"][db]["objects"]


def _check(stored: dict, databases, quick: bool) -> tuple[dict, dict]:
    """({db: [differences]}, {db: seconds})."""
    problems, seconds = {}, {}
    for db in databases:
        t = time.perf_counter()
        if db not in stored.get("databases", {}):
            problems[db] = [f"{db}: not part of the stored fingerprint"]
            continue
        live = _live(db, stored, quick)
        problems[db] = fp.compare(db, _expected(db, stored, quick), live, quick)
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
    for db, diffs in problems.items():
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
def _run(name, func, errors, results):
    try:
        results[name] = func()
    except BaseException as exc:
        errors[name] = exc


def _load(spec, databases, quiet: bool, stored: dict | None) -> dict:
    """Generate and load ``databases``; write the fingerprint. The work overlaps:

    main thread   generate users ─ posts ──────────── Redis, SQLite ─────────── write fingerprint
    seed-argon2        └ hash passwords (cached per scale)
    seed-mongo         └ users, orders, sessions, categories ─ posts (once generated)
    seed-postgres                            └ COPY ─ search_vector (parallel) ─ keys ─ VACUUM ANALYZE
    """
    t0 = time.perf_counter()
    timings: dict = {}
    bars = []
    errors, results = {}, {}
    threads: list = []
    hashes_ready, posts_ready = threading.Event(), threading.Event()
    holder: dict = {}

    def mkbar(total, desc, unit="rows"):
        b = progress.bar(total, desc, quiet=quiet, position=len(bars), unit=unit)
        bars.append(b)
        return b

    def start(name, job):
        th = threading.Thread(target=_run, args=(name, job, errors, results), name=f"seed-{name}", daemon=True)
        threads.append(th)
        th.start()

    def hash_job(users):
        t1 = time.perf_counter()
        try:
            how = passwords.fill_user_hashes(
                users, spec.name, progress=lambda it, total, desc: progress.wrap(it, total, desc, quiet=quiet)
            )
            return {"how": how, "seconds": time.perf_counter() - t1}
        finally:
            hashes_ready.set()

    mongo_bar = None
    if "mongo" in databases:
        mongo_bar = mkbar(
            spec.mongo_users + spec.mongo_posts + spec.orders + spec.sessions, "mongo insert_many", unit="docs"
        )

    def mongo_job(users, cats):
        db = connect.mongo()
        t1 = time.perf_counter()
        people = generator.mongo_people(spec, users, cats)
        build = time.perf_counter() - t1
        load_mongo.drop(db)
        t2 = time.perf_counter()
        n = load_mongo.insert(db, people.docs, ("users", "categories", "orders", "sessions"), mongo_bar)
        inserting = time.perf_counter() - t2
        posts_ready.wait()
        if "ds" not in holder:
            raise RuntimeError("the posts were not generated")
        t1 = time.perf_counter()
        docs = generator.mongo_documents(holder["ds"], people)
        build += time.perf_counter() - t1
        t2 = time.perf_counter()
        n += load_mongo.insert(db, docs, ("posts",), mongo_bar)
        inserting += time.perf_counter() - t2
        t1 = time.perf_counter()
        objects = load_mongo.expected_fingerprint(holder["ds"])
        stats = {
            "build_seconds": build,
            "insert_seconds": inserting,
            "docs": n,
            "docs_per_second": n / inserting if inserting else 0.0,
            "counts": {k: len(v) for k, v in docs.items()},
            "fingerprint_seconds": time.perf_counter() - t1,
            "seconds": time.perf_counter() - t0,
        }
        return stats, {"database": _settings.MONGO_DATABASE, "objects": objects}

    def on_users(users, cats):
        # Both run beside the posts' generation: argon2 releases the GIL, and MongoDB's inserts
        # are the server's work.
        start("argon2", lambda: hash_job(users))
        if "mongo" in databases:
            start("mongo", lambda: mongo_job(users, cats))

    t = time.perf_counter()
    gen_bar = progress.bar(1, f"generate {spec.name}", quiet=quiet, unit="step")
    try:
        ds = generate(spec.name, on_users=on_users)
        holder["ds"] = ds
    finally:
        posts_ready.set()
    if not threads:  # the dataset was already in memory: nothing started yet
        on_users(ds.users, ds.categories)
    gen_bar.update(1)
    gen_bar.close()
    timings["generate_seconds"] = time.perf_counter() - t

    if "postgres" in databases:
        pg_bar = mkbar(len(ds.posts), "postgres COPY posts")

        def pg_job():
            stats = load_postgres.load(ds, PG_SCHEMA, hashes_ready=hashes_ready, bar=pg_bar)
            t1 = time.perf_counter()
            objects = load_postgres.fingerprint(PG_SCHEMA)
            stats["fingerprint_seconds"] = time.perf_counter() - t1
            return stats, {"schema": PG_SCHEMA, "objects": objects}

        start("postgres", pg_job)
    if "redis" in databases:
        try:
            r = connect.redis(db=REDIS_DB)
            stats = load_redis.load(ds, r)
            results["redis"] = (stats, {"db": REDIS_DB, "objects": load_redis.fingerprint(r)})
        except BaseException as exc:
            errors["redis"] = exc
    hashes_ready.wait()
    if "sqlite" in databases and ds.users.hashes is not None:
        try:
            stats = load_sqlite.load(ds)
            results["sqlite"] = (
                stats,
                {"path": str(_settings.get().sqlite_path), "objects": load_sqlite.fingerprint()},
            )
        except BaseException as exc:
            errors["sqlite"] = exc
    for th in threads:
        th.join()
    for b in bars:
        b.close()
    if errors:
        name, exc = next(iter(errors.items()))
        if isinstance(exc, load_postgres.SeedBlocked):
            raise exc
        raise RuntimeError(f"seeding {name} failed: {type(exc).__name__}: {exc}") from exc

    timings["argon2"] = results["argon2"]
    dbs = dict(stored["databases"]) if stored else {}
    for db in databases:
        timings[db] = results[db][0]
        dbs[db] = results[db][1]
    record = {
        "dataset": "dbworkbook",
        "version": VERSION,
        "scale": spec.name,
        "seed": SEED,
        "now": NOW.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seeded_at": fp.now_utc(),
        "backend": _settings.get().backend,
        "sizes": spec.as_dict(),
        "databases": dbs,
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
    Unless quiet, progress bars (on a terminal) and a few lines saying what happened are shown.
    Returns {"status": "unchanged" | "seeded" | "repaired", "scale", "databases", "seconds",
    "timings" (when something was loaded), "summary"}.
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
        same = bool(stored) and stored.get("scale") == spec.name and stored.get("version") == VERSION
        todo = databases
        result = None
        if same and not force:
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
    if not quiet:
        _print_result(result)
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
    return list(zip(users.emails[:n], users.passwords[:n]))


# ------------------------------------------------------------------------------- CLI
def _fmt_counts(counts: dict) -> str:
    return " · ".join(f"{k} {v:,}" for k, v in counts.items())


def _print_result(result: dict) -> None:
    s = result["summary"]
    for note in result.get("notes", ()):
        if not note.endswith("exists in this database"):
            print(note)
    if result["status"] == "unchanged":
        print(
            f"dataset {s['scale']} already seeded and verified ({result['seconds']:.1f} s): "
            f"{s['users']:,} users · {s['posts']:,} posts · seeded {s['seeded_at']}. "
            "`make reset` reloads it."
        )
        return
    tm = result["timings"]
    print(
        f"dataset {result['scale']}: generated in {tm['generate_seconds']:.1f} s; "
        f"argon2id hashes {tm['argon2']['how']} ({tm['argon2']['seconds']:.1f} s)"
    )
    if "postgres" in tm:
        p = tm["postgres"]
        print(
            f"  postgres  {_fmt_counts(p['counts'])} · COPY {p['rows_per_second']:,.0f} rows/s · "
            f"search_vector {p['derive_seconds']:.1f} s · keys {p['constraints_seconds']:.1f} s · "
            f"VACUUM ANALYZE {p['vacuum_seconds']:.1f} s · {p['seconds']:.1f} s"
        )
    if "mongo" in tm:
        m = tm["mongo"]
        print(
            f"  mongo     {_fmt_counts(m['counts'])} · insert_many {m['docs_per_second']:,.0f} docs/s · "
            f"{m['seconds']:.1f} s"
        )
    if "redis" in tm:
        r = tm["redis"]
        print(
            f"  redis     {r['commands']:,} commands · pipeline {r['commands_per_second']:,.0f} cmds/s · "
            f"{r['seconds']:.1f} s"
        )
    if "sqlite" in tm:
        q = tm["sqlite"]
        print(f"  sqlite    {_fmt_counts(q['counts'])} · {q['rows_per_second']:,.0f} rows/s · {q['seconds']:.1f} s")
    print(f"dataset {result['scale']} {result['status']} in {result['seconds']:.1f} s · fingerprint {fp.path()}")


def cli_seed(scale: str | None = None, force: bool = False) -> int:
    """``python -m dbworkbook seed``: seed (printing a few lines); the exit code."""
    try:
        seed(scale, force=force)
    except fp.StateProblem as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 1
    return 0


def cli_reset(scale: str | None = None) -> int:
    """``python -m dbworkbook reset``: reload the seeded objects; the exit code."""
    try:
        reset(scale)
    except fp.StateProblem as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 1
    return 0
