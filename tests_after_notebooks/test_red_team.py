"""The red-team suite: every exercise's declared wrong answers fail (with the feedback fragment
each declares) and its alternative right answers pass, live, against the state its notebook built.

Each exercise declares, beside its reference (``catalog/nbNN.py``):
    wrong=[Wrong(answer, says="a fragment of the feedback", why="what the mistake reveals"), ...]
    right=[another correct answer, ...]
at least ``MIN_WRONG`` and ``MIN_RIGHT`` of them. Grow it whenever a learner finds a new hole.
Runs after the notebooks (``make test`` orders it last): checks build on the notebooks' objects.
"""

from __future__ import annotations

import pytest

from dbworkbook.exercises.catalog import all_exercises

MIN_WRONG = 3
MIN_RIGHT = 2
EXERCISES = all_exercises()


@pytest.mark.parametrize("ex", EXERCISES, ids=[ex.id for ex in EXERCISES])
def test_red_team(ex):
    assert len(ex.wrong) >= MIN_WRONG, (
        f"{ex.id} declares {len(ex.wrong)} wrong answers; at least {MIN_WRONG} are needed"
    )
    assert len(ex.right) >= MIN_RIGHT, (
        f"{ex.id} declares {len(ex.right)} alternative right answers; at least {MIN_RIGHT} are needed"
    )
    problems = ex.red_team()
    assert not problems, "\n".join(problems)
