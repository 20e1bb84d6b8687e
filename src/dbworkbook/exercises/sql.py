"""SQL exercises: a query compared by its result (PostgreSQL or SQLite), and DDL checked by state.

    SQLQuery(id="03.2", title="...", task="...",
             reference="SELECT id, title FROM posts WHERE author_id = 42",
             ordered=False, columns=False, tolerance=1e-6, timeout=5,
             must_use_index=True)          # or "Index Only Scan"

    SQLState(id="03.4", title="...", task="...",
             setup="DROP INDEX IF EXISTS posts_author_idx",
             reference="CREATE INDEX posts_author_idx ON posts (author_id)",
             expect=[index_on("posts", ["author_id"]),
                     uses_index("SELECT * FROM posts WHERE author_id = 42")])

A query runs inside a transaction that is always rolled back, with ``statement_timeout``; the
connection's ``search_path`` is the notebook's schema, then ``public`` (``schema=`` overrides).
DDL is executed and committed, statement by statement, after ``setup`` has put the starting
state back (so a placeholder answer never passes because an earlier run left an index behind).
"""

from __future__ import annotations

import contextvars
import re
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..plans.postgres import INDEX_NODES, SORT_NODES, Plan, PlanNode, explain
from . import compare
from .core import EMPTY_REFERENCE, AuthorError, Exercise, Feedback, db_error_lines, is_empty, seconds

# The indexes that existed before the learner's statements ran (a set of OIDs), while an SQLState
# check runs: its predicates talk about the objects the answer created, not about older ones.
_BEFORE_ANSWER: contextvars.ContextVar = contextvars.ContextVar("dbwb_indexes_before_answer", default=None)


