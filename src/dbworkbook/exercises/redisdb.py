"""Redis exercises: run the learner's code on a clean database, compare the keys it leaves, and
judge *how* it got there: the commands it sent, whether they ran atomically, how many round trips.

    RedisTask(id="09.1", title="...", task="...",
              setup=["SET ratelimit:42 3"],                 # the starting state (optional)
              reference=count_request,                      # def answer(r): ... (or a list of commands)
              expect=[expires("ratelimit:42", max=60),      # predicates on what the answer left
                      atomic("INCR", "EXPIRE", why="a crash between them leaves ratelimit:42 "
                                                   "without a TTL")],
              scenarios=[("the counter already has a TTL", ["EXPIRE ratelimit:42 30"])],
              ttl_tolerance=2,                              # compare TTL values too (seconds)
              keys="ratelimit:*",                           # compare only these keys (default all)
              compare_ttl=True, compare_return=True)

An answer is a function ``answer(r)`` (``r`` is a redis-py client on the exercise's database,
responses decoded to str) or a list of commands, each a string (``"SET k v"``, quoted like a
shell: ``'SET greeting "hello world"'``) or a tuple (``("SET", "k", "v")``).

How a check runs
----------------
In the notebook's own logical database (``db=``, default NN): the check saves what is there
(DUMP), empties it, runs ``setup`` then the reference and records the keys; empties it again,
runs ``setup`` then the answer and records the keys; and finally puts the saved keys back
(RESTORE with their TTLs), so the lesson's own keys survive a check. The keys are compared
(type, value, TTL present or not; with ``ttl_tolerance=`` seconds also the TTL's value), then the
return values (``compare_return``), then every predicate of ``expect``.

Behaviour: what the answer sent
-------------------------------
Each run of the reference and of the answer is traced two ways:

* **The server's view** (only when a predicate needs it): ``MONITOR`` on a dedicated connection.
  The check starts it and waits until a sentinel it sends comes back through the monitor, runs
  the code, then sends a second sentinel and reads until it arrives, so the trace holds exactly
  what ran in between. It keeps only the code's own connections and the exercise's database.
  Commands that a Lua script or function ran show as such (``Call.via == "lua"``). The trace
  groups the calls into *blocks*, each of which ran as one atomic step: a single command; one
  ``MULTI``/``EXEC`` (with a preceding ``WATCH`` and the reads between, i.e. optimistic locking);
  or one ``EVAL``/``EVALSHA``/``FCALL`` with the commands its script ran.
* **The client's view**: a recording redis-py connection class counts **round trips** (a
  pipeline, with or without ``MULTI``, is one; loading a script - ``SCRIPT LOAD``/``EXISTS``, a
  ``NOSCRIPT`` retry - is not counted) and lists the commands of each.

Behaviour predicates (put them in ``expect`` or ``behaviour``; they apply to every run, the
scenarios' included, and the reference must satisfy them too):

    atomic("INCR", "EXPIRE", why=...)  these commands ran inside one MULTI/EXEC or one
                                       EVAL/EVALSHA/FCALL, or one of them alone as a single
                                       command; fails when they are split over separate steps
    never("KEYS", why=...)             the code never sent this command (nor a script it ran)
    uses("SCAN", why=...)              the code sent it at least once; words after the name are
                                       arguments that must be present: uses("EXPIRE NX", ...)
    max_round_trips(1, why=...)        at most n round trips (pipelining)

A command name matches its family: ``INCR`` also matches ``INCRBY`` (redis-py's ``incr()`` sends
INCRBY), ``DECR`` ``DECRBY``, ``EXPIRE`` ``PEXPIRE``/``EXPIREAT``/``PEXPIREAT``, ``DEL``
``UNLINK``, ``EVAL`` ``EVALSHA``/``EVAL_RO``/``EVALSHA_RO``, ``FCALL`` ``FCALL_RO``. A tuple of
names means any of them: ``uses(("EVAL", "FCALL"), why=...)``. ``why`` completes the feedback,
which names the command or the race: "INCR and EXPIRE ran as two separate commands
(`INCRBY ratelimit:42 1` · `EXPIRE ratelimit:42 60`): a crash between them leaves ratelimit:42
without a TTL".

Scenarios: starting states in which the bug shows
-------------------------------------------------
``scenarios=[(name, setup), (name, setup, [predicates]), Scenario(...), ...]``: once the main run
passes, the check reruns the reference and the answer for each scenario, from ``setup`` followed
by the scenario's own setup (commands or a function ``setup(r)``), compares them the same way
(keys, TTLs, return values, the behaviour predicates and the scenario's own predicates; the
task's other ``expect`` predicates describe the main run only) and says which scenario failed:
e.g. a key that already has a TTL (so EXPIRE without NX resets it), a lock now owned by someone
else.
"""

from __future__ import annotations

import fnmatch
import re
import shlex
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import compare
from .core import AuthorError, Exercise, Feedback, db_error_lines, python_error_line

MAX_SAVED_KEYS = 50_000


def client(db: int, decode: bool = True):
    """A redis-py client on logical database ``db`` of the workbook's Redis (a clear
    ConnectionFailed message when the server is down)."""
    from .. import connect

    return connect.redis(db=db, decode_responses=decode)


