"""The embedded servers' lifecycle, on scratch ports and a scratch state folder (the workbook's
own servers are not touched): up, status, idempotent up, down, restart keeps data, a port held
by another program, a stale pid file, down when nothing runs."""

from __future__ import annotations

import shutil
import socket

import pytest

from dbworkbook import settings
from dbworkbook.servers import MongoServer, PostgresServer, RedisServer, ServerError
from dbworkbook.servers.postgres import SYSTEM_ROOT

pytestmark = pytest.mark.reseeds  # starts, stops or reloads servers: never against shared ones


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def cfg(tmp_path, monkeypatch):
    monkeypatch.setenv("DBWB_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("DBWB_BACKEND", "embedded")
    for var in settings.PORT_VARS.values():
        monkeypatch.setenv(var, str(_free_port()))
    return settings.get()


@pytest.fixture
def redis_server(cfg):
    server = RedisServer(cfg)
    yield server
    server.stop()


def test_redis_up_status_idempotent_down(redis_server):
    assert not redis_server.status().running
    assert "started" in redis_server.start()
    st = redis_server.status()
    assert st.running and st.pid and "Valkey" in st.detail
    again = redis_server.start()
    assert "already running" in again and str(redis_server.port) in again
    assert redis_server.stop() == "Redis stopped"
    assert not redis_server.status().running
    assert redis_server.stop() == "Redis not running"


def test_redis_restart_keeps_data(redis_server):
    import redis

    redis_server.start()
    redis.Redis(port=redis_server.port).set("kept", "yes")
    redis_server.stop()
    redis_server.start()
    assert redis.Redis(port=redis_server.port).get("kept") == b"yes"


def test_port_held_by_another_program(redis_server):
    with socket.socket() as blocker:
        blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        blocker.bind(("127.0.0.1", redis_server.port))
        blocker.listen()
        with pytest.raises(ServerError) as info:
            redis_server.start()
        message = str(info.value)
        assert f"Port {redis_server.port} is already in use" in message
        assert "DBWB_REDIS_PORT" in message
        assert "held by another program" in redis_server.status().detail


def test_stale_pid_file_is_handled(redis_server):
    redis_server.pid_path.parent.mkdir(parents=True, exist_ok=True)
    redis_server.pid_path.write_text("999999")  # no such process
    assert "stale pid file" in redis_server.status().detail
    assert redis_server.stop() == "Redis not running"
    assert not redis_server.pid_path.exists()
    redis_server.pid_path.write_text("999999")
    assert "started" in redis_server.start()


def test_failed_start_shows_the_log(cfg, monkeypatch):
    server = RedisServer(cfg)
    monkeypatch.setattr(server, "command", lambda: [*RedisServer.command(server), "--no-such-option", "1"])
    with pytest.raises(ServerError) as info:
        server.start()
    assert "exited during start" in str(info.value)
    assert "Last lines of" in str(info.value)


def test_postgres_restart_keeps_data(cfg):
    import psycopg

    server = PostgresServer(cfg)
    try:
        assert "started" in server.start()
        url = cfg.postgres_url()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE kept (x int)")
            conn.execute("INSERT INTO kept VALUES (42)")
            libs = conn.execute("SHOW shared_preload_libraries").fetchone()[0]
            assert "pg_stat_statements" in libs
            assert (
                conn.execute("SELECT count(*) FROM pg_extension WHERE extname = 'pg_stat_statements'").fetchone()[0]
                == 1
            )
        assert "already running" in server.start()
        server.stop()
        assert not server.status().running
        server.start()
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT x FROM kept").fetchone() == (42,)
    finally:
        server.stop()
        root = server._data_root()
        shutil.rmtree(root, ignore_errors=True)
        if str(root).startswith(str(SYSTEM_ROOT)):  # as root: the data lived outside the state folder
            shutil.rmtree(root.parent, ignore_errors=True)


def test_mongo_restart_keeps_data(cfg):
    import pymongo

    server = MongoServer(cfg)
    try:
        server.start()
        client = pymongo.MongoClient(cfg.mongo_url, serverSelectionTimeoutMS=3000)
        client.workbook.kept.insert_one({"x": 42})
        client.close()
        server.stop()
        server.start()
        client = pymongo.MongoClient(cfg.mongo_url, serverSelectionTimeoutMS=3000)
        assert client.workbook.kept.find_one({}, {"_id": 0}) == {"x": 42}
        client.close()
    finally:
        server.stop()
