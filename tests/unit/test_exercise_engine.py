"""The exercise engine without a server: SQL splitting, SQLite checks (in memory), display and
hints' text, progress switches, and the pure rules behind the MongoDB and Redis checks.

The checks against the live servers are tests/integration/test_exercises.py.
"""

from __future__ import annotations

import dataclasses
import json

import pytest

from dbworkbook.exercises import core, exercise, progress
from dbworkbook.exercises import mongodb as mongo_engine
from dbworkbook.exercises.redisdb import _Recorder, build_trace, parse_monitor_line
from dbworkbook.exercises.sql import split_sql
from tests.checking import fails, passes

pytestmark = pytest.mark.usefixtures("quiet_env")  # tests/conftest.py


def test_split_sql_respects_quotes_comments_and_dollar_quotes():
    script = """SELECT ';' AS a; -- comment; still comment
    /* block; */ CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;
    -- only a comment;
    SELECT "odd;name" FROM t"""
    parts = split_sql(script)
    assert len(parts) == 3
    assert parts[0] == "SELECT ';' AS a"
    assert parts[1].endswith("$body$ SELECT 1; $body$ LANGUAGE sql")
    assert parts[2].endswith('SELECT "odd;name" FROM t')


def test_sqlite_query_feedback():
    ex = exercise("demo.sqlite_query")
    assert "Unexpected rows (1):\n      ('Osaka', 2753000)" not in fails(
        ex, "SELECT name, population FROM cities WHERE population > 5000000"
    )
    msg = fails(ex, "SELECT name, population FROM cities WHERE population > 500000")
    assert "Unexpected rows (1):\n      ('Oslo', 709000)" in msg
    assert 'SQLite says: near "SELEC": syntax error' in fails(ex, "SELEC 1")
    slow = dataclasses.replace(ex, timeout=0.3)
    msg = fails(slow, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*), 1 FROM c")
    assert "Your query ran longer than 0.3 s (time limit)" in msg


def test_sqlite_full_scan_plan():
    ex = dataclasses.replace(
        exercise("demo.sqlite_query"), must_use_index=True, reference="SELECT name FROM cities WHERE country = 'NO'"
    )
    passes(ex, ex.reference)
    msg = fails(ex, "SELECT name FROM cities WHERE country || '' = 'NO'")
    assert "The plan scans the whole table (SCAN cities): no index serves this query." in msg


def test_display_and_solution(capsys):
    ex = exercise("demo.pg_query")
    assert repr(ex).startswith("Exercise demo.pg_query — List the Norwegian authors by name\n\nReturn the `name`")
    assert ex._repr_markdown_().startswith("**Exercise demo.pg_query — List the Norwegian authors by name**")
    ex.show()
    assert "Return the `name` and `country`" in capsys.readouterr().out
    assert ex.reference.startswith("SELECT name, country")
    with pytest.raises(KeyError, match=r"no exercise 'demo\.nope'"):
        exercise("demo.nope")


def test_is_stub():
    def empty(r):
        """Docstring."""

    def doing(r):
        return r.get("x")

    assert core.is_stub(empty) and not core.is_stub(doing)


def test_progress_switches(monkeypatch, tmp_path):
    ex = exercise("demo.sqlite_query")
    target = tmp_path / "elsewhere.json"
    monkeypatch.setenv("DBWB_PROGRESS", str(target))
    ex.check(ex.reference, quiet=True)
    assert json.loads(target.read_text())["exercises"]["demo.sqlite_query"]["passed"] is True
    monkeypatch.setenv("DBWB_PROGRESS", "0")
    assert progress.progress_path() is None and progress.record(ex, True) is False
    monkeypatch.setenv("DBWB_PROGRESS_FILE", "/proc/no-such-dir/progress.json")  # unwritable
    assert progress.record(ex, True) is False
    assert ex.check(ex.reference, quiet=True).passed  # never crashes the notebook


def test_mongo_normalize_filter_is_mongods_rewrite():
    assert mongo_engine.normalize_filter({"s": {"$in": ["pending"]}, "t": {"$gte": 5}}) == {
        "s": "pending",
        "t": {"$gte": 5},
    }
    assert mongo_engine.normalize_filter({"$and": [{"s": {"$eq": "pending"}}, {"t": {"$gte": 5}}]}) == {
        "s": "pending",
        "t": {"$gte": 5},
    }
    assert mongo_engine.normalize_filter({"s": {"$in": ["a", "b"]}}) == {"s": {"$in": ["a", "b"]}}
    assert mongo_engine.equality_fields({"u": {"$in": [3]}, "t": {"$gt": 1}}) == {"u"}


def test_mongo_sort_served_is_mongods_rule():
    served = mongo_engine.sort_served
    assert served({"u": 1, "t": -1}, {"u": 3}, [("t", -1)])  # its own order
    assert served({"u": 1, "t": 1}, {"u": 3}, [("t", -1)])  # walked backward
    assert served({"u": -1, "t": -1, "x": 1}, {"u": 3}, [("t", -1)])  # an extra trailing key
    assert served({"u": 1, "t": -1}, {"u": {"$in": [3]}}, [("t", -1)])  # a single-element $in pins u
    assert served({"a": 1, "b": -1}, {}, [("a", -1), ("b", 1)])  # mirrored, both keys
    assert not served({"a": 1, "b": 1}, {}, [("a", 1), ("b", -1)])  # mixed directions
    assert not served({"u": 1}, {"u": 3}, [("t", -1)])
    assert not served({"u": 1, "x": 1, "t": -1}, {"u": 3, "x": {"$gte": 2}}, [("t", -1)])  # range before sort
    assert not served({"u": 1, "t": -1}, {"u": {"$in": [3, 4]}}, [("t", -1)])


def test_redis_trace_groups_blocks_in_both_server_orders():
    lines = [
        parse_monitor_line(text)
        for text in [
            '1.1 [14 127.0.0.1:5000] "EVAL" "return redis.call(\'get\', KEYS[1])" "1" "k"',
            '1.2 [14 lua] "get" "k"',
            '1.3 [14 127.0.0.1:5000] "MULTI"',
            '1.4 [14 127.0.0.1:5000] "SET" "a b" "say \\"hi\\"\\n"',
            '1.5 [14 127.0.0.1:9999] "KEYS" "*"',  # another client: not ours
            '1.6 [3 127.0.0.1:5000] "SET" "elsewhere" "1"',  # another database: dropped
            '1.7 [14 127.0.0.1:5000] "EXEC"',
            '1.8 [14 127.0.0.1:5000] "DEL" "k"',
        ]
    ]
    recorder = _Recorder()
    recorder.ports.add(5000)
    trace = build_trace(lines, db=14, recorder=recorder, script_first=True)
    assert [(b.kind, [c.name for c in b.calls]) for b in trace.blocks] == [
        ("script", ["EVAL", "GET"]),
        ("multi", ["MULTI", "SET", "EXEC"]),
        ("command", ["DEL"]),
    ]
    assert trace.calls[1].via == "lua" and trace.calls[3].args == ("a b", 'say "hi"\n')
    # a server that shows the script's commands before the script call (Redis 7.0's call())
    later = [lines[1], lines[0], lines[7]]
    trace = build_trace(later, db=14, recorder=recorder, script_first=False)
    assert [(b.kind, [c.name for c in b.calls]) for b in trace.blocks] == [
        ("script", ["EVAL", "GET"]),
        ("command", ["DEL"]),
    ]
