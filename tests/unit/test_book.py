"""The workbook as a static site (`make book`): the generated sources, checked for every notebook
without Sphinx (fast). The Sphinx build of a few pages is tests/integration/test_book_build.py.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from dbworkbook import book

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.glob("*.ipynb")):
        h.update(p.name.encode() + p.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    before = _digest(NOTEBOOKS)
    target = tmp_path_factory.mktemp("book") / "source"
    info = book.write_sources(ROOT, target)
    assert _digest(NOTEBOOKS) == before, "the book build must never modify notebooks/"
    return target, info


def _cells(path: Path) -> list:
    return json.loads(path.read_text())["cells"]


def _src(cell) -> str:
    return book._src(cell)


def test_toc_lists_every_notebook_in_series_order(sources):
    target, info = sources
    stems = [p.stem for p in book.series(NOTEBOOKS)]
    assert stems and info["notebooks"] == stems
    toc = (target / "_toc.yml").read_text()
    listed = re.findall(r"^\s+- file: (\d\d_\S+)$", toc, re.M)
    assert listed == stems
    for page in ("index", "setup", "dataset"):
        assert f"file: {page}" in toc or f"root: {page}" in toc
        assert (target / f"{page}.md").exists()
    for stem in stems:
        assert (target / f"{stem}.ipynb").exists()
    home = (target / "index.md").read_text()
    for stem in stems:
        assert f"]({stem}.ipynb)" in home, f"the home page does not link {stem}"


def test_every_solution_is_folded_and_every_deep_dive_marked(sources):
    target, _ = sources
    for path in book.series(NOTEBOOKS):
        ref, page = _cells(path), _cells(target / path.name)
        solutions = [c for c in ref if "solution" in c.get("metadata", {}).get("tags", [])]
        folded = [c for c in page if "solution" in c.get("metadata", {}).get("tags", [])]
        assert len(folded) == len(solutions)
        for cell in folded:
            if cell["cell_type"] == "code":
                assert "hide-cell" in cell["metadata"]["tags"], (path.name, _src(cell)[:60])
                assert cell["metadata"]["mystnb"]["code_prompt_show"] == "Show the answer"
            else:
                assert _src(cell).startswith("`````{dropdown} Show the answer"), path.name
        heads = [
            c
            for c in ref
            if "deep-dive" in c.get("metadata", {}).get("tags", []) and book.DEEP_DIVE_HEADING.match(_src(c).lstrip())
        ]
        marked = [c for c in page if "Deep dive — optional\n:class: note deep-dive" in _src(c)]
        assert len(marked) == len(heads), path.name
        live = [c for c in page if "Run this notebook live" in _src(c)]
        assert len(live) == 1 and f"`{path.name}`" in _src(live[0]) and "make lab" in _src(live[0])
        assert page.index(live[0]) == 1, "the open-live tip comes right after the opening cell"


def test_hints_shown_collapsed_under_each_exercise(sources):
    from dbworkbook.exercises.catalog import all_exercises

    target, _ = sources
    hints = {ex.id: ex.hints for ex in all_exercises()}
    for path in book.series(NOTEBOOKS):
        text = "\n".join(_src(c) for c in _cells(target / path.name))
        for ex_id in set(book.EXERCISE_CALL.findall(text)):
            if hints.get(ex_id):
                assert f"{{dropdown}} Hints for exercise {ex_id}" in text, (path.name, ex_id)
                assert hints[ex_id][-1].split("\n")[0][:40] in text


def test_mermaid_diagram_becomes_a_local_drawing():
    data = (ROOT / "data" / "README.md").read_text()
    out = book.mermaid_blocks(data)
    assert "```mermaid" not in out and '<pre class="mermaid">' in out
    assert '<script src="_vendor/mermaid.min.js"></script>' in out
    assert "||--o{" in out  # the diagram's text is kept (escaped only where HTML needs it)


def test_repository_links_point_at_pages_or_become_text():
    pages = {"data/README.md": "dataset.md", "03_x.ipynb": "03_x.ipynb", "notebooks/03_x.ipynb": "03_x.ipynb"}
    text = (
        "[the data](data/README.md#scale) · [lesson](notebooks/03_x.ipynb) · [code](src/x.py) · "
        "[site](https://example.org/) · ![img](a.png)"
    )
    out = book.rewrite_links(text, pages)
    assert "[the data](dataset.md#scale)" in out and "[lesson](03_x.ipynb)" in out
    assert "`code`" in out and "[site](https://example.org/)" in out and "![img](a.png)" in out


def test_badges_become_plain_links_so_pages_need_no_network():
    text = "[![Launch on Binder](https://mybinder.org/badge_logo.svg)](https://mybinder.org/v2/gh/o/r/HEAD)"
    assert book.rewrite_links(text, {}) == "[Launch on Binder](https://mybinder.org/v2/gh/o/r/HEAD)"


def test_instructor_guide_joins_the_book_when_it_exists(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    for name in ("notebooks", "book", "data", "README.md", "src"):
        (root / name).symlink_to(ROOT / name)
    first = book.series(NOTEBOOKS)[0].name
    (root / "docs").mkdir()
    (root / "docs" / "instructors.md").write_text(
        f"# Running a workshop\n\nStart with [the first notebook](../notebooks/{first}) and "
        "[the dataset](../data/README.md); the engine is in [core.py](../src/dbworkbook/exercises/core.py).\n"
    )
    info = book.write_sources(root, tmp_path / "source")
    assert info["instructors"]
    toc = (tmp_path / "source" / "_toc.yml").read_text()
    assert toc.rstrip().endswith("- file: instructors")
    page = (tmp_path / "source" / "instructors.md").read_text()
    assert f"[the first notebook]({first})" in page and "[the dataset](dataset.md)" in page
    assert "`core.py`" in page
