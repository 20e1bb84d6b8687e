"""Exercises of notebook 05 · MongoDB schema design (embedding, referencing, validation, buckets)."""
from __future__ import annotations

from datetime import datetime, timezone

from ..mongodb import MongoQuery, MongoState, mongo_holds

ORDERS = "nb05_ex_orders"
READINGS = "nb05_ex_readings"


# --------------------------------------------------------------------------- 05.3 validator
def _fresh_orders(coll) -> None:
    """Start state of 05.3: an empty collection without a validator."""
    coll.database.drop_collection(coll.name)
    coll.database.create_collection(coll.name)


def _order(**changes) -> dict:
    from bson import ObjectId

    doc = {"userId": ObjectId("64b19703e084a73fc769663a"), "status": "completed", "total": 12.5,
           "items": [{"sku": "MR-STK-01", "qty": 2, "price": 3.25}, {"sku": "TS-BLK-M", "qty": 1, "price": 6}],
           "createdAt": datetime(2026, 10, 1, tzinfo=timezone.utc)}
    doc.update(changes)
    return {k: v for k, v in doc.items() if v is not None}


GOOD_ORDERS = {
    "a completed order with a fractional total": _order(),
    "a pending order whose total is an integer": _order(status="pending", total=10),
}
BAD_ORDERS = {
    "status 'shipped' (not one of completed, pending, cancelled)": _order(status="shipped"),
    "no userId": _order(userId=None),
    "userId as a string": _order(userId="64b19703e084a73fc769663a"),
    "a negative total": _order(total=-5.0),
    "total as a string": _order(total="12.50"),
    "no items": _order(items=None),
    "an empty items array": _order(items=[]),
    "an item without a price": _order(items=[{"sku": "MR-STK-01", "qty": 1}]),
    "an item with qty 0": _order(items=[{"sku": "MR-STK-01", "qty": 0, "price": 3.25}]),
}


def _rejects(label: str, doc: dict):
    def test(coll):
        from pymongo.errors import WriteError

        try:
            coll.insert_one(dict(doc))
        except WriteError as exc:
            return exc.code == 121
        return False
    return mongo_holds(test, f"The collection accepts {label}: your validator should reject it.")


def _accepts(label: str, doc: dict):
    def test(coll):
        from pymongo.errors import WriteError

        try:
            coll.insert_one(dict(doc))
        except WriteError:
            return False
        return True
    return mongo_holds(test, f"The collection rejects {label}: your validator is too strict.")


def _has_validator(coll) -> bool:
    info = coll.database.command("listCollections", filter={"name": coll.name})["cursor"]["firstBatch"]
    options = info[0].get("options", {}) if info else {}
    return "$jsonSchema" in options.get("validator", {}) and options.get("validationAction", "error") == "error"


def _validator_solution(coll):
    coll.database.command("collMod", coll.name, validationAction="error", validator={"$jsonSchema": {
        "bsonType": "object",
        "required": ["userId", "status", "total", "items"],
        "properties": {
            "userId": {"bsonType": "objectId"},
            "status": {"enum": ["completed", "pending", "cancelled"]},
            "total": {"bsonType": ["double", "int", "long", "decimal"], "minimum": 0},
            "items": {"bsonType": "array", "minItems": 1,
                      "items": {"bsonType": "object", "required": ["sku", "qty", "price"],
                                "properties": {"sku": {"bsonType": "string"},
                                               "qty": {"bsonType": ["int", "long"], "minimum": 1},
                                               "price": {"bsonType": ["double", "int", "long", "decimal"],
                                                         "minimum": 0}}}},
        },
    }})


# --------------------------------------------------------------------------- 05.4 buckets
def _fresh_readings(coll) -> None:
    coll.database.drop_collection(coll.name)


def _buckets(coll) -> list[dict]:
    return list(coll.find({}, {"_id": 0}).sort("readings.0", 1))


def _bucket_counts_ok(coll) -> bool:
    return sorted(d.get("count") for d in _buckets(coll)) == [10, 25, 25]


def _bucket_readings_ok(coll) -> bool:
    seen = [r for d in _buckets(coll) for r in d.get("readings", [])]
    return seen == list(range(60)) and all(len(d.get("readings", [])) == d.get("count") for d in _buckets(coll))


def _bucket_sensor_ok(coll) -> bool:
    docs = _buckets(coll)
    return bool(docs) and all(d.get("sensor") == "s1" for d in docs)


def _bucket_solution(coll):
    for i in range(60):
        coll.update_one({"sensor": "s1", "count": {"$lt": 25}},
                        {"$push": {"readings": i}, "$inc": {"count": 1}},
                        upsert=True)


