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

import re
import sqlite3
import time
from dataclasses import dataclass, field

from . import compare
from .core import EMPTY_REFERENCE, AuthorError, Exercise, Feedback, db_error_lines, is_empty, seconds

INDEX_NODES = ("Index Scan", "Index Only Scan", "Bitmap Index Scan")



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
            buf.append(text[i:j + 1])
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
    text = re.sub(r"::\"?[a-z_][a-z0-9_]*\"?(\s+(with|without)\s+time\s+zone|\s+varying|\s+precision)?(\[\])?", "", text)
    text = re.sub(r"[\s\"()]", "", text)
    return text


# --------------------------------------------------------------------------- the query kind
class _SQLAnswer:
    """What the SQL kinds share: the search path their answers run with, and the placeholder test."""

    @property
    def search_path(self) -> str:
        return f"{self.schema or 'nb' + self.notebook}, public"

    def _is_placeholder(self, answer) -> bool:
        return is_sql_placeholder(answer)


@dataclass(kw_only=True, repr=False)
class SQLQuery(_SQLAnswer, Exercise):
    """A query exercise: the learner's rows must mean the same as the reference's rows."""

    database: str = "postgres"          # or "sqlite"
    schema: str | None = None           # default: the notebook's schema nbNN (PostgreSQL)
    sqlite_path: str | None = None      # default: the workbook's SQLite file; ":memory:" works
    setup: str | list | None = None     # SQL run first in the same (rolled-back) transaction
    ordered: bool = False
    columns: bool = False
    tolerance: float = compare.DEFAULT_TOLERANCE
    timeout: float = 5.0
    must_use_index: bool | str = False  # True, or a node: "Index Only Scan" (PG) / "COVERING INDEX" (SQLite)
    allow_empty: bool = False           # the reference may return no rows (else: a setup problem)

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
            lines = compare_rows(exp_cols, exp_rows, cols, rows, ordered=self.ordered,
                                 columns=self.columns, tol=self.tolerance)
            if lines or not self.must_use_index:
                return lines
            return runner.plan_problem(answer, self.must_use_index)


def compare_rows(exp_cols, exp_rows, cols, rows, *, ordered=False, columns=False,
                 tol=compare.DEFAULT_TOLERANCE, noun="row") -> list[str]:
    """Short lines saying how ``rows`` differ from ``exp_rows`` (empty when they agree)."""
    names = ", ".join(cols)
    exp_names = ", ".join(exp_cols)
    if len(cols) != len(exp_cols):
        return [f"Your query returns {compare.plural(len(cols), 'column')} ({names}); "
                f"the expected result has {len(exp_cols)} ({exp_names})."]
    if columns and list(cols) != list(exp_cols):
        if sorted(cols) == sorted(exp_cols) and len(set(cols)) == len(cols):
            order = [list(cols).index(c) for c in exp_cols]
            rows = [tuple(r[i] for i in order) for r in rows]
            cols = list(exp_cols)
        else:
            return [f"Wrong column names: yours are ({names}); expected ({exp_names})."]
    return compare.describe_difference(
        exp_rows, rows, [compare.row(r) for r in exp_rows], [compare.row(r) for r in rows],
        fmt=compare.fmt_row, noun=noun, ordered=ordered, tol=tol)


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

    def _prepare(self, cur):
        cur.execute("SELECT set_config('search_path', %s, true), set_config('statement_timeout', %s, true)",
                    (self.ex.search_path, f"{int(self.ex.timeout * 1000)}ms"))
        for stmt in _setup_statements(self.ex.setup):
            try:
                cur.execute(stmt)
            except Exception as exc:  # noqa: BLE001 - a broken declaration
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
            raise Feedback(f"Your query ran longer than {seconds(self.ex.timeout)} (statement timeout): "
                           "look for a missing join condition or filter.") from None
        except psycopg.Error as exc:
            lines = db_error_lines(exc)
            raise Feedback("PostgreSQL says: " + lines[0], *lines[1:]) from None

    def plan(self, sql) -> list[dict]:
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
        return plan_nodes(doc)

    def plan_problem(self, sql, required) -> list[str]:
        return pg_plan_problem(self.plan(sql), required)


def plan_nodes(explain_json) -> list[dict]:
    """Every node of an ``EXPLAIN (FORMAT JSON)`` plan, depth first."""
    doc = explain_json[0] if isinstance(explain_json, list) else explain_json
    out, stack = [], [doc["Plan"]]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(node.get("Plans", [])))
    return out


