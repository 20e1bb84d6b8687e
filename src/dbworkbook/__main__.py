"""``python -m dbworkbook <command>``: the workbook's command line (the Makefile wraps it).

up [NAMES]       start the embedded servers (postgres, mongo, redis; all by default)
down [NAMES]     stop them (data is kept)
status           one line per server
logs [NAME]      the last lines of a server's log
doctor           check Python, platform, virtualenv, ports and servers on one screen
seed             generate and load the dataset (idempotent; DBWB_SCALE or --scale)
reset            restore the seeded state exactly
bench            measure bulk-load speed against the usual tutorial ways
progress         exercises done per notebook
reset-progress   forget exercise progress
workbook         create workbook/ (the learner's edition) or update it, never losing your work
lab [--edition workbook|reference] [JUPYTER ARGS]
                 the workbook, then JupyterLab on workbook/00_getting_started.ipynb
lab-settings     this environment's JupyterLab settings (no news prompt, no update check)
student          write the student edition to a folder of your choice (no update rule)
times [--markdown]  estimated minutes per notebook: core path and everything
test [ARGS]      the linters, then every test and notebook under nbval (starts and stops the servers)
lint             ruff check, ruff format --check and mypy (the dev extra)
nbval [--lax] [PATHS]  notebooks under nbval with the suite's flags (servers up and seeded)
"""

from __future__ import annotations

import argparse
import sys

from . import settings as _settings
from .servers import ServerError, servers, tail


def _embedded_only(cfg) -> bool:
    if cfg.backend == "embedded":
        return True
    where = "docker compose (make docker-up / docker-down)" if cfg.backend == "docker" else "you"
    print(f"DBWB_BACKEND={cfg.backend}: the servers are managed by {where}, not by dbworkbook.")
    return False


def cmd_up(args) -> int:
    cfg = _settings.get()
    if not _embedded_only(cfg):
        return 0
    failed = 0
    for server in servers(args.names, cfg):
        try:
            print(server.start(), flush=True)
        except ServerError as exc:
            failed += 1
            print(f"ERROR: {exc}", file=sys.stderr, flush=True)
    return 1 if failed else 0


def cmd_down(args) -> int:
    cfg = _settings.get()
    if not _embedded_only(cfg):
        return 0
    for server in servers(args.names, cfg):
        print(server.stop(), flush=True)
    return 0


def _dataset_line() -> tuple[bool, str]:
    """(ok, one line about the stored fingerprint): seeded, never seeded, or corrupt."""
    from .datasets import fingerprint

    state, data, why = fingerprint.inspect()
    if state == "ok" and data is not None:
        return (
            True,
            f"dataset: {data.get('scale')} seeded {data.get('seeded_at', '?')} (fingerprint {fingerprint.path()})",
        )
    if state == "missing":
        return True, "dataset: not seeded yet (make seed)"
    return False, "dataset: " + str(fingerprint.FingerprintCorrupt(fingerprint.path(), why))


def cmd_status(args) -> int:
    cfg = _settings.get()
    print(f"backend: {cfg.backend} · scale: {cfg.scale} · state: {cfg.state_dir}")
    data_ok, data_line = _dataset_line()
    if cfg.backend != "embedded":
        from .connect import ping_all

        ok = True
        for name, result in ping_all().items():
            ok &= result.startswith("ok")
            print(f"  {name:<9} {result}")
        print(data_line)
        return 0 if ok and data_ok else 1
    all_up = True
    for server in servers(None, cfg):
        st = server.status()
        all_up &= st.running
        state = "running" if st.running else "stopped"
        pid = f"pid {st.pid}" if st.pid else ""
        print(f"  {st.label:<11} {state:<8} 127.0.0.1:{st.port:<6} {pid:<11} {st.detail}")
    print(data_line)
    return 0 if all_up and data_ok else (3 if data_ok else 1)


def cmd_logs(args) -> int:
    cfg = _settings.get()
    for server in servers(args.names, cfg):
        print(f"--- {server.log_path} ---")
        print(tail(server.log_path, args.lines))
    return 0


def cmd_doctor(args) -> int:
    from .doctor import run

    return run()


# --------------------------------------------------------------------------- dataset: seed, reset, bench
def _counts(counts: dict) -> str:
    return " · ".join(f"{k} {v:,}" for k, v in counts.items())


