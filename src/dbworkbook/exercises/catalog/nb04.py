"""Exercises of notebook 04 · Answer harder questions in one statement with advanced PostgreSQL.

Every query runs with ``search_path = nb04, public``: ``posts`` is the notebook's copy
``nb04.posts`` (the seeded rows without the two big text columns, made at the top of the
notebook; the check makes a temporary one when it is missing), ``categories`` the notebook's copy
when it exists. The query checks plant their edge cases (posts exactly on a boundary instant,
ties inside the top 10, a scheduled post, a root category with nothing published, a chain of
categories deeper than the guide's depth guard) with INSERTs in the check's own transaction, which
is always rolled back; 04.4 works on its own table and a temporary copy of the recent posts.
"""

from __future__ import annotations

from .. import Wrong
from ..sql import SQLQuery, SQLState, holds

NOW = "TIMESTAMPTZ '2026-11-01 12:00:00+00'"  # the dataset's fixed now
RECENT = f"published_at > {NOW} - INTERVAL '7 days'"
FIRST_50 = "SELECT id FROM users ORDER BY created_at, id LIMIT 50"
AUTHOR = "(SELECT id FROM users ORDER BY id LIMIT 1)"

# nb04.posts, or (when the notebook's copy is missing) a temporary one that hides public.posts
ENSURE_POSTS = """
DO $$
BEGIN
    IF to_regclass('nb04.posts') IS NULL THEN
        CREATE TEMP TABLE posts AS
            SELECT id, author_id, title, tags, metadata, category_id, published_at, created_at
            FROM public.posts;
    END IF;
END
$$
"""


def _post(title, published, *, views=5, featured=False, source="web", category="NULL", n=1):
    meta = '{"source": "%s", "featured": %s, "stats": {"views": %d, "likes": 0}}' % (  # noqa: UP031  JSON's braces read plainer than an f-string's {{ }}
        source,
        "true" if featured else "false",
        views,
    )
    created = published if published != "NULL" else f"{NOW} - INTERVAL '1 day'"
    return (
        f"INSERT INTO posts (id, author_id, title, tags, metadata, category_id, published_at, created_at) "
        f"SELECT gen_random_uuid(), {AUTHOR}, '{title}', '{{}}', '{meta}', {category}, {published}, {created} "
        f"FROM generate_series(1, {n})"
    )


# --------------------------------------------------------------------------- 04.1
MONTHS_SETUP = [
    ENSURE_POSTS,
    _post("edge: exactly 2026-01-01 00:00", "TIMESTAMPTZ '2026-01-01 00:00:00+00'"),
    _post("edge: 2025-12-31 23:59", "TIMESTAMPTZ '2025-12-31 23:59:59+00'"),
    _post("edge: Nov 1, 06:00", "TIMESTAMPTZ '2026-11-01 06:00:00+00'"),
    _post("edge: scheduled for Nov 20", "TIMESTAMPTZ '2026-11-20 09:00:00+00'"),
]
MONTHS = f"""
SELECT date_trunc('month', published_at) AS month,
       count(*) AS posts,
       SUM(count(*)) OVER (ORDER BY date_trunc('month', published_at)) AS running_total
FROM posts
WHERE published_at >= TIMESTAMPTZ '2026-01-01 00:00:00+00' AND published_at < {NOW}
GROUP BY 1
ORDER BY 1
"""

# --------------------------------------------------------------------------- 04.2
FEATURED_SETUP = [
    ENSURE_POSTS,
    # ties inside the top 10, each group inserted in the opposite order of the tie-breaker (title):
    # whatever order an untied sort leaves them in, it can hardly get all three groups right
    *[
        _post(f"Tie {t} (planted)", f"{NOW} - INTERVAL '5 days'", views=50_000_000, featured=True, source="mobile")
        for t in ("B", "A")
    ],
    *[
        _post(f"Tie {t} (planted)", f"{NOW} - INTERVAL '5 days'", views=40_000_000, featured=True, source="mobile")
        for t in ("F", "E", "D", "C")
    ],
    *[
        _post(f"Tie {t} (planted)", f"{NOW} - INTERVAL '5 days'", views=30_000_000, featured=True, source="mobile")
        for t in ("H", "G")
    ],
    _post("Nine million (planted)", f"{NOW} - INTERVAL '5 days'", views=9_000_000, featured=True, source="mobile"),
    _post("Featured, from the web (planted)", f"{NOW} - INTERVAL '5 days'", views=99_000_000, featured=True),
    _post("Mobile, not featured (planted)", f"{NOW} - INTERVAL '5 days'", views=98_000_000, source="mobile"),
]
TOP_FEATURED = """
SELECT title, (metadata->'stats'->>'views')::int AS views
FROM posts
WHERE metadata @> '{"featured": true, "source": "mobile"}'
ORDER BY views DESC, title
LIMIT 10
"""

