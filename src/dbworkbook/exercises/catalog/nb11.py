"""Exercises of notebook 11 · The optimization checklist, across PostgreSQL, MongoDB and Redis.

Each check brings its own starting state, so it runs the same before, during or after the lesson:

* 11.1 works on ``nb11.posts`` (created from the seed when missing, like the lesson's copy) and
  drops only the indexes that mention ``category_id`` — the lesson's own indexes stay;
* 11.2 works on ``nb11_orders`` (the 10,000 most recent seeded orders, copied when empty) and drops only the
  indexes that contain ``items.sku``;
* 11.3 and 11.4 run in Redis database 11 on a clean database (the lesson's keys are saved and
  put back by the engine).
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from ..core import db_error_lines
from ..mongodb import MongoState, mongo_uses_index
from ..redisdb import RedisTask, expires, key_is, persistent, returns
from ..sql import SQLState, plan_nodes

# --------------------------------------------------------------------------- 11.1 (PostgreSQL)
CATEGORY = 52           # "Cryptography": the category with the most published posts
CATEGORY_PAGE = ("SELECT id, title, published_at FROM nb11.posts "
                 f"WHERE category_id = {CATEGORY} AND published_at IS NOT NULL "
                 "ORDER BY published_at DESC LIMIT 20")

POST_BY_ID = "SELECT title, published_at FROM nb11.posts WHERE id = '59eb1377-8679-4be4-a614-20ef6e4c8e2b'"
AUTHOR_LATEST = ("SELECT title, published_at FROM nb11.posts WHERE author_id = 'c9c072cc-339d-4b97-b497-b21f3bc06c31' "
                 "ORDER BY created_at DESC LIMIT 20")

# The lesson's copy (same statement as in the notebook), made here when the schema has none yet.
COPY_POSTS = """
CREATE TABLE IF NOT EXISTS nb11.posts WITH (autovacuum_enabled = off, parallel_workers = 0) AS
    SELECT id, author_id, title, content, tags, metadata, category_id, published_at, created_at
    FROM public.posts
"""

DROP_CATEGORY_INDEXES = """
DO $$
DECLARE ix record;
BEGIN
  FOR ix IN SELECT indexrelid::regclass AS name FROM pg_index
            WHERE indrelid = 'nb11.posts'::regclass AND NOT indisprimary
              AND pg_get_indexdef(indexrelid) LIKE '%category_id%' LOOP
    EXECUTE 'DROP INDEX ' || ix.name;
  END LOOP;
END $$;
"""

# Statistics on the filtered columns if the table has never been analyzed (a fresh copy).
ANALYZE_IF_NEVER = """
DO $$
BEGIN
  IF (SELECT last_analyze IS NULL AND last_autoanalyze IS NULL
      FROM pg_stat_user_tables WHERE relid = 'nb11.posts'::regclass) THEN
    ANALYZE nb11.posts (author_id, category_id, published_at, created_at);
  END IF;
END $$;
"""


@dataclass
class _served_in_order:  # noqa: N801 - reads as a phrase in the declaration
    """``query`` reads posts through an index that leads with ``leading``, with no Seq Scan and no Sort."""

    query: str
    leading: str

    def _first_column(self, conn, index_name: str) -> str:
        row = conn.execute("SELECT pg_get_indexdef(%s::regclass, 1, true)", (f"nb11.{index_name}",)).fetchone()
        return (row[0] if row else "?").strip('"')

    def verify(self, conn) -> str | None:
        import psycopg

        try:
            doc = conn.execute("EXPLAIN (FORMAT JSON) " + self.query).fetchone()[0]
        except psycopg.Error as exc:
            return "EXPLAIN failed — PostgreSQL says: " + db_error_lines(exc)[0]
        nodes = plan_nodes(doc)
        used = [n["Index Name"] for n in nodes if n.get("Index Name")]
        if any(self._first_column(conn, name) == self.leading for name in used):
            if any(n.get("Node Type") in ("Sort", "Incremental Sort") for n in nodes):
                return ("The plan finds the category's posts through your index but still sorts them: "
                        "add published_at as the index's second column, so the posts come out newest first.")
            return None
        candidates = [name for (name,) in conn.execute(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = 'nb11.posts'::regclass ORDER BY c.relname").fetchall()
            if self._first_column(conn, name) == self.leading]
        if candidates:
            return (f"Index {candidates[0]} starts with {self.leading}, but the planner does not use it: it cannot "
                    "hand out the posts in published_at order, so another plan looks cheaper. Add published_at "
                    "as its second column.")
        if any(n.get("Node Type") == "Seq Scan" for n in nodes):
            return "The category page still reads the whole table (Seq Scan on posts): no index serves it yet."
        walked = [n["Index Name"] for n in nodes if n.get("Filter") and n.get("Index Name")]
        if walked:
            return (f"The category page walks {walked[0]} and filters out every post of another category "
                    f"(Rows Removed by Filter): it needs an index that starts with {self.leading}.")
        return f"The plan does not use an index that starts with {self.leading} yet."


# --------------------------------------------------------------------------- 11.2 (MongoDB)
ORDERS = "nb11_orders"
PRODUCT_FILTER = {"items.sku": "BK-PG-001", "status": "completed"}
NEWEST_FIRST = [("createdAt", -1)]


def _ensure_orders(coll) -> None:
    """The lesson's copy (the 10,000 most recent seeded orders), made here when it is missing."""
    if coll.estimated_document_count() == 0:
        coll.database.orders.aggregate([{"$sort": {"_id": -1}}, {"$limit": 10_000}, {"$out": coll.name}])


