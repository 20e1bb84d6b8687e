"""Exercises of notebook 01 · Choose a database by asking four of them the same question.

01.1 runs on the workbook's SQLite file, 01.4 on PostgreSQL's seeded ``posts``: both plant their
edge cases (boundary instants, ties, drafts, look-alike tags) with INSERTs inside the check's own
transaction, which is always rolled back. 01.2 runs on ``nb01_categories``, the notebook's copy
of the seeded ``categories``, which the check rebuilds with planted categories and then removes
them. 01.3 runs in Redis database 1 (the notebook's own; the check saves and restores the
lesson's keys) and records the commands the answer sends, to require one MULTI/EXEC.
"""

from __future__ import annotations

from .. import Wrong
from ..mongodb import MongoQuery
from ..redisdb import RedisTask, atomic, never, persistent
from ..sql import SQLQuery

NOW = "TIMESTAMPTZ '2026-11-01 12:00:00+00'"  # the dataset's fixed now

# --------------------------------------------------------------------------- 01.1 (SQLite)
_LITE_COLUMNS = "(id, author_id, title, content, tags, metadata, published_at, created_at)"


def _lite_post(pid, title, views, tags='["postgresql"]', published="'2026-10-20 10:00:00'"):
    meta = '{"source": "web", "featured": false, "stats": {"views": %d, "likes": 0}}' % views  # noqa: UP031  JSON's braces read plainer than an f-string's {{ }}
    return (
        f"INSERT INTO posts {_LITE_COLUMNS} VALUES ('{pid}', (SELECT id FROM users LIMIT 1), "
        f"'{title}', '', '{tags}', '{meta}', {published}, '2026-10-01 00:00:00')"
    )


LITE_SETUP = [
    # a tie inside the top 5, inserted in the opposite order of the tie-breaker (id)
    _lite_post("ffffffff-0000-4000-8000-00000000000b", "Tie, larger id (planted)", 9_000_000),
    _lite_post("00000000-0000-4000-8000-00000000000a", "Tie, smaller id (planted)", 9_000_000),
    # more views than the tie: as text, '10000000' sorts below '9000000'
    _lite_post("11111111-0000-4000-8000-000000000010", "Ten million views (planted)", 10_000_000),
    # not published, not tagged exactly 'postgresql'
    _lite_post("22222222-0000-4000-8000-000000000020", "Draft (planted)", 20_000_000, published="NULL"),
    _lite_post(
        "33333333-0000-4000-8000-000000000030",
        "Tag postgresql-internals (planted)",
        15_000_000,
        tags='["postgresql-internals"]',
    ),
]

# --------------------------------------------------------------------------- 01.2 (MongoDB)
CATEGORIES_COPY = "nb01_categories"
_PLANTED_CATEGORIES = [
    {"_id": 9002, "name": "Zines (planted)", "parent": None},
    {"_id": 9003, "name": "Zine reviews (planted)", "parent": 9002},
    {"_id": 9004, "name": "Zine making (planted)", "parent": 9002},
    {"_id": 9005, "name": "Risograph (planted, a grandchild)", "parent": 9003},
    {"_id": 9001, "name": "Archive (planted, no subcategories)", "parent": None},
]


def _categories_setup(db):
    copy = db[CATEGORIES_COPY]
    copy.delete_many({})
    copy.insert_many(list(db.categories.find().sort("_id", 1)) + [dict(d) for d in _PLANTED_CATEGORIES])


def _categories_cleanup(db):
    db[CATEGORIES_COPY].delete_many({"_id": {"$gte": 9000}})


# --------------------------------------------------------------------------- 01.3 (Redis)
def _bump_setup(r):
    r.zadd("top:posts", {"p1": 900, "p2": 700, "p3": 400})
    r.hset("post:p1", mapping={"title": "Sorted sets", "views": 900})
    r.hset("post:p2", mapping={"title": "Hashes", "views": 700})
    r.hset("post:p3", mapping={"title": "Caching in practice", "views": 400})