# --------------------------------------------------------------------------- tracing
SCRIPT_CALLS = {"EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO"}
_FAMILIES = [
    {"INCR", "INCRBY"},
    {"DECR", "DECRBY"},
    {"EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"},
    {"DEL", "UNLINK"},
    {"EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO"},
    {"FCALL", "FCALL_RO"},
]
FAMILY = {name: frozenset(family) for family in _FAMILIES for name in family}
CONTAINER_COMMANDS = {
    "SCRIPT",
    "FUNCTION",
    "CLIENT",
    "CONFIG",
    "OBJECT",
    "XGROUP",
    "XINFO",
    "MEMORY",
    "COMMAND",
    "CLUSTER",
    "ACL",
    "LATENCY",
    "MODULE",
    "SLOWLOG",
    "PUBSUB",
}
REDIS_PY_SPELLINGS = {"INCRBY", "DECRBY"}  # what redis-py's incr()/decr() send for INCR/DECR
NOT_A_ROUND_TRIP = {"SCRIPT LOAD", "SCRIPT EXISTS", "FUNCTION LOAD"}  # loading scripts: not counted
MONITOR_TIMEOUT = 15  # seconds to wait for a sentinel
_NUMBERS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


def _word(n: int) -> str:
    return _NUMBERS[n] if 0 <= n < len(_NUMBERS) else str(n)


def command_name(args) -> str:
    """``INCRBY``; ``SCRIPT LOAD`` for a container command (its subcommand too)."""
    if not args:
        return ""
    first = args[0].decode(errors="replace") if isinstance(args[0], bytes) else str(args[0])
    words = first.split()
    name = words[0].upper() if words else ""
    if len(words) > 1:
        return f"{name} {words[1].upper()}"
    if name in CONTAINER_COMMANDS and len(args) > 1:
        sub = args[1].decode(errors="replace") if isinstance(args[1], bytes) else str(args[1])
        return f"{name} {sub.upper()}"
    return name


def _show_arg(arg: str) -> str:
    return arg if arg and not any(ch in arg for ch in (" ", '"', "'", "\\", "\n")) else repr(arg)


@dataclass
class Call:
    """One command the server ran for the code under check (seen through MONITOR)."""

    name: str  # upper case: "INCRBY", "SCRIPT LOAD"
    args: tuple  # the arguments after the name (the subcommand's after it)
    db: int
    via: str = "client"  # "client", or "lua": run by a Lua script or function
    client: str = ""  # the connection's address as the server saw it ("lua" for scripts)
    block: int = -1  # calls with the same block ran as one atomic step

    def __str__(self) -> str:
        text = " ".join([self.name, *(_show_arg(a) for a in self.args)])
        return text if len(text) <= 70 else text[:67] + "..."


@dataclass
class Block:
    """Calls that ran as one atomic step: ``kind`` is "command", "multi" (MULTI/EXEC, maybe after
    WATCH), "watch" (WATCH ... never followed by EXEC) or "script" (EVAL/EVALSHA/FCALL)."""

    id: int
    kind: str
    calls: list = field(default_factory=list)


@dataclass
class Request:
    """One round trip, as the client sent it: the names of the commands it carried."""

    names: list
    counted: bool = True


@dataclass
class Trace:
    """What the code under check sent: the server's view (``calls``, grouped into atomic
    ``blocks``; empty unless a predicate asked for MONITOR) and the client's (``requests``)."""

    calls: list
    blocks: list
    requests: list
    monitored: bool = False

    @property
    def round_trips(self) -> int:
        return sum(
            1 for req in self.requests if req.counted and not all(name in NOT_A_ROUND_TRIP for name in req.names)
        )

    def counted_requests(self) -> list:
        return [req for req in self.requests if req.counted and not all(name in NOT_A_ROUND_TRIP for name in req.names)]


class _Recorder:
    """The client's side of a trace: the round trips of every connection of one client."""

    def __init__(self):
        self.requests: list[Request] = []
        self.ports: set[int] = set()
        self.unknown_address = False

    def reset(self) -> None:
        self.requests = []