def print_seed_result(result: dict, path) -> None:
    """A few lines about what ``datasets.seed`` (or ``reset``) did: per database what was loaded,
    how fast, and when it was done (the loaders run at the same time; see datasets.loaders)."""
    s = result["summary"]
    for note in result.get("notes", ()):
        if not note.endswith("exists in this database"):
            print(note)
    if result["status"] == "unchanged":
        print(
            f"dataset {s['scale']} already seeded and verified ({result['seconds']:.1f} s): "
            f"{s['users']:,} users · {s['posts']:,} posts · seeded {s['seeded_at']}. "
            "`make reset` reloads it."
        )
        return
    tm = result["timings"]
    print(
        f"dataset {result['scale']}: generated in {tm['generate_seconds']:.1f} s; "
        f"argon2id hashes {tm['argon2']['how']} ({tm['argon2']['seconds']:.1f} s)"
    )
    if "postgres" in tm:
        p = tm["postgres"]
        print(
            f"  postgres  {_counts(p['counts'])} · COPY {p['rows_per_second']:,.0f} rows/s · "
            f"search_vector {p['derive_seconds']:.1f} s · keys {p['constraints_seconds']:.1f} s · "
            f"VACUUM ANALYZE {p['vacuum_seconds']:.1f} s · done at {p['seconds']:.1f} s"
        )
    if "mongo" in tm:
        m = tm["mongo"]
        print(
            f"  mongo     {_counts(m['counts'])} · insert_many {m['docs_per_second']:,.0f} docs/s · "
            f"done at {m['seconds']:.1f} s"
        )
    if "redis" in tm:
        r = tm["redis"]
        print(
            f"  redis     {r['commands']:,} commands · pipeline {r['commands_per_second']:,.0f} cmds/s · "
            f"done at {r['seconds']:.1f} s"
        )
    if "sqlite" in tm:
        q = tm["sqlite"]
        print(f"  sqlite    {_counts(q['counts'])} · {q['rows_per_second']:,.0f} rows/s · done at {q['seconds']:.1f} s")
    print(f"dataset {result['scale']} {result['status']} in {result['seconds']:.1f} s · fingerprint {path}")


def cmd_seed(args) -> int:
    from .datasets import StateProblem, fingerprint, seed

    try:
        result = seed(args.scale, force=args.force)
    except StateProblem as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 1
    print_seed_result(result, fingerprint.path())
    return 0


def cmd_reset(args) -> int:
    from .datasets import StateProblem, fingerprint, reset

    try:
        result = reset(args.scale)  # it says which notebook objects it drops, before reloading
    except StateProblem as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 1
    print_seed_result(result, fingerprint.path())
    return 0


def cmd_bench(args) -> int:
    from .datasets import bench
    from .datasets.spec import scale_spec

    print(
        f"bench {scale_spec(args.scale).name}: loading into scratch targets (PostgreSQL schema {bench.PG_SCHEMA}, "
        f"MongoDB database {bench.MONGO_DB}, Redis db {bench.REDIS_DB}, a temporary SQLite file); "
        "they are dropped at the end.",
        flush=True,
    )
    res = bench.bench(args.scale)
    pg, mg, rd, lt, vf = res["postgres"], res["mongo"], res["redis"], res["sqlite"], res["verify"]
    print(
        f"  postgres  binary COPY {pg['fast']:,.0f} rows/s (all {pg['stats']['copy_rows']:,} rows) · "
        f"DataFrame.to_sql {pg['slow']:,.0f} rows/s ({pg['subset']:,} of the same posts) · "
        f"{pg['fast'] / pg['slow']:.1f}x"
    )
    print(
        f"  mongo     insert_many {mg['fast']:,.0f} docs/s (all {mg['stats']['docs']:,} documents) · on "
        f"{mg['subset']:,} orders: insert_many {mg['subset_fast']:,.0f} vs insert_one loop {mg['slow']:,.0f} "
        f"docs/s · {mg['subset_fast'] / mg['slow']:.1f}x"
    )
    print(
        f"  redis     pipelined {rd['fast']:,.0f} cmds/s (all {rd['stats']['commands']:,} commands; redis-py "
        f"Pipeline {rd['redis_py_pipeline']:,.0f}) · on {rd['subset']:,} SETs: pipelined "
        f"{rd['subset_fast']:,.0f} vs one per call {rd['slow']:,.0f} cmds/s · {rd['subset_fast'] / rd['slow']:.1f}x"
    )
    print(
        f"  sqlite    executemany {lt['fast']:,.0f} rows/s · INSERT + commit per row {lt['slow']:,.0f} rows/s "
        f"({lt['subset']:,} of the same rows) · {lt['fast'] / lt['slow']:.1f}x"
    )
    st = pg["stats"]
    print(
        f"  postgres  then, on the server: search_vector and metadata for {res['posts']:,} posts "
        f"{st['derive_seconds']:.1f} s · keys {st['constraints_seconds']:.1f} s · "
        f"VACUUM ANALYZE {st['vacuum_seconds']:.1f} s"
    )
    if "skipped" in vf:
        print(f"  verify    skipped: the seeded dataset does not verify ({vf['skipped']})")
    else:
        print(
            f"  verify    verify(quick=True) on the seeded {vf['scale']} dataset: {vf['quick_seconds']:.2f} s "
            f"(best of 3; the target is < 1 s on small) · verify(quick=False) {vf['full_seconds']:.1f} s"
        )
    return 0


