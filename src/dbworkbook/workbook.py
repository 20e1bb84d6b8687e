"""The learner's edition: ``workbook/``, the learner's own copy of the notebooks.

    python -m dbworkbook workbook          # create workbook/, or bring it up to date (make workbook)
    python -m dbworkbook lab               # that, then JupyterLab on workbook/00_getting_started.ipynb
    python -m dbworkbook lab --edition reference   # the answer key (notebooks/), for instructors

A learner notebook is its reference notebook (``notebooks/NN_topic.ipynb``) with every solution
cell replaced by its placeholder and the outputs of the exercise cells cleared (the ``exercise()``
call, the answer, the check, the hints); lesson cells keep their committed outputs, so the
notebook reads like a book before it runs.

Once written, a learner notebook is the learner's. Updates follow nbgitpuller's rule:

* a notebook missing from ``workbook/`` (never generated, or deleted by hand) is written;
* a notebook the learner has **not changed** since it was generated (same cells, same sources:
  running it and saving outputs is not a change) is replaced by the new version when the
  reference changed;
* a notebook the learner **changed** is kept untouched, and the new version is written beside it
  as ``NN_topic.new.ipynb``, with one line saying so;
* a file that is not a valid notebook is kept, renamed ``NN_topic.ipynb.broken-<time>``, and a
  fresh copy is written (with one line naming both and the reference copy);
* notebooks the learner added, and every other file, are never touched. Nothing in the project
  (``make clean``, ``make reset``, an update) deletes ``workbook/``.

What "generated" was is remembered in ``workbook/.workbook-manifest.json`` (a hash of the cell
types and sources of each notebook as it was written).
"""

from __future__ import annotations

import copy
import datetime as _dt
import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from . import estimate
from .exercises.student import (
    MARKDOWN_PLACEHOLDER,
    SOLUTION_TAG,
    _exercise_links,
    _kind_of,
    placeholder_source,
)

EDITIONS = {
    "workbook": "the learner's copy in workbook/ (answers out of sight)",
    "reference": "the answer key in notebooks/ (solutions in place, for instructors and authors)",
}
MANIFEST = ".workbook-manifest.json"
FIRST_NOTEBOOK = "00_getting_started.ipynb"
PROGRESS_CELL = re.compile(r"\bwb\.progress\(")


class WorkbookError(Exception):
    """A state problem with a one-paragraph message (what happened, what to run)."""


# --------------------------------------------------------------------------- the transformation
def _tags(cell) -> list:
    return list(cell.get("metadata", {}).get("tags", []))


def is_exercise_cell(cell) -> bool:
    """A code cell whose output is the learner's own: an exercise's (``estimate.is_exercise_cell``:
    its call, answer, check, hint) or the progress cell."""
    source = cell.get("source", "")
    source = "".join(source) if isinstance(source, list) else source
    return estimate.is_exercise_cell(cell) or (cell.get("cell_type") == "code" and bool(PROGRESS_CELL.search(source)))


def learner_notebook(nb):
    """The learner's version of reference notebook ``nb`` (nbformat): (notebook, solutions replaced)."""
    nb = copy.deepcopy(nb)
    kinds = {i: _kind_of(ex_id) for i, ex_id, _var in _exercise_links(nb)}
    replaced = 0
    for i, cell in enumerate(nb.cells):
        tagged = SOLUTION_TAG in _tags(cell)
        if cell.cell_type == "code":
            if tagged:
                cell.source = placeholder_source(cell.source, kinds.get(i))
                replaced += 1
            if tagged or is_exercise_cell(cell):
                cell.outputs = []
                cell.execution_count = None
            cell.metadata.pop("execution", None)
        elif tagged:
            cell.source = MARKDOWN_PLACEHOLDER
            replaced += 1
    nb.metadata.setdefault("dbworkbook", {})["edition"] = "workbook"
    return nb, replaced


def signature(nb) -> str:
    """What counts as the learner's work: the cells' types and sources (not outputs or metadata)."""
    h = hashlib.sha256()
    for cell in nb.get("cells", []):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        h.update(cell.get("cell_type", "").encode())
        h.update(b"\0")
        h.update(source.replace("\r\n", "\n").rstrip().encode())
        h.update(b"\1")
    return h.hexdigest()


# --------------------------------------------------------------------------- the update
@dataclass
class Report:
    written: list = field(default_factory=list)  # new or regenerated
    updated: list = field(default_factory=list)  # unchanged by the learner, replaced
    kept: list = field(default_factory=list)  # changed by the learner: kept, .new written
    broken: list = field(default_factory=list)  # (name, renamed to)
    unchanged: list = field(default_factory=list)
    lines: list = field(default_factory=list)


def _read_manifest(folder: Path) -> dict:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        if isinstance(data, dict) and isinstance(data.get("notebooks"), dict):
            return data
    except (OSError, ValueError):
        pass
    return {"version": 1, "notebooks": {}}


def _write_manifest(folder: Path, manifest: dict) -> None:
    tmp = folder / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, folder / MANIFEST)


def _write_notebook(path: Path, nb) -> None:
    import nbformat

    tmp = path.with_name("." + path.name + ".tmp")
    nbformat.write(nb, str(tmp))
    os.replace(tmp, path)


def _stamp() -> str:
    return _dt.datetime.now().strftime("%Y%m%d-%H%M%S")


