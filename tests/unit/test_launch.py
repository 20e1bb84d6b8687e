"""One-click launch files: .devcontainer/ (Codespaces, VS Code) and binder/ (repo2docker).

Neither can run here (no Docker engine, no network to GitHub or mybinder.org), so this checks what
can be checked offline: the devcontainer against the Dev Container schema (a copy in
tests/schemas/, provenance in its README), the commands both run against the Makefile and the CLI,
the pins against pyproject.toml, and binder/start's order of steps with a stand-in `python`.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import tomllib
from pathlib import Path

import jsonschema

from dbworkbook.workbook import FIRST_NOTEBOOK

ROOT = Path(__file__).resolve().parents[2]
DEVCONTAINER = ROOT / ".devcontainer" / "devcontainer.json"
SCHEMA = ROOT / "tests" / "schemas" / "devContainer.base.schema.json"
BINDER = ROOT / "binder"
JUPYTER_PORT = 8888


def _devcontainer() -> dict:
    return json.loads(DEVCONTAINER.read_text())


def _validator():
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft201909Validator.check_schema(schema)
    return jsonschema.Draft201909Validator(schema)


def _make_targets() -> set[str]:
    return set(re.findall(r"^([a-z][a-z-]+):", (ROOT / "Makefile").read_text(), re.M))


def _pins() -> list[str]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]


def test_schema_copy_has_its_provenance():
    readme = (SCHEMA.parent / "README.md").read_text()
    assert SCHEMA.name in readme and "devcontainers/spec" in readme and "commit" in readme
    assert "draft/2019-09" in json.loads(SCHEMA.read_text())["$schema"]


def test_devcontainer_validates_against_the_schema():
    errors = sorted(_validator().iter_errors(_devcontainer()), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message[:200]}" for e in errors)


def test_the_schema_copy_catches_mistakes():
    """The validation is not vacuous: a misspelt property or a wrong value fails."""
    good = _devcontainer()
    v = _validator()
    assert list(v.iter_errors(dict(good, forwardPort=[JUPYTER_PORT])))
    ports = dict(good["portsAttributes"], **{str(JUPYTER_PORT): {"onAutoForward": "open"}})
    assert list(v.iter_errors(dict(good, portsAttributes=ports)))


def _commands(value) -> list[list[str]]:
    """A lifecycle command (string, list or object of them) as lists of words, split on &&."""
    if isinstance(value, dict):
        return [c for v in value.values() for c in _commands(v)]
    if isinstance(value, list):
        return [value]
    return [shlex.split(part) for part in value.split("&&")]


def test_devcontainer_installs_starts_seeds_and_opens_the_workbook():
    dc = _devcontainer()
    assert re.search(r"python:[\w.-]*3\.12", dc["image"]), dc["image"]
    targets = _make_targets()
    for hook in ("onCreateCommand", "postStartCommand", "postAttachCommand"):
        for words in _commands(dc[hook]):
            assert words[0] == "make" and words[1] in targets, (hook, words)
    create = [w[1] for w in _commands(dc["onCreateCommand"])]
    assert create[0] == "install" and "workbook" in create
    assert "PYTHON=python3.12" in dc["onCreateCommand"]
    start = [w[1] for w in _commands(dc["postStartCommand"])]
    assert start == ["up", "seed"]
    lab = _commands(dc["postAttachCommand"])[-1]
    assert lab[1] == "lab" and f"--port={JUPYTER_PORT}" in dc["postAttachCommand"]
    assert JUPYTER_PORT in dc["forwardPorts"]
    attrs = dc["portsAttributes"][str(JUPYTER_PORT)]
    assert "JupyterLab" in attrs["label"]
    assert f"workbook/{FIRST_NOTEBOOK}" in dc["customizations"]["codespaces"]["openFiles"]


def test_binder_files_exist_and_start_is_executable():
    for name in ("requirements.txt", "runtime.txt", "postBuild", "start"):
        assert (BINDER / name).is_file(), name
    for name in ("postBuild", "start"):
        path = BINDER / name
        assert os.access(path, os.X_OK), f"binder/{name} must be executable"
        assert path.read_text().startswith("#!/bin/bash\n")
        subprocess.run(["bash", "-n", str(path)], check=True)
    lines = [ln.strip() for ln in (BINDER / "start").read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    assert lines[-1] == 'exec "$@"'


def test_binder_requirements_are_exactly_the_pyproject_pins():
    reqs = [
        ln.strip()
        for ln in (BINDER / "requirements.txt").read_text().splitlines()
        if ln.strip() and not ln.startswith("#")
    ]
    assert sorted(reqs) == sorted(_pins())
    runtime = (BINDER / "runtime.txt").read_text().strip()
    assert re.fullmatch(r"python-3\.1[1-3]", runtime), runtime


def test_binder_postbuild_installs_the_workbook_without_moving_the_pins():
    text = (BINDER / "postBuild").read_text()
    assert "set -euo pipefail" in text
    assert re.search(r"pip install .*--no-deps -e \.", text)
    assert "dbworkbook workbook" in text and "dbworkbook lab-settings" in text


def test_binder_start_brings_servers_up_and_seeds_before_jupyterlab(tmp_path):
    """Run binder/start with a stand-in `python` that records its calls: up, seed, workbook, then
    the notebook server's command (here `echo`), in that order, from the repository."""
    log = tmp_path / "calls.log"
    stub = tmp_path / "bin" / "python"
    stub.parent.mkdir()
    stub.write_text(f'#!/bin/bash\necho "$PWD: $*" >> {log}\n')
    stub.chmod(0o755)
    env = dict(os.environ, PATH=f"{stub.parent}:{os.environ['PATH']}", REPO_DIR=str(ROOT))
    out = subprocess.run(
        [str(BINDER / "start"), "echo", "jupyter-lab-started"], env=env, capture_output=True, text=True, timeout=30
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "jupyter-lab-started"
    calls = log.read_text().splitlines()
    assert calls == [f"{ROOT}: -m dbworkbook up", f"{ROOT}: -m dbworkbook seed", f"{ROOT}: -m dbworkbook workbook"]


def test_binder_start_still_opens_jupyterlab_when_a_server_fails(tmp_path):
    stub = tmp_path / "bin" / "python"
    stub.parent.mkdir()
    stub.write_text('#!/bin/bash\n[ "$3" = up ] && exit 1\nexit 0\n')
    stub.chmod(0o755)
    env = dict(os.environ, PATH=f"{stub.parent}:{os.environ['PATH']}", REPO_DIR=str(ROOT))
    out = subprocess.run(
        [str(BINDER / "start"), "echo", "started"], env=env, capture_output=True, text=True, timeout=30
    )
    assert out.returncode == 0 and out.stdout.strip() == "started"
    assert "dbworkbook doctor" in out.stderr


def test_readme_launch_links_open_the_workbook():
    text = (ROOT / "README.md").read_text()
    binder = re.findall(r"https://mybinder\.org/v2/gh/[^)\s]+", text)
    codespaces = re.findall(r"https://codespaces\.new/[^)\s]+", text)
    assert binder and codespaces, "README needs its Binder and Codespaces links"
    assert all(f"urlpath=lab/tree/workbook/{FIRST_NOTEBOOK}" in url for url in binder)
    repo = {re.search(r"/gh/([^/]+/[^/]+)/", u).group(1) for u in binder}
    repo |= {re.search(r"codespaces\.new/([^/?]+/[^/?]+)", u).group(1) for u in codespaces}
    assert len(repo) == 1, f"the links name different repositories: {repo}"
