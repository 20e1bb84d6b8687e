"""Progress a learner can hand in, and the instructor's class report.

    python -m dbworkbook report [--out DIR] [--name NAME]   # make report
    python -m dbworkbook class-report DIR [--out FILE]      # make class-report DIR=path

``report`` reads the learner's progress file (``exercises/progress.py``: where checks record their
outcome) and writes two files, ``report/<learner>.json`` and ``report/<learner>.html``: per notebook
the exercises passed, passed after reading the answer (``ex.solution()``) and not yet, the attempts,
the hints read, and the first and last activity. The learner's name comes from ``DBWB_LEARNER``,
else ``git config user.name``, else the login name. **No answer is in it**: the progress file holds
outcomes, counts and times only, and the report copies titles from the catalogs, never a reference.

``class-report`` reads every ``*.json`` in a folder (the reports the learners handed in) and writes
one HTML page: learners × notebooks, totals, and the exercises most learners are stuck on (tried
and not passing now, or passed only after reading the answer). A file that is not a report (bad
JSON, another tool's JSON, a raw ``progress.json``) is listed with the reason and skipped.
"""

from __future__ import annotations

import datetime as _dt
import getpass
import html
import json
import os
import re
import subprocess
from pathlib import Path

FORMAT = "dbworkbook-progress-report"
FORMAT_VERSION = 1
STATUSES = ("passed", "passed after reveal", "not yet")


class ReportError(RuntimeError):
    """A report could not be written or read; the message says what to do."""


# --------------------------------------------------------------------------- the learner's report
def learner_name() -> str:
    """DBWB_LEARNER, else ``git config user.name``, else the login name."""
    name = os.environ.get("DBWB_LEARNER", "").strip()
    if name:
        return name
    try:
        out = subprocess.run(["git", "config", "user.name"], capture_output=True, text=True, timeout=5)
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        return getpass.getuser()
    except Exception:
        return "learner"


def slug(name: str) -> str:
    """A file name for a learner: 'Ada Lovelace' -> 'ada-lovelace'."""
    s = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return s or "learner"


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def _times(values) -> list[str]:
    return sorted(v for v in values if isinstance(v, str) and v)


def build(progress_data: dict | None = None, learner: str | None = None) -> dict:
    """The report as a dict (what ``report.json`` holds). Reads the progress file by default."""
    from .exercises import progress
    from .exercises.catalog import notebooks

    data = progress.load() if progress_data is None else progress_data
    recorded = data.get("exercises") if isinstance(data, dict) else None
    recorded = recorded if isinstance(recorded, dict) else {}
    catalogs = notebooks()
    names = progress._notebook_names()
    # Notebooks with recorded entries but no catalog here (a registered catalog's, an older catalog's)
    # still appear, with what the progress file knows about them.
    extra: dict[str, list[str]] = {}
    for ex_id, e in recorded.items():
        nb = str((e or {}).get("notebook") or ex_id.split(".", 1)[0])
        if nb not in catalogs:
            extra.setdefault(nb, []).append(ex_id)
    rows = []
    for nb in sorted(set(catalogs) | set(extra), key=lambda n: (not n.isdigit(), n)):
        declared = [(ex.id, ex.title) for ex in catalogs.get(nb, [])]
        if nb in extra:
            titles = {}
            try:
                from .exercises.catalog import get

                for ex_id in extra[nb]:
                    titles[ex_id] = get(ex_id).title
            except Exception:
                pass
            declared = [(i, titles.get(i, "")) for i in sorted(extra[nb])]
        if not declared:
            continue
        exercises = []
        for ex_id, title in declared:
            e = recorded.get(ex_id) or {}
            exercises.append(
                {
                    "id": ex_id,
                    "title": title,
                    "status": progress.status_of(e),
                    "attempts": _int(e.get("attempts")),
                    "hints_shown": _int(e.get("hints_shown")),
                    "revealed": bool(e.get("revealed_at")),
                    "first_attempt_at": e.get("first_attempt_at"),
                    "last_checked_at": e.get("last_checked_at"),
                }
            )
        rows.append(
            _counts(
                {"notebook": nb, "name": names.get(nb, nb), "exercises": exercises},
                [recorded.get(i) or {} for i, _t in declared],
            )
        )
    totals = _counts(
        {},
        [recorded.get(x["id"]) or {} for r in rows for x in r["exercises"]],
        [x for r in rows for x in r["exercises"]],
    )
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "learner": learner or learner_name(),
        "generated_at": _now(),
        "series_total": sum(len(v) for v in catalogs.values()),
        "notebooks": rows,
        "totals": totals,
    }


