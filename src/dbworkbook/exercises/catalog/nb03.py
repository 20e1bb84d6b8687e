"""Exercises of notebook 03 · Make PostgreSQL queries fast: read the plan, pick the index, keep the
statistics true.

They run with ``search_path = nb03, public``, on the tables the notebook builds: ``nb03.users`` and
``nb03.posts``, copies of the seed with the lesson's indexes (among them the guide's
``idx_posts_published``, ``idx_posts_author_title`` and ``idx_users_email_lower``), vacuumed and
analyzed. The reference answers are computed on the same tables at check time. Before a check, the
``setup`` of an index exercise drops the indexes that a previous answer may have left, so a
placeholder never passes because of an earlier run.
"""

from __future__ import annotations

from ..core import Wrong
from ..sql import SQLQuery, SQLState, uses_index

# Drops every index on nb03.users whose first key column is created_at: the starting state of 03.1.
DROP_CREATED_AT_INDEXES = """
DO $do$
DECLARE ix record;
BEGIN
    FOR ix IN SELECT i.indexrelid::regclass AS name FROM pg_index i
              JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
              WHERE i.indrelid = 'nb03.users'::regclass AND a.attname = 'created_at'
                AND NOT i.indisprimary AND NOT i.indisunique
    LOOP
        EXECUTE 'DROP INDEX ' || ix.name;
    END LOOP;
END
$do$
"""

# Drops every expression index on nb03.users that mentions full_name: the starting state of 03.4.
DROP_FULL_NAME_INDEXES = """
DO $do$
DECLARE ix record;
BEGIN
    FOR ix IN SELECT i.indexrelid::regclass AS name FROM pg_index i
              WHERE i.indrelid = 'nb03.users'::regclass AND i.indexprs IS NOT NULL
                AND pg_get_indexdef(i.indexrelid) LIKE '%full_name%'
                AND NOT i.indisprimary AND NOT i.indisunique
    LOOP
        EXECUTE 'DROP INDEX ' || ix.name;
    END LOOP;
END
$do$
"""

SIGNUPS_REPORT = "SELECT id, email, created_at FROM users WHERE created_at >= '2026-10-25' ORDER BY created_at"
NAME_SEARCH = "SELECT id, full_name FROM users WHERE lower(full_name) = lower('Grace Hopper')"

# Posts planted (in the check's rolled-back transaction) exactly on the edges of September 2026:
# the first instant, the last day, and the first instant of October (which must not be counted).
SEPTEMBER_EDGES = """
INSERT INTO posts (id, author_id, title, content, metadata, published_at, created_at)
SELECT e.id::uuid, (SELECT author_id FROM posts ORDER BY id LIMIT 1), e.title, '', '{}'::jsonb, e.at::timestamptz, e.at::timestamptz
FROM (VALUES ('00000000-0000-0000-0000-00000000e901', 'Edge: 1 September 00:00', '2026-09-01 00:00:00'),
             ('00000000-0000-0000-0000-00000000e902', 'Edge: 30 September 18:00', '2026-09-30 18:00:00'),
             ('00000000-0000-0000-0000-00000000e903', 'Edge: 1 October 00:00', '2026-10-01 00:00:00'))
     AS e(id, title, at)
"""