def _node_label(node: dict) -> str:
    label = node.get("Node Type", "?")
    if node.get("Relation Name"):
        label += f" on {node['Relation Name']}"
    return label


def pg_plan_problem(nodes: list[dict], required) -> list[str]:
    """Why a plan fails ``must_use_index`` (empty when it does not)."""
    types = [n.get("Node Type") for n in nodes]
    seq = [_node_label(n) for n in nodes if n.get("Node Type") == "Seq Scan"]
    index_nodes = [_node_label(n) for n in nodes if n.get("Node Type") in INDEX_NODES]
    if required is True:
        if index_nodes:
            return []
        if seq:
            return [f"The plan scans the whole table ({seq[0]}): no index serves this query."]
        return [f"The plan uses no index (its nodes: {', '.join(dict.fromkeys(types))})."]
    if required in types:
        return []
    if index_nodes:
        return [f"The plan has no {required}: it uses {index_nodes[0]}."]
    if seq:
        return [f"The plan scans the whole table ({seq[0]}): no {required}."]
    return [f"The plan has no {required} (its nodes: {', '.join(dict.fromkeys(types))})."]


class _SqliteRunner:
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
            for stmt in _setup_statements(self.ex.setup):
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
                    raise Feedback(f"Your query ran longer than {seconds(self.ex.timeout)} (time limit): "
                                   "look for a missing join condition or filter.") from None
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

    expect: list = field(default_factory=list)   # predicates: index_on(...), constraint_on(...), ...
    schema: str | None = None
    setup: str | list | None = None              # SQL that restores the starting state
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
            conn.execute("SELECT set_config('search_path', %s, false), set_config('statement_timeout', %s, false)",
                         (self.search_path, f"{int(self.timeout * 1000)}ms"))
            for stmt in _setup_statements(self.setup):
                try:
                    conn.execute(stmt)
                except psycopg.Error as exc:
                    raise AuthorError("setup failed: " + db_error_lines(exc)[0]) from None
            statements = _statements(answer)
            for number, stmt in enumerate(statements, 1):
                try:
                    conn.execute(stmt)
                except psycopg.errors.QueryCanceled:
                    raise Feedback(f"Statement {number} ran longer than {seconds(self.timeout)} (statement timeout).") from None
                except psycopg.Error as exc:
                    lines = db_error_lines(exc)
                    where = f"Statement {number} failed — " if len(statements) > 1 else ""
                    raise Feedback(where + "PostgreSQL says: " + lines[0], *lines[1:]) from None
            problems = []
            for predicate in self.expect:
                problem = predicate.verify(conn)
                if problem:
                    problems.append(problem)
            return problems


# --------------------------------------------------------------------------- state predicates
def _regclass(conn, table: str):
    return conn.execute("SELECT to_regclass(%s)::oid", (table,)).fetchone()[0]


def _pg_indexes(conn, oid) -> list[dict]:
    rows = conn.execute(
        """SELECT c.relname, ix.indisunique, ix.indisprimary, ix.indnkeyatts, am.amname,
                  array(SELECT pg_get_indexdef(ix.indexrelid, k, true)
                        FROM generate_series(1, ix.indnatts) k),
                  pg_get_expr(ix.indpred, ix.indrelid), ix.indexprs IS NOT NULL
           FROM pg_index ix JOIN pg_class c ON c.oid = ix.indexrelid JOIN pg_am am ON am.oid = c.relam
           WHERE ix.indrelid = %s ORDER BY c.relname""", (oid,)).fetchall()
    out = []
    for name, unique, primary, nkeys, method, cols, pred, has_expr in rows:
        out.append(dict(name=name, unique=unique, primary=primary, method=method, keys=list(cols[:nkeys]),
                        include=list(cols[nkeys:]), predicate=pred, expression=has_expr))
    return out


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


