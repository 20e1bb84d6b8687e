"""Example declarations, one or two of each kind, on scratch objects the tests own.

Importing this module registers them as the catalog ``demo`` (``catalog.register``): test code,
not part of the package. Not a notebook: the ids are ``demo.*``, the objects are PostgreSQL schema ``test_exercises``,
MongoDB collections ``test_exercises_*`` and Redis database 14. ``install_fixtures()`` creates
their data (idempotent, about a second); ``remove_fixtures()`` drops it.

Lesson authors: copy a declaration into ``src/dbworkbook/exercises/catalog/nbNN.py``, give it an ``NN.k`` id and drop the
``schema=`` / ``collection=`` / ``db=`` lines that point at the scratch objects (an exercise uses
its notebook's schema ``nbNN`` then ``public``, and Redis database NN, by default).
"""

from __future__ import annotations

from dbworkbook.exercises import catalog
from dbworkbook.exercises.mongodb import MongoQuery, MongoState, drop_indexes, mongo_index, mongo_uses_index
from dbworkbook.exercises.redisdb import RedisTask, expires
from dbworkbook.exercises.sql import SQLQuery, SQLState, index_on, uses_index

SCHEMA = "test_exercises"
BOOKS = "test_exercises_books"
USERS = "test_exercises_users"
REDIS_DB = 14

# Drops every index on books except the primary key: the starting state of demo.pg_ddl.
DROP_BOOK_INDEXES = """
DO $$
DECLARE ix record;
BEGIN
  FOR ix IN SELECT indexrelid::regclass AS name FROM pg_index
            WHERE indrelid = 'test_exercises.books'::regclass AND NOT indisprimary LOOP
    EXECUTE 'DROP INDEX ' || ix.name;
  END LOOP;
END $$;
"""

CITIES = """
CREATE TABLE cities (name TEXT PRIMARY KEY, country TEXT NOT NULL, population INTEGER NOT NULL);
INSERT INTO cities VALUES ('Lagos', 'NG', 15388000), ('Porto', 'PT', 231800), ('Oslo', 'NO', 709000),
  ('Osaka', 'JP', 2753000), ('Nairobi', 'KE', 4397000), ('Utrecht', 'NL', 361700);
CREATE INDEX cities_country_idx ON cities (country);
"""


def _redis_queue(r):
    r.rpush("jobs", "resize:1", "resize:2", "email:7")
    return r.llen("jobs")


