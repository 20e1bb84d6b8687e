"""What a server is, asked of the server itself (never guessed from ``DBWB_BACKEND``).

The external backend may point at PostgreSQL 15-18, Redis 7+ or Valkey, and the embedded
SecantusDB or a real mongod: every version-specific lesson and check decides with these.

    pg_version(conn)        180006 for PostgreSQL 18.6 (``server_version_num``)
    redis_version(r)        (9, 1, 2)
    redis_flavour(r)        "valkey" or "redis"
    mongo_embedded(db)      True for SecantusDB (its ``buildInfo`` has ``secantusVersion``)
"""

from __future__ import annotations

PG_FEATURES = {
    # feature: (first server_version_num, what the lesson says on older servers)
    "uuidv7": (180000, "uuidv7() arrived in PostgreSQL 18"),
    "virtual_generated": (180000, "VIRTUAL generated columns arrived in PostgreSQL 18"),
    "skip_scan": (180000, "B-tree skip scan arrived in PostgreSQL 18"),
    "explain_buffers_default": (180000, "EXPLAIN ANALYZE shows buffers by default since PostgreSQL 18"),
    "autovacuum_vacuum_max_threshold": (180000, "autovacuum_vacuum_max_threshold arrived in PostgreSQL 18"),
}
REDIS_FEATURES = {
    "zrank_withscore": ((7, 2), "ZRANK/ZREVRANK ... WITHSCORE arrived in Redis 7.2"),
    "set_listpack": ((7, 2), "small sets use the listpack encoding since Redis 7.2"),
}


def pg_version(conn) -> int:
    return int(conn.execute("SHOW server_version_num").fetchone()[0])


def pg_has(conn, feature: str) -> bool:
    return pg_version(conn) >= PG_FEATURES[feature][0]


def _info_server(r) -> dict:
    return r.info("server")


def redis_version(r) -> tuple:
    info = _info_server(r)
    raw = str(info.get("valkey_version") or info.get("redis_version") or "0")
    parts = []
    for piece in raw.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def redis_flavour(r) -> str:
    info = _info_server(r)
    return "valkey" if str(info.get("server_name", "")).lower() == "valkey" or "valkey_version" in info else "redis"


def redis_compat_version(r) -> tuple:
    """The Redis version whose commands the server speaks (Valkey 7.2+ speaks Redis 7.2's)."""
    info = _info_server(r)
    return tuple(int(p) for p in str(info.get("redis_version", "0")).split(".")[:3] if p.isdigit())


def redis_has(r, feature: str) -> bool:
    return redis_compat_version(r) >= REDIS_FEATURES[feature][0]


def mongo_build_info(db) -> dict:
    return db.client.admin.command("buildInfo")


def mongo_embedded(db) -> bool:
    return "secantusVersion" in mongo_build_info(db)
