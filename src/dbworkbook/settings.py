"""The one source of truth for where the databases are and how to reach them.

Everything that needs a port, a URL, a credential or a folder reads it from here: the server
lifecycle, the clients, the Docker Compose test and the docs. Each value can be overridden by an
environment variable, named next to it.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

BACKENDS = ("embedded", "docker", "external")
SCALES = ("small", "medium", "large")

# Credentials shared by every backend (the compose file uses the same ones; a test checks it).
PG_USER = "workbook"
PG_PASSWORD = "workbook"
PG_DATABASE = "workbook"
MONGO_DATABASE = "workbook"

# Per-learner credentials (hub mode, ``dbworkbook.hub``): when the state folder holds this file
# (mode 0600, written by the hub), PostgreSQL's role password, Redis's requirepass and a MongoDB
# SCRAM-SHA-256 user come from it; without it the defaults above apply (single-user `make lab`).
CREDENTIALS_FILE = "credentials.json"
MONGO_AUTH_SOURCE = "admin"

DEFAULT_PORTS = {"postgres": 55432, "mongo": 57017, "redis": 56379}
PORT_VARS = {"postgres": "DBWB_PG_PORT", "mongo": "DBWB_MONGO_PORT", "redis": "DBWB_REDIS_PORT"}
URL_VARS = {"postgres": "DBWB_POSTGRES_URL", "mongo": "DBWB_MONGO_URL", "redis": "DBWB_REDIS_URL"}

# How often expired documents are removed by the TTL monitor, in seconds. mongod's default is 60
# (server parameter ttlMonitorSleepSecs); the workbook runs both the embedded server and the
# docker mongod with 5 so that the TTL lesson does not wait a minute.
MONGO_TTL_SWEEP_SECONDS = 5


def project_root() -> Path:
    """The checkout's root: the folder holding pyproject.toml (DBWB_ROOT overrides)."""
    if os.environ.get("DBWB_ROOT"):
        return Path(os.environ["DBWB_ROOT"]).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").exists() and (parent / "src" / "dbworkbook").exists():
            return parent
    # Installed without a checkout (pip install from a wheel): fall back to the working folder.
    return Path.cwd().resolve()


@dataclass(frozen=True)
class Settings:
    backend: str
    scale: str
    host: str
    ports: dict
    state_dir: Path
    credentials: dict | None = field(default=None, compare=False, repr=False)

    # ---- credentials: the defaults, or the learner's own (hub mode) ----
    @property
    def pg_password(self) -> str:
        return (self.credentials or {}).get("postgres_password") or PG_PASSWORD

    @property
    def redis_password(self) -> str | None:
        return (self.credentials or {}).get("redis_password") or None

    @property
    def mongo_user(self) -> str | None:
        return (self.credentials or {}).get("mongo_user") or None

    @property
    def mongo_password(self) -> str | None:
        return (self.credentials or {}).get("mongo_password") or None

    @property
    def pg_port(self) -> int:
        return self.ports["postgres"]

    @property
    def mongo_port(self) -> int:
        return self.ports["mongo"]

    @property
    def redis_port(self) -> int:
        return self.ports["redis"]

    # ---- URLs: the same shape for embedded and docker; external reads them from the env ----
    def postgres_url(self, driver: str = "postgresql") -> str:
        if self.backend == "external":
            url = _required_env("DBWB_POSTGRES_URL")
            if driver != "postgresql" and url.startswith("postgresql://"):
                url = driver + url[len("postgresql") :]
            return url
        return f"{driver}://{PG_USER}:{quote(self.pg_password, safe='')}@{self.host}:{self.pg_port}/{PG_DATABASE}"

    @property
    def mongo_url(self) -> str:
        if self.backend == "external":
            return _required_env("DBWB_MONGO_URL")
        if self.mongo_user and self.mongo_password:
            auth = f"{quote(self.mongo_user, safe='')}:{quote(self.mongo_password, safe='')}@"
            return (
                f"mongodb://{auth}{self.host}:{self.mongo_port}/?directConnection=true"
                f"&authSource={MONGO_AUTH_SOURCE}&authMechanism=SCRAM-SHA-256"
            )
        return f"mongodb://{self.host}:{self.mongo_port}/?directConnection=true"

    @property
    def redis_url(self) -> str:
        if self.backend == "external":
            return _required_env("DBWB_REDIS_URL")
        if self.redis_password:
            return f"redis://:{quote(self.redis_password, safe='')}@{self.host}:{self.redis_port}/0"
        return f"redis://{self.host}:{self.redis_port}/0"

    @property
    def sqlite_path(self) -> Path:
        return self.state_dir / "sqlite" / "workbook.sqlite"

    @property
    def progress_path(self) -> Path:
        return self.state_dir / "progress.json"

    @property
    def fingerprint_path(self) -> Path:
        return self.state_dir / "fingerprint.json"

    @property
    def credentials_path(self) -> Path:
        return self.state_dir / CREDENTIALS_FILE


