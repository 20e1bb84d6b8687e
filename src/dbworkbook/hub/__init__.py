"""``make hub``: JupyterHub for a room of learners on one machine, each with their own databases.

    python -m dbworkbook hub LEARNERS_FILE [--ip 127.0.0.1] [--port 8000] [--base-port 20000]

Every learner on the list (one name a line) gets, when they sign in and start their server:

* **their own** PostgreSQL, MongoDB and Redis (the embedded servers), on ports allocated to them
  (``base_port + 10 * i`` for PostgreSQL, ``+1`` MongoDB, ``+2`` Redis), with their own state folder
  ``<hub dir>/learners/<name>/.dbworkbook`` and their own ``workbook/``: no schema, collection,
  Redis database or server-wide setting is shared;
* **their own credentials**, generated once and kept in ``credentials.json`` (mode 0600) in their
  state folder: a PostgreSQL role password, Redis ``requirepass`` (in a 0600 config file, never on
  a command line) and a MongoDB SCRAM-SHA-256 user (the embedded MongoDB is started once without
  ``--auth`` to create it, then always with it). ``settings.get()`` reads that file, so the
  learner's notebooks connect with no change.
* the seeded dataset: a **template** (seeded once, ``dataset small``) is copied into each
  learner's state on their first start (seconds; seeding takes a minute or two).

Sign-in is JupyterHub's ``FirstUseAuthenticator``: only names on the list can sign in, and each
learner chooses their password the first time. The hub listens on ``--ip:--port`` (default
127.0.0.1:8000; use ``--ip 0.0.0.0`` and TLS for a room); its API, the proxy's API, the learners'
Jupyter servers and databases listen on 127.0.0.1 only. See docs/hub.md.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .. import settings as _settings

NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
RESERVED = {"root", "admin", "hub", "user", "api", "services", "postgres", "dbworkbook"}
PORT_STRIDE = 10
PORT_OFFSETS = {"postgres": 0, "mongo": 1, "redis": 2}
MONGO_USER = "workbook"
PENDING_FILE = "credentials.pending.json"


class HubError(RuntimeError):
    """A hub or learner problem; the message says what to do."""


# --------------------------------------------------------------------------- the learner list
def read_learners(path: Path | str) -> tuple[list[str], list[str]]:
    """(valid names in order, one message per problem). Comments (#) and blank lines are ignored;
    names are lower-cased; an invalid name or a duplicate is reported and left out."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise HubError(
            f"Cannot read the learner list {path}: {getattr(exc, 'strerror', None) or exc}. "
            "Give a text file with one learner name a line."
        ) from None
    names: list[str] = []
    seen: dict[str, int] = {}
    problems = []
    for number, raw in enumerate(lines, 1):
        text = raw.split("#", 1)[0].strip()
        if not text:
            continue
        name = text.lower()
        if not NAME.match(name) or name in RESERVED:
            why = (
                "is reserved"
                if name in RESERVED
                else ("is not a valid name: use 1-32 lower-case letters, digits, '-' or '_', starting with a letter")
            )
            problems.append(f"{path.name} line {number}: {text!r} {why}; this line is skipped.")
            continue
        if name in seen:
            problems.append(
                f"{path.name} line {number}: {text!r} is a duplicate of line {seen[name]}; this line is skipped."
            )
            continue
        seen[name] = number
        names.append(name)
    return names, problems


@dataclass(frozen=True)
class Learner:
    name: str
    index: int
    base_port: int
    hub_dir: Path
    home_dir: Path | None = None  # with an account per learner: that account's home
    account: str | None = None  # the learner's system account (None: the hub's own, shared)

    @property
    def ports(self) -> dict:
        first = self.base_port + PORT_STRIDE * self.index
        return {server: first + offset for server, offset in PORT_OFFSETS.items()}

    @property
    def home(self) -> Path:
        return self.home_dir or self.hub_dir / "learners" / self.name

    @property
    def state_dir(self) -> Path:
        return self.home / ".dbworkbook"

    @property
    def workbook(self) -> Path:
        return self.home / "workbook"

    def env(self) -> dict:
        return {
            "DBWB_STATE_DIR": str(self.state_dir),
            "DBWB_BACKEND": "embedded",
            **{_settings.PORT_VARS[s]: str(p) for s, p in self.ports.items()},
        }


