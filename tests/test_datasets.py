"""The seeded dataset: deterministic generation, documented distributions, every foreign key
resolving, the guide's queries answering on the seeded data, and the fingerprint.

The tests under "live servers" talk to the real servers (``make up``): they read the seeded
``small`` dataset (seeding it only when it was never seeded) and write only to scratch targets
(schemas dstest_*, MongoDB database dbwb_test_*, Redis db 15, a temporary SQLite file). The tests
marked ``reseeds`` reload or repair the seeded data: run them against servers of your own
(``-m "not reseeds"`` leaves them out). Notebook-owned objects (schema nbNN, collections nbNN_*,
Redis db NN) are never touched.
"""

from __future__ import annotations

import collections
import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from dbworkbook import connect, datasets
from dbworkbook.datasets import fingerprint, load_mongo, load_postgres, loaders, passwords
from dbworkbook.datasets import generator as g
from dbworkbook.datasets.spec import NOW_TS

SCALE = "small"
# sha256 of everything the small scale generates (PostgreSQL rows, MongoDB documents, Redis
# commands). It is the same on every machine; if a change to the generator is intended, bump
# spec.VERSION and update this value.
SMALL_DIGEST = "c1dcd1add22e34f42e7afddfa5f870203e6f2b56b687ebd67f5565fc12d5bc24"


@pytest.fixture(scope="module")
def ds():
    data = g.generate(SCALE)
    passwords.fill_hashes(data)
    return data


# ------------------------------------------------------------------ generation (no servers)
def test_now_is_fixed_and_tz_aware():
    assert datetime(2026, 11, 1, 12, 0, tzinfo=UTC) == datasets.NOW
    assert datasets.NOW.tzinfo is not None
    assert int(datasets.NOW.timestamp()) == NOW_TS


@pytest.fixture(scope="module")
def digest(ds):
    return g.dataset_digest(ds)


def test_two_generations_are_identical(digest):
    again = g.generate(SCALE, cache=False)
    assert g.dataset_digest(again) == digest


def test_small_digest_is_stable(digest):
    assert digest == SMALL_DIGEST, "the small dataset changed: if intended, bump spec.VERSION and update SMALL_DIGEST"


def test_sizes_match_the_scale(ds):
    spec = datasets.SCALES[SCALE]
    assert (len(ds.users), len(ds.posts)) == (spec.users, spec.posts)
    assert 60 <= len(ds.categories) <= 150
    docs = g.mongo_documents(ds)
    assert [len(docs[k]) for k in ("users", "posts", "orders", "sessions")] == [
        spec.mongo_users,
        spec.mongo_posts,
        spec.orders,
        spec.sessions,
    ]


def test_category_tree(ds):
    c = ds.categories
    ids = set(c.ids)
    assert all(p is None or p in ids for p in c.parent_ids)
    assert max(c.depth) + 1 in (4, 5), "a tree 4-5 levels deep"
    path = []
    node = c.names.index("GIN Indexes")
    while node is not None:
        path.append(c.names[node])
        parent = c.parent_ids[node]
        node = None if parent is None else parent - 1
    assert path[::-1] == ["Technology", "Databases", "PostgreSQL", "Indexing", "GIN Indexes"]


def test_users_distributions(ds):
    u = ds.users
    counts = collections.Counter(u.status)
    n = len(u)
    assert abs(counts["active"] / n - 0.85) < 0.02
    assert abs(counts["inactive"] / n - 0.10) < 0.02
    assert abs(counts["suspended"] / n - 0.05) < 0.015
    lower = [e.lower() for e in u.emails]
    assert len(set(lower)) == n, "emails are unique case-insensitively"
    assert sum(e != e.lower() for e in u.emails) > n / 3, "many emails have upper-case letters"
    assert all(len(e) <= 255 and "@" in e for e in u.emails)
    assert np.all(np.diff(u.created) >= 0) and np.all(u.updated >= u.created)
    assert u.created.max() < NOW_TS


def test_password_hashes_are_real_argon2id(ds):
    from argon2 import PasswordHasher

    ph = PasswordHasher()
    for i in (0, 1, len(ds.users) - 1):
        h = ds.users.hashes[i]
        assert h.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
        assert ph.verify(h, ds.users.passwords[i])
    email, password = datasets.demo_credentials(1, SCALE)[0]
    assert (email, password) == (ds.users.emails[0], ds.users.passwords[0])