def load_credentials(state_dir: Path) -> dict | None:
    """The learner's own credentials from ``<state_dir>/credentials.json`` (None when absent)."""
    path = Path(state_dir) / CREDENTIALS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except PermissionError:
        raise RuntimeError(
            f"{path} cannot be read by this user: the databases of this state folder "
            "belong to another learner. Use your own state folder (DBWB_STATE_DIR)."
        ) from None
    except (OSError, ValueError) as exc:
        raise RuntimeError(
            f"{path} is damaged ({exc}): the hub writes it when it provisions a learner; "
            "ask the instructor to re-provision this learner (python -m dbworkbook hub ...)."
        ) from None
    if not isinstance(data, dict):
        raise RuntimeError(f"{path} is damaged (not a JSON object): ask the instructor to re-provision this learner.")
    return data


def _required_env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(
            f"DBWB_BACKEND=external needs {name} (for example "
            f"{name}=postgresql://user:pass@host:5432/db); set it, or unset DBWB_BACKEND "
            "to use the embedded servers."
        )
    return value


def _port(name: str) -> int:
    var = PORT_VARS[name]
    raw = os.environ.get(var)
    if not raw:
        return DEFAULT_PORTS[name]
    try:
        port = int(raw)
    except ValueError:
        raise RuntimeError(f"{var}={raw!r} is not a port number (1024-65535)") from None
    if not 1024 <= port <= 65535:
        raise RuntimeError(f"{var}={port} is outside 1024-65535")
    return port


def get() -> Settings:
    """Read the settings from the environment (cheap; call it whenever you need them)."""
    backend = os.environ.get("DBWB_BACKEND", "embedded").strip().lower() or "embedded"
    if backend not in BACKENDS:
        raise RuntimeError(f"DBWB_BACKEND={backend!r}: choose one of {', '.join(BACKENDS)}")
    scale = os.environ.get("DBWB_SCALE", "small").strip().lower() or "small"
    if scale not in SCALES:
        raise RuntimeError(f"DBWB_SCALE={scale!r}: choose one of {', '.join(SCALES)}")
    state = Path(os.environ.get("DBWB_STATE_DIR") or project_root() / ".dbworkbook").resolve()
    return Settings(
        backend=backend,
        scale=scale,
        host="127.0.0.1",
        ports={name: _port(name) for name in DEFAULT_PORTS},
        state_dir=state,
        credentials=load_credentials(state) if backend == "embedded" else None,
    )


# Redis logical databases: 0 holds the seed, notebook NN (01-11) owns database NN, notebook 00
# owns 12, the unit tests use 14 and the benchmark 15.
SEED_REDIS_DB = 0


def notebook_redis_db(number: str | int) -> int:
    """The Redis logical database notebook ``number`` owns (never the seed's database 0)."""
    n = int(number)
    db = 12 if n == 0 else n
    if db == SEED_REDIS_DB or not 0 < db < 16:
        raise ValueError(f"notebook {number!r} has no Redis database of its own")
    return db


def instance_id(state_dir: Path) -> str:
    """A short stable id for one state folder (used to name folders outside the checkout)."""
    return hashlib.sha256(str(state_dir).encode()).hexdigest()[:12]
