"""Exercises of notebook 09 · Cache, rate-limit and lock with Redis.

Each check runs in Redis database 9 (the notebook's own), on a clean database, and restores the
lesson's keys afterwards. Every answer is a function ``answer(r)`` of a redis-py client.
"""
from __future__ import annotations

from ..redisdb import RedisTask, expires, key_is, redis_holds

SLIDING_KEY = "ratelimit:sliding:42"
SLIDING_TIMES = [1000, 1100, 1200, 1300, 2050, 2150, 2250]

RELEASE_LOCK_SCRIPT = """
if redis.call("get", KEYS[1]) == ARGV[1] then
    return redis.call("del", KEYS[1])
else
    return 0
end
"""

EXTEND_LOCK_SCRIPT = """
if redis.call("get", KEYS[1]) == ARGV[1] then
    return redis.call("pexpire", KEYS[1], ARGV[2])
else
    return 0
end
"""

SLIDING_WINDOW_SCRIPT = """
local key, now, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call("ZREMRANGEBYSCORE", key, "-inf", now - window)
local allowed = redis.call("ZCARD", key) < limit
if allowed then
    redis.call("ZADD", key, now, ARGV[4])
end
redis.call("PEXPIRE", key, window)
if allowed then return 1 else return 0 end
"""


def _count_request(r):
    with r.pipeline(transaction=True) as pipe:
        pipe.incr("ratelimit:42")
        pipe.expire("ratelimit:42", 60, nx=True)
        current, _ = pipe.execute()
    return current <= 5


def _release_both(r):
    release = r.register_script(RELEASE_LOCK_SCRIPT)
    return [release(keys=[f"lock:invoice:{n}"], args=["token-A"]) for n in (7, 8)]


def _extend_both(r):
    extend = r.register_script(EXTEND_LOCK_SCRIPT)
    return [extend(keys=[key], args=["token-A", 30_000]) for key in ("lock:report", "lock:export")]


def _sliding_window(r):
    allow = r.register_script(SLIDING_WINDOW_SCRIPT)
    return [allow(keys=[SLIDING_KEY], args=[t, 1000, 3, f"req-{i}"]) == 1 for i, t in enumerate(SLIDING_TIMES)]


def _allowed_scores(state, _returned):
    kind, members, _ttl = state[SLIDING_KEY]
    return kind == "zset" and sorted(score for _member, score in members) == [2050.0, 2150.0, 2250.0]


EXERCISES = [
    RedisTask(
        id="09.1",
        title="Count a request so that the counter always expires",
        setup=["SET ratelimit:42 3"],
        task=(
            "A worker crashed between `INCR` and `EXPIRE`: `ratelimit:42` holds `3` and has **no TTL**, "
            "so user 42 would be locked out for good once over the limit.\n\n"
            "Write `def answer(r):` that counts one more request for user 42 in `ratelimit:42` (limit 5 per "
            "60-second window) and returns whether it is allowed (`True`/`False`). Send both commands in one "
            "`MULTI`/`EXEC` (`r.pipeline(transaction=True)`), and make sure the counter ends up with a TTL "
            "of at most 60 s — also this one, which a crash left without a TTL — without resetting a TTL "
            "that is already running."
        ),
        reference=_count_request,
        expect=[key_is("ratelimit:42", "4"), expires("ratelimit:42", min=59, max=60)],
        compare_return=True,
        hints=[
            "`SET key 0 NX EX 60` does not help here: the key exists, so NX skips it and the TTL stays missing.",
            "`EXPIRE key seconds NX` (Redis 7.0+, Valkey) sets a TTL only on a key that has none: "
            "`pipe.expire('ratelimit:42', 60, nx=True)` after `pipe.incr('ratelimit:42')`.",
        ],
    ),
    RedisTask(
        id="09.2",
        title="Release only the locks you hold",
        setup=["SET lock:invoice:7 token-B EX 30", "SET lock:invoice:8 token-A EX 30"],
        task=(
            "Your lock id is `token-A`. Write `def answer(r):` that releases `lock:invoice:7` and then "
            "`lock:invoice:8` **only where the key still holds your id**, each in one atomic step on the "
            "server, and returns the two replies as a list (the number of keys deleted: 1 or 0). "
            "Someone else (`token-B`) holds invoice 7: their lock must survive, TTL included."
        ),
        reference=_release_both,
        expect=[expires("lock:invoice:7", min=20, max=30)],
        compare_return=True,
        hints=[
            "A `GET` in Python followed by a `DEL` leaves a gap in which the lock can expire and be taken by someone else.",
            "The guide's Lua compare-and-delete does both on the server: `release = r.register_script(script)`, "
            "then `release(keys=['lock:invoice:7'], args=['token-A'])`.",
        ],
    ),
    RedisTask(
        id="09.3",
        title="Extend your lock, and only yours",
        setup=["SET lock:report token-A EX 5", "SET lock:export token-B EX 5"],
        task=(
            "A long job needs more time: write `def answer(r):` that extends `lock:report` and then "
            "`lock:export` to **30 seconds** (30,000 ms) where the key still holds your id `token-A`, each "
            "atomically, and returns the two replies as a list (1 if extended, 0 if not). The lock held by "
            "`token-B` keeps its 5-second TTL."
        ),
        reference=_extend_both,
        expect=[expires("lock:report", min=29, max=30), expires("lock:export", max=5)],
        compare_return=True,
        hints=[
            "It is the release script with another command inside: compare with `GET`, then act.",
            "`if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) "
            "else return 0 end`, with `args=['token-A', 30000]`.",
        ],
    ),
    RedisTask(
        id="09.4",
        title="A sliding window that does not count rejected requests",
        task=(
            "The lesson's sliding window records every request, rejected ones included. Write "
            "`def answer(r):` for the other policy: **only allowed requests are recorded**. Limit: 3 "
            "requests per 1,000 ms; a request counts while it is less than 1,000 ms old "
            "(`now - 1000 < t <= now`). Replay user 42's requests at these timestamps (in ms, passed in "
            f"as `now`): `{SLIDING_TIMES}`, and return the list of decisions (`True`/`False`).\n\n"
            f"Keep the log in the sorted set `{SLIDING_KEY}` (score = timestamp, member = a unique request "
            "id) and let it expire after 1,000 ms without requests (`PEXPIRE`). The check-then-add must be "
            "atomic: a `MULTI` cannot branch, so use a Lua script."
        ),
        reference=_sliding_window,
        compare_state=False,
        compare_return=True,
        expect=[
            expires(SLIDING_KEY, max=1),
            redis_holds(_allowed_scores, f"{SLIDING_KEY} should end with the three requests it allowed last "
                                         "(scores 2050, 2150, 2250), and nothing it rejected."),
        ],
        hints=[
            "Per request: `ZREMRANGEBYSCORE key -inf now-1000`, then `ZCARD key`; only if the count is below 3, "
            "`ZADD key now request-id`; then `PEXPIRE key 1000`.",
            "In Lua: `local allowed = redis.call('ZCARD', KEYS[1]) < 3` and `if allowed then redis.call('ZADD', "
            "KEYS[1], ARGV[1], ARGV[2]) end`; return 1 or 0 (a Lua `false` reaches Python as `None`).",
        ],
    ),
]
