"""The exercise checker against the live servers: wrong answers of every kind get the right message.

Fixtures are scratch objects only (PostgreSQL schema test_exercises, MongoDB collections
test_exercises_*, Redis db 14), created by the demo catalog and dropped at the end.
"""

from __future__ import annotations

import dataclasses
import json

import pytest

from dbworkbook.connect import postgres as connect_pg
from dbworkbook.exercises import (
    MongoQuery,
    MongoState,
    RedisTask,
    Scenario,
    SQLQuery,
    SQLState,
    atomic,
    catalog,
    column_on,
    constraint_on,
    core,
    exercise,
    expires,
    index_on,
    key_is,
    max_round_trips,
    mongo_index,
    never,
    persistent,
    progress,
    returns,
    trigger_on,
    uses,
)
from dbworkbook.exercises import mongodb as mongo_engine
from dbworkbook.exercises.redisdb import client as redis_client
from dbworkbook.exercises.sql import pg_plan_problem
from dbworkbook.exercises.sql import uses_index as uses_index_
from dbworkbook.plans import Plan
from tests import demo_catalog as demo
from tests.checking import fails, passes

pytestmark = pytest.mark.usefixtures("demo_fixtures", "quiet_env")  # tests/integration/conftest.py, tests/conftest.py


# --------------------------------------------------------------------------- every demo exercise
@pytest.mark.parametrize(
    "ex_id", [ex.id for ex in catalog.all_exercises(include_registered=True) if ex.notebook == "demo"]
)
def test_demo_references_pass_and_empty_answers_fail(ex_id):
    ex = exercise(ex_id)
    passes(ex, ex.reference)
    for empty in (None, ..., "", [], {}):
        assert "You have not written an answer yet: replace the placeholder with your" in fails(ex, empty)


def test_a_pass_prints_exactly_one_line(capsys):
    ex = exercise("demo.pg_query")
    result = ex.check(ex.reference)
    assert result and result.passed
    assert capsys.readouterr().out == "✓ demo.pg_query passed — List the Norwegian authors by name\n"


def test_a_failure_prints_one_block_and_does_not_raise(capsys):
    ex = exercise("demo.pg_query")
    result = ex.check("SELECT name, country FROM authors")
    assert not result
    out = capsys.readouterr().out
    assert out == result.message + "\n"
    assert out.startswith("✗ demo.pg_query not yet — List the Norwegian authors by name\n")


def test_strict_raises_with_the_message(monkeypatch):
    ex = exercise("demo.pg_query")
    with pytest.raises(AssertionError, match="returns 50 rows; the expected result has 10"):
        ex.check("SELECT name, country FROM authors", strict=True)
    with pytest.raises(AssertionError, match="not yet"):
        ex.assert_passes("SELECT 1, 2")
    monkeypatch.setenv("DBWB_STRICT_CHECKS", "1")
    with pytest.raises(AssertionError, match="You have not written an answer yet"):
        ex.check("-- write your SQL here")
    assert ex.check(ex.reference).passed  # a pass never raises


# --------------------------------------------------------------------------- PostgreSQL queries
def test_pg_missing_rows():
    msg = fails(
        exercise("demo.pg_query"), "SELECT name, country FROM authors WHERE country = 'NO' AND id < 20 ORDER BY name"
    )
    assert "Your query returns 4 rows; the expected result has 10." in msg
    assert "Missing rows (6, first 3 shown):\n      ('Author 21', 'NO')\n      ('Author 26', 'NO')" in msg
    assert "Unexpected" not in msg


def test_pg_extra_rows_and_duplicates():
    ex = exercise("demo.pg_query")
    msg = fails(ex, "SELECT name, country FROM authors WHERE country IN ('NO', 'NL') ORDER BY name")
    assert "Unexpected rows (10, first 3 shown):\n      ('Author 10', 'NL')" in msg
    msg = fails(
        ex,
        "SELECT name, country FROM authors WHERE country = 'NO' UNION ALL "
        "SELECT name, country FROM authors WHERE id = 6",
    )
    assert "Your query returns 11 rows; the expected result has 10." in msg
    assert "Unexpected rows (1):\n      ('Author 6', 'NO')" in msg


def test_pg_wrong_order_only_when_ordered():
    ex = exercise("demo.pg_query")
    wrong_order = "SELECT name, country FROM authors WHERE country = 'NO' ORDER BY name DESC"
    msg = fails(ex, wrong_order)
    assert (
        "The rows are right but in the wrong order: row 1 should be ('Author 1', 'NO'), yours is ('Author 6', 'NO')."
        in msg
    )
    passes(dataclasses.replace(ex, ordered=False), wrong_order)


def test_pg_columns():
    ex = exercise("demo.pg_query")
    msg = fails(ex, "SELECT name FROM authors WHERE country = 'NO' ORDER BY name")
    assert "Your query returns 1 column (name); the expected result has 2 (name, country)." in msg
    renamed = "SELECT name AS author, country FROM authors WHERE country = 'NO' ORDER BY name"
    passes(ex, renamed)  # names are compared only when columns=True
    named = dataclasses.replace(ex, columns=True)
    msg = fails(named, renamed)
    assert "Wrong column names: yours are (author, country); expected (name, country)." in msg
    passes(named, "SELECT country, name FROM authors WHERE country = 'NO' ORDER BY name")  # matched by name


def test_pg_numeric_tolerance_and_types():
    ex = SQLQuery(id="demo.t1", title="A third", task="-", schema=demo.SCHEMA, reference="SELECT 1.0 / 3 AS x, 2 AS n")
    passes(ex, "SELECT 0.33333333334::float8, 2.0")
    assert "Missing rows (1):\n      (0.3333333333333333333" in fails(ex, "SELECT 0.34, 2")
    passes(dataclasses.replace(ex, tolerance=0.01), "SELECT 0.334, 2")