def plan(names: list[str], base_port: int, hub_dir: Path) -> list[Learner]:
    last = base_port + PORT_STRIDE * len(names)
    if not base_port >= 1024 or last > 65535:
        raise HubError(
            f"--base-port {base_port}: {len(names)} learners need ports {base_port}-{last - 1}, "
            "inside 1024-65535. Choose another base port."
        )
    return [Learner(n, i, base_port, Path(hub_dir).resolve()) for i, n in enumerate(names)]


def ports_in_use(learner: Learner, ours: bool = True) -> list[int]:
    """The learner's ports another program holds (ours=True skips ports the learner's own running
    servers hold)."""
    from ..servers import ALL, port_free

    busy = []
    cfg = learner_settings(learner, credentials=False)
    for name, port in learner.ports.items():
        if not port_free(port):
            if ours and ALL[name](cfg).pid() is not None:
                continue
            busy.append(port)
    return busy


# --------------------------------------------------------------------------- credentials
def generate_credentials() -> dict:
    return {
        "postgres_password": secrets.token_urlsafe(24),
        "redis_password": secrets.token_urlsafe(24),
        "mongo_user": MONGO_USER,
        "mongo_password": secrets.token_urlsafe(24),
    }


def _write_private(path: Path, data: dict) -> None:
    """Write JSON readable by its owner only (0600), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".cred-", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def learner_settings(learner: Learner, credentials: bool = True) -> _settings.Settings:
    """The settings of one learner's servers (explicit: the hub serves many learners at once)."""
    creds = _settings.load_credentials(learner.state_dir) if credentials else None
    return settings_for(learner.state_dir, learner.ports, creds)


def settings_for(state_dir: Path, ports: dict, creds: dict | None) -> _settings.Settings:
    return _settings.Settings(
        backend="embedded",
        scale="small",
        host="127.0.0.1",
        ports=dict(ports),
        state_dir=Path(state_dir),
        credentials=creds,
    )


# --------------------------------------------------------------------------- provisioning
def _cp(src: Path, dst: Path) -> None:
    result = subprocess.run(["cp", "-a", str(src), str(dst)], capture_output=True, text=True)
    if result.returncode:
        raise HubError(f"Could not copy {src} to {dst}: {result.stderr.strip()}")


def copy_template(template: Path, state: Path, ports: dict, pg_inside: bool = False) -> None:
    """Copy a seeded (stopped) state folder into a learner's new state folder (pg_inside: PostgreSQL's
    data in the state folder itself, for a learner account whose servers run as that account)."""
    from ..servers.postgres import PostgresServer, _mkdir_public

    template, state = Path(template), Path(state)
    if not (template / "fingerprint.json").exists():
        raise HubError(
            f"The template {template} is not seeded (no fingerprint.json): rebuild it with "
            "python -m dbworkbook hub --rebuild-template LEARNERS_FILE"
        )
    state.mkdir(parents=True, exist_ok=True)
    for item in template.iterdir():
        if item.name in ("postgres", "run", "logs", _settings.CREDENTIALS_FILE, PENDING_FILE, "progress.json"):
            continue
        _cp(item, state / item.name)
    src = PostgresServer(settings_for(template, ports, None))._data_root()
    learner_pg = PostgresServer(settings_for(state, ports, None))
    dst = learner_pg.link if pg_inside else learner_pg._data_root()
    if dst != learner_pg.link:  # as root, outside a world-reachable folder: /var/lib/dbworkbook/<id>
        if dst.parent.exists():
            shutil.rmtree(dst.parent)  # left by an earlier learner folder at this same path
        _mkdir_public(dst.parent.parent)
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.parent.chmod(0o755)
        _cp(src, dst)
        learner_pg.link.symlink_to(dst, target_is_directory=True)
    else:
        _cp(src, dst)


def _set_pg_password(cfg: _settings.Settings, password: str) -> None:
    """Set the role's password with the server stopped (single-user mode: nothing listens, and the
    password travels on stdin, never on a command line)."""
    from ..servers.postgres import PostgresServer

    pg = PostgresServer(cfg)
    sql = "ALTER ROLE {} PASSWORD '{}';\n".format(_settings.PG_USER, password.replace("'", "''"))
    result = subprocess.run(
        [str(pg.bin("postgres")), "--single", "-D", str(pg.pgdata), "-j", "postgres"],
        input=sql,
        capture_output=True,
        text=True,
        **pg.popen_kwargs(),
    )
    if result.returncode:
        raise HubError(f"Could not set the learner's PostgreSQL password: {(result.stdout + result.stderr)[-500:]}")