def _bump_p3(r):
    pipe = r.pipeline(transaction=True)
    pipe.zincrby("top:posts", 600, "p3")
    pipe.hincrby("post:p3", "views", 600)
    pipe.zrevrank("top:posts", "p3")
    _, _, rank = pipe.execute()
    return rank + 1


def _bump_separately(r):
    r.zincrby("top:posts", 600, "p3")
    r.hincrby("post:p3", "views", 600)
    return r.zrevrank("top:posts", "p3") + 1


def _bump_no_multi(r):
    pipe = r.pipeline(transaction=False)
    pipe.zincrby("top:posts", 600, "p3")
    pipe.hincrby("post:p3", "views", 600)
    pipe.zrevrank("top:posts", "p3")
    return pipe.execute()[2] + 1


def _bump_zero_based(r):
    pipe = r.pipeline(transaction=True)
    pipe.zincrby("top:posts", 600, "p3")
    pipe.hincrby("post:p3", "views", 600)
    pipe.zrevrank("top:posts", "p3")
    return pipe.execute()[2]


def _bump_ascending_rank(r):
    pipe = r.pipeline(transaction=True)
    pipe.zincrby("top:posts", 600, "p3")
    pipe.hincrby("post:p3", "views", 600)
    pipe.zrank("top:posts", "p3")
    return pipe.execute()[2] + 1


def _bump_read_then_write(r):
    views = int(r.hget("post:p3", "views")) + 600
    pipe = r.pipeline(transaction=True)
    pipe.zadd("top:posts", {"p3": views})
    pipe.hset("post:p3", "views", views)
    pipe.zrevrank("top:posts", "p3")
    return pipe.execute()[2] + 1


def _bump_with_context(r):
    with r.pipeline() as pipe:  # transaction=True is the default
        pipe.zincrby("top:posts", 600, "p3").hincrby("post:p3", "views", 600)
        pipe.zrevrank("top:posts", "p3")
        return pipe.execute()[-1] + 1


def _bump_with_script(r):
    script = """
        redis.call('ZINCRBY', KEYS[1], ARGV[1], ARGV[2])
        redis.call('HINCRBY', KEYS[2], 'views', ARGV[1])
        return redis.call('ZREVRANK', KEYS[1], ARGV[2])
    """
    return r.eval(script, 2, "top:posts", "post:p3", 600, "p3") + 1


# --------------------------------------------------------------------------- 01.4 (PostgreSQL)
def _pg_post(source, published, views=5, n=1):
    meta = '{"source": "%s", "featured": false, "stats": {"views": %d, "likes": 0}}' % (source, views)  # noqa: UP031  JSON's braces read plainer than an f-string's {{ }}
    return (
        f"INSERT INTO posts (author_id, title, content, metadata, published_at, created_at) "
        f"SELECT (SELECT id FROM users ORDER BY id LIMIT 1), 'planted', '', '{meta}', {published}, {published} "
        f"FROM generate_series(1, {n})"
    )


PG_SETUP = [
    _pg_post("edge: at now - 30 days", f"{NOW} - INTERVAL '30 days'"),
    _pg_post("edge: 30.5 days before", f"{NOW} - INTERVAL '30 days 12 hours'"),
    # two sources tied on the count, the one that sorts second by name with more views
    _pg_post("tie-b", f"{NOW} - INTERVAL '3 days'", views=50, n=2),
    _pg_post("tie-a", f"{NOW} - INTERVAL '2 days'", views=10, n=2),
]

LAST_30_DAYS = f"""
            SELECT metadata->>'source' AS source,
                   count(*) AS posts,
                   sum(CAST(metadata->'stats'->>'views' AS INTEGER)) AS views
            FROM posts
            WHERE published_at > {NOW} - INTERVAL '30 days'
            GROUP BY 1
            ORDER BY posts DESC, source
        """


