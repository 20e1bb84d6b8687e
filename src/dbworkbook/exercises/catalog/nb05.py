"""Exercises of notebook 05 · MongoDB schema design (embedding, referencing, validation, buckets)."""

from __future__ import annotations

from datetime import UTC, datetime

from ..core import Wrong
from ..mongodb import MongoQuery, MongoState, mongo_holds

ORDERS = "nb05_ex_orders"
READINGS = "nb05_ex_readings"
USERS = "nb05_ex_users"
POSTS = "nb05_ex_posts"


# --------------------------------------------------------------------------- 05.1 planted users
def _user(uid, *addresses, email=None):
    return {
        "_id": uid,
        "email": email or f"{uid}@example.org",
        "addresses": [{"type": t, "street": "1 Main St", "city": c} for t, c in addresses],
    }


EDGE_USERS = [
    _user("u1-ship-paris", ("shipping", "Paris")),  # the answer
    _user("u2-ship-paris-work-rome", ("work", "Rome"), ("shipping", "Paris")),  # the answer
    _user("u3-ship-rome-home-paris", ("shipping", "Rome"), ("home", "Paris")),  # home: no
    _user("u4-ship-rome-work-paris", ("shipping", "Rome"), ("work", "Paris")),  # two elements: no
    _user("u5-ship-paris-home-lyon", ("shipping", "Paris"), ("home", "Lyon")),  # home: no
    _user("u6-billing-paris", ("billing", "Paris")),  # not shipping: no
    _user("u7-ship-paris-twice", ("shipping", "Paris"), ("shipping", "Paris")),  # the answer, once
    _user("u8-no-addresses"),  # no
]


def _plant_users(db) -> None:
    """05.1: a handful of users on each edge ($elemMatch vs dotted paths, a home elsewhere...)."""
    db.drop_collection(USERS)
    db[USERS].insert_many([dict(u) for u in EDGE_USERS])


# --------------------------------------------------------------------------- 05.2 planted ties
# Post counts per author, planted in an order that is neither the count's nor the _id's, so a sort
# without the _id tie-breaker (or a $limit before the $sort) comes out wrong.
AUTHOR_POSTS = [("a5", 4), ("a2", 6), ("a7", 1), ("a4", 5), ("a1", 6), ("a6", 4), ("a3", 6)]


def _author_ids(db) -> dict:
    ids = [d["_id"] for d in db.users.find({}, {"_id": 1}).sort("_id", 1).limit(7)]
    return {f"a{i + 1}": oid for i, oid in enumerate(ids)}


def _plant_posts(db) -> None:
    """05.2: a small posts collection whose top five has ties (3 authors with 6 posts, 2 with 4)."""
    ids = _author_ids(db)
    db.drop_collection(POSTS)
    docs = []
    for author, n in AUTHOR_POSTS:
        docs += [{"authorId": ids[author], "title": f"post {k} by {author}"} for k in range(n)]
    db[POSTS].insert_many(docs)


# --------------------------------------------------------------------------- 05.3 validator
def _fresh_orders(coll) -> None:
    """Start state of 05.3: an empty collection without a validator."""
    coll.database.drop_collection(coll.name)
    coll.database.create_collection(coll.name)


def _order(**changes) -> dict:
    from bson import ObjectId

    doc = {
        "userId": ObjectId("64b19703e084a73fc769663a"),
        "status": "completed",
        "total": 12.5,
        "items": [{"sku": "MR-STK-01", "qty": 2, "price": 3.25}, {"sku": "TS-BLK-M", "qty": 1, "price": 6}],
        "createdAt": datetime(2026, 10, 1, tzinfo=UTC),
    }
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
    coll.database.command(
        "collMod",
        coll.name,
        validationAction="error",
        validator={
            "$jsonSchema": {
                "bsonType": "object",
                "required": ["userId", "status", "total", "items"],
                "properties": {
                    "userId": {"bsonType": "objectId"},
                    "status": {"enum": ["completed", "pending", "cancelled"]},
                    "total": {"bsonType": ["double", "int", "long", "decimal"], "minimum": 0},
                    "items": {
                        "bsonType": "array",
                        "minItems": 1,
                        "items": {
                            "bsonType": "object",
                            "required": ["sku", "qty", "price"],
                            "properties": {
                                "sku": {"bsonType": "string"},
                                "qty": {"bsonType": ["int", "long"], "minimum": 1},
                                "price": {"bsonType": ["double", "int", "long", "decimal"], "minimum": 0},
                            },
                        },
                    },
                },
            }
        },
    )