def _int(value) -> int:
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError):
        return 0


def _counts(row: dict, entries: list[dict], exercises: list[dict] | None = None) -> dict:
    exercises = row.get("exercises", []) if exercises is None else exercises
    statuses = [x["status"] for x in exercises]
    firsts = _times(e.get("first_attempt_at") for e in entries) + _times(e.get("revealed_at") for e in entries)
    lasts = _times(e.get("last_checked_at") for e in entries) + _times(e.get("revealed_at") for e in entries)
    row.update(
        {
            "total": len(exercises),
            "passed": statuses.count("passed"),
            "passed_after_reveal": statuses.count("passed after reveal"),
            "not_yet": statuses.count("not yet"),
            "attempts": sum(x["attempts"] for x in exercises),
            "hints_shown": sum(x["hints_shown"] for x in exercises),
            "first_activity": min(firsts) if firsts else None,
            "last_activity": max(lasts) if lasts else None,
        }
    )
    return row


_CSS = """
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em;margin:0 0 .2em} h2{font-size:1.1em;margin:1.2em 0 .4em}
table{border-collapse:collapse;margin:.5em 0} td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3} td.n{text-align:right} .ok{color:#176f2c} .rev{color:#9a6700} .no{color:#777}
.small{font-size:.85em;color:#555} @media print{body{margin:0}}
"""


def _esc(value) -> str:
    return html.escape("" if value is None else str(value))


def _day(ts) -> str:
    return _esc(ts.replace("T", " ")[:16]) if isinstance(ts, str) and ts else "—"


def render_html(report: dict) -> str:
    """One printable page: a summary row per notebook, then every exercise's status."""
    t = report["totals"]
    out = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>Workbook progress: {_esc(report['learner'])}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Database Workbook: progress of {_esc(report['learner'])}</h1>",
        f"<p class='small'>Generated {_day(report['generated_at'])} UTC · {t['passed'] + t['passed_after_reveal']} of "
        f"{t['total']} exercises pass now ({t['passed_after_reveal']} after reading the answer) · "
        f"{t['attempts']} checks · first activity {_day(t['first_activity'])} · last {_day(t['last_activity'])}</p>",
        "<table><tr><th>notebook</th><th>passed</th><th>passed after reveal</th><th>not yet</th>"
        "<th>attempts</th><th>first activity</th><th>last activity</th></tr>",
    ]
    for r in report["notebooks"]:
        out.append(
            f"<tr><td>{_esc(r['name'])}</td><td class='n ok'>{r['passed']}</td><td class='n rev'>{r['passed_after_reveal']}</td>"
            f"<td class='n no'>{r['not_yet']}</td><td class='n'>{r['attempts']}</td>"
            f"<td>{_day(r['first_activity'])}</td><td>{_day(r['last_activity'])}</td></tr>"
        )
    out.append(
        f"<tr><th>total ({t['total']})</th><th class='n'>{t['passed']}</th><th class='n'>{t['passed_after_reveal']}</th>"
        f"<th class='n'>{t['not_yet']}</th><th class='n'>{t['attempts']}</th><th>{_day(t['first_activity'])}</th>"
        f"<th>{_day(t['last_activity'])}</th></tr></table>"
    )
    out.append(
        "<h2>Exercises</h2><table><tr><th>exercise</th><th>status</th><th>attempts</th><th>hints read</th><th>last check</th></tr>"
    )
    css = {"passed": "ok", "passed after reveal": "rev", "not yet": "no"}
    for r in report["notebooks"]:
        for x in r["exercises"]:
            out.append(
                f"<tr><td>{_esc(x['id'])} {_esc(x['title'])}</td><td class='{css.get(x['status'], '')}'>{_esc(x['status'])}</td>"
                f"<td class='n'>{x['attempts']}</td><td class='n'>{x['hints_shown']}</td><td>{_day(x['last_checked_at'])}</td></tr>"
            )
    out.append(
        "</table><p class='small'>“Passes now” means the learner's latest check of that exercise passed. "
        "The report holds outcomes and counts only, never an answer.</p></body></html>\n"
    )
    return "\n".join(out)