def provision(state_dir: Path, ports: dict, template: Path | None = None, log=print) -> _settings.Settings:
    """Give one state folder its databases and its own credentials (idempotent), and start its
    three servers. Returns the learner's settings (with credentials)."""
    from ..servers import MongoServer, PostgresServer, RedisServer

    state = Path(state_dir)
    state.mkdir(parents=True, exist_ok=True)
    state.chmod(0o700)
    creds = _settings.load_credentials(state)
    fresh = creds is None
    if creds is None:
        pending = state / PENDING_FILE
        try:
            creds = json.loads(pending.read_text())
        except (OSError, ValueError):
            creds = generate_credentials()
            _write_private(pending, creds)
        plain = settings_for(state, ports, None)
        if template and not (state / "fingerprint.json").exists():
            log(f"copying the seeded template into {state}")
            copy_template(template, state, ports)
        pg = PostgresServer(settings_for(state, ports, {"postgres_password": creds["postgres_password"]}))
        if (pg.pgdata / "PG_VERSION").exists():
            _set_pg_password(plain, creds["postgres_password"])
        # MongoDB: create the SCRAM user without --auth (once), then always start with it.
        mongo_plain = MongoServer(plain)
        mongo_plain.start()
        try:
            import pymongo

            client: pymongo.MongoClient[dict] = pymongo.MongoClient(
                f"mongodb://127.0.0.1:{ports['mongo']}/?directConnection=true", serverSelectionTimeoutMS=10000
            )
            with client:
                admin = client.admin
                known = admin.command("usersInfo", MONGO_USER).get("users")
                action = "updateUser" if known else "createUser"
                admin.command(
                    action, MONGO_USER, pwd=creds["mongo_password"], roles=["root"], mechanisms=["SCRAM-SHA-256"]
                )
        finally:
            mongo_plain.stop()
        _write_private(state / _settings.CREDENTIALS_FILE, creds)
        pending.unlink(missing_ok=True)
    cfg = settings_for(state, ports, creds)
    (state / _settings.CREDENTIALS_FILE).chmod(0o600)
    for server in (PostgresServer(cfg), MongoServer(cfg), RedisServer(cfg)):
        log(server.start())
    if fresh:
        _drop_foreign_mongo_users(cfg, log)
    return cfg


def _drop_foreign_mongo_users(cfg: _settings.Settings, log=print) -> None:
    """MongoDB ran without --auth for a moment while the learner's user was created: any other user
    made in that moment (by another local user racing for the port) is dropped, now that it runs
    with --auth. Every user is listed in admin.system.users, as in MongoDB (usersInfo with forAllDBs
    lists nothing on the embedded server)."""
    import pymongo

    client: pymongo.MongoClient[dict] = pymongo.MongoClient(cfg.mongo_url, serverSelectionTimeoutMS=10000)
    with client:
        for user in list(client.admin["system.users"].find({}, {"user": 1, "db": 1})):
            if (user.get("user"), user.get("db")) != (MONGO_USER, "admin"):
                client[user["db"]].command("dropUser", user["user"])
                log(f"dropped the MongoDB user {user['user']}@{user['db']}, created while it ran without --auth")


def stop_servers(state_dir: Path, ports: dict) -> list[str]:
    from ..servers import servers

    creds = _settings.load_credentials(state_dir)
    return [s.stop() for s in servers(None, settings_for(state_dir, ports, creds))]


def remove_learner_data(state_dir: Path) -> None:
    """Delete a learner's databases for good (their servers must be stopped): the state folder and,
    when PostgreSQL's data lives outside it (as root: /var/lib/dbworkbook/<id>), that folder too."""
    from ..servers.postgres import SYSTEM_ROOT

    state = Path(state_dir)
    link = state / "postgres"
    if link.is_symlink():
        target = link.resolve()
        if SYSTEM_ROOT in target.parents:
            shutil.rmtree(target.parent, ignore_errors=True)
    shutil.rmtree(state, ignore_errors=True)