# --------------------------------------------------------------------------- 05.4 buckets
def _fresh_readings(coll) -> None:
    coll.database.drop_collection(coll.name)


def _buckets(coll) -> list[dict]:
    return list(coll.find({}, {"_id": 0}).sort("readings.0", 1))


def _bucket_exists(coll) -> bool:
    return coll.count_documents({}) > 0


def _bucket_counts_ok(coll) -> bool:
    return sorted(d.get("count", 0) for d in _buckets(coll)) == [10, 25, 25]


def _bucket_readings_ok(coll) -> bool:
    seen = [r for d in _buckets(coll) for r in d.get("readings", [])]
    return seen == list(range(60)) and all(len(d.get("readings", [])) == d.get("count") for d in _buckets(coll))


def _bucket_sensor_ok(coll) -> bool:
    docs = _buckets(coll)
    return bool(docs) and all(d.get("sensor") == "s1" for d in docs)


def _bucket_solution(coll):
    for i in range(60):
        coll.update_one(
            {"sensor": "s1", "count": {"$lt": 25}}, {"$push": {"readings": i}, "$inc": {"count": 1}}, upsert=True
        )


def _buckets_by_size(coll):
    for i in range(60):
        coll.update_one(
            {"sensor": "s1", "readings.24": {"$exists": False}},
            {"$push": {"readings": i}, "$inc": {"count": 1}},
            upsert=True,
        )


def _buckets_bulk(coll):
    from pymongo import UpdateOne

    coll.bulk_write(
        [
            UpdateOne(
                {"sensor": "s1", "count": {"$lte": 24}}, {"$push": {"readings": i}, "$inc": {"count": 1}}, upsert=True
            )
            for i in range(60)
        ],
        ordered=True,
    )


def _buckets_lte(coll):
    for i in range(60):
        coll.update_one(
            {"sensor": "s1", "count": {"$lte": 25}}, {"$push": {"readings": i}, "$inc": {"count": 1}}, upsert=True
        )


def _buckets_no_count(coll):
    for i in range(60):
        coll.update_one({"sensor": "s1", "count": {"$lt": 25}}, {"$push": {"readings": i}}, upsert=True)


def _buckets_no_upsert(coll):
    for i in range(60):
        coll.update_one({"sensor": "s1", "count": {"$lt": 25}}, {"$push": {"readings": i}, "$inc": {"count": 1}})


def _buckets_one_per_reading(coll):
    for i in range(60):
        coll.insert_one({"sensor": "s1", "count": 1, "readings": [i]})


def _validator_with(**changes):
    """The reference validator with some properties changed (red-team variants)."""

    def answer(coll):
        schema = {
            "bsonType": "object",
            "required": ["userId", "status", "total", "items"],
            "properties": {
                "userId": {"bsonType": "objectId"},
                "status": {"enum": ["completed", "pending", "cancelled"]},
                "total": {"bsonType": ["double", "int", "long", "decimal"], "minimum": 0},
                "items": {
                    "bsonType": "array",
                    "minItems": 1,
                    "items": {
                        "bsonType": "object",
                        "required": ["sku", "qty", "price"],
                        "properties": {
                            "sku": {"bsonType": "string"},
                            "qty": {"bsonType": ["int", "long"], "minimum": 1},
                            "price": {"bsonType": ["double", "int", "long", "decimal"], "minimum": 0},
                        },
                    },
                },
            },
        }
        action = changes.pop("action", "error")
        for path, value in changes.items():
            node = schema
            *parents, last = path.split("__")
            for key in parents:
                node = node[key]
            if value is None:
                node.pop(last, None)
            else:
                node[last] = value
        coll.database.command("collMod", coll.name, validationAction=action, validator={"$jsonSchema": schema})

    return answer


def _validator_number_alias(coll):
    number = {"bsonType": "number", "minimum": 0}
    coll.database.command(
        "collMod",
        coll.name,
        validator={
            "$jsonSchema": {
                "required": ["userId", "status", "total", "items"],
                "properties": {
                    "userId": {"bsonType": "objectId"},
                    "status": {"bsonType": "string", "enum": ["completed", "pending", "cancelled"]},
                    "total": number,
                    "items": {
                        "bsonType": "array",
                        "minItems": 1,
                        "items": {
                            "bsonType": "object",
                            "required": ["sku", "qty", "price"],
                            "properties": {
                                "sku": {"bsonType": "string"},
                                "qty": {"bsonType": "int", "minimum": 1},
                                "price": number,
                            },
                        },
                    },
                },
            }
        },
    )