def _orders_without_sku_indexes(coll) -> None:
    _ensure_orders(coll)
    for ix in list(coll.list_indexes()):
        if "items.sku" in ix["key"]:
            coll.drop_index(ix["name"])


@dataclass
class _product_orders_index:  # noqa: N801
    """An index whose keys are the two equality fields (either order), then createdAt."""

    def verify(self, coll) -> str | None:
        indexes = [ix for ix in coll.list_indexes() if "items.sku" in ix["key"] or "status" in ix["key"]]
        for ix in indexes:
            fields = list(ix["key"].keys())
            if set(fields[:2]) == {"items.sku", "status"} and fields[2:3] == ["createdAt"]:
                return None
        for ix in indexes:
            fields = list(ix["key"].keys())
            if "createdAt" not in fields:
                return (f"Index {ix['name']} finds the orders but not in date order: add createdAt after the "
                        "two equality fields, so MongoDB does not sort them in memory.")
            if fields[0] == "createdAt":
                return (f"Index {ix['name']} starts with the sort field: the equality fields (items.sku, status) "
                        "go first, or MongoDB walks every order by date.")
            if set(fields[:2]) != {"items.sku", "status"}:
                return (f"Index {ix['name']} has the keys {', '.join(fields)}: the two equality fields "
                        "(items.sku and status) come first, then the sort field.")
        return "No index on items.sku, status and createdAt yet."


# --------------------------------------------------------------------------- 11.3 and 11.4 (Redis)
TTL_SETUP = [
    "SET cache:user:1 '{\"name\": \"Ada\"}'",
    "SET cache:user:2 '{\"name\": \"Grace\"}'",
    "SET cache:user:3 '{\"name\": \"Alan\"}' EX 60",
    "SET cache:page:home '<html>home</html>'",
    "SET cache:page:pricing '<html>pricing</html>'",
    "ZADD views 12 post:1 40 post:2",
    "HSET user:1 name Ada status active",
]


def _ttl_backfill(r):
    fixed = 0
    with r.pipeline(transaction=False) as pipe:
        for key in r.scan_iter(match="cache:*", count=1000):
            pipe.expire(key, 3600, nx=True)     # only keys that have no TTL yet
        fixed = sum(pipe.execute())
    return fixed


VIEWS_BLOB = {"post:1": 12, "post:2": 40, "post:3": 7, "post:4": 40, "post:5": 3, "post:6": 25}
BLOB_SETUP = [("SET", "stats:views", json.dumps(VIEWS_BLOB))]


def _blob_to_zset(r):
    views = json.loads(r.get("stats:views"))
    with r.pipeline(transaction=True) as pipe:     # MULTI ... EXEC: both or neither
        pipe.zadd("views", views)
        pipe.delete("stats:views")
        pipe.execute()
    return r.zrevrange("views", 0, 2, withscores=True)


