"""A corrupt state file is named, with what happened and what to run (issue 13, section 3).

`<state>/fingerprint.json` cut short (an interrupted seed, a full disk) used to count as "never
seeded": `status` and `doctor` said nothing and `wb.setup` ended in a raw traceback. Every test
works on a temporary DBWB_STATE_DIR holding a damaged copy: the real state files are never written.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from dbworkbook import datasets
from dbworkbook import settings as _settings
from dbworkbook.datasets import fingerprint

GOOD = {"dataset": "dbworkbook", "version": 1, "scale": "small", "databases": {"postgres": {}}}


@pytest.fixture
def corrupt(tmp_path, monkeypatch):
    """A state folder whose fingerprint is a valid one truncated half-way."""
    real = _settings.get().fingerprint_path
    text = real.read_text() if real.exists() else json.dumps(GOOD, indent=2) * 3
    path = tmp_path / "fingerprint.json"
    path.write_text(text[: len(text) // 2])
    monkeypatch.setenv("DBWB_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("DBWB_PROGRESS", "0")
    return path


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dbworkbook", *args], capture_output=True, text=True, env=dict(os.environ), timeout=120
    )


def _named(text: str, path) -> None:
    assert str(path) in text, "the file is named"
    assert "corrupt" in text and "not valid JSON" in text, "what happened"
    assert "make reset" in text, "what to run"
    assert "Traceback" not in text


@pytest.mark.parametrize(
    "content, why",
    [
        ("", "the file is empty"),
        ('{"scale": "small", "databases": {', "not valid JSON"),
        ("[1, 2]", "not a fingerprint"),
        ('{"databases": {}}', "entries scale, version are missing"),
    ],
)
def test_inspect_says_what_is_wrong(tmp_path, monkeypatch, content, why):
    monkeypatch.setenv("DBWB_STATE_DIR", str(tmp_path))
    (tmp_path / "fingerprint.json").write_text(content)
    state, data, reason = fingerprint.inspect()
    assert (state, data) == ("corrupt", None) and why in reason
    with pytest.raises(datasets.FingerprintCorrupt, match="make reset"):
        fingerprint.read()
    assert fingerprint.read(strict=False) is None  # what seeding uses: it writes a new one


def test_missing_and_valid_fingerprints(tmp_path, monkeypatch):
    monkeypatch.setenv("DBWB_STATE_DIR", str(tmp_path))
    assert fingerprint.inspect() == ("missing", None, "") and fingerprint.read() is None
    (tmp_path / "fingerprint.json").write_text(json.dumps(GOOD))
    assert fingerprint.inspect() == ("ok", GOOD, "")


def test_verify_names_a_corrupt_fingerprint(corrupt):
    with pytest.raises(datasets.FingerprintCorrupt) as err:
        datasets.verify(("postgres",))
    _named(str(err.value), corrupt)
    assert isinstance(err.value, datasets.StateProblem)


def test_status_names_a_corrupt_fingerprint(corrupt):
    result = _cli("status")
    _named(result.stdout + result.stderr, corrupt)
    assert result.returncode != 0


def test_doctor_names_a_corrupt_fingerprint(corrupt):
    result = _cli("doctor")
    out = result.stdout + result.stderr
    _named(out, corrupt)
    assert f"✗ {corrupt} is corrupt" in out and result.returncode == 1


def test_setup_names_a_corrupt_fingerprint_without_a_traceback(corrupt):
    import dbworkbook as wb

    with pytest.raises(datasets.FingerprintCorrupt) as err:
        wb.setup("99", postgres=True, quiet=True)
    _named(str(err.value), corrupt)
    assert err.value.__cause__ is None and err.value.__suppress_context__


def test_setup_in_ipython_shows_one_paragraph(corrupt):
    """What a learner sees in a notebook: IPython renders the exception's paragraph alone."""
    pytest.importorskip("IPython")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "IPython",
            "--colors=NoColor",
            "--no-banner",
            "-c",
            "import dbworkbook as wb; nb = wb.setup('99', quiet=True)",
        ],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
    )
    out = result.stdout + result.stderr
    _named(out, corrupt)
    assert "FingerprintCorrupt" in out and "File " not in out and "----> " not in out
