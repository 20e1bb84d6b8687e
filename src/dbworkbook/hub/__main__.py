"""``python -m dbworkbook.hub LEARNERS_FILE [options]`` (also ``python -m dbworkbook hub``, ``make hub``).

Run as root, every learner gets a system account of their own (``jupyter-<name>``); otherwise the
learners share the hub's account, and a one-line warning says what that means. See docs/hub.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
from pathlib import Path

from .. import settings as _settings
from . import (
    PORT_STRIDE,
    HubError,
    build_template,
    default_template_dir,
    hub_command,
    learners_of_plan,
    plan,
    ports_in_use,
    proxy_command,
    read_learners,
    stop_servers,
    write_plan,
)
from . import accounts as _accounts

SHARED_WARNING = (
    "WARNING: shared account: every learner's notebooks run as this one user ({user}), so one learner's "
    "code can read another's files, passwords included; their databases are still separated by ports "
    "and passwords (run the hub as root, without --shared-account, for an account per learner)."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("learners", nargs="?", default=None, help="text file: one learner name a line")
    p.add_argument("--ip", default="127.0.0.1", help="address the hub listens on (0.0.0.0 for a room)")
    p.add_argument("--port", type=int, default=8000, help="public port (the hub also uses the next two)")
    p.add_argument(
        "--base-port",
        type=int,
        default=20000,
        help="first learner database port (10 per learner); keep it below the ephemeral range (32768 on Linux)",
    )
    p.add_argument("--hub-dir", default=None, help="hub folder (default .dbworkbook/hub)")
    p.add_argument("--template", default=None, help="seeded template folder (default ~/.cache/dbworkbook/...)")
    p.add_argument("--admin", action="append", default=[], help="an instructor's user name (admin)")
    p.add_argument("--ssl-cert", default=None)
    p.add_argument("--ssl-key", default=None)
    p.add_argument(
        "--cull-idle-minutes",
        type=float,
        default=60,
        help="stop a learner's server and databases after this long without activity (0: never)",
    )
    p.add_argument("--homes", default=str(_accounts.DEFAULT_HOMES), help="where the learners' homes go (as root)")
    p.add_argument("--account-prefix", default=_accounts.PREFIX, help="learner accounts are PREFIX<name>")
    p.add_argument("--shared-account", action="store_true", help="as root too, run every learner as the hub's user")
    p.add_argument("--stop", action="store_true", help="stop every learner's databases")
    p.add_argument(
        "--remove-accounts",
        action="store_true",
        help="delete the learner accounts (and their homes, data included) this hub created",
    )
    p.add_argument("--print-z2jh-users", action="store_true", help="print the list for z2jh's allowed_users")


def _hub_dir(args) -> Path:
    return (Path(args.hub_dir) if args.hub_dir else _settings.project_root() / ".dbworkbook" / "hub").resolve()


def _stop_all(hub_dir: Path) -> int:
    try:
        data = json.loads((hub_dir / "plan.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        print(f"No hub was started with --hub-dir {hub_dir} (no plan.json): nothing to stop.")
        return 0
    for learner in learners_of_plan(data):
        if learner.state_dir.exists():
            print(f"{learner.name}: " + "; ".join(stop_servers(learner.state_dir, learner.ports)))
    return 0


def run(args) -> int:
    hub_dir = _hub_dir(args)
    if args.remove_accounts:
        if not _accounts.as_root():
            print("ERROR: only root can remove accounts.")
            return 2
        _stop_all(hub_dir)
        removed = _accounts.remove_accounts(hub_dir)
        print(f"Removed {len(removed)} learner account(s) this hub created: {', '.join(removed) or 'none'}.")
        return 0
    if args.stop:
        return _stop_all(hub_dir)
    if not args.learners:
        print("Usage: make hub LEARNERS=learners.txt   (one learner name a line)")
        return 2
    names, problems = read_learners(args.learners)
    for problem in problems:
        print(f"WARNING: {problem}")
    if args.print_z2jh_users:
        print("\n".join(f"        - {n}" for n in names))
        return 0
    if not names:
        print(f"ERROR: no valid learner name in {args.learners}: nothing to serve.")
        return 2
    learners = plan(names, args.base_port, hub_dir)
    try:
        import firstuseauthenticator  # noqa: F401
        import jupyterhub  # noqa: F401
    except ImportError:
        print(
            "ERROR: JupyterHub is not installed in this environment. Install the hub extra: "
            f"{sys.executable} -m pip install -e '.[hub]' (make hub does it)."
        )
        return 2
    from .. import servers as _servers

    port = args.port
    for p in (port, port + 1, port + 2):
        if not _servers.port_free(p):
            print(
                f"ERROR: port {p} is in use: the hub needs {port}-{port + 2} (public, hub API, proxy API). "
                "Choose another --port."
            )
            return 2
    # A fixed port inside the kernel's ephemeral range can be taken by any outgoing connection at
    # any moment; then a server cannot listen there (seen once in CI: the proxy's port, EADDRINUSE).
    warning = ephemeral_warning(port, args.base_port, len(learners), _servers.ephemeral_ports())
    if warning:
        print(warning)
    hub_dir.mkdir(parents=True, exist_ok=True)
    hub_dir.chmod(0o700)
    runtime = None
    if _accounts.as_root() and not args.shared_account:
        runtime = _accounts.build_runtime(hub_dir)
        kept = []
        for learner in learners:
            try:
                info = _accounts.ensure_account(learner.name, Path(args.homes), hub_dir, args.account_prefix)
            except _accounts.AccountError as exc:
                print(f"WARNING: {exc} {learner.name} cannot sign in; the other learners are served.")
                continue
            kept.append(dataclasses.replace(learner, home_dir=Path(info["home"]), account=info["user"]))
        learners = kept
        print(
            f"Each learner runs as their own account ({', '.join(x.account or '' for x in learners)}; "
            f"homes in {args.homes}); `python -m dbworkbook.hub --remove-accounts --hub-dir {hub_dir}` removes them."
        )
    else:
        import getpass

        print(SHARED_WARNING.format(user=getpass.getuser()))
    for learner in learners:
        busy = ports_in_use(learner)
        if busy:
            print(
                f"WARNING: {learner.name}'s ports {', '.join(map(str, busy))} are held by another program: "
                f"{learner.name} cannot start a server until they are free (or use another --base-port)."
            )
    template = Path(args.template) if args.template else default_template_dir()
    build_template(template)
    proxy = proxy_command()
    try:
        import jupyterhub_idle_culler  # noqa: F401

        cull = int(args.cull_idle_minutes * 60)
    except ImportError:
        cull = 0
        print("WARNING: jupyterhub-idle-culler is not installed: idle learners' servers are not stopped.")
    plan_path = write_plan(
        learners,
        hub_dir,
        ip=args.ip,
        port=port,
        base_port=args.base_port,
        template=template,
        proxy=proxy,
        admins=args.admin,
        ssl_cert=args.ssl_cert,
        ssl_key=args.ssl_key,
        cull_idle_seconds=cull,
        runtime=runtime,
    )
    cmd, env = hub_command(plan_path)
    last = args.base_port + PORT_STRIDE * (max((x.index for x in learners), default=0) + 1) - 1
    print(
        f"JupyterHub for {len(learners)} learners on http{'s' if args.ssl_cert else ''}://{args.ip}:{port}/ "
        f"(learners' databases on ports {args.base_port}-{last}); hub folder {hub_dir}. "
        "Ctrl-C stops the hub, every learner's server and their databases.",
        flush=True,
    )
    proc = subprocess.Popen(cmd, env=env)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        return proc.wait()


def ephemeral_warning(port: int, base_port: int, learners: int, eph: range) -> str | None:
    """A warning when the hub's ports or the learners' database ports overlap the kernel's
    ephemeral range (see servers.ephemeral_ports), else None."""
    last = base_port + PORT_STRIDE * learners - 1
    inside = [f"{a}-{b}" for a, b in ((port, port + 2), (base_port, last)) if a <= eph.stop - 1 and b >= eph.start]
    if not inside:
        return None
    return (
        f"WARNING: ports {', '.join(inside)} lie in the range this machine gives outgoing connections "
        f"({eph.start}-{eph.stop - 1}): any connection can hold one of them for a while, and a server "
        "then fails to start there. Choose --port and --base-port below it."
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m dbworkbook.hub", description=__doc__.split("\n\n")[0])
    add_arguments(p)
    args = p.parse_args(argv)
    try:
        return run(args)
    except (HubError, _accounts.AccountError) as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
