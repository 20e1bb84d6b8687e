"""Load the dataset into PostgreSQL with binary COPY, and fingerprint it.

The tables are the guide's (``users``, ``posts``) plus ``categories`` and two columns the lessons
need on ``posts`` (``metadata JSONB``, ``category_id``). Only primary keys, foreign keys, the
UNIQUE on ``users.email`` and the CHECK on ``users.status`` exist after a seed: the lessons add
every other index themselves.

How a reload works (``drop``, then ``load``):
1. ``drop``: ``DROP TABLE posts, users, categories`` (RESTRICT: if a notebook's object depends on
   them, the reload stops and says which one). ``load``: the guide's ``CREATE TABLE`` for users and
   categories, and an UNLOGGED staging table for the raw post columns.
2. Binary ``COPY`` of categories, the raw posts and users. The fields are handed to psycopg
   already in PostgreSQL's binary wire format where that is cheaper than building Python objects
   (UUIDs as their 16 bytes, timestamps as int64 microseconds since 2000-01-01, text arrays):
   psycopg's ``bytea`` dumper copies bytes as they are, and binary COPY carries no type
   information, so the server reads them as the column's type.
3. ``CREATE TABLE posts AS SELECT ... ORDER BY seq``: PostgreSQL computes
   ``search_vector = setweight(to_tsvector('english', title), 'A') ||
   setweight(to_tsvector('english', content), 'B')`` and builds ``metadata`` with
   ``jsonb_build_object``, in parallel workers (to_tsvector is the slowest step of the seed);
   Gather Merge on ``seq`` writes the rows in creation order, the same on every machine. Then
   ``ALTER TABLE`` gives posts exactly the guide's definition: NOT NULLs, defaults, primary key
   and foreign keys (built once, after the rows).
4. ``VACUUM (ANALYZE)`` with a statistics target large enough to read every row, so the planner
   statistics (and the plans the notebooks show) are the same on every machine.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import numpy as np

from .. import connect
from .fingerprint import StateProblem
from .generator import Dataset

SEEDED_TABLES = ("users", "categories", "posts")
STAGE = "_seed_posts_stage"
PG_EPOCH = 946_684_800  # 2000-01-01T00:00:00Z, PostgreSQL's timestamp origin

DDL = """
CREATE TABLE users (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    email VARCHAR(255) NOT NULL UNIQUE,
    password_hash VARCHAR(255) NOT NULL,
    full_name VARCHAR(100) NOT NULL,
    status VARCHAR(20) NOT NULL DEFAULT 'active'
        CHECK (status IN ('active', 'inactive', 'suspended')),
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
) WITH (autovacuum_enabled = false);

CREATE TABLE categories (
    id INT PRIMARY KEY,
    name VARCHAR(100) NOT NULL,
    parent_id INT REFERENCES categories(id)
) WITH (autovacuum_enabled = false);

CREATE UNLOGGED TABLE _seed_posts_stage (
    seq INT, id UUID, author_id UUID, title VARCHAR(255), content TEXT, tags TEXT, category_id INT,
    published_at TIMESTAMPTZ, created_at TIMESTAMPTZ, metadata TEXT
) WITH (autovacuum_enabled = false);
"""

# posts, as the guide (plus metadata and category_id) defines it:
#   id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
#   author_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
#   title VARCHAR(255) NOT NULL, content TEXT NOT NULL, tags TEXT[] DEFAULT '{}',
#   search_vector TSVECTOR, metadata JSONB NOT NULL DEFAULT '{}',
#   category_id INT REFERENCES categories(id), published_at TIMESTAMPTZ,
#   created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
DERIVE = """
CREATE TABLE posts WITH (autovacuum_enabled = false) AS
SELECT id, author_id, title, content, tags::text[] AS tags,
       setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', content), 'B')
           AS search_vector,
       metadata::jsonb AS metadata,
       category_id, published_at, created_at
