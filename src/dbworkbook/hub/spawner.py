"""The learner's single-user server: their own databases first, then JupyterLab.

``WorkbookSpawner.start`` provisions the learner (template copy, credentials, MongoDB user) and
starts their three servers in a worker thread, so the hub keeps serving the other learners, then
starts the Jupyter server with the learner's ``DBWB_*`` environment (the kernels inherit it).
``stop`` stops the Jupyter server and then the learner's databases. A learner whose ports are held
by another program, or whose servers do not start, gets one clear message; nobody else is affected.

Two modes, chosen by ``python -m dbworkbook.hub`` and written in the plan:

* **an account per learner** (the hub runs as root): the Jupyter server, the kernels and the
  databases run as the learner's own system account (JupyterHub's ``LocalProcessSpawner``, which
  switches to that user), in that account's home (0700): another learner's code can neither read
  their files nor signal their processes. The seeded copy is made by the hub (as root) and handed
  to the account; credentials, servers and workbook are made by the account itself.
* **a shared account** (not root): every learner runs as the hub's user (``SimpleLocalProcessSpawner``
  behaviour), isolated by ports, folders and credentials only; see docs/hub.md.
"""

from __future__ import annotations

import asyncio
import json
import os
import pwd
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner, SimpleLocalProcessSpawner
from tornado import web

from . import (
    HubError,
    Learner,
    learners_of_plan,
    make_workbook,
    ports_in_use,
    prepare_account_home,
    provision,
    run_as_account,
    stop_servers,
)


def load_plan() -> dict:
    return json.loads(Path(os.environ["DBWB_HUB_PLAN"]).read_text(encoding="utf-8"))


class WorkbookSpawner(SimpleLocalProcessSpawner):
    """One process per learner on this machine, with the learner's own databases (and, when the
    plan says so, the learner's own system account)."""

    def _learner(self) -> Learner:
        for learner in learners_of_plan(load_plan()):
            if learner.name == self.user.name:
                return learner
        raise web.HTTPError(403, f"{self.user.name} is not on the learner list of this hub.")

    # ---- who the process runs as ----
    def make_preexec_fn(self, name):
        learner = self._learner()
        if learner.account:
            return LocalProcessSpawner.make_preexec_fn(self, learner.account)
        return super().make_preexec_fn(name)

    def user_env(self, env):
        learner = self._learner()
        if not learner.account:
            return super().user_env(env)
        pw = pwd.getpwnam(learner.account)
        env.update(USER=pw.pw_name, HOME=pw.pw_dir, SHELL=pw.pw_shell or "/bin/sh")
        return env

    async def move_certs(self, paths):
        return paths  # internal TLS is off: the hub and servers talk on 127.0.0.1

    def get_env(self):
        env = super().get_env()
        plan = load_plan()
        learner = self._learner()
        env.update(learner.env())
        env.update(plan.get("learner_env") or {})
        env["DBWB_ROOT"] = plan.get("learner_root") or plan["root"]
        env.pop("DBWB_PROGRESS_FILE", None)
        env.pop("DBWB_PROGRESS", None)
        return env

    # ---- lifecycle ----
    async def start(self):
        learner = self._learner()
        plan = load_plan()
        busy = await asyncio.to_thread(ports_in_use, learner)
        if busy:
            msg = (
                f"The database ports of {learner.name} ({', '.join(map(str, busy))}) are held by another "
                f"program, so their servers cannot start. The instructor can stop that program, or restart "
                f"the hub with another --base-port (learner {learner.name} uses "
                f"{min(learner.ports.values())}-{max(learner.ports.values())})."
            )
            self.log.error(msg)
            raise web.HTTPError(500, msg)
        template = Path(plan["template"]) if plan.get("template") else None
        try:
            if learner.account:
                await asyncio.to_thread(prepare_account_home, learner, template)
                out = await asyncio.to_thread(run_as_account, learner, plan)
                self.log.info("%s (as %s): %s", learner.name, learner.account, " ".join(out.split())[-300:])
            else:
                await asyncio.to_thread(provision, learner.state_dir, learner.ports, template, self.log.info)
                await asyncio.to_thread(make_workbook, learner.workbook, Path(plan["root"]) / "notebooks")
        except (HubError, RuntimeError, OSError, KeyError) as exc:
            msg = f"The databases of {learner.name} did not start: {exc} (their logs: {learner.state_dir / 'logs'})."
            self.log.error(msg)
            await asyncio.to_thread(stop_servers, learner.state_dir, learner.ports)
            raise web.HTTPError(500, msg) from None
        return await super().start()

    async def stop(self, now=False):
        try:
            await super().stop(now=now)
        finally:
            learner = self._learner()
            await asyncio.to_thread(stop_servers, learner.state_dir, learner.ports)
