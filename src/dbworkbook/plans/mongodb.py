"""MongoDB plans: ``explain`` of a find or an aggregate as a tree of typed stages.

    mplan = mongo_explain(collection, {"authorId": a}, sort=[("createdAt", -1)])
    mplan = mongo_explain(collection, pipeline=[...])
    mplan.stages, mplan.uses("IXSCAN"), mplan.collscan, mplan.index_name
    mplan.docs_examined, mplan.keys_examined, mplan.returned
    scan = mplan.ixscans[0]
    scan.index_name, scan.key_pattern, scan.direction

The tree is the winning plan of ``queryPlanner`` (under ``winningPlan.queryPlan`` on servers that
also report a slot-based plan, and under ``$cursor`` for an aggregate). Where
``executionStats.executionStages`` has the same shape (mongod's classic engine), each stage also
carries its counts (``n_returned``, ``keys_examined``, ``docs_examined``); SecantusDB reports only
the totals, so there the per-stage counts are None and the plan's totals are what to read.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["INDEX_STAGES", "MongoPlan", "MongoStage", "mongo_explain"]

_CHILD_KEYS = ("inputStage", "outerStage", "innerStage")
# Stages that answer through an index (an index walk, an _id lookup, a count or distinct on the index).
INDEX_STAGES = ("IXSCAN", "EXPRESS_IXSCAN", "COUNT_SCAN", "DISTINCT_SCAN", "IDHACK", "EXPRESS_IDHACK")


@dataclass(eq=False)
class MongoStage:
    """One stage of a MongoDB winning plan (``raw``: its explain document, children left in)."""

    raw: dict
    depth: int = 0
    children: list[MongoStage] = field(default_factory=list)
    stats: dict = field(default_factory=dict)  # the matching executionStages node, when it matches

    @property
    def stage(self) -> str:
        return str(self.raw.get("stage", "?"))

    @property
    def index_name(self) -> str | None:
        return self.raw.get("indexName")

    @property
    def key_pattern(self) -> dict:
        """The index's keys and directions, e.g. {"userId": 1, "createdAt": -1} ({} for no index)."""
        return dict(self.raw.get("keyPattern") or {})

    @property
    def direction(self) -> str | None:
        """ "forward" or "backward": the way an IXSCAN (or a COLLSCAN) walks."""
        return self.raw.get("direction")

    @property
    def is_index_scan(self) -> bool:
        """An index walk: IXSCAN, EXPRESS_IXSCAN, or a stage naming an index and its keys."""
        return self.stage in ("IXSCAN", "EXPRESS_IXSCAN") or bool(self.index_name and self.raw.get("keyPattern"))

    @property
    def filter(self) -> dict | None:
        return self.raw.get("filter")

    @property
    def sort_pattern(self) -> dict | None:
        return self.raw.get("sortPattern")

    def _count(self, key: str) -> int | None:
        value = self.stats.get(key, self.raw.get(key))
        return None if value is None else int(value)

    @property
    def n_returned(self) -> int | None:
        """Documents this stage passed up (executionStats on mongod; None where not reported)."""
        return self._count("nReturned")

    @property
    def keys_examined(self) -> int | None:
        return self._count("keysExamined")

    @property
    def docs_examined(self) -> int | None:
        return self._count("docsExamined")

    def walk(self) -> Iterator[MongoStage]:
        """This stage and every stage below it (a stage before its inputs)."""
        yield self
        for child in self.children:
            yield from child.walk()

    def label(self) -> str:
        text = self.stage
        if self.index_name:
            text += f" {self.index_name}"
            if self.direction and self.direction != "forward":
                text += f" ({self.direction})"
        return text

    def __repr__(self) -> str:
        return f"<MongoStage {self.label()}>"


def _child_docs(node: dict) -> list[dict]:
    out = [node[key] for key in _CHILD_KEYS if isinstance(node.get(key), dict)]
    out.extend(n for n in node.get("inputStages", []) if isinstance(n, dict))
    return out


def _build(node: dict, depth: int, stats: dict | None) -> MongoStage:
    kids = _child_docs(node)
    stat_kids = _child_docs(stats) if stats else []
    matched = stats is not None and stats.get("stage") == node.get("stage") and len(stat_kids) == len(kids)
    children = [_build(kid, depth + 1, stat_kids[i] if matched else None) for i, kid in enumerate(kids)]
    return MongoStage(node, depth, children, dict(stats) if matched and stats is not None else {})


