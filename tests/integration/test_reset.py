"""`make reset` works after any notebook ran (issue 13, section 3).

A notebook's objects may depend on the seeded tables (notebook 01's materialized view
nb01.top_posts reads posts). Reset drops those, and only those, names them, and marks the
notebook's exercises as not passing now. The real notebooks are not run here: the objects are
built in a scratch notebook schema (nb99, which no notebook owns) and removed afterwards.
"""

from __future__ import annotations

import json
import re
import shutil

import pytest

from dbworkbook import datasets
from dbworkbook import settings as _settings
from dbworkbook.datasets import load_postgres

pytestmark = pytest.mark.reseeds  # starts, stops or reloads servers: never against shared ones

SEED = "dbwb_reset_seed"  # a scratch stand-in for schema public
NB = "nb99"  # a scratch notebook schema
OTHER = "dbwb_reset_other"  # a schema no notebook owns


@pytest.fixture
def pg(pg):
    """tests/integration/conftest.py's connection, with this file's scratch schemas dropped before and after."""
    for schema in (OTHER, NB, SEED):
        pg.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    yield pg
    for schema in (OTHER, NB, SEED):
        pg.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def _scratch_seed(conn) -> None:
    conn.execute(f"CREATE SCHEMA {SEED}")
    conn.execute(f"CREATE SCHEMA {NB}")
    conn.execute(f"""
        CREATE TABLE {SEED}.users (id int PRIMARY KEY, email text UNIQUE);
        CREATE TABLE {SEED}.categories (id int PRIMARY KEY);
        CREATE TABLE {SEED}.posts (id int PRIMARY KEY, author_id int REFERENCES {SEED}.users(id),
                                   category_id int REFERENCES {SEED}.categories(id), title text);
        CREATE INDEX posts_title ON {SEED}.posts (title);
        INSERT INTO {SEED}.users VALUES (1, 'a@example.com');
        INSERT INTO {SEED}.posts VALUES (1, 1, NULL, 'hello');
    """)


def _notebook_objects(conn) -> None:
    """What notebooks build on seeded tables: notebook 01's materialized view, a view, a foreign
    key from a notebook table, a function taking the table's row type; and one independent table."""
    conn.execute(f"""
        CREATE MATERIALIZED VIEW {NB}.top_posts AS
            SELECT author_id, count(*) AS n FROM {SEED}.posts GROUP BY author_id;
        CREATE VIEW {NB}.emails AS SELECT email FROM {SEED}.users;
        CREATE TABLE {NB}.follows (follower int REFERENCES {SEED}.users(id), followee int);
        CREATE FUNCTION {NB}.title_of(p {SEED}.posts) RETURNS text LANGUAGE sql AS 'SELECT p.title';
        CREATE TABLE {NB}.keep (id int PRIMARY KEY);
        INSERT INTO {NB}.follows VALUES (1, 1);
    """)


def _exists(conn, name: str) -> bool:
    return conn.execute("SELECT to_regclass(%s) IS NOT NULL", (name,)).fetchone()[0]


def test_reset_drops_only_the_notebook_objects_that_depend_on_seeded_tables(pg):
    _scratch_seed(pg)
    _notebook_objects(pg)
    dropped = load_postgres.drop_for_reset(pg, SEED)
    names = [d for _, d in dropped]
    assert {nb for nb, _ in dropped} == {"99"}
    assert f"materialized view {NB}.top_posts" in names
    assert f"view {NB}.emails" in names
    assert any(d.startswith("constraint follows_follower_fkey on table") and "follows" in d for d in names)
    assert any(d.startswith(f"function {NB}.title_of") for d in names)
    # The seeded tables are gone (reset reloads them); the notebook's own tables stay.
    assert not _exists(pg, f"{SEED}.posts") and not _exists(pg, f"{SEED}.users")
    assert _exists(pg, f"{NB}.keep") and _exists(pg, f"{NB}.follows")
    assert pg.execute(f"SELECT count(*) FROM {NB}.follows").fetchone()[0] == 1
    # Nothing of the seed's own (its indexes, keys) is reported as a notebook's object.
    assert not any("posts_title" in d or "posts_pkey" in d for d in names)