def test_posts_distributions(ds):
    p = ds.posts
    n = len(p)
    per_author = np.sort(np.bincount(p.author, minlength=len(ds.users)))[::-1]
    top = per_author[: len(ds.users) // 100].sum() / n
    assert top > 0.20, f"Zipf authors: the top 1 % write {top:.0%} of posts"
    assert (per_author == 0).sum() > 0 or per_author[-1] < per_author[0] / 100
    drafts = (p.published < 0).mean()
    assert 0.13 < drafts < 0.17
    recent = (p.published > NOW_TS - 30 * 86_400).sum()
    assert recent > n * 0.02, "enough posts published in the 30 days before NOW"
    assert p.published.max() < NOW_TS and p.created.max() < NOW_TS
    pub = p.published >= 0
    assert np.all(p.published[pub] >= p.created[pub])
    assert np.all(p.created >= ds.users.created[p.author]), "a post is written after its author signs up"
    assert 0.03 < p.featured.mean() < 0.07
    assert np.median(p.views[pub]) < 100 < p.views.max() / 1000, "views follow a power law"
    meta = json.loads(p.metadata[1])
    assert set(meta) == {"source", "featured", "stats"} and set(meta["stats"]) == {"views", "likes"}
    assert all(1 <= len(t) <= 4 and len(set(t)) == len(t) for t in p.tags[:1000])


def test_text_follows_the_topic(ds):
    p, c = ds.posts, ds.categories
    indexing = c.ids[c.names.index("Indexing")]
    cooking = c.ids[c.names.index("Baking")]
    idx = [i for i in range(5000) if p.category[i] == indexing]
    bake = [i for i in range(5000) if p.category[i] == cooking]
    assert idx and bake
    assert all("index" in (p.title[i] + p.content[i]).lower() or "scan" in p.content[i].lower() for i in idx)
    assert not any("index" in p.content[i].lower() for i in bake)


def test_mongo_references_resolve(ds):
    docs = g.mongo_documents(ds)
    user_ids = {u["_id"] for u in docs["users"]}
    cat_ids = {c["_id"] for c in docs["categories"]}
    assert all(p["authorId"] in user_ids for p in docs["posts"])
    assert all(o["userId"] in user_ids for o in docs["orders"])
    assert all(s["userId"] in user_ids for s in docs["sessions"])
    assert all(p["categoryId"] in cat_ids for p in docs["posts"])
    assert all(c["parent"] is None or c["parent"] in cat_ids for c in docs["categories"])
    pg_ids = {str(x) for x in ds.users.ids}
    assert all(u["pgId"] in pg_ids for u in docs["users"])
    for u in docs["users"][:500]:
        assert 1 <= len(u["addresses"]) <= 3
        assert set(u["profile"]) == {"firstName", "lastName", "avatar"}
        assert u["_id"].generation_time == u["createdAt"]


def test_orders_distributions(ds):
    orders = g.mongo_documents(ds)["orders"]
    status = collections.Counter(o["status"] for o in orders)
    n = len(orders)
    assert abs(status["completed"] / n - 0.70) < 0.02 and abs(status["cancelled"] / n - 0.10) < 0.02
    for o in orders[:2000]:
        assert o["total"] == round(sum(i["qty"] * i["price"] for i in o["items"]), 2)
        assert 1 <= len(o["items"]) <= 4
    start = datasets.NOW - timedelta(days=730)
    assert all(start <= o["createdAt"] < datasets.NOW for o in orders)
    by_month = collections.Counter(o["createdAt"].month for o in orders)
    assert by_month[12] > by_month[6] * 1.5 and by_month[11] > by_month[2] * 1.5, "a Nov/Dec peak"


def test_redis_commands(ds):
    cmds = g.redis_commands(ds)
    keys = {c[1] for c in cmds}
    assert {"user:1:name", "user:1", "user:1:roles", "page:home:views", "leaderboard", "queue:jobs", "events"} <= keys
    ids = [c[2] for c in cmds if c[0] == "XADD"]
    assert ids == sorted(ids, key=lambda x: int(x.split("-")[0])) and len(ids) == len(set(ids)) >= 300
    assert all(int(x.split("-")[0]) < NOW_TS * 1000 for x in ids)


# ------------------------------------------------------------------ live servers
@pytest.fixture(scope="module")
def seeded():
    """The seeded dataset, verified (quick); seeded only if it never was (it reloads nothing)."""
    return datasets.ensure_seeded()


@pytest.fixture(scope="module")
def pg(seeded):
    with connect.postgres() as conn:
        yield conn


@pytest.mark.reseeds
def test_seed_is_idempotent(seeded):
    again = datasets.seed(SCALE, quiet=True)
    assert again["status"] == "unchanged"
    s = datasets.summary()
    assert (s["scale"], s["users"], s["posts"]) == (SCALE, 10_000, 200_000)


def test_postgres_schema_has_only_the_seeds_constraints(pg):
    rows = pg.execute(
        "SELECT conrelid::regclass::text, contype FROM pg_constraint WHERE connamespace = 'public'::regnamespace "
        "AND conrelid::regclass::text IN ('users', 'posts', 'categories') AND contype <> 'n' ORDER BY 1, 2"
    ).fetchall()
    assert rows == [
        ("categories", "f"),
        ("categories", "p"),
        ("posts", "f"),
        ("posts", "f"),
        ("posts", "p"),
        ("users", "c"),
        ("users", "p"),
        ("users", "u"),
    ]
    seed_sql = load_postgres.DDL + load_postgres.DERIVE + load_postgres.CONSTRAINTS
    assert "INDEX" not in seed_sql.upper(), "the seed creates no secondary index: the lessons do"
    cols = [
        r[0]
        for r in pg.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND table_name = 'posts' ORDER BY ordinal_position"
        )
    ]
    assert cols == [
        "id",
        "author_id",
        "title",
        "content",
        "tags",
        "search_vector",
        "metadata",
        "category_id",
        "published_at",
        "created_at",
    ]


