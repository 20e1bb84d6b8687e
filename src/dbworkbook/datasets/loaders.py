"""One loader per database, and ``load_all``, which generates the dataset and runs them together.

Every loader has the same small interface (``Loader``): ``drop()`` the seeded objects, ``load()``
them from a ``Generation``, ``expected()`` (what ``fingerprint.json`` records for the database
after a load) and ``fingerprint()`` (the live data's, shaped like what was recorded, for
``fingerprint.compare``). The modules ``load_postgres``, ``load_mongo``, ``load_redis`` and
``load_sqlite`` hold how each database is loaded and fingerprinted; a loader only binds one of
them to its target (schema, database, db number, file) and to the generation.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, InvalidStateError
from concurrent.futures import wait as wait_all
from functools import partial
from typing import Any, Protocol, runtime_checkable

from .. import connect
from .. import settings as _settings
from . import generator, load_mongo, load_postgres, load_redis, load_sqlite, passwords, progress
from .generator import Categories, Dataset, Users
from .spec import ScaleSpec

PG_SCHEMA = "public"
REDIS_DB = 0


# ------------------------------------------------------------------------------- generation
def _settle(future: Future, result: Any = None, exc: BaseException | None = None) -> None:
    """Set a future's outcome unless it already has one (a failed generation settles them all)."""
    try:
        if exc is not None:
            future.set_exception(exc)
        else:
            future.set_result(result)
    except InvalidStateError:
        pass


def in_thread(name: str, func: Callable[[], Any], future: Future | None = None) -> Future:
    """Run ``func`` in a daemon thread (an interrupted seed exits at once); its outcome in a Future."""
    future = future if future is not None else Future()

    def run() -> None:
        try:
            _settle(future, func())
        except BaseException as exc:
            _settle(future, exc=exc)

    threading.Thread(target=run, name=f"seed-{name}", daemon=True).start()
    return future


class Generation:
    """The dataset while it is being generated, as futures the loaders wait on:

    users     (Users, Categories): they exist first, before the slower posts
    hashes    {"how": "cached" | "computed", "seconds"}: ``users.hashes`` holds the argon2id hashes
    dataset   the whole Dataset, once the posts exist

    It also hands out progress bars (stacked, on a terminal, unless quiet).
    """

    def __init__(self, spec: ScaleSpec, quiet: bool = True):
        self.spec = spec
        self.quiet = quiet
        self.users: Future[tuple[Users, Categories]] = Future()
        self.hashes: Future[dict] = Future()
        self.dataset: Future[Dataset] = Future()
        self._bars: list = []

    @classmethod
    def complete(cls, ds: Dataset) -> Generation:
        """A generation that is already over (``make bench``, tests): every future is set."""
        gen = cls(ds.spec)
        t = time.perf_counter()
        how = passwords.fill_hashes(ds)
        gen.users.set_result((ds.users, ds.categories))
        gen.hashes.set_result({"how": how, "seconds": time.perf_counter() - t})
        gen.dataset.set_result(ds)
        return gen

    def run(self) -> Dataset:
        """Generate in this thread; hash the passwords in another one as soon as the users exist
        (argon2 releases the GIL). A failure settles every future with it."""

        def on_users(users: Users, cats: Categories) -> None:
            _settle(self.users, (users, cats))
            in_thread("argon2", lambda: self._hash(users), self.hashes)

        bar = self.bar(1, f"generate {self.spec.name}", unit="step")
        try:
            ds = generator.generate(self.spec.name, on_users=on_users)
            if not self.users.done():  # the dataset was already in memory: no callback
                on_users(ds.users, ds.categories)
        except BaseException as exc:
            for future in (self.users, self.hashes, self.dataset):
                _settle(future, exc=exc)
            raise
        _settle(self.dataset, ds)
        bar.update(1)
        return ds

    def _hash(self, users: Users) -> dict:
        t = time.perf_counter()
        how = passwords.fill_user_hashes(
            users,
            self.spec.name,
            progress=lambda it, total, desc: progress.wrap(it, total, desc, quiet=self.quiet),
        )
        return {"how": how, "seconds": time.perf_counter() - t}

    def bar(self, total: int, desc: str, unit: str = "rows"):
        b = progress.bar(total, desc, quiet=self.quiet, position=len(self._bars), unit=unit)
        self._bars.append(b)
        return b

    def close_bars(self) -> None:
        for b in self._bars:
            b.close()