# --------------------------------------------------------------------------- SQL text helpers
def split_sql(text: str) -> list[str]:
    """Split a script into statements, respecting quotes, dollar quotes and comments.

    Statements that hold only comments are dropped; trailing semicolons are removed.
    """
    statements, buf, i, n = [], [], 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "-" and text.startswith("--", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            buf.append(text[i:j])
            i = j
        elif ch == "/" and text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            buf.append(text[i:j])
            i = j
        elif ch in ("'", '"'):
            j = i + 1
            while j < n:
                if text[j] == ch:
                    if j + 1 < n and text[j + 1] == ch:  # doubled quote
                        j += 2
                        continue
                    break
                j += 1
            buf.append(text[i : j + 1])
            i = j + 1
        elif ch == "$":
            m = re.match(r"\$[A-Za-z_0-9]*\$", text[i:])
            if m and not (i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_")):
                tag = m.group(0)
                j = text.find(tag, i + len(tag))
                j = n if j < 0 else j + len(tag)
                buf.append(text[i:j])
                i = j
            else:
                buf.append(ch)
                i += 1
        elif ch == ";":
            statements.append("".join(buf))
            buf = []
            i += 1
        else:
            buf.append(ch)
            i += 1
    statements.append("".join(buf))
    return [s.strip() for s in statements if strip_comments(s).strip()]


def strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"--[^\n]*", " ", text)


def is_sql_placeholder(answer) -> bool:
    if is_empty(answer):
        return True
    if isinstance(answer, (list, tuple)):
        return all(is_sql_placeholder(a) for a in answer)
    if not isinstance(answer, str):
        return False
    body = strip_comments(answer).strip().strip(";").strip()
    return body in ("", "...")


def _statements(answer) -> list[str]:
    if isinstance(answer, (list, tuple)):
        out = []
        for part in answer:
            out.extend(split_sql(part))
        return out
    return split_sql(answer)


def _setup_statements(setup) -> list[str]:
    if not setup:
        return []
    return _statements(setup)


def _not_sql(answer) -> str | None:
    if isinstance(answer, str) or (isinstance(answer, (list, tuple)) and all(isinstance(a, str) for a in answer)):
        return None
    return f"Your answer should be SQL text (a string), not {type(answer).__name__}."


def _norm_expr(text: str) -> str:
    """Index columns/predicates as PostgreSQL prints them, made comparable."""
    text = text.lower()
    text = re.sub(
        r"::\"?[a-z_][a-z0-9_]*\"?(\s+(with|without)\s+time\s+zone|\s+varying|\s+precision)?(\[\])?", "", text
    )
    text = re.sub(r"[\s\"()]", "", text)
    return text


# --------------------------------------------------------------------------- the query kind
class _SQLAnswer:
    """What the SQL kinds share: the search path their answers run with, and the placeholder test."""

    schema: str | None  # fields of the exercise dataclasses this is mixed into
    notebook: str

    @property
    def search_path(self) -> str:
        return f"{self.schema or 'nb' + self.notebook}, public"

    def _is_placeholder(self, answer) -> bool:
        return is_sql_placeholder(answer)


@dataclass(kw_only=True, repr=False)
class SQLQuery(_SQLAnswer, Exercise):
    """A query exercise: the learner's rows must mean the same as the reference's rows."""

    database: str = "postgres"  # or "sqlite"
    schema: str | None = None  # default: the notebook's schema nbNN (PostgreSQL)
    sqlite_path: str | None = None  # default: the workbook's SQLite file; ":memory:" works
    setup: str | list | None = None  # SQL run first in the same (rolled-back) transaction
    ordered: bool = False
    columns: bool = False
    tolerance: float = compare.DEFAULT_TOLERANCE
    timeout: float = 5.0
    must_use_index: bool | str = False  # True, or a node: "Index Only Scan" (PG) / "COVERING INDEX" (SQLite)
    plan_table: str | None = None  # PG: the table must_use_index is about (its scan node is judged)
    no_sort: bool = False  # PG: the plan must not sort (an index delivers the order)
    allow_empty: bool = False  # the reference may return no rows (else: a setup problem)

    kind = "sql-query"
    answer_noun = "query"

    def __post_init__(self):
        super().__post_init__()
        if self.database not in ("postgres", "sqlite"):
            raise ValueError(f"{self.id}: database must be 'postgres' or 'sqlite'")

    def _evaluate(self, answer) -> list[str]:
        wrong_type = _not_sql(answer)
        if wrong_type:
            return [wrong_type]
        runner = _PgRunner(self) if self.database == "postgres" else _SqliteRunner(self)
        with runner:
            try:
                exp_cols, exp_rows = runner.query(self.reference)
            except Feedback as exc:
                raise AuthorError(*exc.lines) from None
            if not exp_rows and not self.allow_empty:
                raise AuthorError(EMPTY_REFERENCE)
            cols, rows = runner.query(answer)
            lines = compare_rows(
                exp_cols, exp_rows, cols, rows, ordered=self.ordered, columns=self.columns, tol=self.tolerance
            )
            if lines and self.setup and len(cols) == len(exp_cols):
                lines = self._edge_cases(runner, answer, exp_rows, rows) + lines
            if lines or not (self.must_use_index or self.no_sort):
                return lines
            if isinstance(runner, _SqliteRunner):
                return runner.plan_problem(answer, self.must_use_index)
            return pg_plan_problem(
                runner.plan(answer), self.must_use_index or None, table=self.plan_table, no_sort=self.no_sort
            )

    def _edge_cases(self, runner, answer, exp_rows, rows) -> list[str]:
        """Name the rows planted by ``setup`` (boundary instants, ties) that the answer gets wrong."""

        def key(r):
            return tuple(repr(v) for v in r)

        try:
            runner.skip_setup = True
            plain_exp = {key(r) for r in runner.query(self.reference)[1]}
            plain_ans = {key(r) for r in runner.query(answer)[1]}
        except Feedback:
            return []
        finally:
            runner.skip_setup = False
        exp_keys = {key(r) for r in exp_rows}
        got_keys = {key(r) for r in rows}
        lines = []
        for r in exp_rows:
            k = key(r)
            if k not in got_keys and k not in plain_exp:
                lines.append(
                    f"Edge case: your result misses {compare.fmt_row(compare.row(r))}, a row planted "
                    "for this check (on a boundary, or a tie)."
                )
        for r in rows:
            k = key(r)
            if k not in exp_keys and k not in plain_ans:
                lines.append(
                    f"Edge case: your result includes {compare.fmt_row(compare.row(r))}, a row planted "
                    "for this check that does not belong in it (a boundary, or a tie)."
                )
        return lines[:3]


def compare_rows(
    exp_cols, exp_rows, cols, rows, *, ordered=False, columns=False, tol=compare.DEFAULT_TOLERANCE, noun="row"
) -> list[str]:
    """Short lines saying how ``rows`` differ from ``exp_rows`` (empty when they agree)."""
    names = ", ".join(cols)
    exp_names = ", ".join(exp_cols)
    if len(cols) != len(exp_cols):
        return [
            f"Your query returns {compare.plural(len(cols), 'column')} ({names}); "
            f"the expected result has {len(exp_cols)} ({exp_names})."
        ]
    if columns and list(cols) != list(exp_cols):
        if sorted(cols) == sorted(exp_cols) and len(set(cols)) == len(cols):
            order = [list(cols).index(c) for c in exp_cols]
            rows = [tuple(r[i] for i in order) for r in rows]
            cols = list(exp_cols)
        else:
            return [f"Wrong column names: yours are ({names}); expected ({exp_names})."]
    return compare.describe_difference(
        exp_rows,
        rows,
        [compare.row(r) for r in exp_rows],
        [compare.row(r) for r in rows],
        fmt=compare.fmt_row,
        noun=noun,
        ordered=ordered,
        tol=tol,
    )


class _PgRunner:
    def __init__(self, ex):
        self.ex = ex
        self.conn = None

    def __enter__(self):
        from .. import connect

        self.conn = connect.postgres(autocommit=True)
        return self

    def __exit__(self, *exc):
        self.conn.close()

    skip_setup = False

    def _prepare(self, cur):
        cur.execute(
            "SELECT set_config('search_path', %s, true), set_config('statement_timeout', %s, true)",
            (self.ex.search_path, f"{int(self.ex.timeout * 1000)}ms"),
        )
        for stmt in [] if self.skip_setup else _setup_statements(self.ex.setup):
            try:
                cur.execute(stmt)
            except Exception as exc:
                raise AuthorError("setup failed: " + db_error_lines(exc)[0]) from None

    def query(self, sql):
        import psycopg

        try:
            with self.conn.transaction(force_rollback=True), self.conn.cursor() as cur:
                self._prepare(cur)
                cur.execute(sql if isinstance(sql, str) else ";\n".join(sql))
                last = None
                while True:
                    if cur.description is not None:
                        last = ([c.name for c in cur.description], cur.fetchall())
                    if not cur.nextset():
                        break
                if last is None:
                    raise Feedback("Your SQL returns no rows at all: write a SELECT (or a statement with RETURNING).")
                return last
        except psycopg.errors.QueryCanceled:
            raise Feedback(
                f"Your query ran longer than {seconds(self.ex.timeout)} (statement timeout): "
                "look for a missing join condition or filter."
            ) from None
        except psycopg.Error as exc:
            lines = db_error_lines(exc)
            raise Feedback("PostgreSQL says: " + lines[0], *lines[1:]) from None

    def plan(self, sql) -> Plan:
        import psycopg

        last = _statements(sql)[-1]
        try:
            with self.conn.transaction(force_rollback=True), self.conn.cursor() as cur:
                self._prepare(cur)
                cur.execute("EXPLAIN (FORMAT JSON) " + last)
                doc = cur.fetchone()[0]
        except psycopg.Error as exc:
            lines = db_error_lines(exc)
            raise Feedback("EXPLAIN failed — PostgreSQL says: " + lines[0], *lines[1:]) from None
        return Plan(doc, last)

    def plan_problem(self, sql, required) -> list[str]:
        return pg_plan_problem(self.plan(sql), required)


def _scan_label(node: PlanNode, with_table: bool = True) -> str:
    """A scan node as the learner should read it: a Bitmap Heap Scan names the index its bitmap came from."""
    label = node.heading(with_relation=with_table)
    if node.node_type == "Bitmap Heap Scan" and node.bitmap_indexes:
        label += f" (its bitmap from {', '.join(node.bitmap_indexes)})"
    return label


def pg_plan_problem(
    plan: Plan | Iterable[PlanNode], required=True, *, table: str | None = None, no_sort: bool = False
) -> list[str]:
    """Why a plan fails (empty when it does not).

    required  True: some index serves the query (on ``table`` when given); a node name such as
              "Index Only Scan": that node reads ``table`` (or appears anywhere without ``table``);
              None/False: no index requirement
    no_sort   the plan must not sort (a Sort node): an index must deliver the order
    The message names the node that causes the failure (and the table it reads).
    """
    nodes = list(plan.walk()) if isinstance(plan, Plan) else list(plan)
    scans = [n for n in nodes if n.is_scan]
    problems = []
    if required:
        if table:
            on_table = [n for n in scans if n.relation == table.split(".")[-1].strip('"')]
            if required is True:
                bad = [n for n in on_table if not n.uses_an_index]
            else:
                bad = [n for n in on_table if n.node_type != required]
            if bad:
                problems.append(_why_not(bad[0], required))
            elif not on_table:
                problems.append(
                    f"The plan does not read {table} at all (its scans: "
                    f"{', '.join(_scan_label(n) for n in scans) or 'none'})."
                )
        else:
            if required is True:
                ok = any(n.node_type in INDEX_NODES for n in nodes)
            else:
                ok = any(n.node_type == required for n in nodes)
            if not ok:
                culprit = _culprit(scans, required)
                if culprit is not None:
                    problems.append(_why_not(culprit, required))
                else:
                    kinds = ", ".join(dict.fromkeys(n.node_type for n in nodes))
                    want = "no index" if required is True else f"no {required}"
                    problems.append(f"The plan uses {want} (its nodes: {kinds}).")
    if no_sort:
        sorts = [n for n in nodes if n.node_type in SORT_NODES]
        if sorts:
            below = [_scan_label(n) for n in sorts[0].walk() if n.is_scan]
            keys = ", ".join(sorts[0].sort_key)
            kind = sorts[0].node_type
            src = f" the rows of {below[0]}" if below else " its input"
            problems.append(
                f"The plan still sorts{src} ({kind} on {keys}): no index delivers this order."
                if keys
                else f"The plan still sorts{src}: no index delivers this order."
            )
    return problems


def _culprit(scans: list[PlanNode], required) -> PlanNode | None:
    """The scan that keeps a plan from meeting ``required``: a full scan first, then the biggest read."""
    if not scans:
        return None
    if required is True:
        pool = [n for n in scans if not n.uses_an_index] or scans
    else:
        pool = [n for n in scans if n.node_type != required] or scans
    seq = [n for n in pool if n.node_type == "Seq Scan"]
    pool = seq or pool
    return max(pool, key=lambda n: n.planned_rows * max(n.planned_width, 1))


def _why_not(node: PlanNode, required) -> str:
    table = node.relation or "the table"
    label = _scan_label(node)
    if node.node_type == "Seq Scan":
        if required is True:
            return f"The plan scans the whole table ({label}): no index serves this query."
        return f"The plan scans the whole table ({label}): no {required}."
    how = _scan_label(node, with_table=False)
    if required is True:
        return f"The plan reads {table} with {_a(how)}, which uses no index."
    return f"The plan reads {table} with {_a(how)}, not with {_a(required)}."


def _a(noun: str) -> str:
    return ("an " if noun[:1] in "AEIOU" else "a ") + noun


class _SqliteRunner:
    skip_setup = False

    def __init__(self, ex):
        self.ex = ex
        self.conn = None

    def __enter__(self):
        from .. import settings as _settings

        path = self.ex.sqlite_path or str(_settings.get().sqlite_path)
        if path != ":memory:":
            from pathlib import Path

            if not Path(path).exists():
                raise Feedback(f"The SQLite file {path} does not exist yet: run `make seed` first.")
        self.conn = sqlite3.connect(path, isolation_level=None)
        return self

    def __exit__(self, *exc):
        self.conn.close()

    def _run(self, sql, explain=False):
        deadline = time.monotonic() + self.ex.timeout
        self.conn.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 1000)
        cur = self.conn.cursor()
        cur.execute("BEGIN")
        try:
            for stmt in [] if self.skip_setup else _setup_statements(self.ex.setup):
                try:
                    cur.execute(stmt)
                except sqlite3.Error as exc:
                    raise AuthorError("setup failed: " + db_error_lines(exc)[0]) from None
            statements = _statements(sql)
            if explain:
                statements = ["EXPLAIN QUERY PLAN " + statements[-1]]
            last = None
            try:
                for stmt in statements:
                    cur.execute(stmt)
                    if cur.description is not None:
                        last = ([d[0] for d in cur.description], [tuple(r) for r in cur.fetchall()])
            except sqlite3.OperationalError as exc:
                if str(exc) == "interrupted":
                    raise Feedback(
                        f"Your query ran longer than {seconds(self.ex.timeout)} (time limit): "
                        "look for a missing join condition or filter."
                    ) from None
                raise Feedback("SQLite says: " + db_error_lines(exc)[0]) from None
            except sqlite3.Error as exc:
                raise Feedback("SQLite says: " + db_error_lines(exc)[0]) from None
            if last is None:
                raise Feedback("Your SQL returns no rows at all: write a SELECT.")
            return last
        finally:
            self.conn.set_progress_handler(None, 1000)
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")

    def query(self, sql):
        return self._run(sql)

    def plan_problem(self, sql, required) -> list[str]:
        _, rows = self._run(sql, explain=True)
        details = [r[-1] for r in rows]
        searches = [d for d in details if d.startswith("SEARCH")]
        scans = [d for d in details if d.startswith("SCAN") and "INDEX" not in d]
        if required is True:
            if searches:
                return []
        elif any(str(required) in d for d in details):
            return []
        if scans:
            return [f"The plan scans the whole table ({scans[0]}): no index serves this query."]
        return [f"The plan does not use the index as asked (plan: {'; '.join(details)})."]