class _RecordingMixin:
    """Mixed into a redis-py connection class: records each round trip and the local port (which
    MONITOR shows as the client's address). The connection handshake (HELLO, SELECT...) is not
    recorded."""

    recorder: _Recorder  # set on the subclass made for one client (recording_client)

    def _dbwb_pending(self) -> list:
        pending = self.__dict__.get("_dbwb_names")
        if pending is None:
            pending = self.__dict__["_dbwb_names"] = []
        return pending

    def _dbwb_note(self, args) -> None:
        if not self.__dict__.get("_dbwb_handshake"):
            self._dbwb_pending().append(command_name(args))

    def _dbwb_connected(self) -> None:
        sock = getattr(self, "_sock", None)
        try:
            address = sock.getsockname() if sock is not None else None
        except OSError:
            address = None
        if isinstance(address, tuple) and len(address) >= 2:
            self.recorder.ports.add(int(address[1]))
        else:
            self.recorder.unknown_address = True

    def on_connect_check_health(self, *args, **kwargs):
        self.__dict__["_dbwb_handshake"] = True
        try:
            self._dbwb_connected()
            return super().on_connect_check_health(*args, **kwargs)
        finally:
            self.__dict__["_dbwb_handshake"] = False

    def send_command(self, *args, **kwargs):
        self._dbwb_note(args)
        return super().send_command(*args, **kwargs)

    def pack_commands(self, commands):
        commands = list(commands)
        for command in commands:
            self._dbwb_note(command)
        return super().pack_commands(commands)

    def send_packed_command(self, command, check_health=True):
        result = super().send_packed_command(command, check_health)
        if not self.__dict__.get("_dbwb_handshake"):
            pending = self._dbwb_pending()
            if pending:
                self.recorder.requests.append(Request(list(pending)))
                pending.clear()
        return result

    def read_response(self, *args, **kwargs):
        import redis as redis_py

        try:
            return super().read_response(*args, **kwargs)
        except redis_py.exceptions.NoScriptError:
            # redis-py loads the script and retries: the failed EVALSHA is not the learner's round trip
            if self.recorder.requests and not self.__dict__.get("_dbwb_handshake"):
                self.recorder.requests[-1].counted = False
            raise


def recording_client(db: int):
    """A redis-py client (str responses) on logical database ``db`` whose connections record
    what they send; returns ``(client, recorder)``."""
    import redis as redis_py

    from .. import connect, settings

    url = settings.get().redis_url
    base = (
        redis_py.UnixDomainSocketConnection
        if url.startswith("unix:")
        else (redis_py.SSLConnection if url.startswith("rediss:") else redis_py.Connection)
    )
    recorder = _Recorder()
    cls = type("RecordingConnection", (_RecordingMixin, base), {"recorder": recorder})
    r = connect.redis(db=db, decode_responses=True, connection_class=cls)
    recorder.reset()  # connect.redis pinged: not the code's round trip
    return r, recorder


_MONITOR_LINE = re.compile(r"^(?P<ts>\d+(?:\.\d+)?) \[(?P<db>\d+) (?P<addr>[^\]]*)\] (?P<rest>.*)$", re.S)
_ESCAPES = {"n": b"\n", "r": b"\r", "t": b"\t", "a": b"\a", "b": b"\b"}


def _unrepr(rest: str) -> list[str]:
    """The arguments of a MONITOR line ("set" "k" "a\\"b" ...), unescaped."""
    args, i, n = [], 0, len(rest)
    while i < n:
        if rest[i] == " ":
            i += 1
            continue
        if rest[i] != '"':
            j = rest.find(" ", i)
            j = n if j < 0 else j
            args.append(rest[i:j])
            i = j
            continue
        i += 1
        buf = bytearray()
        while i < n and rest[i] != '"':
            ch = rest[i]
            if ch == "\\" and i + 1 < n:
                esc = rest[i + 1]
                if esc == "x" and i + 3 < n:
                    try:
                        buf.append(int(rest[i + 2 : i + 4], 16))
                        i += 4
                        continue
                    except ValueError:
                        pass
                buf += _ESCAPES.get(esc, esc.encode())
                i += 2
                continue
            buf += ch.encode()
            i += 1
        i += 1
        args.append(buf.decode("utf-8", errors="replace"))
    return args


@dataclass
class _Line:
    db: int
    addr: str
    args: list

    @property
    def via(self) -> str:
        return "lua" if self.addr == "lua" else "client"

    @property
    def name(self) -> str:
        return command_name(self.args)

    def has(self, token: str) -> bool:
        return any(token in a for a in self.args)


def parse_monitor_line(line) -> _Line | None:
    if isinstance(line, bytes):
        line = line.decode("utf-8", errors="replace")
    match = _MONITOR_LINE.match(str(line))
    if not match:
        return None
    return _Line(int(match["db"]), match["addr"], _unrepr(match["rest"]))


