"""The embedded servers and their shared lifecycle (start, stop, status)."""

from __future__ import annotations

from .base import Server, ServerError, Status, ephemeral_ports, port_free, port_in_use, tail
from .mongo import MongoServer
from .postgres import PostgresServer
from .redis import RedisServer

ALL = {"postgres": PostgresServer, "mongo": MongoServer, "redis": RedisServer}


def servers(names=None, cfg=None) -> list[Server]:
    """Server objects for the given names (all three by default)."""
    names = list(names or ALL)
    unknown = [n for n in names if n not in ALL]
    if unknown:
        raise ServerError(f"Unknown server {unknown[0]!r}: choose from {', '.join(ALL)}")
    return [ALL[n](cfg) for n in names]


__all__ = [
    "ALL",
    "MongoServer",
    "PostgresServer",
    "RedisServer",
    "Server",
    "ServerError",
    "Status",
    "ephemeral_ports",
    "port_free",
    "port_in_use",
    "servers",
    "tail",
]