# --------------------------------------------------------------------------- the DDL/state kind
@dataclass(kw_only=True, repr=False)
class SQLState(_SQLAnswer, Exercise):
    """A DDL exercise: run the learner's statements (committed), then verify the state."""

    expect: list = field(default_factory=list)  # predicates: index_on(...), constraint_on(...), ...
    schema: str | None = None
    setup: str | list | None = None  # SQL that restores the starting state
    timeout: float = 30.0

    kind = "sql-state"
    answer_noun = "SQL statements"

    def _evaluate(self, answer) -> list[str]:
        import psycopg

        from .. import connect

        wrong_type = _not_sql(answer)
        if wrong_type:
            return [wrong_type]
        with connect.postgres(autocommit=True) as conn:
            conn.execute(
                "SELECT set_config('search_path', %s, false), set_config('statement_timeout', %s, false)",
                (self.search_path, f"{int(self.timeout * 1000)}ms"),
            )
            for stmt in _setup_statements(self.setup):
                try:
                    conn.execute(stmt)
                except psycopg.Error as exc:
                    raise AuthorError("setup failed: " + db_error_lines(exc)[0]) from None
            statements = _statements(answer)
            _drop_same_named_indexes(conn, statements, self.search_path.split(",")[0].strip())
            before = {oid for (oid,) in conn.execute("SELECT oid FROM pg_class WHERE relkind = 'i'").fetchall()}
            for number, stmt in enumerate(statements, 1):
                try:
                    conn.execute(stmt)
                except psycopg.errors.QueryCanceled:
                    raise Feedback(
                        f"Statement {number} ran longer than {seconds(self.timeout)} (statement timeout)."
                    ) from None
                except psycopg.Error as exc:
                    lines = db_error_lines(exc)
                    where = f"Statement {number} failed — " if len(statements) > 1 else ""
                    raise Feedback(where + "PostgreSQL says: " + lines[0], *lines[1:]) from None
            token = _BEFORE_ANSWER.set(before)
            try:
                problems = []
                for predicate in self.expect:
                    problem = predicate.verify(conn)
                    if problem and problem not in problems:
                        problems.append(problem)
                return problems
            finally:
                _BEFORE_ANSWER.reset(token)


