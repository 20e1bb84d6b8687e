"""Where the exercises are declared: one module per notebook, ``nbNN.py``, each with a list

    EXERCISES = [SQLQuery(id="03.1", ...), SQLState(id="03.2", ...), ...]

whose ids all start with ``NN.``. Code outside the package adds a catalog with
``register(name, exercises)``: the tests register their examples (``tests/demo_catalog.py``, ids
``demo.*``) that way. A registered catalog is not a notebook: ``notebooks()`` and
``all_exercises()`` leave it out unless asked (``include_registered=True``), so it never counts
in progress totals; ``get(id)`` finds its exercises.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import lru_cache

NOTEBOOK_MODULE = re.compile(r"^nb(\d\d)$")

# Catalogs registered from outside the package (the tests' demo catalog): name -> exercises.
_registered: dict[str, list] = {}


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
        if not m:
            continue
        _add(by_notebook, by_id, m.group(1), _module_exercises(name), f"catalog/{name}.py")
    for name, exercises in _registered.items():
        _add(by_notebook, by_id, name, exercises, f"the registered catalog {name!r}")
    return by_notebook, by_id


def _add(by_notebook: dict, by_id: dict, notebook: str, exercises: list, where: str) -> None:
    for ex in exercises:
        if ex.notebook != notebook:
            raise ValueError(f"{where} declares {ex.id}: its ids must start with '{notebook}.'")
        if ex.id in by_id:
            raise ValueError(f"exercise id {ex.id} is declared twice")
        by_id[ex.id] = ex
    by_notebook[notebook] = list(exercises)


def register(name: str, exercises: list) -> None:
    """Add a catalog that is not a notebook's (ids ``name.*``), or replace one registered before.

    The tests register their examples this way (``tests/demo_catalog.py``); a registered catalog
    is left out of ``notebooks()`` and ``all_exercises()`` unless ``include_registered=True``.
    """
    if NOTEBOOK_MODULE.match(f"nb{name}"):
        raise ValueError(f"catalog {name!r} is a notebook's: declare it in catalog/nb{name}.py")
    _registered[name] = list(exercises)
    _load.cache_clear()
    _load()  # fail now, at registration, on a wrong or duplicate id


def unregister(name: str) -> None:
    """Forget a catalog added with ``register`` (no error if there is none)."""
    if _registered.pop(name, None) is not None:
        _load.cache_clear()


def notebooks(include_registered: bool = False) -> dict[str, list]:
    """{'03': [exercise, ...], ...} for every notebook's catalog, in notebook order (and, with
    ``include_registered``, the registered catalogs after them)."""
    by_notebook, _ = _load()
    return {nb: list(items) for nb, items in by_notebook.items() if include_registered or nb not in _registered}


def all_exercises(include_registered: bool = False) -> list:
    return [ex for items in notebooks(include_registered).values() for ex in items]


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
