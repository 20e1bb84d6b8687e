"""Exercises of notebook 11 · The optimization checklist, across PostgreSQL, MongoDB and Redis.

Each check brings its own starting state, so it runs the same before, during or after the lesson:

* 11.1 works on ``nb11.posts`` (created from the seed when missing, like the lesson's copy) and
  drops the indexes with ``category_id`` among their key columns and any index an earlier attempt
  left — the lesson's own indexes (one has ``category_id`` as an ``INCLUDE`` column) stay;
* 11.2 works on ``nb11_orders`` (the 10,000 most recent seeded orders, copied when empty) and drops only the
  indexes that contain ``items.sku``;
* 11.3 and 11.4 run in Redis database 11 on a clean database (the lesson's keys are saved and
  put back by the engine), and are judged on what they sent too (the Redis engine's behaviour
  predicates): 11.3 never sends KEYS and pipelines its EXPIREs; 11.4 reads the blob and writes the
  set in one atomic step (WATCH ... MULTI/EXEC, or one script), so no concurrent view is lost.

Red-team data (``wrong=`` / ``right=``) sits beside each declaration; see
``tests_after_notebooks/test_red_team.py``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ...plans.postgres import explain
from ..core import Wrong, db_error_lines
from ..mongodb import MongoState, mongo_uses_index
from ..redisdb import RedisTask, atomic, expires, max_round_trips, never, persistent, returns
from ..sql import SQLState

# --------------------------------------------------------------------------- 11.1 (PostgreSQL)
CATEGORY = 52  # "Cryptography": the category with the most published posts
CATEGORY_PAGE = (
    "SELECT id, title, published_at FROM nb11.posts "
    f"WHERE category_id = {CATEGORY} AND published_at IS NOT NULL "
    "ORDER BY published_at DESC LIMIT 20"
)

POST_BY_ID = "SELECT title, published_at FROM nb11.posts WHERE id = '59eb1377-8679-4be4-a614-20ef6e4c8e2b'"
AUTHOR_LATEST = (
    "SELECT title, published_at FROM nb11.posts WHERE author_id = 'c9c072cc-339d-4b97-b497-b21f3bc06c31' "
    "ORDER BY created_at DESC LIMIT 20"
)

# The lesson's copy (same statement as in the notebook), made here when the schema has none yet.
COPY_POSTS = """
CREATE TABLE IF NOT EXISTS nb11.posts WITH (autovacuum_enabled = off, parallel_workers = 0) AS
    SELECT id, author_id, title, content, tags, metadata, category_id, published_at, created_at
    FROM public.posts
"""

# The indexes the lesson builds on nb11.posts before this exercise; any other is an earlier attempt's.
LESSON_INDEXES = ("idx_posts_author_created", "idx_posts_published")
DROP_CATEGORY_INDEXES = """
DO $$
DECLARE ix record;
BEGIN
  FOR ix IN SELECT i.indexrelid::regclass AS name FROM pg_index i
            WHERE i.indrelid = 'nb11.posts'::regclass AND NOT i.indisprimary
              AND (EXISTS (SELECT FROM generate_series(1, i.indnkeyatts) AS k
                           WHERE pg_get_indexdef(i.indexrelid, k, true) LIKE '%category_id%')
                   OR (SELECT relname FROM pg_class WHERE oid = i.indexrelid) NOT IN (LESSON_INDEXES)) LOOP
    EXECUTE 'DROP INDEX ' || ix.name;
  END LOOP;
END $$;
""".replace("LESSON_INDEXES", ", ".join(f"'{name}'" for name in LESSON_INDEXES))

# Statistics on the filtered columns if the check made the copy itself (no primary key: the lesson's
# copy has one) and it has never been analyzed. The lesson's own copy is left alone: its section on
# ANALYZE shows the planner without statistics, after this exercise.
ANALYZE_IF_NEVER = """
DO $$
BEGIN
  IF (SELECT last_analyze IS NULL AND last_autoanalyze IS NULL
      FROM pg_stat_user_tables WHERE relid = 'nb11.posts'::regclass)
     AND NOT EXISTS (SELECT FROM pg_index WHERE indrelid = 'nb11.posts'::regclass AND indisprimary) THEN
    ANALYZE nb11.posts (author_id, category_id, published_at, created_at);
  END IF;
