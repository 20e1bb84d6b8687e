"""`make hub` for real: JupyterHub with three learners, each signed in through the hub's HTTP API,
each running notebook 00's setup in their own kernel at the same time, on their own databases.

Proves isolation (a PostgreSQL row, a MongoDB document and a Redis key written by learner 1 are
invisible to learner 2, and learner 2 cannot log in to learner 1's three servers with the default
credentials or with their own), that a fourth learner whose ports are held by another program gets
one clear message while the others work, and that stopping the hub stops everything it started.

Run as root (as CI is), every learner gets their own system account (``dbwbt-<name>`` here, homes
in a temporary folder): the test also proves that learner 2's kernel gets PermissionError reading
learner 1's credentials file and cannot signal learner 1's database servers, that each learner's
Jupyter server and databases run as their own account, and that ``--remove-accounts`` leaves no
account or home behind. Not root: the shared-account mode, with its one-line warning.

Uses its own ports (a free block below the ephemeral range) and a temporary hub folder; never the
shared servers. Needs the `hub` extra (JupyterHub) and npm (for configurable-http-proxy), else it
is skipped. The learners start
from the seeded template (~/.cache/dbworkbook/hub-template-small): the first run on a machine seeds
it once (about a minute and a half more); later runs take about a minute and a half.
"""

from __future__ import annotations

import asyncio
import json
import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from dbworkbook import hub, settings
from dbworkbook.hub import accounts
from dbworkbook.servers import ephemeral_ports, port_free, port_in_use

try:
    import firstuseauthenticator  # noqa: F401
    import jupyterhub  # noqa: F401
    import requests

    HUB_MISSING = None
except ImportError as exc:  # the hub extra: pip install -e '.[hub]' (make hub does it)
    HUB_MISSING = f"the hub extra is not installed ({exc.name}): pip install -e '.[hub]'"

AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0  # then: an account per learner
PREFIX = "dbwbt-"  # the test's learner accounts: dbwbt-ada, ...


def _pick_block(span=100):
    """A block of ports below the kernel's ephemeral range where every port can be bound now (a
    fixed port inside that range was once held by an outgoing connection while the proxy started:
    EADDRINUSE). Scans down from 30300."""
    top = min(30300, ephemeral_ports().start - span)
    for start in range(top, 10000, -span):
        if all(port_free(p) for p in range(start, start + span)):
            return start
    raise RuntimeError("no free block of ports below the ephemeral range")


PORT = _pick_block()  # the hub: PORT public, PORT+1 hub API, PORT+2 proxy API
BASE = PORT + 10  # learners' databases: BASE..BASE+2, BASE+10..BASE+12, ...; BASE+90.. the provision test
LEARNERS = ["ada", "grace", "linus", "barbara"]
PASSWORD = "correct horse battery"


def _alive(pid):
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