def test_pg_invalid_sql_shows_the_database_error():
    ex = exercise("demo.pg_query")
    msg = fails(ex, "SELEC name FROM authors")
    assert msg.splitlines()[1:4] == [
        '  PostgreSQL says: syntax error at or near "SELEC"',
        "  LINE 1: SELEC name FROM authors",
        "          ^",
    ]
    assert 'PostgreSQL says: relation "authorz" does not exist' in fails(ex, "SELECT name, country FROM authorz")


def test_pg_statement_timeout():
    ex = SQLQuery(id="demo.t2", title="Slow", task="-", schema=demo.SCHEMA, reference="SELECT 1", timeout=0.3)
    msg = fails(ex, "SELECT 1 FROM pg_sleep(3)")
    assert "Your query ran longer than 0.3 s (statement timeout)" in msg


def test_pg_full_scan_plan():
    ex = exercise("demo.pg_index_scan")
    msg = fails(ex, "SELECT title FROM books WHERE title = 'Book 4242'")
    assert "The plan scans the whole table (Seq Scan on books): no index serves this query." in msg


def _plan(root: dict) -> Plan:
    return Plan([{"Plan": root}])


def test_pg_plan_problem_with_a_required_node():
    seq = _plan({"Node Type": "Seq Scan", "Relation Name": "posts"})
    idx = _plan({"Node Type": "Index Scan", "Relation Name": "posts"})
    assert pg_plan_problem(seq, True) == [
        "The plan scans the whole table (Seq Scan on posts): no index serves this query."
    ]
    assert pg_plan_problem(idx, True) == []
    assert pg_plan_problem(idx, "Index Only Scan") == [
        "The plan reads posts with an Index Scan, not with an Index Only Scan."
    ]
    assert pg_plan_problem(_plan({"Node Type": "Index Only Scan"}), "Index Only Scan") == []


def test_pg_answers_are_rolled_back_and_may_hold_several_statements():
    ex = exercise("demo.pg_query")
    fails(ex, "DELETE FROM authors RETURNING name, country")
    passes(ex, "SELECT 1; SELECT name, country FROM authors WHERE country = 'NO' ORDER BY name;")
    passes(ex, ex.reference)  # the authors are still there
    assert "Your SQL returns no rows at all" in fails(ex, "CREATE TEMP TABLE x (a int)")
    assert "Your answer should be SQL text (a string), not dict." in fails(ex, {"a": 1})


# --------------------------------------------------------------------------- PostgreSQL DDL/state
def test_pg_state_placeholder_fails_after_the_reference_ran():
    ex = exercise("demo.pg_ddl")
    passes(ex, ex.reference)
    assert "You have not written an answer yet" in fails(ex, "-- write your SQL here")
    msg = fails(ex, "SELECT 1")  # runs, changes nothing: setup has removed the reference's index
    assert "Missing an index on books (author_id): your answer created no index on books." in msg


def test_pg_state_wrong_index_names_what_is_missing():
    ex = exercise("demo.pg_ddl")
    msg = fails(ex, "CREATE INDEX ON books (year)")
    assert (
        "Missing an index on books (author_id). Your index books_year_idx (year) is not one: its keys are (year)."
        in msg
    )
    assert "does not use an index yet. The plan scans the whole table (Seq Scan on books)" in msg
    assert "Your index: books_year_idx on test_exercises.books USING btree (year) (not used by the plan)." in msg
    unique = dataclasses.replace(ex, expect=[index_on("books", ["author_id"], unique=True)])
    assert "Index books_author_idx (author_id) is on the right columns but is not unique." in fails(
        unique, ex.reference
    )
    partial = dataclasses.replace(ex, expect=[index_on("books", ["author_id"], partial="year > 2000")])
    passes(partial, "CREATE INDEX ON books (author_id) WHERE year > 2000")
    assert "has no WHERE clause; expected WHERE year > 2000" in fails(partial, ex.reference)
    expr = dataclasses.replace(ex, expect=[index_on("books", ["lower(title)"], expression=True)])
    passes(expr, "CREATE INDEX ON books (lower(title))")


# --------------------------------------------------------------------------- judged by meaning (issue 12)
def _books_state(*expect, setup=None):
    return SQLState(
        id="demo.t8",
        title="Index the books",
        task="-",
        schema=demo.SCHEMA,
        setup=demo.DROP_BOOK_INDEXES if setup is None else setup,
        reference="SELECT 1",
        expect=list(expect),
    )


def test_index_with_an_extra_trailing_column_is_accepted():
    ex = _books_state(
        index_on("books", ["lower(title)"], expression=True),
        uses_index_("SELECT id FROM books WHERE lower(title) = 'book 7'"),
    )
    passes(ex, "CREATE INDEX books_title_id ON books (lower(title), id)")
    passes(ex, "CREATE INDEX books_title_cover ON books (lower(title)) INCLUDE (year)")
    msg = fails(ex, "CREATE INDEX books_id_title ON books (id, lower(title))")
    assert "Your index books_id_title (id, lower(title)) is not one: its first key must be lower(title)." in msg
    # a unique index with an extra column would not be unique on the asked column: keys must be exact
    unique = _books_state(index_on("books", ["title"], unique=True))
    assert "Missing a unique index on books (title)" in fails(
        unique, "CREATE UNIQUE INDEX books_u ON books (title, id)"
    )