# --------------------------------------------------------------------------- 04.3
_CHAIN = ", ".join(
    f"({9200 + k}, 'Deep chain level {k} (planted)', {9200 + k - 1 if k > 1 else 1})" for k in range(1, 13)
)
TREE_SETUP = [
    ENSURE_POSTS,
    "CREATE TEMP TABLE categories AS SELECT * FROM categories",
    "INSERT INTO categories (id, name, parent_id) VALUES "
    "(9100, 'Planted root, nothing published', NULL), (9101, 'Planted child with a draft', 9100)",
    _post("a draft (planted)", "NULL", category="9101"),
    # a chain of 12 levels under Technology (id 1), with a published post at the bottom
    f"INSERT INTO categories (id, name, parent_id) VALUES {_CHAIN}",
    _post("12 levels down (planted)", f"{NOW} - INTERVAL '3 days'", category="9212"),
]
TREE_POSTS = """
WITH RECURSIVE tree AS (
    SELECT id, name AS root FROM categories WHERE parent_id IS NULL
    UNION ALL
    SELECT c.id, t.root FROM categories c JOIN tree t ON c.parent_id = t.id
)
SELECT t.root AS name, count(p.id) AS posts
FROM tree t
LEFT JOIN posts p ON p.category_id = t.id AND p.published_at IS NOT NULL
GROUP BY t.root
"""
TREE_INNER = """
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
"""

# --------------------------------------------------------------------------- 04.4
EDGE_TITLE = "edge: exactly now - 7 days"
TALLY_SETUP = f"""
DROP TABLE IF EXISTS author_tally;
CREATE TABLE author_tally (author_id uuid PRIMARY KEY, posts integer NOT NULL);
INSERT INTO author_tally SELECT id, 999 FROM ({FIRST_50}) AS first_50;
CREATE TEMP TABLE posts AS
    SELECT id, author_id, title, tags, metadata, category_id, published_at, created_at
    FROM posts WHERE published_at > {NOW} - INTERVAL '40 days';
INSERT INTO posts (id, author_id, title, published_at, created_at)
    SELECT gen_random_uuid(), id, '{EDGE_TITLE}', {NOW} - INTERVAL '7 days', {NOW} - INTERVAL '7 days'
    FROM ({FIRST_50}) AS first_50
    WHERE id NOT IN (SELECT author_id FROM posts WHERE {RECENT})
    ORDER BY id LIMIT 1;
"""
UPSERT = f"""
INSERT INTO author_tally (author_id, posts)
SELECT author_id, count(*)
FROM posts
WHERE {RECENT}
GROUP BY author_id
ON CONFLICT (author_id) DO UPDATE SET posts = EXCLUDED.posts
"""

