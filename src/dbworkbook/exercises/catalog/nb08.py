"""Exercises of notebook 08 · Choose the right Redis data structure for each access pattern.

Each check runs in Redis database 8 (the notebook's own), on a clean database, and restores the
lesson's keys afterwards. 08.5 copies the seeded leaderboard from database 0 (read only).
"""
from __future__ import annotations

from ..redisdb import RedisTask, expires, persistent


def _reliable_take(r):
    job = r.lmove("queue:jobs", "queue:processing:w1", "RIGHT", "LEFT")
    return job


def _copy_seeded_leaderboard(r):
    from ... import connect

    db = r.connection_pool.connection_kwargs.get("db", 8)
    connect.redis(db=0).copy("leaderboard", "leaderboard", destination_db=db, replace=True)


def _leaderboard(r):
    top3 = r.zrange("leaderboard", 0, 2, desc=True, withscores=True)
    rank = r.zrevrank("leaderboard", "player42")
    return {"top3": top3, "rank_of_player42": rank + 1}


EXERCISES = [
    RedisTask(
        id="08.1",
        title="Cache a session for 30 minutes",
        task=(
            "Store the string `{\"user_id\":42}` under the key `session:xyz789` so that it expires after "
            "30 minutes, with **one** `SET` command (the guide's `SETEX` still works, but it is deprecated).\n\n"
            "Answer with a list of commands, e.g. `answer = ['SET key value ...']` (quote a value that "
            "contains spaces or double quotes with single quotes, as in redis-cli)."
        ),
        reference=["SET session:xyz789 '{\"user_id\":42}' EX 1800"],
        expect=[expires("session:xyz789", min=1790, max=1800)],
        hints=[
            "`SET` takes options after the value: `EX seconds`, `PX milliseconds`, `NX`, `XX`, `KEEPTTL`.",
            "30 minutes is 1800 seconds: `SET session:xyz789 '{\"user_id\":42}' EX 1800`.",
        ],
    ),
    RedisTask(
        id="08.2",
        title="Keep a user profile in a hash and count logins",
        task=(
            "Create the hash `user:7` with the fields `name` = `Grace` and `email` = `grace@example.com` "
            "(one command), then record **two** logins in the field `logins` without ever reading it "
            "(the field starts missing). The key must not expire.\n\n"
            "Answer with a list of commands."
        ),
        reference=["HSET user:7 name Grace email grace@example.com",
                  "HINCRBY user:7 logins 1", "HINCRBY user:7 logins 1"],
        expect=[persistent("user:7")],
        hints=[
            "`HSET key field value [field value ...]` writes several fields at once.",
            "`HINCRBY key field 1` adds one atomically; a missing field counts as 0.",
        ],
    ),
    RedisTask(
        id="08.3",
        title="Editors who are not admins, computed and cached on the server",
        setup=["SADD role:editor:users 1 2 3 5 8 13", "SADD role:admin:users 1 4 8"],
        task=(
            "The sets `role:editor:users` and `role:admin:users` hold user ids. Store the editors who are "
            "**not** admins in the set `role:editor-only:users` without sending the members through your "
            "client, and let that cached result expire after 60 seconds.\n\n"
            "Answer with a list of commands."
        ),
        reference=["SDIFFSTORE role:editor-only:users role:editor:users role:admin:users",
                  "EXPIRE role:editor-only:users 60"],
        expect=[expires("role:editor-only:users", max=60)],
        hints=[
            "`SDIFF a b` returns the members of a that are not in b; its `...STORE` variant writes them to a key.",
            "`SDIFFSTORE destination key [key ...]`, then `EXPIRE destination 60`.",
        ],
    ),
    RedisTask(
        id="08.4",
        title="Take a job reliably",
        setup=["LPUSH queue:jobs job:1 job:2 job:3"],
        task=(
            "`queue:jobs` was filled with `LPUSH`, so the oldest job (`job:1`) is at the **right** end. "
            "Write `def answer(r):` that moves the oldest job, in one atomic command, onto the left end "
            "of the worker's processing list `queue:processing:w1`, and returns the job."
        ),
        reference=_reliable_take,
        compare_return=True,
        hints=[
            "`RPOP` then `LPUSH` is two commands: a crash between them loses the job.",
            "`LMOVE source destination RIGHT LEFT` (redis-py: `r.lmove(src, dst, 'RIGHT', 'LEFT')`).",
        ],
    ),
    RedisTask(
        id="08.5",
        title="Read the seeded leaderboard",
        setup=_copy_seeded_leaderboard,
        task=(
            "The seeded leaderboard of 1,000 players (copied from database 0 into `leaderboard`) is "
            "ready. Write `def answer(r):` that returns a dict with\n"
            "- `\"top3\"`: the three best players as `(player, score)` pairs, highest score first;\n"
            "- `\"rank_of_player42\"`: player42's position counting from the top, **1-based** (the best "
            "player is 1)."
        ),
        reference=_leaderboard,
        compare_return=True,
        hints=[
            "`r.zrange('leaderboard', 0, 2, desc=True, withscores=True)` (or `ZRANGE … REV WITHSCORES`).",
            "`ZREVRANK` counts from 0 at the top: add 1.",
        ],
    ),
]