def test_partial_predicate_is_compared_by_meaning():
    ex = _books_state(index_on("books", ["author_id"], partial="year > 2000"))
    passes(ex, "CREATE INDEX books_recent ON books (author_id) WHERE 2000 < year")  # commuted
    passes(ex, "CREATE INDEX books_recent ON books (author_id) WHERE year >= 2001")  # integers
    passes(ex, "CREATE INDEX books_recent ON books (author_id) WHERE NOT (year <= 2000)")
    msg = fails(ex, "CREATE INDEX books_recent ON books (author_id) WHERE year >= 2000")  # boundary
    assert (
        "Index books_recent (author_id) is on the right columns but holds the rows WHERE year >= 2000, "
        "which are not the rows WHERE year > 2000."
    ) in msg
    eq = _books_state(index_on("books", ["title"], partial="author_id = 7"))
    passes(eq, "CREATE INDEX books_seven ON books (title) WHERE 7 = author_id")
    passes(eq, "CREATE INDEX books_seven ON books (title) WHERE author_id IN (7)")


def test_feedback_names_the_learners_own_index_not_an_older_one():
    # books_pkey (id) exists and is "on the right columns": the message must be about the answer's index
    ex = _books_state(index_on("books", ["id"], partial="year > 2000"), setup=[])
    msg = fails(ex, "CREATE INDEX mine ON books (id, title)")
    assert "Index mine (id, title) is on the right columns but has no WHERE clause; expected WHERE year > 2000" in msg
    assert "books_pkey" not in msg
    msg = fails(ex, "SELECT 1")
    assert "your answer created no index on books" in msg and "books_pkey" not in msg
    with connect_pg() as conn:
        conn.execute(f"DROP INDEX IF EXISTS {demo.SCHEMA}.mine")


KEEP_MY_IDX = demo.DROP_BOOK_INDEXES.replace(
    "AND NOT indisprimary", "AND NOT indisprimary AND indexrelid::regclass::text NOT LIKE '%my_idx'"
)


def test_a_retry_with_the_same_index_name_works():
    # the setup drops every index but my_idx: the earlier attempt's index is still there at the retry
    ex = _books_state(
        index_on("books", ["author_id"]), uses_index_("SELECT * FROM books WHERE author_id = 7"), setup=KEEP_MY_IDX
    )
    try:
        msg = fails(ex, "CREATE INDEX my_idx ON books (year)")
        assert "Your index my_idx (year) is not one" in msg
        passes(ex, "CREATE INDEX my_idx ON books (author_id)")  # same name, no "already exists"
        passes(ex, "CREATE INDEX IF NOT EXISTS my_idx ON books (author_id, year)")
        msg = fails(ex, "CREATE INDEX IF NOT EXISTS my_idx ON books (year)")  # not skipped by IF NOT EXISTS
        assert "my_idx (year)" in msg
    finally:
        with connect_pg() as conn:
            conn.execute(f"DROP INDEX IF EXISTS {demo.SCHEMA}.my_idx")


def test_mirrored_sort_directions_walked_backwards_serve_the_sort():
    query = "SELECT id FROM books WHERE author_id = 7 ORDER BY year DESC, id ASC LIMIT 5"
    ex = _books_state(uses_index_(query, table="books", no_sort=True))
    passes(ex, "CREATE INDEX books_page ON books (author_id, year DESC, id)")
    passes(ex, "CREATE INDEX books_page ON books (author_id, year ASC, id DESC)")  # walked backwards
    msg = fails(ex, "CREATE INDEX books_page ON books (author_id, year, id)")  # same directions: a sort
    assert (
        "still needs a sort. The plan still sorts the rows of Index" in msg
        and "Incremental Sort on year DESC, id" in msg
    )
    assert "Your index: books_page on test_exercises.books USING btree (author_id, year, id) (used by the plan)." in msg


def test_plan_feedback_names_the_node_that_causes_the_failure():
    users = {"Node Type": "Index Scan", "Relation Name": "users", "Index Name": "users_pkey", "Plan Rows": 1}
    posts = {
        "Node Type": "Bitmap Heap Scan",
        "Relation Name": "posts",
        "Plan Rows": 40,
        "Plans": [{"Node Type": "Bitmap Index Scan", "Index Name": "posts_author_idx"}],
    }
    plan = _plan({"Node Type": "Aggregate", "Plans": [users, posts]})
    msg = pg_plan_problem(plan, "Index Only Scan", table="posts")
    assert msg == [
        "The plan reads posts with a Bitmap Heap Scan (its bitmap from posts_author_idx), not with an Index Only Scan."
    ]
    msg = pg_plan_problem(plan, "Index Only Scan")  # without a table: the biggest read that misses it
    assert "posts" in msg[0] and "users" not in msg[0]
    with connect_pg(autocommit=True) as conn:  # an Index Only Scan needs the visibility map
        conn.execute(f"VACUUM {demo.SCHEMA}.books")
    live = SQLQuery(
        id="demo.t9",
        title="Count",
        task="-",
        schema=demo.SCHEMA,
        plan_table="books",
        must_use_index="Index Only Scan",
        setup=[demo.DROP_BOOK_INDEXES, "CREATE INDEX books_author_cover ON books (author_id) INCLUDE (year)"],
        reference="SELECT count(*) FROM books b JOIN authors a ON a.id = b.author_id "
        "WHERE a.name = 'Author 7' AND b.year > 1990",
    )
    passes(live, live.reference)
    msg = fails(
        live,
        "SELECT count(b.price) FROM books b JOIN authors a ON a.id = b.author_id "
        "WHERE a.name = 'Author 7' AND b.year > 1990 AND b.price IS NOT NULL",
    )
    assert "The plan reads books with" in msg and "not with an Index Only Scan" in msg
    assert "authors" not in msg.split("The plan reads books")[1].split(".")[0]