@dataclass
class index_on:  # noqa: N801 - reads as a phrase in declarations
    """An index exists on ``table`` with these key ``columns`` (names or expressions, in order)."""

    table: str
    columns: list
    unique: bool | None = None
    partial: bool | str | None = None     # True/False, or the WHERE text ("status = 'published'")
    expression: bool | None = None        # at least one key is an expression
    include: list | None = None           # INCLUDE columns (covering index)
    method: str | None = None             # btree, gin, gist, brin, hash

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

    def verify(self, conn) -> str | None:
        oid = _regclass(conn, self.table)
        if oid is None:
            return f"Table {self.table} does not exist."
        indexes = _pg_indexes(conn, oid)
        wanted = [_norm_expr(c) for c in self.columns]
        candidates = [ix for ix in indexes if [_norm_expr(k) for k in ix["keys"]] == wanted]
        problems = []
        for ix in candidates:
            problem = self._mismatch(ix)
            if problem is None:
                return None
            problems.append(problem)
        if problems:
            return problems[0]
        now = "; ".join(_describe_index(ix) for ix in indexes) or "none"
        return f"Missing {self.describe()}. Indexes on {self.table} now: {now}."

    def _mismatch(self, ix) -> str | None:
        name = f"Index {ix['name']} is on the right columns but"
        if self.unique is not None and ix["unique"] != self.unique:
            return f"{name} is {'not ' if self.unique else ''}unique."
        if self.method and ix["method"] != self.method.lower():
            return f"{name} uses {ix['method']}, not {self.method}."
        if self.partial is True and not ix["predicate"]:
            return f"{name} is not partial (it has no WHERE clause)."
        if self.partial is False and ix["predicate"]:
            return f"{name} is partial (WHERE {ix['predicate']}); expected a full index."
        if isinstance(self.partial, str) and _norm_expr(ix["predicate"] or "") != _norm_expr(self.partial):
            return f"{name} has {'WHERE ' + ix['predicate'] if ix['predicate'] else 'no WHERE clause'}; expected WHERE {self.partial}."
        if self.expression is not None and ix["expression"] != self.expression:
            return f"{name} is {'not ' if self.expression else ''}an expression index."
        if self.include is not None and sorted(_norm_expr(c) for c in ix["include"]) != sorted(_norm_expr(c) for c in self.include):
            got = ", ".join(ix["include"]) or "nothing"
            return f"{name} INCLUDEs {got}; expected INCLUDE ({', '.join(self.include)})."
        return None


CONSTRAINT_TYPES = {"p": "PRIMARY KEY", "u": "UNIQUE", "f": "FOREIGN KEY", "c": "CHECK",
                    "x": "EXCLUDE", "n": "NOT NULL", "t": "TRIGGER"}


@dataclass
class constraint_on:  # noqa: N801
    """A constraint of ``type`` (primary key, unique, foreign key, check, exclude) on ``table``."""

    table: str
    type: str
    columns: list | None = None
    references: str | None = None   # foreign key target table

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
               FROM pg_constraint con WHERE con.conrelid = %s ORDER BY con.conname""", (oid,)).fetchall()
        want_type = self.type.strip().upper()
        ref_oid = _regclass(conn, self.references) if self.references else None
        for name, contype, cols, confrelid, _definition in rows:
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
class trigger_on:  # noqa: N801
    """A (non-internal) trigger on ``table``, optionally named, firing on ``events`` at ``timing``."""

    table: str
    name: str | None = None
    events: list | str | None = None   # "INSERT", ["INSERT", "UPDATE"]
    timing: str | None = None          # "BEFORE", "AFTER", "INSTEAD OF"
    for_each: str | None = None        # "ROW" or "STATEMENT"

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
        rows = conn.execute("SELECT tgname, tgtype FROM pg_trigger WHERE tgrelid = %s AND NOT tgisinternal ORDER BY tgname",
                            (oid,)).fetchall()
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
class column_on:  # noqa: N801
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
            (oid, self.column)).fetchone()
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
class uses_index:  # noqa: N801
    """EXPLAIN ``query`` now shows an index node (or the given ``node``, e.g. "Index Only Scan")."""

    query: str
    node: str | None = None

    def verify(self, conn) -> str | None:
        import psycopg

        try:
            doc = conn.execute("EXPLAIN (FORMAT JSON) " + self.query).fetchone()[0]
        except psycopg.Error as exc:
            return "EXPLAIN failed — PostgreSQL says: " + db_error_lines(exc)[0]
        problem = pg_plan_problem(plan_nodes(doc), self.node or True)
        if problem:
            short = " ".join(self.query.split())
            short = short if len(short) <= 70 else short[:67] + "..."
            return f"The query `{short}` does not use an index yet. " + problem[0]
        return None


@dataclass
class holds:  # noqa: N801
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