CREATE_INDEX = re.compile(
    r"^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?"
    r"(\"[^\"]+\"|[A-Za-z_][A-Za-z0-9_$]*(?:\.[A-Za-z_][A-Za-z0-9_$]*)?)\s+ON\b",
    re.IGNORECASE,
)


def _drop_same_named_indexes(conn, statements: list[str], schema: str) -> None:
    """A retry with the same index name works: an index of the exercise's schema that the answer is
    about to create again (left by an earlier attempt) is dropped first, unless a constraint owns it."""
    for stmt in statements:
        m = CREATE_INDEX.match(strip_comments(stmt))
        if not m:
            continue
        name = m.group(1)
        if name.startswith('"'):
            name = name[1:-1]
        elif "." in name:
            ns, name = name.split(".", 1)
            if ns.lower() != schema.lower():
                continue
        else:
            name = name.lower()
        row = conn.execute(
            """SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE c.relkind = 'i' AND c.relname = %s AND n.nspname = %s
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = c.oid)""",
            (name, schema),
        ).fetchone()
        if row:
            conn.execute(f"DROP INDEX {row[0]}")


# --------------------------------------------------------------------------- state predicates
def _regclass(conn, table: str):
    return conn.execute("SELECT to_regclass(%s)::oid", (table,)).fetchone()[0]


