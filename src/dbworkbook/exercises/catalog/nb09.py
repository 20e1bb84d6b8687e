"""Exercises of notebook 09 · Cache, rate-limit and lock with Redis.

Each check runs in Redis database 9 (the notebook's own), on a clean database, and restores the
lesson's keys afterwards. Every answer is a function ``answer(r)`` of a redis-py client.

These tasks teach atomicity, so their checks judge behaviour (``redisdb``'s trace): the commands
that must run in one step (``atomic``), and scenarios, starting states in which a careless answer
shows its bug (a counter whose TTL is already running, a lock that someone else now holds, a
request exactly on the window's boundary). Beside each exercise: its red-team data.
"""

from __future__ import annotations

from ..core import Wrong
from ..redisdb import RedisTask, atomic, expires, key_is, max_round_trips, redis_holds

SLIDING_KEY = "ratelimit:sliding:42"
SLIDING_TIMES = [1000, 1100, 1200, 1300, 2000, 2100, 2150, 2250]  # 2000 and 2100: exactly 1,000 ms after 1000, 1100
SLIDING_KEPT = [2000.0, 2100.0, 2250.0]

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

RATE_WHY = "a crash between them leaves ratelimit:42 without a TTL, and user 42 locked out for good"
RELEASE_WHY = (
    "in between, the lock can expire and be taken by someone else, whose lock the DEL then frees: "
    "compare and delete in one script"
)
EXTEND_WHY = (
    "in between, the lock can expire and pass to someone else, whose lock you then extend: "
    "compare and extend in one script"
)
SLIDING_WHY = (
    "between counting and adding, a concurrent request can count the same entries: both are "
    "allowed and the limit is exceeded"
)


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
    return kind == "zset" and sorted(score for _member, score in members) == SLIDING_KEPT


# ---------------------------------------------------------------- 09.1 red team
def _rate_two_round_trips(r):
    current = r.incr("ratelimit:42")
    r.expire("ratelimit:42", 60, nx=True)
    return current <= 5


def _rate_resets_ttl(r):
    with r.pipeline(transaction=True) as pipe:
        pipe.incr("ratelimit:42")
        pipe.expire("ratelimit:42", 60)
        current, _ = pipe.execute()
    return current <= 5


def _rate_the_guides(r):
    current = r.incr("ratelimit:42")
    if current == 1:
        r.expire("ratelimit:42", 60)
    return current <= 5


def _rate_set_nx(r):
    with r.pipeline(transaction=True) as pipe:
        pipe.set("ratelimit:42", 0, ex=60, nx=True)
        pipe.incr("ratelimit:42")
        _, current = pipe.execute()
    return current <= 5


def _rate_off_by_one(r):
    with r.pipeline(transaction=True) as pipe:
        pipe.incr("ratelimit:42")
        pipe.expire("ratelimit:42", 60, nx=True)
        current, _ = pipe.execute()
    return current < 5


def _rate_plain_pipeline(r):
    pipe = r.pipeline(transaction=False)
    pipe.incr("ratelimit:42")
    pipe.expire("ratelimit:42", 60, nx=True)
    return pipe.execute()[0] <= 5


def _rate_lua(r):
    return (
        r.eval(
            "local n = redis.call('INCR', KEYS[1]) "
            "if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end "
            "return n",
            1,
            "ratelimit:42",
            60,
        )
        <= 5
    )


def _rate_lua_nx(r):
    script = r.register_script("local n = redis.call('INCR', KEYS[1]) redis.call('EXPIRE', KEYS[1], 60, 'NX') return n")
    return script(keys=["ratelimit:42"]) <= 5


def _rate_raw_commands(r):
    with r.pipeline() as pipe:  # transaction=True is redis-py's default
        pipe.execute_command("INCR", "ratelimit:42")
        pipe.execute_command("EXPIRE", "ratelimit:42", 60, "NX")
        replies = pipe.execute()
    return replies[0] <= 5


