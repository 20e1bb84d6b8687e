"""A small lifecycle shared by the three embedded servers: start, stop, status, pid and log files.

Each server is a background process on 127.0.0.1 whose pid lives in ``<state>/run/<name>.pid``
and whose output goes to ``<state>/logs/<name>.log``. ``start`` is a no-op when the server is
already running, refuses with a clear message when another program holds the port, and reports
the last lines of the log when the server does not come up. ``stop`` is fine when nothing runs,
and a pid file left behind by a crash is cleaned up.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .. import settings as _settings

# The Popen objects of the servers this process started. Kept so that they are not garbage
# collected while the server runs (subprocess warns about that), and reaped by ``stop``.
_CHILDREN: dict[int, subprocess.Popen] = {}


class ServerError(RuntimeError):
    """A server could not be started or stopped; the message says what to do."""


@dataclass
class Status:
    name: str
    label: str
    running: bool
    pid: int | None
    port: int
    detail: str = ""


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """True when something accepts TCP connections on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.3)
        return sock.connect_ex((host, port)) == 0


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    """True when a server could listen on host:port now. Nothing accepts connections there, and no
    socket holds it: an outgoing connection can hold any port inside the kernel's ephemeral range
    (see ephemeral_ports), which a connection test alone does not see."""
    if port_in_use(port, host):
        return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do: TIME_WAIT is no conflict
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def ephemeral_ports() -> range:
    """The ports the kernel hands to outgoing connections (Linux: net.ipv4.ip_local_port_range;
    elsewhere the IANA range 49152-65535). A server on a fixed port inside it can fail to start
    whenever an outgoing connection happens to hold that port."""
    try:
        low, high = (int(x) for x in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    except (OSError, ValueError):
        low, high = 49152, 65535
    return range(low, high + 1)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError as exc:
        return exc.errno == errno.EPERM
    # A zombie (exited, not yet reaped by its parent) is not alive for our purposes.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return "(no log yet)"
    return "\n".join(text[-lines:]) or "(log is empty)"


class Server:
    """One embedded server. Subclasses give its command, readiness check and version."""

    name = "server"
    label = "Server"
    stop_signal = signal.SIGTERM
    start_timeout = 30.0
    stop_timeout = 20.0

    def __init__(self, cfg: _settings.Settings | None = None):
        self.cfg = cfg or _settings.get()
        self.port = self.cfg.ports[self.name]
        self.state = self.cfg.state_dir
        self.pid_path = self.state / "run" / f"{self.name}.pid"
        self.log_path = self.state / "logs" / f"{self.name}.log"
        self.data_dir = self.state / self.name

    # ---- to be provided by each server ----
    def command(self) -> list[str]:
        raise NotImplementedError

    def prepare(self) -> None:
        """Create the data folder (first start only)."""

    def ready(self) -> bool:
        """True once the server answers a real request."""
        raise NotImplementedError

    def after_start(self) -> None:
        """Work done once the server answers (e.g. create the database)."""

    def version(self) -> str:
        return ""

    def popen_kwargs(self) -> dict:
        return {}

    # ---- shared lifecycle ----
    def pid(self) -> int | None:
        try:
            pid = int(self.pid_path.read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if pid_alive(pid) else None

    def running(self) -> bool:
        return self.pid() is not None and port_in_use(self.port)

    def status(self) -> Status:
        pid = self.pid()
        if pid is None:
            stale = self.pid_path.exists()
            detail = "stopped" + (" (stale pid file)" if stale else "")
            if port_in_use(self.port):
                detail = f"stopped; port {self.port} is held by another program"
            return Status(self.name, self.label, False, None, self.port, detail)
        if not port_in_use(self.port):
            return Status(self.name, self.label, False, pid, self.port, "starting or stuck")
        try:
            detail = self.version()
        except Exception as exc:
            detail = f"not answering: {exc}"
        return Status(self.name, self.label, True, pid, self.port, detail)

    def start(self) -> str:
        if self.running():
            return f"{self.label} already running on 127.0.0.1:{self.port} (pid {self.pid()})"
        self._clear_stale_pid()
        if port_in_use(self.port):
            var = _settings.PORT_VARS[self.name]
            raise ServerError(
                f"Port {self.port} is already in use by another program, so {self.label} cannot "
                f"start there. Stop that program, or choose another port for the workbook, e.g. "
                f"`{var}={self.port + 1} make lab` (set it in every shell that uses the workbook)."
            )
        # Nothing listens there, but an outgoing connection may hold the port for a moment (any
        # port inside the kernel's ephemeral range can be handed to one): wait for it to go.
        deadline = time.monotonic() + 10
        while not port_free(self.port) and time.monotonic() < deadline:
            time.sleep(0.2)
        if not port_free(self.port):
            var = _settings.PORT_VARS[self.name]
            eph = ephemeral_ports()
            raise ServerError(
                f"Port {self.port} is held by a connection of another program (nothing listens there, "
                f"but a socket is bound to it), so {self.label} cannot start there. "
                + (
                    f"The port lies in the range the kernel gives outgoing connections ({eph.start}-{eph.stop - 1}); "
                    if self.port in eph
                    else ""
                )
                + f"try again in a minute, or choose another port, e.g. `{var}={self.port + 1} make lab`."
            )
        for folder in (self.pid_path.parent, self.log_path.parent):
            folder.mkdir(parents=True, exist_ok=True)
        self.prepare()
        with open(self.log_path, "ab") as log:
            log.write(f"\n=== dbworkbook: starting {self.label} {time.ctime()} ===\n".encode())
            log.flush()
            proc = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                close_fds=True,
                **self.popen_kwargs(),
            )
        _CHILDREN[proc.pid] = proc
        self.pid_path.write_text(str(proc.pid))
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                _CHILDREN.pop(proc.pid, None)
                self.pid_path.unlink(missing_ok=True)
                raise ServerError(
                    f"{self.label} exited during start (code {proc.returncode}). "
                    f"Last lines of {self.log_path}:\n{tail(self.log_path)}"
                )
            if port_in_use(self.port):
                try:
                    if self.ready():
                        break
                except Exception:
                    pass
            time.sleep(0.1)
        else:
            self.stop()
            raise ServerError(
                f"{self.label} did not answer on port {self.port} within {self.start_timeout:.0f} s. "
                f"Last lines of {self.log_path}:\n{tail(self.log_path)}"
            )
        self.after_start()
        return f"{self.label} started on 127.0.0.1:{self.port} (pid {proc.pid})"

    def stop(self) -> str:
        pid = self.pid()
        if pid is None:
            self._clear_stale_pid()
            return f"{self.label} not running"
        try:
            os.killpg(pid, self.stop_signal)
        except OSError:
            with contextlib.suppress(OSError):
                os.kill(pid, self.stop_signal)
        deadline = time.monotonic() + self.stop_timeout
        while time.monotonic() < deadline and pid_alive(pid):
            time.sleep(0.1)
        if pid_alive(pid):
            for kill in (os.killpg, os.kill):
                with contextlib.suppress(OSError):
                    kill(pid, signal.SIGKILL)
            time.sleep(0.3)
        child = _CHILDREN.pop(pid, None)
        if child is not None:
            child.poll()  # reap it if this process started it
        self.pid_path.unlink(missing_ok=True)
        return f"{self.label} stopped"

    def _clear_stale_pid(self) -> None:
        if self.pid_path.exists() and self.pid() is None:
            self.pid_path.unlink(missing_ok=True)
