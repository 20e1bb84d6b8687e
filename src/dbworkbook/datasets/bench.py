"""``make bench``: bulk-load speed of the seed's loaders against the usual tutorial ways.

Loads one scale into scratch targets that nothing else uses (PostgreSQL schema ``bench``,
MongoDB database ``workbook_bench``, Redis db 15, a temporary SQLite file), measures, compares
with the tutorial ways on the same rows in the same run, and drops the scratch targets:

* PostgreSQL: binary COPY (the seed's loader) vs ``pandas.DataFrame.to_sql``;
* MongoDB: unordered ``insert_many`` batches vs ``insert_one`` in a loop;
* Redis: pipelined commands vs one ``SET`` per round trip;
* SQLite: ``executemany`` in one transaction vs one ``INSERT`` + commit per row.

The slow ways run on a subset (their rate is per row, so it scales).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
import time

from .. import connect
from . import load_redis
from .core import DatasetMismatch, verify
from .generator import generate, mongo_documents, redis_commands, sqlite_rows
from .loaders import Generation, MongoLoader, PostgresLoader, RedisLoader
from .spec import scale_spec

PG_SCHEMA = "bench"
MONGO_DB = "workbook_bench"
REDIS_DB = 15
SUBSET = {"to_sql": 20_000, "insert_one": 2_000, "set": 3_000, "sqlite_row": 2_000}


def _pg(gen: Generation) -> dict:
    import pandas as pd

    with connect.postgres() as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE")
        conn.execute(f"CREATE SCHEMA {PG_SCHEMA}")
        try:
            stats = PostgresLoader(PG_SCHEMA).load(gen)  # a new schema: nothing to drop
            ds = gen.dataset.result()
            # The same rows' columns (the staging table's), the tutorial way.
            p, n = ds.posts, min(SUBSET["to_sql"], len(ds.posts))
            frame = pd.DataFrame(
                {
                    "id": p.ids[:n],
                    "author_id": [ds.users.id(a) for a in p.author[:n].tolist()],
                    "title": p.title[:n],
                    "content": p.content[:n],
                    "tags": ["{" + ",".join(t) + "}" for t in p.tags[:n]],
                    "category_id": p.category[:n],
                    "published_at": pd.to_datetime(
                        [x if x >= 0 else None for x in p.published[:n].tolist()], unit="s", utc=True
                    ),
                    "created_at": pd.to_datetime(p.created[:n], unit="s", utc=True),
                    "source": [("web", "mobile", "api", "import")[s] for s in p.source[:n].tolist()],
                    "featured": p.featured[:n],
                    "views": p.views[:n],
                    "likes": p.likes[:n],
                }
            )
            engine = connect.engine()
            t = time.perf_counter()
            frame.to_sql("posts_to_sql", engine, schema=PG_SCHEMA, index=False, if_exists="replace")
            to_sql = n / (time.perf_counter() - t)
        finally:
            conn.execute(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE")
    return {"fast": stats["rows_per_second"], "slow": to_sql, "subset": n, "stats": stats}


def _mongo(gen: Generation) -> dict:
    client = connect.mongo_client()
    client.drop_database(MONGO_DB)
    db = client[MONGO_DB]
    try:
        stats = MongoLoader(db).load(gen)  # a new database: nothing to drop
        ds = gen.dataset.result()
        # The same documents both ways (copies: insert_one adds nothing, but be safe).
        docs = mongo_documents(ds)["orders"][: SUBSET["insert_one"]]
        t = time.perf_counter()
        db["orders_insert_many"].insert_many([dict(d) for d in docs], ordered=False)
        many = len(docs) / (time.perf_counter() - t)
        coll = db["orders_insert_one"]
        t = time.perf_counter()
        for d in docs:
            coll.insert_one(dict(d))
        one = len(docs) / (time.perf_counter() - t)
    finally:
        client.drop_database(MONGO_DB)
    return {"fast": stats["docs_per_second"], "slow": one, "subset": len(docs), "stats": stats, "subset_fast": many}


def _redis(gen: Generation) -> dict:
    r = connect.redis(db=REDIS_DB)
    r.flushdb()
    try:
        stats = RedisLoader(REDIS_DB).load(gen)  # an empty db: nothing to drop
        ds = gen.dataset.result()
        # redis-py's own Pipeline object on the same commands, for reference.
        r.flushdb()
        t = time.perf_counter()
        pipe = r.pipeline(transaction=False)
        for cmd in redis_commands(ds):
            pipe.execute_command(*load_redis.command_args(cmd))
        pipe.execute()
        redis_py = len(redis_commands(ds)) / (time.perf_counter() - t)
        # The same SETs both ways.
        n = min(SUBSET["set"], len(ds.users))
        names = [(f"single:{i + 1}:name", ds.users.full_names[i]) for i in range(n)]
        t = time.perf_counter()
        load_redis.pipeline(r, [load_redis.resp(("SET", k, v)) for k, v in names])
        piped = n / (time.perf_counter() - t)
        r.flushdb()
        t = time.perf_counter()
        for k, v in names:
            r.set(k, v)
        one = n / (time.perf_counter() - t)
    finally:
        r.flushdb()
    return {
        "fast": stats["commands_per_second"],
        "slow": one,
        "subset": n,
        "stats": stats,
        "subset_fast": piped,
        "redis_py_pipeline": redis_py,
    }


def _sqlite(ds) -> dict:
    rows = sqlite_rows(ds)["posts"]
    fd, path = tempfile.mkstemp(prefix="dbwb-bench-", suffix=".sqlite")
    os.close(fd)
    try:
        conn = sqlite3.connect(path)
        ddl = (
            "CREATE TABLE {} (id TEXT PRIMARY KEY, author_id TEXT, title TEXT, content TEXT, tags TEXT, "
            "metadata TEXT, category_id INTEGER, published_at TEXT, created_at TEXT)"
        )
        conn.execute(ddl.format("posts"))
        conn.execute(ddl.format("posts_one"))
        t = time.perf_counter()
        with conn:
            conn.executemany("INSERT INTO posts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        fast = len(rows) / (time.perf_counter() - t)
        sub = rows[: SUBSET["sqlite_row"]]
        t = time.perf_counter()
        for row in sub:
            conn.execute("INSERT INTO posts_one VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
            conn.commit()
        slow = len(sub) / (time.perf_counter() - t)
        conn.close()
    finally:
        for suffix in ("", "-journal", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                os.unlink(path + suffix)
    return {"fast": fast, "slow": slow, "subset": len(sub)}


def bench(scale: str | None = None) -> dict:
    """Load ``scale`` into the scratch targets with the seed's loaders and the tutorial ways;
    rates in rows (documents, commands) per second, and verify()'s speed on the seeded data."""
    spec = scale_spec(scale)
    gen = Generation.complete(generate(spec.name))
    return {
        "scale": spec.name,
        "postgres": _pg(gen),
        "mongo": _mongo(gen),
        "redis": _redis(gen),
        "sqlite": _sqlite(gen.dataset.result()),
        "posts": spec.posts,
        "verify": verify_speed(),
    }


def verify_speed() -> dict:
    """How long a notebook's setup check takes on the seeded dataset (read-only; quick: best of 3):
    {"scale", "quick_seconds", "full_seconds"}, or {"skipped": why} when it does not verify."""
    try:
        times = []
        for _ in range(3):
            t = time.perf_counter()
            result = verify(quick=True)
            times.append(time.perf_counter() - t)
        t = time.perf_counter()
        verify(quick=False)
        full = time.perf_counter() - t
    except DatasetMismatch as exc:
        return {"skipped": str(exc).splitlines()[0]}
    return {"scale": result["scale"], "quick_seconds": min(times), "full_seconds": full}
