"""Redis exercises: run the learner's commands on a clean database, compare the keys they leave.

    RedisTask(id="08.1", title="...", task="...",
              setup=["RPUSH queue a b c"],                 # the starting state (optional)
              reference=["SET user:1:name Ada", "EXPIRE user:1:name 60"],
              # or: reference=answer_function  where  def answer(r): r.set(...); return ...
              expect=[expires("user:1:name")],             # extra predicates (optional)
              keys="user:*",                               # compare only these keys (default all)
              compare_ttl=True, compare_return=False)

An answer is a function ``answer(r)`` (``r`` is a redis-py client on the exercise's database,
responses decoded to str) or a list of commands, each a string (``"SET k v"``, quoted like a
shell: ``'SET greeting "hello world"'``) or a tuple (``("SET", "k", "v")``).

The check runs in the notebook's own logical database (``db=``, default NN): it saves what is
there (DUMP), empties it, runs ``setup`` then the reference, records the keys; empties it again,
runs ``setup`` then the answer, records the keys; and finally puts the saved keys back
(RESTORE with their TTLs), so the lesson's own keys survive a check. After the check the
learner's answer state is not kept: the saved state is restored.
"""
from __future__ import annotations

import fnmatch
import shlex
from dataclasses import dataclass, field

from . import compare
from .core import AuthorError, Exercise, Feedback, db_error_lines, python_error_line

MAX_SAVED_KEYS = 50_000


def client(db: int, decode: bool = True):
    """A redis-py client on logical database ``db`` of the workbook's Redis (a clear
    ConnectionFailed message when the server is down)."""
    from .. import connect

    return connect.redis(db=db, decode_responses=decode)


def parse_command(command) -> list:
    if isinstance(command, str):
        parts = shlex.split(command)
    elif isinstance(command, (list, tuple)):
        parts = list(command)
    else:
        raise Feedback(f"A command is a string like \"SET k v\" or a tuple like (\"SET\", \"k\", \"v\"), "
                       f"not {type(command).__name__}.")
    if not parts:
        raise Feedback("One of your commands is empty.")
    return parts


@dataclass
class Outcome:
    """What running an answer left behind: the keys and what the answer returned."""

    state: dict      # key -> (type, value, ttl_ms or -1)
    returned: object


def run_answer(r, answer, who: str = "Your function") -> object:
    """Run a function or a list of commands on client ``r``; return what it returned."""
    import redis as redis_py

    if callable(answer):
        try:
            return answer(r)
        except redis_py.exceptions.ResponseError as exc:
            raise Feedback("Redis says: " + db_error_lines(exc)[0]) from None
        except Exception as exc:  # noqa: BLE001 - the learner's code
            raise Feedback(f"{who} raised " + python_error_line(exc)) from None
    if isinstance(answer, str):
        answer = [answer]
    if not isinstance(answer, (list, tuple)):
        raise Feedback(f"Your answer should be a function def answer(r): ... or a list of commands, "
                       f"not {type(answer).__name__}.")
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


def compare_states(expected: dict, actual: dict, *, ttl=True, tol=compare.DEFAULT_TOLERANCE) -> list[str]:
    lines = []
    missing = [k for k in expected if k not in actual]
    extra = [k for k in actual if k not in expected]
    if missing:
        lines += compare.listing("Missing keys", [f"{k} = {_fmt(*expected[k][:2])}" for k in missing[:compare.SHOW]], len(missing))
    if extra:
        lines += compare.listing("Unexpected keys", [f"{k} = {_fmt(*actual[k][:2])}" for k in extra[:compare.SHOW]], len(extra))
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
    if wrong:
        lines += wrong[:compare.SHOW] + ([f"... and {len(wrong) - compare.SHOW} more keys differ."]
                                         if len(wrong) > compare.SHOW else [])
    return lines


@dataclass(kw_only=True, repr=False)
class RedisTask(Exercise):
    """Run the answer on a clean database; its keys must match the reference's (and ``expect``)."""

    db: int | None = None               # default: the notebook's logical database NN
    setup: object = None                # commands or a function setup(r): the starting state
    expect: list = field(default_factory=list)
    keys: str | list | None = None      # glob(s) of the keys compared (default: every key)
    compare_state: bool = True
    compare_ttl: bool = True
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

    def _run_clean(self, r, answer, author: bool) -> Outcome:
        r.flushdb()
        if self.setup is not None:
            try:
                run_answer(r, self.setup, who="setup")
            except Feedback as exc:
                raise AuthorError("setup failed: " + exc.lines[0]) from None
        try:
            returned = run_answer(r, answer, who="The reference solution" if author else "Your function")
        except Feedback as exc:
            if author:
                raise AuthorError(*exc.lines) from None
            raise
        return Outcome(read_state(r, self._patterns()), returned)

    def _evaluate(self, answer) -> list[str]:
        db = self.redis_db
        r = client(db)
        raw = client(db, decode=False)
        saved = _save(raw, db)
        try:
            reference = self._run_clean(r, self.reference, author=True)
            outcome = self._run_clean(r, answer, author=False)
        finally:
            _restore(raw, saved)
            r.close()
            raw.close()
        lines = []
        if self.compare_state:
            lines += compare_states(reference.state, outcome.state, ttl=self.compare_ttl, tol=self.tolerance)
        if self.compare_return and not compare.close(compare.canon(reference.returned),
                                                     compare.canon(outcome.returned), self.tolerance):
            lines.append(f"Your answer returned {_py(outcome.returned)}; expected {_py(reference.returned)}.")
        for predicate in self.expect:
            problem = predicate.verify(outcome)
            if problem and problem not in lines:
                lines.append(problem)
        return lines


def _save(raw, db) -> list:
    keys = []
    for key in raw.scan_iter(count=1000):
        keys.append(key)
        if len(keys) > MAX_SAVED_KEYS:
            raise AuthorError(f"Redis db {db} holds more than {MAX_SAVED_KEYS:,} keys; a check empties "
                              "and restores its database: declare a db= the exercise owns.")
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
class expires:  # noqa: N801
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
class persistent:  # noqa: N801
    """``key`` must exist and have no TTL."""

    key: str

    def verify(self, outcome: Outcome) -> str | None:
        if self.key not in outcome.state:
            return f"Key {self.key} does not exist."
        if outcome.state[self.key][2] >= 0:
            return f"{self.key} expires (it has a TTL); it should be persistent."
        return None


@dataclass
class key_is:  # noqa: N801
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
class returns:  # noqa: N801
    """The answer returns ``value`` (a function's return value; a command list's last reply)."""

    value: object

    def verify(self, outcome: Outcome) -> str | None:
        if compare.close(compare.canon(outcome.returned), compare.canon(self.value), compare.DEFAULT_TOLERANCE):
            return None
        return f"Your answer returned {_py(outcome.returned)}; expected {_py(self.value)}."


@dataclass
class redis_holds:  # noqa: N801
    """``test(state, returned)`` is true; ``message`` says what is wrong otherwise."""

    test: object
    message: str

    def verify(self, outcome: Outcome) -> str | None:
        try:
            return None if self.test(outcome.state, outcome.returned) else self.message
        except Exception as exc:  # noqa: BLE001
            return f"{self.message} ({python_error_line(exc)})"
