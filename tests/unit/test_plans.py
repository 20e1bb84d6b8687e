"""The plan model (dbworkbook.plans) and its tree drawing, on canned EXPLAIN output: no server needed.

The JSON files in plans/ were captured from the workbook's servers (PostgreSQL 18, SecantusDB) by
plans/capture.py; mongod_limit_fetch_ixscan.json is shaped after mongod's documented explain format
(a ``queryPlan`` under ``winningPlan`` and per-stage counts in ``executionStages``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from dbworkbook import display
from dbworkbook.plans import MongoPlan, Plan

HERE = Path(__file__).parent
ROOT = HERE.parents[1]


def pg(name: str) -> Plan:
    return Plan(json.loads((HERE / "plans" / f"{name}.json").read_text()))


def mongo(name: str) -> MongoPlan:
    return MongoPlan(json.loads((HERE / "plans" / f"{name}.json").read_text()))


# --------------------------------------------------------------------------- PostgreSQL
def test_index_only_scan_accessors():
    plan = pg("pg_index_only_scan")
    assert plan.node_types == ["Aggregate", "Index Only Scan"]
    scan = plan.find("Index Only Scan")[0]
    assert scan.relation == "users" and scan.index_name == "users_email_key"
    assert scan.heap_fetches == 0 and scan.direction == "Forward" and not scan.backward
    assert scan.actual_rows == 6436 and scan.loops == 1 and isinstance(scan.planned_rows, int)
    assert scan.index_cond == "(email < 'b'::text)" and scan.filter is None
    assert scan.pages == scan.shared_hit + scan.shared_read > 0
    assert plan.pages == plan.root.pages >= scan.pages
    assert plan.indexes == ["users_email_key"] and plan.relations == ["users"]
    assert plan.uses("Index Only Scan", relation="users", index="users_email_key")
    assert not plan.uses("Index Only Scan", relation="posts")
    assert plan.first("Seq Scan") is None and plan.first("Index Only Scan") is scan
    assert plan.total_ms > 0 and plan.planning_ms > 0
    assert plan.actual_rows == 1 and not plan.parallel and plan.sorts == []


def test_backward_index_scan_keeps_backward_in_its_name():
    plan = pg("pg_backward_index_scan")
    scan = plan.find("Index Only Scan")[0]
    assert scan.direction == "Backward" and scan.backward
    assert scan.node_type == "Index Only Scan" and scan.name == "Index Only Scan Backward"
    assert scan.heading() == "Index Only Scan Backward using posts_pkey on posts"
    assert plan.tree(estimates=False).splitlines()[1].startswith("└─ Index Only Scan Backward using posts_pkey")


def test_parallel_seq_scan_keeps_parallel_in_its_name():
    plan = pg("pg_parallel_seq_scan")
    assert plan.parallel
    scan = plan.find("Seq Scan")[0]  # found by its node type
    assert scan.parallel and scan.name == "Parallel Seq Scan" and scan.loops == 3
    assert scan.rows_removed_by_filter > 0 and "postgres" in scan.filter
    gather = plan.find("Gather")[0]
    assert gather.workers_planned == 2 and gather.workers_launched is not None
    names = [n.name for n in plan.walk()]
    assert names == ["Finalize Aggregate", "Gather", "Partial Aggregate", "Parallel Seq Scan"]
    assert "Parallel Seq Scan on posts" in plan.tree()


def test_bitmap_scan_names_its_indexes():
    plan = pg("pg_bitmap_scan")
    heap = plan.find("Bitmap Heap Scan")[0]
    assert heap.is_scan and heap.uses_an_index and heap.bitmap_indexes == ["users_email_key"]
    assert heap.recheck_cond and heap.exact_heap_blocks > 0 and heap.lossy_heap_blocks == 0
    assert [n.node_type for n in heap.walk()] == [
        "Bitmap Heap Scan",
        "BitmapOr",
        "Bitmap Index Scan",
        "Bitmap Index Scan",
    ]
    assert [n.depth for n in plan.walk()] == [0, 1, 2, 3, 3]


def test_sort_node():
    plan = pg("pg_sort")
    (sort,) = plan.sorts
    assert sort.sort_key == ["created_at DESC"] and sort.sort_method == "top-N heapsort"
    assert [n.node_type for n in plan.scans] == ["Seq Scan"]


def test_nested_loop_loops_own_time_and_pages():
    plan = pg("pg_nested_loop")
    inner = plan.find("Index Scan", relation="users")[0]
    assert inner.loops == 3 and inner.actual_rows == 1 and inner.join_type is None
    assert plan.root.join_type == "Inner" and plan.root.heading() == "Nested Loop (Inner)"
    for node in plan.walk():
        assert node.own_pages == node.pages - sum(k.pages for k in node.children)
        assert node.own_ms >= 0 and node.total_ms == pytest.approx((node.actual_total_ms or 0) * node.loops)
    assert plan.node_types == [n.node_type for n in plan.nodes]


def test_tree_draws_siblings_with_branches():
    tree = pg("pg_nested_loop").tree(estimates=False).splitlines()
    assert tree == [
        "Nested Loop (Inner)  [rows actual 3]",
        "├─ Nested Loop (Inner)  [rows actual 3]",
        "│  ├─ HashAggregate  [group key: posts.id; rows actual 3]",
        "│  │  └─ Limit  [rows actual 3]",
        "│  │     └─ Index Only Scan using posts_pkey on posts  [rows actual 3; heap fetches 0]",
        "│  └─ Index Scan using posts_pkey on posts p  [index cond: (id = posts.id); rows actual 1 ×3 loops]",
        "└─ Index Scan using users_pkey on users u  [index cond: (id = p.author_id); rows actual 1 ×3 loops]",
    ]
    assert display.plan_tree(pg("pg_nested_loop"), estimates=False).splitlines() == tree


def test_tree_options():
    plan = pg("pg_sort")
    assert "rows est" in plan.tree() and "rows est" not in plan.tree(estimates=False)
    assert " ms]" not in plan.tree() and re.search(r"\d ms\]", plan.tree(timing=True))
    assert plan.tree(timing=True).splitlines()[-1].startswith("Planning ")
    assert "buffers hit" in plan.tree(buffers=True) and "buffers hit" not in plan.tree()
    assert repr(plan) == plan.tree(timing=True, buffers=True)


def test_plan_from_a_string_and_a_bare_document():
    text = (HERE / "plans" / "pg_sort.json").read_text()
    assert Plan(text).node_types == Plan(json.loads(text)[0]).node_types == ["Limit", "Sort", "Seq Scan"]


# --------------------------------------------------------------------------- MongoDB
def test_mongo_collscan():
    plan = mongo("mongo_collscan")
    assert plan.stages == ["COLLSCAN"] and plan.collscan and plan.ixscans == []
    assert plan.index_name is None and plan.docs_examined == 200 and plan.keys_examined == 0
    assert plan.returned == 67 and plan.root is not None and plan.root.direction == "forward"
    assert plan.summary() == "COLLSCAN · keys examined 0 · docs examined 200 · returned 67"


def test_mongo_ixscan_fetch():
    plan = mongo("mongo_ixscan_fetch")
    assert plan.stages == ["FETCH", "IXSCAN"] and not plan.collscan and not plan.sorts_in_memory
    (scan,) = plan.ixscans
    assert scan.index_name == "user_at" and scan.key_pattern == {"user": 1, "at": -1}
    assert scan.direction == "forward" and plan.index_names == ["user_at"] and plan.index_name == "user_at"
    assert plan.keys_examined == plan.docs_examined == plan.returned == 20
    assert plan.tree() == "FETCH\n└─ IXSCAN user_at"


def test_mongo_sort_after_collscan():
    plan = mongo("mongo_sort")
    assert plan.stages == ["SORT", "COLLSCAN"] and plan.collscan and plan.sorts_in_memory
    assert plan.root is not None and plan.root.sort_pattern == {"at": 1}


def test_mongo_backward_index_walk_under_a_sort():
    plan = mongo("mongo_ixscan_sort_backward")  # SecantusDB keeps a SORT after the index walk
    assert plan.stages == ["SORT", "FETCH", "IXSCAN"] and plan.ixscans[0].direction == "backward"
    assert plan.tree().splitlines()[-1] == "   └─ IXSCAN user_at (backward)"


def test_mongo_query_planner_has_no_counts():
    plan = mongo("mongo_query_planner")
    assert plan.stages == ["FETCH", "IXSCAN"] and plan.keys_examined == plan.docs_examined == plan.returned == 0
    assert all(stage.n_returned is None for stage in plan.walk())


def test_mongo_aggregate_plan_under_cursor_or_top_level():
    plan = mongo("mongo_aggregate")
    assert (
        "IXSCAN" in plan.stages and plan.index_name == "user_at" and plan.all_stages[: len(plan.stages)] == plan.stages
    )


def test_mongod_shape_per_stage_counts():
    plan = mongo("mongod_limit_fetch_ixscan")
    assert plan.stages == ["LIMIT", "FETCH", "IXSCAN"]
    limit, fetch, scan = plan.walk()
    assert (limit.n_returned, fetch.docs_examined, scan.keys_examined) == (10, 10, 10)
    assert scan.key_pattern == {"userId": 1, "status": 1, "createdAt": -1} and not plan.collscan


def test_secantusdb_counts_are_totals_only():
    plan = mongo("mongo_ixscan_sort_backward")  # its executionStages does not mirror the plan
    assert all(stage.keys_examined is None for stage in plan.walk()) and plan.keys_examined == 20


def test_mongo_stage_lists_match_the_exercise_check():
    from dbworkbook.exercises.mongodb import mongo_plan_problem, plan_stages

    doc = json.loads((HERE / "plans" / "mongo_collscan.json").read_text())
    assert plan_stages(doc) == ["COLLSCAN"]
    assert mongo_plan_problem(plan_stages(doc), True) == ["The plan is a COLLSCAN: no index serves this filter."]
    doc = json.loads((HERE / "plans" / "mongo_ixscan_fetch.json").read_text())
    assert mongo_plan_problem(plan_stages(doc), True) == [] and mongo_plan_problem(plan_stages(doc), "IXSCAN") == []


# --------------------------------------------------------------------------- notebooks
def test_no_notebook_reaches_into_raw_plan_json():
    """Notebooks read plans through the model's accessors, never through ``.raw``."""
    offenders = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for i, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
            if re.search(r"\.raw\b", "".join(cell["source"])):
                offenders.append(f"{path.name} cell {i}")
    assert offenders == []