class Learner:
    def __init__(self, base, name):
        self.base, self.name = base, name
        self.s = requests.Session()
        self.token = None

    def xsrf(self):
        return self.s.cookies.get("_xsrf", path="/hub/") or self.s.cookies.get("_xsrf")

    def sign_in(self):
        r = self.s.get(f"{self.base}/hub/login", timeout=30)
        assert r.status_code == 200, r.text[:300]
        r = self.s.post(
            f"{self.base}/hub/login?next=",
            data={"username": self.name, "password": PASSWORD, "_xsrf": self.xsrf()},
            allow_redirects=False,
            timeout=30,
        )
        assert r.status_code == 302, (r.status_code, r.text[:500])
        r = self.s.post(
            f"{self.base}/hub/api/users/{self.name}/tokens",
            json={"note": "test", "expires_in": 600},
            headers={"X-XSRFToken": self.xsrf()},
            timeout=30,
        )
        assert r.status_code in (200, 201), (r.status_code, r.text[:500])
        self.token = r.json()["token"]

    def api(self, method, path, **kw):
        return self.s.request(
            method, f"{self.base}/hub/api{path}", headers={"Authorization": f"token {self.token}"}, timeout=60, **kw
        )

    def start_server(self, timeout=240):
        r = self.api("POST", f"/users/{self.name}/server")
        if r.status_code >= 400:
            return r.text
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            info = self.api("GET", f"/users/{self.name}").json()
            server = (info.get("servers") or {}).get("")
            if server and server.get("ready"):
                return None
            if not server and not info.get("pending"):
                # the spawn failed: its message is in the progress stream's last event
                events = self.api("GET", f"/users/{self.name}/server/progress", stream=True)
                return events.text if events.status_code == 200 else f"spawn failed ({events.status_code})"
            time.sleep(0.5)
        raise AssertionError(f"{self.name}'s server did not become ready in {timeout} s")

    async def run(self, code, timeout=180, keep=False):
        """Execute code in a new kernel of this learner's server; returns its stdout."""
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        url = f"{self.base}/user/{self.name}/api/kernels"
        r = await asyncio.to_thread(
            self.s.post, url, headers={"Authorization": f"token {self.token}"}, json={"name": "python3"}, timeout=60
        )
        assert r.status_code == 201, (r.status_code, r.text[:300])
        kernel = r.json()["id"]
        ws_url = url.replace("http://", "ws://") + f"/{kernel}/channels"
        ws = await websocket_connect(HTTPRequest(ws_url, headers={"Authorization": f"token {self.token}"}))
        msg_id = uuid.uuid4().hex
        await ws.write_message(
            json.dumps(
                {
                    "header": {
                        "msg_id": msg_id,
                        "username": self.name,
                        "session": uuid.uuid4().hex,
                        "msg_type": "execute_request",
                        "version": "5.3",
                    },
                    "parent_header": {},
                    "metadata": {},
                    "channel": "shell",
                    "buffers": [],
                    "content": {
                        "code": code,
                        "silent": False,
                        "store_history": False,
                        "user_expressions": {},
                        "allow_stdin": False,
                        "stop_on_error": True,
                    },
                }
            )
        )
        out, error = [], None
        deadline = time.monotonic() + timeout
        while True:
            raw = await asyncio.wait_for(ws.read_message(), timeout=max(1, deadline - time.monotonic()))
            assert raw is not None, "the kernel's websocket closed"
            msg = json.loads(raw)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["header"]["msg_type"]
            if kind == "stream":
                out.append(msg["content"]["text"])
            elif kind == "error":
                error = "\n".join(msg["content"]["traceback"])
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                break
        ws.close()
        if keep:
            return "".join(out)
        await asyncio.to_thread(self.s.delete, f"{url}/{kernel}", headers={"Authorization": f"token {self.token}"})
        assert error is None, f"{self.name}'s kernel raised:\n{error}\n{''.join(out)}"
        return "".join(out)


SETUP = 'import dbworkbook as wb\nnb = wb.setup("00", postgres=True, mongo=True, redis=True, sqlite=True)\n'

WRITE_SECRET = SETUP + textwrap.dedent("""
    with wb.connect.postgres() as conn:
        conn.execute("CREATE TABLE nb00.hub_secret (v text)")
        conn.execute("INSERT INTO nb00.hub_secret VALUES ('only-ada')")
    wb.connect.mongo()["nb00_hub_secret"].insert_one({"v": "only-ada"})
    wb.connect.redis(db=12).set("nb00:hub_secret", "only-ada")
    print("WROTE")
""")