def make_workbook(target: Path, source: Path | None = None) -> None:
    """The learner's own workbook/ (the learner's edition): created, or updated by the rule that
    never loses the learner's work (see dbworkbook.workbook)."""
    from ..workbook import update

    source = source or _settings.project_root() / "notebooks"
    update(source, target, quiet=True)


# --------------------------------------------------------------------------- the template
def default_template_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dbworkbook" / "hub-template-small"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_template(template: Path, log=print) -> Path:
    """Seed a state folder once (dataset small) and stop its servers: every learner starts from a
    copy of it. About a minute and a half here; kept until deleted."""
    template = Path(template)
    if (template / "fingerprint.json").exists():
        return template
    if template.exists():
        shutil.rmtree(template)  # a half-built template (interrupted)
    building = template.with_name(template.name + ".building")
    if building.exists():
        from ..servers import servers

        for s in servers(None, settings_for(building, {"postgres": 1, "mongo": 1, "redis": 1}, None)):
            pid = s.pid()
            if pid:
                raise HubError(f"Another process is building the template in {building} (pid {pid}). Wait for it.")
        shutil.rmtree(building)
    env = {
        **os.environ,
        "DBWB_STATE_DIR": str(building),
        "DBWB_PROGRESS": "0",
        "DBWB_BACKEND": "embedded",
        "DBWB_SCALE": "small",
        "DBWB_PG_PORT": str(free_port()),
        "DBWB_MONGO_PORT": str(free_port()),
        "DBWB_REDIS_PORT": str(free_port()),
    }
    env.pop("DBWB_PROGRESS_FILE", None)
    log(f"Seeding the learners' template in {template} (once; about a minute or two)...")
    try:
        for step in (["up"], ["seed", "--scale", "small"]):
            result = subprocess.run(
                [sys.executable, "-m", "dbworkbook", *step], env=env, capture_output=True, text=True
            )
            if result.returncode:
                raise HubError(
                    f"Building the template failed at `{' '.join(step)}`:\n{(result.stdout + result.stderr)[-1500:]}"
                )
    finally:
        subprocess.run([sys.executable, "-m", "dbworkbook", "down"], env=env, capture_output=True, text=True)
    for name in ("run", "logs"):
        shutil.rmtree(building / name, ignore_errors=True)
    building.rename(template)
    # PostgreSQL's data may live outside (as root): its link moved with the folder and still points there.
    return template


# --------------------------------------------------------------------------- configurable-http-proxy
PROXY_VERSION = "5.3.0"


def proxy_command(prefix: Path | None = None, log=print) -> str:
    """The path of configurable-http-proxy, installed from npm into a local node_modules by the
    project's own package.json (once)."""
    found = shutil.which("configurable-http-proxy")
    prefix = Path(prefix) if prefix else default_template_dir().parent / "node"
    binary = prefix / "node_modules" / ".bin" / "configurable-http-proxy"
    if binary.exists():
        return str(binary)
    if found:
        return found
    npm = shutil.which("npm")
    if npm is None:
        raise HubError(
            "JupyterHub's proxy, configurable-http-proxy, comes from npm, and npm is not installed. "
            "Install Node.js 18+ (nodejs.org, or your package manager), then run make hub again."
        )
    prefix.mkdir(parents=True, exist_ok=True)
    shutil.copy(Path(__file__).with_name("package.json"), prefix / "package.json")
    log(f"Installing configurable-http-proxy {PROXY_VERSION} from npm into {prefix}/node_modules ...")
    result = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--omit=dev", "--prefix", str(prefix)],
        capture_output=True,
        text=True,
    )
    if result.returncode or not binary.exists():
        raise HubError(f"npm could not install configurable-http-proxy:\n{(result.stdout + result.stderr)[-1500:]}")
    return str(binary)