END $$;
"""


@dataclass
class _served_in_order:
    """``query`` reads posts through an index that leads with ``leading``, with no Seq Scan and no Sort."""

    query: str
    leading: str

    def _first_column(self, conn, index_name: str) -> str:
        row = conn.execute("SELECT pg_get_indexdef(%s::regclass, 1, true)", (f"nb11.{index_name}",)).fetchone()
        return (row[0] if row else "?").strip('"')

    def verify(self, conn) -> str | None:
        import psycopg

        try:
            plan = explain(conn, self.query, analyze=False)
        except psycopg.Error as exc:
            return "EXPLAIN failed — PostgreSQL says: " + db_error_lines(exc)[0]
        if any(self._first_column(conn, name) == self.leading for name in plan.indexes):
            if plan.sorts:
                return (
                    "The plan finds the category's posts through your index but still sorts them: "
                    "add published_at as the index's second column, so the posts come out newest first."
                )
            return None
        candidates = [
            name
            for (name,) in conn.execute(
                "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE i.indrelid = 'nb11.posts'::regclass ORDER BY c.relname"
            ).fetchall()
            if self._first_column(conn, name) == self.leading
        ]
        if candidates:
            return (
                f"Index {candidates[0]} starts with {self.leading}, but the planner does not use it: it cannot "
                "hand out the posts in published_at order, so another plan looks cheaper. Add published_at "
                "as its second column."
            )
        if plan.uses("Seq Scan"):
            return (
                f"The category page still reads the whole table (Seq Scan on posts): it needs an index that "
                f"starts with {self.leading}."
            )
        walked = [n.index_name for n in plan.walk() if n.filter and n.index_name]
        if walked:
            return (
                f"The category page walks {walked[0]} and filters out every post of another category "
                f"(Rows Removed by Filter): it needs an index that starts with {self.leading}."
            )
        return f"The category page does not use an index yet: it needs an index that starts with {self.leading}."


# --------------------------------------------------------------------------- 11.2 (MongoDB)
ORDERS = "nb11_orders"
PRODUCT_FILTER = {"items.sku": "BK-PG-001", "status": "completed"}
NEWEST_FIRST = [("createdAt", -1)]
QUERY_FIELDS = {"items.sku", "status", "createdAt"}


def _ensure_orders(coll) -> None:
    """The lesson's copy (the 10,000 most recent seeded orders), made here when it is missing."""
    if coll.estimated_document_count() == 0:
        coll.database.orders.aggregate([{"$sort": {"_id": -1}}, {"$limit": 10_000}, {"$out": coll.name}])


def _orders_without_sku_indexes(coll) -> None:
    """The starting state: every index a previous attempt made on items.sku (or a wrong path) is gone."""
    _ensure_orders(coll)
    for ix in list(coll.list_indexes()):
        keys = list(ix["key"])
        if ix["name"] != "_id_" and ("items.sku" in keys or not set(keys) & {"userId"}):
            coll.drop_index(ix["name"])


def _is_status_completed(pfe) -> bool:
    return pfe in ({"status": "completed"}, {"status": {"$eq": "completed"}})


@dataclass
class _product_orders_index:
    """An index whose keys are the two equality fields (either order), then createdAt — or, partial on
    status "completed", items.sku then createdAt."""

    def verify(self, coll) -> str | None:
        indexes = [ix for ix in coll.list_indexes() if ix["name"] != "_id_" and "userId" not in ix["key"]]
        for ix in indexes:
            fields = list(ix["key"].keys())
            if set(fields[:2]) == {"items.sku", "status"} and fields[2:3] == ["createdAt"]:
                return None
            if _is_status_completed(dict(ix.get("partialFilterExpression") or {})) and fields[:2] == [
                "items.sku",
                "createdAt",
            ]:
                return None
        for ix in indexes:
            fields = list(ix["key"].keys())
            stray = [f for f in fields[:3] if f not in QUERY_FIELDS]
            if stray:
                return (
                    f"Index {ix['name']} has the key {stray[0]!r}, which the query never uses: the product's "
                    "SKU sits inside the items array, at the path items.sku."
                )
            if fields[0] == "createdAt":
                return (
                    f"Index {ix['name']} starts with the sort field: the equality fields (items.sku, status) "
                    "go first, or MongoDB walks every order by date."
                )
            if "createdAt" not in fields:
                return (
                    f"Index {ix['name']} finds the orders but not in date order: add createdAt after the "
                    "two equality fields, so MongoDB does not sort them in memory."
                )
            if set(fields[:2]) != {"items.sku", "status"}:
                return (
                    f"Index {ix['name']} has the keys {', '.join(fields)}: the two equality fields "
                    "(items.sku and status) come first, then the sort field createdAt (ESR)."
                )
        return "No index on items.sku, status and createdAt yet."


