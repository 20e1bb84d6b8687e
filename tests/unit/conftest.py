"""Unit tests never reach a server: before any test runs, the settings point at closed ports on
127.0.0.1 and at a temporary state folder, for this process and every subprocess it starts.

A unit test that tries to connect fails fast with the workbook's own "cannot connect" message
instead of silently using (or changing) servers that happen to run. `make test-unit` runs these.
"""

from __future__ import annotations

import os
import socket
import tempfile

from dbworkbook import settings


def _closed_port() -> int:
    """A port nothing listens on: the OS hands out a free one, and we close it again."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_STATE = tempfile.mkdtemp(prefix="dbwb-unit-state-")
os.environ["DBWB_BACKEND"] = "embedded"
os.environ["DBWB_STATE_DIR"] = _STATE
for _var in settings.URL_VARS.values():
    os.environ.pop(_var, None)
for _var in settings.PORT_VARS.values():
    os.environ[_var] = str(_closed_port())
