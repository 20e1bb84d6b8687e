"""``python -m dbworkbook test`` (what ``make test`` and ``.ci/run`` call), ``lint`` and ``nbval``.

``test`` first runs the linters (``lint``: ruff check, ruff format --check, mypy; seconds), then
starts the embedded servers that are not already running, makes sure the dataset is seeded, runs
the tests (tests/unit, tests/integration, the rest of tests/) and every notebook under nbval, and
stops the servers it started (servers you started yourself keep running). With the docker or
external backend it only runs pytest. ``nbval`` runs notebooks under nbval with the same flags
(``make test-notebooks``; ``nbval --lax``: errors only, what the compat lane and the docker lane
run): the flags live here only.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time

from . import settings as _settings
from .servers import ServerError, servers

# What both kinds of run share: the project's kernel, and a cell timeout for a slow machine.
NBVAL_COMMON = ["--nbval-current-env", "--nbval-cell-timeout", "300"]
# Outputs compared, after tests/nbval_sanitize.cfg's rules: what `make test` runs.
NBVAL_ARGS = ["--nbval", "--nbval-sanitize-with", "tests/nbval_sanitize.cfg", *NBVAL_COMMON]
# Errors only (`nbval --lax`): outputs are not compared, so no sanitizer; for servers whose output
# legitimately differs (the compat lane's PostgreSQL 15 / Redis 7, the official images in CI).
NBVAL_LAX_ARGS = ["--nbval-lax", *NBVAL_COMMON]


# What the linters read: the package, the tests (ruff's settings are in pyproject.toml; mypy's
# `files` there name src/dbworkbook).
LINT_PATHS = ["src", "tests", "tests_after_notebooks"]
LINTERS = {"ruff": "ruff", "mypy": "mypy"}  # module -> the dev extra's package


def lint_commands() -> list[tuple[str, list[str]]]:
    py = sys.executable
    return [
        ("ruff check", [py, "-m", "ruff", "check", "--quiet", *LINT_PATHS]),
        ("ruff format --check", [py, "-m", "ruff", "format", "--check", "--quiet", *LINT_PATHS]),
        ("mypy", [py, "-m", "mypy"]),
    ]


def lint() -> int:
    """ruff check, ruff format --check and mypy; one line each, and what to run when one fails."""
    root = _settings.project_root()
    missing = [pkg for module, pkg in LINTERS.items() if importlib.util.find_spec(module) is None]
    if missing:
        print(
            f"ERROR: {' and '.join(missing)} not installed here: install the dev extra "
            "(pip install -e '.[dev]'; `make lint` and `make test` do it).",
            file=sys.stderr,
        )
        return 2
    failed = []
    for name, cmd in lint_commands():
        t0 = time.monotonic()
        result = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
        took = time.monotonic() - t0
        if result.returncode == 0:
            print(f"✓ {name} ({took:.1f} s)", flush=True)
            continue
        failed.append(name)
        print(f"✗ {name} failed ({took:.1f} s):", flush=True)
        print((result.stdout + result.stderr).rstrip(), flush=True)
    if failed:
        print(
            f"ERROR: {', '.join(failed)} found problems (above). `ruff check --fix` and `ruff format` fix "
            "most of ruff's; mypy's need an edit. `make lint` runs the three again.",
            file=sys.stderr,
        )
        return 1
    return 0


def nbval_command(paths=("notebooks",), extra=(), lax: bool = False) -> list[str]:
    """pytest on notebooks under nbval: what `make test-notebooks` runs (servers up and seeded);
    lax: errors only, outputs not compared."""
    return pytest_command(paths=paths, extra=extra, nbval=NBVAL_LAX_ARGS if lax else NBVAL_ARGS)


def run_nbval(paths: list[str] | None = None, extra: list[str] | None = None, lax: bool = False) -> int:
    """Strict (the default) also makes every exercise check of a reference solution raise when it
    fails; lax leaves DBWB_STRICT_CHECKS as the caller set it."""
    env = dict(os.environ, DBWB_PROGRESS="0")
    if not lax:
        env["DBWB_STRICT_CHECKS"] = "1"
    env.pop("MPLBACKEND", None)
    cmd = nbval_command(paths or ("notebooks",), extra or (), lax=lax)
    return subprocess.call(cmd, cwd=_settings.project_root(), env=env)


# Order matters: tests_after_notebooks/ checks every exercise against the state the notebooks'
# own cells built (their schemas, indexes and keys), so it runs after the notebooks.
def pytest_command(paths=("tests", "notebooks", "tests_after_notebooks"), extra=(), nbval=NBVAL_ARGS) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pytest",
        *paths,
        *nbval,
        "-p",
        "no:cacheprovider",
        "-o",
        "console_output_style=classic",
        *extra,
    ]


def run(extra: list[str] | None = None) -> int:
    if lint() != 0:
        return 1
    cfg = _settings.get()
    root = _settings.project_root()
    started = []
    # No MPLBACKEND here: the kernels must use the inline backend, or figures vanish from outputs.
    env = dict(os.environ, DBWB_STRICT_CHECKS="1", DBWB_PROGRESS="0")
    env.pop("MPLBACKEND", None)
    t0 = time.monotonic()
    try:
        if cfg.backend == "embedded":
            for server in servers(None, cfg):
                if not server.running():
                    print(server.start(), flush=True)
                    started.append(server)
                else:
                    print(f"{server.label} already running: using it, leaving it running", flush=True)
        from .__main__ import main as cli

        if cli(["seed"]) != 0:  # what `python -m dbworkbook seed` does, with its lines
            return 1
        print(f"setup took {time.monotonic() - t0:.1f} s; running pytest", flush=True)
        return subprocess.call(pytest_command(extra=extra or ()), cwd=root, env=env)
    except ServerError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 1
    finally:
        for server in reversed(started):
            print(server.stop(), flush=True)
