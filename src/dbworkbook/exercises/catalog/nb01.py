"""Exercises of notebook 01 · Choose a database by asking four of them the same question.

01.1 runs on the workbook's SQLite file (read only), 01.2 on the seeded MongoDB ``categories``
(read only), 01.3 in Redis database 1 (the notebook's own; the check saves and restores the
lesson's keys), 01.4 on PostgreSQL (``nb01`` then ``public``).
"""
from __future__ import annotations

from ..mongodb import MongoQuery
from ..redisdb import RedisTask, persistent
from ..sql import SQLQuery


def _bump_p3(r):
    pipe = r.pipeline(transaction=True)
    pipe.zincrby("top:posts", 600, "p3")
    pipe.hincrby("post:p3", "views", 600)
    pipe.zrevrank("top:posts", "p3")
    _, _, rank = pipe.execute()
    return rank + 1


EXERCISES = [
    SQLQuery(
        id="01.1", database="sqlite",
        title="The most-viewed PostgreSQL posts, in SQLite's dialect",
        task=(
            "In the workbook's **SQLite** file, return the 5 most-viewed **published** posts tagged "
            "`postgresql`, most-viewed first (ties: by `id`), with the columns `id`, `title` and `views` "
            "(an integer: the number at `metadata.stats.views`).\n\n"
            "In SQLite, `tags` is a JSON array in a TEXT column and `metadata` a JSON object: "
            "PostgreSQL's `'postgresql' = ANY(tags)` does not exist here."
        ),
        reference="""
            SELECT p.id, p.title, CAST(p.metadata->'stats'->>'views' AS INTEGER) AS views
            FROM posts p
            WHERE p.published_at IS NOT NULL
              AND EXISTS (SELECT 1 FROM json_each(p.tags) WHERE value = 'postgresql')
            ORDER BY views DESC, p.id
            LIMIT 5
        """,
        ordered=True,
        hints=[
            "`json_each(p.tags)` is a table-valued function: one row per array element, in the column `value`.",
            "Filter with `EXISTS (SELECT 1 FROM json_each(p.tags) WHERE value = 'postgresql')`; the views are "
            "`CAST(p.metadata->'stats'->>'views' AS INTEGER)` (or `json_extract(p.metadata, '$.stats.views')`).",
            "Drafts have `published_at IS NULL`. Sort with `ORDER BY views DESC, p.id` and `LIMIT 5`.",
        ],
    ),
    MongoQuery(
        id="01.2", collection="categories", timeout=30,
        title="Join the category tree to itself (MongoDB)",
        task=(
            "The seeded MongoDB `categories` hold the category tree as one document per node: "
            "`{_id, name, parent}`, where `parent` is the `_id` of the parent category (`null` for the 5 roots) "
            "— a reference, like a post's `authorId`.\n\n"
            "Write a **pipeline** that returns, for each **root** category, a document `{name, children}` where "
            "`children` is the number of its **direct** subcategories, sorted by `name`. No `_id` in the output."
        ),
        reference=[
            {"$match": {"parent": None}},
            {"$lookup": {"from": "categories", "localField": "_id", "foreignField": "parent", "as": "subcategories"}},
            {"$project": {"_id": 0, "name": 1, "children": {"$size": "$subcategories"}}},
            {"$sort": {"name": 1}},
        ],
        ordered=True,
        compare_id=True,
        hints=[
            "Start with the roots: `{\"$match\": {\"parent\": None}}` (Python's None is BSON null).",
            "A join in MongoDB is a `$lookup` stage: from the same collection, `localField: \"_id\"`, "
            "`foreignField: \"parent\"`, `as: \"subcategories\"` collects each root's children in an array.",
            "`{\"$project\": {\"_id\": 0, \"name\": 1, \"children\": {\"$size\": \"$subcategories\"}}}`, "
            "then `{\"$sort\": {\"name\": 1}}`.",
        ],
    ),
    RedisTask(
        id="01.3",
        title="Keep the cached ranking and the post hash in step (Redis)",
        setup=["ZADD top:posts 900 p1 700 p2 400 p3",
               "HSET post:p1 title 'Sorted sets' views 900",
               "HSET post:p2 title 'Hashes' views 700",
               "HSET post:p3 title 'Caching in practice' views 400"],
        task=(
            "A cache holds the ranking `top:posts` (a sorted set: member = post id, score = views) and one hash "
            "per post (`post:p1`, `post:p2`, `post:p3`, each with `title` and `views`).\n\n"
            "Post `p3` just received **600** more views. Write `def answer(r):` that adds them to **both** the "
            "sorted set and the hash's `views` field — in one `MULTI`/`EXEC` transaction, so that no reader "
            "ever sees one updated without the other — and returns p3's new rank, **1-based** (1 = most viewed)."
        ),
        reference=_bump_p3,
        compare_return=True,
        expect=[persistent("top:posts")],
        hints=[
            "`ZINCRBY key increment member` and `HINCRBY key field increment` add without reading first.",
            "`pipe = r.pipeline(transaction=True)` queues commands and sends them wrapped in MULTI/EXEC; "
            "`pipe.execute()` returns every reply, in order.",
            "`ZREVRANK top:posts p3` counts from 0 at the top: add 1.",
        ],
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
            "Use the fixed timestamp, not `NOW()`, so the answer does not change with the calendar."
        ),
        reference="""
            SELECT metadata->>'source' AS source,
                   count(*) AS posts,
                   sum(CAST(metadata->'stats'->>'views' AS INTEGER)) AS views
            FROM posts
            WHERE published_at > TIMESTAMPTZ '2026-11-01 12:00:00+00' - INTERVAL '30 days'
            GROUP BY 1
            ORDER BY posts DESC, source
        """,
        ordered=True,
        hints=[
            "`TIMESTAMPTZ '2026-11-01 12:00:00+00' - INTERVAL '30 days'` is the start of the window.",
            "`->>` returns text: cast before summing, `sum(CAST(metadata->'stats'->>'views' AS INTEGER))` "
            "(or `(metadata->'stats'->>'views')::int`).",
            "`GROUP BY 1` groups by the first selected column; `ORDER BY posts DESC, source`.",
        ],
    ),
]