class Monitor:
    """MONITOR on a dedicated connection, bracketed by sentinels sent on ``control``.

    ``start()`` returns once the monitor is live (its first sentinel came back); ``stop()`` sends
    the second sentinel, reads up to it and returns the parsed lines in between. The first
    sentinel is a tiny Lua script, which also tells in which order this server shows a script
    call and the commands it runs (``script_first``): Valkey shows EVAL first, Redis 7 after.
    """

    def __init__(self, control, db: int):
        self.control = control
        self.db = db
        self.token = uuid.uuid4().hex
        self.script_first = True
        self._client: Any = None  # a redis-py client and one of its connections, once started
        self._conn: Any = None

    def _read(self):
        import redis as redis_py

        try:
            return self._conn.read_response()
        except (redis_py.exceptions.TimeoutError, redis_py.exceptions.ConnectionError) as exc:
            raise Feedback(
                "The check records the commands your code sends (MONITOR) and lost its "
                f"monitor connection ({type(exc).__name__}): run the check again."
            ) from None

    def start(self) -> Monitor:
        import redis as redis_py

        from .. import connect

        self._client = connect.redis(db=self.db, decode_responses=False, socket_timeout=MONITOR_TIMEOUT)
        self._conn = self._client.connection_pool.get_connection()
        try:
            self._conn.send_command("MONITOR")
            self._conn.read_response()
        except redis_py.exceptions.ResponseError as exc:
            self.close()
            raise Feedback(
                "This check records the commands your code sends with MONITOR, and the server "
                f"refused it ({db_error_lines(exc)[0]}). Point the workbook at a server that "
                "allows MONITOR (the workbook's own servers do)."
            ) from None
        start = f"dbwb-trace-start-{self.token}"
        self.control.eval("return redis.call('ECHO', ARGV[1])", 0, start)
        seen_call = seen_lua = False
        while not (seen_call and seen_lua):
            line = parse_monitor_line(self._read())
            if line is None or not line.has(start):
                continue
            if line.via == "lua":
                seen_lua = True
                if not seen_call:
                    self.script_first = False
            else:
                seen_call = True
        return self

    def stop(self) -> list:
        end = f"dbwb-trace-end-{self.token}"
        lines = []
        try:
            self.control.echo(end)
            while True:
                line = parse_monitor_line(self._read())
                if line is None:
                    continue
                if line.via == "client" and line.has(end):
                    break
                lines.append(line)
        finally:
            self.close()
        return lines

    def close(self) -> None:
        if self._conn is not None:
            self._conn.disconnect()
            self._conn = None
        if self._client is not None:
            self._client.close()
            self._client = None


def build_trace(lines: list, *, db: int, recorder: _Recorder, script_first: bool) -> Trace:
    """Group the monitor's lines into the calls of the code's own connections on ``db``, in
    atomic blocks (see the module docstring)."""
    calls: list = []
    blocks: list = []
    open_blocks: dict = {}
    pending_lua, last_script = [], None
    ports = set(recorder.ports)
    any_client = recorder.unknown_address or not ports

    def ours(addr: str) -> bool:
        if any_client:
            return True
        port = addr.rsplit(":", 1)[-1]
        return port.isdigit() and int(port) in ports

    def new_block(kind: str) -> Block:
        block = Block(len(blocks), kind)
        blocks.append(block)
        return block

    def add(block: Block, line: _Line) -> None:
        if line.db != db:
            return
        name = line.name
        skip = 2 if " " in name and len(line.args) > 1 and " " not in line.args[0] else 1
        call = Call(name, tuple(line.args[skip:]), line.db, line.via, line.addr, block.id)
        calls.append(call)
        block.calls.append(call)

    for line in lines:
        if line.via == "lua":
            if script_first:
                if last_script is not None:
                    add(last_script, line)
            else:
                pending_lua.append(line)
            continue
        if not ours(line.addr):
            pending_lua, last_script = [], None
            continue
        name = line.name
        current = open_blocks.get(line.addr)
        if name in SCRIPT_CALLS:
            block = current or new_block("script")
            add(block, line)
            for inner in pending_lua:
                add(block, inner)
            pending_lua = []
            last_script = block if script_first else None
            continue
        pending_lua, last_script = [], None
        if name == "WATCH":
            if current is None:
                current = open_blocks[line.addr] = new_block("watch")
            add(current, line)
        elif name == "MULTI":
            if current is None:
                current = open_blocks[line.addr] = new_block("multi")
            current.kind = "multi"
            add(current, line)
        elif name in ("EXEC", "DISCARD") or (name == "UNWATCH" and current is not None and current.kind == "watch"):
            add(current or new_block("command"), line)
            open_blocks.pop(line.addr, None)
        else:
            add(current or new_block("command"), line)
    return Trace(calls, [b for b in blocks if b.calls], list(recorder.requests), monitored=True)


def parse_command(command) -> list:
    if isinstance(command, str):
        parts = shlex.split(command)
    elif isinstance(command, (list, tuple)):
        parts = list(command)
    else:
        raise Feedback(
            f'A command is a string like "SET k v" or a tuple like ("SET", "k", "v"), not {type(command).__name__}.'
        )
    if not parts:
        raise Feedback("One of your commands is empty.")
    return parts


@dataclass
class Outcome:
    """What running an answer left behind (the keys, what it returned) and how (its trace)."""

    state: dict  # key -> (type, value, ttl_ms or -1)
    returned: object
    trace: Trace | None = None


def run_answer(r, answer, who: str = "Your function") -> object:
    """Run a function or a list of commands on client ``r``; return what it returned."""
    import redis as redis_py

    if callable(answer):
        try:
            return answer(r)
        except redis_py.exceptions.ResponseError as exc:
            raise Feedback("Redis says: " + db_error_lines(exc)[0]) from None
        except Exception as exc:
            raise Feedback(f"{who} raised " + python_error_line(exc)) from None
    if isinstance(answer, str):
        answer = [answer]
    if not isinstance(answer, (list, tuple)):
        raise Feedback(
            f"Your answer should be a function def answer(r): ... or a list of commands, not {type(answer).__name__}."
        )
    reply = None
    for command in answer:
        parts = parse_command(command)
        try:
            reply = r.execute_command(*parts)
        except redis_py.exceptions.ResponseError as exc:
            shown = command if isinstance(command, str) else " ".join(map(str, command))
            raise Feedback(f"Redis says: {db_error_lines(exc)[0]} (in `{shown}`)") from None
    return reply