def test_postgres_foreign_keys_resolve(pg):
    assert (
        pg.execute(
            "SELECT count(*) FROM posts p LEFT JOIN users u ON u.id = p.author_id WHERE u.id IS NULL"
        ).fetchone()[0]
        == 0
    )
    assert (
        pg.execute(
            "SELECT count(*) FROM categories c LEFT JOIN categories p ON p.id = c.parent_id "
            "WHERE c.parent_id IS NOT NULL AND p.id IS NULL"
        ).fetchone()[0]
        == 0
    )
    assert pg.execute("SELECT count(*) FROM posts WHERE search_vector IS NULL").fetchone()[0] == 0
    assert pg.execute("SELECT count(DISTINCT lower(email)) = count(*) FROM users").fetchone()[0]


def test_guide_top_authors_query(pg):
    query = """
SELECT u.full_name, COUNT(p.id) as post_count
FROM users u
LEFT JOIN posts p ON p.author_id = u.id
WHERE u.status = 'active'
GROUP BY u.id
ORDER BY post_count DESC
LIMIT 10;"""
    plan = "\n".join(r[0] for r in pg.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT)" + query))
    assert "Limit" in plan and "Hash" in plan
    rows = pg.execute(query).fetchall()
    assert len(rows) == 10 and rows[0][1] >= rows[-1][1] > 500


def test_guide_active_authors_cte(pg):
    query = """
WITH active_authors AS (
    SELECT DISTINCT author_id
    FROM posts
    WHERE published_at > %(now)s::timestamptz - INTERVAL '30 days'
),
author_stats AS (
    SELECT
        u.id,
        u.full_name,
        COUNT(p.id) as total_posts
    FROM users u
    JOIN active_authors aa ON aa.author_id = u.id
    LEFT JOIN posts p ON p.author_id = u.id
    GROUP BY u.id
)
SELECT * FROM author_stats
ORDER BY total_posts DESC;"""
    rows = pg.execute(query, {"now": datasets.NOW}).fetchall()
    assert 300 < len(rows) < 10_000
    assert rows[0][2] > 1_000 and rows[0][2] >= rows[-1][2] >= 1


