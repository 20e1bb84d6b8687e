"""The setup cell of every notebook: connect, verify the dataset, reset what the notebook owns.

    import dbworkbook as wb
    nb = wb.setup("03", postgres=True, mongo=False, redis=False)

Notebook ``NN`` owns, and resets on every run, only:
  * PostgreSQL schema ``nbNN`` (its connections use ``search_path = nbNN, public``),
  * MongoDB collections named ``nbNN_*`` in the ``workbook`` database,
  * Redis logical database ``NN`` (notebook 00: database 12; the seeded keys live in database 0).
Seeded data (PostgreSQL schema ``public``, MongoDB collections without a prefix, Redis db 0,
the SQLite file) is only read, never changed, so notebooks run in any order, twice in a row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from . import connect
from . import settings as _settings


@dataclass
class Lesson:
    """What a notebook's setup cell returns: its clients and its own namespace."""

    number: str
    uses: tuple
    cfg: _settings.Settings
    summary: dict = field(default_factory=dict)

    @property
    def schema(self) -> str:
        return f"nb{self.number}"

    @property
    def prefix(self) -> str:
        return f"nb{self.number}_"

    @property
    def redis_db(self) -> int:
        return _settings.notebook_redis_db(self.number)

    @property
    def now(self):
        """The dataset's fixed "now": use it instead of the wall clock so outputs are stable."""
        from .datasets import NOW

        return NOW

    # ---- clients (created on first use) ----
    @cached_property
    def pg(self):
        """psycopg connection (autocommit) with search_path = nbNN, public."""
        return self.pg_connect()

    def pg_connect(self, autocommit: bool = True, **kwargs):
        """A new psycopg connection with this notebook's search_path (close it when done).

        Automatic server-side preparation is off (``prepare_threshold=None``): psycopg would
        otherwise prepare a statement run five times and keep its plan, so a lesson that changes
        a planner setting or adds an index and re-runs the same query would measure the old plan.
        """
        kwargs.setdefault("prepare_threshold", None)
        return connect.postgres(autocommit=autocommit, options=f"-c search_path={self.schema},public", **kwargs)

    # ---- PostgreSQL shortcuts (dbworkbook.lessons.postgres, on this notebook's connection) ----
    def rows(self, sql, params=None, conn=None) -> list[tuple]:
        """Run a query on ``nb.pg`` (or ``conn``) and return its rows as a list of tuples."""
        from .lessons import postgres

        return postgres.rows(conn or self.pg, sql, params)

    def value(self, sql, params=None, conn=None):
        """Run a query on ``nb.pg`` (or ``conn``) and return the first column of its first row (None: no row)."""
        from .lessons import postgres

        return postgres.value(conn or self.pg, sql, params)

    def df(self, sql, params=None, conn=None):
        """Run a query on ``nb.pg`` (or ``conn``) and return its rows as a pandas DataFrame."""
        from .lessons import postgres

        return postgres.df(conn or self.pg, sql, params)

    def vacuum(self, table: str, analyze: bool = False) -> int:
        """VACUUM ``table`` on ``nb.pg`` until every page is all-visible (see lessons.postgres.vacuum)."""
        from .lessons import postgres

        return postgres.vacuum(self.pg, table, analyze=analyze)

    @cached_property
    def engine(self):
        """SQLAlchemy engine with this notebook's search_path (pandas.read_sql, %sql)."""
        return connect.engine(schema=self.schema)

    @cached_property
    def db(self):
        """The MongoDB database ``workbook`` (seeded collections + this notebook's nbNN_*)."""
        return connect.mongo()

    def col(self, name: str):
        """This notebook's own MongoDB collection ``nbNN_<name>``."""
        return self.db[self.prefix + name]

    @cached_property
    def r(self):
        """redis-py client on this notebook's logical database NN."""
        return connect.redis(db=self.redis_db)

    @cached_property
    def seeded_redis(self):
        """redis-py client on database 0, where the seeded keys live (read it, don't change it)."""
        return connect.redis(db=0)

    @cached_property
    def lite(self):
        return connect.sqlite()

    # ---- what the servers are (ask them, never guess from the backend's name) ----
    @cached_property
    def pg_version(self) -> int:
        """PostgreSQL's ``server_version_num`` (180006 for 18.6): version-specific lessons test it."""
        return server_facts().pg_version(self.pg)

    @cached_property
    def redis_version(self) -> tuple:
        """The Redis-protocol server's version as a tuple, e.g. (9, 1, 2); see ``redis_flavour``."""
        return server_facts().redis_version(self.r)

    @cached_property
    def redis_flavour(self) -> str:
        """'valkey' or 'redis' (Valkey reports ``server_name:valkey`` in INFO server)."""
        return server_facts().redis_flavour(self.r)

    @cached_property
    def mongo_embedded(self) -> bool:
        """True when the MongoDB server is the embedded SecantusDB (its buildInfo says so)."""
        return server_facts().mongo_embedded(self.db)

    # ---- resets ----
    def reset(self) -> None:
        """Drop and recreate everything this notebook owns (and nothing else)."""
        if "postgres" in self.uses:
            with connect.postgres() as conn:
                conn.execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
                conn.execute(f"CREATE SCHEMA {self.schema}")
        if "mongo" in self.uses:
            for name in self.db.list_collection_names():
                if name.startswith(self.prefix):
                    self.db.drop_collection(name)
        if "redis" in self.uses:
            self.r.flushdb()