def update(reference: Path, target: Path, *, quiet: bool = False) -> Report:
    """Create ``target`` from ``reference``, or bring it up to date without losing the learner's work."""
    import nbformat

    reference, target = Path(reference), Path(target)
    if not reference.is_dir():
        raise WorkbookError(
            f"The reference notebooks are missing ({reference}/): is this a complete checkout "
            "of the workbook? `git status` shows what is missing; `git checkout -- notebooks` restores it."
        )
    target.mkdir(parents=True, exist_ok=True)
    manifest = _read_manifest(target)
    report = Report()
    for ref_path in sorted(reference.glob("[0-9][0-9]_*.ipynb")):
        name = ref_path.name
        fresh, _ = learner_notebook(nbformat.read(str(ref_path), as_version=4))
        fresh_sig = signature(fresh)
        out = target / name
        entry = manifest["notebooks"].get(name) or {}
        if not out.exists():
            _write_notebook(out, fresh)
            report.written.append(name)
            manifest["notebooks"][name] = {"generated": fresh_sig}
            continue
        try:
            current = json.loads(out.read_text(encoding="utf-8"))
            if not isinstance(current, dict) or not isinstance(current.get("cells"), list):
                raise ValueError("no list of cells")
        except (OSError, ValueError) as exc:
            kept_as = out.with_name(f"{name}.broken-{_stamp()}")
            os.replace(out, kept_as)
            _write_notebook(out, fresh)
            manifest["notebooks"][name] = {"generated": fresh_sig}
            report.broken.append((name, kept_as.name))
            report.lines.append(
                f"workbook/{name} could not be read as a notebook ({type(exc).__name__}: {str(exc)[:80]}). "
                f"It is kept as workbook/{kept_as.name}, and a fresh copy was written; the reference "
                f"(with solutions) is notebooks/{name}."
            )
            continue
        current_sig = signature(current)
        generated = entry.get("generated")
        learner_changed = current_sig != generated and current_sig != fresh_sig
        if current_sig == fresh_sig:
            report.unchanged.append(name)
            manifest["notebooks"][name] = {"generated": fresh_sig}
        elif not learner_changed:
            _write_notebook(out, fresh)
            report.updated.append(name)
            manifest["notebooks"][name] = {"generated": fresh_sig}
        elif entry.get("generated") == fresh_sig:
            report.unchanged.append(name)  # the learner's edits on top of the current version
        else:
            new_path = out.with_name(name.replace(".ipynb", ".new.ipynb"))
            previous = None
            if new_path.exists():
                try:
                    previous = signature(json.loads(new_path.read_text(encoding="utf-8")))
                except (OSError, ValueError):
                    previous = None
            if previous != fresh_sig:
                _write_notebook(new_path, fresh)
                report.lines.append(
                    f"workbook/{name} has your changes, so it was kept as it is; the updated "
                    f"version is beside it: workbook/{new_path.name}."
                )
            report.kept.append(name)
    _write_manifest(target, manifest)
    if not quiet:
        for line in report.lines:
            print(line)
        total = (
            len(report.written) + len(report.updated) + len(report.kept) + len(report.unchanged) + len(report.broken)
        )
        parts = []
        if report.written:
            parts.append(f"{len(report.written)} written")
        if report.updated:
            parts.append(f"{len(report.updated)} updated")
        if report.kept:
            parts.append(f"{len(report.kept)} kept with your changes")
        if report.unchanged:
            parts.append(f"{len(report.unchanged)} up to date")
        print(f"Your workbook: {target}/ ({total} notebooks: {', '.join(parts) or 'nothing to do'}).")
    return report


# --------------------------------------------------------------------------- the commands
def workbook_dir() -> Path:
    from . import settings as _settings

    return _settings.project_root() / "workbook"


def cli_workbook() -> int:
    from . import settings as _settings

    try:
        update(_settings.project_root() / "notebooks", workbook_dir())
    except WorkbookError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 1
    return 0


def lab_settings() -> Path:
    """Write this environment's JupyterLab overrides: no news prompt, no update check.

    They live in the virtualenv (``<prefix>/share/jupyter/lab/settings/overrides.json``), so they
    apply to this workbook's JupyterLab only, never to the user's global Jupyter settings.
    """
    folder = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "overrides.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            data = {}
    except (OSError, ValueError):
        data = {}
    data.setdefault("@jupyterlab/apputils-extension:notification", {}).update(
        {"fetchNews": "false", "checkForUpdates": False}
    )
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def lab_command(edition: str, extra: list[str]) -> list[str]:
    from . import settings as _settings

    root = _settings.project_root()
    folder = workbook_dir() if edition == "workbook" else root / "notebooks"
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        f"--ServerApp.root_dir={folder}",
        f"--LabApp.default_url=/lab/tree/{FIRST_NOTEBOOK}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # JupyterLab refuses to run as root otherwise
    return cmd + list(extra)


def cli_lab(edition: str | None, extra: list[str], dry_run: bool = False, check: bool = False) -> int:
    edition = (edition or "workbook").strip().lower()
    if edition not in EDITIONS:
        choices = "; ".join(f"{k}: {v}" for k, v in EDITIONS.items())
        print(f"ERROR: EDITION={edition!r} is not an edition. Choose {choices}.", file=sys.stderr)
        return 2
    if check:
        return 0
    if edition == "workbook":
        code = cli_workbook()
        if code:
            return code
    lab_settings()
    cmd = lab_command(edition, extra)
    if dry_run:
        print(" ".join(cmd))
        return 0
    print(f"Opening JupyterLab on the {edition} edition: {cmd[4].split('=', 1)[1]}/{FIRST_NOTEBOOK}", flush=True)
    os.execv(cmd[0], cmd)
    return 0  # pragma: no cover - execv does not return
