"""Markers by layer, from where a test lives (the markers are registered in pyproject.toml).

tests/unit/ runs with no server (its own conftest makes sure of it); tests/integration/ and the
two files that stay at the top (test_datasets.py, test_hub.py) need the servers. A test that
restarts, stops or reseeds a server says so with ``@pytest.mark.reseeds``: never run those
against servers someone else is using (``pytest -m "not reseeds"``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

# The tests' example exercises (ids demo.*), registered for every test: catalog.register in it.
from tests import demo_catalog as demo_catalog

HERE = Path(__file__).resolve().parent
UNIT = HERE / "unit"
# Tests at the top of tests/ that need the servers (the rest live in tests/integration/).
TOP_INTEGRATION = {"test_datasets.py": ["integration"], "test_hub.py": ["integration", "hub"]}


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = Path(str(item.path)).resolve()
        if UNIT in path.parents:
            item.add_marker(pytest.mark.unit)
        elif HERE / "integration" in path.parents:
            item.add_marker(pytest.mark.integration)
        elif path.parent == HERE and path.name in TOP_INTEGRATION:
            for name in TOP_INTEGRATION[path.name]:
                item.add_marker(getattr(pytest.mark, name))


@pytest.fixture
def quiet_env(monkeypatch):
    """No progress file, no strict mode: a check's result only, nothing recorded."""
    monkeypatch.setenv("DBWB_PROGRESS", "0")
    monkeypatch.delenv("DBWB_PROGRESS_FILE", raising=False)
    monkeypatch.delenv("DBWB_STRICT_CHECKS", raising=False)