def _pg_indexes(conn, oid) -> list[dict]:
    rows = conn.execute(
        """SELECT c.relname, ix.indisunique, ix.indisprimary, ix.indnkeyatts, am.amname,
                  array(SELECT pg_get_indexdef(ix.indexrelid, k, true)
                        FROM generate_series(1, ix.indnatts) k),
                  pg_get_expr(ix.indpred, ix.indrelid), ix.indexprs IS NOT NULL, c.oid, ix.indisvalid
           FROM pg_index ix JOIN pg_class c ON c.oid = ix.indexrelid JOIN pg_am am ON am.oid = c.relam
           WHERE ix.indrelid = %s ORDER BY c.relname""",
        (oid,),
    ).fetchall()
    out = []
    for name, unique, primary, nkeys, method, cols, pred, has_expr, ix_oid, valid in rows:
        pred = _unparen(pred)
        out.append(
            dict(
                name=name,
                unique=unique,
                primary=primary,
                method=method,
                keys=list(cols[:nkeys]),
                include=list(cols[nkeys:]),
                predicate=pred,
                expression=has_expr,
                oid=ix_oid,
                valid=valid,
            )
        )
    return out


def _new_indexes(indexes: list[dict]) -> list[dict]:
    """The indexes the learner's statements created (all of them outside an SQLState check)."""
    before = _BEFORE_ANSWER.get()
    if before is None:
        return []
    return [ix for ix in indexes if ix["oid"] not in before]


def _unparen(text: str | None) -> str | None:
    """``(status = 'x'::text)`` as PostgreSQL prints a predicate, without the outer parentheses."""
    if not text or not (text.startswith("(") and text.endswith(")")):
        return text
    depth = 0
    for i, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and i < len(text) - 1:
            return text
    return text[1:-1]


def _describe_index(ix: dict) -> str:
    text = f"{ix['name']} ({', '.join(ix['keys'])})"
    if ix["include"]:
        text += f" INCLUDE ({', '.join(ix['include'])})"
    if ix["method"] != "btree":
        text += f" USING {ix['method']}"
    if ix["unique"]:
        text += " unique"
    if ix["predicate"]:
        text += f" WHERE {ix['predicate']}"
    return text


