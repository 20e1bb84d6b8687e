"""One system account per learner, when the hub runs as root.

A learner's Jupyter server, kernels and databases then run as that learner's own account
(``jupyter-<name>``, home ``<homes>/jupyter-<name>``, mode 0700), so another learner's code cannot
open their files (their ``credentials.json``, their databases' data), nor signal their processes.

* ``ensure_accounts`` creates the accounts that do not exist (``useradd --system``, no password:
  nobody logs in as them except through the hub) and records the ones it created in
  ``<hub dir>/accounts.json``; an account that already existed is used and never removed.
* ``remove_accounts`` stops what runs as the recorded accounts and deletes them and their homes:
  only the accounts this hub created.
* ``build_runtime`` makes Python, the workbook's virtual environment (with the embedded servers'
  binaries) and the project's files usable by the learners' accounts when they are not (a
  checkout or a Python under ``/root``): a copy made of hard links (no extra disk; a real copy
  across file systems) in ``/var/lib/dbworkbook/hub/<id>/runtime``, every folder in it readable by
  all. Nothing in the original is loosened.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pwd
import shutil
import signal
import stat
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

from .. import settings as _settings

PREFIX = "jupyter-"
ACCOUNTS_FILE = "accounts.json"
DEFAULT_HOMES = Path("/home")
SYSTEM_ROOT = Path("/var/lib/dbworkbook")
MAX_USER = 32  # useradd's limit


class AccountError(RuntimeError):
    """An account could not be created or removed; the message says why."""


def as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def system_name(learner: str, prefix: str = PREFIX) -> str:
    """The learner's account name: ``prefix + learner``, shortened with a hash when too long."""
    name = prefix + learner
    if len(name) > MAX_USER:
        digest = hashlib.sha256(learner.encode()).hexdigest()[:5]
        name = name[: MAX_USER - 6] + "-" + digest
    return name


# --------------------------------------------------------------------------- the record
def _record_path(hub_dir: Path) -> Path:
    return Path(hub_dir) / ACCOUNTS_FILE


def read_record(hub_dir: Path) -> dict:
    try:
        data = json.loads(_record_path(hub_dir).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"accounts": {}}
    except (OSError, ValueError) as exc:
        raise AccountError(f"{_record_path(hub_dir)} is damaged ({exc}); fix or delete it by hand.") from None
    data.setdefault("accounts", {})
    return data


def _write_record(hub_dir: Path, data: dict) -> None:
    path = _record_path(hub_dir)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    tmp.chmod(0o600)
    os.replace(tmp, path)


# --------------------------------------------------------------------------- accounts
def ensure_account(learner: str, homes: Path, hub_dir: Path, prefix: str = PREFIX) -> dict:
    """The learner's account (created when missing, and recorded): {'user', 'uid', 'gid', 'home', 'created'}."""
    name = system_name(learner, prefix)
    record = read_record(hub_dir)
    try:
        pw = pwd.getpwnam(name)
        created = (
            bool(record["accounts"].get(learner, {}).get("created")) and record["accounts"][learner]["user"] == name
        )
    except KeyError:
        useradd = shutil.which("useradd") or "/usr/sbin/useradd"
        if not Path(useradd).exists():
            raise AccountError(
                "`useradd` is not available to create the learners' accounts: install the `passwd` package, "
                "or run the hub with --shared-account."
            ) from None
        home = Path(homes) / name
        shell = "/bin/bash" if Path("/bin/bash").exists() else "/bin/sh"  # for JupyterLab's terminal
        result = subprocess.run(
            [useradd, "--system", "--user-group", "--no-create-home", "--home-dir", str(home), "--shell", shell, name],
            capture_output=True,
            text=True,
        )
        if result.returncode not in (0, 9):
            raise AccountError(
                f"Could not create the account {name!r} for {learner}: {result.stderr.strip()}"
            ) from None
        pw = pwd.getpwnam(name)
        created = result.returncode == 0
        if created:
            record["accounts"][learner] = {"user": name, "uid": pw.pw_uid, "home": pw.pw_dir, "created": True}
            _write_record(hub_dir, record)
    if pw.pw_uid == 0:
        raise AccountError(f"The account {name!r} has uid 0: the hub will not run a learner as root.")
    home = Path(pw.pw_dir)
    if not created and not home.is_dir():
        raise AccountError(
            f"The existing account {name!r} has no home folder ({home}): create it, or remove the account."
        )
    if created:
        home.mkdir(parents=True, exist_ok=True)
        os.chown(home, pw.pw_uid, pw.pw_gid)
        home.chmod(0o700)
    return {"user": name, "uid": pw.pw_uid, "gid": pw.pw_gid, "home": str(home), "created": created}


