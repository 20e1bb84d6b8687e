"""PostgreSQL plans: ``EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)`` as a tree of typed nodes.

    plan = explain(conn, "SELECT ...", params)    # runs EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)
    plan.uses("Index Only Scan"), plan.node_types, plan.indexes, plan.total_ms
    scan = plan.find("Index Scan")[0]
    scan.relation, scan.index_name, scan.direction, scan.actual_rows, scan.planned_rows, scan.pages

A node's ``node_type`` is EXPLAIN's "Node Type" ("Seq Scan", "Index Scan"); its ``name`` is how
EXPLAIN's text format names it ("Parallel Seq Scan", "Index Scan Backward", "HashAggregate").
``plan.find`` and ``plan.uses`` match ``node_type``, so a parallel sequential scan is a "Seq Scan"
whose ``parallel`` is true. ``node.raw`` is the node's JSON, for the rare field without an accessor.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["INDEX_NODES", "SCAN_NODES", "SORT_NODES", "Plan", "PlanNode", "explain"]

# Nodes that read a table (and name it in "Relation Name"), nodes that walk an index, and sorts.
SCAN_NODES = ("Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Heap Scan", "Tid Scan", "Tid Range Scan")
INDEX_NODES = ("Index Scan", "Index Only Scan", "Bitmap Index Scan")
SORT_NODES = ("Sort", "Incremental Sort")

_AGGREGATE_NAMES = {"Sorted": "GroupAggregate", "Hashed": "HashAggregate", "Mixed": "MixedAggregate"}


@dataclass(eq=False)
class PlanNode:
    """One node of a PostgreSQL plan: typed accessors over EXPLAIN's JSON for that node."""

    raw: dict
    depth: int = 0
    children: list[PlanNode] = field(default_factory=list)

    # ---- what the node is ----
    @property
    def node_type(self) -> str:
        """EXPLAIN's "Node Type": "Seq Scan", "Index Only Scan", "Hash Join", "Sort"..."""
        return str(self.raw.get("Node Type", "?"))

    type = node_type  # the older name

    @property
    def parallel(self) -> bool:
        """True for a parallel-aware node (EXPLAIN's text format names it "Parallel Seq Scan")."""
        return bool(self.raw.get("Parallel Aware", False))

    @property
    def direction(self) -> str | None:
        """ "Forward" or "Backward" for an index scan ("Backward": the index is walked from its end)."""
        value = self.raw.get("Scan Direction")
        return str(value) if value is not None else None

    @property
    def backward(self) -> bool:
        return self.direction == "Backward"

    @property
    def name(self) -> str:
        """The node as EXPLAIN's text format names it: "Parallel Seq Scan", "Index Scan Backward", "HashAggregate"."""
        text = self.node_type
        if text == "Aggregate":
            text = _AGGREGATE_NAMES.get(str(self.raw.get("Strategy")), "Aggregate")
            if self.raw.get("Partial Mode") in ("Partial", "Finalize"):
                text = f"{self.raw['Partial Mode']} {text}"
        if self.parallel:
            text = "Parallel " + text
        if self.raw.get("Async Capable"):
            text = "Async " + text
        if self.backward:
            text += " Backward"
        return text

    @property
    def relation(self) -> str | None:
        """The table the node reads ("Relation Name"), None for nodes that read no table."""
        return self.raw.get("Relation Name")

    @property
    def alias(self) -> str | None:
        return self.raw.get("Alias")

    @property
    def schema(self) -> str | None:
        """The table's schema (EXPLAIN reports it with VERBOSE only)."""
        return self.raw.get("Schema")

    @property
    def index_name(self) -> str | None:
        return self.raw.get("Index Name")

    @property
    def join_type(self) -> str | None:
        return self.raw.get("Join Type")

    @property
    def strategy(self) -> str | None:
        """An aggregate's strategy: "Plain", "Sorted", "Hashed" or "Mixed"."""
        return self.raw.get("Strategy")

    @property
    def is_scan(self) -> bool:
        return self.node_type in SCAN_NODES

    @property
    def uses_an_index(self) -> bool:
        """An Index (Only) Scan, or a Bitmap Heap Scan fed by a Bitmap Index Scan."""
        if self.node_type in ("Index Scan", "Index Only Scan"):
            return True
        if self.node_type == "Bitmap Heap Scan":
            return any(n.node_type == "Bitmap Index Scan" for n in self.walk())
        return False

    @property
    def bitmap_indexes(self) -> list[str]:
        """The indexes the bitmaps below this node came from (a Bitmap Heap Scan's source)."""
        return list(
            dict.fromkeys(n.index_name for n in self.walk() if n.node_type == "Bitmap Index Scan" and n.index_name)
        )

    # ---- conditions ----
    @property
    def index_cond(self) -> str | None:
        return self.raw.get("Index Cond")

    @property
    def recheck_cond(self) -> str | None:
        return self.raw.get("Recheck Cond")

    @property
    def filter(self) -> str | None:
        return self.raw.get("Filter")

    @property
    def hash_cond(self) -> str | None:
        return self.raw.get("Hash Cond")

    @property
    def sort_key(self) -> list[str]:
        return list(self.raw.get("Sort Key", []))

    @property
    def sort_method(self) -> str | None:
        """ "quicksort", "top-N heapsort", "external merge"... (with ANALYZE)."""
        return self.raw.get("Sort Method")

    @property
    def group_key(self) -> list[str]:
        return list(self.raw.get("Group Key", []))

    # ---- rows ----
    @property
    def planned_rows(self) -> float:
        """The planner's estimate of the rows the node returns per loop ("Plan Rows")."""
        return self.raw.get("Plan Rows", 0)

    @property
    def planned_width(self) -> int:
        return int(self.raw.get("Plan Width", 0))

    @property
    def startup_cost(self) -> float:
        return float(self.raw.get("Startup Cost", 0.0))

    @property
    def total_cost(self) -> float:
        return float(self.raw.get("Total Cost", 0.0))

    @property
    def actual_rows(self) -> float | None:
        """Rows returned per loop (ANALYZE; PostgreSQL 18 reports fractions), None without ANALYZE."""
        return self.raw.get("Actual Rows")

    @property
    def loops(self) -> int:
        """How many times the node ran ("Actual Loops"; 1 without ANALYZE)."""
        return int(self.raw.get("Actual Loops", 1))

    @property
    def rows_removed_by_filter(self) -> int:
        return int(self.raw.get("Rows Removed by Filter", 0))

    @property
    def rows_removed_by_index_recheck(self) -> int:
        return int(self.raw.get("Rows Removed by Index Recheck", 0))

    @property
    def rows_removed_by_join_filter(self) -> int:
        return int(self.raw.get("Rows Removed by Join Filter", 0))

    @property
    def heap_fetches(self) -> int | None:
        """An Index Only Scan's visits to the table (pages not all-visible); None for other nodes."""
        value = self.raw.get("Heap Fetches")
        return None if value is None else int(value)

    @property
    def index_searches(self) -> int | None:
        """How many times an index was descended (PostgreSQL 18: skip scans show more than 1)."""
        value = self.raw.get("Index Searches")
        return None if value is None else int(value)

    @property
    def exact_heap_blocks(self) -> int:
        return int(self.raw.get("Exact Heap Blocks", 0))

    @property
    def lossy_heap_blocks(self) -> int:
        return int(self.raw.get("Lossy Heap Blocks", 0))

    @property
    def workers_planned(self) -> int | None:
        value = self.raw.get("Workers Planned")
        return None if value is None else int(value)

    @property
    def workers_launched(self) -> int | None:
        value = self.raw.get("Workers Launched")
        return None if value is None else int(value)

    # ---- buffers (BUFFERS) and time (ANALYZE), this node and everything below it ----
    @property
    def shared_hit(self) -> int:
        """8 kB pages found in shared buffers, by this node and the nodes below it."""
        return int(self.raw.get("Shared Hit Blocks", 0))

    @property
    def shared_read(self) -> int:
        """8 kB pages read from the OS (the page cache or the disk), by this node and those below it."""
        return int(self.raw.get("Shared Read Blocks", 0))

    @property
    def pages(self) -> int:
        """Pages touched (hit + read), this node and those below it."""
        return self.shared_hit + self.shared_read

    @property
    def own_pages(self) -> int:
        """Pages this node touched itself (its children's pages left out)."""
        return self.pages - sum(child.pages for child in self.children)

    @property
    def actual_total_ms(self) -> float | None:
        """Milliseconds until the node's last row, per loop (ANALYZE with timing)."""
        value = self.raw.get("Actual Total Time")
        return None if value is None else float(value)

    @property
    def actual_startup_ms(self) -> float | None:
        value = self.raw.get("Actual Startup Time")
        return None if value is None else float(value)

    @property
    def total_ms(self) -> float:
        """Milliseconds spent in the node and below it over all its loops (0 without timing)."""
        return (self.actual_total_ms or 0.0) * self.loops

    @property
    def own_ms(self) -> float:
        """Milliseconds spent in this node itself (its children's time left out; never negative)."""
        return max(self.total_ms - sum(child.total_ms for child in self.children), 0.0)

    # ---- the tree ----
    def walk(self) -> Iterator[PlanNode]:
        """This node and every node below it, depth first, in EXPLAIN's order."""
        yield self
        for child in self.children:
            yield from child.walk()

    def find(self, node_type: str) -> list[PlanNode]:
        return [n for n in self.walk() if n.node_type == node_type]

    def heading(self, with_relation: bool = True) -> str:
        """The node's name with its index and table: "Index Scan Backward using posts_pkey on posts p"."""
        text = self.name
        if self.join_type and (text.endswith("Join") or text == "Nested Loop"):
            text += f" ({self.join_type})"
        if self.index_name:
            text += f" using {self.index_name}"
        if with_relation and self.relation:
            text += f" on {self.relation}"
            if self.alias and self.alias != self.relation:
                text += f" {self.alias}"
        return text

    def details(self, timing: bool = False, estimates: bool = True, buffers: bool = False) -> list[str]:
        """The bracketed details of the tree line: conditions, rows, heap fetches, buffers, time."""
        r = self.raw
        out = []
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
                out.append(f"{name}: {value}")
        rows = [f"rows est {r.get('Plan Rows', '?')}"] if estimates else []
        if self.actual_rows is not None:
            loops = self.loops
            rows.append(f"actual {self.actual_rows:g}" + (f" ×{loops} loops" if loops > 1 else ""))
        if rows:
            out.append(" / ".join(rows) if estimates else "rows " + rows[0])
        if self.heap_fetches is not None:
            out.append(f"heap fetches {self.heap_fetches}")
        if buffers and "Shared Hit Blocks" in r:
            out.append(f"buffers hit {self.shared_hit} read {self.shared_read}")
        if timing and self.actual_total_ms is not None:
            out.append(f"{self.actual_total_ms:.3f} ms")
        return out

    def label(self, timing: bool = False, estimates: bool = True, buffers: bool = False) -> str:
        """One tree line: the heading, then its details in brackets."""
        details = self.details(timing=timing, estimates=estimates, buffers=buffers)
        return self.heading() + ("  [" + "; ".join(details) + "]" if details else "")

    def __repr__(self) -> str:
        return f"<PlanNode {self.heading()}>"