def _same_predicate(conn, table: str, got: str | None, wanted: str) -> bool:
    """Is an index predicate logically the required one? Equal once PostgreSQL printed both, or
    true on exactly the same rows of the table (so `'a' = status`, `status IN ('a')` agree)."""
    if not got:
        return False
    if _norm_expr(got) == _norm_expr(wanted):
        return True
    import psycopg

    try:
        with conn.transaction(force_rollback=True):
            row = conn.execute(
                f"SELECT NOT EXISTS (SELECT 1 FROM {table} WHERE coalesce(({got}), false) "
                f"IS DISTINCT FROM coalesce(({wanted}), false))"
            ).fetchone()
    except psycopg.Error:
        return False
    return bool(row and row[0])


@dataclass
class index_on:
    """An index exists on ``table`` whose key columns start with ``columns`` (names or expressions,
    in order; more key columns may follow unless ``exact`` or ``unique``, which they would change).

    A partial index's predicate is compared by meaning: PostgreSQL's own rendering, or the same
    rows of the table. The feedback talks about the indexes the learner's statements created.
    """

    table: str
    columns: list
    unique: bool | None = None
    partial: bool | str | None = None  # True/False, or the WHERE text ("status = 'published'")
    expression: bool | None = None  # at least one key is an expression
    include: list | None = None  # INCLUDE columns (covering index): each must be held
    method: str | None = None  # btree, gin, gist, brin, hash
    exact: bool = False  # the key columns are exactly ``columns``

    def describe(self) -> str:
        text = f"{'a unique' if self.unique else 'an'} index on {self.table} ({', '.join(self.columns)})"
        if self.include:
            text += f" INCLUDE ({', '.join(self.include)})"
        if self.method:
            text += f" USING {self.method}"
        if isinstance(self.partial, str):
            text += f" WHERE {self.partial}"
        elif self.partial:
            text += " (partial)"
        return text

    def _keys_match(self, ix) -> bool:
        wanted = [_norm_expr(c) for c in self.columns]
        keys = [_norm_expr(k) for k in ix["keys"]]
        if self.exact or self.unique:
            return keys == wanted
        return keys[: len(wanted)] == wanted

    def verify(self, conn) -> str | None:
        oid = _regclass(conn, self.table)
        if oid is None:
            return f"Table {self.table} does not exist."
        indexes = _pg_indexes(conn, oid)
        candidates = [ix for ix in indexes if self._keys_match(ix)]
        mismatch = {}
        for ix in candidates:
            problem = self._mismatch(conn, ix)
            if problem is None:
                return None
            mismatch[ix["name"]] = problem
        new = _new_indexes(indexes)
        if _BEFORE_ANSWER.get() is not None:
            # Talk about the learner's own indexes: the first of them that is on the right columns,
            # else what they are on.
            for ix in new:
                if ix["name"] in mismatch:
                    return mismatch[ix["name"]]
            if new:
                yours = "; ".join(_describe_index(ix) for ix in new)
                return f"Missing {self.describe()}. Your index {yours} is not one{self._key_advice(new[0])}."
            return f"Missing {self.describe()}: your answer created no index on {self.table}."
        if mismatch:
            return next(iter(mismatch.values()))
        now = "; ".join(_describe_index(ix) for ix in indexes) or "none"
        return f"Missing {self.describe()}. Indexes on {self.table} now: {now}."

    def _key_advice(self, ix) -> str:
        wanted = [_norm_expr(c) for c in self.columns]
        keys = [_norm_expr(k) for k in ix["keys"]]
        if sorted(keys[: len(wanted)]) == sorted(wanted) and keys[: len(wanted)] != wanted:
            return ": its key columns are in another order, and a B-tree is sorted by its first key first"
        if set(wanted) < set(keys):
            return f": its first key must be {self.columns[0]}"
        return f": its keys are ({', '.join(ix['keys'])})"

    def _mismatch(self, conn, ix) -> str | None:
        name = f"Index {ix['name']} ({', '.join(ix['keys'])}) is on the right columns but"
        if self.unique is not None and ix["unique"] != self.unique:
            return f"{name} is {'not ' if self.unique else ''}unique."
        if self.method and ix["method"] != self.method.lower():
            return f"{name} uses {ix['method']}, not {self.method}."
        if self.partial is True and not ix["predicate"]:
            return f"{name} is not partial (it has no WHERE clause)."
        if self.partial is False and ix["predicate"]:
            return f"{name} is partial (WHERE {ix['predicate']}); expected a full index."
        if isinstance(self.partial, str) and not _same_predicate(conn, self.table, ix["predicate"], self.partial):
            if not ix["predicate"]:
                return (
                    f"{name} has no WHERE clause; expected WHERE {self.partial} (it holds every row, not only those)."
                )
            return f"{name} holds the rows WHERE {ix['predicate']}, which are not the rows WHERE {self.partial}."
        if self.expression is not None and ix["expression"] != self.expression:
            return f"{name} is {'not ' if self.expression else ''}an expression index."
        if self.include is not None:
            held = {_norm_expr(c) for c in ix["keys"] + ix["include"]}
            missing = [c for c in self.include if _norm_expr(c) not in held]
            if missing:
                got = ", ".join(ix["include"]) or "nothing"
                return f"{name} INCLUDEs {got}; it does not hold {', '.join(missing)}."
        if not ix.get("valid", True):
            return f"{name} is not valid (a failed CREATE INDEX CONCURRENTLY?): drop it and create it again."
        return None


