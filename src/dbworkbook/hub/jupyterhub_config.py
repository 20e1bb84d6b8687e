# JupyterHub's configuration for `make hub` (python -m dbworkbook hub). It reads the plan the
# command wrote (DBWB_HUB_PLAN: the learners, their ports, the hub folder) and is not meant to be
# edited: change the learner list or the command's options instead.
import json
import os
import sys
from pathlib import Path

c = get_config()  # type: ignore[name-defined]  # noqa: F821  provided by JupyterHub when it loads this file

plan = json.loads(Path(os.environ["DBWB_HUB_PLAN"]).read_text(encoding="utf-8"))
hub_dir = Path(plan["hub_dir"])

# Where it listens: the public address is the only one off loopback (when --ip says so).
c.JupyterHub.bind_url = f"http{'s' if plan.get('ssl_cert') else ''}://{plan['ip']}:{plan['port']}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = plan["hub_port"]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{plan['proxy_api_port']}"
c.ConfigurableHTTPProxy.command = [plan["proxy"]]
c.ConfigurableHTTPProxy.should_start = True
if plan.get("ssl_cert"):
    c.JupyterHub.ssl_cert = plan["ssl_cert"]
    c.JupyterHub.ssl_key = plan["ssl_key"]

# Its own files, in the hub folder.
c.JupyterHub.db_url = f"sqlite:///{hub_dir / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(hub_dir / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(hub_dir / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every learner's server and databases
c.JupyterHub.cleanup_proxy = True

# Sign-in: the names on the list only; each learner chooses a password the first time.
c.JupyterHub.authenticator_class = "firstuseauthenticator"
c.FirstUseAuthenticator.create_users = False
c.FirstUseAuthenticator.dbm_path = str(hub_dir / "passwords.dbm")
c.FirstUseAuthenticator.min_password_length = plan.get("min_password_length", 8)
c.Authenticator.allowed_users = {entry["name"] for entry in plan["learners"]}
c.Authenticator.admin_users = set(plan.get("admins", []))

# Each learner: their own databases (WorkbookSpawner), their own folder and workbook.
c.JupyterHub.spawner_class = "dbworkbook.hub.spawner.WorkbookSpawner"
# With an account per learner (plan["accounts"]), the server runs as that account in its home, with
# the interpreter that account can reach (plan["python"]); otherwise as the hub's own user.
c.SimpleLocalProcessSpawner.home_dir_template = str(hub_dir / "learners" / "{username}")
if not plan.get("accounts"):
    c.Spawner.notebook_dir = str(hub_dir / "learners" / "{username}")
c.Spawner.cmd = [plan.get("python") or sys.executable, "-m", "jupyterhub.singleuser"]
as_root = hasattr(os, "geteuid") and os.geteuid() == 0
c.Spawner.args = ["--allow-root"] if as_root and not plan.get("accounts") else []
c.Spawner.default_url = "/lab/tree/workbook/00_getting_started.ipynb"
c.Spawner.ip = "127.0.0.1"
c.Spawner.start_timeout = 300  # the first start copies the seeded databases
c.Spawner.http_timeout = 120
c.JupyterHub.concurrent_spawn_limit = 0 if plan.get("unlimited_spawns") else 10

# Idle learners' servers (and so their databases) stop after an hour without activity.
if plan.get("cull_idle_seconds"):
    c.JupyterHub.services = [
        {
            "name": "idle-culler",
            "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={plan['cull_idle_seconds']}"],
        }
    ]
    c.JupyterHub.load_roles = [
        {
            "name": "idle-culler",
            "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
            "services": ["idle-culler"],
        }
    ]