# --------------------------------------------------------------------------- 11.3 and 11.4 (Redis)
TTL_SETUP = [
    'SET cache:user:1 \'{"name": "Ada"}\'',
    'SET cache:user:2 \'{"name": "Grace"}\'',
    'SET cache:user:3 \'{"name": "Alan"}\' EX 60',
    "SET cache:page:home '<html>home</html>'",
    "SET cache:page:pricing '<html>pricing</html>'",
    "ZADD views 12 post:1 40 post:2",
    "HSET user:1 name Ada status active",
]


def _ttl_backfill(r):
    with r.pipeline(transaction=False) as pipe:
        for key in r.scan_iter(match="cache:*", count=1000):
            pipe.expire(key, 3600, nx=True)  # only keys that have no TTL yet
        return sum(pipe.execute())


def _ttl_backfill_cursor(r):  # right: an explicit SCAN cursor loop
    changed, cursor = 0, 0
    with r.pipeline(transaction=False) as pipe:
        while True:
            cursor, keys = r.scan(cursor, match="cache:*", count=100)
            for key in keys:
                pipe.expire(key, 3600, nx=True)
            if cursor == 0:
                break
        changed = sum(pipe.execute())
    return changed


def _ttl_backfill_ask_first(r):  # right: ask the TTLs in one pipeline, set them in another
    keys = list(r.scan_iter(match="cache:*"))
    with r.pipeline(transaction=False) as pipe:
        for key in keys:
            pipe.ttl(key)
        without = [key for key, ttl in zip(keys, pipe.execute(), strict=True) if ttl == -1]
        for key in without:
            pipe.expire(key, 3600)
        pipe.execute()
    return len(without)


def _ttl_no_nx(r):  # wrong: resets the running TTL of cache:user:3
    with r.pipeline(transaction=False) as pipe:
        for key in r.scan_iter(match="cache:*"):
            pipe.expire(key, 3600)
        return sum(pipe.execute())


def _ttl_users_only(r):  # wrong: a pattern too narrow
    with r.pipeline(transaction=False) as pipe:
        for key in r.scan_iter(match="cache:user:*"):
            pipe.expire(key, 3600, nx=True)
        return sum(pipe.execute())


def _ttl_every_key(r):  # wrong: no MATCH, the data gets a TTL too
    with r.pipeline(transaction=False) as pipe:
        for key in r.scan_iter():
            pipe.expire(key, 3600, nx=True)
        return sum(pipe.execute())


def _ttl_with_keys(r):  # wrong: KEYS blocks the server while it walks every key
    with r.pipeline(transaction=False) as pipe:
        for key in r.keys("cache:*"):
            pipe.expire(key, 3600, nx=True)
        return sum(pipe.execute())


def _ttl_one_by_one(r):  # wrong: one round trip per key
    return sum(bool(r.expire(key, 3600, nx=True)) for key in r.scan_iter(match="cache:*"))


def _ttl_counts_scanned(r):  # wrong: returns how many keys it saw
    keys = list(r.scan_iter(match="cache:*"))
    with r.pipeline(transaction=False) as pipe:
        for key in keys:
            pipe.expire(key, 3600, nx=True)
        pipe.execute()
    return len(keys)


VIEWS_BLOB = {"post:1": 12, "post:2": 40, "post:3": 7, "post:4": 40, "post:5": 3, "post:6": 25}
BLOB_KEY = "stats:views"
BLOB_SETUP = [("SET", BLOB_KEY, json.dumps(VIEWS_BLOB))]