def cmd_progress(args) -> int:
    from .exercises.progress import print_progress

    return print_progress()


def cmd_reset_progress(args) -> int:
    from .exercises.progress import reset_progress

    return reset_progress()


def cmd_student(args) -> int:
    from .exercises.student import write_student_edition

    return write_student_edition(args.source, args.target)


def cmd_workbook(args) -> int:
    from .workbook import cli_workbook

    return cli_workbook()


def cmd_lab(args) -> int:
    from .workbook import cli_lab

    extra = [a for a in args.jupyter_args if a != "--"]
    return cli_lab(args.edition, extra, dry_run=args.dry_run, check=args.check)


def cmd_lab_settings(args) -> int:
    from .workbook import lab_settings

    print(f"JupyterLab settings for this environment: {lab_settings()}")
    return 0


def cmd_times(args) -> int:
    from .estimate import cli

    return cli(markdown=args.markdown)


def cmd_test(args) -> int:
    from .testrun import run

    return run(args.pytest_args)


def cmd_lint(args) -> int:
    from .testrun import lint

    return lint()


def cmd_nbval(args) -> int:
    from .testrun import run_nbval

    paths = [a for a in args.pytest_args if not a.startswith("-")]
    extra = [a for a in args.pytest_args if a.startswith("-")]
    return run_nbval(paths or None, extra, lax=args.lax)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m dbworkbook", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, func, help_ in [
        ("up", cmd_up, "start the embedded servers"),
        ("down", cmd_down, "stop the embedded servers (data is kept)"),
        ("logs", cmd_logs, "show the last lines of server logs"),
    ]:
        p = sub.add_parser(name, help=help_)
        p.add_argument("names", nargs="*", choices=None, metavar="NAME", help="postgres, mongo, redis (default: all)")
        if name == "logs":
            p.add_argument("-n", "--lines", type=int, default=30)
        p.set_defaults(func=func)
    sub.add_parser("status", help="one line per server").set_defaults(func=cmd_status)
    sub.add_parser("doctor", help="check the environment on one screen").set_defaults(func=cmd_doctor)
    for name, func, help_ in [
        ("seed", cmd_seed, "generate and load the dataset (idempotent)"),
        ("reset", cmd_reset, "restore the seeded state exactly"),
        ("bench", cmd_bench, "measure bulk-load speed"),
    ]:
        p = sub.add_parser(name, help=help_)
        p.add_argument("--scale", choices=_settings.SCALES, default=None)
        if name == "seed":
            p.add_argument("--force", action="store_true", help="reload even if the fingerprint matches")
        p.set_defaults(func=func)
    sub.add_parser("progress", help="exercises done per notebook").set_defaults(func=cmd_progress)
    sub.add_parser("reset-progress", help="forget exercise progress").set_defaults(func=cmd_reset_progress)
    p = sub.add_parser("test", help="run unit tests and every notebook (starts/stops servers)")
    p.add_argument("pytest_args", nargs=argparse.REMAINDER, help="extra pytest arguments")
    p.set_defaults(func=cmd_test)
    sub.add_parser("lint", help="ruff check, ruff format --check and mypy").set_defaults(func=cmd_lint)
    p = sub.add_parser("nbval", help="notebooks under nbval with the test suite's flags (servers up)")
    p.add_argument("--lax", action="store_true", help="errors only: outputs are not compared")
    p.add_argument("pytest_args", nargs=argparse.REMAINDER, help="notebooks (default: notebooks/) and pytest flags")
    p.set_defaults(func=cmd_nbval)
    sub.add_parser("workbook", help="create or update workbook/ (the learner's edition)").set_defaults(
        func=cmd_workbook
    )
    p = sub.add_parser("lab", help="open JupyterLab on the workbook (or --edition reference)")
    p.add_argument("--edition", default=None, help="workbook (default) or reference")
    p.add_argument("--dry-run", action="store_true", help="print the JupyterLab command instead of running it")
    p.add_argument("--check", action="store_true", help="only check that the edition exists")
    p.add_argument("jupyter_args", nargs=argparse.REMAINDER, help="extra JupyterLab arguments")
    p.set_defaults(func=cmd_lab)
    sub.add_parser("lab-settings", help="write this environment's JupyterLab settings").set_defaults(
        func=cmd_lab_settings
    )
    p = sub.add_parser("times", help="estimated minutes per notebook (core path and everything)")
    p.add_argument("--markdown", action="store_true", help="print the README's series table")
    p.set_defaults(func=cmd_times)
    p = sub.add_parser("student", help="write the student edition")
    p.add_argument("--source", default="notebooks")
    p.add_argument("--target", default="student")
    p.set_defaults(func=cmd_student)
    add_workshop_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ServerError, RuntimeError) as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


