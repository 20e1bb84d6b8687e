"""Load a slice of the dataset into the workbook's SQLite file, and fingerprint it.

Same ids as PostgreSQL (UUIDs as TEXT), timestamps as UTC text ('2026-11-01 12:00:00', what
SQLite's date functions read), ``tags`` as a JSON array and ``metadata`` as a JSON object in TEXT
columns (query them with ``json_extract`` / ``json_each``). Only the tables below are replaced:
other tables in the file stay.
"""

from __future__ import annotations

import hashlib
import time

from .. import connect
from .generator import Dataset, sqlite_rows

SEEDED_TABLES = ("categories", "users", "posts")

DDL = """
CREATE TABLE categories (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    parent_id INTEGER REFERENCES categories(id)
);
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    full_name TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'suspended')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE posts (
    id TEXT PRIMARY KEY,
    author_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags)),
    metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
    category_id INTEGER REFERENCES categories(id),
    published_at TEXT,
    created_at TEXT NOT NULL
);
"""

COLUMNS = {
    "categories": "id, name, parent_id",
    "users": "id, email, password_hash, full_name, status, created_at, updated_at",
    "posts": "id, author_id, title, content, tags, metadata, category_id, published_at, created_at",
}


def _drops() -> str:
    return "".join(f"DROP TABLE IF EXISTS {table};" for table in reversed(SEEDED_TABLES))


def drop(path=None) -> None:
    """Drop the seeded tables (other tables in the file stay)."""
    conn = connect.sqlite(path)
    try:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.executescript("BEGIN;" + _drops() + "COMMIT;")
    finally:
        conn.close()


def load(ds: Dataset, path=None) -> dict:
    """Replace the seeded tables in one transaction (dropping them, if they exist, first)."""
    t0 = time.perf_counter()
    rows = sqlite_rows(ds)
    conn = connect.sqlite(path)
    try:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.executescript("BEGIN;" + _drops() + DDL + "COMMIT;")
        with conn:
            for table in SEEDED_TABLES:
                cols = COLUMNS[table]
                marks = ", ".join("?" * len(cols.split(",")))
                conn.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows[table])
        conn.execute("ANALYZE")
        conn.execute("PRAGMA foreign_keys = ON")
    finally:
        conn.close()
    n = sum(len(v) for v in rows.values())
    seconds = time.perf_counter() - t0
    return {
        "rows": n,
        "seconds": seconds,
        "rows_per_second": n / seconds if seconds else 0.0,
        "counts": {k: len(v) for k, v in rows.items()},
    }


def fingerprint(path=None) -> dict:
    """{table: {"count": rows, "checksum": sha256}}: SQLite joins every row's values (in insertion
    order, which the seed fixes) into one text, hashed here."""
    conn = connect.sqlite(path)
    try:
        existing = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        out: dict[str, dict | None] = {}
        for table in SEEDED_TABLES:
            if table not in existing:
                out[table] = None
                continue
            row_text = " || char(31) || ".join(f"ifnull({c.strip()}, char(0))" for c in COLUMNS[table].split(","))
            count, text = conn.execute(
                f"SELECT count(*), group_concat(line, char(10)) FROM "
                f"(SELECT {row_text} AS line FROM {table} ORDER BY rowid)"
            ).fetchone()
            out[table] = {"count": count, "checksum": hashlib.sha256((text or "").encode()).hexdigest()}
        return out
    finally:
        conn.close()