@dataclass
class _migrated_without_loss:
    """Only ``views`` is left, a sorted set holding every count the blob held when it was deleted."""

    def verify(self, outcome) -> str | None:
        state = outcome.state
        if BLOB_KEY in state:
            return f"{BLOB_KEY} still exists: delete it in the same MULTI/EXEC as the ZADD."
        if "views" not in state:
            return "Key views does not exist: ZADD the counts into the sorted set views."
        kind, value, _ttl = state["views"]
        if kind != "zset":
            return f"views is a {kind}; expected a zset (a sorted set: member = post, score = views)."
        extra = sorted(k for k in state if k != "views")
        if extra:
            return f"Unexpected keys: {', '.join(extra)} (only the sorted set views should be left)."
        scores = {member: float(score) for member, score in value}
        if scores != {k: float(v) for k, v in VIEWS_BLOB.items()}:
            shown = ", ".join(f"{k} {v:g}" for k, v in sorted(scores.items()))
            return f"views holds {shown}; expected the blob's counts ({', '.join(f'{k} {v}' for k, v in sorted(VIEWS_BLOB.items()))})."
        return None


def _blob_to_zset(r):
    def migrate(pipe):  # runs again if the blob changes before EXEC
        views = json.loads(pipe.get("stats:views"))  # a read under WATCH
        pipe.multi()
        pipe.zadd("views", views)
        pipe.delete("stats:views")

    r.transaction(migrate, "stats:views")  # WATCH stats:views ... MULTI ... EXEC, retried
    return r.zrange("views", 0, 2, desc=True, withscores=True)


def _blob_watch_loop(r):  # right: the WATCH loop written out
    import redis

    while True:
        with r.pipeline() as pipe:
            try:
                pipe.watch("stats:views")
                views = json.loads(pipe.get("stats:views"))
                pipe.multi()
                pipe.zadd("views", views)
                pipe.delete("stats:views")
                pipe.execute()
                break
            except redis.WatchError:
                continue
    return r.zrange("views", 0, 2, desc=True, withscores=True)


MIGRATE_LUA = """
local views = cjson.decode(redis.call('GET', KEYS[1]))
for member, score in pairs(views) do redis.call('ZADD', KEYS[2], score, member) end
return redis.call('DEL', KEYS[1])
"""


def _blob_lua(r):  # right: one script, atomic on the server
    r.eval(MIGRATE_LUA, 2, "stats:views", "views")
    return r.zrange("views", -3, -1, withscores=True)[::-1]


def _blob_two_steps(r):  # wrong: the DEL after the EXEC, as a second step
    def migrate(pipe):
        views = json.loads(pipe.get("stats:views"))
        pipe.multi()
        pipe.zadd("views", views)

    r.transaction(migrate, "stats:views")
    r.delete("stats:views")
    return r.zrange("views", 0, 2, desc=True, withscores=True)


def _blob_get_outside_multi(r):  # wrong: GET outside MULTI, no WATCH
    views = json.loads(r.get("stats:views"))
    with r.pipeline(transaction=True) as pipe:
        pipe.zadd("views", views)
        pipe.delete("stats:views")
        pipe.execute()
    return r.zrange("views", 0, 2, desc=True, withscores=True)


def _blob_forgets_del(r):  # wrong: the blob stays
    def migrate(pipe):
        views = json.loads(pipe.get("stats:views"))
        pipe.multi()
        pipe.zadd("views", views)

    r.transaction(migrate, "stats:views")
    return r.zrange("views", 0, 2, desc=True, withscores=True)


def _blob_ascending(r):  # wrong: ZRANGE without REV gives the least viewed
    def migrate(pipe):
        views = json.loads(pipe.get("stats:views"))
        pipe.multi()
        pipe.zadd("views", views)
        pipe.delete("stats:views")

    r.transaction(migrate, "stats:views")
    return r.zrange("views", 0, 2, withscores=True)


def _blob_top3_in_python(r):  # wrong: ties come out in insertion order, not as ZRANGE REV
    result = {}

    def migrate(pipe):
        views = json.loads(pipe.get("stats:views"))
        result.update(views)
        pipe.multi()
        pipe.zadd("views", views)
        pipe.delete("stats:views")

    r.transaction(migrate, "stats:views")
    return [(m, float(s)) for m, s in sorted(result.items(), key=lambda kv: kv[1], reverse=True)[:3]]


