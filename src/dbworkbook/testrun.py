"""``python -m dbworkbook test`` (what ``make test`` and ``.ci/run`` call).

Starts the embedded servers that are not already running, makes sure the dataset is seeded,
runs the unit tests and every notebook under nbval, and stops the servers it started (servers
you started yourself keep running). With the docker or external backend it only runs pytest.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from . import settings as _settings
from .servers import ServerError, servers

NBVAL_ARGS = [
    "--nbval",
    "--nbval-current-env",
    "--nbval-sanitize-with",
    "tests/nbval_sanitize.cfg",
    "--nbval-cell-timeout",
    "300",
]


# Order matters: tests_after_notebooks/ checks every exercise against the state the notebooks'
# own cells built (their schemas, indexes and keys), so it runs after the notebooks.
def pytest_command(paths=("tests", "notebooks", "tests_after_notebooks"), extra=()) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pytest",
        *paths,
        *NBVAL_ARGS,
        "-p",
        "no:cacheprovider",
        "-o",
        "console_output_style=classic",
        *extra,
    ]


def run(extra: list[str] | None = None) -> int:
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