def read_state(r, patterns=None) -> dict:
    """Every key (matching ``patterns``) -> (type, value, ttl in ms or -1)."""
    state = {}
    for key in sorted(r.scan_iter(count=1000)):
        if patterns and not any(fnmatch.fnmatchcase(key, p) for p in patterns):
            continue
        kind = r.type(key)
        try:
            if kind == "string":
                value = r.get(key)
            elif kind == "list":
                value = r.lrange(key, 0, -1)
            elif kind == "set":
                value = set(r.smembers(key))
            elif kind == "zset":
                value = [(m, s) for m, s in r.zrange(key, 0, -1, withscores=True)]
            elif kind == "hash":
                value = r.hgetall(key)
            elif kind == "stream":
                value = [fields for _id, fields in r.xrange(key)]
                groups = r.xinfo_groups(key)
                if groups:  # consumer groups: what each delivered and what is still unacknowledged
                    value = {
                        "entries": value,
                        "groups": {
                            g["name"]: {"pending": g["pending"], "last-delivered-id": g["last-delivered-id"]}
                            for g in groups
                        },
                    }
            else:
                value = None
        except UnicodeDecodeError:
            value = "<binary>"
        state[key] = (kind, value, r.pttl(key))
    return state


def _fmt(kind, value) -> str:
    if isinstance(value, set):
        value = sorted(value)
    return f"{kind} {compare.fmt_value(value)}" if kind != "string" else compare.fmt_value(value)


