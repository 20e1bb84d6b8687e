"""datasets.loaders without a server: how load_all orchestrates loaders (fake in-process loaders
and a fake generation; the loaders' behaviour on the real databases is tested in
tests/test_datasets.py), the Loader interface of the real loaders, and the seed's printed lines."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest

from dbworkbook.datasets import fingerprint as fp
from dbworkbook.datasets import load_postgres
from dbworkbook.datasets.loaders import (
    LOADERS,
    Generation,
    Loader,
    LoadFailed,
    MongoLoader,
    PostgresLoader,
    RedisLoader,
    SqliteLoader,
    in_thread,
    load_all,
)
from dbworkbook.datasets.spec import scale_spec

WAIT = 10  # seconds: a deadlock fails the test instead of hanging it


class FakeGeneration(Generation):
    """Sets users, then (once ``release`` is set, or at once) the dataset; hashes in between."""

    def __init__(self, release: threading.Event | None = None, fail: BaseException | None = None):
        super().__init__(scale_spec("small"))
        self.release, self.fail = release, fail
        self.dataset_set_at: float | None = None

    def run(self):
        self.users.set_result(("users", "categories"))
        self.hashes.set_result({"how": "cached", "seconds": 0.0})
        if self.release is not None:
            assert self.release.wait(WAIT), "the loader never used the users before the posts existed"
        if self.fail is not None:
            for future in (self.dataset,):
                future.set_exception(self.fail)
            raise self.fail
        self.dataset_set_at = time.perf_counter()
        self.dataset.set_result("dataset")
        return "dataset"


class FakeLoader:
    """Records what it was asked, in order; ``needs`` is the generation part it waits for."""

    def __init__(self, name: str, needs: str = "dataset", error: BaseException | None = None, delay: float = 0.0):
        self.name, self.needs, self.error, self.delay = name, needs, error, delay
        self.calls: list[str] = []
        self.finished = False

    def drop(self) -> None:
        self.calls.append("drop")

    def load(self, generation: Generation) -> dict:
        self.calls.append("load")
        got = getattr(generation, self.needs).result(timeout=WAIT)
        time.sleep(self.delay)
        self.finished = True
        if self.error is not None:
            raise self.error
        return {"got": got}

    def expected(self) -> dict:
        self.calls.append("expected")
        return {"objects": {self.name: {"count": 1}}}

    def fingerprint(self, stored: dict, quick: bool) -> dict:
        return stored


def test_load_all_drops_loads_and_records_every_loader():
    loaders = [FakeLoader("postgres"), FakeLoader("redis", needs="hashes")]
    timings, entries = load_all(loaders, FakeGeneration())
    assert entries == {
        "postgres": {"objects": {"postgres": {"count": 1}}},
        "redis": {"objects": {"redis": {"count": 1}}},
    }
    assert [x.calls for x in loaders] == [["drop", "load", "expected"]] * 2
    assert timings["postgres"]["got"] == "dataset" and timings["redis"]["got"] == {"how": "cached", "seconds": 0.0}
    assert timings["argon2"] == {"how": "cached", "seconds": 0.0}
    for name in ("postgres", "redis"):
        assert timings[name]["seconds"] >= timings[name]["fingerprint_seconds"] >= 0
    assert timings["generate_seconds"] >= 0


def test_a_loader_that_needs_only_the_users_starts_before_the_posts_exist():
    """What makes the seed fast: MongoDB's users, orders, ... load while the posts are generated."""
    release = threading.Event()

    class PeopleFirst(FakeLoader):
        def load(self, generation):
            generation.users.result(timeout=WAIT)
            self.users_done_while_generating = not generation.dataset.done()
            release.set()
            return super().load(generation)

    loader = PeopleFirst("mongo")
    load_all([loader], FakeGeneration(release))
    assert loader.users_done_while_generating


def test_a_failing_loader_fails_the_load_after_the_others_finished():
    slow = FakeLoader("postgres", delay=0.3)
    broken = FakeLoader("redis", error=ValueError("no such key"))
    with pytest.raises(LoadFailed, match="seeding redis failed: ValueError: no such key") as err:
        load_all([slow, broken], FakeGeneration())
    assert slow.finished, "load_all waits for every loader before it raises"
    assert list(err.value.errors) == ["redis"]
    assert "expected" not in broken.calls