def test_guide_window_functions(seeded):
    query = """
SELECT
    id,
    title,
    author_id,
    published_at,
    ROW_NUMBER() OVER (PARTITION BY author_id ORDER BY published_at DESC) as author_rank,
    LAG(published_at) OVER (PARTITION BY author_id ORDER BY published_at) as prev_post_date
FROM posts
WHERE published_at IS NOT NULL;"""
    with connect.postgres(autocommit=False) as conn, conn.cursor(name="window") as cur:
        cur.execute(query)
        rows = cur.fetchmany(500)
    assert len(rows) == 500
    assert any(r[4] == 1 for r in rows) and any(r[5] is not None for r in rows)


def test_guide_json_query(pg):
    rows = pg.execute("""
SELECT
    id,
    metadata->>'source' as source,
    metadata->'stats'->>'views' as views
FROM posts
WHERE metadata @> '{"featured": true}';""").fetchall()
    assert 0.03 * 200_000 < len(rows) < 0.07 * 200_000
    assert {r[1] for r in rows} == {"web", "mobile", "api", "import"}
    assert all(int(r[2]) >= 1000 for r in rows)


def test_guide_recursive_cte(pg):
    rows = pg.execute("""
WITH RECURSIVE category_tree AS (
    SELECT id, name, parent_id, 0 as depth
    FROM categories
    WHERE parent_id IS NULL
    UNION ALL
    SELECT c.id, c.name, c.parent_id, ct.depth + 1
    FROM categories c
    JOIN category_tree ct ON c.parent_id = ct.id
    WHERE ct.depth < 10
)
SELECT * FROM category_tree ORDER BY depth;""").fetchall()
    n = pg.execute("SELECT count(*) FROM categories").fetchone()[0]
    assert len(rows) == n and rows[0][3] == 0 and rows[-1][3] in (3, 4)
    assert ("GIN Indexes", 4) in {(r[1], r[3]) for r in rows}


@pytest.mark.parametrize(
    "word, topics",
    [
        ("index", {"Indexing", "B-tree Indexes", "GIN Indexes", "Partial Indexes", "Indexes"}),
        ("replication", {"Replication", "Replica Sets"}),
        ("cache", {"Caching", "CI/CD"}),
    ],
)
def test_full_text_search_ranks_the_topic_first(pg, word, topics):
    rows = pg.execute(
        "SELECT c.name FROM posts p JOIN categories c ON c.id = p.category_id "
        "WHERE p.search_vector @@ to_tsquery('english', %s) "
        "ORDER BY ts_rank(p.search_vector, to_tsquery('english', %s)) DESC, p.id LIMIT 20",
        (word, word),
    ).fetchall()
    assert len(rows) == 20 and all(r[0] in topics for r in rows), rows


def test_guide_mongo_orders_pipeline(seeded):
    db = connect.mongo()
    since = datetime(2025, 11, 1, tzinfo=UTC)  # inside the data: the 12 months before NOW
    result = list(
        db.orders.aggregate(
            [
                {"$match": {"status": "completed", "createdAt": {"$gte": since}}},
                {"$lookup": {"from": "users", "localField": "userId", "foreignField": "_id", "as": "user"}},
                {"$unwind": "$user"},
                {
                    "$group": {
                        "_id": {"month": {"$month": "$createdAt"}},
                        "totalRevenue": {"$sum": "$total"},
                        "orderCount": {"$sum": 1},
                    }
                },
                {"$sort": {"totalRevenue": -1}},
            ]
        )
    )
    assert sorted(r["_id"]["month"] for r in result) == list(range(1, 13))
    assert result[0]["_id"]["month"] in (11, 12), "the November/December peak"
    revenues = [r["totalRevenue"] for r in result]
    assert revenues == sorted(revenues, reverse=True) and all(v > 1_000 for v in revenues)
    completed = db.orders.count_documents({"status": "completed", "createdAt": {"$gte": since}})
    assert sum(r["orderCount"] for r in result) == completed, "every order's user resolves ($unwind keeps all)"
    assert 20 < sum(revenues) / completed < 300, "a plausible average order value"


