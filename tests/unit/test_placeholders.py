"""The learner's placeholders (no server): each kind of solution gets the placeholder its check
recognises as "not answered yet", and the CLI refuses a target inside its source."""

from __future__ import annotations

import pytest

from dbworkbook.exercises import exercise, student
from dbworkbook.exercises.student import placeholder_for, placeholder_source


@pytest.mark.parametrize(
    "source, kind, expected",
    [
        ('q = """SELECT 1"""', None, 'q = """-- write your SQL here"""'),
        ("q = f'SELECT {x}'", None, 'q = """-- write your SQL here"""'),
        ('# Your answer:\nflt = {"a": 1}', None, "# Your answer:\nflt = {}  # your filter here"),
        (
            'spec = {"filter": {}, "sort": [("a", 1)]}',
            None,
            'spec = {}  # your query here: {"filter": ..., "projection": ..., "sort": ...}',
        ),
        ('p = [{"$match": {}}]', None, "p = []  # your pipeline here"),
        ('c = [("SET", "k", "v"), "GET k"]', None, "c = []  # your Redis commands here"),
        (
            "from bson import SON\nimport math\nx = SON([('a', 1)])",
            None,
            "from bson import SON\nimport math\nx = {}  # your filter here",
        ),
        (
            "def answer(coll):\n    coll.create_index('a')",
            "mongo-state",
            "def answer(coll):\n    ...  # your code here (coll is the collection)",
        ),
        ("answer = lambda r: r.get('k')", None, "def answer(r):\n    ...  # your Redis commands here"),
        ("print('hi')", None, "# write your answer here"),
        ("%%sql\nSELECT 1", None, "# write your answer here"),
    ],
)
def test_placeholder_source(source, kind, expected):
    assert placeholder_source(source, kind) == expected


def test_placeholders_from_catalog_values_are_placeholders():
    for ex_id in (
        "demo.pg_query",
        "demo.pg_ddl",
        "demo.mongo_filter",
        "demo.mongo_pipeline",
        "demo.mongo_ddl",
        "demo.redis_commands",
        "demo.redis_function",
    ):
        ex = exercise(ex_id)
        value = student.answer_from_source(placeholder_for(ex.reference, ex.kind))
        assert ex._is_placeholder(value), (ex_id, value)


def test_cli_refuses_a_target_inside_the_source(tmp_path, capsys):
    (tmp_path / "nb").mkdir()
    assert student.write_student_edition(tmp_path / "nb", tmp_path / "nb" / "student") == 1
    assert student.write_student_edition(tmp_path / "missing", tmp_path / "out") == 1