def test_reset_never_drops_what_no_notebook_owns(pg):
    _scratch_seed(pg)
    _notebook_objects(pg)
    pg.execute(f"CREATE SCHEMA {OTHER}")
    pg.execute(f"CREATE VIEW {OTHER}.mine AS SELECT id FROM {SEED}.posts")
    with pytest.raises(datasets.SeedBlocked) as err:
        load_postgres.drop_for_reset(pg, SEED)
    assert f"view {OTHER}.mine" in str(err.value) and "make reset" in str(err.value)
    # Rolled back: every object is still there.
    for name in (f"{SEED}.posts", f"{SEED}.users", f"{NB}.top_posts", f"{NB}.emails", f"{OTHER}.mine"):
        assert _exists(pg, name), name


def test_reset_without_dependents_drops_nothing_else(pg):
    _scratch_seed(pg)
    pg.execute(f"CREATE TABLE {NB}.keep (id int)")
    assert load_postgres.drop_for_reset(pg, SEED) == []
    assert _exists(pg, f"{NB}.keep")


@pytest.fixture
def state(tmp_path, monkeypatch):
    """A temporary state folder holding a copy of the real fingerprint (and the argon2 cache, so
    the reload does not recompute hashes): the real state files are never written."""
    real = _settings.get().state_dir
    if not (real / "fingerprint.json").exists():
        pytest.skip(f"no seeded dataset in {real}: run `make seed`")
    shutil.copy(real / "fingerprint.json", tmp_path / "fingerprint.json")
    if (real / "cache").is_dir():
        shutil.copytree(real / "cache", tmp_path / "cache")
    progress = tmp_path / "progress.json"
    progress.write_text(
        json.dumps(
            {
                "version": 1,
                "exercises": {
                    "99.1": {"notebook": "99", "passed": True, "attempts": 1},
                    "98.1": {"notebook": "98", "passed": True, "attempts": 1},
                },
            }
        )
    )
    monkeypatch.setenv("DBWB_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("DBWB_PROGRESS_FILE", str(progress))
    return tmp_path


def test_make_reset_works_after_a_notebook_built_on_posts(pg, state, capsys):
    """The whole reset (PostgreSQL part) after notebook-01-like objects exist on public.posts."""
    pg.execute(f"CREATE SCHEMA {NB}")
    pg.execute(
        f"CREATE MATERIALIZED VIEW {NB}.top_posts AS "
        "SELECT author_id, count(*) AS n FROM public.posts GROUP BY author_id"
    )
    pg.execute(f"CREATE TABLE {NB}.keep (id int)")
    with pytest.raises(datasets.SeedBlocked, match="make reset"):
        load_postgres.drop(pg, "public")  # what a plain reload (seed) meets: RESTRICT
    result = datasets.reset(databases=("postgres",))
    out = capsys.readouterr().out
    # (Objects of notebooks that ran on this server are dropped too, e.g. nb01.top_posts.)
    assert ("99", f"materialized view {NB}.top_posts") in result["dropped"]
    assert all(nb != "99" or d == f"materialized view {NB}.top_posts" for nb, d in result["dropped"])
    # the message names notebook 99 (and any other whose objects were dropped: notebooks 01, 99)
    assert f"materialized view {NB}.top_posts" in out and re.search(r"Exercises of notebooks? [0-9, ]*\b99\b", out)
    assert result["invalidated"] == ["99.1"]
    progress = json.loads((state / "progress.json").read_text())["exercises"]
    assert progress["99.1"]["passed"] is False and progress["98.1"]["passed"] is True
    assert not _exists(pg, f"{NB}.top_posts") and _exists(pg, f"{NB}.keep")
    assert datasets.verify(("postgres",), quick=False)["ok"]
