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

import time

from .. import connect
from .generator import Dataset, redis_commands

# Groups of keys the fingerprint reports on (a key's group: its pattern).
GROUPS = ("user:*:name", "user:*", "user:*:roles", "page:*:views", "leaderboard", "queue:jobs", "events")
BATCH = 1_000  # keys per UNLINK


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
        r.unlink(*keys[i : i + BATCH])
    return len(keys)


def command_args(cmd: tuple) -> tuple:
    """A generated command as the argument list Redis receives (``SET key value`` ...)."""
    op, key = cmd[0], cmd[1]
    if op == "SET":
        return ("SET", key, cmd[2])
    if op == "HSET":
        return ("HSET", key, *[x for kv in cmd[2].items() for x in kv])
    if op == "SADD":
        return ("SADD", key, *cmd[2])
    if op == "ZADD":
        return ("ZADD", key, *[x for member, score in cmd[2].items() for x in (str(score), member)])
    if op == "LPUSH":
        return ("LPUSH", key, *cmd[2])
    if op == "XADD":
        return ("XADD", key, cmd[2], *[x for kv in cmd[3].items() for x in kv])
    raise ValueError(op)  # pragma: no cover - a generator bug


def resp(args) -> bytes:
    """One command in the Redis protocol (RESP): what every client sends on the wire."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        b = a.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(out)


def pipeline(r, commands: list[bytes], batch: int = 5_000, bar=None) -> int:
    """Send RESP-encoded commands pipelined (no MULTI/EXEC: like ``pipeline(transaction=False)``),
    a batch at a time, then read every reply; raises on the first error reply.

    This is Redis's own "mass insertion" advice: build the protocol once and stream it. redis-py's
    Pipeline object does the same with more bookkeeping per command (about half the speed here).
    """
    sent = 0
    conn = r.connection_pool.get_connection()
    try:
        for i in range(0, len(commands), batch):
            chunk = commands[i : i + batch]
            conn.send_packed_command([b"".join(chunk)])
            for _ in chunk:
                conn.read_response()
            sent += len(chunk)
            if bar is not None:
                bar.update(len(chunk))
    except BaseException:
        conn.disconnect()  # replies may be left unread: do not reuse this connection
        raise
    finally:
        r.connection_pool.release(conn)
    return sent


def load(ds: Dataset, r=None, bar=None) -> dict:
    """Write the seeded keys (``drop`` the old ones first). Returns timings and counts."""
    t0 = time.perf_counter()
    r = r if r is not None else connect.redis()
    cmds = redis_commands(ds)
    t = time.perf_counter()
    n = pipeline(r, [resp(command_args(c)) for c in cmds], bar=bar)
    seconds = time.perf_counter() - t
    return {
        "commands": n,
        "insert_seconds": seconds,
        "commands_per_second": n / seconds if seconds else 0.0,
        "seconds": time.perf_counter() - t0,
    }


# The fingerprint runs on the server, as one Lua script: it visits every key once (SCAN), keeps
# the seeded patterns, reads each value with the command of its type and returns, per pattern,
# the number of keys and the SHA-1 of the sorted "key <TAB> canonical value" lines. Reading the
# same values into Python would cost ~0.5 s of reply parsing; the script takes a few ms.
FINGERPRINT_LUA = r"""
local wanted = {}
for _, g in ipairs(ARGV) do wanted[g] = {} end
local function group_of(key)
  if string.match(key, "^user:%d+$") then return "user:*" end
  local rest = string.match(key, "^user:%d+:([^:]*)$")
  if rest then return "user:*:" .. rest end
  local suffix = string.match(key, "^page:[^:]*:([^:]*)$")
  if suffix then return "page:*:" .. suffix end
  return key
end
local function flat(list, sep)
  local out = {}
  for i, v in ipairs(list) do
    if type(v) == "table" then out[i] = "[" .. flat(v, ",") .. "]" else out[i] = tostring(v) end
  end
  return table.concat(out, sep)
end
local function pairs_sorted(list)
  local items = {}
  for i = 1, #list, 2 do items[#items + 1] = list[i] .. "=" .. list[i + 1] end
  table.sort(items)
  return table.concat(items, ",")
end
local readers = {
  ["user:*:name"] = function(k) return redis.pcall("GET", k) end,
  ["page:*:views"] = function(k) return redis.pcall("GET", k) end,
  ["user:*"] = function(k) return pairs_sorted(redis.pcall("HGETALL", k)) end,
  ["user:*:roles"] = function(k) local m = redis.pcall("SMEMBERS", k); table.sort(m); return flat(m, ",") end,
  ["leaderboard"] = function(k) return flat(redis.pcall("ZRANGE", k, 0, -1, "WITHSCORES"), ",") end,
  ["queue:jobs"] = function(k) return flat(redis.pcall("LRANGE", k, 0, -1), "\n") end,
  ["events"] = function(k) return flat(redis.pcall("XRANGE", k, "-", "+"), ";") end,
}
local cursor = "0"
repeat
  local page = redis.call("SCAN", cursor, "COUNT", 10000)
  cursor = page[1]
  for _, key in ipairs(page[2]) do
    local g = group_of(key)
    local lines = wanted[g]
    if lines then
      local ok, value = pcall(readers[g], key)
      if not ok or type(value) ~= "string" then value = "error:" .. redis.call("TYPE", key)["ok"] end
      lines[#lines + 1] = key .. "\t" .. value
    end
  end
until cursor == "0"
local out = {}
for _, g in ipairs(ARGV) do
  local lines = wanted[g]
  table.sort(lines)
  out[#out + 1] = g
  out[#out + 1] = #lines
  out[#out + 1] = redis.sha1hex(table.concat(lines, "\n"))
end
return out
"""


def fingerprint(r=None) -> dict:
    """{pattern: {"count": keys, "checksum": sha1}} of the live seeded keys (computed server-side)."""
    r = r if r is not None else connect.redis()
    reply = r.eval(FINGERPRINT_LUA, 0, *GROUPS)
    return {reply[i]: {"count": int(reply[i + 1]), "checksum": reply[i + 2]} for i in range(0, len(reply), 3)}


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