def _validator_at_creation(coll):
    db, name = coll.database, coll.name
    db.drop_collection(name)
    db.create_collection(
        name,
        validationAction="error",
        validator={
            "$jsonSchema": {
                "bsonType": "object",
                "required": ["items", "total", "status", "userId"],
                "properties": {
                    "status": {"enum": ["pending", "completed", "cancelled"]},
                    "userId": {"bsonType": "objectId"},
                    "total": {"bsonType": ["int", "long", "double", "decimal"], "minimum": 0},
                    "items": {
                        "bsonType": "array",
                        "minItems": 1,
                        "items": {
                            "bsonType": "object",
                            "required": ["price", "qty", "sku"],
                            "properties": {
                                "qty": {"bsonType": ["int", "long"], "minimum": 1},
                                "sku": {"bsonType": "string"},
                                "price": {"bsonType": ["int", "long", "double", "decimal"], "minimum": 0},
                            },
                        },
                    },
                },
            }
        },
    )


_ELEM = {"$elemMatch": {"type": "shipping", "city": "Paris"}}
_NO_HOME = {"$ne": "home"}
_EMAIL = {"_id": 0, "email": 1}

_TOP5 = [
    {"$group": {"_id": "$authorId", "posts": {"$sum": 1}}},
    {"$sort": {"posts": -1, "_id": 1}},
    {"$limit": 5},
    {"$lookup": {"from": "users", "localField": "_id", "foreignField": "_id", "as": "author"}},
    {"$unwind": "$author"},
    {"$project": {"_id": 0, "email": "$author.email", "posts": 1}},
]


def _top5(**replace):
    """The reference pipeline with stages replaced by index ({2: {...}}) or removed (None)."""
    stages = [dict(st) for st in _TOP5]
    for index, stage in sorted(replace.items(), key=lambda kv: -int(kv[0][1:])):
        i = int(index[1:])
        if stage is None:
            del stages[i]
        else:
            stages[i] = stage
    return stages


