"""Unit tests never reach a server: while they run, the settings point at closed ports on
127.0.0.1 and at a temporary state folder, for this process and every subprocess it starts.

A unit test that tries to connect fails fast with the workbook's own "did not answer" message
instead of silently using (or changing) servers that happen to run. `make test-unit` runs these;
in the whole suite the environment is restored when the last unit test is done, so integration
tests and notebooks still reach the real servers.
"""

from __future__ import annotations

import socket

import pytest

from dbworkbook import settings


def _closed_port() -> int:
    """A port nothing listens on: the OS hands out a free one, and we close it again."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="package", autouse=True)
def no_server(tmp_path_factory):
    """Every unit test (and module fixture) runs inside this: no server is reachable."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DBWB_BACKEND", "embedded")
        mp.setenv("DBWB_STATE_DIR", str(tmp_path_factory.mktemp("dbwb-unit-state")))
        for var in settings.URL_VARS.values():
            mp.delenv(var, raising=False)
        for var in settings.PORT_VARS.values():
            mp.setenv(var, str(_closed_port()))
        yield