def _pids_of(uid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    pids.append(int(entry))
            except OSError:
                continue
    return pids


def stop_processes(uid: int, timeout: float = 10) -> None:
    """End every process running as uid (a learner account's: their Jupyter server, kernels and
    databases) - TERM, then KILL after timeout."""
    if uid == 0:
        raise AccountError("refusing to stop the processes of uid 0")
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in _pids_of(uid):
            with contextlib.suppress(OSError):
                os.kill(pid, sig)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _pids_of(uid):
            time.sleep(0.2)
        if not _pids_of(uid):
            return


def remove_accounts(hub_dir: Path, log=print) -> list[str]:
    """Delete the accounts this hub created (and their homes, and the hub's runtime copy); the
    accounts it found existing are left alone. Returns the names removed."""
    record = read_record(hub_dir)
    removed = []
    for _learner, entry in sorted(record["accounts"].items()):
        if not entry.get("created"):
            continue
        name = entry["user"]
        try:
            pw = pwd.getpwnam(name)
        except KeyError:
            removed.append(name)
            continue
        if pw.pw_uid != entry["uid"]:
            log(f"{name}: its uid changed since the hub created it ({entry['uid']} -> {pw.pw_uid}); left alone.")
            continue
        running = _pids_of(pw.pw_uid)
        if running:
            log(f"{name}: stopping {len(running)} process(es) still running as it")
            stop_processes(pw.pw_uid)
        result = subprocess.run([shutil.which("userdel") or "/usr/sbin/userdel", name], capture_output=True, text=True)
        if result.returncode not in (0, 6):  # 6: no such user
            raise AccountError(f"Could not remove the account {name!r}: {result.stderr.strip()}")
        home = Path(entry["home"])
        if home.is_dir() and home.stat().st_uid == pw.pw_uid:
            shutil.rmtree(home, ignore_errors=True)
        removed.append(name)
        log(f"removed the account {name} and its home {home}")
    for learner in [k for k, v in record["accounts"].items() if v.get("user") in removed]:
        del record["accounts"][learner]
    _write_record(hub_dir, record)
    shutil.rmtree(runtime_root(hub_dir), ignore_errors=True)
    return removed


# --------------------------------------------------------------------------- the learners' runtime
def world_reachable(path: Path) -> bool:
    """True when every folder from / down to path can be entered by any user."""
    path = Path(path).resolve()
    for folder in [path, *path.parents]:
        try:
            if not folder.stat().st_mode & stat.S_IXOTH:
                return False
        except OSError:
            return False
    return True


def runtime_root(hub_dir: Path) -> Path:
    return SYSTEM_ROOT / "hub" / _settings.instance_id(Path(hub_dir).resolve())


PROJECT_SKIP = {".git", ".venv", ".dbworkbook", "workbook", "wheelhouse", "node_modules", "_build", "report"}


def _link_tree(src: Path, dst: Path) -> None:
    """dst: a copy of src made of hard links (a real copy across file systems)."""
    result = subprocess.run(["cp", "-al", str(src), str(dst)], capture_output=True, text=True)
    if result.returncode:
        shutil.rmtree(dst, ignore_errors=True)
        result = subprocess.run(["cp", "-a", str(src), str(dst)], capture_output=True, text=True)
        if result.returncode:
            raise AccountError(f"Could not copy {src} to {dst}: {result.stderr.strip()[-500:]}")


def _open_up(root: Path) -> None:
    """Every folder readable and enterable by all; a file others cannot read gets its own copy
    (a hard link shares its mode with the original, which stays as it was)."""
    for folder, _dirs, files in os.walk(root):
        Path(folder).chmod(0o755)
        for name in files:
            p = Path(folder) / name
            if p.is_symlink():
                continue
            mode = p.stat().st_mode
            if not mode & stat.S_IROTH:
                tmp = p.with_name(p.name + ".dbwb-copy")
                shutil.copy2(p, tmp)
                tmp.chmod(mode | stat.S_IRGRP | stat.S_IROTH | (0o055 if mode & stat.S_IXUSR else 0))
                os.replace(tmp, p)


def _replace_file(path: Path, text: str) -> None:
    """Write a file that may be a hard link to the original: unlink first, never write through."""
    path.unlink(missing_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(0o644)


def build_runtime(hub_dir: Path, project: Path | None = None, log=print) -> dict:
    """{'python', 'root', 'env'}: the interpreter, project root and environment the learners' accounts
    use. When this interpreter, its virtual environment and the project are all reachable by other
    users, they are used in place; otherwise a hard-link copy is made (once per environment; the
    project's files each time)."""
    project = Path(project or _settings.project_root()).resolve()
    base, prefix = Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()
    if all(world_reachable(p) for p in (base, prefix, project)) and all(
        world_reachable(Path(p)) for p in sys.path if p and Path(p).exists()
    ):
        return {"python": sys.executable, "root": str(project), "env": {}}
    root = runtime_root(hub_dir)
    for folder in (SYSTEM_ROOT, SYSTEM_ROOT / "hub", root):
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o755)
    site = Path(sysconfig.get_paths()["purelib"]).resolve()
    stamp = json.dumps({"base": str(base), "prefix": str(prefix), "site": site.stat().st_mtime_ns})
    python_dir, venv_dir = root / "python", root / "venv"
    if (root / "stamp.json").exists() and (root / "stamp.json").read_text() == stamp:
        pass
    else:
        log(f"Making Python and the workbook's environment usable by the learners' accounts in {root} (hard links)...")
        for d in (python_dir, venv_dir, root / "stamp.json"):
            if d.is_dir():
                shutil.rmtree(d)
            else:
                d.unlink(missing_ok=True)
        if base != prefix:
            _link_tree(base, python_dir)
            _link_tree(prefix, venv_dir)
            _open_up(python_dir)
        else:
            _link_tree(prefix, venv_dir)
        _open_up(venv_dir)
        if base != prefix:
            version = f"python{sys.version_info.major}.{sys.version_info.minor}"
            cfg = (prefix / "pyvenv.cfg").read_text(encoding="utf-8").splitlines()
            cfg = [f"home = {python_dir / 'bin'}" if line.startswith("home") else line for line in cfg]
            cfg = [line for line in cfg if not line.startswith(("executable", "command"))]
            _replace_file(venv_dir / "pyvenv.cfg", "\n".join(cfg) + "\n")
            for link in (venv_dir / "bin").iterdir():
                if link.is_symlink() and link.name.startswith("python"):
                    link.unlink()
                    link.symlink_to(python_dir / "bin" / version)
        (root / "stamp.json").write_text(stamp)
    # The project's files (the editable install points at src/), fresh each time.
    proj = root / "project"
    shutil.rmtree(proj, ignore_errors=True)
    proj.mkdir()
    for item in project.iterdir():
        if item.name not in PROJECT_SKIP:
            _link_tree(item, proj / item.name)
    _open_up(proj)
    rel_site = site.relative_to(prefix)
    for pth in (venv_dir / rel_site).glob("__editable__*"):
        text = pth.read_text(encoding="utf-8").replace(str(project), str(proj))
        _replace_file(pth, text)
    env = {"VIRTUAL_ENV": str(venv_dir), "PATH": f"{venv_dir / 'bin'}:/usr/local/bin:/usr/bin:/bin"}
    if base != prefix:
        env["LD_LIBRARY_PATH"] = str(python_dir / "lib")  # a Python built with an absolute RUNPATH
    return {"python": str(venv_dir / "bin" / "python"), "root": str(proj), "env": env}