def server_facts():
    from . import servers_info

    return servers_info


def setup(
    number,
    postgres: bool = True,
    mongo: bool = False,
    redis: bool = False,
    sqlite: bool = False,
    sql_magic: bool | None = None,
    reset: bool = True,
    quiet: bool = False,
) -> Lesson:
    """Connect, verify the seeded dataset, reset this notebook's own objects, print one line."""
    number = f"{int(number):02d}" if str(number).isdigit() else str(number)
    if not re.fullmatch(r"\d\d", number):
        raise ValueError("setup() takes the notebook's two-digit number, e.g. setup('03')")
    uses = tuple(n for n, on in (("postgres", postgres), ("mongo", mongo), ("redis", redis), ("sqlite", sqlite)) if on)
    cfg = _settings.get()
    from . import datasets

    try:
        datasets.ensure_seeded(databases=uses, quiet=True)
    except datasets.StateProblem as exc:
        # One paragraph saying what happened and what to run (the exception renders as that
        # paragraph in a notebook), not a traceback through the package's internals.
        raise exc.with_traceback(None) from None
    lesson = Lesson(number=number, uses=uses, cfg=cfg, summary=datasets.summary())
    if reset:
        lesson.reset()
    if sql_magic or (sql_magic is None and postgres):
        connect.sql_magic(schema=lesson.schema)
    if not quiet:
        print(_ready_line(lesson))
    return lesson


def _ready_line(lesson: Lesson) -> str:
    parts = []
    versions = connect.versions(lesson.uses)
    for name in lesson.uses:
        parts.append(versions[name])
    s = lesson.summary
    data = f"dataset {s.get('scale', '?')}"
    if "users" in s:
        data += f" · {s['users']:,} users"
    if "posts" in s:
        data += f" · {s['posts']:,} posts"
    return " · ".join(parts) + f" ready · {data} · notebook {lesson.number} owns " + ", ".join(_owned(lesson))


def _owned(lesson: Lesson) -> list[str]:
    out = []
    if "postgres" in lesson.uses:
        out.append(f"schema {lesson.schema}")
    if "mongo" in lesson.uses:
        out.append(f"collections {lesson.prefix}*")
    if "redis" in lesson.uses:
        out.append(f"Redis db {lesson.redis_db}")
    return out or ["nothing"]