FROM _seed_posts_stage
ORDER BY seq
"""
# Parallel workers compute the expensive target list (and parse tags and metadata, staged as
# text so that COPY stays cheap) and sort their share by seq in memory. (Not by ctid: a
# parallel sort on ctid does not give the staging table's order.)
DERIVE_SETTINGS = {
    "max_parallel_workers_per_gather": "2",
    "parallel_setup_cost": "0",
    "parallel_tuple_cost": "0",
    "min_parallel_table_scan_size": "0",
    "work_mem": "'512MB'",
}

CONSTRAINTS = """
ALTER TABLE posts
    ALTER COLUMN id SET DEFAULT gen_random_uuid(),
    ALTER COLUMN author_id SET NOT NULL,
    ALTER COLUMN title SET NOT NULL,
    ALTER COLUMN content SET NOT NULL,
    ALTER COLUMN tags SET DEFAULT '{}',
    ALTER COLUMN metadata SET NOT NULL,
    ALTER COLUMN metadata SET DEFAULT '{}',
    ALTER COLUMN created_at SET NOT NULL,
    ALTER COLUMN created_at SET DEFAULT NOW(),
    ADD CONSTRAINT posts_pkey PRIMARY KEY (id),
    ADD CONSTRAINT posts_author_id_fkey FOREIGN KEY (author_id) REFERENCES users(id) ON DELETE CASCADE,
    ADD CONSTRAINT posts_category_id_fkey FOREIGN KEY (category_id) REFERENCES categories(id)
"""


def _utc(col: str) -> str:
    return f"({col} AT TIME ZONE 'UTC')"


# The checksum: PostgreSQL's own 64-bit hash of every column (no text conversion, so it is
# cheap: about 0.1 s for 200k posts), XORed per row with a different seed per column, summed over
# the rows (order-free, so PostgreSQL may scan in parallel). search_vector, which the server
# derives from title and content, enters by its number of lexemes (NULL counts as 0).
ROW_HASH = {
    "users": [
        "uuid_hash_extended(id, 1)",
        "hashtextextended(email, 2)",
        "hashtextextended(password_hash, 3)",
        "hashtextextended(full_name, 4)",
        "hashtextextended(status, 5)",
        f"timestamp_hash_extended({_utc('created_at')}, 6)",
        f"timestamp_hash_extended({_utc('updated_at')}, 7)",
    ],
    "categories": [
        "hashint4extended(id, 1)",
        "hashtextextended(name, 2)",
        "coalesce(hashint4extended(parent_id, 3), 0)",
    ],
    "posts": [
        "uuid_hash_extended(id, 1)",
        "uuid_hash_extended(author_id, 2)",
        "hashtextextended(title, 3)",
        "hashtextextended(content, 4)",
        "coalesce(hash_array_extended(tags, 5), 0)",
        "jsonb_hash_extended(metadata, 6)",
        "coalesce(hashint4extended(category_id, 7), 0)",
        f"coalesce(timestamp_hash_extended({_utc('published_at')}, 8), 0)",
        f"timestamp_hash_extended({_utc('created_at')}, 9)",
        "coalesce(hashint4extended(length(search_vector), 10), 0)",
    ],
}


def _checksum_sql(table: str) -> str:
    return f"coalesce(sum({' # '.join(ROW_HASH[table])}), 0)::text"


class SeedBlocked(StateProblem):
    """Another object depends on a seeded table, so it cannot be dropped and reloaded."""


def _session(conn, schema: str) -> None:
    conn.execute(f'SET search_path TO "{schema}"')
    conn.execute("SET synchronize_seqscans = off")  # scans start at block 0: a stable order
    conn.execute("SET max_parallel_workers_per_gather = 0")


def drop(conn, schema: str = "public") -> None:
    """Drop the seeded tables (and a leftover staging table), nothing else."""
    import psycopg

    _session(conn, schema)
    try:
        with conn.transaction():
            conn.execute(f"DROP TABLE IF EXISTS posts, users, categories, {STAGE}")
    except psycopg.errors.DependentObjectsStillExist as exc:
        detail = (exc.diag.message_detail or "").strip()
        raise SeedBlocked(
            f"cannot reload the seeded PostgreSQL tables in schema {schema}: other objects depend "
            f"on them:\n{detail}\nRun `make reset` (or `python -m dbworkbook reset`): it drops the "
            "notebook objects (schemas nbNN) that depend on the seeded tables, names them, and "
            "reloads; each notebook rebuilds its own objects when it runs."
        ) from None


# Every object a DROP ... CASCADE of the seeded tables could take with it, in the schemas a
# learner can write to: (catalog, oid) -> (schema, the relation it belongs to, its description).
_OBJECTS = """
SELECT 'pg_class'::regclass::oid, c.oid, n.nspname, coalesce(i.indrelid, c.oid),
       pg_describe_object('pg_class'::regclass, c.oid, 0)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_index i ON i.indexrelid = c.oid
