"""Exercises of notebook 07 · MongoDB indexes (compound, ESR, partial, TTL).

Every exercise works on its own small collection, which its ``setup`` (or ``prepare``) creates
from the seeded data when it is missing, so a check runs the same before, during or after the
notebook:

* ``nb07_ex_orders``: the orders of the 30 days before the dataset's "now" (a copy of the seed),
* ``nb07_ex_tokens``: an empty collection of password-reset tokens.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from bson import ObjectId

from ..mongodb import MongoQuery, MongoState, mongo_uses_index

ORDERS = "nb07_ex_orders"
TOKENS = "nb07_ex_tokens"
NOW = datetime(2026, 11, 1, 12, 0, 0, tzinfo=timezone.utc)  # the dataset's fixed "now"
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


def _orders_with_partial_index(coll) -> None:
    """State 07.3 reads: the orders and the guide's partial index on pending orders."""
    _ensure_orders(coll)
    coll.create_index([("createdAt", 1)], partialFilterExpression=PENDING_PARTIAL)


def _fresh_tokens(coll) -> None:
    """Start state of 07.4: an empty collection, no index but ``_id``."""
    coll.database.drop_collection(coll.name)
    coll.database.create_collection(coll.name)


# --------------------------------------------------------------------------- predicates
def _key_fields(ix) -> list[str]:
    return list(ix["key"].keys())


def _directions_ok(ix, wanted: dict) -> bool:
    """The index's directions equal ``wanted`` or are all reversed (a backward walk serves it)."""
    keys = ix["key"]
    same = all(int(keys[f]) == d for f, d in wanted.items())
    mirror = all(int(keys[f]) == -d for f, d in wanted.items())
    return same or mirror


@dataclass
class _serves_history:  # noqa: N801
    """An index leads with userId, then createdAt, so one customer's orders come out newest first."""

    def verify(self, coll) -> str | None:
        indexes = [ix for ix in coll.list_indexes() if ix["name"] != "_id_"]
        if not indexes:
            return "The collection has no index but _id yet."
        for ix in indexes:
            fields = _key_fields(ix)
            if fields[:2] == ["userId", "createdAt"] and _directions_ok(ix, {"userId": 1, "createdAt": -1}):
                return None
        for ix in indexes:
            fields = _key_fields(ix)
            if fields[:1] == ["createdAt"]:
                return (f"Index {ix['name']} starts with createdAt: the equality field (userId) must come first, "
                        "or MongoDB walks every order to find one customer's.")
            if fields == ["userId"]:
                return (f"Index {ix['name']} finds the customer's orders, but MongoDB still sorts them in memory: "
                        "add createdAt as the second key.")
        names = ", ".join(ix["name"] for ix in indexes)
        return f"No index starts with userId, then createdAt (indexes now: {names})."


@dataclass
class _esr_order:  # noqa: N801
    """An index on status, createdAt, total, in that order (equality, sort, range)."""

    def verify(self, coll) -> str | None:
        indexes = [ix for ix in coll.list_indexes() if ix["name"] != "_id_"]
        if not indexes:
            return "The collection has no index but _id yet."
        for ix in indexes:
            if _key_fields(ix)[:3] == ["status", "createdAt", "total"]:
                if ix["key"]["createdAt"] not in (1, -1, 1.0, -1.0):
                    return f"Index {ix['name']}: createdAt must be an ascending (1) or descending (-1) key."
                return None
        for ix in indexes:
            fields = _key_fields(ix)
            if fields[:3] == ["status", "total", "createdAt"]:
                return (f"Index {ix['name']} puts the range field (total) before the sort field (createdAt): "
                        "the matching keys come out ordered by total, so MongoDB must sort them in memory.")
            if fields and fields[0] != "status":
                return (f"Index {ix['name']} starts with {fields[0]}: put the equality field (status) first, "
                        "so the scan reads only one status.")
        names = ", ".join(f"{ix['name']}" for ix in indexes)
        return f"No index has the keys status, createdAt, total in that order (indexes now: {names})."


@dataclass
class _ttl_on_issued_at:  # noqa: N801
    seconds: int = 900

    def verify(self, coll) -> str | None:
        for ix in coll.list_indexes():
            if _key_fields(ix) == ["issuedAt"]:
                ttl = ix.get("expireAfterSeconds")
                if ttl is None:
                    return f"Index {ix['name']} is on issuedAt but is not a TTL index (no expireAfterSeconds)."
                if int(ttl) != self.seconds:
                    return f"Index {ix['name']} expires documents after {ttl} s; the tokens live 15 minutes (900 s)."
                return None
            if "issuedAt" in _key_fields(ix) and ix.get("expireAfterSeconds") is not None:
                return f"Index {ix['name']} is compound: a TTL index has exactly one field (issuedAt)."
        return "No index on issuedAt yet."


