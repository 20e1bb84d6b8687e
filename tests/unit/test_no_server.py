"""The unit layer's promise: no server is reachable from a unit test (tests/unit/conftest.py)."""

from __future__ import annotations

import socket

import pytest

from dbworkbook import connect, settings


def test_every_port_is_closed_and_the_state_folder_is_a_temporary_one():
    cfg = settings.get()
    assert cfg.backend == "embedded" and cfg.state_dir != settings.project_root() / ".dbworkbook"
    for name, port in cfg.ports.items():
        with socket.socket() as s:
            s.settimeout(1)
            assert s.connect_ex(("127.0.0.1", port)) != 0, f"{name}'s port {port} answers in a unit test"


def test_the_clients_fail_fast_with_the_workbooks_message():
    for client in (connect.postgres, connect.redis):
        with pytest.raises(connect.ConnectionFailed, match="did not answer"):
            client()