EXERCISES = [
    SQLQuery(
        id="04.1",
        title="Count the posts of each month of 2026, with a running total",
        task=f"""
For every month of 2026 up to the dataset's now ({NOW}), return three columns:
`month` (as `date_trunc('month', published_at)` returns it), `posts` (the number of posts
published that month) and `running_total` (the posts published from January up to and including
that month). One row per month, in month order.

The check adds a few posts of its own first (titles starting with *edge:*: on New Year's instant,
on the morning of the dataset's now, and one scheduled after it), in a transaction it rolls back.
""",
        setup=MONTHS_SETUP,
        reference=MONTHS,
        ordered=True,
        columns=True,
        hints=(
            "Group by `date_trunc('month', published_at)` and count: that gives `month` and `posts`.",
            "A window function can run over the grouped rows: `SUM(count(*)) OVER (ORDER BY ...)`.",
            "The window of time has two ends: the first instant of 2026 belongs to it, and nothing after "
            "the dataset's now does.",
        ),
        wrong=[
            Wrong(
                MONTHS.replace("published_at >= TIMESTAMPTZ", "published_at > TIMESTAMPTZ"),
                says="Missing rows",
                why="`>` leaves out a post published at exactly 2026-01-01 00:00: January starts at that instant.",
            ),
            Wrong(
                MONTHS.replace(f" AND published_at < {NOW}", ""),
                says="Unexpected rows",
                why="No upper bound: a post scheduled after the dataset's now is counted.",
            ),
            Wrong(
                MONTHS.replace(f"published_at < {NOW}", "published_at < TIMESTAMPTZ '2026-11-01 00:00:00+00'"),
                says="Your query returns 10 rows",
                why="Ends at midnight: the posts of November 1 before the dataset's now (12:00) are missing.",
            ),
            Wrong(
                MONTHS.replace(
                    "SUM(count(*)) OVER (ORDER BY date_trunc('month', published_at))", "SUM(count(*)) OVER ()"
                ),
                says="Missing rows",
                why="A window without ORDER BY is the whole result: every month gets the year's total.",
            ),
            Wrong(
                MONTHS.replace("SUM(count(*)) OVER", "count(*) OVER"),
                says="Missing rows",
                why="count(*) OVER counts the grouped rows, i.e. the months, not the posts.",
            ),
        ],
        right=[
            """WITH monthly AS (
                   SELECT date_trunc('month', published_at) AS m, count(*) AS n FROM posts
                   WHERE published_at >= '2026-01-01 00:00:00+00' AND published_at < '2026-11-01 12:00:00+00'
                   GROUP BY 1)
               SELECT m AS month, n AS posts,
                      sum(n) OVER (ORDER BY m ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running_total
               FROM monthly ORDER BY month""",
            f"""SELECT running_total, month, posts FROM (
                   SELECT date_trunc('month', published_at) AS month, count(id) AS posts,
                          sum(count(id)) OVER w AS running_total
                   FROM posts
                   WHERE date_part('year', published_at) = 2026 AND published_at <= {NOW}
                   GROUP BY 1 WINDOW w AS (ORDER BY date_trunc('month', published_at))) AS t
               ORDER BY month""",
        ],
    ),
    SQLQuery(
        id="04.2",
        title="Find the 10 most viewed featured posts from the mobile app",
        task="""
Return the `title` and the `views` (an **integer**, from `metadata -> 'stats' -> 'views'`) of the
10 most viewed posts whose metadata says `"featured": true` and `"source": "mobile"`, most viewed
first (ties broken by title). Write the filter so that the GIN index `posts_metadata_gin` could
serve it: the check also asks the planner.

The check adds a few posts of its own first (titles ending in *(planted)*: a tie, a featured post
from the web, a mobile post that is not featured), in a transaction it rolls back.
""",
        setup=FEATURED_SETUP,
        reference=TOP_FEATURED,
        ordered=True,
        columns=True,
        must_use_index=True,
        hints=(
            "Containment, `metadata @> '{...}'`, is the operator the GIN index serves: one document with "
            "both key/value pairs.",
            "`->>` returns text: cast with `::int` before sorting, or '999' sorts above '3326773'.",
            "Two posts can have the same views: the task says how to order them; then keep 10.",
        ),
        wrong=[
            Wrong(
                TOP_FEATURED.replace("ORDER BY views DESC, title", "ORDER BY views DESC"),
                says="wrong order",
                why="No tie-breaker: two posts with the same views come back in whatever order the sort leaves them.",
            ),
            Wrong(
                TOP_FEATURED.replace(
                    "(metadata->'stats'->>'views')::int AS views", "metadata->'stats'->>'views' AS views"
                ),
                says="Unexpected rows",
                why="Sorted as text, '9480' comes before '50000000': the top 10 are the posts whose views start with 9.",
            ),
            Wrong(
                TOP_FEATURED.replace("""'{"featured": true, "source": "mobile"}'""", """'{"featured": true}'"""),
                says="Featured, from the web (planted)",
                why="The source condition is missing.",
            ),
            Wrong(
                TOP_FEATURED.replace("""'{"featured": true, "source": "mobile"}'""", """'{"source": "mobile"}'"""),
                says="Mobile, not featured (planted)",
                why="The featured condition is missing.",
            ),
            Wrong(
                TOP_FEATURED.replace(
                    """metadata @> '{"featured": true, "source": "mobile"}'""",
                    "metadata->>'source' = 'mobile' AND (metadata->>'featured')::boolean",
                ),
                says="Seq Scan",
                why="The right rows, but `->>` comparisons are not what a GIN index on metadata serves.",
            ),
        ],
        right=[
            """SELECT title, (metadata->'stats'->'views')::int AS views FROM posts
               WHERE metadata @> '{"source": "mobile"}' AND metadata @> '{"featured": true}'
               ORDER BY 2 DESC, 1 LIMIT 10""",
            """SELECT title, (metadata #>> '{stats,views}')::integer AS views FROM posts
               WHERE metadata @@ '$.featured == true && $.source == "mobile"'
               ORDER BY views DESC, title ASC FETCH FIRST 10 ROWS ONLY""",
            """SELECT views, title FROM (
                   SELECT title, (metadata->'stats'->>'views')::int AS views FROM posts
                   WHERE metadata @> jsonb_build_object('featured', true, 'source', 'mobile')) AS f
               ORDER BY views DESC, title LIMIT 10""",
        ],
    ),
    SQLQuery(
        id="04.3",
        title="Count the published posts under each root category, sub-categories included",
        task="""
The categories form a tree (`parent_id`, `NULL` for the roots). For each root category, return
its `name` and the number of **published** posts (`published_at IS NOT NULL`) filed in that
category or in any category below it, at any depth, as `posts`. Every root appears, with 0 when
nothing under it is published. The order of the rows is free.

The check adds categories and posts of its own first (names ending in *(planted)*: a root with
only a draft under it, a chain 12 levels deep), in a transaction it rolls back.
""",
        setup=TREE_SETUP,
        reference=TREE_POSTS,
        columns=True,
        hints=(
            "Anchor: the roots, carrying their own name along as `root`.",
            "Recursive term: join `categories` to the rows found so far on `parent_id`, keeping the root. "
            "No depth limit: the check's tree is deeper than the guide's guard.",
            "A root with nothing published must still come out with 0: which join keeps it, and what "
            "does `count(*)` count on a row that found no post?",
        ),
        wrong=[
            Wrong(
                TREE_INNER,
                says="Planted root, nothing published",
                why="An inner join drops the roots with no published post: they must appear with 0.",
            ),
            Wrong(
                TREE_POSTS.replace("count(p.id)", "count(*)"),
                says="Planted root, nothing published",
                why="count(*) counts the categories found by the LEFT JOIN even when no post matched.",
            ),
            Wrong(
                TREE_POSTS.replace(
                    "LEFT JOIN posts p ON p.category_id = t.id AND p.published_at IS NOT NULL",
                    "LEFT JOIN posts p ON p.category_id = t.id",
                ),
                says="Planted root, nothing published",
                why="The published filter is missing: drafts are counted.",
            ),
            Wrong(
                """WITH RECURSIVE tree AS (
                         SELECT id, name AS root, 0 AS depth FROM categories WHERE parent_id IS NULL
                         UNION ALL
                         SELECT c.id, t.root, t.depth + 1 FROM categories c JOIN tree t ON c.parent_id = t.id
                         WHERE t.depth < 10)
                     SELECT t.root AS name, count(p.id) AS posts FROM tree t
                     LEFT JOIN posts p ON p.category_id = t.id AND p.published_at IS NOT NULL
                     GROUP BY t.root""",
                says="Technology",
                why="The guide's depth guard cuts the tree at depth 10: the post 12 levels down is not counted.",
            ),
            Wrong(
                """SELECT r.name, count(p.id) AS posts
                     FROM categories r
                     LEFT JOIN categories c ON c.id = r.id OR c.parent_id = r.id
                     LEFT JOIN posts p ON p.category_id = c.id AND p.published_at IS NOT NULL
                     WHERE r.parent_id IS NULL GROUP BY r.name""",
                says="Missing rows",
                why="Without recursion only the root and its direct children are counted.",
            ),
        ],
        right=[
            """WITH RECURSIVE up AS (
                   SELECT id AS start, id, parent_id FROM categories
                   UNION ALL
                   SELECT up.start, c.id, c.parent_id FROM categories c JOIN up ON c.id = up.parent_id)
               SELECT r.name, count(p.id) AS posts
               FROM categories r
               LEFT JOIN up ON up.id = r.id
               LEFT JOIN posts p ON p.category_id = up.start AND p.published_at IS NOT NULL
               WHERE r.parent_id IS NULL
               GROUP BY r.id, r.name""",
            """SELECT r.name,
                      (WITH RECURSIVE sub AS (
                           SELECT r.id AS id
                           UNION ALL
                           SELECT c.id FROM categories c JOIN sub ON c.parent_id = sub.id)
                       SELECT count(*) FROM posts p JOIN sub ON p.category_id = sub.id
                       WHERE p.published_at IS NOT NULL) AS posts
               FROM categories r WHERE r.parent_id IS NULL""",
            """WITH RECURSIVE tree(id, root) AS (
                   SELECT id, name FROM categories WHERE parent_id IS NULL
                   UNION ALL
                   SELECT c.id, t.root FROM tree t JOIN categories c ON t.id = c.parent_id)
               SELECT root AS name, count(*) FILTER (WHERE p.published_at IS NOT NULL) AS posts
               FROM tree LEFT JOIN posts p ON p.category_id = tree.id
               GROUP BY root""",
        ],
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

The check recreates `author_tally` first, and works on a temporary copy of the recent posts with
one post planted exactly 7 days before now (outside the window, since it is strict).
""",
        setup=TALLY_SETUP,
        reference=UPSERT,
        expect=[
            holds(
                f"""SELECT NOT EXISTS (
                        SELECT author_id, count(*)::int FROM posts WHERE {RECENT} GROUP BY author_id
                        EXCEPT SELECT author_id, posts FROM author_tally)""",
                "Some authors who published in the last 7 days are missing from author_tally, "
                "or have the wrong count (their count replaces the outdated 999, it is not added to it).",
            ),
            holds(
                f"SELECT count(*) = 50 FROM author_tally WHERE author_id IN ({FIRST_50})",
                "The 50 rows that were already in author_tally must stay: update them, don't delete them.",
            ),
            holds(
                f"""SELECT coalesce(bool_and(t.posts = 999), true) FROM author_tally t
                      JOIN posts p ON p.author_id = t.author_id AND p.title = '{EDGE_TITLE}'""",
                "The author whose only post was published exactly 7 days before now got a new count: "
                "that post is not in the window (`published_at >` is strict), so their row keeps 999.",
            ),
            holds(
                f"""SELECT NOT EXISTS (
                        SELECT 1 FROM author_tally
                        WHERE author_id NOT IN (SELECT author_id FROM posts WHERE {RECENT})
                          AND (posts <> 999 OR author_id NOT IN ({FIRST_50})))""",
                "author_tally has rows for authors who did not publish in the last 7 days "
                "(or changed their count): leave those rows alone and add no others.",
            ),
        ],
        hints=(
            "Start from `SELECT author_id, count(*) FROM posts WHERE ... GROUP BY author_id`.",
            "Put `INSERT INTO author_tally (author_id, posts)` in front of it.",
            "`ON CONFLICT (...) DO UPDATE SET ...`: the row you tried to insert is called `EXCLUDED`.",
        ),
        wrong=[
            Wrong(
                UPSERT.replace("published_at >", "published_at >="),
                says="exactly 7 days before now",
                why="`>=` takes in a post published exactly on the window's edge.",
            ),
            Wrong(
                UPSERT.replace("DO UPDATE SET posts = EXCLUDED.posts", "DO NOTHING"),
                says="have the wrong count",
                why="DO NOTHING leaves the 999 of the authors already in the table.",
            ),
            Wrong(
                UPSERT.replace("SET posts = EXCLUDED.posts", "SET posts = author_tally.posts + EXCLUDED.posts"),
                says="not added to it",
                why="Adds the new count to the outdated one instead of replacing it.",
            ),
            Wrong(
                [
                    "TRUNCATE author_tally",
                    UPSERT.replace("ON CONFLICT (author_id) DO UPDATE SET posts = EXCLUDED.posts", ""),
                ],
                says="must stay",
                why="Emptying the table first loses the rows of the authors who did not publish this week.",
            ),
            Wrong(
                f"""INSERT INTO author_tally (author_id, posts)
                      SELECT author_id, 1 FROM posts WHERE {RECENT}
                      ON CONFLICT (author_id) DO UPDATE SET posts = author_tally.posts + 1""",
                says="cannot affect row a second time",
                why="One row per post: the same author conflicts twice in one statement (aggregate first).",
            ),
        ],
        right=[
            f"""INSERT INTO author_tally AS t (author_id, posts)
                SELECT author_id, count(*) FROM posts WHERE {RECENT} GROUP BY 1
                ON CONFLICT ON CONSTRAINT author_tally_pkey DO UPDATE SET posts = excluded.posts""",
            """WITH recent AS (
                    SELECT author_id, count(*)::int AS n FROM posts
                    WHERE published_at > TIMESTAMPTZ '2026-10-25 12:00:00+00' GROUP BY author_id)
                INSERT INTO author_tally SELECT author_id, n FROM recent
                ON CONFLICT (author_id) DO UPDATE SET posts = EXCLUDED.posts""",
        ],
    ),
]