def test_guide_redis_commands(seeded):
    r = connect.redis(db=0)
    assert r.get("user:1:name")
    user = r.hgetall("user:1")
    assert {"name", "email", "status", "pg_id"} <= set(user) and user["name"] == r.get("user:1:name")
    assert r.sismember("user:1:roles", "admin") and r.sismember("user:1:roles", "editor")
    top = r.zrevrange("leaderboard", 0, 9, withscores=True)
    assert len(top) == 10 and top[0][1] >= top[-1][1]
    events = r.xread({"events": 0}, count=10)
    assert len(events[0][1]) == 10 and events[0][1][0][1]["type"]
    assert all(r.ttl(k) == -1 for k in ("user:1:name", "user:1", "leaderboard", "queue:jobs", "events"))
    # Commands that change data: run them, then put the seeded state back.
    before = int(r.get("page:home:views"))
    assert r.incr("page:home:views") == before + 1
    r.decr("page:home:views")
    job = r.rpop("queue:jobs")
    assert json.loads(job)["type"] in ("email", "thumbnail", "reindex", "webhook", "digest")
    r.rpush("queue:jobs", job)


def test_sqlite_slice(seeded):
    conn = connect.sqlite()
    try:
        n_users, n_posts = conn.execute("SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM posts)").fetchone()
        assert (n_users, n_posts) == (1_000, 10_000)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        featured = conn.execute("SELECT count(*) FROM posts WHERE json_extract(metadata, '$.featured')").fetchone()[0]
        assert 0 < featured < n_posts / 10
        tag = conn.execute("SELECT value FROM posts, json_each(posts.tags) LIMIT 1").fetchone()[0]
        assert tag
        with connect.postgres() as pg:
            some_id = conn.execute("SELECT id FROM users LIMIT 1").fetchone()[0]
            assert pg.execute("SELECT count(*) FROM users WHERE id = %s", (some_id,)).fetchone()[0] == 1
    finally:
        conn.close()


def test_verify_passes_after_seed(seeded):
    """verify(quick=True) is what every notebook's setup cell runs; its speed is measured by
    `make bench`, not asserted here (performance targets live in benchmarks)."""
    result = datasets.verify(quick=True)
    assert result["ok"] and set(result["databases"]) == {"postgres", "mongo", "redis", "sqlite"}


def test_reload_stops_when_a_notebook_object_depends_on_a_seeded_table(seeded):
    """RESTRICT, not CASCADE: a reload never drops a notebook's objects (on scratch schemas)."""
    with connect.postgres() as conn:
        conn.execute("DROP SCHEMA IF EXISTS dstest_seed CASCADE")
        conn.execute("DROP SCHEMA IF EXISTS dstest_nb CASCADE")
        try:
            conn.execute("CREATE SCHEMA dstest_seed")
            conn.execute("CREATE SCHEMA dstest_nb")
            conn.execute("CREATE TABLE dstest_seed.users (id uuid PRIMARY KEY)")
            conn.execute("CREATE VIEW dstest_nb.user_ids AS SELECT id FROM dstest_seed.users")
            with pytest.raises(datasets.SeedBlocked, match="user_ids") as err:
                load_postgres.drop(conn, "dstest_seed")
            assert "make reset" in str(err.value)
            assert conn.execute("SELECT to_regclass('dstest_nb.user_ids') IS NOT NULL").fetchone()[0]
        finally:
            conn.execute("DROP SCHEMA IF EXISTS dstest_nb CASCADE")
            conn.execute("DROP SCHEMA IF EXISTS dstest_seed CASCADE")


def test_verify_without_a_seed_says_make_seed(tmp_path, monkeypatch):
    monkeypatch.setenv("DBWB_STATE_DIR", str(tmp_path))
    with pytest.raises(datasets.DatasetMismatch, match="make seed"):
        datasets.verify(("postgres",))


@pytest.mark.reseeds
def test_tampered_row_fails_verify_and_reset_restores(seeded, ds, pg):
    row_id = pg.execute("SELECT id FROM posts ORDER BY id LIMIT 1").fetchone()[0]
    pg.execute("UPDATE posts SET title = title || ' (edited)' WHERE id = %s", (row_id,))
    try:
        with pytest.raises(datasets.DatasetMismatch) as err:
            datasets.verify(("postgres", "redis"))
        message = str(err.value)
        assert "postgres posts: contents differ" in message and "make reset" in message
        assert list(err.value.problems) == ["postgres"]
    finally:
        # A reload, not an UPDATE back: the row must also return to its place in the heap.
        result = datasets.reset(SCALE, databases=("postgres",), quiet=True)
    assert result["databases"] == ["postgres"]
    assert datasets.verify(("postgres",), quick=False)["ok"]
    assert load_postgres.secondary_indexes("public", pg) == [], "the seed leaves no secondary index"
    ids = [r[0] for r in pg.execute("SELECT id::text FROM posts ORDER BY ctid")]
    assert ids == ds.posts.ids, "posts are stored in creation order, the same on every machine"