# ------------------------------------------------------------------------------- loaders
@runtime_checkable
class Loader(Protocol):
    name: str  # "postgres" | "mongo" | "redis" | "sqlite": the database's key in the fingerprint

    def drop(self) -> None:
        """Drop the seeded objects, and nothing else."""

    def load(self, generation: Generation) -> dict:
        """Load the seeded objects (dropped before), waiting for the parts of the generation it
        needs. Returns timings and counts."""

    def expected(self) -> dict:
        """After ``load``: this database's entry in fingerprint.json, {target: ..., "objects": {...}}."""

    def fingerprint(self, stored: dict, quick: bool) -> dict:
        """The live seeded objects' fingerprint, shaped like ``stored`` (the recorded "objects").
        quick=True may check less where a full check is slow (MongoDB: a sample of documents)."""


class PostgresLoader:
    """Tables users, categories, posts of one schema (binary COPY; see ``load_postgres``)."""

    name = "postgres"

    def __init__(self, schema: str = PG_SCHEMA):
        self.schema = schema

    def drop(self) -> None:
        with connect.postgres() as conn:
            load_postgres.drop(conn, self.schema)

    def load(self, generation: Generation) -> dict:
        ds = generation.dataset.result()
        bar = generation.bar(len(ds.posts), "postgres COPY posts")
        return load_postgres.load(ds, self.schema, wait_for_hashes=generation.hashes.result, bar=bar)

    def expected(self) -> dict:
        return {"schema": self.schema, "objects": load_postgres.fingerprint(self.schema)}

    def fingerprint(self, stored: dict, quick: bool) -> dict:
        return load_postgres.fingerprint(self.schema)  # one cheap aggregate per table: always full


class MongoLoader:
    """Collections users, posts, orders, sessions, categories (unordered insert_many; see ``load_mongo``).
    The collections that need only the users are built and inserted while the posts are generated."""

    name = "mongo"
    PEOPLE = ("users", "categories", "orders", "sessions")

    def __init__(self, db=None) -> None:
        self._db = db
        self._ds: Dataset | None = None

    @property
    def db(self):
        return self._db if self._db is not None else connect.mongo()

    def drop(self) -> None:
        load_mongo.drop(self.db)

    def load(self, generation: Generation) -> dict:
        spec, db = generation.spec, self.db
        bar = generation.bar(
            spec.mongo_users + spec.mongo_posts + spec.orders + spec.sessions, "mongo insert_many", unit="docs"
        )
        users, cats = generation.users.result()
        t = time.perf_counter()
        people = generator.mongo_people(spec, users, cats)
        build = time.perf_counter() - t
        t = time.perf_counter()
        n = load_mongo.insert(db, people.docs, self.PEOPLE, bar)
        inserting = time.perf_counter() - t
        ds = generation.dataset.result()
        t = time.perf_counter()
        docs = generator.mongo_documents(ds, people)
        build += time.perf_counter() - t
        t = time.perf_counter()
        n += load_mongo.insert(db, docs, ("posts",), bar)
        inserting += time.perf_counter() - t
        self._ds = ds
        return {
            "build_seconds": build,
            "insert_seconds": inserting,
            "docs": n,
            "docs_per_second": n / inserting if inserting else 0.0,
            "counts": {k: len(v) for k, v in docs.items()},
        }

    def expected(self) -> dict:
        """Computed from the generated documents (what a correct load leaves on the server)."""
        if self._ds is None:
            raise RuntimeError("MongoLoader.expected() before load()")
        return {"database": self.db.name, "objects": load_mongo.expected_fingerprint(self._ds)}

    def fingerprint(self, stored: dict, quick: bool) -> dict:
        return load_mongo.fingerprint(stored, self.db, quick=quick)


