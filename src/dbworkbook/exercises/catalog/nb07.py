"""Exercises of notebook 07 · MongoDB indexes (compound, ESR, partial, TTL).

Every exercise works on its own small collection, which its ``setup`` (or ``prepare``) creates
from the seeded data when it is missing, so a check runs the same before, during or after the
notebook:

* ``nb07_ex_orders``: the orders of the 30 days before the dataset's "now" (a copy of the seed),
* ``nb07_ex_tokens``: an empty collection of password-reset tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bson import ObjectId

from ..core import Wrong
from ..mongodb import MongoQuery, MongoState, index_text, learner_indexes, mongo_serves, sort_served

ORDERS = "nb07_ex_orders"
TOKENS = "nb07_ex_tokens"
NOW = datetime(2026, 11, 1, 12, 0, 0, tzinfo=UTC)  # the dataset's fixed "now"
SINCE = NOW - timedelta(days=30)
# Any customer id will do: the checks read the plan, and a plan does not depend on the value.
CUSTOMER = ObjectId("64b19703e084a73fc769663a")
PENDING_PARTIAL = {"status": "pending"}


# --------------------------------------------------------------------------- starting states
def _ensure_orders(coll) -> None:
    """Copy the last 30 days of seeded orders into ``coll`` unless it already holds them."""
    if coll.estimated_document_count() == 0:
        coll.database.orders.aggregate([{"$match": {"createdAt": {"$gte": SINCE}}}, {"$out": coll.name}])


def _orders_without_indexes(coll) -> None:
    """Start state of 07.1 and 07.2: the orders, with no index but ``_id``."""
    _ensure_orders(coll)
    coll.drop_indexes()


def _fresh_tokens(coll) -> None:
    """Start state of 07.4: an empty collection, no index but ``_id``."""
    coll.database.drop_collection(coll.name)
    coll.database.create_collection(coll.name)


# --------------------------------------------------------------------------- predicates
HISTORY_FILTER = {"userId": CUSTOMER}
HISTORY_SORT = [("createdAt", -1)]
ESR_FILTER = {"status": "completed", "total": {"$gte": 100}}
ESR_SORT = [("createdAt", -1)]


def _key_fields(ix) -> list[str]:
    return list(ix["key"].keys())


def _none_created(coll) -> str:
    now = "; ".join(index_text(ix) for ix in coll.list_indexes())
    return f"Your function created no index on {coll.name} (indexes now: {now})."


@dataclass
class _created_one:
    """The answer created at least one index (so the next predicates talk about it)."""

    def verify(self, coll) -> str | None:
        return None if learner_indexes(coll) else _none_created(coll)


@dataclass
class _esr_index:
    """The learner's index follows equality, sort, range for the support screen's query.

    Judged by meaning: any directions that serve the sort (forward or walked backward), extra
    trailing keys allowed; the plan must use an index (``mongo_serves`` follows).
    """

    def _problem(self, ix) -> str | None:
        fields = _key_fields(ix)
        name = f"Index {index_text(ix)}"
        if fields[0] != "status":
            return (
                f"{name} starts with {fields[0]}: put the equality field (status) first, so the scan "
                "reads only the completed orders."
            )
        if "createdAt" not in fields:
            return f"{name} has no createdAt key: the orders come out unsorted and MongoDB sorts them in memory."
        if "total" in fields and fields.index("total") < fields.index("createdAt"):
            return (
                f"{name} puts the range field (total) before the sort field (createdAt): the matching "
                "keys come out ordered by total, so MongoDB must sort them in memory (a blocking SORT)."
            )
        if not sort_served(ix["key"], ESR_FILTER, ESR_SORT):
            return (
                f"{name} does not return the completed orders in createdAt order: after status, the "
                "next key must be createdAt (descending, or ascending walked backward)."
            )
        if "total" not in fields:
            return (
                f"{name} has no total key: the range on total is then tested on every fetched order; "
                "ESR puts the range field (total) after the sort field."
            )
        return None

    def verify(self, coll) -> str | None:
        mine = learner_indexes(coll)
        if not mine:
            return _none_created(coll)
        problems = [self._problem(ix) for ix in mine]
        if any(p is None for p in problems):
            return None
        return problems[0]


@dataclass
class _ttl_on_issued_at:
    seconds: int = 900

    def verify(self, coll) -> str | None:
        mine = learner_indexes(coll)
        for ix in mine:
            if _key_fields(ix) == ["issuedAt"]:
                ttl = ix.get("expireAfterSeconds")
                if ttl is None:
                    return f"Index {index_text(ix)} is on issuedAt but is not a TTL index (no expireAfterSeconds)."
                if int(ttl) != self.seconds:
                    return (
                        f"Index {index_text(ix)} expires documents after {ttl:g} s; the tokens live 15 minutes "
                        "(900 s): expireAfterSeconds counts seconds."
                    )
                return None
        for ix in mine:
            if "issuedAt" in _key_fields(ix) and ix.get("expireAfterSeconds") is not None:
                return (
                    f"Index {index_text(ix)} is compound: MongoDB never expires documents through a compound "
                    "index; a TTL index has exactly one field (issuedAt)."
                )
        if mine:
            return (
                f"Index {index_text(mine[0])} is not on issuedAt: a TTL index deletes a document "
                "expireAfterSeconds after the date in its one indexed field (issuedAt)."
            )
        return _none_created(coll)


# --------------------------------------------------------------------------- 07.3's edge cases
BOUNDARY = datetime(2026, 10, 25, 12, tzinfo=UTC)
EDGE_IDS = ["nb07-edge-on-boundary", "nb07-edge-just-before", "nb07-edge-cancelled"]


def _prepare_partial(db) -> None:
    """07.3: the orders, the guide's partial index, and orders planted on the boundary instant."""
    coll = db[ORDERS]
    _ensure_orders(coll)
    coll.delete_many({"_id": {"$in": EDGE_IDS}})
    coll.drop_indexes()  # an index left by 07.1/07.2 (or an earlier attempt) must not serve the answer
    coll.create_index([("createdAt", 1)], partialFilterExpression=PENDING_PARTIAL)
    coll.insert_many(
        [
            {"_id": EDGE_IDS[0], "userId": CUSTOMER, "status": "pending", "total": 10.0, "createdAt": BOUNDARY},
            {
                "_id": EDGE_IDS[1],
                "userId": CUSTOMER,
                "status": "pending",
                "total": 10.0,
                "createdAt": BOUNDARY - timedelta(milliseconds=1),
            },
            {"_id": EDGE_IDS[2], "userId": CUSTOMER, "status": "cancelled", "total": 10.0, "createdAt": BOUNDARY},
        ]
    )