def _py(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _return_difference(expected, actual, tol) -> list[str]:
    """What the answer returned, against the reference: per key for two dicts with the same keys."""
    if isinstance(expected, dict) and isinstance(actual, dict) and set(expected) == set(actual) and expected:
        lines = [
            f"Your answer's {key!r} is {_py(actual[key])}; expected {_py(expected[key])}."
            for key in expected
            if not compare.close(compare.canon(expected[key]), compare.canon(actual[key]), tol)
        ]
        if lines:
            return lines
    return [f"Your answer returned {_py(actual)}; expected {_py(expected)}."]


def _seconds(ttl_ms: int) -> str:
    return f"{ttl_ms / 1000:.0f} s" if ttl_ms >= 10_000 else f"{ttl_ms / 1000:.1f} s"


def compare_states(
    expected: dict, actual: dict, *, ttl=True, tol=compare.DEFAULT_TOLERANCE, ttl_tolerance: float | None = None
) -> list[str]:
    """What differs between two states. ``ttl_tolerance`` (seconds): compare the TTLs' values too."""
    lines = []
    missing = [k for k in expected if k not in actual]
    extra = [k for k in actual if k not in expected]
    if missing:
        lines += compare.listing(
            "Missing keys", [f"{k} = {_fmt(*expected[k][:2])}" for k in missing[: compare.SHOW]], len(missing)
        )
    if extra:
        lines += compare.listing(
            "Unexpected keys", [f"{k} = {_fmt(*actual[k][:2])}" for k in extra[: compare.SHOW]], len(extra)
        )
    wrong = []
    for key in (k for k in expected if k in actual):
        (e_kind, e_val, e_ttl), (a_kind, a_val, a_ttl) = expected[key], actual[key]
        if e_kind != a_kind:
            wrong.append(f"{key} is a {a_kind}; expected a {e_kind}.")
        elif not compare.close(compare.canon(e_val), compare.canon(a_val), tol):
            wrong.append(f"{key} is {_fmt(a_kind, a_val)}; expected {_fmt(e_kind, e_val)}.")
        elif ttl and e_ttl >= 0 and a_ttl < 0:
            wrong.append(f"{key} has no TTL: it must expire.")
        elif ttl and e_ttl < 0 and a_ttl >= 0:
            wrong.append(f"{key} expires (it has a TTL); it should be persistent.")
        elif ttl and ttl_tolerance is not None and e_ttl >= 0 and abs(e_ttl - a_ttl) > ttl_tolerance * 1000:
            wrong.append(f"{key} expires in {_seconds(a_ttl)}; expected {_seconds(e_ttl)}.")
    if wrong:
        lines += wrong[: compare.SHOW] + (
            [f"... and {len(wrong) - compare.SHOW} more keys differ."] if len(wrong) > compare.SHOW else []
        )
    return lines


@dataclass
class Scenario:
    """A starting state in which a bug shows: ``setup`` runs after the task's own ``setup``."""

    name: str
    setup: object = None
    expect: list = field(default_factory=list)

    @classmethod
    def of(cls, item) -> Scenario:
        if isinstance(item, Scenario):
            return item
        if isinstance(item, (tuple, list)) and len(item) in (2, 3) and isinstance(item[0], str):
            return cls(item[0], item[1], list(item[2]) if len(item) == 3 else [])
        raise AuthorError(f"a scenario is (name, setup) or (name, setup, [predicates]), not {item!r}")


def _is_behaviour(predicate) -> bool:
    return bool(getattr(predicate, "behaviour", False))


@dataclass(kw_only=True, repr=False)
class RedisTask(Exercise):
    """Run the answer on a clean database; its keys must match the reference's (and ``expect``),
    and it must behave as the behaviour predicates say, in every scenario."""

    db: int | None = None  # default: the notebook's logical database NN
    setup: object = None  # commands or a function setup(r): the starting state
    expect: list = field(default_factory=list)
    behaviour: list = field(default_factory=list)  # atomic/never/uses/max_round_trips (also allowed in expect)
    scenarios: list = field(default_factory=list)  # (name, setup[, predicates]): reruns in states that expose bugs
    keys: str | list | None = None  # glob(s) of the keys compared (default: every key)
    compare_state: bool = True
    compare_ttl: bool = True
    ttl_tolerance: float | None = None  # seconds: also compare the TTLs' values (None: only present or not)
    compare_return: bool = False
    tolerance: float = compare.DEFAULT_TOLERANCE

    kind = "redis"
    answer_noun = "Redis commands"

    @property
    def redis_db(self) -> int:
        if self.db is not None:
            return int(self.db)
        if not self.notebook.isdigit():
            raise AuthorError(f"exercise {self.id}: declare db= (its id names no notebook)")
        from ..settings import notebook_redis_db

        return notebook_redis_db(self.notebook)

    def _patterns(self):
        if self.keys is None:
            return None
        return [self.keys] if isinstance(self.keys, str) else list(self.keys)

    def _behaviour(self) -> list:
        return list(self.behaviour) + [p for p in self.expect if _is_behaviour(p)]

    def _needs_monitor(self) -> bool:
        predicates = self._behaviour() + [p for s in self.scenarios for p in Scenario.of(s).expect]
        return any(getattr(p, "needs_monitor", False) for p in predicates)

    def _run_clean(
        self, control, answer, author: bool, scenario: Scenario | None = None, monitor: bool = False
    ) -> Outcome:
        control.flushdb()
        setups = [("setup", self.setup)]
        if scenario is not None:
            setups.append((f"the setup of scenario {scenario.name!r}", scenario.setup))
        for where, setup in setups:
            if setup is None:
                continue
            try:
                run_answer(control, setup, who=where)
            except Feedback as exc:
                raise AuthorError(f"{where} failed: " + exc.lines[0]) from None
        db = self.redis_db
        r, recorder = recording_client(db)
        watcher = None
        try:
            if monitor:
                watcher = Monitor(control, db).start()
            try:
                returned = run_answer(r, answer, who="The reference solution" if author else "Your function")
            except Feedback as exc:
                if author:
                    raise AuthorError(*exc.lines) from None
                raise
            finally:
                lines = watcher.stop() if watcher is not None else None
        finally:
            if watcher is not None:
                watcher.close()
            r.close()
        if lines is None:
            trace = Trace([], [], list(recorder.requests))
        else:
            trace = build_trace(lines, db=db, recorder=recorder, script_first=watcher is None or watcher.script_first)
        return Outcome(read_state(control, self._patterns()), returned, trace)

    def _compare(self, reference: Outcome, outcome: Outcome, predicates: list) -> list[str]:
        lines = []
        if self.compare_state:
            lines += compare_states(
                reference.state,
                outcome.state,
                ttl=self.compare_ttl,
                tol=self.tolerance,
                ttl_tolerance=self.ttl_tolerance,
            )
        if self.compare_return and not compare.close(
            compare.canon(reference.returned), compare.canon(outcome.returned), self.tolerance
        ):
            lines += _return_difference(reference.returned, outcome.returned, self.tolerance)
        for predicate in predicates:
            problem = predicate.verify(outcome)
            if problem and problem not in lines:
                lines.append(problem)
        return lines

    def _evaluate(self, answer) -> list[str]:
        db = self.redis_db
        control = client(db)
        raw = client(db, decode=False)
        saved = _save(raw, db)
        behaviour = self._behaviour()
        state_predicates = [p for p in self.expect if not _is_behaviour(p)]
        monitor = self._needs_monitor()
        runs = [None] + [Scenario.of(s) for s in self.scenarios]
        try:
            for scenario in runs:
                reference = self._run_clean(control, self.reference, True, scenario, monitor)
                for predicate in behaviour:
                    problem = predicate.verify(reference)
                    if problem:
                        where = f" (scenario {scenario.name!r})" if scenario else ""
                        raise AuthorError(f"The reference fails its own behaviour check{where}: {problem}")
                outcome = self._run_clean(control, answer, False, scenario, monitor)
                predicates = behaviour + (state_predicates if scenario is None else list(scenario.expect))
                lines = self._compare(reference, outcome, predicates)
                if lines:
                    if scenario is not None:
                        lines = [
                            f"In the scenario “{scenario.name}” (the check reran your code from that starting state):"
                        ] + ["  " + line for line in lines]
                    return lines
        finally:
            _restore(raw, saved)
            control.close()
            raw.close()
        return []


def _save(raw, db) -> list:
    keys = []
    for key in raw.scan_iter(count=1000):
        keys.append(key)
        if len(keys) > MAX_SAVED_KEYS:
            raise AuthorError(
                f"Redis db {db} holds more than {MAX_SAVED_KEYS:,} keys; a check empties "
                "and restores its database: declare a db= the exercise owns."
            )
    if not keys:
        return []
    pipe = raw.pipeline(transaction=False)
    for key in keys:
        pipe.dump(key)
        pipe.pttl(key)
    replies = pipe.execute()
    return [(k, replies[2 * i], replies[2 * i + 1]) for i, k in enumerate(keys) if replies[2 * i] is not None]


def _restore(raw, saved) -> None:
    raw.flushdb()
    if not saved:
        return
    pipe = raw.pipeline(transaction=False)
    for key, data, ttl in saved:
        pipe.restore(key, ttl if ttl and ttl > 0 else 0, data, replace=True)
    pipe.execute()


# --------------------------------------------------------------------------- predicates
@dataclass
class expires:
    """``key`` must exist and have a TTL (between ``min`` and ``max`` seconds when given)."""

    key: str
    min: float | None = None
    max: float | None = None

    def verify(self, outcome: Outcome) -> str | None:
        if self.key not in outcome.state:
            return f"Key {self.key} does not exist."
        ttl_ms = outcome.state[self.key][2]
        if ttl_ms < 0:
            return f"{self.key} has no TTL: it must expire."
        ttl = ttl_ms / 1000
        if self.min is not None and ttl < self.min - 1:
            return f"{self.key} expires too soon (TTL about {round(ttl)} s; expected at least {self.min:g} s)."
        if self.max is not None and ttl > self.max:
            return f"{self.key} expires too late (TTL about {round(ttl)} s; expected at most {self.max:g} s)."
        return None


@dataclass
class persistent:
    """``key`` must exist and have no TTL."""

    key: str

    def verify(self, outcome: Outcome) -> str | None:
        if self.key not in outcome.state:
            return f"Key {self.key} does not exist."
        if outcome.state[self.key][2] >= 0:
            return f"{self.key} expires (it has a TTL); it should be persistent."
        return None


@dataclass
class key_is:
    """``key`` holds ``value`` (and is of ``type`` when given)."""

    key: str
    value: object
    type: str | None = None

    def verify(self, outcome: Outcome) -> str | None:
        if self.key not in outcome.state:
            return f"Key {self.key} does not exist."
        kind, value, _ttl = outcome.state[self.key]
        if self.type and kind != self.type:
            return f"{self.key} is a {kind}; expected a {self.type}."
        if not compare.close(compare.canon(value), compare.canon(self.value), compare.DEFAULT_TOLERANCE):
            return f"{self.key} is {_fmt(kind, value)}; expected {compare.fmt_value(self.value)}."
        return None


@dataclass
class returns:
    """The answer returns ``value`` (a function's return value; a command list's last reply)."""

    value: object

    def verify(self, outcome: Outcome) -> str | None:
        if compare.close(compare.canon(outcome.returned), compare.canon(self.value), compare.DEFAULT_TOLERANCE):
            return None
        return f"Your answer returned {_py(outcome.returned)}; expected {_py(self.value)}."


@dataclass
class redis_holds:
    """``test(state, returned)`` is true; ``message`` says what is wrong otherwise."""

    test: Callable[..., Any]
    message: str

    def verify(self, outcome: Outcome) -> str | None:
        try:
            return None if self.test(outcome.state, outcome.returned) else self.message
        except Exception as exc:
            return f"{self.message} ({python_error_line(exc)})"


# --------------------------------------------------------------------------- behaviour predicates
@dataclass(frozen=True)
class _Spec:
    """A command as a predicate names it: ``"EXPIRE NX"`` (family EXPIRE, argument NX present);
    a tuple of such strings means any of them."""

    alternatives: tuple  # ((frozenset of names, tuple of required arguments), ...)
    label: str

    @classmethod
    def parse(cls, spec) -> _Spec:
        items = [spec] if isinstance(spec, str) else list(spec)
        if not items or not all(isinstance(item, str) and item.split() for item in items):
            raise AuthorError(f'a command in a behaviour predicate is a string like "EXPIRE NX", not {spec!r}')
        alternatives, labels = [], []
        for item in items:
            words = item.upper().split()
            if words[0] in CONTAINER_COMMANDS and len(words) > 1:
                name, flags = f"{words[0]} {words[1]}", tuple(words[2:])
            else:
                name, flags = words[0], tuple(words[1:])
            alternatives.append((FAMILY.get(name, frozenset([name])), flags))
            labels.append(name + (" with " + " ".join(flags) if flags else ""))
        return cls(tuple(alternatives), " or ".join(labels))

    @property
    def name_label(self) -> str:
        return self.label.split(" with ")[0] if len(self.alternatives) == 1 else self.label

    def matches(self, call: Call) -> bool:
        upper_args = {str(a).upper() for a in call.args}
        return any(
            call.name in names and all(flag in upper_args for flag in flags) for names, flags in self.alternatives
        )

    def same_command(self, call: Call) -> bool:
        return any(call.name in names for names, _flags in self.alternatives)


def _need_trace(outcome: Outcome, what: str):
    trace = outcome.trace
    if trace is None or not trace.monitored:
        raise AuthorError(f"{what} needs the command trace: this check ran without MONITOR")
    return trace


def _join_and(labels: list) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def _finish(text: str, why: str) -> str:
    text = text + (f": {why.strip()}" if why and why.strip() else "")
    return text if text.endswith((".", "!", "?")) else text + "."


class atomic:
    """These commands ran in one atomic step: one MULTI/EXEC (optionally after WATCH), one
    EVAL/EVALSHA/FCALL, or only one of them, alone, as a single command. Repeating the step is fine
    (two MULTI blocks that each hold INCR and EXPIRE); what fails is a step that holds some of the
    named commands (among those the code sent) without the others, unless it is a script or a
    WATCH that never reached EXEC (they may branch: a release script that finds someone else's
    token only reads)."""

    behaviour = True
    needs_monitor = True

    def __init__(self, *commands, why: str = ""):
        if not commands:
            raise AuthorError("atomic() needs the commands that must run together")
        self.commands = commands
        self.specs = [_Spec.parse(c) for c in commands]
        self.why = why

    def __repr__(self) -> str:
        return f"atomic({', '.join(map(repr, self.commands))})"

    def verify(self, outcome: Outcome) -> str | None:
        trace = _need_trace(outcome, "atomic()")
        hits = []
        for call in trace.calls:
            matched = {i for i, spec in enumerate(self.specs) if spec.matches(call)}
            if matched:
                hits.append((call, matched))
        seen = set().union(*(m for _c, m in hits)) if hits else set()
        if len(seen) < 2:
            return None
        kinds = {b.id: b.kind for b in trace.blocks}
        split = False
        for block_id in dict.fromkeys(call.block for call, _m in hits):
            if kinds.get(block_id) in ("script", "watch"):
                continue  # a script (or a WATCH that ended without EXEC) may branch and skip a command
            inside = set().union(*(m for call, m in hits if call.block == block_id))
            if inside != seen:
                split = True
                break
        if not split:
            return None
        steps = list(dict.fromkeys(call.block for call, _m in hits))
        noun = "commands" if all(kinds.get(b) == "command" for b in steps) else "steps"
        labels = []
        for i in sorted(seen):
            spec = self.specs[i]
            sent = next(call.name for call, m in hits if i in m)
            if len(spec.alternatives) == 1 and (sent == spec.name_label or sent in REDIS_PY_SPELLINGS):
                labels.append(spec.name_label)  # INCR, though redis-py's incr() sends INCRBY key 1
            else:  # name the command the code really sent (PEXPIRE, LPOP...)
                labels.append(sent)
        names = _join_and(labels)
        shown = " · ".join(f"`{call}`" for call, _m in hits[:6]) + (" · ..." if len(hits) > 6 else "")
        return _finish(f"{names} ran as {_word(len(steps))} separate {noun} ({shown})", self.why)


class _CommandRule:
    """What ``never`` and ``uses`` share: one command spec (a name, arguments, or a tuple of
    alternatives) judged against the trace of what the answer sent."""

    behaviour = True
    needs_monitor = True

    def __init__(self, command, why: str = ""):
        self.command = command
        self.spec = _Spec.parse(command)
        self.why = why

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.command!r})"


