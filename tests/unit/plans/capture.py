"""Capture the canned plans of tests/unit/test_plans.py from live servers (run by hand, not by pytest).

    DBWB_STATE_DIR=... .venv/bin/python tests/unit/plans/capture.py

PostgreSQL plans run against the seeded tables in a temporary schema that is rolled back; MongoDB
plans against a scratch collection ``plans_capture`` that is dropped afterwards. Each file is the
server's explain output as JSON (MongoDB's with serverInfo/command/$clusterTime left out).
"""

from __future__ import annotations

import json
from pathlib import Path

from dbworkbook import connect

HERE = Path(__file__).parent

PG = {
    "pg_index_only_scan": "SELECT count(*) FROM users WHERE email < 'b'",
    "pg_backward_index_scan": "SELECT id FROM posts ORDER BY id DESC LIMIT 3",
    "pg_parallel_seq_scan": "SELECT count(*) FROM posts WHERE title LIKE '%postgres%'",
    "pg_bitmap_scan": "SELECT count(*) FROM users WHERE email < 'b' OR email > 'y'",
    "pg_sort": "SELECT id, created_at FROM users ORDER BY created_at DESC LIMIT 5",
    "pg_nested_loop": "SELECT p.title, u.email FROM posts p JOIN users u ON u.id = p.author_id "
    "WHERE p.id IN (SELECT id FROM posts ORDER BY id LIMIT 3)",
}


def capture_postgres() -> None:
    with connect.postgres(autocommit=False) as conn:
        conn.execute("SET max_parallel_workers_per_gather = 0")
        conn.execute("SET enable_hashjoin = off; SET enable_mergejoin = off")
        for name, sql in PG.items():
            if name == "pg_parallel_seq_scan":
                conn.execute(
                    "SET LOCAL max_parallel_workers_per_gather = 2; SET LOCAL parallel_setup_cost = 0;"
                    " SET LOCAL parallel_tuple_cost = 0"
                )
            if name == "pg_bitmap_scan":
                conn.execute(
                    "SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off;"
                    " SET LOCAL enable_indexonlyscan = off"
                )
            doc = conn.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql).fetchone()[0]
            conn.rollback()
            conn.execute("SET max_parallel_workers_per_gather = 0")
            conn.execute("SET enable_hashjoin = off; SET enable_mergejoin = off")
            (HERE / f"{name}.json").write_text(json.dumps(doc, indent=1) + "\n")


def _clean(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k not in ("serverInfo", "command", "$clusterTime", "operationTime")}


def capture_mongo() -> None:
    db = connect.mongo()
    coll = db["plans_capture"]
    coll.drop()
    coll.insert_many([{"_id": i, "user": i % 10, "status": "ok" if i % 3 else "ko", "at": i} for i in range(200)])
    coll.create_index([("user", 1), ("at", -1)], name="user_at")
    cases = {
        "mongo_collscan": {"find": coll.name, "filter": {"status": "ko"}},
        "mongo_ixscan_fetch": {"find": coll.name, "filter": {"user": 3}},
        "mongo_sort": {"find": coll.name, "filter": {"status": "ok"}, "sort": {"at": 1}, "limit": 5},
        "mongo_ixscan_sort_backward": {"find": coll.name, "filter": {"user": 3}, "sort": {"at": 1}},
        "mongo_aggregate": {
            "aggregate": coll.name,
            "pipeline": [{"$match": {"user": 3}}, {"$group": {"_id": "$status", "n": {"$sum": 1}}}],
            "cursor": {},
        },
    }
    try:
        for name, cmd in cases.items():
            doc = db.command("explain", cmd, verbosity="executionStats")
            (HERE / f"{name}.json").write_text(json.dumps(_clean(doc), indent=1, default=str) + "\n")
        doc = db.command("explain", cases["mongo_ixscan_fetch"], verbosity="queryPlanner")
        (HERE / "mongo_query_planner.json").write_text(json.dumps(_clean(doc), indent=1, default=str) + "\n")
    finally:
        coll.drop()


if __name__ == "__main__":
    capture_postgres()
    capture_mongo()