def test_result_column_names_are_checked_where_the_task_names_them():
    named = SQLQuery(
        id="demo.t10",
        title="Names",
        task="-",
        schema=demo.SCHEMA,
        columns=True,
        reference="SELECT country, count(*) AS authors FROM authors GROUP BY country",
    )
    passes(named, "SELECT country, count(*) AS authors FROM authors GROUP BY 1")
    msg = fails(named, "SELECT country, count(*) FROM authors GROUP BY country")
    assert "Wrong column names: yours are (country, count); expected (country, authors)." in msg


def test_pg_state_ddl_error():
    msg = fails(exercise("demo.pg_ddl"), "CREATE INDEX ON books (author)")
    assert 'PostgreSQL says: column "author" does not exist' in msg
    msg = fails(exercise("demo.pg_ddl"), "SELECT 1; CREATE INDEX ON bookz (author_id)")
    assert 'Statement 2 failed — PostgreSQL says: relation "bookz" does not exist' in msg


ACCOUNTS_SETUP = """
DROP TABLE IF EXISTS accounts;
DROP FUNCTION IF EXISTS touch_account();
CREATE TABLE accounts (id int PRIMARY KEY, email text, balance numeric, updated_at timestamptz);
"""
ACCOUNTS_SOLUTION = """
ALTER TABLE accounts ADD CONSTRAINT accounts_email_key UNIQUE (email);
ALTER TABLE accounts ADD CHECK (balance >= 0);
ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;
CREATE FUNCTION touch_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.updated_at := now(); RETURN NEW; END; $$;
CREATE TRIGGER accounts_touch BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION touch_account();
"""


def test_pg_state_constraints_triggers_columns():
    ex = SQLState(
        id="demo.t3",
        title="Guard the accounts",
        task="-",
        schema=demo.SCHEMA,
        setup=ACCOUNTS_SETUP,
        reference=ACCOUNTS_SOLUTION,
        expect=[
            constraint_on("accounts", "unique", ["email"]),
            constraint_on("accounts", "check", ["balance"]),
            column_on("accounts", "email", type="text", not_null=True),
            trigger_on("accounts", events="UPDATE", timing="BEFORE", for_each="ROW"),
        ],
    )
    try:
        passes(ex, ACCOUNTS_SOLUTION)
        msg = fails(ex, "ALTER TABLE accounts ADD CONSTRAINT accounts_email_key UNIQUE (email)")
        assert (
            "Missing a CHECK constraint on accounts (balance). Constraints on accounts now: "
            "accounts_email_key UNIQUE (email); accounts_pkey PRIMARY KEY (id)." in msg
        )
        assert "Column accounts.email should be NOT NULL." in msg
        assert "Missing a trigger on accounts (BEFORE UPDATE). Triggers on accounts now: none." in msg
    finally:
        from dbworkbook import connect

        with connect.postgres() as conn:
            conn.execute(
                f"DROP TABLE IF EXISTS {demo.SCHEMA}.accounts; DROP FUNCTION IF EXISTS {demo.SCHEMA}.touch_account()"
            )


# --------------------------------------------------------------------------- SQLite
# --------------------------------------------------------------------------- MongoDB queries
def test_mongo_missing_extra_and_count():
    ex = exercise("demo.mongo_filter")
    msg = fails(ex, {"author": "Author 3", "year": 2013, "sku": {"$lt": 200}})
    assert "Your query returns 3 documents; the expected result has 33." in msg
    assert (
        "Missing documents (30, first 3 shown):\n      {sku: 203, title: 'Book 203', author: 'Author 3', year: 2013, price: 25}"
        in msg
    )
    msg = fails(ex, {"author": "Author 3", "year": {"$gte": 2003}})
    assert "Unexpected documents (" in msg and "Missing" not in msg


def test_mongo_compares_by_meaning():
    ex = exercise("demo.mongo_filter")
    passes(ex, {"$and": [{"year": 2013}, {"author": "Author 3"}]})
    passes(ex, [{"$match": {"year": 2013, "author": "Author 3"}}])  # a pipeline answers a filter exercise
    passes(ex, {"filter": {"year": 2013, "author": "Author 3"}, "sort": [("sku", -1)]})  # order ignored


def test_mongo_order_and_bad_pipeline():
    ex = exercise("demo.mongo_pipeline")
    wrong = [dict(stage) for stage in ex.reference[:-1]] + [{"$sort": {"_id": -1}}]
    msg = fails(ex, wrong)
    assert "The documents are right but in the wrong order: document 1 should be {_id: 2015, books: 66" in msg
    assert "MongoDB says: Unrecognized pipeline stage name: '$matc'" in fails(ex, [{"$matc": {"year": 2015}}])
    assert "Your answer should be a filter (a dict) or a pipeline (a list), not int." in fails(ex, 42)


def test_mongo_find_spec_projection_sort_limit():
    ex = MongoQuery(
        id="demo.t4",
        title="Three cheapest",
        task="-",
        collection=demo.BOOKS,
        ordered=True,
        reference={
            "filter": {"author": "Author 1"},
            "projection": {"_id": 0, "title": 1, "price": 1},
            "sort": [("price", 1), ("sku", 1)],
            "limit": 3,
        },
    )
    passes(ex, ex.reference)
    msg = fails(
        ex,
        {
            "filter": {"author": "Author 1"},
            "projection": {"_id": 0, "title": 1},
            "sort": {"price": 1, "sku": 1},
            "limit": 3,
        },
    )
    assert "Missing documents (3):\n      {title: 'Book 221', price: 5}" in msg
    assert "Unexpected documents (3):\n      {title: 'Book 221'}" in msg


def test_mongo_collscan():
    ex = exercise("demo.mongo_index_scan")
    msg = fails(ex, {"title": "Book 1234"})
    assert "The plan is a COLLSCAN: no index serves this filter." in msg