def _remove_edges(db) -> None:
    db[ORDERS].delete_many({"_id": {"$in": EDGE_IDS}})


# --------------------------------------------------------------------------- the exercises
def _history_index(coll):
    coll.create_index([("userId", 1), ("createdAt", -1)])


def _esr(coll):
    coll.create_index([("status", 1), ("createdAt", -1), ("total", 1)])


def _ttl(coll):
    coll.create_index([("issuedAt", 1)], expireAfterSeconds=900)


EXERCISES = [
    MongoState(
        id="07.1",
        collection=ORDERS,
        setup=_orders_without_indexes,
        title="Serve a customer's order history from an index",
        task='A customer\'s order page runs `find({"userId": <id>}).sort({"createdAt": -1})` on '
        "`nb07_ex_orders`. Write `def answer(coll):` that creates the one index that finds the "
        "customer's orders **and** returns them newest first without an in-memory sort. (The check "
        "asks the server's plan: an index scan, no blocking sort, and no more keys examined than "
        "orders returned.)",
        reference=_history_index,
        expect=[
            _created_one(),
            mongo_serves(
                HISTORY_FILTER,
                sort=HISTORY_SORT,
                max_keys_per_doc=1,
                what="The order history find({userId: <id>}).sort({createdAt: -1})",
            ),
        ],
        hints=[
            "Equality first: the field the filter compares with = leads the index.",
            "Then the sort field. A direction that is the sort's, or its exact opposite, both work: "
            "MongoDB can walk an index backward.",
            "`coll.create_index([...])` takes a list of (field, direction) pairs: write the two pairs.",
        ],
        wrong=[
            Wrong(
                lambda coll: coll.create_index([("createdAt", -1), ("userId", 1)]),
                says="equality field(s) first",
                why="Sort field before the equality field: the index cannot narrow to one customer.",
            ),
            Wrong(
                lambda coll: coll.create_index("userId"),
                says="blocking SORT",
                why="Finds the customer but forgets the sort: an in-memory sort on every page view.",
            ),
            Wrong(
                lambda coll: coll.create_index([("userId", 1), ("total", 1), ("createdAt", -1)]),
                says="not in the sort's order",
                why="A field between the equality and the sort key breaks the index order.",
            ),
            Wrong(
                lambda coll: coll.create_index([("createdAt", -1)]),
                says="starts with createdAt",
                why="Indexes the sort only: every order is walked to find one customer's.",
            ),
            Wrong(
                lambda coll: list(coll.find({"userId": CUSTOMER}).sort("createdAt", -1)),
                says="created no index",
                why="Wrote the query instead of creating the index.",
            ),
        ],
        right=[
            lambda coll: coll.create_index([("userId", 1), ("createdAt", 1)]),
            lambda coll: coll.create_index([("userId", -1), ("createdAt", -1)], name="history"),
            lambda coll: coll.create_index([("userId", 1), ("createdAt", -1), ("total", 1)]),
            lambda coll: coll.create_index({"userId": 1, "createdAt": -1}),
        ],
    ),
    MongoState(
        id="07.2",
        collection=ORDERS,
        setup=_orders_without_indexes,
        title="Order a compound index by the ESR rule",
        task="The support screen lists the newest big completed orders: "
        '`find({"status": "completed", "total": {"$gte": 100}}).sort({"createdAt": -1}).limit(20)`. '
        "Write `def answer(coll):` that creates the single compound index the ESR rule prescribes "
        "for this query.",
        reference=_esr,
        expect=[_esr_index(), mongo_serves(ESR_FILTER, sort=ESR_SORT, limit=20, what="The support screen's query")],
        hints=[
            "Sort the query's fields into three groups: compared with = (E), sorted on (S), "
            "compared with a range such as $gte (R).",
            "The index keys follow the order E, S, R; the sort key's direction may be the sort's or its opposite.",
            "Write the `coll.create_index([...])` call with the three (field, direction) pairs in that order.",
        ],
        wrong=[
            Wrong(
                lambda coll: coll.create_index([("status", 1), ("total", 1), ("createdAt", -1)]),
                says="range field (total) before the sort field",
                why="E-R-S: the intuitive order, which forces an in-memory sort.",
            ),
            Wrong(
                lambda coll: coll.create_index([("createdAt", -1), ("status", 1), ("total", 1)]),
                says="put the equality field (status) first",
                why="Sort first: the scan walks every status.",
            ),
            Wrong(
                lambda coll: coll.create_index([("total", 1), ("status", 1), ("createdAt", -1)]),
                says="starts with total",
                why="Range first: the least selective start.",
            ),
            Wrong(
                lambda coll: coll.create_index([("status", 1), ("createdAt", -1)]),
                says="has no total key",
                why="Stops at E-S: the range is then filtered on fetched documents.",
            ),
        ],
        right=[
            lambda coll: coll.create_index([("status", 1), ("createdAt", 1), ("total", 1)]),
            lambda coll: coll.create_index([("status", -1), ("createdAt", -1), ("total", -1)], name="esr"),
            lambda coll: coll.create_index([("status", 1), ("createdAt", -1), ("total", 1), ("_id", 1)]),
        ],
    ),
    MongoQuery(
        id="07.3",
        collection=ORDERS,
        setup=_prepare_partial,
        cleanup=_remove_edges,
        must_use_index=True,
        title="Write a query the partial index can serve",
        task="`nb07_ex_orders` carries the guide's partial index: `{createdAt: 1}` with "
        '`partialFilterExpression: {status: "pending"}`. Write the filter for the **pending** orders '
        "created in the 7 days before the dataset's now (2026-11-01 12:00 UTC, so `createdAt` >= "
        "2026-10-25 12:00 UTC, that instant included), so that the partial index serves it (no "
        "COLLSCAN). The check plants orders exactly on that instant.",
        reference={"status": "pending", "createdAt": {"$gte": BOUNDARY}},
        hints=[
            "A partial index holds only the documents its filter accepts: the planner uses it only when "
            "your query guarantees the same condition.",
            'Say status: "pending" in the filter, as an equality, next to the createdAt range.',
            "The range starts at `datetime(2026, 10, 25, 12, tzinfo=timezone.utc)`: choose the operator "
            "that includes that instant.",
        ],
        wrong=[
            Wrong(
                {"status": "pending", "createdAt": {"$gt": BOUNDARY}},
                says="Missing documents",
                why="$gt drops the order placed exactly on the boundary instant.",
            ),
            Wrong(
                {"createdAt": {"$gte": BOUNDARY}},
                says="Unexpected documents",
                why="Forgets the status: other orders come back (and the partial index cannot serve it).",
            ),
            Wrong(
                {"status": {"$regex": "^pending$"}, "createdAt": {"$gte": BOUNDARY}},
                says="COLLSCAN",
                why="Same orders, but a regex does not guarantee the partial filter: no index.",
            ),
            Wrong(
                {"status": {"$in": ["pending", "cancelled"]}, "createdAt": {"$gte": BOUNDARY}},
                says="Unexpected documents",
                why="A wider status set than the index holds.",
            ),
        ],
        right=[
            {"createdAt": {"$gte": BOUNDARY}, "status": "pending"},
            {"status": {"$in": ["pending"]}, "createdAt": {"$gte": BOUNDARY}},
            {"$and": [{"status": {"$eq": "pending"}}, {"createdAt": {"$gte": BOUNDARY}}]},
            {"filter": {"status": "pending", "createdAt": {"$gte": BOUNDARY, "$lte": NOW}}},
        ],
    ),
    MongoState(
        id="07.4",
        collection=TOKENS,
        setup=_fresh_tokens,
        title="Let password-reset tokens expire",
        task="`nb07_ex_tokens` stores password-reset tokens as `{token, userId, issuedAt}` where `issuedAt` "
        "is a BSON date. Write `def answer(coll):` that makes MongoDB delete each token 15 minutes "
        "after it was issued.",
        reference=_ttl,
        expect=[_ttl_on_issued_at(900)],
        hints=[
            "A TTL index is a single-field index on a date field, with expireAfterSeconds.",
            "15 minutes is 900 seconds.",
            "`coll.create_index(...)` takes the TTL as a keyword argument: which field, which keyword?",
        ],
        wrong=[
            Wrong(
                lambda coll: coll.create_index("issuedAt", expireAfterSeconds=15),
                says="after 15 s",
                why="Minutes where the option counts seconds.",
            ),
            Wrong(
                lambda coll: coll.create_index("issuedAt"),
                says="not a TTL index",
                why="An ordinary index: nothing ever expires.",
            ),
            Wrong(
                lambda coll: coll.create_index([("userId", 1), ("issuedAt", 1)], expireAfterSeconds=900),
                says="is compound",
                why="MongoDB ignores the TTL option on a compound index.",
            ),
            Wrong(
                lambda coll: coll.create_index("token", expireAfterSeconds=900),
                says="is not on issuedAt",
                why="TTL on a field that is not the issue date.",
            ),
        ],
        right=[
            lambda coll: coll.create_index([("issuedAt", -1)], expireAfterSeconds=900),
            lambda coll: coll.create_index("issuedAt", expireAfterSeconds=15 * 60, name="reset_ttl"),
        ],
    ),
]
