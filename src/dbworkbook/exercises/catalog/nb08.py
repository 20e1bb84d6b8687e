"""Exercises of notebook 08 · Choose the right Redis data structure for each access pattern.

Each check runs in Redis database 8 (the notebook's own), on a clean database, and restores the
lesson's keys afterwards. 08.5 copies the seeded leaderboard from database 0 (read only).
Beside each exercise: its red-team data (``wrong``: realistic mistakes and the feedback fragment
each must get; ``right``: other correct answers), run by ``tests_after_notebooks/test_red_team.py``.
"""

from __future__ import annotations

from ..core import Wrong
from ..redisdb import RedisTask, atomic, expires, never, persistent, uses

SESSION = '{"user_id":42}'


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


# ---------------------------------------------------------------- red-team answers (functions)
def _take_in_two_steps(r):
    job = r.rpop("queue:jobs")
    r.lpush("queue:processing:w1", job)
    return job


def _take_newest(r):
    return r.lmove("queue:jobs", "queue:processing:w1", "LEFT", "LEFT")


def _take_onto_the_wrong_end(r):
    return r.lmove("queue:jobs", "queue:processing:w1", "RIGHT", "RIGHT")


def _take_deprecated(r):
    return r.rpoplpush("queue:jobs", "queue:processing:w1")


def _take_blocking(r):
    return r.blmove("queue:jobs", "queue:processing:w1", 1, "RIGHT", "LEFT")


def _take_by_hand(r):
    return r.execute_command("LMOVE", "queue:jobs", "queue:processing:w1", "RIGHT", "LEFT")


def _take_in_a_script(r):
    return r.eval(
        "local job = redis.call('RPOP', KEYS[1]) if job then redis.call('LPUSH', KEYS[2], job) end return job",
        2,
        "queue:jobs",
        "queue:processing:w1",
    )


def _rank_from_zero(r):
    return {
        "top3": r.zrange("leaderboard", 0, 2, desc=True, withscores=True),
        "rank_of_player42": r.zrevrank("leaderboard", "player42"),
    }


def _rank_from_the_bottom(r):
    return {
        "top3": r.zrange("leaderboard", 0, 2, desc=True, withscores=True),
        "rank_of_player42": r.zrank("leaderboard", "player42") + 1,
    }


def _lowest_three(r):
    return {
        "top3": r.zrange("leaderboard", 0, 2, withscores=True),
        "rank_of_player42": r.zrevrank("leaderboard", "player42") + 1,
    }


def _names_only(r):
    return {
        "top3": r.zrange("leaderboard", 0, 2, desc=True),
        "rank_of_player42": r.zrevrank("leaderboard", "player42") + 1,
    }


def _leaderboard_zrange_rev(r):
    top3 = r.execute_command("ZRANGE", "leaderboard", 0, 2, "REV", "WITHSCORES", withscores=True)
    return {"rank_of_player42": 1 + r.zrevrank("leaderboard", "player42"), "top3": top3}


def _leaderboard_by_position(r):
    everyone = r.zrevrange("leaderboard", 0, -1, withscores=True)
    names = [name for name, _score in everyone]
    return {"top3": everyone[:3], "rank_of_player42": names.index("player42") + 1}