def test_mongo_fingerprint_detects_a_changed_document(seeded):
    """On a scratch database holding the sampled documents: the seeded collections stay as they are."""
    stored = fingerprint.read()["databases"]["mongo"]["objects"]
    client = connect.mongo_client()
    scratch = client["dbwb_test_fingerprint"]
    client.drop_database(scratch.name)
    try:
        db = connect.mongo()
        for name in ("orders", "categories"):
            ids = [load_mongo._id_from_json(x) for x in stored[name]["sample_ids"]]
            scratch[name].insert_many(list(db[name].find({"_id": {"$in": ids}})))
        live = load_mongo.fingerprint(stored, scratch, quick=True)
        assert live["orders"]["sample_checksum"] == stored["orders"]["sample_checksum"]
        assert live["users"] is None
        scratch.orders.update_one({"_id": ids_0(stored)}, {"$set": {"total": 0}})
        live = load_mongo.fingerprint(stored, scratch, quick=True)
        problems = fingerprint.compare("mongo", {"orders": stored["orders"]}, live)
        assert problems == ["mongo orders: contents differ (30,000 documents, checksum does not match)"]
        problems = fingerprint.compare("mongo", {"categories": stored["categories"]}, live)
        assert problems == ["mongo categories: 12 documents, expected 109"]
    finally:
        client.drop_database(scratch.name)


def test_redis_loader_on_a_scratch_db_gives_the_recorded_fingerprint(seeded, ds):
    """drop, load, expected: on Redis db 15 the loader writes what the seed recorded for db 0,
    and drop removes the seeded keys only."""
    r = connect.redis(db=15)
    r.flushdb()
    try:
        r.set("learner:note", "mine")
        loader = loaders.RedisLoader(db=15)
        loader.drop()
        stats = loader.load(loaders.Generation.complete(ds))
        assert stats["commands"] == len(g.redis_commands(ds))
        entry = loader.expected()
        assert entry == {"db": 15, "objects": fingerprint.read()["databases"]["redis"]["objects"]}
        assert fingerprint.compare("redis", entry["objects"], loader.fingerprint(entry["objects"], quick=True)) == []
        loader.drop()
        assert r.keys() == ["learner:note"]
    finally:
        r.flushdb()


def test_sqlite_loader_on_a_scratch_file_gives_the_recorded_fingerprint(seeded, ds, tmp_path):
    path = tmp_path / "scratch.sqlite"
    loader = loaders.SqliteLoader(path)
    loader.drop()  # nothing there yet: fine
    loader.load(loaders.Generation.complete(ds))
    entry = loader.expected()
    assert entry == {"path": str(path), "objects": fingerprint.read()["databases"]["sqlite"]["objects"]}
    loader.drop()
    assert set(loader.fingerprint(entry["objects"], quick=False).values()) == {None}


@pytest.mark.reseeds
def test_cli_seed_says_what_it_did(seeded, capsys):
    """`python -m dbworkbook seed` (and what `make test` runs first): idempotent, one line."""
    from dbworkbook.__main__ import main

    assert main(["seed", "--scale", SCALE]) == 0
    out = capsys.readouterr().out
    assert f"dataset {SCALE} already seeded and verified" in out and "`make reset`" in out


def ids_0(stored):
    return load_mongo._id_from_json(stored["orders"]["sample_ids"][0])


@pytest.mark.reseeds
def test_reset_restores_a_tampered_row(seeded):
    lite = connect.sqlite()
    try:
        with lite:
            lite.execute("UPDATE posts SET title = 'tampered' WHERE rowid = 1")
    finally:
        lite.close()
    r = connect.redis(db=0)
    r.zadd("leaderboard", {"player1": 999_999})
    with pytest.raises(datasets.DatasetMismatch) as err:
        datasets.verify(("sqlite", "redis"))
    assert set(err.value.problems) == {"sqlite", "redis"} and "make reset" in str(err.value)
    result = datasets.reset(SCALE, databases=("sqlite", "redis"), quiet=True)
    assert result["databases"] == ["redis", "sqlite"]
    assert datasets.verify(quick=False)["ok"]