class Plan:
    """A PostgreSQL plan from EXPLAIN (FORMAT JSON): a tree of PlanNode, shown as an indented tree."""

    def __init__(self, explain_json: Any, sql: str = ""):
        if isinstance(explain_json, str):
            explain_json = json.loads(explain_json)
        doc = explain_json[0] if isinstance(explain_json, list) else explain_json
        self.doc: dict = doc
        self.sql = sql
        self.root = self._build(doc["Plan"], 0)

    def _build(self, raw: dict, depth: int) -> PlanNode:
        return PlanNode(raw, depth, [self._build(child, depth + 1) for child in raw.get("Plans", [])])

    # ---- nodes ----
    def walk(self) -> Iterator[PlanNode]:
        """Every node, depth first, in EXPLAIN's order (a parent before its children)."""
        return self.root.walk()

    @property
    def nodes(self) -> list[PlanNode]:
        return list(self.walk())

    @property
    def node_types(self) -> list[str]:
        return [n.node_type for n in self.walk()]

    def find(self, node_type: str, relation: str | None = None, index: str | None = None) -> list[PlanNode]:
        """The nodes of this type (reading this relation / using this index), in plan order."""
        return [
            n
            for n in self.walk()
            if n.node_type == node_type
            and (relation is None or n.relation == relation)
            and (index is None or n.index_name == index)
        ]

    def first(self, node_type: str, relation: str | None = None, index: str | None = None) -> PlanNode | None:
        """The first node of this type (on this relation / using this index), None when there is none."""
        found = self.find(node_type, relation, index)
        return found[0] if found else None

    def uses(self, node_type: str, relation: str | None = None, index: str | None = None) -> bool:
        """True when a node of this type (on this relation / using this index) is in the plan."""
        return bool(self.find(node_type, relation, index))

    def reading(self, relation: str) -> list[PlanNode]:
        """The scan nodes that read this table."""
        return [n for n in self.scans if n.relation == relation]

    @property
    def scans(self) -> list[PlanNode]:
        """The nodes that read a table (Seq Scan, Index Scan, Index Only Scan, Bitmap Heap Scan...)."""
        return [n for n in self.walk() if n.is_scan]

    @property
    def sorts(self) -> list[PlanNode]:
        """The Sort and Incremental Sort nodes."""
        return [n for n in self.walk() if n.node_type in SORT_NODES]

    @property
    def indexes(self) -> list[str]:
        """The index of every node that names one, in plan order (repeats kept)."""
        return [n.index_name for n in self.walk() if n.index_name]

    @property
    def relations(self) -> list[str]:
        return list(dict.fromkeys(n.relation for n in self.walk() if n.relation))

    @property
    def parallel(self) -> bool:
        """True when some node runs in parallel workers."""
        return any(n.parallel for n in self.walk())

    # ---- the whole statement ----
    @property
    def actual_rows(self) -> float | None:
        return self.root.actual_rows

    @property
    def planned_rows(self) -> float:
        return self.root.planned_rows

    @property
    def total_ms(self) -> float:
        """Execution time in milliseconds (ANALYZE)."""
        return float(self.doc.get("Execution Time", self.root.raw.get("Actual Total Time", 0.0)))

    @property
    def planning_ms(self) -> float:
        return float(self.doc.get("Planning Time", 0.0))

    @property
    def shared_hit(self) -> int:
        return self.root.shared_hit

    @property
    def shared_read(self) -> int:
        return self.root.shared_read

    @property
    def triggers(self) -> list[dict]:
        """The triggers the statement fired (ANALYZE), e.g. a foreign key's check: each a dict with
        "Trigger Name", "Constraint Name" (for a constraint's trigger), "Relation", "Time" (ms), "Calls"."""
        return [dict(t) for t in self.doc.get("Triggers", [])]

    def trigger(self, constraint: str) -> dict | None:
        """The trigger of this constraint (a foreign key's "RI_ConstraintTrigger"), None when it did not fire."""
        return next((t for t in self.triggers if t.get("Constraint Name") == constraint), None)

    @property
    def pages(self) -> int:
        """8 kB pages the whole plan touched: found in shared buffers (hit) or read from the OS (read)."""
        return self.root.pages

    # ---- display ----
    def tree(self, timing: bool = False, estimates: bool = True, buffers: bool = False) -> str:
        from ..display import plan_tree

        return plan_tree(self, timing=timing, estimates=estimates, buffers=buffers)

    def __repr__(self) -> str:
        return self.tree(timing=True, buffers=True)

    def _repr_pretty_(self, p, cycle):  # IPython
        p.text(repr(self))


def explain(conn, sql: str, params=None, analyze: bool = True, buffers: bool = True, settings: bool = False) -> Plan:
    """Run EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) on a psycopg connection and return a Plan.

    With ``analyze=True`` the statement really runs: wrap data-changing statements in a
    transaction you roll back. ``analyze=False`` plans without running (no actual rows, no time).
    """
    options = ["FORMAT JSON"]
    if analyze:
        options.insert(0, "ANALYZE")
        if buffers:
            options.insert(1, "BUFFERS")
    if settings:
        options.append("SETTINGS")
    row = conn.execute(f"EXPLAIN ({', '.join(options)}) {sql}", params).fetchone()
    return Plan(row[0], sql)