# --------------------------------------------------------------------------- MongoDB state
def test_mongo_state_index_checks():
    ex = exercise("demo.mongo_ddl")
    passes(ex, ex.reference)

    def answer(coll): ...  # your code here

    assert "You have not written an answer yet" in fails(ex, answer)
    msg = fails(ex, lambda coll: coll.create_index("name"))
    assert (
        "Missing an index {email: 1} with unique=True on test_exercises_users. "
        "Indexes now: _id_ {_id: 1}; name_1 {name: 1}."
    ) in msg
    assert "The plan is a COLLSCAN: no index serves this filter." in msg
    assert "Index email_1 has the right keys but is not unique." in fails(ex, lambda coll: coll.create_index("email"))

    def typo(coll):
        coll.create_index(emial, unique=True)  # noqa: F821  the learner's typo the check must report

    assert "Your function raised NameError: name 'emial' is not defined" in fails(ex, typo)


def test_mongo_index_options():
    ttl = MongoState(
        id="demo.t5",
        title="TTL",
        task="-",
        collection="test_exercises_sessions",
        setup=lambda coll: coll.drop_indexes(),
        reference=lambda coll: coll.create_index("at", expireAfterSeconds=3600),
        expect=[mongo_index("at", ttl=3600)],
    )
    passes(ttl, ttl.reference)
    assert "has expireAfterSeconds=60; expected 3600" in fails(
        ttl, lambda coll: coll.create_index("at", expireAfterSeconds=60)
    )
    assert "is not a TTL index" not in fails(ttl, lambda coll: coll.create_index([("at", -1)]))


# --------------------------------------------------------------------------- Redis
def test_redis_missing_key_wrong_value_missing_ttl():
    ex = exercise("demo.redis_commands")
    msg = fails(ex, ["SET user:2:name Ada", "EXPIRE user:2:name 60"])
    assert "Missing keys (1):\n      user:1:name = 'Ada'" in msg
    assert "Unexpected keys (1):\n      user:2:name = 'Ada'" in msg
    assert "user:1:name is 'Bob'; expected 'Ada'." in fails(ex, ["SET user:1:name Bob EX 60"])
    msg = fails(ex, ["SET user:1:name Ada"])
    assert msg.count("user:1:name has no TTL: it must expire.") == 1
    assert "expires too late" in fails(ex, ["SET user:1:name Ada EX 3600"])
    passes(ex, [("SET", "user:1:name", "Ada", "EX", "60")])
    assert "Redis says: unknown command 'SETT'" in fails(ex, ["SETT user:1:name Ada"])


def test_redis_function_answers_and_return_values():
    ex = exercise("demo.redis_function")

    def stub(r): ...  # your Redis commands here

    assert "You have not written an answer yet" in fails(ex, stub)

    def reversed_queue(r):
        r.lpush("jobs", "resize:1", "resize:2", "email:7")

    msg = fails(ex, reversed_queue)
    assert "jobs is list ['email:7', 'resize:2', 'resize:1']; expected list ['resize:1', 'resize:2', 'email:7']." in msg
    assert "Your answer returned None; expected 3." in msg

    def pipelined(r):
        return r.pipeline().rpush("jobs", "resize:1", "resize:2").rpush("jobs", "email:7").execute()[-1]

    passes(ex, pipelined)

    def broken(r):
        return r.incr("nope", "x")

    assert "Redis says: value is not an integer or out of range" in fails(ex, broken)


def test_redis_predicates_and_quoting():
    ex = RedisTask(
        id="demo.t6",
        title="Greet",
        task="-",
        db=demo.REDIS_DB,
        compare_state=False,
        reference=['SET greeting "hello world"', "GET greeting"],
        expect=[key_is("greeting", "hello world", type="string"), persistent("greeting"), returns("hello world")],
    )
    passes(ex, ex.reference)
    msg = fails(ex, ["SET greeting hello EX 5", "GET greeting"])
    assert "greeting is 'hello'; expected 'hello world'." in msg
    assert "greeting expires (it has a TTL); it should be persistent." in msg
    assert "Your answer returned 'hello'; expected 'hello world'." in msg
    setup = RedisTask(
        id="demo.t7",
        title="Pop",
        task="-",
        db=demo.REDIS_DB,
        setup=["RPUSH q a b c"],
        reference=["LPOP q"],
        keys="q",
        expect=[expires("q")],
    )
    assert "q has no TTL: it must expire." in fails(setup, ["LPOP q"])


def test_redis_check_restores_the_notebooks_keys():
    r = redis_client(demo.REDIS_DB)
    r.flushdb()
    r.set("lesson:key", "kept", ex=500)
    r.hset("lesson:hash", mapping={"a": "1"})
    ex = exercise("demo.redis_commands")
    passes(ex, ex.reference)
    fails(ex, ["SET lesson:key overwritten"])
    assert sorted(r.keys("*")) == ["lesson:hash", "lesson:key"]
    assert r.get("lesson:key") == "kept" and 0 < r.ttl("lesson:key") <= 500
    assert r.hgetall("lesson:hash") == {"a": "1"}
    r.flushdb()


