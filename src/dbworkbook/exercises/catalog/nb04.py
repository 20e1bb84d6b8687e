"""Exercises of notebook 04 · Answer harder questions in one statement with advanced PostgreSQL.

Every query runs with ``search_path = nb04, public``: ``posts`` and ``categories`` are the
notebook's copies when they exist (same rows as the seeded tables, plus categories that hold no
posts), the seeded tables otherwise, so the reference answers are the same either way.
"""
from __future__ import annotations

from ..sql import SQLQuery, SQLState, holds

NOW = "TIMESTAMPTZ '2026-11-01 12:00:00+00'"   # the dataset's fixed now
RECENT = f"published_at > {NOW} - INTERVAL '7 days'"
FIRST_50 = "SELECT id FROM users ORDER BY created_at, id LIMIT 50"

EXERCISES = [
    SQLQuery(
        id="04.1",
        title="Count the posts of each month of 2026, with a running total",
        task=f"""
For every month of 2026 up to the dataset's now ({NOW}), return three columns:
`month` (as `date_trunc('month', published_at)` returns it), `posts` (the number of posts
published that month) and `running_total` (the posts published from January up to and including
that month). One row per month, in month order.
""",
        reference=f"""
SELECT date_trunc('month', published_at) AS month,
       count(*) AS posts,
       SUM(count(*)) OVER (ORDER BY date_trunc('month', published_at)) AS running_total
FROM posts
WHERE published_at >= TIMESTAMPTZ '2026-01-01 00:00:00+00' AND published_at < {NOW}
GROUP BY 1
ORDER BY 1
""",
        ordered=True,
        hints=(
            "Group by `date_trunc('month', published_at)` and count: that gives `month` and `posts`.",
            "A window function can run over the grouped rows: `SUM(count(*)) OVER (ORDER BY ...)`.",
            "Filter with `published_at >= '2026-01-01'` and `published_at < " + NOW + "`, and `ORDER BY 1`.",
        ),
    ),
    SQLQuery(
        id="04.2",
        title="Find the 10 most viewed featured posts from the mobile app",
        task="""
Return the `title` and the `views` (an **integer**, from `metadata -> 'stats' -> 'views'`) of the
10 most viewed posts whose metadata says `"featured": true` and `"source": "mobile"`, most viewed
first (ties broken by title). Write the filter so that the GIN index `posts_metadata_gin` could
serve it.
""",
        reference="""
SELECT title, (metadata->'stats'->>'views')::int AS views
FROM posts
WHERE metadata @> '{"featured": true, "source": "mobile"}'
ORDER BY views DESC, title
LIMIT 10
""",
        ordered=True,
        hints=(
            "Containment: `metadata @> '{\"featured\": true, \"source\": \"mobile\"}'`.",
            "`->>` returns text: cast with `(metadata->'stats'->>'views')::int` before sorting.",
            "`ORDER BY views DESC, title LIMIT 10`.",
        ),
    ),
    SQLQuery(
        id="04.3",
        title="Count the published posts under each root category, sub-categories included",
        task="""
The categories form a tree (`parent_id`, `NULL` for the 5 roots). For each root category, return
its `name` and the number of **published** posts (`published_at IS NOT NULL`) filed in that
category or in any category below it, at any depth.
""",
        reference="""
WITH RECURSIVE tree AS (
    SELECT id, name AS root FROM categories WHERE parent_id IS NULL
    UNION ALL
    SELECT c.id, t.root FROM categories c JOIN tree t ON c.parent_id = t.id
)
SELECT t.root AS name, count(*) AS posts
FROM tree t
JOIN posts p ON p.category_id = t.id
WHERE p.published_at IS NOT NULL
GROUP BY t.root
""",
        hints=(
            "Anchor: the roots, carrying their own name along as `root`.",
            "Recursive term: `SELECT c.id, t.root FROM categories c JOIN tree t ON c.parent_id = t.id`.",
            "Then join `posts` on `category_id`, keep the published ones and `GROUP BY root`.",
        ),
    ),
    SQLState(
        id="04.4",
        title="Upsert each recent author's weekly post count",
        task=f"""
The table `author_tally (author_id uuid PRIMARY KEY, posts integer)` already holds a row for 50
authors, each with an outdated count of 999. Write **one** `INSERT … ON CONFLICT` statement that sets, for every
author who published a post in the 7 days before the dataset's now
(`{RECENT}`), `posts` to the number of posts they published in those 7 days: insert the authors
that are missing, update the ones already there. Leave the rows of the other authors as they are.
""",
        setup=f"""
DROP TABLE IF EXISTS author_tally;
CREATE TABLE author_tally (author_id uuid PRIMARY KEY, posts integer NOT NULL);
INSERT INTO author_tally SELECT id, 999 FROM ({FIRST_50}) AS first_50;
""",
        reference=f"""
INSERT INTO author_tally (author_id, posts)
SELECT author_id, count(*)
FROM posts
WHERE {RECENT}
GROUP BY author_id
ON CONFLICT (author_id) DO UPDATE SET posts = EXCLUDED.posts
""",
        expect=[
            holds(f"""SELECT NOT EXISTS (
                        SELECT author_id, count(*)::int FROM posts WHERE {RECENT} GROUP BY author_id
                        EXCEPT SELECT author_id, posts FROM author_tally)""",
                  "Some authors who published in the last 7 days are missing from author_tally, "
                  "or have the wrong count."),
            holds(f"SELECT count(*) = 50 FROM author_tally WHERE author_id IN ({FIRST_50})",
                  "The 50 rows that were already in author_tally must stay: update them, don't delete them."),
            holds(f"""SELECT NOT EXISTS (
                        SELECT 1 FROM author_tally
                        WHERE author_id NOT IN (SELECT author_id FROM posts WHERE {RECENT})
                          AND (posts <> 999 OR author_id NOT IN ({FIRST_50})))""",
                  "author_tally has rows for authors who did not publish in the last 7 days "
                  "(or changed their count): leave those rows alone and add no others."),
        ],
        hints=(
            "Start from `SELECT author_id, count(*) FROM posts WHERE ... GROUP BY author_id`.",
            "Put `INSERT INTO author_tally (author_id, posts)` in front of it.",
            "`ON CONFLICT (author_id) DO UPDATE SET posts = EXCLUDED.posts`.",
        ),
    ),
]