UNION ALL
SELECT 'pg_constraint'::regclass::oid, co.oid, n.nspname, co.conrelid,
       pg_describe_object('pg_constraint'::regclass, co.oid, 0)
  FROM pg_constraint co JOIN pg_namespace n ON n.oid = co.connamespace
UNION ALL
SELECT 'pg_trigger'::regclass::oid, t.oid, n.nspname, t.tgrelid,
       pg_describe_object('pg_trigger'::regclass, t.oid, 0)
  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE NOT t.tgisinternal
UNION ALL
SELECT 'pg_policy'::regclass::oid, p.oid, n.nspname, p.polrelid,
       pg_describe_object('pg_policy'::regclass, p.oid, 0)
  FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
UNION ALL
SELECT 'pg_rewrite'::regclass::oid, r.oid, n.nspname, r.ev_class,
       pg_describe_object('pg_rewrite'::regclass, r.oid, 0)
  FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE r.rulename <> '_RETURN'
UNION ALL
SELECT 'pg_proc'::regclass::oid, p.oid, n.nspname, 0::oid,
       pg_describe_object('pg_proc'::regclass, p.oid, 0)
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
UNION ALL
SELECT 'pg_type'::regclass::oid, t.oid, n.nspname, 0::oid,
       pg_describe_object('pg_type'::regclass, t.oid, 0)
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
 WHERE t.typrelid = 0 AND t.typcategory <> 'A'