# --------------------------------------------------------------------------- hints and display
def test_hints_one_at_a_time(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("DBWB_PROGRESS_FILE", str(tmp_path / "progress.json"))
    ex = exercise("demo.mongo_pipeline")
    ex.hint()
    ex.hint()
    ex.hint()
    assert capsys.readouterr().out.splitlines() == [
        'Hint 1/2: $match first, then $group by "$year".',
        "Hint 2/2: $sum: 1 counts; $avg averages; $sort by _id.",
        core.NO_MORE_HINTS,
    ]
    exercise("demo.mongo_pipeline").hint()  # re-running exercise(id) keeps the position
    assert capsys.readouterr().out.startswith("No more hints")
    assert "Stuck? ex.hint() reveals a hint." not in fails(ex, [{"$match": {"year": 1}}])


# --------------------------------------------------------------------------- progress
def test_progress_records_and_prints(monkeypatch, tmp_path, capsys):
    # Notebook number 99 exists in no catalog and no notebook file, so the report keeps its bare number.
    path = tmp_path / "p" / "progress.json"
    monkeypatch.setenv("DBWB_PROGRESS_FILE", str(path))
    fake = [
        dataclasses.replace(exercise("demo.pg_query"), id="99.1"),
        dataclasses.replace(exercise("demo.sqlite_query"), id="99.2"),
    ]
    monkeypatch.setattr(catalog, "notebooks", lambda include_registered=False: {"99": fake})
    fake[0].check(fake[0].reference)
    fake[1].check("SELECT 1, 2")
    data = json.loads(path.read_text())
    assert data["exercises"]["99.1"]["passed"] is True and data["exercises"]["99.1"]["notebook"] == "99"
    assert data["exercises"]["99.2"]["passed"] is False and data["exercises"]["99.2"]["attempts"] == 1
    fake[0].check("SELECT 1, 2")  # done means "passes now": a later failure undoes it...
    entry = json.loads(path.read_text())["exercises"]["99.1"]
    assert entry["passed"] is False and entry["attempts"] == 2 and entry["first_passed_at"]
    fake[0].check(fake[0].reference)  # ...and passing again restores it
    capsys.readouterr()
    assert progress.print_progress() == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.split() == ["99", "1/2", "99.1"] for line in lines), lines
    assert any(line.split()[:2] == ["total", "1/2"] for line in lines), lines
    assert progress.reset_progress() == 0
    assert not path.exists()
    assert "Exercise progress cleared" in capsys.readouterr().out


# --------------------------------------------------------------------------- MongoDB index checks judge meaning
SERVES = "test_exercises_serves"


@pytest.fixture()
def serves_coll():
    from dbworkbook import connect

    db = connect.mongo()
    db.drop_collection(SERVES)
    db[SERVES].insert_many(
        [{"u": i % 10, "t": i, "s": "pending" if i % 3 == 0 else "done", "x": i % 7} for i in range(600)]
    )
    yield db[SERVES]
    db.drop_collection(SERVES)


def _history_state(**kw):
    return MongoState(
        id="demo.serves",
        title="History",
        task="-",
        collection=SERVES,
        setup=lambda coll: coll.drop_indexes(),
        reference=lambda coll: coll.create_index([("u", 1), ("t", -1)]),
        expect=[mongo_engine.mongo_serves({"u": 3}, sort=[("t", -1)], max_keys_per_doc=1, **kw)],
    )


@pytest.mark.parametrize(
    "keys", [[("u", 1), ("t", -1)], [("u", 1), ("t", 1)], [("u", -1), ("t", -1)], [("u", 1), ("t", -1), ("x", 1)]]
)
def test_mongo_serves_accepts_every_index_that_serves_the_sort(serves_coll, keys):
    passes(_history_state(), lambda coll: coll.create_index(keys))


def test_mongo_serves_judges_the_plan_and_names_the_learners_index(serves_coll):
    ex = _history_state()
    msg = fails(ex, lambda coll: coll.create_index("u"))
    assert "Index u_1 {u: 1} finds the documents" in msg and "blocking SORT" in msg
    msg = fails(ex, lambda coll: coll.create_index([("u", 1), ("x", 1), ("t", -1)]))
    assert "u_1_x_1_t_-1 {u: 1, x: 1, t: -1}" in msg and "not in the sort's order" in msg
    msg = fails(ex, lambda coll: coll.create_index([("t", -1), ("u", 1)]))
    assert "t_-1_u_1 {t: -1, u: 1}" in msg and "equality field(s) first" in msg
    assert "created none" in fails(ex, lambda coll: list(coll.find({"u": 3})))
    if mongo_engine.server_is_embedded(serves_coll.database):
        assert "The embedded server, SecantusDB, keeps a SORT stage" in fails(ex, lambda coll: coll.create_index("u"))


def test_mongo_serves_never_names_an_index_the_answer_did_not_create(serves_coll):
    ex = MongoState(
        id="demo.serves2",
        title="History",
        task="-",
        collection=SERVES,
        setup=lambda coll: (coll.drop_indexes(), coll.create_index("x", name="legacy")),
        reference=lambda coll: coll.create_index([("u", 1), ("t", -1)]),
        expect=[mongo_engine.mongo_serves({"u": 3}, sort=[("t", -1)], max_keys_per_doc=1)],
    )
    msg = fails(ex, lambda coll: coll.create_index([("t", -1)], name="mine"))
    assert "mine {t: -1}" in msg and "legacy" not in msg
    # the userId_1_createdAt_1 case of issue 12: an index that serves the query is never "missing"
    passes(ex, lambda coll: coll.create_index([("u", 1), ("t", 1)], name="mine"))
    passes(ex, lambda coll: coll.create_index([("u", 1), ("t", 1)], name="mine"))  # a retry, same name


def test_mongo_query_partial_index_accepts_mongods_rewrites(serves_coll):
    serves_coll.create_index([("t", 1)], partialFilterExpression={"s": "pending"})
    ex = MongoQuery(
        id="demo.partial",
        title="Pending",
        task="-",
        collection=SERVES,
        must_use_index=True,
        reference={"s": "pending", "t": {"$gte": 300}},
    )
    passes(ex, ex.reference)
    passes(ex, {"s": {"$in": ["pending"]}, "t": {"$gte": 300}})
    passes(ex, {"$and": [{"t": {"$gte": 300}}, {"s": {"$eq": "pending"}}]})
    msg = fails(ex, {"s": {"$regex": "^pending$"}, "t": {"$gte": 300}})
    assert "COLLSCAN" in msg and "is partial" in msg and "t_1 {t: 1}" in msg