EXERCISES = [
    MongoQuery(
        id="05.1", collection="users", timeout=30.0,
        title="Find the users who ship to Paris but have no home address",
        task=(
            "In the seeded `users`, each user embeds an array `addresses` of `{type, street, city}`. "
            "Write a find spec `{\"filter\": ..., \"projection\": ...}` that returns the `email` (and "
            "nothing else, no `_id`) of every user who has **one address that is both** of type "
            "`\"shipping\"` and in `\"Paris\"`, and who has **no** address of type `\"home\"` at all. "
            "(A user with a shipping address in Rome and a home in Paris is not one of them.)"
        ),
        reference={"filter": {"addresses": {"$elemMatch": {"type": "shipping", "city": "Paris"}},
                             "addresses.type": {"$ne": "home"}},
                  "projection": {"_id": 0, "email": 1}},
        hints=[
            "`{\"addresses.type\": \"shipping\", \"addresses.city\": \"Paris\"}` lets each condition "
            "match a different element of the array; `$elemMatch` applies both to the same element.",
            "On an array field, `{\"addresses.type\": {\"$ne\": \"home\"}}` matches when *no* element "
            "has type home.",
            "Projection: `{\"_id\": 0, \"email\": 1}`.",
        ],
    ),
    MongoQuery(
        id="05.2", collection="posts", ordered=True, timeout=30.0,
        title="The five most prolific authors, in one round trip",
        task=(
            "Posts reference their author with `authorId` (a user's `_id`). Write **one pipeline** on "
            "`posts` that returns the five authors with the most posts, most posts first (ties: smaller "
            "`authorId` first), each as `{email: <the author's email>, posts: <their number of posts>}` "
            "— the e-mail comes from `users`, so join on the server instead of querying each author."
        ),
        reference=[
            {"$group": {"_id": "$authorId", "posts": {"$sum": 1}}},
            {"$sort": {"posts": -1, "_id": 1}},
            {"$limit": 5},
            {"$lookup": {"from": "users", "localField": "_id", "foreignField": "_id", "as": "author"}},
            {"$unwind": "$author"},
            {"$project": {"_id": 0, "email": "$author.email", "posts": 1}},
        ],
        hints=[
            "`$group` by `\"$authorId\"` with `{\"$sum\": 1}`, then `$sort` on the count (and `_id` for "
            "ties) and `$limit: 5` — before the join, so only five authors are looked up.",
            "`$lookup` from `users` with `localField: \"_id\"`, `foreignField: \"_id\"`; `$unwind` the "
            "result to get one author object per document.",
            "Finish with `$project: {_id: 0, email: \"$author.email\", posts: 1}`.",
        ],
    ),
    MongoState(
        id="05.3", collection=ORDERS, setup=_fresh_orders,
        title="Make MongoDB reject bad orders",
        task=(
            f"`{ORDERS}` is an empty collection without a validator. Write `def answer(coll):` that adds "
            "a `$jsonSchema` validator (with `validationAction: \"error\"`) so that the server rejects "
            "any order that lacks `userId` (an ObjectId), `status` (one of `completed`, `pending`, "
            "`cancelled`), `total` (a number ≥ 0) or `items` (a non-empty array of objects, each with a "
            "string `sku`, an integer `qty` ≥ 1 and a number `price` ≥ 0). Orders shaped like the "
            "seeded ones (integer or fractional totals and prices) must still be accepted. The check "
            "tries two good and nine bad orders."
        ),
        reference=_validator_solution,
        expect=[mongo_holds(_has_validator, "The collection has no $jsonSchema validator with "
                                            "validationAction 'error' (use collMod with validator=...).")]
               + [_accepts(label, doc) for label, doc in GOOD_ORDERS.items()]
               + [_rejects(label, doc) for label, doc in BAD_ORDERS.items()],
        hints=[
            "`coll.database.command(\"collMod\", coll.name, validator={\"$jsonSchema\": {...}}, "
            "validationAction=\"error\")` adds a validator to an existing collection.",
            "`required` lists the four fields; `status` takes an `enum`; `userId` takes "
            "`{\"bsonType\": \"objectId\"}`.",
            "A number is `{\"bsonType\": [\"double\", \"int\", \"long\", \"decimal\"]}` (or the alias "
            "`\"number\"`) with `minimum: 0`; `items` is `{\"bsonType\": \"array\", \"minItems\": 1, "
            "\"items\": {...}}` with its own `required` and `properties`.",
        ],
    ),
    MongoState(
        id="05.4", collection=READINGS, setup=_fresh_readings,
        title="Record readings in buckets of 25",
        task=(
            f"Sensor `\"s1\"` sends the readings `0, 1, …, 59` in that order. Write `def answer(coll):` "
            f"that records them in `{READINGS}` with the **bucket pattern**, one update per reading: "
            "bucket documents `{sensor: \"s1\", count: <readings in it>, readings: [...]}` holding at "
            "most 25 readings each, in arrival order — so 60 readings make three buckets of 25, 25 "
            "and 10."
        ),
        reference=_bucket_solution,
        expect=[
            mongo_holds(_bucket_sensor_ok, "Every bucket should carry sensor: 's1'."),
            mongo_holds(_bucket_counts_ok, "Expected three buckets with count 25, 25 and 10."),
            mongo_holds(_bucket_readings_ok, "Reading the buckets in order should give 0..59 exactly "
                                             "once, and each bucket's count should equal its number "
                                             "of readings."),
        ],
        hints=[
            "Filter on the bucket that still has room: `{\"sensor\": \"s1\", \"count\": {\"$lt\": 25}}`.",
            "Update with `$push` (the reading) and `$inc` (the count) together, and `upsert=True`: when "
            "no bucket has room, the upsert creates a new one from the filter's equality fields.",
        ],
    ),
]
