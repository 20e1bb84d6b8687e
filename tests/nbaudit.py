#!/usr/bin/env python3
"""Audit the workbook's notebooks for the things nbval cannot see.

Usage: python tests/nbaudit.py [NOTEBOOK_DIR]   (default: notebooks)
Ported from the developers' shared tools so that a clone needs nothing outside the repo.

For each notebook it reports: code cells, cells never executed, execution order gaps,
stored errors, stored stderr/warnings, cells whose output nbval ignores or skips, and
assert statements (the lesson's claims checked in code). It exits 1 when a notebook has
stored errors, unexecuted code cells, stderr noise, or ignores more cells than it asserts.
Standard library only.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

IGNORE = re.compile(r"#\s*NBVAL_(IGNORE_OUTPUT|SKIP)")
ASSERT = re.compile(r"^\s*assert\b|\bcheck\(|\bassert_", re.M)


def source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def audit(path: Path) -> tuple[list[str], bool]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    problems: list[str] = []
    unexecuted = [i for i, c in enumerate(code) if c.get("execution_count") is None]
    counts = [c.get("execution_count") for c in code if c.get("execution_count") is not None]
    in_order = counts == list(range(1, len(counts) + 1))
    errors = sum(1 for c in code for o in c.get("outputs", []) if o.get("output_type") == "error")
    stderr = sum(
        1 for c in code for o in c.get("outputs", []) if o.get("output_type") == "stream" and o.get("name") == "stderr"
    )

    def tags(c) -> list:
        return c.get("metadata", {}).get("tags", [])

    ignored = sum(1 for c in code if IGNORE.search(source(c)) or {"nbval-ignore-output", "nbval-skip"} & set(tags(c)))
    asserts = sum(len(ASSERT.findall(source(c))) for c in code)
    bad = False
    if unexecuted:
        problems.append(f"{len(unexecuted)} code cell(s) never executed")
        bad = True
    if counts and not in_order:
        problems.append("execution counts not 1..n: re-run the whole notebook top to bottom")
    if errors:
        problems.append(f"{errors} stored error output(s)")
        bad = True
    if stderr:
        problems.append(f"{stderr} stderr output(s) (warnings or noise) stored")
        bad = True
    if ignored > asserts:
        problems.append(f"{ignored} ignored/skipped cells but only {asserts} asserts/checks")
        bad = True
    line = f"{path.name}: {len(code)} code cells, {ignored} ignored, {asserts} asserts/checks" + (
        "" if not problems else " -- " + "; ".join(problems)
    )
    return [line], bad


def main() -> int:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "notebooks")
    notebooks = sorted(p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    if not notebooks:
        print(f"nbaudit: no notebooks under {folder}")
        return 0
    failed = 0
    for nb in notebooks:
        lines, bad = audit(nb)
        failed += bad
        print("\n".join(lines))
    print(f"nbaudit: {len(notebooks)} notebooks, {failed} with problems")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