# --------------------------------------------------------------------------- a query with a setup
@dataclass(kw_only=True, repr=False)
class _PreparedMongoQuery(MongoQuery):
    """A MongoQuery whose collection is first brought to the state the task describes."""

    prepare: object = None

    def _evaluate(self, answer) -> list[str]:
        if self.prepare is not None:
            self.prepare(self._db()[self.collection])
        return super()._evaluate(answer)


# --------------------------------------------------------------------------- the exercises
EXERCISES = [
    MongoState(
        id="07.1", collection=ORDERS, setup=_orders_without_indexes,
        title="Serve a customer's order history from an index",
        task="A customer's order page runs `find({\"userId\": <id>}).sort({\"createdAt\": -1})` on "
             "`nb07_ex_orders`. Write `def answer(coll):` that creates the one index that finds the "
             "customer's orders **and** returns them newest first without an in-memory sort.",
        reference=lambda coll: coll.create_index([("userId", 1), ("createdAt", -1)]),
        expect=[_serves_history(), mongo_uses_index({"userId": CUSTOMER}, sort=[("createdAt", -1)])],
        hints=["Equality first: the field the filter compares with = leads the index.",
               "Then the sort field, in the sort's direction (or the exact opposite).",
               "coll.create_index([(\"userId\", 1), (\"createdAt\", -1)])"],
    ),
    MongoState(
        id="07.2", collection=ORDERS, setup=_orders_without_indexes,
        title="Order a compound index by the ESR rule",
        task="The support screen lists the newest big completed orders: "
             "`find({\"status\": \"completed\", \"total\": {\"$gte\": 100}}).sort({\"createdAt\": -1}).limit(20)`. "
             "Write `def answer(coll):` that creates the single compound index the ESR rule prescribes "
             "for this query.",
        reference=lambda coll: coll.create_index([("status", 1), ("createdAt", -1), ("total", 1)]),
        expect=[_esr_order()],
        hints=["Sort the query's fields into three groups: compared with = (E), sorted on (S), "
               "compared with a range such as $gte (R).",
               "The index keys follow the order E, S, R.",
               "coll.create_index([(\"status\", 1), (\"createdAt\", -1), (\"total\", 1)])"],
    ),
    _PreparedMongoQuery(
        id="07.3", collection=ORDERS, prepare=_orders_with_partial_index, must_use_index=True,
        title="Write a query the partial index can serve",
        task="`nb07_ex_orders` carries the guide's partial index: `{createdAt: 1}` with "
             "`partialFilterExpression: {status: \"pending\"}`. Write the filter for the **pending** orders "
             "created in the 7 days before the dataset's now (2026-11-01 12:00 UTC, so `createdAt` >= "
             "2026-10-25 12:00 UTC), so that the partial index serves it (no COLLSCAN).",
        reference={"status": "pending", "createdAt": {"$gte": datetime(2026, 10, 25, 12, tzinfo=timezone.utc)}},
        hints=["A partial index holds only the documents its filter accepts: the planner uses it only when "
               "your query guarantees the same condition.",
               "Say status: \"pending\" in the filter, as an equality, next to the createdAt range.",
               "from datetime import datetime, timezone; "
               "{\"status\": \"pending\", \"createdAt\": {\"$gte\": datetime(2026, 10, 25, 12, tzinfo=timezone.utc)}}"],
    ),
    MongoState(
        id="07.4", collection=TOKENS, setup=_fresh_tokens,
        title="Let password-reset tokens expire",
        task="`nb07_ex_tokens` stores password-reset tokens as `{token, userId, issuedAt}` where `issuedAt` "
             "is a BSON date. Write `def answer(coll):` that makes MongoDB delete each token 15 minutes "
             "after it was issued.",
        reference=lambda coll: coll.create_index([("issuedAt", 1)], expireAfterSeconds=900),
        expect=[_ttl_on_issued_at(900)],
        hints=["A TTL index is a single-field index on a date field, with expireAfterSeconds.",
               "15 minutes is 900 seconds.",
               "coll.create_index([(\"issuedAt\", 1)], expireAfterSeconds=900)"],
    ),
]