CONSTRAINT_TYPES = {
    "p": "PRIMARY KEY",
    "u": "UNIQUE",
    "f": "FOREIGN KEY",
    "c": "CHECK",
    "x": "EXCLUDE",
    "n": "NOT NULL",
    "t": "TRIGGER",
}


@dataclass
class constraint_on:
    """A constraint of ``type`` (primary key, unique, foreign key, check, exclude) on ``table``."""

    table: str
    type: str
    columns: list | None = None
    references: str | None = None  # foreign key target table

    def describe(self) -> str:
        cols = f" ({', '.join(self.columns)})" if self.columns else ""
        ref = f" REFERENCES {self.references}" if self.references else ""
        return f"a {self.type.upper()} constraint on {self.table}{cols}{ref}"

    def verify(self, conn) -> str | None:
        oid = _regclass(conn, self.table)
        if oid is None:
            return f"Table {self.table} does not exist."
        rows = conn.execute(
            """SELECT con.conname, con.contype::text,
                      array(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
                            JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i),
                      con.confrelid, pg_get_constraintdef(con.oid, true)
               FROM pg_constraint con WHERE con.conrelid = %s ORDER BY con.conname""",
            (oid,),
        ).fetchall()
        want_type = self.type.strip().upper()
        ref_oid = _regclass(conn, self.references) if self.references else None
        for _name, contype, cols, confrelid, _definition in rows:
            if CONSTRAINT_TYPES.get(contype) != want_type:
                continue
            if self.columns is not None and sorted(cols) != sorted(self.columns):
                continue
            if self.references and confrelid != ref_oid:
                continue
            return None
        now = "; ".join(f"{name} {definition}" for name, _t, _c, _f, definition in rows if _t != "n") or "none"
        return f"Missing {self.describe()}. Constraints on {self.table} now: {now}."


@dataclass
class trigger_on:
    """A (non-internal) trigger on ``table``, optionally named, firing on ``events`` at ``timing``."""

    table: str
    name: str | None = None
    events: list | str | None = None  # "INSERT", ["INSERT", "UPDATE"]
    timing: str | None = None  # "BEFORE", "AFTER", "INSTEAD OF"
    for_each: str | None = None  # "ROW" or "STATEMENT"

    def describe(self) -> str:
        parts = [f"a trigger{' ' + self.name if self.name else ''} on {self.table}"]
        if self.timing or self.events:
            ev = self.events if isinstance(self.events, str) else " OR ".join(self.events or [])
            parts.append(f"({' '.join(p for p in (self.timing, ev) if p)})")
        return " ".join(parts)

    def verify(self, conn) -> str | None:
        oid = _regclass(conn, self.table)
        if oid is None:
            return f"Table {self.table} does not exist."
        rows = conn.execute(
            "SELECT tgname, tgtype FROM pg_trigger WHERE tgrelid = %s AND NOT tgisinternal ORDER BY tgname", (oid,)
        ).fetchall()
        events = [self.events] if isinstance(self.events, str) else list(self.events or [])
        for name, tgtype in rows:
            if self.name and name != self.name:
                continue
            fired = {e for bit, e in ((4, "INSERT"), (8, "DELETE"), (16, "UPDATE"), (32, "TRUNCATE")) if tgtype & bit}
            if any(e.upper() not in fired for e in events):
                continue
            timing = "INSTEAD OF" if tgtype & 64 else ("BEFORE" if tgtype & 2 else "AFTER")
            if self.timing and self.timing.upper() != timing:
                continue
            level = "ROW" if tgtype & 1 else "STATEMENT"
            if self.for_each and self.for_each.upper() != level:
                continue
            return None
        now = ", ".join(name for name, _ in rows) or "none"
        return f"Missing {self.describe()}. Triggers on {self.table} now: {now}."


