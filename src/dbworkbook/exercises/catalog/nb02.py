"""Exercises of notebook 02 · Design a PostgreSQL schema that guards its own data.

They run with ``search_path = nb02, public``, on the tables the notebook builds: ``nb02.users``
(the guide's table, filled from the seed, plus a user "Ada") and ``nb02.posts`` (the guide's table
with ``search_vector`` as a generated column and the GIN index ``idx_posts_search``). The reference
answers are computed on the same tables at check time, so they follow whatever the notebook did
to them before.
"""

from __future__ import annotations

from ..core import Wrong
from ..sql import SQLQuery, SQLState, constraint_on, holds, index_on, uses_index

# ``nb02.outcome(statement)`` runs one statement in a subtransaction that is always rolled back
# and returns 'accepted' or the SQLSTATE of the error it raised (23514 = check_violation), so a
# check can probe what a table accepts without changing it.
OUTCOME = """
CREATE OR REPLACE FUNCTION nb02.outcome(statement text) RETURNS text LANGUAGE plpgsql AS $fn$
BEGIN
    EXECUTE statement;
    RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'nb02.outcome: accepted';
EXCEPTION WHEN OTHERS THEN
    IF SQLERRM = 'nb02.outcome: accepted' THEN
        RETURN 'accepted';
    END IF;
    RETURN SQLSTATE;
END
$fn$
"""

# Drops every CHECK constraint on nb02.users except the guide's status check: the starting state.
DROP_EMAIL_CHECKS = """
DO $do$
DECLARE c record;
BEGIN
    FOR c IN SELECT conname FROM pg_constraint
             WHERE conrelid = 'nb02.users'::regclass AND contype = 'c' AND conname <> 'users_status_check'
    LOOP
        EXECUTE format('ALTER TABLE nb02.users DROP CONSTRAINT %I', c.conname);
    END LOOP;
END
$do$
"""


def _insert(email: str) -> str:
    return (
        "SELECT nb02.outcome($s$INSERT INTO nb02.users (email, password_hash, full_name) "
        f"VALUES ('{email}', 'h', 'Probe')$s$)"
    )


# Drops every partial index on nb02.users whose predicate mentions 'suspended': the starting state.
DROP_SUSPENDED_INDEXES = """
DO $do$
DECLARE ix record;
BEGIN
    FOR ix IN SELECT indexrelid::regclass AS name FROM pg_index
              WHERE indrelid = 'nb02.users'::regclass
                AND pg_get_expr(indpred, indrelid) LIKE '%suspended%'
    LOOP
        EXECUTE 'DROP INDEX ' || ix.name;
    END LOOP;
END
$do$
"""

# Three posts planted (in the check's rolled-back transaction) that tie for the best rank, inserted
# out of id order: a ranking without its tie-breaker returns them in another order.
RANK_TIES = """
INSERT INTO posts (id, author_id, title, content, tags, published_at)
SELECT t.id::uuid, (SELECT id FROM users ORDER BY id LIMIT 1), 'Tie: index bloat, index bloat, index bloat',
       repeat('Index bloat and more index bloat. ', 20), '{}', '2026-10-01'
FROM (VALUES ('00000000-0000-4000-8000-0000000000b9'), ('00000000-0000-4000-8000-0000000000b1'),
             ('00000000-0000-4000-8000-0000000000b5')) AS t(id)
"""

SUSPENDED_QUERY = "SELECT id, email FROM users WHERE status = 'suspended' ORDER BY email LIMIT 20"

