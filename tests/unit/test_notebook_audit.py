"""The notebooks as committed: executed top to bottom, no stored errors or warnings, and every
ignored output backed by asserts (tests/nbaudit.py, ported from the developers' shared tools)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests import nbaudit

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no NN_topic.ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_audit_clean(path):
    lines, bad = nbaudit.audit(path)
    assert not bad, lines[0]
    assert "execution counts not 1..n" not in lines[0], lines[0]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_skeleton(path):
    """Title with the notebook's number, a setup cell calling wb.setup, a recap and further reading."""
    nb = json.loads(path.read_text())
    cells = nb["cells"]

    def src(c) -> str:
        return "".join(c["source"]) if isinstance(c["source"], list) else c["source"]

    first = src(cells[0])
    number = path.name[:2]
    assert cells[0]["cell_type"] == "markdown" and first.startswith(f"# {number} · "), first[:80]
    code = [src(c) for c in cells if c["cell_type"] == "code"]
    assert re.search(rf"setup\(\s*[\"']{number}[\"']", code[0]), "the first code cell must be wb.setup('NN', ...)"
    markdown = "\n".join(src(c) for c in cells if c["cell_type"] == "markdown")
    assert re.search(r"^#+ .*Recap", markdown, re.M), "a Recap section is missing"
    assert re.search(r"^#+ .*Further reading", markdown, re.M), "a Further reading section is missing"
    assert nb["metadata"].get("kernelspec", {}).get("name") == "python3"