def _blob_into_hash(r):  # wrong: a hash cannot rank
    def migrate(pipe):
        views = json.loads(pipe.get("stats:views"))
        pipe.multi()
        pipe.hset("views", mapping=views)
        pipe.delete("stats:views")

    r.transaction(migrate, "stats:views")
    return [("post:4", 40.0), ("post:2", 40.0), ("post:6", 25.0)]


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
            "Drafts are never asked for, so a partial index is welcome but not required; the index name is yours."
        ),
        setup=["CREATE SCHEMA IF NOT EXISTS nb11", COPY_POSTS, DROP_CATEGORY_INDEXES, ANALYZE_IF_NEVER],
        reference=(
            "CREATE INDEX idx_posts_category_published ON nb11.posts (category_id, published_at DESC) "
            "WHERE published_at IS NOT NULL"
        ),
        expect=[_served_in_order(CATEGORY_PAGE, "category_id")],
        hints=[
            "The category page is the one: its plan filters on category_id and sorts on published_at.",
            "Equality columns first, then the ORDER BY column. Add WHERE published_at IS NOT NULL to make it "
            "partial: drafts are never asked for.",
            "CREATE INDEX ... ON nb11.posts (<the equality column>, <the sort column> DESC) WHERE ... — fill in the names.",
        ],
        wrong=[
            Wrong(
                "CREATE INDEX idx_posts_category ON nb11.posts (category_id)",
                says="second column",
                why="indexes the WHERE but not the ORDER BY: the Sort stays",
            ),
            Wrong(
                "CREATE INDEX idx_posts_cat ON nb11.posts (category_id, created_at DESC)",
                says="published_at as",
                why="the wrong date column: created_at is not what the page orders by",
            ),
            Wrong(
                "CREATE INDEX idx_posts_published_category ON nb11.posts (published_at DESC, category_id)",
                says="starts with category_id",
                why="column order reversed: the sort column first",
            ),
            Wrong(
                "CREATE INDEX idx_posts_author_latest ON nb11.posts (author_id, created_at DESC)",
                says="needs an index that starts with category_id",
                why="fixed the wrong statement: the author's page is not the slow one here",
            ),
        ],
        right=[
            "CREATE INDEX idx_posts_category_published ON nb11.posts (category_id, published_at)",
            "CREATE INDEX idx_posts_category_published ON nb11.posts (category_id, published_at DESC, id) "
            "WHERE published_at IS NOT NULL",
            "create index on nb11.posts using btree (category_id, published_at desc)",
        ],
    ),
    MongoState(
        id="11.2",
        collection=ORDERS,
        title="Index the orders of a product the way the query asks",
        task=(
            "The shop's back office shows a product's latest completed orders:\n\n"
            '`orders.find({"items.sku": "BK-PG-001", "status": "completed"}).sort({"createdAt": -1}).limit(20)`\n\n'
            "and `explain()` reports a `COLLSCAN` over all 10,000 orders. Write `def answer(coll):` that "
            "creates the one compound index matching this query pattern (equality fields, then the sort "
            "field), on `nb11_orders`. The index name is yours."
        ),
        setup=_orders_without_sku_indexes,
        reference=lambda coll: coll.create_index([("items.sku", 1), ("status", 1), ("createdAt", -1)]),
        expect=[_product_orders_index(), mongo_uses_index(PRODUCT_FILTER, sort=NEWEST_FIRST)],
        hints=[
            "ESR: the fields compared with equality first (items.sku and status, in either order), then the sort.",
            "An index on an array field's subfield (items.sku) is a multikey index: it works the same way.",
            "coll.create_index([(<equality field>, 1), (<equality field>, 1), (<sort field>, <its direction>)])",
        ],
        wrong=[
            Wrong(
                lambda coll: coll.create_index([("createdAt", -1), ("items.sku", 1), ("status", 1)]),
                says="starts with the sort field",
                why="sort field first: ESR not applied",
            ),
            Wrong(
                lambda coll: coll.create_index([("items.sku", 1), ("status", 1)]),
                says="not in date order",
                why="equality fields only: the SORT stays in memory",
            ),
            Wrong(
                lambda coll: coll.create_index([("items.sku", 1), ("createdAt", -1), ("status", 1)]),
                says="come first",
                why="the sort field between the two equality fields",
            ),
            Wrong(
                lambda coll: coll.create_index([("sku", 1), ("status", 1), ("createdAt", -1)]),
                says="items.sku",
                why="wrong field path: the SKU lives inside the items array",
            ),
        ],
        right=[
            lambda coll: coll.create_index([("status", 1), ("items.sku", 1), ("createdAt", -1)]),
            lambda coll: coll.create_index([("items.sku", 1), ("status", 1), ("createdAt", 1)], name="by_product"),
            lambda coll: coll.create_index(
                [("items.sku", 1), ("createdAt", -1)], partialFilterExpression={"status": "completed"}
            ),
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
        expect=[
            expires("cache:user:1", min=3590, max=3600),
            expires("cache:page:home", min=3590, max=3600),
            expires("cache:user:3", max=60),
            persistent("views"),
            persistent("user:1"),
            returns(4),
            never("KEYS", why="KEYS walks the whole keyspace in one command that blocks the server: use SCAN"),
            max_round_trips(3, why="one EXPIRE per round trip: queue them in one pipeline"),
        ],
        compare_return=True,
        hints=[
            "`r.scan_iter(match='cache:*', count=1000)` walks the keys without blocking the server.",
            "`EXPIRE key 3600 NX` (Redis 7+, Valkey) sets a TTL only where there is none: "
            "`pipe.expire(key, 3600, nx=True)` returns True for the keys it changed.",
            "Queue the EXPIREs in `r.pipeline(transaction=False)`; what `execute()` returns tells you how many "
            "keys changed.",
        ],
        wrong=[
            Wrong(
                _ttl_no_nx,
                says="cache:user:3 expires too late",
                why="EXPIRE without NX resets a running TTL (60 s became an hour)",
            ),
            Wrong(_ttl_users_only, says="cache:page:home has no TTL", why="a MATCH pattern too narrow"),
            Wrong(_ttl_every_key, says="views expires", why="no MATCH: data keys got a TTL and will vanish"),
            Wrong(_ttl_counts_scanned, says="returned 5", why="counts the keys seen, not the keys changed"),
            Wrong(_ttl_with_keys, says="Your code sent KEYS", why="KEYS instead of SCAN: blocks the server"),
            Wrong(_ttl_one_by_one, says="queue them in one pipeline", why="no pipeline: one round trip per key"),
        ],
        right=[_ttl_backfill_cursor, _ttl_backfill_ask_first],
    ),
    RedisTask(
        id="11.4",
        title="Move a JSON blob of counters into a sorted set, without losing a view",
        setup=BLOB_SETUP,
        task=(
            '`stats:views` holds a JSON object of view counts (`{"post:1": 12, ...}`) that the old app still '
            "rewrites on every view. Write `def answer(r):` that moves the counts into the sorted set `views` "
            "(member = post, score = views) and deletes `stats:views`, reading the blob and writing both in "
            "**one atomic step** — a view the old app counts between your read and your writes must not be "
            "lost — then returns the top 3 as `ZRANGE views 0 2 REV WITHSCORES` gives them."
        ),
        reference=_blob_to_zset,
        compare_state=False,
        expect=[
            _migrated_without_loss(),
            atomic(
                "GET",
                "ZADD",
                "DEL",
                why="a view the old app counts between your GET and your EXEC is lost: "
                "WATCH stats:views before reading it (and retry when EXEC fails), or do it all in one Lua script",
            ),
        ],
        compare_return=True,
        hints=[
            "`json.loads(...)` of the blob gives a dict member → score, which `zadd('views', mapping)` takes as is.",
            "A GET before MULTI sees a version another client may replace before EXEC: WATCH the key first "
            "(`r.transaction(func, 'stats:views')` retries for you), or do the whole move in one Lua script.",
            "Ties: ZRANGE ... REV returns equal scores in reverse lexicographic order (post:4 before post:2); "
            "redis-py spells REV as `desc=True`.",
        ],
        wrong=[
            Wrong(
                _blob_get_outside_multi,
                says="WATCH stats:views before reading it",
                why="GET outside MULTI without WATCH: an increment arriving before EXEC is overwritten",
            ),
            Wrong(
                _blob_two_steps,
                says="separate",
                why="ZADD and DEL in two steps: a crash between them leaves both the blob and the set",
            ),
            Wrong(_blob_forgets_del, says="stats:views still exists", why="the blob is left behind"),
            Wrong(_blob_ascending, says="your answer returned", why="ZRANGE without REV: the least viewed first"),
            Wrong(
                _blob_top3_in_python,
                says="your answer returned",
                why="a sort in Python keeps ties in insertion order (post:2 before post:4)",
            ),
            Wrong(_blob_into_hash, says="expected a zset", why="a hash holds counts but cannot rank them"),
        ],
        right=[_blob_watch_loop, _blob_lua],
    ),
]