def test_mongo_index_leading_and_mirrored(serves_coll):
    exact = mongo_index([("u", 1), ("t", -1)])
    loose = mongo_index([("u", 1), ("t", -1)], leading=True, mirrored=True)
    serves_coll.create_index([("u", -1), ("t", 1), ("x", 1)])
    assert loose.verify(serves_coll) is None
    msg = exact.verify(serves_coll)
    assert "Missing an index {u: 1, t: -1}" in msg
    serves_coll.drop_indexes()
    serves_coll.create_index([("t", -1), ("u", 1)])
    assert "has the right fields but in another order or direction" in exact.verify(serves_coll)


# --------------------------------------------------------------------------- Redis behaviour (issue 12)
RATE_WHY = "a crash between them leaves ratelimit:42 without a TTL"


def _count_in_multi(r):
    with r.pipeline(transaction=True) as pipe:
        pipe.incr("ratelimit:42")
        pipe.expire("ratelimit:42", 60, nx=True)
        current, _ = pipe.execute()
    return current <= 5


def _rate_task(**extra):
    return RedisTask(
        id="demo.rate",
        title="Count a request",
        task="-",
        db=demo.REDIS_DB,
        setup=["SET ratelimit:42 3"],
        reference=_count_in_multi,
        compare_return=True,
        expect=[key_is("ratelimit:42", "4"), expires("ratelimit:42", max=60)],
        **extra,
    )


def test_redis_atomic_rejects_two_round_trips_and_accepts_multi_and_scripts():
    ex = _rate_task(behaviour=[atomic("INCR", "EXPIRE", why=RATE_WHY)])
    passes(ex, _count_in_multi)

    def separate(r):
        current = r.incr("ratelimit:42")
        r.expire("ratelimit:42", 60, nx=True)
        return current <= 5

    msg = fails(ex, separate)
    assert (
        "INCR and EXPIRE ran as two separate commands (`INCRBY ratelimit:42 1` · `EXPIRE ratelimit:42 60 NX`): "
        "a crash between them leaves ratelimit:42 without a TTL."
    ) in msg

    def plain_pipeline(r):  # one round trip, but no MULTI: still two steps on the server
        pipe = r.pipeline(transaction=False)
        pipe.incr("ratelimit:42")
        pipe.expire("ratelimit:42", 60, nx=True)
        return pipe.execute()[0] <= 5

    assert "ran as two separate commands" in fails(ex, plain_pipeline)

    def half_in_multi(r):
        with r.pipeline(transaction=True) as pipe:
            current = pipe.incr("ratelimit:42").execute()[0]
        r.expire("ratelimit:42", 60, nx=True)
        return current <= 5

    assert "INCR and EXPIRE ran as two separate steps" in fails(ex, half_in_multi)

    def script(r):
        return (
            r.eval(
                "local n = redis.call('INCR', KEYS[1]) "
                "if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], 60) end "
                "return n",
                1,
                "ratelimit:42",
            )
            <= 5
        )

    passes(ex, script)

    # a command list: MULTI ... EXEC typed by hand is one atomic block too
    cmds = RedisTask(
        id="demo.rate2",
        title="Count",
        task="-",
        db=demo.REDIS_DB,
        setup=["SET ratelimit:42 3"],
        reference=["MULTI", "INCR ratelimit:42", "EXPIRE ratelimit:42 60 NX", "EXEC"],
        behaviour=[atomic("INCR", "EXPIRE", why=RATE_WHY)],
    )
    passes(cmds, cmds.reference)
    assert "ran as two separate commands" in fails(cmds, ["INCR ratelimit:42", "EXPIRE ratelimit:42 60 NX"])


def test_redis_atomic_get_then_del_lock_release():
    release = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"

    def scripted(r):
        return [r.eval(release, 1, f"lock:{n}", "token-A") for n in (7, 8)]

    ex = RedisTask(
        id="demo.lock",
        title="Release",
        task="-",
        db=demo.REDIS_DB,
        reference=scripted,
        setup=["SET lock:7 token-B EX 30", "SET lock:8 token-A EX 30"],
        compare_return=True,
        behaviour=[atomic("GET", "DEL", why="the lock can expire and be taken between them")],
    )
    passes(ex, scripted)

    def python_compare(r):
        out = []
        for n in (7, 8):
            if r.get(f"lock:{n}") == "token-A":
                out.append(r.delete(f"lock:{n}"))
            else:
                out.append(0)
        return out

    msg = fails(ex, python_compare)
    assert "GET and DEL ran as three separate commands (`GET lock:7` · `GET lock:8` · `DEL lock:8`)" in msg

    def optimistic(r):  # WATCH + GET + MULTI/DEL/EXEC: optimistic locking is atomic too
        out = []
        for n in (7, 8):
            with r.pipeline() as pipe:
                pipe.watch(f"lock:{n}")
                if pipe.get(f"lock:{n}") == "token-A":
                    pipe.multi()
                    pipe.delete(f"lock:{n}")
                    out.append(pipe.execute()[0])
                else:
                    pipe.unwatch()
                    out.append(0)
        return out

    passes(ex, optimistic)