def test_seed_blocked_is_raised_as_it_is():
    blocked = load_postgres.SeedBlocked("cannot reload: nb01.top_posts depends on posts")
    with pytest.raises(load_postgres.SeedBlocked, match=r"nb01\.top_posts"):
        load_all([FakeLoader("redis"), FakeLoader("postgres", error=blocked)], FakeGeneration())


def test_a_failed_generation_reaches_the_waiting_loaders_instead_of_hanging_them():
    waiting = FakeLoader("postgres")
    t = time.perf_counter()
    with pytest.raises(KeyError, match="boom"):
        load_all([waiting], FakeGeneration(fail=KeyError("boom")))
    assert time.perf_counter() - t < WAIT


def test_in_thread_returns_the_outcome_as_a_future():
    assert in_thread("ok", lambda: 42).result(timeout=WAIT) == 42
    failed = in_thread("bad", lambda: 1 / 0)
    assert isinstance(failed.exception(timeout=WAIT), ZeroDivisionError)


def test_a_complete_generation_has_every_part_set():
    users = SimpleNamespace(hashes=["$argon2id$..."])
    ds = SimpleNamespace(spec=scale_spec("small"), scale="small", users=users, categories="cats")
    gen = Generation.complete(ds)
    assert gen.users.result(0) == (users, "cats") and gen.dataset.result(0) is ds
    assert gen.hashes.result(0)["how"] == "cached"


def test_the_real_loaders_have_the_loader_interface_and_connect_lazily():
    """Building a loader opens no connection (verify builds them for every check)."""
    made = [PostgresLoader(), MongoLoader(), RedisLoader(), SqliteLoader()]
    assert [x.name for x in made] == list(LOADERS) == list(fp.DATABASES)
    assert all(isinstance(x, Loader) for x in made)
    with pytest.raises(RuntimeError, match="before load"):
        MongoLoader(db=SimpleNamespace(name="scratch")).expected()


def test_compare_reports_counts_then_checksums():
    stored = {"posts": {"count": 3, "checksum": "a"}, "users": {"count": 2, "checksum": "b"}, "gone": None}
    assert fp.compare("postgres", stored, dict(stored)) == []
    live = {"posts": {"count": 4, "checksum": "a"}, "users": {"count": 2, "checksum": "c"}}
    assert fp.compare("postgres", stored, live) == [
        "postgres posts: 4 rows, expected 3",
        "postgres users: contents differ (2 rows, checksum does not match)",
    ]
    assert fp.compare("mongo", stored, {"posts": None, "users": {"sample_checksum": "zz"}}) == [
        "mongo posts: missing",
        "mongo users: contents differ (2 documents, checksum does not match)",
    ]
    # A quick MongoDB check of a large collection has only a sample: only that is compared.
    assert (
        fp.compare(
            "mongo",
            {"posts": {"count": 9, "checksum": "x", "sample_checksum": "s"}},
            {"posts": {"sample_checksum": "s"}},
        )
        == []
    )


def test_the_cli_prints_what_the_seed_did(capsys):
    from dbworkbook.__main__ import print_seed_result

    counts = {"users": 10, "posts": 20}
    result = {
        "status": "seeded",
        "scale": "small",
        "seconds": 12.3,
        "notes": ["pg_stat_statements is preloaded and its extension exists in this database", "a note"],
        "summary": {"scale": "small"},
        "timings": {
            "generate_seconds": 3.0,
            "argon2": {"how": "cached", "seconds": 0.0},
            "redis": {"commands": 6629, "commands_per_second": 50_000.0, "seconds": 4.0},
            "sqlite": {"counts": counts, "rows_per_second": 9_000.0, "seconds": 5.0},
        },
    }
    print_seed_result(result, "/state/fingerprint.json")
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "a note",
        "dataset small: generated in 3.0 s; argon2id hashes cached (0.0 s)",
        "  redis     6,629 commands · pipeline 50,000 cmds/s · done at 4.0 s",
        "  sqlite    users 10 · posts 20 · 9,000 rows/s · done at 5.0 s",
        "dataset small seeded in 12.3 s · fingerprint /state/fingerprint.json",
    ]