PROBE = SETUP + textwrap.dedent("""
    import json, psycopg, pymongo, redis
    from dbworkbook import settings
    cfg = settings.get()
    mine = cfg.credentials
    with wb.connect.postgres() as conn:
        seen_row = conn.execute("SELECT to_regclass('nb00.hub_secret') IS NOT NULL").fetchone()[0]
    seen_doc = wb.connect.mongo()["nb00_hub_secret"].count_documents({})
    seen_key = wb.connect.redis(db=12).exists("nb00:hub_secret")
    other = OTHER_PORTS
    results = {}
    for label, pw in (("default", "workbook"), ("own", mine["postgres_password"])):
        try:
            psycopg.connect(host="127.0.0.1", port=other["postgres"], user="workbook", password=pw,
                            dbname="workbook", connect_timeout=5).close()
            results["postgres_" + label] = "CONNECTED"
        except psycopg.OperationalError as exc:
            results["postgres_" + label] = "refused: " + " ".join(str(exc).split())[-160:]
    for label, pw in (("default", None), ("own", mine["redis_password"])):
        try:
            redis.Redis(host="127.0.0.1", port=other["redis"], password=pw, socket_timeout=5).get("nb00:hub_secret")
            results["redis_" + label] = "CONNECTED"
        except redis.exceptions.RedisError as exc:
            results["redis_" + label] = "refused: " + type(exc).__name__
    for label, auth in (("default", {}), ("own", {"username": "workbook", "password": mine["mongo_password"],
                                                   "authSource": "admin"})):
        try:
            with pymongo.MongoClient(f"mongodb://127.0.0.1:{other['mongo']}/?directConnection=true",
                                     serverSelectionTimeoutMS=5000, **auth) as c:
                c.workbook.list_collection_names()
            results["mongo_" + label] = "CONNECTED"
        except pymongo.errors.PyMongoError as exc:
            results["mongo_" + label] = "refused: " + type(exc).__name__
    import os
    files = {}
    try:
        open(OTHER_CREDENTIALS).read()
        files["credentials"] = "READ"
    except PermissionError:
        files["credentials"] = "PermissionError"
    try:
        os.kill(OTHER_PG_PID, 0)
        files["signal"] = "ALLOWED"
    except PermissionError:
        files["signal"] = "PermissionError"
    files["me"] = os.getuid()
    print("PROBE" + json.dumps({"row": seen_row, "doc": seen_doc, "key": seen_key, "login": results, "files": files}))
""")


