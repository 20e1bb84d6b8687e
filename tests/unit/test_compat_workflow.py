"""The CI workflow for the docker lane (issue 13, section 4) and the compat lane's wiring.

.github/workflows/ci.yml is validated offline against GitHub's workflow schema as vendored by
check-jsonschema (the `dev` extra: `pip install -e '.[dev]'`; `make check-workflows` installs it
and runs this file). Its meaning is checked here too: on every push, `make test` on Linux and
macOS, and the notebooks through DBWB_BACKEND=docker in lax mode after `make docker-up` on Linux.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


def _workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def _validator() -> list[str] | None:
    if importlib.util.find_spec("check_jsonschema") is not None:
        return [sys.executable, "-m", "check_jsonschema"]
    exe = shutil.which("check-jsonschema")
    return [exe] if exe else None


def test_workflow_validates_against_the_github_workflow_schema():
    cmd = _validator()
    if cmd is None:
        pytest.skip("check-jsonschema is not installed: pip install -e '.[dev]' (or make check-workflows)")
    result = subprocess.run(
        [*cmd, "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflow_runs_on_every_push():
    on = _workflow()[True]  # YAML 1.1 reads the key `on` as the boolean True
    assert "push" in on and not (on["push"] or {}).get("branches"), "every push, every branch"


def _runs(job: dict) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def test_make_test_on_linux_and_macos():
    jobs = _workflow()["jobs"]
    job = next(j for j in jobs.values() if re.search(r"^\s*make test\s*$", _runs(j), re.M))
    oses = job["strategy"]["matrix"]["os"]
    assert any(o.startswith("ubuntu") for o in oses) and any(o.startswith("macos") for o in oses)


def test_docker_lane_runs_every_notebook_lax_through_the_docker_backend():
    jobs = _workflow()["jobs"]
    job = next(j for j in jobs.values() if "make docker-up" in _runs(j))
    assert job["runs-on"].startswith("ubuntu")
    assert job["env"]["DBWB_BACKEND"] == "docker"
    runs = _runs(job)
    assert runs.index("make docker-up") < runs.index("make seed") < runs.index("nbval --lax")
    nbval = next(s["run"] for s in job["steps"] if "nbval --lax" in s.get("run", ""))
    assert re.search(r"-m dbworkbook nbval --lax notebooks\b", nbval)
    assert any(s.get("if") == "always()" and "docker-down" in s.get("run", "") for s in job["steps"])


def test_ci_runs_the_compat_lane_after_make_test():
    lines = [
        ln.strip() for ln in (ROOT / ".ci" / "run").read_text().splitlines() if ln.strip() and not ln.startswith("#")
    ]
    assert lines.index("make test") < lines.index("make test-compat")
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^test-compat:.*## ", makefile, re.M) and "compat/compat.sh all" in makefile


def test_compat_script_is_valid_bash_and_documents_itself():
    script = ROOT / "compat" / "compat.sh"
    subprocess.run(["bash", "-n", str(script)], check=True)
    text = script.read_text()
    for needed in (
        "PG_VERSION=15",
        "postgresql-$PG_VERSION",
        "redis-server",
        "dbworkbook nbval --lax",
        "DBWB_BACKEND=external",
        "cannot be reached",
        "flock /tmp/dbwb-notebook.lock",
    ):
        assert needed in text, needed


def test_compat_lane_passes_with_one_line_when_the_registry_cannot_be_reached(tmp_path):
    """No packages and no registry: one line saying so, exit 0 (a PostgreSQL version that is
    not installed, and an apt-get that cannot resolve the registry's host)."""
    repo = tmp_path / "repo"
    (repo / "compat").mkdir(parents=True)
    script = (ROOT / "compat" / "compat.sh").read_text().replace("\nPG_VERSION=15\n", "\nPG_VERSION=99\n")
    (repo / "compat" / "compat.sh").write_text(script)
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "apt-get").write_text("#!/bin/sh\necho 'Temporary failure resolving the registry' >&2\nexit 100\n")
    (fake / "apt-get").chmod(0o755)
    env = {"PATH": f"{fake}:/usr/bin:/bin:/usr/sbin:/sbin", "PY": sys.executable, "HOME": str(tmp_path)}
    result = subprocess.run(
        ["bash", str(repo / "compat" / "compat.sh"), "all"], capture_output=True, text=True, env=env, timeout=60
    )
    lines = (result.stdout + result.stderr).strip().splitlines()
    assert result.returncode == 0 and len(lines) == 1, result.stdout + result.stderr
    assert "skipped" in lines[0] and ("cannot be reached" in lines[0] or "needs root" in lines[0])


def test_the_lax_nbval_flags_live_in_testrun_only():
    """One place for nbval's flags: the docker lane and the compat lane call `dbworkbook nbval --lax`."""
    from dbworkbook import testrun

    lax = testrun.nbval_command(("notebooks",), lax=True)
    assert "--nbval-lax" in lax and "--nbval" not in lax and "--nbval-sanitize-with" not in lax
    assert "--nbval" in testrun.nbval_command(("notebooks",)) and "--nbval-lax" not in testrun.nbval_command()
    for path in (".github/workflows/ci.yml", "compat/compat.sh", "Makefile"):
        assert "--nbval" not in (ROOT / path).read_text(), f"{path} spells nbval flags of its own"
