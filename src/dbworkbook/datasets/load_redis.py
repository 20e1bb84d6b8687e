"""Load the dataset into Redis logical database 0 with pipelines, and fingerprint it.

Key patterns (all without TTL):
  user:<n>:name     string  the user's full name (n = 1.. in sign-up order)
  user:<n>          hash    name, email, status, pg_id (PostgreSQL users.id), created_at
  user:<n>:roles    set     reader, author (wrote a post), editor, moderator, admin
  page:<slug>:views string  a page-view counter (INCR it)
  leaderboard       zset    player1..player1000 with scores
  queue:jobs        list    JSON jobs; producers LPUSH, workers RPOP (oldest at the right end)
  events            stream  500 events with explicit IDs in the two days before NOW
"""
from __future__ import annotations

import hashlib
import json
import time

from .. import connect
from .generator import Dataset, redis_commands

# Groups of keys the fingerprint reports on (a key's group: its pattern).
GROUPS = ("user:*:name", "user:*", "user:*:roles", "page:*:views", "leaderboard", "queue:jobs", "events")
BATCH = 1_000


def group_of(key: str) -> str | None:
    parts = key.split(":")
    if parts[0] == "user" and len(parts) in (2, 3) and parts[1].isdigit():
        return "user:*" + (f":{parts[2]}" if len(parts) == 3 else "")
    if parts[0] == "page" and len(parts) == 3:
        return f"page:*:{parts[2]}"
    return key if key in ("leaderboard", "queue:jobs", "events") else None


def seeded_keys(r) -> list[str]:
    """The keys of this database that belong to a seeded group (one SCAN pass), sorted."""
    return sorted(k for k in r.scan_iter(count=10_000) if group_of(k) in GROUPS)


def drop(r) -> int:
    """Delete the seeded keys of this database (other keys stay)."""
    keys = seeded_keys(r)
    for i in range(0, len(keys), BATCH):
        r.unlink(*keys[i:i + BATCH])
    return len(keys)


def load(ds: Dataset, r=None, bar=None) -> dict:
    t0 = time.perf_counter()
    r = r if r is not None else connect.redis()
    cmds = redis_commands(ds)
    drop(r)
    t = time.perf_counter()
    pipe = r.pipeline(transaction=False)
    pending = 0
    for cmd in cmds:
        op, key = cmd[0], cmd[1]
        if op == "SET":
            pipe.set(key, cmd[2])
        elif op == "HSET":
            pipe.hset(key, mapping=cmd[2])
        elif op == "SADD":
            pipe.sadd(key, *cmd[2])
        elif op == "ZADD":
            pipe.zadd(key, cmd[2])
        elif op == "LPUSH":
            pipe.lpush(key, *cmd[2])
        elif op == "XADD":
            pipe.xadd(key, cmd[3], id=cmd[2])
        else:  # pragma: no cover - a generator bug
            raise ValueError(op)
        pending += 1
        if pending == BATCH:
            pipe.execute()
            if bar is not None:
                bar.update(pending)
            pending = 0
    if pending:
        pipe.execute()
        if bar is not None:
            bar.update(pending)
    seconds = time.perf_counter() - t
    return {"commands": len(cmds), "insert_seconds": seconds,
            "commands_per_second": len(cmds) / seconds if seconds else 0.0,
            "seconds": time.perf_counter() - t0}


def _read_values(r, keys: list[str]) -> list:
    """The value of each key in a canonical JSON-able form (one pipelined round trip per batch)."""
    values = []
    for i in range(0, len(keys), BATCH):
        pipe = r.pipeline(transaction=False)
        chunk = keys[i:i + BATCH]
        for key in chunk:
            g = group_of(key)
            if g in ("user:*:name", "page:*:views"):
                pipe.get(key)
            elif g == "user:*":
                pipe.hgetall(key)
            elif g == "user:*:roles":
                pipe.smembers(key)
            elif g == "leaderboard":
                pipe.zrange(key, 0, -1, withscores=True)
            elif g == "queue:jobs":
                pipe.lrange(key, 0, -1)
            elif g == "events":
                pipe.xrange(key)
        for value in pipe.execute(raise_on_error=False):
            if isinstance(value, Exception):
                values.append(f"error:{type(value).__name__}")
            elif isinstance(value, dict):
                values.append(sorted(value.items()))
            elif isinstance(value, set):
                values.append(sorted(value))
            elif isinstance(value, list):
                values.append([[x[0], sorted(x[1].items())] if isinstance(x, tuple) and isinstance(x[1], dict)
                               else list(x) if isinstance(x, tuple) else x for x in value])
            else:
                values.append(value)
    return values


def fingerprint(r=None) -> dict:
    """{group: {"count": keys, "checksum": sha256}} of the live seeded keys."""
    r = r if r is not None else connect.redis()
    keys = seeded_keys(r)
    values = _read_values(r, keys)
    hashes = {g: hashlib.sha256() for g in GROUPS}
    counts = dict.fromkeys(GROUPS, 0)
    for key, value in zip(keys, values):
        g = group_of(key)
        counts[g] += 1
        hashes[g].update(json.dumps([key, value], separators=(",", ":")).encode() + b"\n")
    return {g: {"count": counts[g], "checksum": hashes[g].hexdigest()} for g in GROUPS}


def other_keys(r=None, limit: int = 5) -> list[str]:
    """A few keys in this database that the seed did not write (a learner did)."""
    r = r if r is not None else connect.redis()
    out = []
    for key in r.scan_iter(count=5_000):
        if group_of(key) is None:
            out.append(key)
            if len(out) >= limit:
                break
    return sorted(out)