def write_report(out_dir: Path | str | None = None, learner: str | None = None) -> tuple[Path, Path]:
    """Write ``<out_dir>/<learner>.json`` and ``.html`` (out_dir: ``report/`` in the checkout)."""
    from . import settings as _settings

    report = build(learner=learner)
    folder = Path(out_dir) if out_dir else _settings.project_root() / "report"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        base = folder / slug(report["learner"])
        json_path, html_path = base.with_suffix(".json"), base.with_suffix(".html")
        json_path.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
        html_path.write_text(render_html(report), encoding="utf-8")
    except OSError as exc:
        raise ReportError(
            f"Could not write the report in {folder}: {exc.strerror or exc}. "
            "Choose another folder: python -m dbworkbook report --out /some/folder"
        ) from None
    return json_path, html_path


def cli_report(out_dir=None, learner=None) -> int:
    from .exercises import progress

    path = progress.progress_path()
    if path is None:
        print(
            "Exercise progress is not recorded in this shell (DBWB_PROGRESS=0): the report would be empty. "
            "Unset DBWB_PROGRESS and run `make report` again."
        )
        return 1
    json_path, html_path = write_report(out_dir, learner)
    report = json.loads(json_path.read_text(encoding="utf-8"))
    t = report["totals"]
    print(
        f"Progress of {report['learner']}: {t['passed'] + t['passed_after_reveal']}/{t['total']} exercises pass now "
        f"({t['passed_after_reveal']} after reading the answer), {t['attempts']} checks."
    )
    if not path.exists():
        print(f"(No progress recorded yet in {path}: every exercise is 'not yet'.)")
    print(
        f"Wrote {json_path}\n  and {html_path}\nHand in the .json file (it holds no answers); open the .html to read it."
    )
    return 0


# --------------------------------------------------------------------------- the class report
def read_report(path: Path) -> dict:
    """A learner's report from a file; ReportError with the reason when it is not one."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ReportError("not a text file") from None
    except json.JSONDecodeError as exc:
        raise ReportError(f"not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except OSError as exc:
        raise ReportError(f"cannot be read ({exc.strerror or exc})") from None
    if not isinstance(data, dict):
        raise ReportError("JSON, but not a workbook report")
    if data.get("format") != FORMAT:
        if isinstance(data.get("exercises"), dict) and "version" in data:
            raise ReportError(
                "a raw progress.json, not a report: ask the learner to run `make report` and hand in its .json"
            )
        raise ReportError(f'JSON, but not a workbook report (no "format": "{FORMAT}")')
    if _int(data.get("format_version")) > FORMAT_VERSION:
        raise ReportError(
            f"written by a newer workbook (report format {data.get('format_version')}): update this checkout"
        )
    if not isinstance(data.get("learner"), str) or not data["learner"].strip():
        raise ReportError("a report without a learner name")
    rows = data.get("notebooks")
    if not isinstance(rows, list) or not all(
        isinstance(r, dict) and isinstance(r.get("exercises"), list) for r in rows
    ):
        raise ReportError("a damaged report (its notebooks are missing)")
    for r in rows:
        for x in r["exercises"]:
            if not isinstance(x, dict) or not isinstance(x.get("id"), str) or x.get("status") not in STATUSES:
                raise ReportError("a damaged report (an exercise without an id or a known status)")
    return data


def collect(folder: Path) -> tuple[list[dict], list[tuple[str, str]]]:
    """(reports, skipped) from every *.json in folder; skipped is [(file name, reason)].

    Two reports of the same learner: the newer one counts, the older is listed as skipped."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ReportError(f"{folder} is not a folder. Usage: make class-report DIR=folder-with-the-learners-reports")
    reports, skipped = [], []
    by_learner: dict[str, dict] = {}
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        if path.suffix.lower() != ".json":
            if path.suffix.lower() not in (".html",):
                skipped.append((path.name, "not a .json file"))
            continue
        try:
            data = read_report(path)
        except ReportError as exc:
            skipped.append((path.name, str(exc)))
            continue
        data["_file"] = path.name
        key = data["learner"].strip().lower()
        older = by_learner.get(key)
        if older is not None:
            keep, drop = (
                (data, older) if str(data.get("generated_at")) >= str(older.get("generated_at")) else (older, data)
            )
            skipped.append((drop["_file"], f"an older report of {drop['learner']} (newer: {keep['_file']})"))
            by_learner[key] = keep
        else:
            by_learner[key] = data
    reports = sorted(by_learner.values(), key=lambda d: d["learner"].lower())
    return reports, skipped