EXERCISES = [
    SQLQuery(
        id="demo.pg_query",
        schema=SCHEMA,
        title="List the Norwegian authors by name",
        task="Return the `name` and `country` of every author whose country is `'NO'`, sorted by name.",
        reference="SELECT name, country FROM authors WHERE country = 'NO' ORDER BY name",
        ordered=True,
        hints=["Filter with WHERE country = 'NO'.", "Sort with ORDER BY name."],
    ),
    SQLQuery(
        id="demo.pg_index_scan",
        schema=SCHEMA,
        title="Fetch one book through its primary key",
        task="Return the `title` of book 4242 with a query the primary-key index can serve.",
        reference="SELECT title FROM books WHERE id = 4242",
        must_use_index=True,
        hints=["The primary key is `id`."],
    ),
    SQLState(
        id="demo.pg_ddl",
        schema=SCHEMA,
        title="Index the books by author",
        task="Create an index so that `SELECT * FROM books WHERE author_id = 7` no longer reads the whole table.",
        setup=DROP_BOOK_INDEXES,
        reference="CREATE INDEX books_author_idx ON books (author_id)",
        expect=[index_on("books", ["author_id"]), uses_index("SELECT * FROM books WHERE author_id = 7")],
        hints=["CREATE INDEX name ON table (column)."],
    ),
    SQLQuery(
        id="demo.sqlite_query",
        database="sqlite",
        sqlite_path=":memory:",
        setup=CITIES,
        title="Find the cities of more than a million people (SQLite)",
        task="Return the `name` and `population` of the cities with more than 1,000,000 people.",
        reference="SELECT name, population FROM cities WHERE population > 1000000",
        hints=["WHERE population > 1000000"],
    ),
    MongoQuery(
        id="demo.mongo_filter",
        collection=BOOKS,
        title="Find Author 3's books of 2013",
        task="Write the filter that matches the books whose `author` is `'Author 3'` and `year` is 2013.",
        reference={"author": "Author 3", "year": 2013},
        hints=["Two fields in one filter document are ANDed."],
    ),
    MongoQuery(
        id="demo.mongo_pipeline",
        collection=BOOKS,
        title="Count the books of each recent year",
        task="Write a pipeline returning, for each year from 2015 on, `{_id: year, books: n, avg_price: p}`, "
        "sorted by year.",
        reference=[
            {"$match": {"year": {"$gte": 2015}}},
            {"$group": {"_id": "$year", "books": {"$sum": 1}, "avg_price": {"$avg": "$price"}}},
            {"$sort": {"_id": 1}},
        ],
        ordered=True,
        hints=['$match first, then $group by "$year".', "$sum: 1 counts; $avg averages; $sort by _id."],
    ),
    MongoQuery(
        id="demo.mongo_index_scan",
        collection=BOOKS,
        title="Find one book through an index",
        task="Write the filter that finds the book with `sku` 1234 so that an index serves it.",
        reference={"sku": 1234},
        must_use_index=True,
        hints=["`sku` is indexed; `title` is not."],
    ),
    MongoState(
        id="demo.mongo_ddl",
        collection=USERS,
        title="Make e-mail addresses unique",
        task="Write `def answer(coll):` that creates a unique index on `email`.",
        setup=drop_indexes,
        reference=lambda coll: coll.create_index("email", unique=True),
        expect=[mongo_index([("email", 1)], unique=True), mongo_uses_index({"email": "user7@example.com"})],
        hints=["coll.create_index(key, unique=True)"],
    ),
    RedisTask(
        id="demo.redis_commands",
        db=REDIS_DB,
        title="Cache a user's name for a minute",
        task="Store `Ada` under `user:1:name` so that it expires after 60 seconds.",
        reference=["SET user:1:name Ada", "EXPIRE user:1:name 60"],
        expect=[expires("user:1:name", max=60)],
        hints=["SET stores a string.", "EXPIRE (or SET ... EX 60) adds the TTL."],
    ),
    RedisTask(
        id="demo.redis_function",
        db=REDIS_DB,
        title="Queue three jobs",
        task="Write `def answer(r):` that appends `resize:1`, `resize:2`, `email:7` (in that order) to the "
        "list `jobs` and returns the queue's length.",
        reference=_redis_queue,
        compare_return=True,
        hints=["RPUSH appends to the tail.", "LLEN returns the length (RPUSH also returns it)."],
    ),
]


catalog.register("demo", EXERCISES)


def install_fixtures() -> None:
    """Create the scratch data the demo exercises read (idempotent; needs the servers)."""
    from dbworkbook import connect
    from dbworkbook.exercises import redisdb

    with connect.postgres() as conn:
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
        conn.execute(f"DROP TABLE IF EXISTS {SCHEMA}.books, {SCHEMA}.authors")
        conn.execute(f"""CREATE TABLE {SCHEMA}.authors (id int PRIMARY KEY, name text NOT NULL, country text NOT NULL);
            INSERT INTO {SCHEMA}.authors
              SELECT i, 'Author ' || i, (ARRAY['NL','NO','PT','JP','KE'])[1 + i % 5] FROM generate_series(1, 50) i;
            CREATE TABLE {SCHEMA}.books (id int PRIMARY KEY, title text NOT NULL,
                                         author_id int NOT NULL REFERENCES {SCHEMA}.authors, year int, price numeric(6,2));
            INSERT INTO {SCHEMA}.books
              SELECT i, 'Book ' || i, 1 + i % 50, 1950 + i % 70, 5 + (i % 17) * 1.25 FROM generate_series(1, 20000) i;
            ANALYZE {SCHEMA}.authors; ANALYZE {SCHEMA}.books;""")
    db = connect.mongo()
    db.drop_collection(BOOKS)
    db[BOOKS].insert_many(
        [
            {
                "sku": i,
                "title": f"Book {i}",
                "author": f"Author {i % 20}",
                "year": 1990 + i % 30,
                "price": round(5 + (i % 17) * 1.25, 2),
            }
            for i in range(2000)
        ]
    )
    db[BOOKS].create_index("sku", unique=True)
    db.drop_collection(USERS)
    db[USERS].insert_many([{"email": f"user{i}@example.com", "name": f"User {i}"} for i in range(500)])
    redisdb.client(REDIS_DB).flushdb()


def remove_fixtures() -> None:
    from dbworkbook import connect
    from dbworkbook.exercises import redisdb

    with connect.postgres() as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    db = connect.mongo()
    for name in db.list_collection_names():
        if name.startswith("test_exercises_"):
            db.drop_collection(name)
    redisdb.client(REDIS_DB).flushdb()