EXERCISES = [
    SQLState(
        id="03.1",
        title="Make the recent sign-ups report use an index",
        task=f"""
The support team runs this report every morning, and it reads all of `users`:

```sql
{SIGNUPS_REPORT}
```

Create an index (in your schema, on your copy `users`) so that its plan no longer scans the whole
table. Check it yourself with `print(wb.explain(pg, "..."))` before you ask for a check.
""",
        setup=DROP_CREATED_AT_INDEXES,
        reference="CREATE INDEX users_created_at_idx ON users (created_at)",
        expect=[uses_index(SIGNUPS_REPORT, table="users")],
        hints=[
            "The report filters and sorts on one column: which one?",
            "A plain B-tree on that column serves both the range and the ORDER BY: CREATE INDEX … ON users (…).",
        ],
        wrong=[
            Wrong(
                "CREATE INDEX users_signup_idx ON users (email, created_at)",
                says="Your index: users_signup_idx on nb03.users USING btree (email, created_at) (not used by the plan)",
                why="created_at second: the entries of one date are scattered over every e-mail",
            ),
            Wrong(
                "CREATE INDEX users_signup_idx ON users (created_at) WHERE status = 'active'",
                says="not used by the plan",
                why="a partial index the report cannot use: it has no status condition",
            ),
            Wrong(
                "CREATE INDEX users_signup_idx ON users (created_at) WHERE created_at < '2026-10-25'",
                says="does not use an index yet",
                why="a partial index whose rows are exactly the ones the report does not want",
            ),
        ],
        right=[
            "CREATE INDEX users_signup_idx ON users (created_at DESC)",
            "CREATE INDEX users_signup_idx ON users (created_at) INCLUDE (email)",
            "CREATE INDEX ON users (created_at, id)",
        ],
    ),
    SQLQuery(
        id="03.2",
        title="Rewrite a query so that it can use an index",
        task="""
This query lists the posts published in September 2026 and reads the whole `posts` table, although
`idx_posts_published` (the guide's partial index on `published_at`) exists:

```sql
SELECT id, title FROM posts WHERE date_trunc('month', published_at) = '2026-09-01'
```

Write a query that returns the same rows (same columns, any order) **and** whose plan uses an index.
Do not create an index: change the condition.
""",
        reference="SELECT id, title FROM posts WHERE published_at >= '2026-09-01' AND published_at < '2026-10-01'",
        setup=SEPTEMBER_EDGES,
        must_use_index=True,
        plan_table="posts",
        hints=[
            "The index stores published_at itself, not date_trunc('month', published_at).",
            "Compare the bare column with a half-open range: from the first instant of September "
            "(included) up to the first instant of October — included or not?",
        ],
        wrong=[
            Wrong(
                "SELECT id, title FROM posts WHERE published_at > '2026-09-01' AND published_at < '2026-10-01'",
                says="Edge: 1 September 00:00",
                why="`>` leaves out a post published at the first instant of the month",
            ),
            Wrong(
                "SELECT id, title FROM posts WHERE published_at BETWEEN '2026-09-01' AND '2026-09-30'",
                says="Edge: 30 September 18:00",
                why="the month ends a day early: '2026-09-30' is its midnight",
            ),
            Wrong(
                "SELECT id, title FROM posts WHERE published_at BETWEEN '2026-09-01' AND '2026-10-01'",
                says="Edge: 1 October 00:00",
                why="BETWEEN includes both ends: October's first instant is counted",
            ),
            Wrong(
                "SELECT id, title FROM posts WHERE published_at::date >= '2026-09-01' AND published_at::date < '2026-10-01'",
                says="The plan scans the whole table (Seq Scan on posts)",
                why="a cast on the column hides it from the index, like date_trunc did",
            ),
        ],
        right=[
            "SELECT id, title FROM posts WHERE published_at < '2026-10-01' AND published_at >= '2026-09-01'",
            "SELECT id, title FROM posts WHERE published_at >= date '2026-09-01' "
            "AND published_at < date '2026-09-01' + interval '1 month'",
            "SELECT p.id, p.title FROM posts p WHERE '2026-09-01' <= p.published_at AND p.published_at < '2026-10-01'",
        ],
    ),
    SQLQuery(
        id="03.3",
        title="Count an author's published posts with an Index Only Scan",
        task="""
Count the **published** posts (`published_at IS NOT NULL`) of the author whose e-mail is
`john.goldwasser@Inbox.example`, returning one row with one column. Your query's plan must read
`posts` with an **Index Only Scan**: use only columns that the guide's covering index
`idx_posts_author_title` holds.
""",
        reference="""
SELECT count(*) FROM posts
WHERE author_id = (SELECT id FROM users WHERE email = 'john.goldwasser@Inbox.example')
  AND published_at IS NOT NULL
""",
        must_use_index="Index Only Scan",
        plan_table="posts",
        hints=[
            "Find the author's id in users by e-mail (a subquery or a join).",
            "idx_posts_author_title holds author_id (key) and title, published_at (INCLUDE): every column "
            "of posts your query mentions must be one of those.",
            "Which count does not need any column of posts?",
        ],
        wrong=[
            Wrong(
                """SELECT count(p.id) FROM posts p JOIN users u ON u.id = p.author_id
                     WHERE u.email = 'john.goldwasser@Inbox.example' AND p.published_at IS NOT NULL""",
                says="The plan reads posts with",
                why="p.id is not in the covering index: the heap must be read",
            ),
            Wrong(
                """SELECT count(*) FROM posts
                     WHERE author_id = (SELECT id FROM users WHERE email = 'john.goldwasser@Inbox.example')""",
                says="Missing row",
                why="forgets the filter: drafts are counted",
            ),
            Wrong(
                """SELECT count(*) FROM posts
                     WHERE author_id = (SELECT id FROM users WHERE email = 'john.goldwasser@inbox.example')
                       AND published_at IS NOT NULL""",
                says="Missing row",
                why="e-mail compared in lower case: the column keeps the case it was written in",
            ),
            Wrong(
                """SELECT count(*) FROM posts p JOIN users u ON u.id = p.author_id
                     WHERE u.email = 'john.goldwasser@Inbox.example' AND p.published_at IS NOT NULL
                       AND p.content <> ''""",
                says="The plan reads posts with",
                why="content is not in the index: a heap visit for every entry",
            ),
        ],
        right=[
            """SELECT count(*) FROM posts p JOIN users u ON u.id = p.author_id
               WHERE u.email = 'john.goldwasser@Inbox.example' AND p.published_at IS NOT NULL""",
            """SELECT count(published_at) FROM posts
               WHERE author_id IN (SELECT id FROM users WHERE email = 'john.goldwasser@Inbox.example')""",
        ],
    ),
    SQLState(
        id="03.4",
        title="Search users by name, whatever the capitalisation",
        task=f"""
The admin screen finds users by name, ignoring case, and reads all of `users` to do it:

```sql
{NAME_SEARCH}
```

Create the index that lets this exact query use an index (like the guide's `idx_users_email_lower`).
""",
        setup=DROP_FULL_NAME_INDEXES,
        reference="CREATE INDEX idx_users_full_name_lower ON users (lower(full_name))",
        expect=[uses_index(NAME_SEARCH, table="users")],
        hints=[
            "An index on full_name stores the names as written; the query compares lower(full_name).",
            "Index the expression itself, written exactly as the query writes it: CREATE INDEX … ON users (…).",
        ],
        wrong=[
            Wrong(
                "CREATE INDEX idx_users_full_name ON users (full_name)",
                says="idx_users_full_name on nb03.users USING btree (full_name) (not used by the plan)",
                why="indexes the names as written; the query compares lower(full_name)",
            ),
            Wrong(
                "CREATE INDEX idx_users_full_name ON users (upper(full_name))",
                says="(not used by the plan)",
                why="another expression than the query's",
            ),
            Wrong(
                "CREATE INDEX idx_users_full_name ON users (lower(full_name)) WHERE status = 'active'",
                says="does not use an index yet",
                why="a partial index the query cannot prove it may use: it has no status condition",
            ),
        ],
        right=[
            "CREATE INDEX idx_users_full_name ON users (lower(full_name), id)",
            "CREATE INDEX idx_users_full_name ON users USING hash (lower(full_name))",
            "CREATE INDEX ON users ((lower(full_name))) INCLUDE (full_name)",
        ],
    ),
]