EXERCISES = [
    SQLState(
        id="11.1",
        title="Find and fix the slowest endpoint",
        task=(
            "Three statements ship with the next release of the app:\n\n"
            f"```sql\n-- 1 · a post by id\n{POST_BY_ID}\n-- 2 · an author's latest posts\n{AUTHOR_LATEST}\n"
            f"-- 3 · the category page\n{CATEGORY_PAGE}\n```\n\n"
            "Run each through `wb.explain(nb.pg, sql)` (or `EXPLAIN (ANALYZE, BUFFERS)`) and find the one that "
            "reads far more rows than it returns. Then write the DDL (one or more statements) that lets "
            "PostgreSQL read only the rows that statement returns, **in order**: an index that serves both its "
            "`WHERE` and its `ORDER BY` — no Seq Scan, no Sort, and no index walk that filters rows out. "
            "Every query of the app leaves drafts out, so a partial index is welcome."
        ),
        setup=["CREATE SCHEMA IF NOT EXISTS nb11", COPY_POSTS, DROP_CATEGORY_INDEXES, ANALYZE_IF_NEVER],
        reference=("CREATE INDEX idx_posts_category_published ON nb11.posts (category_id, published_at DESC) "
                  "WHERE published_at IS NOT NULL"),
        expect=[_served_in_order(CATEGORY_PAGE, "category_id")],
        hints=[
            "Equality columns first, then the ORDER BY column: (category_id, published_at).",
            "Add WHERE published_at IS NOT NULL to make it partial: drafts are never asked for.",
            "CREATE INDEX idx_posts_category_published ON nb11.posts (category_id, published_at DESC) "
            "WHERE published_at IS NOT NULL",
        ],
    ),
    MongoState(
        id="11.2",
        collection=ORDERS,
        title="Index the orders of a product the way the query asks",
        task=(
            "The shop's back office shows a product's latest completed orders:\n\n"
            "`orders.find({\"items.sku\": \"BK-PG-001\", \"status\": \"completed\"}).sort({\"createdAt\": -1}).limit(20)`\n\n"
            "and `explain()` reports a `COLLSCAN` over all 10,000 orders. Write `def answer(coll):` that "
            "creates the one compound index matching this query pattern (equality fields, then the sort "
            "field), on `nb11_orders`."
        ),
        setup=_orders_without_sku_indexes,
        reference=lambda coll: coll.create_index([("items.sku", 1), ("status", 1), ("createdAt", -1)]),
        expect=[_product_orders_index(), mongo_uses_index(PRODUCT_FILTER, sort=NEWEST_FIRST)],
        hints=[
            "ESR: the fields compared with equality first (items.sku and status, in either order), then the sort.",
            "An index on an array field's subfield (items.sku) is a multikey index: it works the same way.",
            "coll.create_index([(\"items.sku\", 1), (\"status\", 1), (\"createdAt\", -1)])",
        ],
    ),
    RedisTask(
        id="11.3",
        title="Give every cache key a TTL, and nothing else",
        setup=TTL_SETUP,
        task=(
            "The database holds cache entries (`cache:*`), some without a TTL, next to data that must stay "
            "(`views`, `user:1`). Write `def answer(r):` that gives every `cache:*` key **that has no TTL "
            "yet** a TTL of 3,600 seconds — leave the TTL of `cache:user:3` (60 s) alone and do not touch "
            "other keys — and returns how many keys it changed. Find the keys with `SCAN` (never `KEYS`) "
            "and send the `EXPIRE`s in one pipeline."
        ),
        reference=_ttl_backfill,
        expect=[expires("cache:user:1", min=3590, max=3600), expires("cache:page:home", min=3590, max=3600),
                expires("cache:user:3", max=60), persistent("views"), persistent("user:1"), returns(4)],
        compare_return=True,
        hints=[
            "`r.scan_iter(match='cache:*', count=1000)` walks the keys without blocking the server.",
            "`EXPIRE key 3600 NX` (Redis 7+, Valkey) sets a TTL only where there is none: "
            "`pipe.expire(key, 3600, nx=True)` returns True for the keys it changed.",
            "with r.pipeline(transaction=False) as pipe: queue one expire per key, then sum(pipe.execute()).",
        ],
    ),
    RedisTask(
        id="11.4",
        title="Move a JSON blob of counters into a sorted set",
        setup=BLOB_SETUP,
        task=(
            "`stats:views` holds a JSON object of view counts (`{\"post:1\": 12, ...}`) that the app re-parses "
            "on every view. Write `def answer(r):` that moves the counts into the sorted set `views` "
            "(member = post, score = views) and deletes `stats:views`, **both in one MULTI/EXEC**, then "
            "returns the top 3 as `ZREVRANGE views 0 2 WITHSCORES` gives them."
        ),
        reference=_blob_to_zset,
        expect=[key_is("views", [("post:5", 3.0), ("post:3", 7.0), ("post:1", 12.0), ("post:6", 25.0),
                                 ("post:2", 40.0), ("post:4", 40.0)], type="zset")],
        compare_return=True,
        hints=[
            "`json.loads(r.get('stats:views'))` gives a dict member → score, which `r.zadd('views', mapping)` takes as is.",
            "`r.pipeline(transaction=True)` wraps the queued commands in MULTI/EXEC.",
            "Ties: ZREVRANGE returns equal scores in reverse lexicographic order (post:4 before post:2).",
        ],
    ),
]
