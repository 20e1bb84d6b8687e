"""Exercises that check themselves.

In a notebook:

    from dbworkbook.exercises import exercise
    ex = exercise("03.2")      # `ex` alone shows the title and the task
    ex.check(answer)           # prints "✓ 03.2 passed — ..." or what is wrong; returns a CheckResult
    ex.hint()                  # "Hint 1/3: ...", one more each call
    ex.reference                # the reference answer (instructors)

``check`` never raises on a wrong answer unless ``strict=True`` or the environment sets
``DBWB_STRICT_CHECKS=1`` (the test suite and nbval do: a committed notebook runs its reference
solutions, so a solution that stops passing fails the tests). ``ex.assert_passes(answer)`` is
``check(answer, strict=True)``. Progress is recorded unless ``DBWB_PROGRESS=0`` (see
``progress``).

Exercises are declared as data in ``catalog/nbNN.py`` with the kinds below; the tests'
``tests/demo_catalog.py`` has one or two examples of each (registered with ``catalog.register``).

How a notebook lays out one exercise (the student edition relies on it):

    [markdown]  ### Exercise 03.2 — Find a user's five latest posts      (the task, in prose)
    [code]      ex = exercise("03.2")
    [code]      answer = \"\"\"SELECT ...\"\"\"       <- cell tag "solution" and metadata
                                                  {"dbworkbook": {"exercise": "03.2"}}: the reference
                                                  solution; the learner's workbook has a placeholder
    [code]      ex.check(answer)                   (nbval runs it with DBWB_STRICT_CHECKS=1)
    [code]      ex.hint()                          (optional; shows hint 1 in committed output)

A solution cell must be self-contained (literals, a ``def``, imports): it is also run on its own
by ``student.verify_student_edition``. A check must not depend on state built by earlier cells:
put that in the declaration's ``setup``.
"""

from __future__ import annotations

from .core import CheckResult, Exercise, Wrong
from .mongodb import MongoQuery, MongoState, drop_indexes, mongo_holds, mongo_index, mongo_uses_index
from .redisdb import (
    RedisTask,
    Scenario,
    atomic,
    expires,
    key_is,
    max_round_trips,
    never,
    persistent,
    redis_holds,
    returns,
    uses,
)
from .sql import SQLQuery, SQLState, column_on, constraint_on, holds, index_on, trigger_on, uses_index


def exercise(exercise_id: str) -> Exercise:
    """The exercise with this id, with its own hint counter (call it once per notebook)."""
    from .catalog import get

    return get(exercise_id).fresh()


__all__ = [
    "CheckResult",
    "Exercise",
    "MongoQuery",
    "MongoState",
    "RedisTask",
    "SQLQuery",
    "SQLState",
    "Scenario",
    "Wrong",
    "atomic",
    "column_on",
    "constraint_on",
    "drop_indexes",
    "exercise",
    "expires",
    "holds",
    "index_on",
    "key_is",
    "max_round_trips",
    "mongo_holds",
    "mongo_index",
    "mongo_uses_index",
    "never",
    "persistent",
    "redis_holds",
    "returns",
    "trigger_on",
    "uses",
    "uses_index",
]
