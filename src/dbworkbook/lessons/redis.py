"""Lesson helpers for Redis (notebooks 08-11): see :mod:`dbworkbook.lessons`."""

from __future__ import annotations

import datetime as _dt
import json
import pprint
import re

import redis

__all__ = ["EchoRedis", "keys_without_ttl"]

_PLAIN = re.compile(r"^[\w:.*@{}$<>+\-/,()\[\]]+$")
_CLOCK_ID = re.compile(r"\b(\d{13})-(\d+)\b")
_DAY_MS = 86_400_000


def _word(arg) -> str:
    """One argument as you would type it in redis-cli (quoted only when it needs quotes)."""
    s = arg.decode() if isinstance(arg, bytes) else str(arg)
    if _PLAIN.match(s) or (s.isupper() and " " in s):  # `MEMORY USAGE`, `CONFIG GET`: one command
        return s
    return f"'{s}'" if '"' in s and "'" not in s else json.dumps(s)


class _SortedSet(frozenset):
    """A set that prints its members sorted (Python prints a set in hash order, which varies)."""

    def __repr__(self) -> str:
        return "{" + ", ".join(map(repr, sorted(self))) + "}"


def _stable(value):
    """The reply with every set replaced by one that prints sorted."""
    if isinstance(value, (set, frozenset)):
        return _SortedSet(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_stable(v) for v in value)
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items()}
    return value


class EchoRedis(redis.Redis):
    """A redis-py client that prints each command as you would type it in redis-cli, then its reply.

    redis-py's methods are not always named like the command they send (``r.set(k, v, nx=True)``
    sends ``SET k v NX``): this client shows what goes over the wire. Use it for the commands a
    lesson is about, on the pool of a quiet client, and keep the quiet one for bulk work::

        cli = EchoRedis(connection_pool=nb.r.connection_pool, now=nb.now)
        cli.set("user:1:name", "John Doe")
        # redis> SET user:1:name "John Doe"
        #    → True

    Each command prints as ``redis> COMMAND arg ...`` (an argument is quoted only when it needs
    quotes) and its reply, as the Python value redis-py returns, as ``→ value``; an error prints
    ``(error) ...`` and is raised as usual. Two things keep the printout the same on every run:

    * a set (SMEMBERS, SINTER, ...) prints its members sorted, not in Python's hash order;
    * with ``now`` (the dataset's fixed "now", ``nb.now``), a stream ID that ``XADD key * ...``
      made from the server's clock (more than a day after ``now``) prints as ``<now-ms>-N``.
      IDs a lesson gives itself, near ``now``, print as they are.
    """

    def __init__(self, *args, now: _dt.datetime | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.now_ms = None if now is None else int(now.timestamp() * 1000)

    def _mask(self, text: str) -> str:
        """Stream IDs made from the server's clock (long after ``now``) as ``<now-ms>-N``."""
        if self.now_ms is None:
            return text
        now_ms = self.now_ms
        return _CLOCK_ID.sub(lambda m: f"<now-ms>-{m[2]}" if int(m[1]) > now_ms + _DAY_MS else m[0], text)

    def execute_command(self, *args, **options):
        print(self._mask("redis> " + " ".join(map(_word, args))))
        try:
            reply = super().execute_command(*args, **options)
        except redis.ResponseError as exc:
            print(f"   (error) {exc}")
            raise
        shown = pprint.pformat(_stable(reply), width=120, sort_dicts=False)
        print(self._mask("   → " + shown.replace("\n", "\n     ")))
        return reply


def keys_without_ttl(r, match="*"):
    """The keys matching `match` that never expire, sorted.

    SCAN walks the keyspace in small batches (KEYS would block the server until it is done), TTL
    answers -1 for a key that has no expiry, and the TTLs are asked in one pipeline: one round trip.
    """
    keys = sorted(r.scan_iter(match=match, count=1000))
    with r.pipeline(transaction=False) as pipe:
        for key in keys:
            pipe.ttl(key)
        ttls = pipe.execute()
    return [key for key, ttl in zip(keys, ttls, strict=True) if ttl == -1]
