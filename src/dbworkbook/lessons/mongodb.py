"""Lesson helpers for MongoDB (notebooks 05-07, 11): see :mod:`dbworkbook.lessons`."""

from __future__ import annotations

import dbworkbook as wb
from dbworkbook.servers_info import mongo_embedded

__all__ = ["audit", "index_gives_order", "index_sizes", "ixscan", "planner"]


def planner(coll, filter, sort=None, limit=None, projection=None):
    """The plan the server would choose for a find, without running the query.

    explain with verbosity "queryPlanner" returns the winning plan's shape (its stages, the index,
    the direction it is walked) and reads no document: there are no keys or documents examined and
    no time. ``wb.mongo_explain`` (verbosity "executionStats") runs the query to count them.
    ``sort`` is a list of (field, direction) pairs or a dict.
    """
    cmd = {"find": coll.name, "filter": filter}
    if sort:
        cmd["sort"] = dict(sort)
    if limit:
        cmd["limit"] = limit
    if projection:
        cmd["projection"] = projection
    return wb.MongoPlan(coll.database.command("explain", cmd, verbosity="queryPlanner"))


def ixscan(plan):
    """The IXSCAN node of a plan (a dict with indexName, keyPattern, direction...; {} when it has none)."""
    scans = plan.find("IXSCAN")
    return scans[0].raw if scans else {}


def _pinned(filter) -> set:
    """The fields a filter compares with one value (equality): {field: value} or {field: {"$eq": value}}."""
    pinned = set()
    for field, value in (filter or {}).items():
        if field.startswith("$"):
            continue
        operators = [k for k in value if k.startswith("$")] if isinstance(value, dict) else []
        if not operators or operators == ["$eq"]:
            pinned.add(field)
    return pinned


def index_gives_order(plan, filter, sort):
    """True when the index that the plan scans returns the documents already in `sort` order.

    The rule mongod follows (and the ESR rule builds on): leave out the fields the filter compares
    with one value (equality); the sort's fields must then be the first of the index's remaining
    fields, in the same order, with every direction as in the index (walked forward) or every one
    flipped (walked backward). A plan with no index scan gives no order.
    """
    pinned = _pinned(filter)
    wanted = [(field, direction) for field, direction in dict(sort or {}).items() if field not in pinned]
    if not wanted:
        return True
    scan = ixscan(plan)
    index = [(field, direction) for field, direction in scan.get("keyPattern", {}).items() if field not in pinned]
    index = index[: len(wanted)]
    if [field for field, _ in index] != [field for field, _ in wanted]:
        return False
    pairs = [(d, i) for (_, d), (_, i) in zip(wanted, index, strict=True)]
    if not all(isinstance(d, int) and isinstance(i, int) for d, i in pairs):
        return False  # a text, hashed or geo index keeps no order
    return all(d == i for d, i in pairs) or all(d == -i for d, i in pairs)


def audit(coll, filter, sort=None, projection=None):
    """explain() as a monitor: the query's plan (run with "executionStats") and its warning signs.

    Returns (plan, flags). Each flag means the same on mongod and on SecantusDB:

    * "COLLSCAN": no index was used, every document was read;
    * "in-memory SORT": the query sorts and the index it uses does not give that order
      (index_gives_order). mongod shows such a sort as a SORT stage and adds none when the index
      gives the order; SecantusDB keeps a SORT stage after most index scans, even when the index
      gives the order, so the flag asks the index, not the stage;
    * "reads >10× what it returns": more than ten keys or documents examined per document returned.
    """
    plan = wb.mongo_explain(coll, filter, sort=sort, projection=projection)
    read = max(plan.docs_examined, plan.keys_examined)
    flags = []
    if plan.uses("COLLSCAN"):
        flags.append("COLLSCAN")
    if plan.uses("SORT") and not index_gives_order(plan, filter, sort):
        flags.append("in-memory SORT")
    if read > 10 * max(plan.returned, 1):
        flags.append("reads >10× what it returns")
    return plan, flags


def index_sizes(coll):
    """{index name: bytes} of a collection's indexes, as the server reports them.

    On mongod the current way is the $collStats stage (the collStats command is deprecated since
    6.2); it reports the size of each index's file, which WiredTiger updates at checkpoints, so a
    checkpoint (fsync) is taken first. SecantusDB, the embedded server, answers $collStats with
    zeros but the collStats command with the bytes of its keys. Which server it is, is asked of
    the server (its buildInfo).
    """
    db = coll.database
    if mongo_embedded(db):
        return dict(db.command("collStats", coll.name)["indexSizes"])
    db.client.admin.command("fsync")
    stats = next(coll.aggregate([{"$collStats": {"storageStats": {}}}]))
    return dict(stats["storageStats"]["indexSizes"])
