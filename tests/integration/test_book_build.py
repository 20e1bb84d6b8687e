"""The Sphinx build of a few pages (~15 s and more: the `book` extra) and the checks on the built site.

No server, but not a unit test's seconds: the cheap checks of the generated sources are
tests/unit/test_book.py. The full build is `make book`, which runs the same site checks on every page.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

from dbworkbook import book

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
HAVE_JB = importlib.util.find_spec("jupyter_book") is not None
needs_jb = pytest.mark.skipif(
    not HAVE_JB, reason="the `book` extra is not installed (make book-install, or pip install -e '.[book]')"
)
pytestmark = pytest.mark.book


def _cells(path: Path) -> list:
    return json.loads(path.read_text())["cells"]


def _src(cell) -> str:
    return book._src(cell)


def _notebook_with_a_plot() -> Path:
    for path in book.series(NOTEBOOKS):
        cells = _cells(path)
        if any("image/png" in o.get("data", {}) for c in cells for o in c.get("outputs", [])) and any(
            "solution" in c.get("metadata", {}).get("tags", []) for c in cells
        ):
            return path
    pytest.skip("no notebook with a plot and an exercise")


@pytest.fixture(scope="module")
def quick_site(tmp_path_factory):
    if not HAVE_JB:
        pytest.skip("the `book` extra is not installed (make book-install, or pip install -e '.[book]')")
    nb = _notebook_with_a_plot()
    out = tmp_path_factory.mktemp("site")
    html_dir = book.build(ROOT, out, only=[nb.name[:2]], quiet=True)
    return html_dir, nb


@needs_jb
def test_quick_build_has_every_listed_page_and_passes_the_site_checks(quick_site):
    html_dir, nb = quick_site
    for page in ("index.html", "setup.html", "dataset.html", "search.html", "searchindex.js", f"{nb.stem}.html"):
        assert (html_dir / page).exists(), page
    problems = book.check_site(html_dir, [nb.stem])
    assert not problems, "\n".join(problems)


@needs_jb
def test_quick_build_page_shows_outputs_and_hides_answers(quick_site):
    html_dir, nb = quick_site
    page = (html_dir / f"{nb.stem}.html").read_text()
    assert re.search(r'<img [^>]*src="_images/[^"]+\.png"', page), "the notebook's plot is missing"
    solutions = [
        c for c in _cells(nb) if c["cell_type"] == "code" and "solution" in c.get("metadata", {}).get("tags", [])
    ]
    assert page.count('<p class="collapsed admonition-title">Show the answer</p>') == len(solutions)
    parsed = book.read_page(html_dir / f"{nb.stem}.html")
    plain = book._norm(" ".join(parsed.outside))
    assert "run this notebook live" in plain and "make lab" in plain
    for cell in solutions:  # each solution's own text is only inside a collapsed block
        body = book._norm(_src(cell))
        if len(body) >= 30:
            assert body not in plain
    home = (html_dir / "index.html").read_text()
    assert f'href="{nb.stem}.html"' in home
    search_index = (html_dir / "searchindex.js").read_text()
    assert nb.stem in search_index  # Sphinx's own full-text index, a local file


@needs_jb
def test_full_site_if_built():
    """`make book`'s output, when present and newer than every notebook, passes the same checks."""
    html_dir = ROOT / "book" / "_build" / "html"
    stems = [p.stem for p in book.series(NOTEBOOKS)]
    if not (html_dir / "index.html").exists():
        pytest.skip("the full site is not built (make book)")
    built = (html_dir / "index.html").stat().st_mtime
    if any(p.stat().st_mtime > built for p in book.series(NOTEBOOKS)):
        pytest.skip("book/_build/html is older than notebooks/: run make book again")
    problems = book.check_site(html_dir, stems)
    assert not problems, "\n".join(problems)
