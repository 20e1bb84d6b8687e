"""Plans as trees, timings as ratios, and small plots.

PostgreSQL:
    plan = explain(conn, "SELECT ...", params)       # EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)
    plan                                              # shows an indented tree
    assert plan.uses("Index Only Scan")
    plan.node_types, plan.total_ms, plan.find("Seq Scan")

MongoDB:
    mplan = mongo_explain(collection, {"authorId": a}, sort=[("createdAt", -1)])
    mplan = mongo_explain(collection, pipeline=[...])
    mplan.stages, mplan.docs_examined, mplan.keys_examined, mplan.uses("IXSCAN")

Timing:
    ms = timeit(lambda: conn.execute(sql).fetchall())      # median of repeats, in milliseconds
    plot_timings({"before": a, "after": b}, title=...)      # a labelled bar chart (log scale)

Tree lines never show times or costs unless asked (``plan.tree(timing=True)``). Row estimates
come from ANALYZE's random sample, so they can differ between runs on big tables:
``plan.tree(estimates=False)`` shows node types, conditions and actual rows only, which is stable
when the plan shape is.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass, field

# --------------------------------------------------------------------------- PostgreSQL


@dataclass
class PlanNode:
    raw: dict
    depth: int
    children: list = field(default_factory=list)

    @property
    def type(self) -> str:
        return self.raw.get("Node Type", "?")

    def label(self, timing: bool = False, estimates: bool = True, buffers: bool = False) -> str:
        r = self.raw
        text = r.get("Node Type", "?")
        if text == "Aggregate":  # named as in EXPLAIN's text format
            text = {"Sorted": "GroupAggregate", "Hashed": "HashAggregate", "Mixed": "MixedAggregate"}.get(
                r.get("Strategy"), "Aggregate"
            )
        if r.get("Join Type") and (text.endswith("Join") or text == "Nested Loop"):
            text += f" ({r['Join Type']})"
        if r.get("Index Name"):
            text += f" using {r['Index Name']}"
        if r.get("Relation Name"):
            text += f" on {r['Relation Name']}"
            if r.get("Alias") and r["Alias"] != r["Relation Name"]:
                text += f" {r['Alias']}"
        details = []
        for key, name in (
            ("Index Cond", "index cond"),
            ("Hash Cond", "hash cond"),
            ("Recheck Cond", "recheck"),
            ("Filter", "filter"),
            ("Sort Key", "sort key"),
            ("Group Key", "group key"),
        ):
            if key in r:
                value = r[key]
                if isinstance(value, list):
                    value = ", ".join(value)
                details.append(f"{name}: {value}")
        rows = [f"rows est {r.get('Plan Rows', '?')}"] if estimates else []
        if "Actual Rows" in r:
            loops = r.get("Actual Loops", 1)
            rows.append(f"actual {r['Actual Rows']:g}" + (f" ×{loops} loops" if loops and loops > 1 else ""))
        if rows:
            details.append(" / ".join(rows) if estimates else "rows " + rows[0])
        if "Heap Fetches" in r:
            details.append(f"heap fetches {r['Heap Fetches']}")
        if buffers and ("Shared Hit Blocks" in r):
            details.append(f"buffers hit {r['Shared Hit Blocks']} read {r.get('Shared Read Blocks', 0)}")
        if timing and "Actual Total Time" in r:
            details.append(f"{r['Actual Total Time']:.3f} ms")
        return text + ("  [" + "; ".join(details) + "]" if details else "")


class Plan:
    """A PostgreSQL plan from EXPLAIN (FORMAT JSON), readable as a tree."""

    def __init__(self, explain_json, sql: str = ""):
        doc = explain_json[0] if isinstance(explain_json, list) else explain_json
        self.doc = doc
        self.sql = sql
        self.root = self._build(doc["Plan"], 0)

    def _build(self, raw: dict, depth: int) -> PlanNode:
        node = PlanNode(raw, depth)
        node.children = [self._build(child, depth + 1) for child in raw.get("Plans", [])]
        return node

    def walk(self):
        stack = [self.root]
        while stack:
            node = stack.pop(0)
            yield node
            stack[0:0] = node.children

    @property
    def node_types(self) -> list[str]:
        return [n.type for n in self.walk()]

    def find(self, node_type: str) -> list[PlanNode]:
        return [n for n in self.walk() if n.type == node_type]

    def uses(self, node_type: str, relation: str | None = None, index: str | None = None) -> bool:
        """True when a node of this type (on this relation / using this index) is in the plan."""
        for n in self.find(node_type):
            if relation and n.raw.get("Relation Name") != relation:
                continue
            if index and n.raw.get("Index Name") != index:
                continue
            return True
        return False

    @property
    def indexes(self) -> list[str]:
        return [n.raw["Index Name"] for n in self.walk() if "Index Name" in n.raw]

    @property
    def total_ms(self) -> float:
        return float(self.doc.get("Execution Time", self.root.raw.get("Actual Total Time", 0.0)))

    @property
    def planning_ms(self) -> float:
        return float(self.doc.get("Planning Time", 0.0))

    @property
    def shared_hit(self) -> int:
        return int(self.root.raw.get("Shared Hit Blocks", 0))

    @property
    def shared_read(self) -> int:
        return int(self.root.raw.get("Shared Read Blocks", 0))

    def tree(self, timing: bool = False, estimates: bool = True, buffers: bool = False) -> str:
        lines = []
        for n in self.walk():
            prefix = "" if n.depth == 0 else "   " * (n.depth - 1) + "└─ "
            lines.append(prefix + n.label(timing=timing, estimates=estimates, buffers=buffers))
        if timing and "Execution Time" in self.doc:
            lines.append(f"Planning {self.planning_ms:.3f} ms · Execution {self.total_ms:.3f} ms")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.tree(timing=True, buffers=True)

    def _repr_pretty_(self, p, cycle):  # IPython
        p.text(repr(self))


def explain(conn, sql: str, params=None, analyze: bool = True, buffers: bool = True) -> Plan:
    """Run EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) on a psycopg connection and return a Plan.

    With ``analyze=True`` the statement really runs: wrap data-changing statements in a
    transaction you roll back.
    """
    options = ["FORMAT JSON"]
    if analyze:
        options.insert(0, "ANALYZE")
        if buffers:
            options.insert(1, "BUFFERS")
    row = conn.execute(f"EXPLAIN ({', '.join(options)}) {sql}", params).fetchone()
    data = row[0]
    if isinstance(data, str):
        data = json.loads(data)
    return Plan(data, sql)


# --------------------------------------------------------------------------- MongoDB


class MongoPlan:
    """The useful part of a MongoDB explain("executionStats") for find() or aggregate()."""

    def __init__(self, explain_doc: dict):
        self.doc = explain_doc
        self.stats = self._execution_stats(explain_doc)
        self.winning = self._winning_plan(explain_doc)

    @staticmethod
    def _execution_stats(doc):
        if "executionStats" in doc:
            return doc["executionStats"]
        for stage in doc.get("stages", []):
            if "$cursor" in stage:
                return stage["$cursor"].get("executionStats", {})
        return {}

    @staticmethod
    def _winning_plan(doc):
        qp = doc.get("queryPlanner")
        if qp is None:
            for stage in doc.get("stages", []):
                if "$cursor" in stage:
                    qp = stage["$cursor"].get("queryPlanner")
                    break
        if not qp:
            return {}
        wp = qp.get("winningPlan", {})
        return wp.get("queryPlan", wp)

    @property
    def stages(self) -> list[str]:
        out, node = [], self.winning
        stack = [node] if node else []
        while stack:
            node = stack.pop(0)
            if "stage" in node:
                out.append(node["stage"])
            for key in ("inputStage", "outerStage", "innerStage"):
                if key in node:
                    stack.append(node[key])
            stack.extend(node.get("inputStages", []))
        return out

    def uses(self, stage: str) -> bool:
        return stage in self.stages

    @property
    def index_name(self) -> str | None:
        stack = [self.winning]
        while stack:
            node = stack.pop()
            if node.get("indexName"):
                return node["indexName"]
            for key in ("inputStage", "outerStage", "innerStage"):
                if key in node:
                    stack.append(node[key])
            stack.extend(node.get("inputStages", []))
        return None

    @property
    def docs_examined(self) -> int:
        return int(self.stats.get("totalDocsExamined", 0))

    @property
    def keys_examined(self) -> int:
        return int(self.stats.get("totalKeysExamined", 0))

    @property
    def returned(self) -> int:
        return int(self.stats.get("nReturned", 0))

    @property
    def millis(self) -> int:
        return int(self.stats.get("executionTimeMillis", 0))

    def summary(self) -> str:
        """One stable line: stages, index, keys/docs examined, documents returned (no time)."""
        idx = f" ({self.index_name})" if self.index_name else ""
        return (
            f"{' <- '.join(self.stages) or '?'}{idx} · keys examined {self.keys_examined:,}"
            f" · docs examined {self.docs_examined:,} · returned {self.returned:,}"
        )

    def __repr__(self) -> str:
        return self.summary()

    def _repr_pretty_(self, p, cycle):
        p.text(self.summary())


def mongo_explain(
    collection, filter=None, *, pipeline=None, projection=None, sort=None, hint=None, limit=None
) -> MongoPlan:
    """explain("executionStats") of a find (filter/projection/sort/hint/limit) or an aggregate.

    Written as the explain *command*, so it behaves the same on every server and driver version.
    ``sort`` is a list of (field, direction) pairs or a dict.
    """
    db = collection.database
    if pipeline is not None:
        cmd = {"aggregate": collection.name, "pipeline": pipeline, "cursor": {}}
    else:
        cmd = {"find": collection.name, "filter": filter or {}}
        if projection is not None:
            cmd["projection"] = projection
        if sort is not None:
            cmd["sort"] = dict(sort)
        if hint is not None:
            cmd["hint"] = hint if isinstance(hint, str) else dict(hint)
        if limit is not None:
            cmd["limit"] = limit
    return MongoPlan(db.command("explain", cmd, verbosity="executionStats"))


# --------------------------------------------------------------------------- timing


def timeit(fn, repeat: int = 5, warmup: int = 1, number: int = 1) -> float:
    """Median wall time of ``fn()`` in milliseconds (after ``warmup`` untimed calls)."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - start) * 1000 / number)
    return statistics.median(samples)


def ratio(before_ms: float, after_ms: float) -> float:
    """How many times faster ``after`` is than ``before`` (guarded against a zero)."""
    return before_ms / max(after_ms, 1e-6)


def plot_timings(timings: dict, title: str = "", unit: str = "ms", log: bool = True, ax=None):
    """A horizontal bar chart of {label: milliseconds}, labelled, log scale by default."""
    import matplotlib.pyplot as plt

    labels = list(timings)
    values = [timings[k] for k in labels]
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.5 + 0.55 * len(labels)))
    bars = ax.barh(labels, values, color="#4C72B0")
    ax.invert_yaxis()
    if log:
        ax.set_xscale("log")
    ax.set_xlabel(f"median time ({unit}, {'log scale' if log else 'linear'})")
    if title:
        ax.set_title(title)
    for bar, value in zip(bars, values, strict=True):
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {value:.3g} {unit}", va="center", fontsize=9)
    ax.figure.tight_layout()
    return ax