class never(_CommandRule):
    """The code never sent this command (nor did a script it ran)."""

    def verify(self, outcome: Outcome) -> str | None:
        trace = _need_trace(outcome, "never()")
        hits = [call for call in trace.calls if self.spec.matches(call)]
        if not hits:
            return None
        where = " inside a Lua script" if hits[0].via == "lua" else ""
        more = f", {len(hits)} times" if len(hits) > 1 else ""
        return _finish(f"Your code sent {self.spec.label} (`{hits[0]}`{where}{more})", self.why)


class uses(_CommandRule):
    """The code sent this command at least once (words after the name: arguments that must be
    present, e.g. ``uses("EXPIRE NX")``; a tuple: any of them)."""

    def verify(self, outcome: Outcome) -> str | None:
        trace = _need_trace(outcome, "uses()")
        if any(self.spec.matches(call) for call in trace.calls):
            return None
        near = [call for call in trace.calls if self.spec.same_command(call)]
        if near:
            return _finish(f"Your code sent `{near[0]}` but never {self.spec.label}", self.why)
        return _finish(f"Your code never sent {self.spec.label}", self.why)


class max_round_trips:
    """At most ``n`` round trips between the code and the server (a pipeline is one)."""

    behaviour = True
    needs_monitor = False

    def __init__(self, n: int, why: str = ""):
        self.n = int(n)
        self.why = why

    def __repr__(self) -> str:
        return f"max_round_trips({self.n})"

    def verify(self, outcome: Outcome) -> str | None:
        trace = outcome.trace
        if trace is None:
            raise AuthorError("max_round_trips() needs the client's trace")
        requests = trace.counted_requests()
        if len(requests) <= self.n:
            return None
        shown = " · ".join("+".join(req.names[:3]) + ("+..." if len(req.names) > 3 else "") for req in requests[:5])
        more = " · ..." if len(requests) > 5 else ""
        trips = "round trip" if self.n == 1 else "round trips"
        return _finish(
            f"Your code made {len(requests)} round trips to the server ({shown}{more}); "
            f"at most {self.n} {trips} expected",
            self.why,
        )