def test_redis_never_uses_and_round_trips():
    def scan_and_pipeline(r):
        with r.pipeline(transaction=False) as pipe:
            for key in r.scan_iter(match="cache:*", count=100):
                pipe.expire(key, 3600, nx=True)
            return sum(pipe.execute())

    ex = RedisTask(
        id="demo.ttl",
        title="TTLs",
        task="-",
        db=demo.REDIS_DB,
        reference=scan_and_pipeline,
        setup=["SET cache:a 1", "SET cache:b 2 EX 60", "SET other 3"],
        compare_return=True,
        behaviour=[
            never("KEYS", why="KEYS blocks the server while it walks every key"),
            uses("SCAN", why="SCAN walks the keys in small steps"),
            uses("EXPIRE NX", why="a running TTL must not be reset"),
            max_round_trips(2, why="send the EXPIREs in one pipeline"),
        ],
    )
    passes(ex, scan_and_pipeline)

    def with_keys(r):
        with r.pipeline(transaction=False) as pipe:
            for key in r.keys("cache:*"):
                pipe.expire(key, 3600, nx=True)
            return sum(pipe.execute())

    msg = fails(ex, with_keys)
    assert "Your code sent KEYS (`KEYS cache:*`): KEYS blocks the server while it walks every key." in msg
    assert "Your code never sent SCAN: SCAN walks the keys in small steps." in msg

    def one_by_one(r):
        return sum(bool(r.expire(key, 3600, nx=True)) for key in r.scan_iter(match="cache:*", count=100))

    msg = fails(ex, one_by_one)
    assert "Your code made 3 round trips to the server (SCAN · EXPIRE · EXPIRE); at most 2 round trips expected" in msg

    def without_nx(r):
        with r.pipeline(transaction=False) as pipe:
            for key in r.scan_iter(match="cache:*", count=100):
                if r.ttl(key) < 0:
                    pipe.expire(key, 3600)
            return sum(pipe.execute())

    msg = fails(ex, without_nx)
    assert "Your code sent `EXPIRE cache:a 3600` but never EXPIRE with NX: a running TTL must not be reset." in msg
    # KEYS run by a Lua script is caught too
    lua_keys = RedisTask(
        id="demo.lua_keys",
        title="-",
        task="-",
        db=demo.REDIS_DB,
        reference=["SET a 1"],
        behaviour=[never("KEYS", why="it blocks")],
    )
    msg = fails(lua_keys, ["SET a 1", "EVAL \"return redis.call('KEYS', '*')\" 0"])
    assert "Your code sent KEYS (`KEYS *` inside a Lua script): it blocks." in msg


def test_redis_scenarios_expose_a_reset_ttl_and_name_the_scenario():
    ex = _rate_task(
        ttl_tolerance=2,
        behaviour=[atomic("INCR", "EXPIRE", why=RATE_WHY)],
        scenarios=[
            ("the counter already has a TTL (30 s left)", ["EXPIRE ratelimit:42 30"]),
            Scenario(
                "this request reaches the limit", ["SET ratelimit:42 4 EX 30"], expect=[key_is("ratelimit:42", "5")]
            ),
        ],
    )
    passes(ex, _count_in_multi)

    def resets_ttl(r):
        with r.pipeline(transaction=True) as pipe:
            pipe.incr("ratelimit:42")
            pipe.expire("ratelimit:42", 60)
            current, _ = pipe.execute()
        return current <= 5

    msg = fails(ex, resets_ttl)
    assert "In the scenario “the counter already has a TTL (30 s left)”" in msg
    assert "ratelimit:42 expires in 60 s; expected 30 s." in msg

    def off_by_one(r):
        with r.pipeline(transaction=True) as pipe:
            pipe.incr("ratelimit:42")
            pipe.expire("ratelimit:42", 60, nx=True)
            current, _ = pipe.execute()
        return current < 5

    msg = fails(ex, off_by_one)
    assert "In the scenario “this request reaches the limit”" in msg
    assert "Your answer returned False; expected True." in msg

    def resets_and_off_by_one(r):  # fails in the main run first: the scenarios are not run
        return off_by_one(r) and r.persist("ratelimit:42")

    msg = fails(ex, resets_and_off_by_one)
    assert "ratelimit:42 has no TTL: it must expire." in msg and "scenario" not in msg


def test_redis_reference_must_satisfy_its_own_behaviour():
    ex = RedisTask(
        id="demo.bad_ref",
        title="-",
        task="-",
        db=demo.REDIS_DB,
        reference=["INCR n", "EXPIRE n 60"],
        behaviour=[atomic("INCR", "EXPIRE", why="crash")],
    )
    msg = fails(ex, ["INCR n", "EXPIRE n 60"])
    assert "could not be checked" in msg and "The reference fails its own behaviour check" in msg


def test_redis_return_values_per_key_and_stream_groups_in_state():
    def board(r):
        return {"top": ["a", "b"], "rank": 3}

    ex = RedisTask(id="demo.ret", title="-", task="-", db=demo.REDIS_DB, reference=board, compare_return=True)
    msg = fails(ex, lambda r: {"top": ["a", "b"], "rank": 2})
    assert "Your answer's 'rank' is 2; expected 3." in msg and "'top'" not in msg

    def consume(r):
        r.xgroup_create("s", "g", id="0")
        for _stream, entries in r.xreadgroup("g", "c", {"s": ">"}):
            for entry_id, _fields in entries:
                r.xack("s", "g", entry_id)

    def consume_without_ack(r):
        r.xgroup_create("s", "g", id="0")
        r.xreadgroup("g", "c", {"s": ">"})

    streams = RedisTask(
        id="demo.groups", title="-", task="-", db=demo.REDIS_DB, setup=["XADD s 1-0 k v"], reference=consume
    )
    passes(streams, consume)
    assert "groups: {g: {pending: 1, last-delivered-id: '1-0'}}}; expected stream" in fails(
        streams, consume_without_ack
    )
