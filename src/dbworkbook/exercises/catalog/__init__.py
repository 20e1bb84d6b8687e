"""Where the exercises are declared: one module per notebook, ``nbNN.py``, each with a list

    EXERCISES = [SQLQuery(id="03.1", ...), SQLState(id="03.2", ...), ...]

whose ids all start with ``NN.``. ``demo.py`` holds the examples the unit tests use (ids
``demo.*``, on scratch objects: schema test_exercises, collections test_exercises_*, Redis db 14);
it is not a notebook and does not count in progress totals.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import lru_cache

NOTEBOOK_MODULE = re.compile(r"^nb(\d\d)$")


def _module_exercises(name: str) -> list:
    module = importlib.import_module(f"{__name__}.{name}")
    items = getattr(module, "EXERCISES", [])
    if isinstance(items, dict):
        items = list(items.values())
    return list(items)


@lru_cache(maxsize=1)
def _load() -> tuple[dict, dict]:
    by_notebook: dict[str, list] = {}
    by_id: dict[str, object] = {}
    names = sorted(m.name for m in pkgutil.iter_modules(__path__))
    for name in names:
        m = NOTEBOOK_MODULE.match(name)
        if not m and name != "demo":
            continue
        notebook = m.group(1) if m else "demo"
        exercises = _module_exercises(name)
        for ex in exercises:
            if ex.notebook != notebook:
                raise ValueError(f"catalog/{name}.py declares {ex.id}: its ids must start with '{notebook}.'")
            if ex.id in by_id:
                raise ValueError(f"exercise id {ex.id} is declared twice")
            by_id[ex.id] = ex
        by_notebook[notebook] = exercises
    return by_notebook, by_id


def notebooks(include_demo: bool = False) -> dict[str, list]:
    """{'03': [exercise, ...], ...} for every catalog module, in notebook order."""
    by_notebook, _ = _load()
    return {nb: list(items) for nb, items in by_notebook.items() if include_demo or nb != "demo"}


def all_exercises(include_demo: bool = False) -> list:
    return [ex for items in notebooks(include_demo).values() for ex in items]


def get(exercise_id: str):
    """The declared exercise with this id (the shared declaration: use ``exercise()`` in notebooks)."""
    _, by_id = _load()
    try:
        return by_id[exercise_id]
    except KeyError:
        notebook = exercise_id.split(".", 1)[0]
        known = [i for i in by_id if i.split(".", 1)[0] == notebook]
        where = (
            f"declared in notebook {notebook}: {', '.join(known)}" if known else "none are declared for that notebook"
        )
        raise KeyError(f"no exercise {exercise_id!r} ({where})") from None


def reload() -> None:
    """Forget the loaded catalogs (after editing one in a running kernel)."""
    import sys

    _load.cache_clear()
    for name in list(sys.modules):
        if name.startswith(__name__ + "."):
            del sys.modules[name]
