"""Plans as trees, timings as ratios, and small plots: rendering only.

The plan models (``Plan``, ``PlanNode``, ``MongoPlan``, ``MongoStage``, ``explain``,
``mongo_explain``) live in :mod:`dbworkbook.plans` and are importable from here as well.

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

import statistics
import time

# --------------------------------------------------------------------------- plans as trees
# The plan models live in dbworkbook.plans; these names stay importable from here.
from .plans import MongoPlan, MongoStage, Plan, PlanNode, explain, mongo_explain

__all__ = [
    "MongoPlan",
    "MongoStage",
    "Plan",
    "PlanNode",
    "explain",
    "mongo_explain",
    "mongo_tree",
    "plan_tree",
    "plot_timings",
    "ratio",
    "timeit",
]


def _draw(node, line, children, prefix: str = "", last: bool = True, top: bool = True) -> list[str]:
    """Lines of a tree: each child under its parent with ├─ (more follow) or └─ (the last), and │ below
    a ├─ so that a later sibling's line stays connected to its parent."""
    lines = [line(node) if top else prefix + ("└─ " if last else "├─ ") + line(node)]
    below = "" if top else prefix + ("   " if last else "│  ")
    kids = children(node)
    for i, child in enumerate(kids):
        lines += _draw(child, line, children, below, i == len(kids) - 1, top=False)
    return lines


def plan_tree(plan: Plan, timing: bool = False, estimates: bool = True, buffers: bool = False) -> str:
    """A PostgreSQL plan as an indented tree, one node a line (``plan.tree()`` calls this)."""
    lines = _draw(
        plan.root,
        lambda n: n.label(timing=timing, estimates=estimates, buffers=buffers),
        lambda n: n.children,
    )
    if timing and "Execution Time" in plan.doc:
        lines.append(f"Planning {plan.planning_ms:.3f} ms · Execution {plan.total_ms:.3f} ms")
    return "\n".join(lines)


def mongo_tree(plan: MongoPlan) -> str:
    """A MongoDB winning plan as an indented tree, one stage a line (``mplan.tree()`` calls this)."""
    if plan.root is None:
        return "?"
    return "\n".join(_draw(plan.root, lambda s: s.label(), lambda s: s.children))


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