@dataclass
class column_on:
    """Column ``column`` exists on ``table`` (of ``type``; NOT NULL when ``not_null``)."""

    table: str
    column: str
    type: str | None = None
    not_null: bool | None = None

    def verify(self, conn) -> str | None:
        oid = _regclass(conn, self.table)
        if oid is None:
            return f"Table {self.table} does not exist."
        row = conn.execute(
            """SELECT a.atttypid, format_type(a.atttypid, a.atttypmod), a.attnotnull FROM pg_attribute a
               WHERE a.attrelid = %s AND a.attname = %s AND a.attnum > 0 AND NOT a.attisdropped""",
            (oid, self.column),
        ).fetchone()
        if row is None:
            return f"Table {self.table} has no column {self.column}."
        if self.type:
            want = conn.execute("SELECT to_regtype(%s)::oid", (self.type,)).fetchone()[0]
            if want != row[0]:
                return f"Column {self.table}.{self.column} is {row[1]}; expected {self.type}."
        if self.not_null is not None and row[2] != self.not_null:
            return f"Column {self.table}.{self.column} should {'' if self.not_null else 'not '}be NOT NULL."
        return None


@dataclass
class uses_index:
    """EXPLAIN ``query`` now shows an index node (or the given ``node``, e.g. "Index Only Scan").

    table     the table the requirement is about: its scan node is judged (and named on failure)
    no_sort   the plan must not sort: an index delivers the rows in the query's order
    max_pages at most this many buffers (pages) touched when the query runs (EXPLAIN ANALYZE, BUFFERS)
    """

    query: str
    node: str | None = None
    table: str | None = None
    no_sort: bool = False
    max_pages: int | None = None

    def verify(self, conn) -> str | None:
        import psycopg

        try:
            plan = explain(conn, self.query, analyze=False)
        except psycopg.Error as exc:
            return "EXPLAIN failed — PostgreSQL says: " + db_error_lines(exc)[0]
        index_problems = pg_plan_problem(plan, self.node or True, table=self.table)
        sort_problems = pg_plan_problem(plan, None, no_sort=True) if self.no_sort else []
        problems = index_problems + sort_problems
        if index_problems:
            what = f"{'an' if self.node[0] in 'AEIOU' else 'a'} {self.node}" if self.node else "an index"
            verdict = f"does not use {what} yet"
        elif sort_problems:
            verdict = "still needs a sort"
        elif self.max_pages is not None:
            pages = _pages_read(conn, self.query)
            if pages is None or pages <= self.max_pages:
                return None
            verdict = "reads too much"
            problems = [
                f"The plan touches {pages} pages (buffers) when it runs; an index that serves it "
                f"well touches at most {self.max_pages}."
            ]
        else:
            return None
        short = " ".join(self.query.split())
        short = short if len(short) <= 70 else short[:67] + "..."
        text = f"The query `{short}` {verdict}. " + " ".join(problems)
        text += self._yours(conn, plan)
        return text

    def _yours(self, conn, plan: Plan) -> str:
        """What the learner's new indexes are, and whether the plan uses them."""
        before = _BEFORE_ANSWER.get()
        if before is None:
            return ""
        rows = conn.execute(
            """SELECT c.relname, t.relname, pg_get_indexdef(c.oid) FROM pg_class c
               JOIN pg_index ix ON ix.indexrelid = c.oid JOIN pg_class t ON t.oid = ix.indrelid
               WHERE c.relkind = 'i' AND NOT (c.oid = ANY(%s::oid[]))
                 AND t.relnamespace IN (SELECT oid FROM pg_namespace WHERE nspname = ANY(current_schemas(false)))
               ORDER BY c.relname""",
            (list(before),),
        ).fetchall()
        if not rows:
            return " Your answer created no index."
        used = set(plan.indexes)
        parts = []
        for name, _table, definition in rows:
            definition = re.sub(r"^CREATE (UNIQUE )?INDEX \S+ ON (ONLY )?", "", definition)
            state = "used by the plan" if name in used else "not used by the plan"
            parts.append(f"{name} on {definition} ({state})")
        return " Your index" + ("es: " if len(parts) > 1 else ": ") + "; ".join(parts) + "."


def _pages_read(conn, query: str) -> int | None:
    import psycopg

    try:
        with conn.transaction(force_rollback=True):
            plan = explain(conn, query, analyze=True, buffers=True)
    except psycopg.Error:
        return None
    return plan.pages


@dataclass
class holds:
    """A query whose first column of its first row is true; ``message`` says what is wrong otherwise."""

    query: str
    message: str

    def verify(self, conn) -> str | None:
        import psycopg

        try:
            row = conn.execute(self.query).fetchone()
        except psycopg.Error as exc:
            return self.message + " (" + db_error_lines(exc)[0] + ")"
        return None if row and row[0] else self.message