# --------------------------------------------------------------------------- workshop kit (issue 14)
def cmd_report(args) -> int:
    from .report import cli_report

    return cli_report(args.out, args.name)


def cmd_class_report(args) -> int:
    from .report import cli_class_report

    return cli_class_report(args.dir, args.out)


def cmd_wheelhouse(args) -> int:
    from pathlib import Path

    from .wheelhouse import download, install

    if args.install_from:
        return install(Path(args.install_from), Path(args.venv))
    return download(Path(args.target), this_platform_only=args.only_this_platform)


def cmd_instructors(args) -> int:
    from .instructors import cli

    return cli(check=args.check)


def cmd_hub(args) -> int:
    from .hub.__main__ import run

    return run(args)


def add_workshop_commands(sub) -> None:
    """report, class-report, ...: the instructor's and the workshop's commands."""
    p = sub.add_parser("report", help="write the learner's progress report (JSON + HTML, no answers)")
    p.add_argument("--out", default=None, help="folder for the report (default: report/)")
    p.add_argument("--name", default=None, help="learner's name (default: DBWB_LEARNER or git config user.name)")
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("class-report", help="one HTML table from a folder of learners' reports")
    p.add_argument("dir", nargs="?", default=None, help="folder holding the learners' .json reports")
    p.add_argument("--out", default=None, help="HTML file to write (default: DIR/class-report.html)")
    p.set_defaults(func=cmd_class_report)
    p = sub.add_parser("wheelhouse", help="download every pinned wheel for an offline install (or install from one)")
    p.add_argument("--target", default=str(_settings.project_root() / "wheelhouse"))
    p.add_argument("--only-this-platform", action="store_true")
    p.add_argument("--install-from", default=None, metavar="DIR", help="install the workbook from DIR, offline")
    p.add_argument("--venv", default=str(_settings.project_root() / ".venv"))
    p.set_defaults(func=cmd_wheelhouse)
    p = sub.add_parser("instructors", help="generate docs/instructors.md (times, agendas, common wrong answers)")
    p.add_argument("--check", action="store_true", help="exit 1 when docs/instructors.md is out of date")
    p.set_defaults(func=cmd_instructors)
    p = sub.add_parser("hub", help="JupyterHub for a list of learners, each with their own databases")
    from .hub.__main__ import add_arguments as add_hub_arguments

    add_hub_arguments(p)
    p.set_defaults(func=cmd_hub)


if __name__ == "__main__":
    sys.exit(main())