def _winning_plans(node: Any) -> Iterator[dict]:
    """Every winning plan in an explain document (an aggregate or a sharded explain can hold several)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "winningPlan" and isinstance(value, dict):
                yield value.get("queryPlan", value)
                yield from _winning_plans(value)  # a sharded plan holds each shard's winning plan
            elif key != "rejectedPlans":
                yield from _winning_plans(value)
    elif isinstance(node, list):
        for item in node:
            yield from _winning_plans(item)


class MongoPlan:
    """The useful part of a MongoDB explain ("executionStats" or "queryPlanner") of a find or an aggregate."""

    def __init__(self, explain_doc: dict):
        self.doc = explain_doc
        self.stats: dict = self._execution_stats(explain_doc)
        self.winning: dict = self._winning_plan(explain_doc)
        execution = self.stats.get("executionStages")
        self.root: MongoStage | None = _build(self.winning, 0, execution) if self.winning else None
        # every winning plan (the first is ``root``): an aggregate's sub-pipelines, a sharded query's shards
        others = [p for p in _winning_plans(explain_doc) if p is not self.winning]
        self.roots: list[MongoStage] = ([self.root] if self.root else []) + [_build(p, 0, None) for p in others]

    @staticmethod
    def _execution_stats(doc: dict) -> dict:
        if "executionStats" in doc:
            return doc["executionStats"]
        for stage in doc.get("stages", []):
            if "$cursor" in stage:
                return stage["$cursor"].get("executionStats", {})
        return {}

    @staticmethod
    def _winning_plan(doc: dict) -> dict:
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

    # ---- stages ----
    def walk(self) -> Iterator[MongoStage]:
        """Every stage of the winning plan, a stage before its inputs."""
        for root in self.roots[:1]:
            yield from root.walk()

    @staticmethod
    def _breadth_first(roots: list[MongoStage]) -> Iterator[MongoStage]:
        """The stages of each root's tree, level by level (a root's whole tree before the next root's)."""
        for root in roots:
            queue = deque([root])
            while queue:
                node = queue.popleft()
                yield node
                queue.extend(node.children)

    @property
    def stages(self) -> list[str]:
        """The stage names of the winning plan, breadth first: ["LIMIT", "FETCH", "IXSCAN"]."""
        return [s.stage for s in self._breadth_first(self.roots[:1]) if "stage" in s.raw]

    @property
    def all_stages(self) -> list[str]:
        """The stage names of every winning plan in the explain (sub-pipelines, shards), the first plan's first."""
        return [s.stage for s in self._breadth_first(self.roots) if "stage" in s.raw]

    def find(self, stage: str) -> list[MongoStage]:
        return [s for s in self.walk() if s.stage == stage]

    def uses(self, stage: str) -> bool:
        return stage in self.stages

    @property
    def ixscans(self) -> list[MongoStage]:
        """The index walks of the winning plan (IXSCAN nodes: index name, key pattern, direction), breadth first."""
        return [s for s in self._breadth_first(self.roots[:1]) if s.is_index_scan]

    @property
    def index_names(self) -> list[str]:
        return list(dict.fromkeys(s.index_name for s in self.ixscans if s.index_name))

    @property
    def index_name(self) -> str | None:
        """The index the plan uses (with several, the one reached first from the root's last input)."""
        stack = list(self.roots[:1])
        while stack:
            node = stack.pop()
            if node.index_name:
                return node.index_name
            stack.extend(node.children)
        return None

    @property
    def collscan(self) -> bool:
        """True when the plan reads the collection without an index (a COLLSCAN, or no index stage at all)."""
        stages = self.stages
        return "COLLSCAN" in stages or not (self.ixscans or any(s in INDEX_STAGES for s in stages))

    @property
    def sorts_in_memory(self) -> bool:
        """True when the plan has a SORT stage (mongod adds one only when no index gives the order;
        SecantusDB keeps one after most index walks: ask the index, as lessons.mongodb.audit does)."""
        return any(s in ("SORT", "SORT_KEY_GENERATOR") for s in self.stages)

    # ---- counts (executionStats) ----
    @property
    def docs_examined(self) -> int:
        return int(self.stats.get("totalDocsExamined", 0))

    @property
    def keys_examined(self) -> int:
        return int(self.stats.get("totalKeysExamined", 0))

    @property
    def returned(self) -> int:
        return int(self.stats.get("nReturned", 0))

    n_returned = returned

    @property
    def millis(self) -> int:
        return int(self.stats.get("executionTimeMillis", 0))

    # ---- display ----
    def summary(self) -> str:
        """One stable line: stages, index, keys/docs examined, documents returned (no time)."""
        idx = f" ({self.index_name})" if self.index_name else ""
        return (
            f"{' <- '.join(self.stages) or '?'}{idx} · keys examined {self.keys_examined:,}"
            f" · docs examined {self.docs_examined:,} · returned {self.returned:,}"
        )

    def tree(self) -> str:
        from ..display import mongo_tree

        return mongo_tree(self)

    def __repr__(self) -> str:
        return self.summary()

    def _repr_pretty_(self, p, cycle):
        p.text(self.summary())


def mongo_explain(
    collection,
    filter=None,
    *,
    pipeline=None,
    projection=None,
    sort=None,
    hint=None,
    limit=None,
    verbosity: str = "executionStats",
) -> MongoPlan:
    """explain("executionStats") of a find (filter/projection/sort/hint/limit) or an aggregate.

    Written as the explain *command*, so it behaves the same on every server and driver version.
    ``sort`` is a list of (field, direction) pairs or a dict. ``verbosity="queryPlanner"`` plans
    without running the query (no counts).
    """
    db = collection.database
    cmd: dict[str, Any]
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
    return MongoPlan(db.command("explain", cmd, verbosity=verbosity))
