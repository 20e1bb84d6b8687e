"""The project's own files agree with each other: pins, compose file, Makefile, README."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

from dbworkbook import settings
from dbworkbook.servers.postgres import SERVER_SETTINGS

ROOT = Path(__file__).resolve().parents[2]


def _pyproject_deps() -> list[str]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]


def test_dependencies_are_pinned():
    for dep in _pyproject_deps():
        assert re.fullmatch(r"[A-Za-z0-9_.\-]+(\[[a-z,]+\])?==[0-9][0-9A-Za-z.]*", dep), f"not pinned: {dep}"


def test_environment_yml_matches_pyproject():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert "-e ." in pip, "environment.yml must install the workbook itself (-e .)"
    assert sorted(p for p in pip if p != "-e .") == sorted(_pyproject_deps())
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python="))
    version = tuple(int(x) for x in python.split("=")[1].split("."))
    assert (3, 11) <= version <= (3, 13)


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker" / "compose.yml").read_text())


def test_compose_images_and_ports_match_settings():
    services = _compose()["services"]
    assert services["postgres"]["image"] == "postgres:18"
    assert services["mongo"]["image"] == "mongo:8"
    assert services["redis"]["image"] == "redis:8"
    inner = {"postgres": 5432, "mongo": 27017, "redis": 6379}
    for name, port in settings.DEFAULT_PORTS.items():
        assert services[name]["ports"] == [f"127.0.0.1:{port}:{inner[name]}"], name
        assert "healthcheck" in services[name], name
        volumes = [v.split(":")[0] for v in services[name]["volumes"]]
        assert any(v in _compose()["volumes"] for v in volumes), f"{name} needs a named volume"


def test_compose_credentials_and_settings_match_embedded():
    services = _compose()["services"]
    env = services["postgres"]["environment"]
    assert env == {
        "POSTGRES_USER": settings.PG_USER,
        "POSTGRES_PASSWORD": settings.PG_PASSWORD,
        "POSTGRES_DB": settings.PG_DATABASE,
    }
    cmd = services["postgres"]["command"]
    pairs = dict(cmd[i + 1].split("=", 1) for i, arg in enumerate(cmd) if arg == "-c")
    assert pairs == SERVER_SETTINGS
    mongo_cmd = services["mongo"]["command"]
    assert "--replSet" in mongo_cmd
    assert f"ttlMonitorSleepSecs={settings.MONGO_TTL_SWEEP_SECONDS}" in mongo_cmd
    assert (ROOT / "docker" / "postgres-init" / "01-extensions.sql").exists()


def test_docker_urls_equal_embedded_urls(monkeypatch):
    monkeypatch.setenv("DBWB_BACKEND", "docker")
    docker = settings.get()
    monkeypatch.setenv("DBWB_BACKEND", "embedded")
    embedded = settings.get()
    assert docker.postgres_url() == embedded.postgres_url()
    assert docker.mongo_url == embedded.mongo_url and docker.redis_url == embedded.redis_url


def test_external_backend_reads_urls(monkeypatch):
    monkeypatch.setenv("DBWB_BACKEND", "external")
    monkeypatch.setenv("DBWB_POSTGRES_URL", "postgresql://u:p@db.example:5432/x")
    monkeypatch.delenv("DBWB_MONGO_URL", raising=False)
    cfg = settings.get()
    assert cfg.postgres_url("postgresql+psycopg") == "postgresql+psycopg://u:p@db.example:5432/x"
    with pytest.raises(RuntimeError, match="DBWB_MONGO_URL"):  # a missing URL raises a clear error
        _ = cfg.mongo_url


def test_bad_settings_say_what_to_do(monkeypatch):
    for var, value, expected in [
        ("DBWB_BACKEND", "podman", "choose one of"),
        ("DBWB_SCALE", "huge", "choose one of"),
        ("DBWB_PG_PORT", "abc", "not a port"),
        ("DBWB_REDIS_PORT", "80", "outside"),
    ]:
        monkeypatch.setenv(var, value)
        with pytest.raises(RuntimeError, match=expected) as refused:
            settings.get()
        assert var in str(refused.value)
        monkeypatch.delenv(var)


def test_make_help_lists_every_target():
    out = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    targets = re.findall(r"^([a-z][a-z-]+):", (ROOT / "Makefile").read_text(), re.M)
    for target in targets:
        assert target in out, f"make help does not list {target}"
    for needed in (
        "lab",
        "test",
        "up",
        "down",
        "status",
        "seed",
        "reset",
        "bench",
        "doctor",
        "progress",
        "reset-progress",
        "workbook",
        "times",
        "docker-up",
        "docker-down",
    ):
        assert needed in targets


def test_readme_opens_with_the_two_commands():
    text = (ROOT / "README.md").read_text()
    head = text[: text.find("\n## ", text.find("## ") + 3)]
    assert "make lab" in head and "make test" in head
    make_lines = [
        line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines() if line.strip().startswith("make ")
    ]
    assert make_lines[0] == "make test", "CI runs the README's test command first"


def _make_help() -> str:
    out = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return re.sub(r"\x1b\[[0-9;]*m", "", out).rstrip("\n")


def test_readme_command_list_is_make_help():
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Commands\n") :]
    block = re.search(r"```text\n(.*?)\n```", section, re.S)
    assert block, "README's Commands section needs the `make help` block"
    assert block.group(1) == _make_help(), "README's command list differs from `make help`: paste it again"


# Files that cite test files by path: each cited path must exist (moving a test means editing them).
CITING = [
    "README.md",
    "book/README.md",
    ".github/workflows/ci.yml",
    "docker/compose.yml",
    "docker/z2jh/PROVENANCE.md",
    "binder/requirements.txt",
    "docs/hub.md",
    "docs/instructors.template.md",
    "docs/instructors.md",
    "data/README.md",
    "environment.yml",
    "pyproject.toml",
    "Makefile",
    "tests/schemas/README.md",
]


def test_every_cited_test_file_exists():
    cited = {}
    for name in CITING:
        path = ROOT / name
        if path.exists():
            for ref in re.findall(r"\btests(?:_after_notebooks)?/[\w/]+\.(?:py|cfg)\b", path.read_text()):
                cited.setdefault(ref, []).append(name)
    for path in (ROOT / "src" / "dbworkbook").rglob("*.py"):
        for ref in re.findall(r"\btests(?:_after_notebooks)?/[\w/]+\.(?:py|cfg)\b", path.read_text()):
            cited.setdefault(ref, []).append(str(path.relative_to(ROOT)))
    assert cited, "no file cites a test: the pattern is wrong"
    missing = {ref: where for ref, where in cited.items() if not (ROOT / ref).exists()}
    assert not missing, f"cited test files that do not exist: {missing}"


def test_connection_errors_name_the_real_host(monkeypatch):
    """The external backend's servers are where its URLs say: a failure names that host, never 127.0.0.1."""
    from dbworkbook import connect

    port = settings.get().pg_port  # closed: tests/unit/conftest.py
    monkeypatch.setenv("DBWB_BACKEND", "external")
    monkeypatch.setenv("DBWB_POSTGRES_URL", f"postgresql://me:secret@localhost:{port}/scratch")
    monkeypatch.setenv("DBWB_MONGO_URL", f"mongodb://me:secret@mongo.internal:{port}/?directConnection=true")
    monkeypatch.setenv("DBWB_REDIS_URL", f"redis://:secret@localhost:{port}/0")
    for client, name in ((connect.postgres, "PostgreSQL"), (connect.redis, "Redis")):
        with pytest.raises(connect.ConnectionFailed) as failed:
            client()
        message = str(failed.value)
        assert message.startswith(f"{name} at localhost:{port} did not answer"), message
        assert "secret" not in message
    # MongoDB waits out its server selection (5 s) before failing: the host it names is checked directly.
    assert connect._where(settings.get().mongo_url) == f"mongo.internal:{port}"
    monkeypatch.setenv("DBWB_BACKEND", "embedded")
    with pytest.raises(connect.ConnectionFailed, match=rf"^Redis at 127\.0\.0\.1:{settings.get().redis_port} did not"):
        connect.redis()
