"""The learner's single-user server: their own databases first, then JupyterLab.

``WorkbookSpawner.start`` provisions the learner (template copy, credentials, MongoDB user) and
starts their three servers in a worker thread, so the hub keeps serving the other learners, then
starts the Jupyter server with the learner's ``DBWB_*`` environment (the kernels inherit it).
``stop`` stops the Jupyter server and then the learner's databases. A learner whose ports are held
by another program, or whose servers do not start, gets one clear message; nobody else is affected.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

from jupyterhub.spawner import SimpleLocalProcessSpawner
from tornado import web

from . import HubError, Learner, make_workbook, ports_in_use, provision, stop_servers


def load_plan() -> dict:
    return json.loads(Path(os.environ["DBWB_HUB_PLAN"]).read_text(encoding="utf-8"))


class WorkbookSpawner(SimpleLocalProcessSpawner):
    """One process per learner on this machine, with the learner's own databases.

    The learners' processes share this machine's user account (the hub's): the databases are
    isolated by ports, folders and per-learner credentials; see docs/hub.md for what that does and
    does not protect against, and for per-learner system accounts.
    """

    def _learner(self) -> Learner:
        plan = load_plan()
        for entry in plan["learners"]:
            if entry["name"] == self.user.name:
                return Learner(entry["name"], entry["index"], plan["base_port"], Path(plan["hub_dir"]))
        raise web.HTTPError(403, f"{self.user.name} is not on the learner list of this hub.")

    def get_env(self):
        env = super().get_env()
        learner = self._learner()
        env.update(learner.env())
        env["DBWB_ROOT"] = load_plan()["root"]
        env.pop("DBWB_PROGRESS_FILE", None)
        env.pop("DBWB_PROGRESS", None)
        return env

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
            await asyncio.to_thread(provision, learner.state_dir, learner.ports, template, self.log.info)
            await asyncio.to_thread(make_workbook, learner.workbook, Path(plan["root"]) / "notebooks")
        except (HubError, RuntimeError, OSError) as exc:
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