# --------------------------------------------------------------------------- the command
def write_plan(
    learners: list[Learner],
    hub_dir: Path,
    *,
    ip: str,
    port: int,
    base_port: int,
    template: Path | None,
    proxy: str,
    admins=(),
    ssl_cert=None,
    ssl_key=None,
    cull_idle_seconds: int = 3600,
    runtime: dict | None = None,
) -> Path:
    hub_dir = Path(hub_dir).resolve()
    hub_dir.mkdir(parents=True, exist_ok=True)
    hub_dir.chmod(0o700)
    (hub_dir / "learners").mkdir(exist_ok=True)
    data = {
        "root": str(_settings.project_root()),
        "hub_dir": str(hub_dir),
        "ip": ip,
        "port": port,
        "hub_port": port + 1,
        "proxy_api_port": port + 2,
        "base_port": base_port,
        "template": str(template) if template else None,
        "proxy": proxy,
        "admins": list(admins),
        "ssl_cert": ssl_cert,
        "ssl_key": ssl_key,
        "cull_idle_seconds": cull_idle_seconds,
        # runtime: None when the learners share the hub's account, else the interpreter, project
        # root and environment their accounts run (accounts.build_runtime)
        "accounts": runtime is not None,
        "python": runtime["python"] if runtime else sys.executable,
        "learner_root": runtime["root"] if runtime else str(_settings.project_root()),
        "learner_env": runtime["env"] if runtime else {},
        "learners": [
            {"name": x.name, "index": x.index, "ports": x.ports, "home": str(x.home), "account": x.account}
            for x in learners
        ],
    }
    path = hub_dir / "plan.json"
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return path


def hub_command(plan_path: Path) -> tuple[list[str], dict]:
    """The command line and environment that run JupyterHub on a plan."""
    env = {
        **os.environ,
        "DBWB_HUB_PLAN": str(plan_path),
        "CONFIGPROXY_AUTH_TOKEN": os.environ.get("CONFIGPROXY_AUTH_TOKEN") or secrets.token_hex(32),
    }
    for var in ("DBWB_STATE_DIR", "DBWB_PROGRESS_FILE", "DBWB_PROGRESS", *_settings.PORT_VARS.values()):
        env.pop(var, None)  # each learner gets their own (WorkbookSpawner.get_env)
    config = Path(__file__).with_name("jupyterhub_config.py")
    return [sys.executable, "-m", "jupyterhub", "-f", str(config)], env


def learners_of_plan(plan_data: dict) -> list[Learner]:
    hub_dir = Path(plan_data["hub_dir"])
    return [
        Learner(
            e["name"],
            e["index"],
            plan_data["base_port"],
            hub_dir,
            Path(e["home"]) if e.get("account") else None,
            e.get("account"),
        )
        for e in plan_data["learners"]
    ]


def prepare_account_home(learner: Learner, template: Path | None) -> None:
    """As root, before a learner's first start with their own account: their state folder (0700)
    with a copy of the seeded template, PostgreSQL's data inside it, all owned by their account."""
    import pwd

    assert learner.account, "only for a learner with their own account"
    pw = pwd.getpwnam(learner.account)
    state = learner.state_dir
    if template and not (state / "fingerprint.json").exists():
        if state.exists():
            shutil.rmtree(state)  # a first start that did not finish
        copy_template(template, state, learner.ports, pg_inside=True)
    state.mkdir(parents=True, exist_ok=True)
    for folder, dirs, files in os.walk(learner.home):
        for name in [folder, *(os.path.join(folder, n) for n in dirs + files)]:
            os.lchown(name, pw.pw_uid, pw.pw_gid)
    state.chmod(0o700)
    learner.home.chmod(0o700)


def run_as_account(learner: Learner, plan_data: dict, timeout: float = 280) -> str:
    """Provision the learner's databases and workbook as their own account (python -m
    dbworkbook.hub._provision): the servers then run as that account. Returns its output; raises
    HubError with the learner's message."""
    import pwd

    pw = pwd.getpwnam(learner.account or "")
    env = {
        "HOME": str(learner.home),
        "USER": pw.pw_name,
        "LANG": os.environ.get("LANG", "C.UTF-8"),
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        **plan_data.get("learner_env", {}),
        **learner.env(),
        "DBWB_ROOT": plan_data["learner_root"],
        "DBWB_PROGRESS": "0",
    }
    try:
        result = subprocess.run(
            [plan_data["python"], "-m", "dbworkbook.hub._provision", str(learner.workbook)],
            env=env,
            cwd=str(learner.home),
            user=pw.pw_uid,
            group=pw.pw_gid,
            extra_groups=[],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise HubError(f"provisioning {learner.name} took more than {timeout:.0f} s") from None
    if result.returncode:
        raise HubError((result.stderr.strip() or result.stdout.strip())[-1500:])
    return result.stdout