EXERCISES = [
    SQLQuery(
        id="01.1",
        database="sqlite",
        title="The most-viewed PostgreSQL posts, in SQLite's dialect",
        task=(
            "In the workbook's **SQLite** file, return the 5 most-viewed **published** posts tagged "
            "`postgresql`, most-viewed first (ties: by `id`), with the columns `id`, `title` and `views` "
            "(an integer: the number at `metadata.stats.views`).\n\n"
            "In SQLite, `tags` is a JSON array in a TEXT column and `metadata` a JSON object: "
            "PostgreSQL's `'postgresql' = ANY(tags)` does not exist here. The check adds a few posts "
            "of its own first (titles ending in *(planted)*: a tie, a draft, a look-alike tag), in a "
            "transaction it rolls back."
        ),
        setup=LITE_SETUP,
        reference="""
            SELECT p.id, p.title, CAST(p.metadata->'stats'->>'views' AS INTEGER) AS views
            FROM posts p
            WHERE p.published_at IS NOT NULL
              AND EXISTS (SELECT 1 FROM json_each(p.tags) WHERE value = 'postgresql')
            ORDER BY views DESC, p.id
            LIMIT 5
        """,
        ordered=True,
        columns=True,
        hints=[
            "`json_each(p.tags)` is a table-valued function: one row per array element, in the column `value`.",
            "Keep a post when `EXISTS (SELECT 1 FROM json_each(p.tags) WHERE ...)`; SQLite's `->>` returns "
            "the number itself, and `CAST(... AS INTEGER)` makes the type explicit.",
            "Drafts have `published_at IS NULL`. Two posts can have the same views: the task says which comes first.",
        ],
        wrong=[
            Wrong(
                """SELECT p.id, p.title, CAST(p.metadata->'stats'->>'views' AS INTEGER) AS views
                     FROM posts p WHERE p.published_at IS NOT NULL
                       AND EXISTS (SELECT 1 FROM json_each(p.tags) WHERE value = 'postgresql')
                     ORDER BY views DESC LIMIT 5""",
                says="wrong order",
                why="No tie-breaker: two posts with the same views come back in storage order, not by id.",
            ),
            Wrong(
                """SELECT p.id, p.title, CAST(p.metadata->'stats'->>'views' AS INTEGER) AS views
                     FROM posts p WHERE EXISTS (SELECT 1 FROM json_each(p.tags) WHERE value = 'postgresql')
                     ORDER BY views DESC, p.id LIMIT 5""",
                says="Draft (planted)",
                why="The published filter is missing: drafts count.",
            ),
            Wrong(
                """SELECT p.id, p.title, CAST(p.metadata->'stats'->>'views' AS INTEGER) AS views
                     FROM posts p WHERE p.published_at IS NOT NULL AND p.tags LIKE '%postgresql%'
                     ORDER BY views DESC, p.id LIMIT 5""",
                says="Tag postgresql-internals",
                why="A substring match on the JSON text also finds longer tags that contain the word.",
            ),
            Wrong(
                """SELECT p.id, p.title, p.metadata->'stats'->'views' AS views
                     FROM posts p WHERE p.published_at IS NOT NULL
                       AND EXISTS (SELECT 1 FROM json_each(p.tags) WHERE value = 'postgresql')
                     ORDER BY views DESC, p.id LIMIT 5""",
                says="Ten million views",
                why="`->` returns JSON text: sorted as text, '9000000' comes before '10000000'.",
            ),
            Wrong(
                """SELECT id, title, CAST(metadata->'stats'->>'views' AS INTEGER) AS views FROM posts
                     WHERE published_at IS NOT NULL AND 'postgresql' = ANY(tags)
                     ORDER BY views DESC, id LIMIT 5""",
                says="SQLite says",
                why="PostgreSQL's array syntax: SQLite has no arrays, tags is JSON text.",
            ),
        ],
        right=[
            """SELECT id, title, json_extract(metadata, '$.stats.views') AS views FROM posts
               WHERE published_at IS NOT NULL AND 'postgresql' IN (SELECT value FROM json_each(tags))
               ORDER BY 3 DESC, 1 LIMIT 5""",
            """WITH tagged AS (SELECT DISTINCT p.id FROM posts p, json_each(p.tags) t WHERE t.value = 'postgresql')
               SELECT p.title, p.id, CAST(p.metadata ->> '$.stats.views' AS INTEGER) AS views
               FROM posts p JOIN tagged USING (id)
               WHERE NOT p.published_at IS NULL
               ORDER BY views DESC, id ASC LIMIT 5""",
            """SELECT id, title, CAST(metadata->'stats'->>'views' AS INTEGER) AS views FROM posts
               WHERE published_at IS NOT NULL AND tags LIKE '%"postgresql"%'
               ORDER BY views DESC, id LIMIT 5""",
        ],
    ),
    MongoQuery(
        id="01.2",
        collection=CATEGORIES_COPY,
        timeout=30,
        setup=_categories_setup,
        cleanup=_categories_cleanup,
        title="Join the category tree to itself (MongoDB)",
        task=(
            "`nb01_categories`, the notebook's copy of the seeded `categories`, holds the category tree as "
            "one document per node: `{_id, name, parent}`, where `parent` is the `_id` of the parent "
            "category (`null` for the roots) — a reference, like a post's `authorId`.\n\n"
            "Write a **pipeline** on `nb01_categories` that returns, for each **root** category, a document "
            "`{name, children}` where `children` is the number of its **direct** subcategories, sorted by "
            "`name`. No `_id` in the output. The check first adds a few categories of its own to the copy "
            "(names ending in *(planted)*), and removes them afterwards."
        ),
        reference=[
            {"$match": {"parent": None}},
            {
                "$lookup": {
                    "from": CATEGORIES_COPY,
                    "localField": "_id",
                    "foreignField": "parent",
                    "as": "subcategories",
                }
            },
            {"$project": {"_id": 0, "name": 1, "children": {"$size": "$subcategories"}}},
            {"$sort": {"name": 1}},
        ],
        ordered=True,
        compare_id=True,
        hints=[
            'Start with the roots: `{"$match": {"parent": None}}` (Python\'s None is BSON null).',
            'A join in MongoDB is a `$lookup` stage: from the same collection, `localField: "_id"`, '
            '`foreignField: "parent"` collects each root\'s children in an array (`as`).',
            '`{"$size": "$<the array>"}` counts an array\'s elements; a root without children gets an '
            "empty array. Then project the two fields and sort.",
        ],
        wrong=[
            Wrong(
                [
                    {"$match": {"parent": None}},
                    {
                        "$lookup": {
                            "from": "categories",
                            "localField": "_id",
                            "foreignField": "parent",
                            "as": "subcategories",
                        }
                    },
                    {"$project": {"_id": 0, "name": 1, "children": {"$size": "$subcategories"}}},
                    {"$sort": {"name": 1}},
                ],
                says="Zines (planted)",
                why="$lookup from the seeded `categories`, not the copy the pipeline runs on.",
            ),
            Wrong(
                [
                    {"$match": {"parent": None}},
                    {
                        "$lookup": {
                            "from": CATEGORIES_COPY,
                            "localField": "_id",
                            "foreignField": "parent",
                            "as": "subcategories",
                        }
                    },
                    {"$unwind": "$subcategories"},
                    {"$group": {"_id": "$name", "children": {"$sum": 1}}},
                    {"$project": {"_id": 0, "name": "$_id", "children": 1}},
                    {"$sort": {"name": 1}},
                ],
                says="Archive (planted, no subcategories)",
                why="$unwind drops a document whose array is empty: a root without children disappears.",
            ),
            Wrong(
                [
                    {"$match": {"parent": None}},
                    {
                        "$graphLookup": {
                            "from": CATEGORIES_COPY,
                            "startWith": "$_id",
                            "connectFromField": "_id",
                            "connectToField": "parent",
                            "as": "subcategories",
                        }
                    },
                    {"$project": {"_id": 0, "name": 1, "children": {"$size": "$subcategories"}}},
                    {"$sort": {"name": 1}},
                ],
                says="Missing documents",
                why="$graphLookup without maxDepth collects every descendant, not the direct children.",
            ),
            Wrong(
                [
                    {"$match": {"parent": None}},
                    {
                        "$lookup": {
                            "from": CATEGORIES_COPY,
                            "localField": "_id",
                            "foreignField": "parent",
                            "as": "subcategories",
                        }
                    },
                    {"$project": {"name": 1, "children": {"$size": "$subcategories"}}},
                    {"$sort": {"name": 1}},
                ],
                says="_id",
                why="$project keeps _id unless told `_id: 0`.",
            ),
            Wrong(
                [
                    {"$match": {"parent": None}},
                    {
                        "$lookup": {
                            "from": CATEGORIES_COPY,
                            "localField": "_id",
                            "foreignField": "parent",
                            "as": "subcategories",
                        }
                    },
                    {"$project": {"_id": 0, "name": 1, "children": {"$size": "$subcategories"}}},
                ],
                says="wrong order",
                why="No $sort: documents come in storage order.",
            ),
        ],
        right=[
            [
                {
                    "$lookup": {
                        "from": CATEGORIES_COPY,
                        "let": {"id": "$_id"},
                        "pipeline": [{"$match": {"$expr": {"$eq": ["$parent", "$$id"]}}}],
                        "as": "kids",
                    }
                },
                {"$match": {"parent": {"$eq": None}}},
                {"$addFields": {"children": {"$size": "$kids"}}},
                {"$sort": {"name": 1}},
                {"$project": {"_id": 0, "name": 1, "children": 1}},
            ],
            [
                {"$match": {"parent": None}},
                {
                    "$graphLookup": {
                        "from": CATEGORIES_COPY,
                        "startWith": "$_id",
                        "connectFromField": "_id",
                        "connectToField": "parent",
                        "maxDepth": 0,
                        "as": "direct",
                    }
                },
                {"$project": {"_id": 0, "children": {"$size": "$direct"}, "name": 1}},
                {"$sort": {"name": 1}},
            ],
        ],
    ),
    RedisTask(
        id="01.3",
        title="Keep the cached ranking and the post hash in step (Redis)",
        setup=_bump_setup,
        task=(
            "A cache holds the ranking `top:posts` (a sorted set: member = post id, score = views) and one hash "
            "per post (`post:p1`, `post:p2`, `post:p3`, each with `title` and `views`).\n\n"
            "Post `p3` just received **600** more views. Write `def answer(r):` that adds them to **both** the "
            "sorted set and the hash's `views` field — in one `MULTI`/`EXEC` transaction, so that no reader "
            "ever sees one updated without the other — and returns p3's new rank, **1-based** (1 = most viewed). "
            "The check records the commands your function sends."
        ),
        reference=_bump_p3,
        compare_return=True,
        expect=[persistent("top:posts")],
        behaviour=[
            atomic(
                "ZINCRBY",
                "HINCRBY",
                why="a reader between the two sees the ranking and the hash disagree: queue both in one "
                "MULTI/EXEC (`r.pipeline(transaction=True)`)",
            ),
            never(
                ("ZADD", "HSET"),
                why="writing p3's new views with ZADD/HSET from a value read earlier loses a view counted "
                "by another client in between: add with ZINCRBY and HINCRBY",
            ),
        ],
        hints=[
            "`ZINCRBY key increment member` and `HINCRBY key field increment` add without reading first.",
            "`pipe = r.pipeline(transaction=True)` queues commands and sends them wrapped in MULTI/EXEC; "
            "`pipe.execute()` returns every reply, in order.",
            "A rank counts from 0; which of ZRANK and ZREVRANK counts from the most viewed?",
        ],
        wrong=[
            Wrong(
                _bump_separately,
                says="separate commands",
                why="Two round trips: a reader between them sees the ranking and the hash disagree.",
            ),
            Wrong(
                _bump_no_multi,
                says="separate commands",
                why="A pipeline without MULTI batches the commands but does not make them atomic.",
            ),
            Wrong(_bump_zero_based, says="returned 0", why="ZREVRANK counts from 0: the task asks for a 1-based rank."),
            Wrong(
                _bump_ascending_rank,
                says="returned 3",
                why="ZRANK counts from the lowest score: the most viewed post has the highest rank.",
            ),
            Wrong(
                _bump_read_then_write,
                says="ZADD/HSET",
                why="Read, add in Python, write back: a view counted meanwhile by another client is lost.",
            ),
        ],
        right=[_bump_with_context, _bump_with_script],
    ),
    SQLQuery(
        id="01.4",
        title="Last month's posts by source (PostgreSQL, jsonb and dates)",
        task=(
            "In **PostgreSQL**, for the posts published in the 30 days before the dataset's now "
            "(`2026-11-01 12:00:00+00`; `published_at` strictly later than now minus 30 days), return per "
            "`source` (the text at `metadata->>'source'`) the number of posts and the sum of their views "
            "(`metadata.stats.views`, as an integer): columns `source`, `posts`, `views`, the biggest "
            "source first (ties: by source).\n\n"
            "Use the fixed timestamp, not `NOW()`, so the answer does not change with the calendar. The "
            "check adds a few posts of its own first (sources named *edge: ...* and *tie-...*), in a "
            "transaction it rolls back."
        ),
        setup=PG_SETUP,
        reference=LAST_30_DAYS,
        ordered=True,
        columns=True,
        hints=[
            "`TIMESTAMPTZ '2026-11-01 12:00:00+00' - INTERVAL '30 days'` is the start of the window.",
            "`->>` returns text: cast before summing, with `CAST(... AS INTEGER)` or `::int`.",
            "Group by the source; two sources can have the same number of posts: the task says how to order them.",
        ],
        wrong=[
            Wrong(
                LAST_30_DAYS.replace("published_at >", "published_at >="),
                says="edge: at now - 30 days",
                why="`>=` includes a post published exactly 30 days before now; the window is strictly later.",
            ),
            Wrong(
                LAST_30_DAYS.replace("INTERVAL '30 days'", "INTERVAL '1 month'"),
                says="Unexpected rows",
                why="'1 month' back from November 1 is 31 days: October 1, not October 2.",
            ),
            Wrong(
                LAST_30_DAYS.replace("ORDER BY posts DESC, source", "ORDER BY posts DESC, views DESC"),
                says="wrong order",
                why="Ties on the count must be ordered by source, as asked, not by views.",
            ),
            Wrong(
                LAST_30_DAYS.replace("ORDER BY posts DESC, source", "ORDER BY posts DESC"),
                says="wrong order",
                why="No tie-breaker: two sources with the same count come back in whatever order the sort leaves them.",
            ),
            Wrong(
                LAST_30_DAYS.replace(NOW, "NOW()"),
                says="Missing rows",
                why="NOW() is the wall clock: weeks after the dataset's now, the window holds no post.",
            ),
            Wrong(
                LAST_30_DAYS.replace(
                    "sum(CAST(metadata->'stats'->>'views' AS INTEGER))", "sum(metadata->'stats'->>'views')"
                ),
                says="PostgreSQL says",
                why="`->>` returns text, and sum() of text does not exist: cast first.",
            ),
        ],
        right=[
            """SELECT metadata->>'source' AS source, count(id) AS posts,
                      sum((metadata #>> '{stats,views}')::bigint) AS views
               FROM posts WHERE TIMESTAMPTZ '2026-10-02 12:00:00+00' < published_at
               GROUP BY metadata->>'source' ORDER BY 2 DESC, 1""",
            f"""WITH recent AS (
                   SELECT metadata->>'source' AS src, (metadata->'stats'->>'views')::int AS v
                   FROM posts WHERE published_at > {NOW} - INTERVAL '30 days')
               SELECT sum(v) AS views, src AS source, count(*) AS posts
               FROM recent GROUP BY src ORDER BY posts DESC, source ASC""",
        ],
    ),
]
