"""MongoDB wire protocol from the ``SecantusDB`` wheel (WiredTiger storage, a one-node replica set)."""

from __future__ import annotations

import sys

from .. import settings as _settings
from .base import Server


class MongoServer(Server):
    name = "mongo"
    label = "MongoDB"
    stop_timeout = 30.0

    def prepare(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "dbworkbook.servers._mongod",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--storage-path",
            str(self.data_dir),
            "--ttl-sweep",
            str(_settings.MONGO_TTL_SWEEP_SECONDS),
        ] + (["--auth"] if self.cfg.mongo_user else [])

    def _client(self):
        import pymongo

        auth = {}
        if self.cfg.mongo_user:
            auth = {
                "username": self.cfg.mongo_user,
                "password": self.cfg.mongo_password,
                "authSource": _settings.MONGO_AUTH_SOURCE,
                "authMechanism": "SCRAM-SHA-256",
            }
        return pymongo.MongoClient(
            f"mongodb://127.0.0.1:{self.port}/?directConnection=true", serverSelectionTimeoutMS=2000, **auth
        )

    def ready(self) -> bool:
        with self._client() as client:
            client.admin.command("ping")
        return True

    def version(self) -> str:
        with self._client() as client:
            return "MongoDB " + client.server_info()["version"] + " (SecantusDB)"