class RedisLoader:
    """The seeded key patterns of one logical database (pipelined RESP; see ``load_redis``)."""

    name = "redis"

    def __init__(self, db: int = REDIS_DB):
        self.db = db

    def drop(self) -> None:
        load_redis.drop(connect.redis(db=self.db))

    def load(self, generation: Generation) -> dict:
        return load_redis.load(generation.dataset.result(), connect.redis(db=self.db))

    def expected(self) -> dict:
        return {"db": self.db, "objects": self.fingerprint({}, quick=False)}

    def fingerprint(self, stored: dict, quick: bool) -> dict:
        return load_redis.fingerprint(connect.redis(db=self.db))  # a server-side script: always full


class SqliteLoader:
    """Tables categories, users, posts of the workbook's SQLite file (see ``load_sqlite``)."""

    name = "sqlite"

    def __init__(self, path=None):
        self.path = path

    def drop(self) -> None:
        load_sqlite.drop(self.path)

    def load(self, generation: Generation) -> dict:
        ds = generation.dataset.result()
        generation.hashes.result()
        return load_sqlite.load(ds, self.path)

    def expected(self) -> dict:
        path = self.path if self.path is not None else _settings.get().sqlite_path
        return {"path": str(path), "objects": load_sqlite.fingerprint(self.path)}

    def fingerprint(self, stored: dict, quick: bool) -> dict:
        return load_sqlite.fingerprint(self.path)  # one aggregate per table: always full


LOADERS: dict[str, Callable[[], Loader]] = {
    "postgres": PostgresLoader,
    "mongo": MongoLoader,
    "redis": RedisLoader,
    "sqlite": SqliteLoader,
}


def seeded_loaders(databases: Iterable[str]) -> list[Loader]:
    """The loaders of the seeded targets (schema public, database workbook, Redis db 0, the file)."""
    return [LOADERS[db]() for db in databases]


# ------------------------------------------------------------------------------- orchestration
class LoadFailed(RuntimeError):
    """A loader failed; ``errors`` holds every loader's exception by name."""

    def __init__(self, errors: dict[str, BaseException]):
        name, exc = next(iter(errors.items()))
        super().__init__(f"seeding {name} failed: {type(exc).__name__}: {exc}")
        self.errors = errors


def load_all(loaders: Iterable[Loader], generation: Generation) -> tuple[dict, dict]:
    """Generate the dataset and replace every loader's objects with it; (timings, {name: entry}).

    Each loader runs in its own thread from the start and waits (in brackets) for the part of
    the generation it needs, so the work overlaps like this:

        main thread    generate users ─ posts ───────────────── wait for every loader
        seed-argon2         └ hash passwords (cached per scale)
        seed-mongo     drop ─ [users] users, orders, sessions, categories ─ [dataset] posts ─ expected
        seed-postgres  drop ─ [dataset] COPY posts ─ search_vector ─ [hashes] COPY users ─ keys ─
                                                                      VACUUM ANALYZE ─ fingerprint
        seed-redis     drop ─ [dataset] pipeline ─ fingerprint
        seed-sqlite    drop ─ [dataset, hashes] executemany ─ fingerprint

    Raises the first failure once every loader has finished (SeedBlocked as it is, anything else
    as LoadFailed), so that no loader is left half-way.
    """
    t0 = time.perf_counter()

    def replace(loader: Loader) -> tuple[dict, dict]:
        loader.drop()
        stats = loader.load(generation)
        t = time.perf_counter()
        entry = loader.expected()
        stats["fingerprint_seconds"] = time.perf_counter() - t
        stats["seconds"] = time.perf_counter() - t0  # when it was done, from the start
        return stats, entry

    jobs = {loader.name: in_thread(loader.name, partial(replace, loader)) for loader in loaders}
    try:
        generation.run()
        timings: dict = {"generate_seconds": time.perf_counter() - t0}
        wait_all([*jobs.values(), generation.hashes])
    finally:
        generation.close_bars()
    errors = {name: exc for name, job in jobs.items() if (exc := job.exception()) is not None}
    if errors:
        blocked = [e for e in errors.values() if isinstance(e, load_postgres.SeedBlocked)]
        if blocked:
            raise blocked[0]
        raise LoadFailed(errors) from next(iter(errors.values()))
    timings["argon2"] = generation.hashes.result()
    entries = {}
    for name, job in jobs.items():
        timings[name], entries[name] = job.result()
    return timings, entries
