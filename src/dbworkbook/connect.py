"""One client per database, the same whatever the backend (embedded, docker or external).

from dbworkbook import connect
pg = connect.postgres()        # psycopg 3 connection (autocommit by default)
engine = connect.engine()      # SQLAlchemy 2 engine (pandas.read_sql, jupysql)
db = connect.mongo()           # pymongo Database "workbook"
r = connect.redis()            # redis-py client, str responses
lite = connect.sqlite()        # sqlite3 connection to the workbook's SQLite file
connect.sql_magic()            # load %sql / %%sql, quiet, connected to PostgreSQL
"""

from __future__ import annotations

import sqlite3
from functools import lru_cache

from . import settings as _settings


class ConnectionFailed(RuntimeError):
    """A database did not answer; the message says what to do."""


def _hint(cfg: _settings.Settings, what: str) -> str:
    if cfg.backend == "embedded":
        return f"Is it running? Start the servers with `make up` (or `python -m dbworkbook up`), then re-run this cell. `make status` shows what runs; `make logs` shows why {what} did not start."
    if cfg.backend == "docker":
        return "Is the container up? Run `make docker-up` (needs a Docker engine), then re-run this cell."
    return f"Check the URL in the environment ({_settings.URL_VARS[what]}) and that the server accepts connections."


def _where(url: str) -> str:
    """host:port of a URL, without its credentials: what a "did not answer" message names (the
    external backend's servers are wherever its URLs say, not 127.0.0.1)."""
    from urllib.parse import urlsplit

    netloc = urlsplit(url).netloc.rsplit("@", 1)[-1]
    return netloc or url.split("?", 1)[0]


def postgres(autocommit: bool = True, **kwargs):
    """A new psycopg connection to the workbook database. Close it (or use ``with``) when done."""
    import psycopg

    cfg = _settings.get()
    try:
        return psycopg.connect(cfg.postgres_url(), autocommit=autocommit, connect_timeout=5, **kwargs)
    except psycopg.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConnectionFailed(
            f"PostgreSQL at {_where(cfg.postgres_url())} did not answer ({first}). {_hint(cfg, 'postgres')}"
        ) from None


@lru_cache(maxsize=16)
def _engine(url: str, schema: str | None):
    import sqlalchemy

    connect_args = {"options": f"-c search_path={schema},public"} if schema else {}
    return sqlalchemy.create_engine(url, pool_pre_ping=True, pool_size=2, max_overflow=2, connect_args=connect_args)


def engine(schema: str | None = None):
    """A shared SQLAlchemy engine on the workbook database (psycopg 3 driver).

    With ``schema``, its connections use ``search_path = <schema>, public``.
    """
    return _engine(_settings.get().postgres_url("postgresql+psycopg"), schema)


@lru_cache(maxsize=4)
def _mongo_client(url: str):
    import pymongo

    return pymongo.MongoClient(url, serverSelectionTimeoutMS=5000, tz_aware=True)


def mongo_client():
    """The shared pymongo MongoClient (thread-safe, pooled: reuse it)."""
    return _mongo_client(_settings.get().mongo_url)


def mongo(database: str = _settings.MONGO_DATABASE, check: bool = True):
    """The workbook's MongoDB database (pymongo ``Database``)."""
    import pymongo.errors

    client = mongo_client()
    if check:
        try:
            client.admin.command("ping")
        except pymongo.errors.PyMongoError as exc:
            cfg = _settings.get()
            raise ConnectionFailed(
                f"MongoDB at {_where(cfg.mongo_url)} did not answer ({type(exc).__name__}). {_hint(cfg, 'mongo')}"
            ) from None
    return client[database]


def redis(db: int | None = None, decode_responses: bool = True, **kwargs):
    """A redis-py client (responses decoded to str unless asked otherwise).

    ``db`` selects the logical database (the URL's own, usually 0, by default). redis-py lets a
    database number in the URL path win over a ``db=`` argument, so the path is rewritten here.
    """
    from urllib.parse import urlsplit, urlunsplit

    import redis as redis_py

    cfg = _settings.get()
    url = cfg.redis_url
    if db is not None:
        parts = urlsplit(url)
        url = urlunsplit((parts.scheme, parts.netloc, f"/{int(db)}", parts.query, parts.fragment))
    client = redis_py.Redis.from_url(url, decode_responses=decode_responses, **kwargs)
    try:
        client.ping()
    except redis_py.exceptions.ConnectionError as exc:
        raise ConnectionFailed(f"Redis at {_where(url)} did not answer ({exc}). {_hint(cfg, 'redis')}") from None
    return client


def sqlite(path=None) -> sqlite3.Connection:
    """A connection to the workbook's SQLite file (created by ``make seed``)."""
    cfg = _settings.get()
    target = path or cfg.sqlite_path
    if target != ":memory:":
        from pathlib import Path

        Path(target).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(target)
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def sql_magic(ip=None, alias: str = "postgres", schema: str | None = None) -> None:
    """Load jupysql's %sql / %%sql in this notebook, quiet and connected to PostgreSQL.

    Quiet means: no connection banner, no "N rows affected" lines, and named parameters
    (``:name``) enabled so a query can use notebook variables safely.
    """
    if ip is None:
        from IPython import get_ipython

        ip = get_ipython()
    if ip is None:
        raise RuntimeError("sql_magic() works inside a notebook or IPython shell")
    from IPython.utils.capture import capture_output

    # jupysql's loader prints tips about config files (pyproject.toml, ~/.jupysql/config);
    # the workbook configures it here instead, so those messages are swallowed.
    with capture_output(display=True):
        ip.run_line_magic("load_ext", "sql")
    for line in (
        "SqlMagic.displaycon = False",
        "SqlMagic.feedback = 0",
        'SqlMagic.named_parameters = "enabled"',
        "SqlMagic.displaylimit = 20",
        "SqlMagic.autopandas = False",
    ):
        ip.run_line_magic("config", line)
    from sql.connection import ConnectionManager

    ConnectionManager.set(engine(schema), displaycon=False, alias=alias)


def ping_all() -> dict[str, str]:
    """Ask each database for its version: {'postgres': 'ok · PostgreSQL 18.6', ...}."""
    results = {}
    for name, probe in (
        ("postgres", _pg_version),
        ("mongo", _mongo_version),
        ("redis", _redis_version),
        ("sqlite", _sqlite_version),
    ):
        try:
            results[name] = "ok · " + probe()
        except Exception as exc:
            results[name] = f"FAILED · {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
    return results


def versions(names=("postgres", "mongo", "redis", "sqlite")) -> dict[str, str]:
    """Short server versions, e.g. {'postgres': 'PostgreSQL 18.6'}; raises if one does not answer."""
    probes = {"postgres": _pg_version, "mongo": _mongo_version, "redis": _redis_version, "sqlite": _sqlite_version}
    return {name: probes[name]() for name in names}


def _pg_version() -> str:
    with postgres() as conn:
        return "PostgreSQL " + conn.execute("SHOW server_version").fetchone()[0]


def _mongo_version() -> str:
    mongo()  # a clear message when it does not answer
    info = mongo_client().server_info()
    return "MongoDB " + info["version"]


def _redis_version() -> str:
    info = redis().info("server")
    if "valkey_version" in info:
        return f"Valkey {info['valkey_version']}"
    return "Redis " + info["redis_version"]


def _sqlite_version() -> str:
    return "SQLite " + sqlite3.sqlite_version
