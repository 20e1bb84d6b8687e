"""Fixtures shared by the integration tests (they need the servers up and seeded)."""

from __future__ import annotations

import pytest

from tests import demo_catalog


@pytest.fixture(scope="module")
def demo_fixtures():
    """The demo catalog's scratch objects (schema test_exercises, collections test_exercises_*,
    Redis db 14), created once per module that asks for them and dropped after it."""
    from dbworkbook import connect

    try:
        connect.ping_all()
        demo_catalog.install_fixtures()
    except connect.ConnectionFailed as exc:  # pragma: no cover - servers down
        pytest.skip(f"servers not running: {exc}")
    yield
    demo_catalog.remove_fixtures()


@pytest.fixture
def pg():
    """A PostgreSQL connection (autocommit, as connect.postgres gives it), closed after the test;
    the test is skipped when the server cannot be reached."""
    from dbworkbook import connect

    try:
        conn = connect.postgres()
    except Exception as exc:
        pytest.skip(f"PostgreSQL is not reachable ({exc}); run `make up`")
    yield conn
    conn.close()