# ---------------------------------------------------------------- 09.2 red team
def _release_get_then_del(r):
    out = []
    for n in (7, 8):
        if r.get(f"lock:invoice:{n}") == "token-A":
            out.append(r.delete(f"lock:invoice:{n}"))
        else:
            out.append(0)
    return out


def _release_plain_del(r):
    return [r.delete(f"lock:invoice:{n}") for n in (7, 8)]


def _release_multi(r):
    out = []
    for n in (7, 8):
        with r.pipeline(transaction=True) as pipe:
            pipe.get(f"lock:invoice:{n}")
            pipe.delete(f"lock:invoice:{n}")
            value, deleted = pipe.execute()
        out.append(deleted if value == "token-A" else 0)
    return out


def _release_no_compare_script(r):
    return [r.eval("return redis.call('del', KEYS[1])", 1, f"lock:invoice:{n}") for n in (7, 8)]


def _release_watch(r):
    out = []
    for n in (7, 8):
        with r.pipeline() as pipe:
            pipe.watch(f"lock:invoice:{n}")
            if pipe.get(f"lock:invoice:{n}") == "token-A":
                pipe.multi()
                pipe.delete(f"lock:invoice:{n}")
                out.append(pipe.execute()[0])
            else:
                pipe.unwatch()
                out.append(0)
    return out


def _release_one_script_both_keys(r):
    return r.eval(
        "local out = {} for i, key in ipairs(KEYS) do "
        "if redis.call('GET', key) == ARGV[1] then out[i] = redis.call('DEL', key) else out[i] = 0 end "
        "end return out",
        2,
        "lock:invoice:7",
        "lock:invoice:8",
        "token-A",
    )


# ---------------------------------------------------------------- 09.3 red team
def _extend_get_then_pexpire(r):
    out = []
    for key in ("lock:report", "lock:export"):
        out.append(int(r.pexpire(key, 30_000)) if r.get(key) == "token-A" else 0)
    return out


def _extend_everyone(r):
    return [int(r.pexpire(key, 30_000)) for key in ("lock:report", "lock:export")]


def _extend_seconds_as_ms(r):
    extend = r.register_script(EXTEND_LOCK_SCRIPT.replace("pexpire", "expire"))
    return [extend(keys=[key], args=["token-A", 30_000]) for key in ("lock:report", "lock:export")]


def _extend_with_acquire(r):
    return [1 if r.set(key, "token-A", px=30_000, nx=True) else 0 for key in ("lock:report", "lock:export")]


def _extend_with_expire_seconds(r):
    script = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('EXPIRE', KEYS[1], 30) else return 0 end"
    return [r.eval(script, 1, key, "token-A") for key in ("lock:report", "lock:export")]


def _extend_set_xx_in_script(r):
    script = (
        "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end "
        "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'XX') return 1"
    )
    extend = r.register_script(script)
    return [extend(keys=[key], args=["token-A", 30000]) for key in ("lock:report", "lock:export")]


# ---------------------------------------------------------------- 09.4 red team
def _sliding_in_python(r):
    decisions = []
    for i, now in enumerate(SLIDING_TIMES):
        r.zremrangebyscore(SLIDING_KEY, "-inf", now - 1000)
        allowed = r.zcard(SLIDING_KEY) < 3
        if allowed:
            r.zadd(SLIDING_KEY, {f"req-{i}": now})
        r.pexpire(SLIDING_KEY, 1000)
        decisions.append(allowed)
    return decisions


def _sliding_counts_rejected(r):
    decisions = []
    for i, now in enumerate(SLIDING_TIMES):
        with r.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(SLIDING_KEY, "-inf", now - 1000)
            pipe.zadd(SLIDING_KEY, {f"req-{i}": now})
            pipe.zcard(SLIDING_KEY)
            pipe.pexpire(SLIDING_KEY, 1000)
            decisions.append(pipe.execute()[2] <= 3)
    return decisions


