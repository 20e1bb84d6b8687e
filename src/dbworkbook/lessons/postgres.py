"""Lesson helpers for PostgreSQL (notebooks 01-04, 11): see :mod:`dbworkbook.lessons`.

Each takes the psycopg connection first; the ``Lesson`` object binds the querying ones to the
notebook's own connection, so a notebook writes ``nb.rows(sql)``, ``nb.value(sql)``, ``nb.df(sql)``.
Parameters are psycopg's (``%s`` or ``%(name)s``).
"""

from __future__ import annotations

import time

__all__ = ["df", "rows", "vacuum", "value"]


def rows(conn, sql, params=None) -> list[tuple]:
    """Run a query and return its rows as a list of tuples (``[]`` when it returns none)."""
    return conn.execute(sql, params).fetchall()


def value(conn, sql, params=None):
    """Run a query and return the first column of its first row (None when it returns no row)."""
    row = conn.execute(sql, params).fetchone()
    return None if row is None else row[0]


def df(conn, sql, params=None):
    """Run a query and return its rows as a pandas DataFrame, with the query's column names."""
    import pandas as pd

    cur = conn.execute(sql, params)
    return pd.DataFrame(cur.fetchall(), columns=[c.name for c in cur.description])


def vacuum(conn, table: str, analyze: bool = False, attempts: int = 40, pause: float = 0.5) -> int:
    """VACUUM ``table`` until every page of it is all-visible (what an Index Only Scan needs).

    INDEX_CLEANUP ON: with only a few dead rows, VACUUM (since PostgreSQL 14) may skip cleaning the
    indexes, and then leaves those pages not all-visible. And VACUUM may only clean up row versions
    no running transaction could still need: while another session holds an old snapshot, the
    pages stay not all-visible, so it is repeated (up to ``attempts`` times, ``pause`` seconds
    apart) and raises RuntimeError if that never ends. ``analyze=True`` refreshes the statistics too.
    Returns the table's number of pages.
    """
    for _ in range(attempts):
        conn.execute(f"VACUUM (INDEX_CLEANUP ON{', ANALYZE' if analyze else ''}) {table}")
        relpages, visible = conn.execute(
            "SELECT relpages, relallvisible FROM pg_class WHERE oid = %s::regclass", (table,)
        ).fetchone()
        if visible == relpages:
            return int(relpages)
        time.sleep(pause)
    raise RuntimeError(f"VACUUM {table}: an open transaction elsewhere keeps old row versions alive")