def _tree(pid):
    kids = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                ppid = int(Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            kids.setdefault(ppid, []).append(int(p))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += kids.get(p, [])
    return out


def _pss_mb(pids):
    total = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def _singleuser_pid(name):
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{p}/cmdline").read_bytes()
            if (
                b"jupyterhub.singleuser" in cmd
                and f"JUPYTERHUB_USER={name}\0".encode() in Path(f"/proc/{p}/environ").read_bytes()
            ):
                return int(p)
        except OSError:
            continue
    return None


def _account_exists(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


@pytest.fixture(scope="module")
def template():
    if HUB_MISSING:
        pytest.skip(HUB_MISSING)
    if shutil.which("npm") is None and shutil.which("configurable-http-proxy") is None:
        pytest.skip("npm is not installed: configurable-http-proxy cannot be installed")
    return hub.build_template(hub.default_template_dir())


def test_learner_list_problems_are_reported_one_line_each(tmp_path):
    f = tmp_path / "learners.txt"
    f.write_text("ada\nAda\n# a comment\n\n9lives\ngrace hopper\nroot\nlinus\n")
    names, problems = hub.read_learners(f)
    assert names == ["ada", "linus"]
    assert len(problems) == 4
    assert "line 2: 'Ada' is a duplicate of line 1" in problems[0]
    assert "'9lives' is not a valid name" in problems[1] and "'grace hopper' is not a valid name" in problems[2]
    assert "'root' is reserved" in problems[3]
    with pytest.raises(hub.HubError, match="Cannot read the learner list"):
        hub.read_learners(tmp_path / "missing.txt")
    r = subprocess.run(
        [sys.executable, "-m", "dbworkbook", "hub", str(tmp_path / "empty.txt")], capture_output=True, text=True
    )
    assert r.returncode == 1 and "Cannot read the learner list" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.skipif(not AS_ROOT, reason="creating accounts needs root")
def test_learner_accounts_are_created_recorded_and_removed(tmp_path):
    """The account part alone (no JupyterHub): created with a 0700 home of its own, recorded, reused,
    and removed with its home; a too-long name is shortened with a hash."""
    long = "a" + "b" * 31
    assert accounts.system_name("ada") == "jupyter-ada" and len(accounts.system_name(long)) == 32
    assert accounts.system_name(long) != accounts.system_name(long[:-1] + "c")
    if _account_exists(PREFIX + "zed"):
        pytest.skip(f"an account {PREFIX}zed exists already on this machine")
    homes = Path(tempfile.mkdtemp(prefix="dbwb-hub-homes-", dir="/tmp"))
    try:
        info = accounts.ensure_account("zed", homes, tmp_path, PREFIX)
        home = Path(info["home"])
        assert info["created"] and home == homes / f"{PREFIX}zed"
        assert stat.S_IMODE(home.stat().st_mode) == 0o700 and home.stat().st_uid == pwd.getpwnam(f"{PREFIX}zed").pw_uid
        assert accounts.ensure_account("zed", homes, tmp_path, PREFIX)["created"]  # the record says it is ours
        assert json.loads((tmp_path / "accounts.json").read_text())["accounts"]["zed"]["user"] == f"{PREFIX}zed"
        assert accounts.remove_accounts(tmp_path, log=lambda *_: None) == [f"{PREFIX}zed"]
        assert not _account_exists(f"{PREFIX}zed") and not home.exists()
    finally:
        if _account_exists(f"{PREFIX}zed"):
            subprocess.run(["userdel", f"{PREFIX}zed"], check=False)
        shutil.rmtree(homes, ignore_errors=True)


def test_provision_gives_a_learner_their_own_credentials(tmp_path, monkeypatch):
    """Without JupyterHub: one learner's three servers with generated credentials (no template:
    empty databases), read by settings; the defaults are refused; re-provisioning keeps them."""
    import psycopg
    import pymongo
    import redis as redis_py

    ports = {"postgres": BASE + 90, "mongo": BASE + 91, "redis": BASE + 92}
    if not all(port_free(p) for p in ports.values()):
        pytest.skip("ports in use")
    state = tmp_path / "learner" / ".dbworkbook"
    try:
        cfg = hub.provision(state, ports, template=None, log=lambda *_: None)
        creds = json.loads((state / "credentials.json").read_text())
        assert stat.S_IMODE((state / "credentials.json").stat().st_mode) == 0o600
        assert stat.S_IMODE(state.stat().st_mode) == 0o700
        assert stat.S_IMODE((state / "run" / "redis-auth.conf").stat().st_mode) == 0o600
        assert creds["postgres_password"] not in " ".join(
            Path(f"/proc/{int((state / 'run' / n).read_text())}/cmdline").read_text().replace("\0", " ")
            for n in ("postgres.pid", "redis.pid", "mongo.pid")
        )
        # settings.get() reads the learner's credentials: the workbook's own clients connect
        monkeypatch.setenv("DBWB_STATE_DIR", str(state))
        for name, port in ports.items():
            monkeypatch.setenv(settings.PORT_VARS[name], str(port))
        from dbworkbook import connect

        versions = connect.versions(("postgres", "mongo", "redis"))
        assert versions["postgres"].startswith("PostgreSQL") and versions["redis"].startswith("Valkey")
        assert settings.get().pg_password == creds["postgres_password"] == cfg.pg_password
        # the defaults are refused by all three
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(
                host="127.0.0.1",
                port=ports["postgres"],
                user="workbook",
                password="workbook",
                dbname="workbook",
                connect_timeout=5,
            )
        with pytest.raises(redis_py.exceptions.AuthenticationError):
            redis_py.Redis(host="127.0.0.1", port=ports["redis"]).ping()
        with (
            pymongo.MongoClient(
                f"mongodb://127.0.0.1:{ports['mongo']}/?directConnection=true", serverSelectionTimeoutMS=5000
            ) as anonymous,
            pytest.raises(pymongo.errors.OperationFailure, match="requires authentication"),
        ):
            anonymous.workbook.list_collection_names()
        # a user made by someone racing for the port while MongoDB ran without --auth is dropped
        with pymongo.MongoClient(cfg.mongo_url, serverSelectionTimeoutMS=5000) as client:
            client.workbook.command("createUser", "intruder", pwd="x" * 12, roles=[])
            client.elsewhere.command("createUser", "intruder2", pwd="x" * 12, roles=["readWriteAnyDatabase"])
            dropped = []
            hub._drop_foreign_mongo_users(cfg, log=dropped.append)
            assert client.workbook.command("usersInfo")["users"] == client.elsewhere.command("usersInfo")["users"] == []
            assert {line.split()[4].rstrip(",") for line in dropped} == {"intruder@workbook", "intruder2@elsewhere"}, (
                dropped
            )
            assert [u["user"] for u in client.admin.command("usersInfo")["users"]] == ["workbook"]
        # provisioning again (the learner's next start) keeps the credentials
        hub.stop_servers(state, ports)
        hub.provision(state, ports, template=None, log=lambda *_: None)
        assert json.loads((state / "credentials.json").read_text()) == creds
        assert connect.versions(("postgres",))["postgres"].startswith("PostgreSQL")
        # a damaged credentials file: one clear message
        hub.stop_servers(state, ports)
        (state / "credentials.json").write_text("{oops")
        with pytest.raises(RuntimeError, match="is damaged"):
            settings.get()
        (state / "credentials.json").write_text(json.dumps(creds))
    finally:
        hub.stop_servers(state, ports)
        hub.remove_learner_data(state)


def test_three_learners_each_with_their_own_databases(template, tmp_path):
    t0 = time.monotonic()
    for port in [PORT, PORT + 1, PORT + 2] + [BASE + 10 * i + k for i in range(len(LEARNERS)) for k in range(3)]:
        if not port_free(port):
            pytest.skip(f"port {port} is in use on this machine")
    learners_file = tmp_path / "learners.txt"
    learners_file.write_text("\n".join([*LEARNERS, "Ada", "no way"]) + "\n")
    hub_dir = tmp_path / "hub"
    homes = Path(tempfile.mkdtemp(prefix="dbwb-hub-homes-", dir="/tmp"))  # reachable by the learners' accounts
    homes.chmod(0o755)
    for n in LEARNERS:
        try:
            pwd.getpwnam(PREFIX + n)
            pytest.skip(f"an account {PREFIX + n} exists already on this machine")
        except KeyError:
            pass
    # Learner 4 (barbara): another program holds her PostgreSQL port.
    blocker = socket.socket()
    blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    blocker.bind(("127.0.0.1", BASE + 30))
    blocker.listen(1)
    log = open(tmp_path / "hub.log", "w")  # noqa: SIM115 - closed in finally
    env = {k: v for k, v in os.environ.items() if not k.startswith("DBWB_")}
    env["DBWB_ROOT"] = os.environ.get("DBWB_ROOT") or str(Path(__file__).resolve().parents[1])
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dbworkbook.hub",
            str(learners_file),
            "--port",
            str(PORT),
            "--base-port",
            str(BASE),
            "--hub-dir",
            str(hub_dir),
            "--template",
            str(template),
            "--homes",
            str(homes),
            "--account-prefix",
            PREFIX,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{PORT}"
    try:
        deadline = time.monotonic() + 120  # as root, the first start links the learners' runtime (~10 s)
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{base}/hub/api", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert proc.poll() is None, (tmp_path / "hub.log").read_text()[-3000:]
            time.sleep(0.5)
        else:
            raise AssertionError("the hub did not answer:\n" + (tmp_path / "hub.log").read_text()[-3000:])
        marks = {"hub answers": time.monotonic() - t0}
        text = (tmp_path / "hub.log").read_text()
        assert "'Ada' is a duplicate of line 1" in text and "'no way' is not a valid name" in text
        assert f"barbara's ports {BASE + 30} are held by another program" in text
        if AS_ROOT:
            assert f"Each learner runs as their own account ({PREFIX}ada, {PREFIX}grace" in text, text[-2000:]
        else:
            assert (
                "WARNING: shared account:" in text and len([x for x in text.splitlines() if "shared account" in x]) == 1
            )

        people = {n: Learner(base, n) for n in LEARNERS}
        # not on the list: cannot sign in
        stranger = requests.Session()
        stranger.get(f"{base}/hub/login", timeout=30)
        r = stranger.post(
            f"{base}/hub/login",
            data={"username": "mallory", "password": PASSWORD, "_xsrf": stranger.cookies.get("_xsrf")},
            allow_redirects=False,
        )
        assert r.status_code != 302

        async def everyone():
            await asyncio.gather(*(asyncio.to_thread(p.sign_in) for p in people.values()))
            errors = await asyncio.gather(*(asyncio.to_thread(p.start_server) for p in people.values()))
            return dict(zip(people, errors, strict=True))

        errors = asyncio.run(everyone())
        marks["servers started"] = time.monotonic() - t0
        assert errors["barbara"] and "held by another program" in errors["barbara"], errors["barbara"]
        assert [n for n, e in errors.items() if e is None] == ["ada", "grace", "linus"], errors

        # Notebook 00's setup in the three learners' kernels at once.
        async def kernels():
            return await asyncio.gather(
                *(people[n].run(SETUP + "print('READY', nb.number)") for n in ("ada", "grace", "linus"))
            )

        outs = asyncio.run(kernels())
        marks["setup in 3 kernels"] = time.monotonic() - t0
        assert all("READY 00" in o for o in outs), outs

        plan = json.loads((hub_dir / "plan.json").read_text())
        assert plan["accounts"] is AS_ROOT
        ports = {e["name"]: e["ports"] for e in plan["learners"]}
        homes_of = {e["name"]: Path(e["home"]) for e in plan["learners"]}
        assert len({p for e in ports.values() for p in e.values()}) == 3 * len(LEARNERS)
        for n in ("ada", "grace", "linus"):
            state = homes_of[n] / ".dbworkbook"
            creds = state / "credentials.json"
            assert stat.S_IMODE(creds.stat().st_mode) == 0o600 and stat.S_IMODE(state.stat().st_mode) == 0o700
            assert (homes_of[n] / "workbook" / "00_getting_started.ipynb").exists()
            if AS_ROOT:  # the learner's home, files, Jupyter server and databases are their account's
                account = pwd.getpwnam(PREFIX + n)
                assert homes_of[n] == homes / (PREFIX + n) and stat.S_IMODE(homes_of[n].stat().st_mode) == 0o700
                assert creds.stat().st_uid == account.pw_uid
                owners = {Path(f"/proc/{_singleuser_pid(n)}").stat().st_uid}
                owners |= {Path(f"/proc/{int(f.read_text())}").stat().st_uid for f in (state / "run").glob("*.pid")}
                assert owners == {account.pw_uid}, (n, owners)
        ada_creds = homes_of["ada"] / ".dbworkbook" / "credentials.json"
        ada_first_creds = json.loads(ada_creds.read_text())
        assert json.loads(ada_creds.read_text()) != json.loads(
            (homes_of["grace"] / ".dbworkbook" / "credentials.json").read_text()
        )

        # Isolation: ada writes; grace sees nothing and cannot log in to ada's servers.
        out = asyncio.run(people["ada"].run(WRITE_SECRET))
        assert "WROTE" in out
        ada_pg = int((homes_of["ada"] / ".dbworkbook" / "run" / "postgres.pid").read_text())
        probe_code = (
            PROBE.replace("OTHER_PORTS", repr(ports["ada"]))
            .replace("OTHER_CREDENTIALS", repr(str(ada_creds)))
            .replace("OTHER_PG_PID", str(ada_pg))
        )
        probe = asyncio.run(people["grace"].run(probe_code))
        result = json.loads(probe.split("PROBE", 1)[1])
        assert (result["row"], result["doc"], result["key"]) == (False, 0, 0), result
        assert all(v.startswith("refused") for v in result["login"].values()), result["login"]
        assert "password authentication failed" in result["login"]["postgres_own"]
        if AS_ROOT:  # grace's own account cannot read ada's files nor signal ada's servers
            assert result["files"] == {
                "credentials": "PermissionError",
                "signal": "PermissionError",
                "me": pwd.getpwnam(PREFIX + "grace").pw_uid,
            }, result["files"]
        else:  # the shared account: what the warning says
            assert result["files"]["credentials"] == "READ"
        print(f"\nISOLATION grace -> ada: {json.dumps(result)}")
        marks["isolation proved"] = time.monotonic() - t0

        # One learner's memory: three servers (seeded small) + Jupyter server + a kernel after setup.
        marker = "\nwith wb.connect.postgres() as c:\n    c.execute(\"CREATE TABLE public.hub_marker AS SELECT 'kept' AS v\")\n"
        asyncio.run(people["ada"].run(SETUP + "import pandas, matplotlib.pyplot" + marker, keep=True))
        su = _singleuser_pid("ada")
        run = homes_of["ada"] / ".dbworkbook" / "run"
        servers = {n: _pss_mb(_tree(int((run / f"{n}.pid").read_text()))) for n in ("postgres", "mongo", "redis")}
        jupyter = _pss_mb(_tree(su)) if su else 0.0
        print(
            f"\nMEMORY ada (PSS MB): {json.dumps({k: round(v) for k, v in servers.items()})}, "
            f"jupyter server + kernel {jupyter:.0f}, total {sum(servers.values()) + jupyter:.0f}"
        )

        # Stop one learner through the API: their databases stop too.
        ada_pids = [int((run / f"{n}.pid").read_text()) for n in ("postgres", "mongo", "redis")]
        r = people["ada"].api("DELETE", "/users/ada/server")
        assert r.status_code in (202, 204), r.text
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and any(_alive(p) for p in ada_pids):
            time.sleep(0.3)
        assert not any(_alive(p) for p in ada_pids)
        marks["memory measured, ada stopped"] = time.monotonic() - t0

        # ada comes back (as after the idle culler): same credentials, her data kept, her account again.
        assert people["ada"].start_server() is None
        again = asyncio.run(
            people["ada"].run(
                "from dbworkbook import connect\n"
                "with connect.postgres() as conn:\n"
                "    print('AGAIN', conn.execute('SELECT v FROM public.hub_marker').fetchone()[0])\n"
            )
        )
        assert "AGAIN kept" in again, again
        assert json.loads(ada_creds.read_text()) == ada_first_creds
        marks["ada restarted"] = time.monotonic() - t0
    finally:
        blocker.close()
        pids = []
        try:
            learner_homes = [Path(e["home"]) for e in json.loads((hub_dir / "plan.json").read_text())["learners"]]
        except (OSError, ValueError):
            learner_homes = [hub_dir / "learners" / n for n in LEARNERS]
        for home in learner_homes:
            for f in (home / ".dbworkbook" / "run").glob("*.pid"):
                pids.append(int(f.read_text()))
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
        hub_stopped = time.monotonic() - t0
        # Stopping the hub stopped every learner's server and databases.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(_alive(p) for p in pids):
            time.sleep(0.3)
        still = [p for p in pids if _alive(p)]
        if not still:  # their data goes (as root, PostgreSQL's lives outside the temporary folder)
            for home in learner_homes:
                if home.is_relative_to(hub_dir):
                    hub.remove_learner_data(home / ".dbworkbook")
        # The accounts the hub created, their homes and the learners' runtime go.
        removal = subprocess.run(
            [sys.executable, "-m", "dbworkbook.hub", "--remove-accounts", "--hub-dir", str(hub_dir)],
            capture_output=True,
            text=True,
            env=env,
        )
        left = [n for n in LEARNERS if _account_exists(PREFIX + n)]
        removed_at = time.monotonic() - t0
        shutil.rmtree(homes, ignore_errors=True)
    assert not still, (tmp_path / "hub.log").read_text()[-2000:]
    assert removal.returncode == (0 if AS_ROOT else 2), removal.stdout + removal.stderr
    assert not left, (left, removal.stdout, removal.stderr)
    if AS_ROOT:
        assert f"Removed 4 learner account(s) this hub created: {PREFIX}ada" in removal.stdout, removal.stdout
        assert not accounts.runtime_root(hub_dir).exists()
    assert not any(port_in_use(p) for p in (PORT, PORT + 1, PORT + 2))
    marks["hub stopped"], marks["accounts removed"] = hub_stopped, removed_at
    print(removal.stdout.strip())
    print(f"hub test took {time.monotonic() - t0:.0f} s: " + ", ".join(f"{k} {v:.0f} s" for k, v in marks.items()))
