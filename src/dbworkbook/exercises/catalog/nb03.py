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

from ..sql import SQLQuery, SQLState, index_on, uses_index

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
        expect=[uses_index(SIGNUPS_REPORT)],
        hints=[
            "The report filters and sorts on one column: which one?",
            "CREATE INDEX users_created_at_idx ON users (created_at)",
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
        must_use_index=True,
        hints=[
            "The index stores published_at itself, not date_trunc('month', published_at).",
            "Compare the bare column with a half-open range: >= the first instant of September, "
            "< the first instant of October.",
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
        hints=[
            "Find the author's id in users by e-mail (a subquery or a join).",
            "count(p.id) needs the id column, which the covering index does not hold; count(*) does not.",
            "idx_posts_author_title holds author_id (key) and title, published_at (INCLUDE).",
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
        expect=[index_on("users", ["lower(full_name)"], expression=True), uses_index(NAME_SEARCH)],
        hints=[
            "An index on full_name stores the names as written; the query compares lower(full_name).",
            "Index the expression itself: CREATE INDEX … ON users (lower(full_name)).",
        ],
    ),
]