EXERCISES = [
    RedisTask(
        id="08.1",
        title="Cache a session for 30 minutes",
        task=(
            'Store the string `{"user_id":42}` under the key `session:xyz789` so that it expires after '
            "30 minutes, with **one** `SET` command (the guide's `SETEX` still works, but it is deprecated).\n\n"
            "Answer with a list of commands, e.g. `answer = ['SET key value ...']` (quote a value that "
            "contains spaces or double quotes with single quotes, as in redis-cli)."
        ),
        reference=["SET session:xyz789 '{\"user_id\":42}' EX 1800"],
        expect=[
            expires("session:xyz789", min=1790, max=1800),
            atomic(
                "SET",
                "EXPIRE",
                why="in between, session:xyz789 exists without a TTL (a crash there "
                "leaves a session that never expires); SET … EX does both at once",
            ),
            never("SETEX", why="SETEX is deprecated since Redis 2.6.12: SET's EX option does the same"),
        ],
        hints=[
            "`SET` takes options after the value: `EX seconds`, `PX milliseconds`, `NX`, `XX`, `KEEPTTL`.",
            "30 minutes is 1,800 seconds; the option goes after the value, and the JSON value needs single "
            "quotes around it (it contains double quotes).",
        ],
        wrong=[
            Wrong(
                [f"SET session:xyz789 '{SESSION}'", "EXPIRE session:xyz789 1800"],
                says="SET and EXPIRE ran as two separate commands",
                why="Two commands where one does it: a crash between them leaves a session without a TTL.",
            ),
            Wrong(
                [f"SETEX session:xyz789 1800 '{SESSION}'"],
                says="SETEX is deprecated",
                why="Copies the guide's deprecated spelling instead of SET's EX option.",
            ),
            Wrong(
                [f"SET session:xyz789 '{SESSION}' EX 30"],
                says="expires too soon",
                why="Counts the TTL in minutes: EX takes seconds.",
            ),
            Wrong(
                [f"SET session:xyz789 '{SESSION}' PX 1800"],
                says="expires too soon",
                why="PX takes milliseconds: 1800 ms is under two seconds.",
            ),
            Wrong(
                ['SET session:xyz789 {"user_id":42} EX 1800'],
                says="session:xyz789 is '{user_id:42}'",
                why="Unquoted JSON: redis-cli (and the shell) strip the double quotes.",
            ),
        ],
        right=[
            [f"SET session:xyz789 '{SESSION}' PX 1800000"],
            [("SET", "session:xyz789", SESSION, "EX", 1800)],
            ['SET session:xyz789 "{\\"user_id\\":42}" EX 1800'],
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
        reference=[
            "HSET user:7 name Grace email grace@example.com",
            "HINCRBY user:7 logins 1",
            "HINCRBY user:7 logins 1",
        ],
        expect=[
            persistent("user:7"),
            uses(
                "HINCRBY",
                why="HINCRBY adds to the field on the server; writing the number yourself "
                "loses logins that other clients record meanwhile",
            ),
            never("HMSET", why="HMSET is deprecated since Redis 4.0: HSET takes several field/value pairs"),
        ],
        hints=[
            "`HSET key field value [field value ...]` writes several fields at once.",
            "`HINCRBY key field increment` adds atomically, on the server; a missing field counts as 0.",
        ],
        wrong=[
            Wrong(
                ["HSET user:7 name Grace email grace@example.com logins 2"],
                says="never sent HINCRBY",
                why="Writes the count instead of counting: concurrent logins would be lost.",
            ),
            Wrong(
                ["HSET user:7 name Grace email grace@example.com", "HINCRBY user:7 logins 1"],
                says="user:7 is hash",
                why="Records one login instead of two.",
            ),
            Wrong(
                [
                    "HMSET user:7 name Grace email grace@example.com",
                    "HINCRBY user:7 logins 1",
                    "HINCRBY user:7 logins 1",
                ],
                says="HMSET is deprecated",
                why="Uses the deprecated HMSET from older tutorials.",
            ),
            Wrong(
                [
                    "HSET user:7 name Grace email grace@example.com",
                    "HINCRBY user:7 logins 1",
                    "HINCRBY user:7 logins 1",
                    "EXPIRE user:7 3600",
                ],
                says="it should be persistent",
                why="Adds a TTL to data that must stay (a cache habit).",
            ),
            Wrong(
                ['SET user:7 \'{"name":"Grace","email":"grace@example.com","logins":2}\''],
                says="user:7 is a string; expected a hash",
                why="Stores the profile as a JSON string.",
            ),
        ],
        right=[
            [("HSET", "user:7", "email", "grace@example.com", "name", "Grace"), "HINCRBY user:7 logins 2"],
            ["HINCRBY user:7 logins 1", "HSET user:7 name Grace email grace@example.com", "HINCRBY user:7 logins 1"],
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
        reference=[
            "SDIFFSTORE role:editor-only:users role:editor:users role:admin:users",
            "EXPIRE role:editor-only:users 60",
        ],
        expect=[
            expires("role:editor-only:users", min=55, max=60),
            uses(
                "SDIFFSTORE",
                why="SDIFFSTORE computes the difference and stores it on the server: "
                "the members never travel to your client and back",
            ),
        ],
        hints=[
            "`SDIFF a b` returns the members of a that are not in b; its `...STORE` variant writes them to a key.",
            "`SDIFFSTORE destination key [key ...]` stores the first set minus the others; a second "
            "command gives the destination its TTL.",
        ],
        wrong=[
            Wrong(
                ["SADD role:editor-only:users 2 3 5 13", "EXPIRE role:editor-only:users 60"],
                says="never sent SDIFFSTORE",
                why="Computes the difference by hand (or with SDIFF in the client) and writes it back.",
            ),
            Wrong(
                [
                    "SDIFFSTORE role:editor-only:users role:admin:users role:editor:users",
                    "EXPIRE role:editor-only:users 60",
                ],
                says="role:editor-only:users is set",
                why="Swaps the operands: admins who are not editors.",
            ),
            Wrong(
                [
                    "SINTERSTORE role:editor-only:users role:editor:users role:admin:users",
                    "EXPIRE role:editor-only:users 60",
                ],
                says="never sent SDIFFSTORE",
                why="Intersection instead of difference: the editors who *are* admins.",
            ),
            Wrong(
                ["SDIFFSTORE role:editor-only:users role:editor:users role:admin:users"],
                says="has no TTL",
                why="Forgets that a cached result needs a TTL.",
            ),
            Wrong(
                [
                    "SDIFFSTORE role:editor-only:users role:editor:users role:admin:users",
                    "EXPIRE role:editor-only:users 3600",
                ],
                says="expires too late",
                why="Counts the TTL in minutes.",
            ),
        ],
        right=[
            [
                "SDIFFSTORE role:editor-only:users role:editor:users role:admin:users",
                "PEXPIRE role:editor-only:users 60000",
            ],
            [
                "MULTI",
                "SDIFFSTORE role:editor-only:users role:editor:users role:admin:users",
                "EXPIRE role:editor-only:users 60",
                "EXEC",
            ],
        ],
    ),
    RedisTask(
        id="08.4",
        title="Take a job reliably",
        setup=["LPUSH queue:jobs job:1 job:2 job:3", "RPUSH queue:processing:w1 job:0"],
        task=(
            "`queue:jobs` was filled with `LPUSH`, so the oldest job (`job:1`) is at the **right** end. "
            "Write `def answer(r):` that moves the oldest job, in one atomic command, onto the left end "
            "of the worker's processing list `queue:processing:w1` (which already holds `job:0`, still being "
            "processed), and returns the job."
        ),
        reference=_reliable_take,
        compare_return=True,
        expect=[
            atomic(
                ("RPOP", "LPOP"), ("LPUSH", "RPUSH"), why="a crash between them loses the job: it is in neither list"
            ),
            never("RPOPLPUSH", why="RPOPLPUSH is deprecated since Redis 6.2: LMOVE does the same with explicit ends"),
        ],
        hints=[
            "`RPOP` then `LPUSH` is two commands: a crash between them loses the job.",
            "`LMOVE source destination WHEREFROM WHERETO` pops from one end of the source and pushes onto "
            "one end of the destination, atomically (redis-py: `r.lmove(...)`): choose the two ends.",
        ],
        wrong=[
            Wrong(
                _take_in_two_steps,
                says="RPOP and LPUSH ran as two separate commands",
                why="The guide's RPOP plus a push: not atomic, a crash loses the job.",
            ),
            Wrong(_take_newest, says="returned 'job:3'", why="Takes the newest job (LEFT end) instead of the oldest."),
            Wrong(
                _take_onto_the_wrong_end,
                says="queue:processing:w1 is list ['job:0', 'job:1']",
                why="Pushes onto the right end of the processing list.",
            ),
            Wrong(_take_deprecated, says="RPOPLPUSH is deprecated", why="Uses the command LMOVE replaced."),
        ],
        right=[_take_blocking, _take_by_hand, _take_in_a_script],
    ),
    RedisTask(
        id="08.5",
        title="Read the seeded leaderboard",
        setup=_copy_seeded_leaderboard,
        task=(
            "The seeded leaderboard of 1,000 players (copied from database 0 into `leaderboard`) is "
            "ready. Write `def answer(r):` that returns a dict with\n"
            '- `"top3"`: the three best players as `(player, score)` pairs, highest score first;\n'
            '- `"rank_of_player42"`: player42\'s position counting from the top, **1-based** (the best '
            "player is 1)."
        ),
        reference=_leaderboard,
        compare_return=True,
        hints=[
            "`r.zrange('leaderboard', 0, 2, desc=True, withscores=True)` (or `ZRANGE … REV WITHSCORES`).",
            "`ZREVRANK` counts from 0 at the top: add 1.",
        ],
        wrong=[
            Wrong(
                _rank_from_zero, says="Your answer's 'rank_of_player42' is", why="Forgets that ZREVRANK counts from 0."
            ),
            Wrong(
                _rank_from_the_bottom,
                says="Your answer's 'rank_of_player42' is",
                why="ZRANK counts from the lowest score.",
            ),
            Wrong(
                _lowest_three, says="Your answer's 'top3' is", why="ZRANGE without REV/desc: the three worst players."
            ),
            Wrong(_names_only, says="Your answer's 'top3' is", why="Forgets WITHSCORES: names without scores."),
        ],
        right=[_leaderboard_zrange_rev, _leaderboard_by_position],
    ),
]