def summarize(reports: list[dict]) -> dict:
    """The class table: notebooks, one row per learner, totals, and the exercises learners are stuck on."""
    nb_names: dict[str, str] = {}
    titles: dict[str, str] = {}
    for rep in reports:
        for r in rep["notebooks"]:
            nb_names.setdefault(str(r.get("notebook")), str(r.get("name") or r.get("notebook")))
            for x in r["exercises"]:
                titles.setdefault(x["id"], str(x.get("title") or ""))
    notebooks = sorted(nb_names, key=lambda n: (not n.isdigit(), n))
    rows = []
    stuck: dict[str, dict] = {}
    for rep in reports:
        cells = {}
        total = done = after = 0
        for r in rep["notebooks"]:
            xs = r["exercises"]
            d = sum(1 for x in xs if x["status"] != "not yet")
            a = sum(1 for x in xs if x["status"] == "passed after reveal")
            cells[str(r.get("notebook"))] = {
                "done": d,
                "after_reveal": a,
                "total": len(xs),
                "attempts": sum(_int(x.get("attempts")) for x in xs),
            }
            total, done, after = total + len(xs), done + d, after + a
            for x in xs:
                s = stuck.setdefault(
                    x["id"],
                    {
                        "id": x["id"],
                        "title": titles.get(x["id"], ""),
                        "tried_not_passing": 0,
                        "after_reveal": 0,
                        "passing": 0,
                        "attempts": 0,
                    },
                )
                s["attempts"] += _int(x.get("attempts"))
                if x["status"] == "not yet" and _int(x.get("attempts")) > 0:
                    s["tried_not_passing"] += 1
                elif x["status"] == "passed after reveal":
                    s["after_reveal"] += 1
                elif x["status"] == "passed":
                    s["passing"] += 1
        totals = rep.get("totals")
        totals = totals if isinstance(totals, dict) else {}
        rows.append(
            {
                "learner": rep["learner"],
                "file": rep.get("_file", ""),
                "cells": cells,
                "done": done,
                "after_reveal": after,
                "total": total,
                "last_activity": totals.get("last_activity"),
            }
        )
    ranked = [s for s in stuck.values() if s["tried_not_passing"] + s["after_reveal"] > 0]
    ranked.sort(key=lambda s: (-(s["tried_not_passing"] + s["after_reveal"]), -s["attempts"], s["id"]))
    per_notebook = {}
    for nb in notebooks:
        have = [r["cells"][nb] for r in rows if nb in r["cells"]]
        per_notebook[nb] = {
            "complete": sum(1 for c in have if c["total"] and c["done"] == c["total"]),
            "done": sum(c["done"] for c in have),
            "possible": sum(c["total"] for c in have),
        }
    return {
        "notebooks": [(nb, nb_names[nb]) for nb in notebooks],
        "rows": rows,
        "stuck": ranked[:10],
        "per_notebook": per_notebook,
    }