EXERCISES = [
    SQLState(
        id="02.1",
        title="Reject e-mail addresses without an @",
        task="""
`nb02.users` accepts `'not-an-email'` as an e-mail address. Add a `CHECK` constraint on `email`
so that an address needs at least one character, then `@`, then at least one more character:
`'not-an-email'`, `'@example.com'` and `'grace@'` must be refused, `'grace@example.com'` accepted.
Give the constraint a name of your choice. (The 10,000 seeded addresses must pass it: PostgreSQL
checks the existing rows when you add the constraint.)
""",
        setup=[OUTCOME, DROP_EMAIL_CHECKS],
        reference="ALTER TABLE users ADD CONSTRAINT users_email_has_at CHECK (email LIKE '_%@_%')",
        expect=[
            constraint_on("users", "CHECK", ["email"]),
            holds(_insert("not-an-email") + " = '23514'", "'not-an-email' is not refused by a CHECK constraint yet."),
            holds(_insert("@example.com") + " = '23514'", "'@example.com' (nothing before the @) is not refused yet."),
            holds(_insert("grace@") + " = '23514'", "'grace@' (nothing after the @) is not refused yet."),
            holds(
                _insert("grace@example.com") + " = 'accepted'",
                "'grace@example.com' is refused: your rule is too strict.",
            ),
        ],
        hints=(
            "ALTER TABLE users ADD CONSTRAINT some_name CHECK (...);",
            "In LIKE, `_` matches exactly one character and `%` any number (even none).",
            "Build the pattern from the three parts of the rule: something, then `@`, then something; "
            '`_` is what makes "something" mean at least one character.',
        ),
        wrong=[
            Wrong(
                "ALTER TABLE users ADD CONSTRAINT users_email_at CHECK (email LIKE '%@%')",
                says="'@example.com' (nothing before the @) is not refused",
                why="`%` matches zero characters: the rule only asks for an @ somewhere",
            ),
            Wrong(
                "ALTER TABLE users ADD CONSTRAINT users_email_at CHECK (position('@' in email) > 1)",
                says="'grace@' (nothing after the @) is not refused",
                why="checks the part before the @ but forgets the part after it",
            ),
            Wrong(
                "ALTER TABLE users ADD CONSTRAINT users_email_at CHECK (email LIKE '_@_')",
                says="is violated by some row",
                why="`_` is exactly one character: the pattern fits only three-character addresses "
                "(PostgreSQL refuses to add it: the seeded rows violate it)",
            ),
            Wrong(
                "ALTER TABLE users ADD CONSTRAINT users_email_at CHECK (full_name LIKE '_%@_%')",
                says="is violated by some row",
                why="the rule on the wrong column: PostgreSQL validates the existing rows and refuses it",
            ),
        ],
        right=[
            "ALTER TABLE users ADD CHECK (email ~ '^.+@.+$')",
            "ALTER TABLE users ADD CONSTRAINT email_shape CHECK (email LIKE '%_@_%')",
            "ALTER TABLE users ADD CONSTRAINT email_shape CHECK (position('@' in email) > 1 "
            "AND position('@' in email) < length(email))",
        ],
    ),
    SQLQuery(
        id="02.2",
        title="Rank the posts about index bloat",
        task="""
Return the `id`, `title` and `rank` of the 5 posts of `nb02.posts` that best match the search
`index bloat`, as a user would type it into a search box: turn it into a query with
`websearch_to_tsquery('english', ...)`, match it against `search_vector` with `@@`, and rank with
`ts_rank(search_vector, query)` (unrounded). Best first; break ties by `id`. Your query must use the
GIN index.
""",
        reference="""
SELECT p.id, p.title, ts_rank(p.search_vector, q) AS rank
FROM posts p, websearch_to_tsquery('english', 'index bloat') AS q
WHERE p.search_vector @@ q
ORDER BY rank DESC, p.id
LIMIT 5
""",
        setup=RANK_TIES,
        ordered=True,
        columns=True,
        must_use_index=True,
        plan_table="posts",
        hints=(
            "Put the query in the FROM clause once: `FROM posts p, websearch_to_tsquery('english', 'index bloat') AS q`.",
            "Filter with `p.search_vector @@ q` — that is what the GIN index serves.",
            "Name the score `rank`, then sort: best first, and say what decides between two posts with the same score.",
        ),
        wrong=[
            Wrong(
                """SELECT p.id, p.title, ts_rank(p.search_vector, q) AS rank
                     FROM posts p, websearch_to_tsquery('english', 'index bloat') AS q
                     WHERE p.search_vector @@ q ORDER BY rank DESC LIMIT 5""",
                says="'Tie: index bloat, index bloat, index ...', 1), yours is (",
                why="no tie-breaker: three posts with the same rank come back in any order",
            ),
            Wrong(
                """SELECT p.id, p.title, ts_rank(p.search_vector, q) AS rank
                     FROM posts p, websearch_to_tsquery('english', 'index bloat') AS q
                     WHERE p.search_vector @@ q ORDER BY rank, p.id LIMIT 5""",
                says="Missing rows (5",
                why="ascending: the worst matches first",
            ),
            Wrong(
                """SELECT p.id, p.title, ts_rank(p.search_vector, q) AS score
                     FROM posts p, websearch_to_tsquery('english', 'index bloat') AS q
                     WHERE p.search_vector @@ q ORDER BY score DESC, p.id LIMIT 5""",
                says="Wrong column names",
                why="the task names the third column `rank`",
            ),
            Wrong(
                """SELECT p.id, p.title, ts_rank(to_tsvector('english', p.title || ' ' || p.content), q) AS rank
                     FROM posts p, websearch_to_tsquery('english', 'index bloat') AS q
                     WHERE to_tsvector('english', p.title || ' ' || p.content) @@ q
                     ORDER BY rank DESC, p.id LIMIT 5""",
                says="'9 lessons from a year of index bloat', 0.61358976",
                why="recomputes an unweighted vector: other ranks, and no index can serve it",
            ),
            Wrong(
                """SELECT p.id, p.title, round(ts_rank(p.search_vector, q)::numeric, 2) AS rank
                     FROM posts p, websearch_to_tsquery('english', 'index bloat') AS q
                     WHERE p.search_vector @@ q ORDER BY rank DESC, p.id LIMIT 5""",
                says="1.00)",
                why="rounds the score the task asks unrounded (and ties appear)",
            ),
        ],
        right=[
            """WITH q AS (SELECT websearch_to_tsquery('english', 'index bloat') AS query)
               SELECT p.id, p.title, ts_rank(p.search_vector, q.query) AS rank
               FROM posts p CROSS JOIN q WHERE q.query @@ p.search_vector
               ORDER BY 3 DESC, 1 LIMIT 5""",
            """SELECT id, title, ts_rank(search_vector, websearch_to_tsquery('english', 'index bloat')) AS rank
               FROM posts WHERE search_vector @@ websearch_to_tsquery('english', 'index bloat')
               ORDER BY rank DESC, id FETCH FIRST 5 ROWS ONLY""",
        ],
    ),
    SQLQuery(
        id="02.3",
        title="Count the tags of published posts",
        task="""
The tags live in the `tags TEXT[]` column of `nb02.posts`. Return the 5 tags used by the most
**published** posts (`published_at IS NOT NULL`), as two columns `tag` and `posts` (how many
published posts carry the tag), most used first, ties broken by tag.
""",
        reference="""
SELECT tag, count(*) AS posts
FROM posts, unnest(tags) AS tag
WHERE published_at IS NOT NULL
GROUP BY tag
ORDER BY posts DESC, tag
LIMIT 5
""",
        ordered=True,
        columns=True,
        hints=(
            "`unnest(tags)` turns an array into rows: `FROM posts, unnest(tags) AS tag`.",
            "Then `GROUP BY tag` and `count(*)`.",
            "Two of the top tags are used by exactly as many posts: your ORDER BY needs a second key.",
        ),
        wrong=[
            Wrong(
                """SELECT tag, count(*) AS posts FROM posts, unnest(tags) AS tag
                     GROUP BY tag ORDER BY posts DESC, tag LIMIT 5""",
                says="Unexpected rows (5, first 3 shown):\n      ('indexing', 1565)",
                why="forgets the filter: drafts are counted too",
            ),
            Wrong(
                """SELECT tag, count(*) AS posts FROM posts, unnest(tags) AS tag
                     WHERE published_at IS NOT NULL GROUP BY tag ORDER BY posts DESC, tag DESC LIMIT 5""",
                says="order",
                why="breaks the tie the other way: 'news' and 'how-to' have the same count",
            ),
            Wrong(
                """SELECT tag, count(*) AS posts FROM posts, unnest(tags) AS tag
                     WHERE published_at IS NOT NULL GROUP BY tag ORDER BY posts DESC LIMIT 5""",
                says="row 3 should be ('how-to', 1118)",
                why="no tie-breaker: 'how-to' and 'news' tie at 1,118",
            ),
            Wrong(
                """SELECT tag, count(*) AS n FROM posts, unnest(tags) AS tag
                     WHERE published_at IS NOT NULL GROUP BY tag ORDER BY n DESC, tag LIMIT 5""",
                says="Wrong column names",
                why="the task names the columns `tag` and `posts`",
            ),
            Wrong(
                """SELECT tag, count(DISTINCT author_id) AS posts FROM posts, unnest(tags) AS tag
                     WHERE published_at IS NOT NULL GROUP BY tag ORDER BY posts DESC, tag LIMIT 5""",
                says="('tutorial', 731)",
                why="counts authors, not posts",
            ),
        ],
        right=[
            """SELECT t.tag, count(p.id) AS posts
               FROM posts p CROSS JOIN LATERAL unnest(p.tags) AS t(tag)
               WHERE p.published_at IS NOT NULL
               GROUP BY t.tag ORDER BY count(p.id) DESC, t.tag LIMIT 5""",
            """WITH published AS (SELECT unnest(tags) AS tag FROM posts WHERE published_at IS NOT NULL)
               SELECT tag, count(*) AS posts FROM published GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5""",
        ],
    ),
    SQLState(
        id="02.4",
        title="A partial index for the moderators' page",
        task=f"""
The moderators' page lists suspended users by e-mail, 20 per page:

    {SUSPENDED_QUERY}

Suspended users are about 5 % of the table. Create the **smallest** index that lets PostgreSQL
answer this query by reading the first 20 suspended users in e-mail order, instead of scanning
and sorting the table: a B-tree on `email` that holds only the suspended users.
""",
        # VACUUM first: dead row versions left by earlier updates could otherwise keep a fresh index
        # unusable for a moment (pg_index.indcheckxmin) while other sessions hold old snapshots.
        setup=[DROP_SUSPENDED_INDEXES, "VACUUM nb02.users"],
        reference="CREATE INDEX idx_users_suspended_email ON users (email) WHERE status = 'suspended'",
        expect=[
            index_on("users", ["email"], partial="status = 'suspended'"),
            uses_index(SUSPENDED_QUERY, table="users", no_sort=True),
        ],
        hints=(
            "A partial index ends with a WHERE clause: only rows that satisfy it are indexed.",
            "Key column: the one you sort by. Predicate: the one you filter on.",
            "CREATE INDEX some_name ON users (...) WHERE ...: fill in the key and the predicate.",
        ),
        wrong=[
            Wrong(
                "CREATE INDEX idx_users_suspended ON users (status) WHERE status = 'suspended'",
                says="Your index idx_users_suspended (status) WHERE",
                why="indexes the filter column: every entry has the same key, and the page still needs a sort",
            ),
            Wrong(
                "CREATE INDEX idx_users_suspended ON users (email) WHERE status = 'active'",
                says="holds the rows WHERE",
                why="the predicate of the lesson's index, not of this page",
            ),
            Wrong(
                "CREATE INDEX idx_users_suspended ON users (email)",
                says="Index idx_users_suspended (email) is on the right columns but has no WHERE clause",
                why="a full index: not the smallest, and a second copy of users_email_key",
            ),
            Wrong(
                "CREATE INDEX idx_users_suspended ON users (status, email)",
                says="Your index idx_users_suspended (status, email)",
                why="serves the query, but holds every user: twenty times the index the page needs",
            ),
        ],
        right=[
            "CREATE INDEX idx_users_suspended ON users (email) WHERE 'suspended' = status",
            "CREATE INDEX idx_users_suspended ON users (email, id) WHERE status IN ('suspended')",
            "CREATE INDEX ON users (email) INCLUDE (id) WHERE status = 'suspended'",
        ],
    ),
]
