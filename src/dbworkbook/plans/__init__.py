"""One plan model for lessons, display and checks: PostgreSQL and MongoDB plans with typed accessors.

* :mod:`dbworkbook.plans.postgres`: ``explain(conn, sql, params)`` → ``Plan``, a tree of ``PlanNode``
  (node_type, name, relation, index_name, direction, parallel, actual/planned rows, loops,
  shared hit/read pages, heap fetches, rows removed by filter...).
* :mod:`dbworkbook.plans.mongodb`: ``mongo_explain(coll, filter, sort=...)`` → ``MongoPlan``, a tree
  of ``MongoStage`` (stage, index name, key pattern, direction, keys/docs examined, nReturned).

Drawing them (trees, summaries) is :mod:`dbworkbook.display`'s job.
"""

from __future__ import annotations

from .mongodb import MongoPlan, MongoStage, mongo_explain
from .postgres import Plan, PlanNode, explain

__all__ = ["MongoPlan", "MongoStage", "Plan", "PlanNode", "explain", "mongo_explain"]