"""
NOTEBOOK_SCHEMA = re.compile(r"nb(\d\d)")


def _objects(conn) -> dict:
    rows = conn.execute(
        f"SELECT * FROM ({_OBJECTS}) AS o(cat, oid, nspname, rel, descr) "
        "WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname !~ '^pg_(toast|temp_)'"
    ).fetchall()
    return {(cat, oid): (nsp, rel, descr) for cat, oid, nsp, rel, descr in rows}


def drop_for_reset(conn, schema: str = "public") -> list[tuple[str, str]]:
    """Drop the seeded tables and the notebook objects that depend on them (so that a reset works
    after any notebook ran: e.g. notebook 01's materialized view nb01.top_posts reads posts).

    Only objects in notebook schemas (nbNN) are dropped with them; they are rebuilt when their
    notebook runs. If anything else depends on a seeded table, nothing is dropped and SeedBlocked
    names it. Returns [(notebook number, description)] of the notebook objects dropped, e.g.
    [("01", "materialized view nb01.top_posts")].
    """
    import psycopg

    _session(conn, schema)
    with conn.transaction():
        before = _objects(conn)
        seeded = {
            oid
            for (oid,) in conn.execute(
                "SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = %s AND c.relname = ANY(%s)",
                (schema, [*SEEDED_TABLES, STAGE]),
            )
        }
        try:
            conn.execute(f"DROP TABLE IF EXISTS posts, users, categories, {STAGE} CASCADE")
        except psycopg.errors.DependentObjectsStillExist as exc:  # pragma: no cover - CASCADE
            raise SeedBlocked(str(exc)) from None
        after = _objects(conn)
        gone = [v for k, v in before.items() if k not in after and v[1] not in seeded]
        others = sorted(descr for nsp, _, descr in gone if not NOTEBOOK_SCHEMA.fullmatch(nsp))
        if others:
            # Raising inside the transaction rolls the drop back: nothing changed.
            raise SeedBlocked(
                f"cannot reload the seeded PostgreSQL tables in schema {schema}: objects outside the "
                "notebooks' schemas (nbNN) depend on them: " + "; ".join(others) + ". The workbook "
                "only drops what notebooks own; drop these yourself (or move them into a schema "
                "nbNN), then run `make reset` again."
            )
    notebook = {nsp: m.group(1) for nsp, _, _ in gone if (m := NOTEBOOK_SCHEMA.fullmatch(nsp))}
    return sorted((notebook[nsp], descr) for nsp, _, descr in gone)


def _ts_wire(values: np.ndarray) -> list:
    """Epoch seconds -> PostgreSQL binary timestamptz (big-endian int64 microseconds since 2000);
    negative input means NULL."""
    a = np.asarray(values, dtype=np.int64)
    raw = ((a - PG_EPOCH) * 1_000_000).astype(">i8").tobytes()
    out = [raw[i : i + 8] for i in range(0, len(raw), 8)]
    return [None if v < 0 else b for v, b in zip(a.tolist(), out, strict=True)]


def _text_array_literal(items) -> str:
    """['a', 'b'] -> '{"a","b"}' (PostgreSQL's text form of a text[]; parsed by the server)."""
    return "{" + ",".join('"' + i.replace("\\", "\\\\").replace('"', '\\"') + '"' for i in items) + "}"


def _copy(conn, table: str, columns: str, types: list, rows, bar=None, step: int = 20_000) -> int:
    n = 0
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as cp:
        cp.set_types(types)
        for row in rows:
            cp.write_row(row)
            n += 1
            if bar is not None and n % step == 0:
                bar.update(step)
    if bar is not None:
        bar.update(n % step)
    return n


def _note(bar, step: str) -> None:
    if bar is not None:
        bar.set_postfix_str(step)


def load(
    ds: Dataset, schema: str = "public", wait_for_hashes: Callable[[], object] | None = None, bar=None, conn=None
) -> dict:
    """Load the seeded tables into ``schema``, where they do not exist (``drop`` them first).
    Returns timings and counts.

    ``wait_for_hashes`` is called before users are copied: the argon2 hashes may still be
    computing in another thread while posts load.
    """
    t0 = time.perf_counter()
    own = conn is None
    conn = conn or connect.postgres()
    stats: dict = {}
    try:
        _session(conn, schema)
        with conn.transaction():
            conn.execute(DDL)
        cats, users, posts = ds.categories, ds.users, ds.posts

        t = time.perf_counter()
        user_ids = users.id_bytes
        author_ids = [user_ids[i] for i in posts.author.tolist()]
        tags = [_text_array_literal(x) for x in posts.tags]
        published, created = _ts_wire(posts.published), _ts_wire(posts.created)
        prep = time.perf_counter() - t
        t = time.perf_counter()
        copied = _copy(
            conn,
            "categories",
            "id, name, parent_id",
            ["int4", "text", "int4"],
            zip(cats.ids, cats.names, cats.parent_ids, strict=True),
        )
        copied += _copy(
            conn,
            STAGE,
            "seq, id, author_id, title, content, tags, category_id, published_at, created_at, metadata",
            ["int4", "bytea", "bytea", "text", "text", "text", "int4", "bytea", "bytea", "text"],
            zip(
                range(len(posts)),
                posts.id_bytes,
                author_ids,
                posts.title,
                posts.content,
                tags,
                posts.category.tolist(),
                published,
                created,
                posts.metadata,
                strict=True,
            ),
            bar=bar,
        )
        copy_seconds = time.perf_counter() - t

        _note(bar, "search_vector (server)")
        t = time.perf_counter()
        for name, value in DERIVE_SETTINGS.items():
            conn.execute(f"SET {name} = {value}")
        conn.execute(DERIVE)
        for name in DERIVE_SETTINGS:
            conn.execute(f"RESET {name}")
        conn.execute("SET max_parallel_workers_per_gather = 0")
        conn.execute(f"DROP TABLE {STAGE}")
        stats["derive_seconds"] = time.perf_counter() - t

        if wait_for_hashes is not None:
            wait_for_hashes()
        if users.hashes is None:
            raise RuntimeError("password hashes missing (passwords.fill_hashes was not run)")
        t = time.perf_counter()
        copied += _copy(
            conn,
            "users",
            "id, email, password_hash, full_name, status, created_at, updated_at",
            ["bytea", "text", "text", "text", "text", "bytea", "bytea"],
            zip(
                users.id_bytes,
                users.emails,
                users.hashes,
                users.full_names,
                users.status,
                _ts_wire(users.created),
                _ts_wire(users.updated),
                strict=True,
            ),
        )
        copy_seconds += time.perf_counter() - t
        stats.update(
            copy_rows=copied,
            copy_seconds=copy_seconds,
            copy_prep_seconds=prep,
            rows_per_second=copied / copy_seconds if copy_seconds else 0.0,
        )

        _note(bar, "keys")
        t = time.perf_counter()
        conn.execute(CONSTRAINTS)
        stats["constraints_seconds"] = time.perf_counter() - t

        _note(bar, "VACUUM ANALYZE")
        t = time.perf_counter()
        # Read every row for the statistics: the same pg_stats (and plans) on every machine.
        target = min(10_000, max(100, -(-max(len(posts), len(users)) // 300)))
        conn.execute(f"SET default_statistics_target = {target}")
        conn.execute("VACUUM (ANALYZE) users, categories, posts")
        conn.execute("RESET default_statistics_target")
        for table in SEEDED_TABLES:
            conn.execute(f"ALTER TABLE {table} RESET (autovacuum_enabled)")
        stats["vacuum_seconds"] = time.perf_counter() - t
        stats["counts"] = {"users": len(users), "categories": len(cats), "posts": len(posts)}
        stats["seconds"] = time.perf_counter() - t0
        return stats
    finally:
        if own:
            conn.close()


def fingerprint(schema: str = "public", conn=None) -> dict:
    """{table: {"count": n, "checksum": s}} of the live seeded tables (None if a table is missing)."""
    import psycopg

    own = conn is None
    conn = conn or connect.postgres()
    try:
        conn.execute(f'SET search_path TO "{schema}"')
        out: dict[str, dict | None] = {}
        for table in SEEDED_TABLES:
            try:
                count, checksum = conn.execute(f"SELECT count(*), {_checksum_sql(table)} FROM {table}").fetchone()
            except psycopg.errors.UndefinedTable:
                out[table] = None
                continue
            out[table] = {"count": count, "checksum": checksum}
        return out
    finally:
        if own:
            conn.close()


def ensure_pg_stat_statements(conn=None) -> str:
    """Create the pg_stat_statements extension in the workbook's database when the server preloads
    the library (notebooks 03 and 11 read and reset it). The embedded server and docker/compose.yml
    preload it and create it themselves; an external server may not. Returns one line saying what
    is the case."""
    import psycopg

    own = conn is None
    conn = conn or connect.postgres()
    try:
        preload = conn.execute("SHOW shared_preload_libraries").fetchone()[0]
        libraries = [x.strip().strip('"') for x in preload.split(",")]
        if "pg_stat_statements" not in libraries:
            return (
                "pg_stat_statements is not preloaded by this PostgreSQL server, so the notebooks "
                "skip its part: add shared_preload_libraries = 'pg_stat_statements' to "
                "postgresql.conf, restart the server and seed again to enable it"
            )
        try:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        except psycopg.Error as exc:
            return (
                f"pg_stat_statements is preloaded but its extension could not be created "
                f"({exc.diag.message_primary}): run CREATE EXTENSION pg_stat_statements as a "
                "superuser in this database"
            )
        return "pg_stat_statements is preloaded and its extension exists in this database"
    finally:
        if own:
            conn.close()


def secondary_indexes(schema: str = "public", conn=None) -> list[str]:
    """Indexes on the seeded tables beyond the seed's own (a lesson added them)."""
    own = conn is None
    conn = conn or connect.postgres()
    try:
        rows = conn.execute(
            "SELECT tablename, indexname FROM pg_indexes WHERE schemaname = %s AND tablename = ANY(%s) "
            "AND indexname NOT IN ('users_pkey', 'users_email_key', 'categories_pkey', 'posts_pkey') "
            "ORDER BY 1, 2",
            (schema, list(SEEDED_TABLES)),
        ).fetchall()
        return [f"{t}.{i}" for t, i in rows]
    finally:
        if own:
            conn.close()