EXERCISES = [
    MongoQuery(
        id="05.1",
        collection=USERS,
        setup=_plant_users,
        compare_id=True,
        title="Find the users who ship to Paris but have no home address",
        task=(
            f"Users embed an array `addresses` of `{{type, street, city}}`, as in the seeded `users`. The "
            f"check runs your answer on `{USERS}`, a handful of users it plants on every edge. Write a find "
            'spec `{"filter": ..., "projection": ...}` that returns the `email` (and nothing else, no '
            '`_id`) of every user who has **one address that is both** of type `"shipping"` and in '
            '`"Paris"`, and who has **no** address of type `"home"` at all. (A user with a shipping '
            "address in Rome and a home in Paris is not one of them.)"
        ),
        reference={"filter": {"addresses": _ELEM, "addresses.type": _NO_HOME}, "projection": _EMAIL},
        hints=[
            '`{"addresses.type": "shipping", "addresses.city": "Paris"}` lets each condition '
            "match a different element of the array; `$elemMatch` applies both to the same element.",
            'On an array field, `{"addresses.type": {"$ne": "home"}}` matches when *no* element has type home.',
            "The projection keeps `email` and drops `_id` explicitly: write it.",
        ],
        wrong=[
            Wrong(
                {
                    "filter": {"addresses.type": "shipping", "addresses.city": "Paris", "addresses.type": _NO_HOME},  # noqa: F601  the mistake itself: Python keeps the last duplicate key
                    "projection": _EMAIL,
                },
                says="Unexpected documents",
                why="A repeated key in a Python dict keeps only the last: the shipping condition is lost.",
            ),
            Wrong(
                {
                    "filter": {
                        "$and": [
                            {"addresses.type": "shipping"},
                            {"addresses.city": "Paris"},
                            {"addresses.type": _NO_HOME},
                        ]
                    },
                    "projection": _EMAIL,
                },
                says="u4-ship-rome-work-paris",
                why="Dotted paths let shipping and Paris match two different addresses.",
            ),
            Wrong(
                {"filter": {"addresses": _ELEM}, "projection": _EMAIL},
                says="u5-ship-paris-home-lyon",
                why="Forgets the 'no home address' condition.",
            ),
            Wrong(
                {
                    "filter": {"addresses": _ELEM, "addresses": {"$elemMatch": {"type": _NO_HOME}}},  # noqa: F601  the mistake itself: the second key wins
                    "projection": _EMAIL,
                },
                says="Unexpected documents",
                why="'An address that is not home' is not 'no address is home'.",
            ),
            Wrong(
                {"filter": {"addresses": _ELEM, "addresses.type": _NO_HOME}, "projection": {"email": 1}},
                says="Unexpected documents",
                why="Keeps the _id the task asked to drop.",
            ),
        ],
        right=[
            {
                "filter": {"$and": [{"addresses": _ELEM}, {"addresses.type": {"$nin": ["home"]}}]},
                "projection": {"email": 1, "_id": 0},
            },
            {
                "filter": {
                    "addresses": {
                        "$elemMatch": {"city": "Paris", "type": "shipping"},
                        "$not": {"$elemMatch": {"type": "home"}},
                    }
                },
                "projection": _EMAIL,
            },
            [{"$match": {"addresses.type": {"$ne": "home"}, "addresses": _ELEM}}, {"$project": _EMAIL}],
        ],
    ),
    MongoQuery(
        id="05.2",
        collection=POSTS,
        setup=_plant_posts,
        ordered=True,
        timeout=30.0,
        title="The five most prolific authors, in one round trip",
        task=(
            "Posts reference their author with `authorId` (a user's `_id`). Write **one pipeline** on "
            "posts that returns the five authors with the most posts, most posts first (ties: smaller "
            "`authorId` first), each as `{email: <the author's email>, posts: <their number of posts>}` "
            "— the e-mail comes from `users`, so join on the server instead of querying each author. "
            f"The check runs it on `{POSTS}`, a small posts collection it plants with ties inside the "
            "top five and on the fifth place."
        ),
        reference=list(_TOP5),
        hints=[
            '`$group` by `"$authorId"` with `{"$sum": 1}`, then `$sort` on the count (and `_id` for '
            "ties) and `$limit: 5` — before the join, so only five authors are looked up.",
            '`$lookup` from `users` with `localField: "_id"`, `foreignField: "_id"`; `$unwind` the '
            "result to get one author object per document.",
            "Finish with a `$project` that drops `_id` and takes `email` from the joined author.",
        ],
        wrong=[
            Wrong(
                _top5(s1={"$sort": {"posts": -1}}),
                says="wrong order",
                why="No tie-breaker: authors with the same count come out in any order.",
            ),
            Wrong(
                _top5(s1={"$sort": {"posts": -1, "_id": -1}}),
                says="Missing documents",
                why="Ties broken the wrong way: the fifth place goes to the larger authorId.",
            ),
            Wrong(
                _top5(s1={"$limit": 5}, s2={"$sort": {"posts": -1, "_id": 1}}),
                says="Missing documents",
                why="$limit before $sort keeps five arbitrary authors.",
            ),
            Wrong(
                _top5(s4=None, s5={"$project": {"_id": 0, "email": "$author.email", "posts": 1}}),
                says="Unexpected documents",
                why="Without $unwind the author is an array, and so is the e-mail.",
            ),
        ],
        right=[
            [
                {"$sortByCount": "$authorId"},
                {"$sort": {"count": -1, "_id": 1}},
                {"$limit": 5},
                {"$lookup": {"from": "users", "localField": "_id", "foreignField": "_id", "as": "u"}},
                {"$set": {"u": {"$first": "$u"}}},
                {"$project": {"_id": 0, "email": "$u.email", "posts": "$count"}},
            ],
            [
                {"$group": {"_id": "$authorId", "posts": {"$count": {}}}},
                {"$sort": {"posts": -1, "_id": 1}},
                {"$limit": 5},
                {
                    "$lookup": {
                        "from": "users",
                        "let": {"a": "$_id"},
                        "pipeline": [{"$match": {"$expr": {"$eq": ["$_id", "$$a"]}}}, {"$project": {"email": 1}}],
                        "as": "author",
                    }
                },
                {"$unwind": "$author"},
                {"$project": {"_id": 0, "posts": 1, "email": "$author.email"}},
            ],
        ],
    ),
    MongoState(
        id="05.3",
        collection=ORDERS,
        setup=_fresh_orders,
        title="Make MongoDB reject bad orders",
        task=(
            f"`{ORDERS}` is an empty collection without a validator. Write `def answer(coll):` that adds "
            'a `$jsonSchema` validator (with `validationAction: "error"`) so that the server rejects '
            "any order that lacks `userId` (an ObjectId), `status` (one of `completed`, `pending`, "
            "`cancelled`), `total` (a number ≥ 0) or `items` (a non-empty array of objects, each with a "
            "string `sku`, an integer `qty` ≥ 1 and a number `price` ≥ 0). Orders shaped like the "
            "seeded ones (integer or fractional totals and prices) must still be accepted. The check "
            "tries two good and nine bad orders."
        ),
        reference=_validator_solution,
        expect=[
            mongo_holds(
                _has_validator,
                "The collection has no $jsonSchema validator with "
                "validationAction 'error' (use collMod with validator=...).",
            )
        ]
        + [_accepts(label, doc) for label, doc in GOOD_ORDERS.items()]
        + [_rejects(label, doc) for label, doc in BAD_ORDERS.items()],
        hints=[
            '`coll.database.command("collMod", coll.name, validator={"$jsonSchema": {...}}, '
            'validationAction="error")` adds a validator to an existing collection.',
            '`required` lists the four fields; `status` takes an `enum`; `userId` takes `{"bsonType": "objectId"}`.',
            'A number is `{"bsonType": ["double", "int", "long", "decimal"]}` (or the alias '
            '`"number"`) with `minimum: 0`; `items` needs `bsonType`, `minItems` and an `items` schema of '
            "its own: write that part.",
        ],
        wrong=[
            Wrong(
                _validator_with(properties__items__minItems=None),
                says="accepts an empty items array",
                why="An array type alone allows []: minItems says 'non-empty'.",
            ),
            Wrong(
                _validator_with(properties__total={"bsonType": "double", "minimum": 0}),
                says="rejects a pending order whose total is an integer",
                why="bsonType double refuses 10 (an int): numbers come in several BSON types.",
            ),
            Wrong(
                _validator_with(properties__items__items__properties__qty={"bsonType": "int", "minimum": 0}),
                says="accepts an item with qty 0",
                why="Boundary: qty ≥ 1 written as minimum 0.",
            ),
            Wrong(
                _validator_with(action="warn"),
                says="validationAction 'error'",
                why="warn logs and accepts: nothing is rejected.",
            ),
            Wrong(
                _validator_with(required=["userId", "status", "total"]),
                says="accepts no items",
                why="A property schema applies only when the field is present: required is what makes it mandatory.",
            ),
        ],
        right=[_validator_number_alias, _validator_at_creation],
    ),
    MongoState(
        id="05.4",
        collection=READINGS,
        setup=_fresh_readings,
        title="Record readings in buckets of 25",
        task=(
            f'Sensor `"s1"` sends the readings `0, 1, …, 59` in that order. Write `def answer(coll):` '
            f"that records them in `{READINGS}` with the **bucket pattern**, one update per reading: "
            'bucket documents `{sensor: "s1", count: <readings in it>, readings: [...]}` holding at '
            "most 25 readings each, in arrival order — so 60 readings make three buckets of 25, 25 "
            "and 10."
        ),
        reference=_bucket_solution,
        expect=[
            mongo_holds(
                _bucket_exists,
                f"{READINGS} holds no bucket: each update should create a bucket when none has room (upsert=True).",
            ),
            mongo_holds(_bucket_sensor_ok, "Every bucket should carry sensor: 's1'."),
            mongo_holds(_bucket_counts_ok, "Expected three buckets with count 25, 25 and 10."),
            mongo_holds(
                _bucket_readings_ok,
                "Reading the buckets in order should give 0..59 exactly "
                "once, and each bucket's count should equal its number "
                "of readings.",
            ),
        ],
        hints=[
            'Filter on the bucket that still has room: `{"sensor": "s1", "count": {"$lt": 25}}`.',
            "Update with `$push` (the reading) and `$inc` (the count) together, and `upsert=True`: when "
            "no bucket has room, the upsert creates a new one from the filter's equality fields.",
        ],
        wrong=[
            Wrong(_buckets_lte, says="count 25, 25 and 10", why="Boundary: $lte 25 lets a bucket reach 26."),
            Wrong(
                _buckets_no_count,
                says="count 25, 25 and 10",
                why="Forgets $inc: the count never grows, every reading opens a bucket.",
            ),
            Wrong(_buckets_no_upsert, says="holds no bucket", why="No upsert: the first bucket is never created."),
            Wrong(
                _buckets_one_per_reading, says="count 25, 25 and 10", why="One document per reading: no buckets at all."
            ),
        ],
        right=[_buckets_by_size, _buckets_bulk],
    ),
]