def _sliding_keeps_the_boundary(r):
    allow = r.register_script(SLIDING_WINDOW_SCRIPT.replace('"-inf", now - window', '"-inf", "(" .. (now - window)'))
    return [allow(keys=[SLIDING_KEY], args=[t, 1000, 3, f"req-{i}"]) == 1 for i, t in enumerate(SLIDING_TIMES)]


def _sliding_no_expiry(r):
    allow = r.register_script(SLIDING_WINDOW_SCRIPT.replace('redis.call("PEXPIRE", key, window)\n', ""))
    return [allow(keys=[SLIDING_KEY], args=[t, 1000, 3, f"req-{i}"]) == 1 for i, t in enumerate(SLIDING_TIMES)]


def _sliding_exclusive_bound(r):
    script = """
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - 999))
if redis.call('ZCARD', KEYS[1]) >= 3 then
    redis.call('PEXPIRE', KEYS[1], 1000)
    return 0
end
redis.call('ZADD', KEYS[1], now, ARGV[2])
redis.call('PEXPIRE', KEYS[1], 1000)
return 1
"""
    return [r.eval(script, 1, SLIDING_KEY, t, str(t)) == 1 for t in SLIDING_TIMES]


def _sliding_eval_each(r):
    decisions = []
    for i, now in enumerate(SLIDING_TIMES):
        reply = r.eval(SLIDING_WINDOW_SCRIPT, 1, SLIDING_KEY, now, 1000, 3, f"request:{i}")
        decisions.append(bool(reply))
    return decisions


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
        behaviour=[
            atomic("INCR", "EXPIRE", why=RATE_WHY),
            max_round_trips(1, why="MULTI/EXEC sends both commands in one round trip"),
        ],
        scenarios=[
            ("the counter's TTL is already running (30 s left)", ["EXPIRE ratelimit:42 30"]),
            ("this request reaches the limit (the counter is at 4)", ["SET ratelimit:42 4 EX 30"]),
            ("the counter is already at the limit (5)", ["SET ratelimit:42 5 EX 30"]),
            ("the first request of a window (no counter yet)", ["DEL ratelimit:42"]),
        ],
        ttl_tolerance=2,
        compare_return=True,
        hints=[
            "`SET key 0 NX EX 60` does not help here: the key exists, so NX skips it and the TTL stays missing.",
            "`EXPIRE key seconds NX` (Redis 7.0+, Valkey) sets a TTL only on a key that has none; in "
            "redis-py, `expire()` takes it as a keyword. Queue it after the `INCR` in the same transaction.",
        ],
        wrong=[
            Wrong(
                _rate_two_round_trips,
                says="INCR and EXPIRE ran as two separate commands",
                why="Two round trips: a crash between them is the very bug the task repairs.",
            ),
            Wrong(
                _rate_plain_pipeline,
                says="INCR and EXPIRE ran as two separate commands",
                why="A pipeline without MULTI is one round trip, not one atomic step.",
            ),
            Wrong(
                _rate_resets_ttl,
                says="ratelimit:42 expires in 60 s; expected 30 s",
                why="EXPIRE without NX restarts a running window on every request.",
            ),
            Wrong(
                _rate_the_guides,
                says="ratelimit:42 has no TTL",
                why="The guide's `if current == 1` never repairs a counter that lost its TTL.",
            ),
            Wrong(
                _rate_set_nx,
                says="ratelimit:42 has no TTL",
                why="The lesson's SET NX EX fix starts new windows but skips an existing key without TTL.",
            ),
            Wrong(
                _rate_off_by_one,
                says="Your answer returned False; expected True",
                why="`<` instead of `<=`: the request that reaches the limit is refused.",
            ),
        ],
        right=[_rate_lua, _rate_lua_nx, _rate_raw_commands],
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
        behaviour=[atomic("GET", "DEL", why=RELEASE_WHY)],
        scenarios=[
            ("both locks are yours", ["SET lock:invoice:7 token-A EX 30"]),
            ("your lock on invoice 8 already expired", ["DEL lock:invoice:8"]),
        ],
        compare_return=True,
        hints=[
            "A `GET` in Python followed by a `DEL` leaves a gap in which the lock can expire and be taken by someone else.",
            "The guide's Lua compare-and-delete does both on the server: `r.register_script(script)` returns "
            "a callable that takes `keys=[...]` and `args=[...]`; call it once per lock.",
        ],
        wrong=[
            Wrong(
                _release_get_then_del,
                says="GET and DEL ran as three separate commands",
                why="Compare in Python, delete afterwards: the classic check-then-act race.",
            ),
            Wrong(_release_plain_del, says="Missing keys", why="A plain DEL frees someone else's lock."),
            Wrong(
                _release_multi,
                says="Missing keys",
                why="A MULTI cannot branch on the GET: the DEL runs whatever the lock holds.",
            ),
            Wrong(
                _release_no_compare_script,
                says="Missing keys",
                why="A script that deletes without comparing is atomic and still wrong.",
            ),
        ],
        right=[_release_watch, _release_one_script_both_keys],
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
        behaviour=[atomic("GET", "EXPIRE", why=EXTEND_WHY)],
        scenarios=[("your lock on the report already expired", ["DEL lock:report"])],
        compare_return=True,
        hints=[
            "It is the release script with another command inside: compare with `GET`, then act.",
            "`PEXPIRE key milliseconds` sets the new TTL; the script returns its reply, or 0 when the key "
            "holds someone else's id. Pass the id and the TTL as `args`.",
        ],
        wrong=[
            Wrong(
                _extend_get_then_pexpire,
                says="GET and PEXPIRE ran as",
                why="Compare in Python, extend afterwards: the lock may have changed hands in between.",
            ),
            Wrong(
                _extend_everyone,
                says="lock:export expires too late",
                why="Extends every lock, someone else's included.",
            ),
            Wrong(
                _extend_seconds_as_ms,
                says="lock:report expires too late",
                why="EXPIRE takes seconds: 30,000 s instead of 30 s.",
            ),
            Wrong(
                _extend_with_acquire,
                says="lock:report expires too soon",
                why="Reuses the acquire (SET … NX PX): NX refuses, since the key exists, so nothing is extended.",
            ),
        ],
        right=[_extend_with_expire_seconds, _extend_set_xx_in_script],
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
            redis_holds(
                _allowed_scores,
                f"{SLIDING_KEY} should end with the three requests it allowed last "
                f"(scores {', '.join(f'{s:g}' for s in SLIDING_KEPT)}), and nothing it rejected.",
            ),
        ],
        behaviour=[atomic("ZCARD", "ZADD", why=SLIDING_WHY)],
        hints=[
            "Per request: `ZREMRANGEBYSCORE key -inf now-1000`, then `ZCARD key`; only if the count is below 3, "
            "`ZADD key now request-id`; then `PEXPIRE key 1000`.",
            "In Lua, `local allowed = redis.call('ZCARD', KEYS[1]) < 3` decides; add only when allowed, and "
            "return 1 or 0 (a Lua `false` reaches Python as `None`).",
        ],
        wrong=[
            Wrong(
                _sliding_in_python,
                says="ZCARD and ZADD ran as",
                why="Count in one round trip, add in another: two concurrent requests both get in.",
            ),
            Wrong(
                _sliding_counts_rejected,
                says="Your answer returned",
                why="The lesson's policy: rejected requests are logged and keep the client locked out.",
            ),
            Wrong(
                _sliding_keeps_the_boundary,
                says="Your answer returned",
                why="An exclusive bound keeps a request exactly 1,000 ms old in the window (off by one).",
            ),
            Wrong(_sliding_no_expiry, says="has no TTL", why="Forgets PEXPIRE: an idle client's log stays forever."),
        ],
        right=[_sliding_exclusive_bound, _sliding_eval_each],
    ),
]
