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

import os
import sqlite3
import tempfile
import time

from .. import connect
from . import load_mongo, load_postgres, load_redis, passwords
from .generator import generate, mongo_documents, sqlite_rows
from .spec import scale_spec

PG_SCHEMA = "bench"
MONGO_DB = "workbook_bench"
REDIS_DB = 15
SUBSET = {"to_sql": 20_000, "insert_one": 2_000, "set": 3_000, "sqlite_row": 2_000}


def _pg(ds) -> dict:
    import pandas as pd

    with connect.postgres() as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE")
        conn.execute(f"CREATE SCHEMA {PG_SCHEMA}")
        try:
            stats = load_postgres.load(ds, PG_SCHEMA, conn=conn)
            # The same rows' columns (the staging table's), the tutorial way.
            p, n = ds.posts, min(SUBSET["to_sql"], len(ds.posts))
            frame = pd.DataFrame({
                "id": p.ids[:n],
                "author_id": [ds.users.id(a) for a in p.author[:n].tolist()],
                "title": p.title[:n], "content": p.content[:n],
                "tags": ["{" + ",".join(t) + "}" for t in p.tags[:n]],
                "category_id": p.category[:n],
                "published_at": pd.to_datetime([x if x >= 0 else None for x in p.published[:n].tolist()],
                                               unit="s", utc=True),
                "created_at": pd.to_datetime(p.created[:n], unit="s", utc=True),
                "source": [("web", "mobile", "api", "import")[s] for s in p.source[:n].tolist()],
                "featured": p.featured[:n], "views": p.views[:n], "likes": p.likes[:n],
            })
            engine = connect.engine()
            t = time.perf_counter()
            frame.to_sql("posts_to_sql", engine, schema=PG_SCHEMA, index=False, if_exists="replace")
            to_sql = n / (time.perf_counter() - t)
        finally:
            conn.execute(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE")
    return {"fast": stats["rows_per_second"], "slow": to_sql, "subset": n, "stats": stats}


def _mongo(ds) -> dict:
    client = connect.mongo_client()
    client.drop_database(MONGO_DB)
    db = client[MONGO_DB]
    try:
        stats = load_mongo.load(ds, db)
        docs = mongo_documents(ds)["orders"][:SUBSET["insert_one"]]
        coll = db["orders_insert_one"]
        t = time.perf_counter()
        for d in docs:
            coll.insert_one(dict(d))
        one = len(docs) / (time.perf_counter() - t)
    finally:
        client.drop_database(MONGO_DB)
    return {"fast": stats["docs_per_second"], "slow": one, "subset": len(docs), "stats": stats}


def _redis(ds) -> dict:
    r = connect.redis(db=REDIS_DB)
    r.flushdb()
    try:
        stats = load_redis.load(ds, r)
        n = min(SUBSET["set"], len(ds.users))
        t = time.perf_counter()
        for i in range(n):
            r.set(f"single:{i + 1}:name", ds.users.full_names[i])
        one = n / (time.perf_counter() - t)
    finally:
        r.flushdb()
    return {"fast": stats["commands_per_second"], "slow": one, "subset": n, "stats": stats}


def _sqlite(ds) -> dict:
    rows = sqlite_rows(ds)["posts"]
    fd, path = tempfile.mkstemp(prefix="dbwb-bench-", suffix=".sqlite")
    os.close(fd)
    try:
        conn = sqlite3.connect(path)
        ddl = ("CREATE TABLE {} (id TEXT PRIMARY KEY, author_id TEXT, title TEXT, content TEXT, tags TEXT, "
               "metadata TEXT, category_id INTEGER, published_at TEXT, created_at TEXT)")
        conn.execute(ddl.format("posts"))
        conn.execute(ddl.format("posts_one"))
        t = time.perf_counter()
        with conn:
            conn.executemany("INSERT INTO posts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        fast = len(rows) / (time.perf_counter() - t)
        sub = rows[:SUBSET["sqlite_row"]]
        t = time.perf_counter()
        for row in sub:
            conn.execute("INSERT INTO posts_one VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
            conn.commit()
        slow = len(sub) / (time.perf_counter() - t)
        conn.close()
    finally:
        for suffix in ("", "-journal", "-wal", "-shm"):
            try:
                os.unlink(path + suffix)
            except OSError:
                pass
    return {"fast": fast, "slow": slow, "subset": len(sub)}


def bench(scale: str | None = None) -> dict:
    spec = scale_spec(scale)
    ds = generate(spec.name)
    passwords.fill_hashes(ds)
    return {"scale": spec.name, "postgres": _pg(ds), "mongo": _mongo(ds), "redis": _redis(ds),
            "sqlite": _sqlite(ds), "posts": len(ds.posts)}


def cli_bench(scale: str | None = None) -> int:
    spec = scale_spec(scale)
    print(f"bench {spec.name}: loading into scratch targets (PostgreSQL schema {PG_SCHEMA}, MongoDB "
          f"database {MONGO_DB}, Redis db {REDIS_DB}, a temporary SQLite file); they are dropped at the end.",
          flush=True)
    res = bench(spec.name)
    lines = [
        ("postgres", "binary COPY", "rows/s", "DataFrame.to_sql", "rows"),
        ("mongo", "insert_many", "docs/s", "insert_one loop", "docs"),
        ("redis", "pipeline", "cmds/s", "one SET per call", "SETs"),
        ("sqlite", "executemany", "rows/s", "INSERT+commit per row", "rows"),
    ]
    for db, fast_name, unit, slow_name, what in lines:
        r = res[db]
        print(f"  {db:<9} {fast_name:<12} {r['fast']:>11,.0f} {unit} · {slow_name} {r['slow']:>9,.0f} {unit} "
              f"({r['subset']:,} {what}) · {r['fast'] / r['slow']:.1f}x faster")
    pg = res["postgres"]["stats"]
    print(f"  postgres  server-side search_vector + metadata for {res['posts']:,} posts: "
          f"{pg['derive_seconds']:.1f} s; keys {pg['constraints_seconds']:.1f} s; "
          f"VACUUM ANALYZE {pg['vacuum_seconds']:.1f} s")
    return 0