def render_class_html(summary: dict, skipped: list[tuple[str, str]], folder: str = "") -> str:
    nbs = summary["notebooks"]
    out = [
        "<!doctype html><html><head><meta charset='utf-8'><title>Workbook class report</title>",
        f"<style>{_CSS}</style></head><body><h1>Database Workbook: class report</h1>",
        f"<p class='small'>{len(summary['rows'])} learners · generated {_day(_now())} UTC"
        f"{' · from ' + _esc(folder) if folder else ''} · a cell shows exercises passing now / declared "
        "(in brackets: how many only after reading the answer)</p>",
        "<table><tr><th>learner</th>"
        + "".join(f"<th title='{_esc(name)}'>{_esc(nb)}</th>" for nb, name in nbs)
        + "<th>total</th><th>last activity</th></tr>",
    ]
    for r in summary["rows"]:
        cells = []
        for nb, _name in nbs:
            c = r["cells"].get(nb)
            if c is None:
                cells.append("<td class='no'>—</td>")
                continue
            cls = "ok" if c["total"] and c["done"] == c["total"] else ("no" if not c["done"] else "")
            extra = f" ({c['after_reveal']})" if c["after_reveal"] else ""
            cells.append(f"<td class='n {cls}'>{c['done']}/{c['total']}{extra}</td>")
        extra = f" ({r['after_reveal']})" if r["after_reveal"] else ""
        out.append(
            f"<tr><td>{_esc(r['learner'])}</td>{''.join(cells)}<td class='n'><b>{r['done']}/{r['total']}</b>{extra}</td>"
            f"<td>{_day(r['last_activity'])}</td></tr>"
        )
    pn = summary["per_notebook"]
    out.append(
        "<tr><th>learners complete</th>"
        + "".join(f"<th class='n'>{pn[nb]['complete']}</th>" for nb, _ in nbs)
        + f"<th class='n'>{sum(1 for r in summary['rows'] if r['total'] and r['done'] == r['total'])}</th><th></th></tr>"
    )
    out.append("</table>")
    out.append("<h2>Where learners are stuck</h2>")
    if summary["stuck"]:
        out.append(
            "<table><tr><th>exercise</th><th>tried, not passing now</th><th>passed only after reading the answer</th>"
            "<th>passing</th><th>checks in all</th></tr>"
        )
        for s in summary["stuck"]:
            out.append(
                f"<tr><td>{_esc(s['id'])} {_esc(s['title'])}</td><td class='n'>{s['tried_not_passing']}</td>"
                f"<td class='n'>{s['after_reveal']}</td><td class='n'>{s['passing']}</td><td class='n'>{s['attempts']}</td></tr>"
            )
        out.append(
            "</table><p class='small'>The instructor guide (docs/instructors.md) lists each exercise's common wrong answers and what they reveal.</p>"
        )
    else:
        out.append("<p>No exercise has been tried without passing.</p>")
    if skipped:
        out.append("<h2>Files skipped</h2><table><tr><th>file</th><th>why</th></tr>")
        out.extend(f"<tr><td>{_esc(name)}</td><td>{_esc(why)}</td></tr>" for name, why in skipped)
        out.append("</table>")
    out.append("</body></html>\n")
    return "\n".join(out)


def write_class_report(folder, out: Path | str | None = None) -> tuple[Path, dict, list]:
    reports, skipped = collect(Path(folder))
    summary = summarize(reports)
    target = Path(out) if out else Path(folder) / "class-report.html"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render_class_html(summary, skipped, str(folder)), encoding="utf-8")
    except OSError as exc:
        raise ReportError(f"Could not write {target}: {exc.strerror or exc}. Choose another file with --out.") from None
    return target, summary, skipped


def cli_class_report(folder, out=None) -> int:
    if not folder:
        print("Usage: make class-report DIR=folder-with-the-learners-report-json-files")
        return 2
    target, summary, skipped = write_class_report(folder, out)
    print(f"{len(summary['rows'])} learner report(s) read from {folder}.")
    for name, why in skipped:
        print(f"  skipped {name}: {why}")
    for s in summary["stuck"][:3]:
        print(
            f"  stuck: {s['id']} {s['title']} ({s['tried_not_passing']} not passing, {s['after_reveal']} after the answer)"
        )
    print(f"Wrote {target}")
    return 0
