"""Exercises of notebook 06 · the MongoDB aggregation pipeline.

Every check runs the learner's pipeline on a copy the check owns (``nb06_ex_*``, or
``nb06_categories`` for 06.3) into which it plants edge-case documents first, and removes them
afterwards: documents exactly on each boundary instant, a month's last millisecond, the same
month a year earlier, ties inside the top N inserted in the order an untied sort keeps, a user
with two addresses in the same city, a category one level too deep. The planted values name
their edge case ("EDGE 2026-11-01T00:00:00.000Z"), so the feedback's missing or unexpected
documents say which edge case the answer got wrong. The seeded collections are never written.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ..core import Wrong
from ..mongodb import MongoQuery

UTC = UTC
OCT_2026 = datetime(2026, 10, 1, tzinfo=UTC)
NOV_2026 = datetime(2026, 11, 1, tzinfo=UTC)
EDGE = "nb06_edge"  # marker field of every planted document


# --------------------------------------------------------------------------- the checks' copies
def _fresh_copy(db, source: str, target: str, flt: dict | None, projection: dict) -> None:
    """Make ``target`` a copy of ``source`` (filtered, projected) unless it already is one."""
    tgt = db[target]
    tgt.delete_many({EDGE: True})  # leftovers of an interrupted check
    have = tgt.estimated_document_count()
    if flt is None:
        fresh = have == db[source].estimated_document_count()
    else:
        fresh = have > 0  # rebuilt after every reset of nb06_*
    if fresh:
        return
    tgt.drop()
    docs = list(db[source].find(flt or {}, projection))
    if docs:
        tgt.insert_many(docs)


def _remove_planted(collection: str):
    def cleanup(db):
        db[collection].delete_many({EDGE: True})

    return cleanup


# 06.1 · users with addresses
USERS_COPY = "nb06_ex_users"
TIES = ["Tie-C (300 users, tied)", "Tie-B (300 users, tied)", "Tie-A (300 users, tied)"]  # inserted C, B, A
TWICE = "Twice-Town (2 addresses/user)"


def _plant_users(db):
    _fresh_copy(db, "users", USERS_COPY, None, {"addresses": 1})
    docs = [
        {EDGE: True, "addresses": [{"type": "home", "street": f"{i} Tie St", "city": city}]}
        for city in TIES
        for i in range(300)
    ]
    # 200 users, each with two addresses in the same city: 200 users, 400 addresses
    docs += [
        {
            EDGE: True,
            "addresses": [
                {"type": "home", "street": f"{i} Twin Rd", "city": TWICE},
                {"type": "work", "street": f"{i} Twin Sq", "city": TWICE},
            ],
        }
        for i in range(200)
    ]
    db[USERS_COPY].insert_many(docs)


# 06.2 · orders around October 2026
ORDERS_COPY = "nb06_ex_orders"
SEP_2026 = datetime(2026, 9, 1, tzinfo=UTC)
ORDER_EDGES = [  # (sku, createdAt, status, qty): price 2.5 each
    ("EDGE 2026-10-01T00:00:00.000Z", OCT_2026, "completed", 900),  # in
    ("EDGE 2026-10-31T23:59:59.999Z", datetime(2026, 10, 31, 23, 59, 59, 999000, tzinfo=UTC), "completed", 800),  # in
    ("EDGE tie B (700 units)", datetime(2026, 10, 12, 9, 0, tzinfo=UTC), "completed", 700),  # in
    ("EDGE tie A (700 units)", datetime(2026, 10, 13, 9, 0, tzinfo=UTC), "completed", 700),  # in
    ("EDGE 2026-11-01T00:00:00.000Z", NOV_2026, "completed", 1000),  # out
    ("EDGE 2025-10-15 (a year earlier)", datetime(2025, 10, 15, 12, 0, tzinfo=UTC), "completed", 1000),
    ("EDGE cancelled, 2026-10-15", datetime(2026, 10, 15, 12, 0, tzinfo=UTC), "cancelled", 1000),
]


def _plant_orders(db):
    _fresh_copy(
        db,
        "orders",
        ORDERS_COPY,
        {"createdAt": {"$gte": SEP_2026}},
        {"status": 1, "items": 1, "total": 1, "createdAt": 1},
    )
    db[ORDERS_COPY].insert_many(
        [
            {
                EDGE: True,
                "status": status,
                "createdAt": at,
                "total": qty * 2.5,
                "items": [{"sku": sku, "qty": qty, "price": 2.5}],
            }
            for sku, at, status, qty in ORDER_EDGES
        ]
    )


# 06.3 · the category tree (the learner's $graphLookup names this collection)
CATEGORIES_COPY = "nb06_categories"
CHAIN = [  # _id, name, parent: ids count *down* the tree, so sorting ancestors by _id is wrong
    (9204, "Edge root", None),
    (9203, "Edge level 1", 9204),
    (9202, "Edge level 2", 9203),
    (9201, "Edge level 3", 9202),
    (9200, "Edge: 4 ancestors, ids count down", 9201),
    (9199, "Edge: 5 ancestors (one too deep)", 9200),
]


def _plant_categories(db):
    _fresh_copy(db, "categories", CATEGORIES_COPY, None, {"name": 1, "parent": 1})
    db[CATEGORIES_COPY].insert_many([{"_id": i, "name": n, "parent": p, EDGE: True} for i, n, p in CHAIN])


# 06.4 · sessions
SESSIONS_COPY = "nb06_ex_sessions"
SESSION_EDGES = [  # on each side of midnight UTC; 24 Oct (a day before the week) inserted last
    datetime(2026, 10, 27, 23, 59, 59, 999000, tzinfo=UTC),
    datetime(2026, 10, 28, 0, 0, tzinfo=UTC),
    datetime(2026, 10, 24, 0, 0, tzinfo=UTC),
    datetime(2026, 10, 24, 23, 59, 59, 999000, tzinfo=UTC),
]


def _plant_sessions(db):
    _fresh_copy(db, "sessions", SESSIONS_COPY, None, {"userId": 1, "createdAt": 1})
    db[SESSIONS_COPY].insert_many([{EDGE: True, "userId": None, "createdAt": at} for at in SESSION_EDGES])


# --------------------------------------------------------------------------- 06.1
CITIES = [
    {"$unwind": "$addresses"},
    {"$group": {"_id": {"city": "$addresses.city", "user": "$_id"}}},
    {"$group": {"_id": "$_id.city", "users": {"$sum": 1}}},
    {"$project": {"_id": 0, "city": "$_id", "users": 1}},
    {"$sort": {"users": -1, "city": 1}},
    {"$limit": 10},
]


# --------------------------------------------------------------------------- 06.2
def _october(match=None, sort=None, revenue=None):
    return [
        {"$match": match or {"status": "completed", "createdAt": {"$gte": OCT_2026, "$lt": NOV_2026}}},
        {"$unwind": "$items"},
        {
            "$group": {
                "_id": "$items.sku",
                "units": {"$sum": "$items.qty"},
                "revenue": revenue or {"$sum": {"$multiply": ["$items.qty", "$items.price"]}},
            }
        },
        {"$sort": sort or {"units": -1, "_id": 1}},
        {"$limit": 5},
        {"$project": {"_id": 0, "sku": "$_id", "units": 1, "revenue": 1}},
    ]


# --------------------------------------------------------------------------- 06.3
def _breadcrumbs(size=None, sort_by=None, max_depth=None):
    graph = {
        "from": CATEGORIES_COPY,
        "startWith": "$parent",
        "connectFromField": "parent",
        "connectToField": "_id",
        "as": "ancestors",
        "depthField": "steps",
    }
    if max_depth is not None:
        graph["maxDepth"] = max_depth
    return [
        {"$graphLookup": graph},
        {"$match": {"ancestors": size or {"$size": 4}}},
        {
            "$project": {
                "_id": 0,
                "name": 1,
                "path": {
                    "$map": {
                        "input": {"$sortArray": {"input": "$ancestors", "sortBy": sort_by or {"steps": -1}}},
                        "in": "$$this.name",
                    }
                },
            }
        },
        {"$sort": {"name": 1}},
    ]


# --------------------------------------------------------------------------- 06.4
DAY = {"$dateToString": {"date": "$createdAt", "format": "%Y-%m-%d"}}


def _logins(window=None, sort_by=None, day=None, tail=None):
    stages = [
        {"$group": {"_id": day or DAY, "logins": {"$sum": 1}}},
        {
            "$setWindowFields": {
                "sortBy": sort_by or {"_id": 1},
                "output": {"running": {"$sum": "$logins", "window": {"documents": window or ["unbounded", "current"]}}},
            }
        },
        {"$project": {"_id": 0, "day": "$_id", "logins": 1, "running": 1}},
    ]
    return stages + (tail if tail is not None else [{"$sort": {"day": 1}}])


EXERCISES = [
    MongoQuery(
        id="06.1",
        collection=USERS_COPY,
        ordered=True,
        timeout=60.0,
        setup=_plant_users,
        cleanup=_remove_planted(USERS_COPY),
        title="The ten cities with the most customers",
        task=(
            "Each user in `users` embeds 1–3 `addresses` (`{type, street, city}`). Write a pipeline that "
            "returns the ten cities where the most **users** have at least one address, as "
            "`{city: <name>, users: <number of distinct users>}`, most users first (ties: city name "
            "A→Z). A user with two addresses in the same city counts once. (The check runs your "
            "pipeline on a copy of `users`, `nb06_ex_users`, to which it adds a few edge cases.)"
        ),
        reference=CITIES,
        hints=[
            '`$unwind: "$addresses"` gives one document per (user, address).',
            "To count a user once per city, `$group` by the pair `{city: ..., user: ...}` first (one "
            'document per distinct pair), then `$group` those by city, counting with `{"$sum": 1}`.',
            "Rename with `$project` (`city` from the group key, no `_id`), then sort with a "
            "tie-breaker and keep ten: which two keys does `$sort` need, and in which directions?",
        ],
        wrong=[
            Wrong(
                [
                    {"$unwind": "$addresses"},
                    {"$group": {"_id": "$addresses.city", "users": {"$sum": 1}}},
                    {"$project": {"_id": 0, "city": "$_id", "users": 1}},
                    {"$sort": {"users": -1, "city": 1}},
                    {"$limit": 10},
                ],
                says="Twice-Town (2 addresses/user)",
                why="Counts addresses, not users: a user with two addresses in one city counts twice.",
            ),
            Wrong(
                [*CITIES[:4], {"$sort": {"users": -1}}, {"$limit": 10}],
                says="city: 'Tie-A (300 users, tied)'",
                why="No tie-breaker: tied cities come out in whatever order the $group produced.",
            ),
            Wrong(
                [*CITIES[:4], {"$sort": {"users": -1, "city": -1}}, {"$limit": 10}],
                says="city: 'Tie-A (300 users, tied)'",
                why="The tie-breaker runs Z→A: the direction of each sort key matters.",
            ),
            Wrong(
                [*CITIES[:4], {"$limit": 10}, {"$sort": {"users": -1, "city": 1}}],
                says="city: 'Tie-A (300 users, tied)'",
                why="$limit before $sort keeps ten arbitrary cities, then sorts them.",
            ),
        ],
        right=[
            [
                {"$project": {"cities": {"$setUnion": [{"$map": {"input": "$addresses", "in": "$$this.city"}}]}}},
                {"$unwind": "$cities"},
                {"$group": {"_id": "$cities", "users": {"$sum": 1}}},
                {"$sort": {"users": -1, "_id": 1}},
                {"$limit": 10},
                {"$project": {"_id": 0, "city": "$_id", "users": 1}},
            ],
            [
                {"$unwind": "$addresses"},
                {"$group": {"_id": {"u": "$_id", "c": "$addresses.city"}}},
                {"$sortByCount": "$_id.c"},
                {"$set": {"city": "$_id", "users": "$count"}},
                {"$sort": {"users": -1, "city": 1}},
                {"$limit": 10},
                {"$unset": ["_id", "count"]},
            ],
        ],
    ),
    MongoQuery(
        id="06.2",
        collection=ORDERS_COPY,
        ordered=True,
        timeout=60.0,
        setup=_plant_orders,
        cleanup=_remove_planted(ORDERS_COPY),
        title="The best-selling products of October 2026",
        task=(
            "Each order in `orders` embeds `items` (`{sku, qty, price}`). Over the **completed** orders "
            "created in October 2026 (UTC), return the five SKUs with the most units sold as "
            "`{sku, units: <sum of qty>, revenue: <sum of qty × price>}`, most units first (ties: sku "
            "A→Z). (The check runs your pipeline on a copy, `nb06_ex_orders`, with edge-case orders added.)"
        ),
        reference=_october(),
        tolerance=1e-6,
        hints=[
            "`$match` first: the status, and a `createdAt` range with timezone-aware datetimes (not a "
            "`$month` computed in `$expr`: that merges years and no index can serve it).",
            "Which operators make the range contain the first instant of October and leave out the "
            "first instant of November?",
            '`$unwind: "$items"`, then `$group` by `"$items.sku"`: after `$unwind` each `items` is one '
            'object, so `"$items.qty"` is a plain number; revenue needs `$multiply`. Then sort (with a '
            "tie-breaker), keep five, and rename `_id`.",
        ],
        wrong=[
            Wrong(
                _october(match={"status": "completed", "createdAt": {"$gt": OCT_2026, "$lt": NOV_2026}}),
                says="EDGE 2026-10-01T00:00:00.000Z",
                why="$gt instead of $gte: an order placed at exactly midnight on 1 October is left out.",
            ),
            Wrong(
                _october(match={"status": "completed", "createdAt": {"$gte": OCT_2026, "$lte": NOV_2026}}),
                says="EDGE 2026-11-01T00:00:00.000Z",
                why="$lte instead of $lt: an order placed at exactly midnight on 1 November is counted.",
            ),
            Wrong(
                _october(
                    match={
                        "status": "completed",
                        "createdAt": {"$gte": OCT_2026, "$lt": datetime(2026, 10, 31, tzinfo=UTC)},
                    }
                ),
                says="EDGE 2026-10-31T23:59:59.999Z",
                why="The month ends a day early: 31 October is left out.",
            ),
            Wrong(
                _october(match={"status": "completed", "$expr": {"$eq": [{"$month": "$createdAt"}, 10]}}),
                says="EDGE 2025-10-15 (a year earlier)",
                why="$month alone merges October 2025 into October 2026 (and no index can serve it).",
            ),
            Wrong(
                _october(match={"createdAt": {"$gte": OCT_2026, "$lt": NOV_2026}}),
                says="EDGE cancelled, 2026-10-15",
                why="No status filter: cancelled orders are counted.",
            ),
            Wrong(
                _october(sort={"units": -1}),
                says="sku: 'EDGE tie A (700 units)'",
                why="No tie-breaker: two SKUs with the same units come out in $group's order.",
            ),
            Wrong(
                _october(revenue={"$sum": "$items.price"}),
                says="revenue: 2.5,",
                why="Revenue sums the prices and ignores the quantities.",
            ),
        ],
        right=[
            [
                {
                    "$match": {
                        "$and": [
                            {"createdAt": {"$lt": NOV_2026}},
                            {"createdAt": {"$gte": OCT_2026}},
                            {"status": {"$in": ["completed"]}},
                        ]
                    }
                },
                {"$unwind": "$items"},
                {
                    "$project": {
                        "sku": "$items.sku",
                        "qty": "$items.qty",
                        "amount": {"$multiply": ["$items.price", "$items.qty"]},
                    }
                },
                {"$group": {"_id": "$sku", "units": {"$sum": "$qty"}, "revenue": {"$sum": "$amount"}}},
                {"$project": {"_id": 0, "sku": "$_id", "units": 1, "revenue": 1}},
                {"$sort": {"units": -1, "sku": 1}},
                {"$limit": 5},
            ],
            [
                {
                    "$match": {
                        "status": "completed",
                        "$expr": {"$eq": [{"$dateToString": {"date": "$createdAt", "format": "%Y-%m"}}, "2026-10"]},
                    }
                },
                {"$unwind": "$items"},
                {
                    "$group": {
                        "_id": "$items.sku",
                        "units": {"$sum": "$items.qty"},
                        "revenue": {"$sum": {"$multiply": ["$items.qty", "$items.price"]}},
                    }
                },
                {"$sort": {"units": -1, "_id": 1}},
                {"$limit": 5},
                {"$set": {"sku": "$_id"}},
                {"$unset": "_id"},
            ],
        ],
    ),
    MongoQuery(
        id="06.3",
        collection=CATEGORIES_COPY,
        ordered=True,
        timeout=60.0,
        setup=_plant_categories,
        cleanup=_remove_planted(CATEGORIES_COPY),
        title="A breadcrumb for every deepest category",
        task=(
            "`nb06_categories` (the copy of `categories` made above) is a tree: `{_id, name, parent}` "
            "(`parent: null` for the roots). Write a pipeline on it that returns every category that "
            "has exactly **four ancestors**, as `{name, path}` where `path` lists the ancestors' names "
            "from the root down to the parent, sorted by name. Look up in `nb06_categories` itself: the "
            "check adds a few categories of its own there while it runs."
        ),
        reference=_breadcrumbs(),
        hints=[
            '`$graphLookup` from `nb06_categories` with `startWith: "$parent"`, `connectFromField: '
            '"parent"`, `connectToField: "_id"` collects the ancestors; `depthField` numbers them '
            "(0 = the parent).",
            '`{"$match": {"ancestors": {"$size": 4}}}` keeps the categories exactly four levels '
            "down (not `$gte`: a deeper category has more ancestors).",
            "The ancestors come back in no particular order: sort them by the depth field "
            "(`$sortArray`, MongoDB 5.2+) — which direction puts the root first? Then `$map` each to its "
            "`name`.",
        ],
        wrong=[
            Wrong(
                [_breadcrumbs()[0], {"$match": {"ancestors.3": {"$exists": True}}}, *_breadcrumbs()[2:]],
                says="Edge: 5 ancestors (one too deep)",
                why="'At least four ancestors' instead of exactly four: a deeper category is kept.",
            ),
            Wrong(
                _breadcrumbs(max_depth=3),
                says="Edge: 5 ancestors (one too deep)",
                why="maxDepth 3 stops the walk at four ancestors, so a deeper category also has four.",
            ),
            Wrong(
                _breadcrumbs(sort_by={"_id": 1}),
                says="Edge: 4 ancestors, ids count down",
                why="Sorting the ancestors by _id assumes parents have smaller ids than their children.",
            ),
            Wrong(
                _breadcrumbs(sort_by={"steps": 1}),
                says="path: ['Indexing', 'PostgreSQL'",
                why="Ascending depth lists the path from the parent up to the root.",
            ),
        ],
        right=[
            [
                {
                    "$graphLookup": {
                        "from": CATEGORIES_COPY,
                        "startWith": "$parent",
                        "connectFromField": "parent",
                        "connectToField": "_id",
                        "as": "up",
                        "depthField": "d",
                    }
                },
                {"$match": {"$expr": {"$eq": [{"$size": "$up"}, 4]}}},
                {
                    "$project": {
                        "_id": 0,
                        "name": 1,
                        "path": {
                            "$reverseArray": {
                                "$map": {
                                    "input": {"$sortArray": {"input": "$up", "sortBy": {"d": 1}}},
                                    "in": "$$this.name",
                                }
                            }
                        },
                    }
                },
                {"$sort": {"name": 1}},
            ],
            [
                {
                    "$graphLookup": {
                        "from": CATEGORIES_COPY,
                        "startWith": "$parent",
                        "connectFromField": "parent",
                        "connectToField": "_id",
                        "as": "ancestors",
                        "depthField": "steps",
                    }
                },
                {"$match": {"ancestors": {"$size": 4}}},
                {"$unwind": "$ancestors"},
                {"$sort": {"_id": 1, "ancestors.steps": -1}},
                {"$group": {"_id": "$_id", "name": {"$first": "$name"}, "path": {"$push": "$ancestors.name"}}},
                {"$sort": {"name": 1}},
                {"$project": {"_id": 0, "name": 1, "path": 1}},
            ],
        ],
    ),
    MongoQuery(
        id="06.4",
        collection=SESSIONS_COPY,
        ordered=True,
        timeout=60.0,
        setup=_plant_sessions,
        cleanup=_remove_planted(SESSIONS_COPY),
        title="Logins per day, with a running total",
        task=(
            "`sessions` holds one document per login (`{userId, token, userAgent, createdAt}`) over the "
            'week before the dataset\'s "now". Return one document per UTC day '
            '`{day: "YYYY-MM-DD", logins: <sessions that day>, running: <logins from the first day up '
            "to this one>}`, sorted by day. Compute `running` in the database with `$setWindowFields`. "
            "(The check runs your pipeline on a copy, `nb06_ex_sessions`, with a few sessions added on "
            "each side of midnight UTC.)"
        ),
        reference=_logins(),
        hints=[
            '`$group` by the day label `{"$dateToString": {"date": "$createdAt", "format": '
            '"%Y-%m-%d"}}` (UTC unless you pass a timezone), counting with `{"$sum": 1}`.',
            "`$setWindowFields` sorted by that label (it sorts like the date), with an output `running` "
            "that sums `$logins` over a window of documents: from where to where?",
            "Finish with `$project` (`day` from the group key) and a `$sort` by day.",
        ],
        wrong=[
            Wrong(
                _logins(window=["unbounded", "unbounded"]),
                says="running: 1004",
                why="An unbounded window on both sides gives every day the week's total.",
            ),
            Wrong(
                _logins(window=[-1, 0]),
                says="running: 276",
                why="A window of two documents is a moving sum, not a running total.",
            ),
            Wrong(
                _logins(sort_by={"day": 1}),
                says="logins: 2, running: 2",
                why="sortBy names a field ('day') that does not exist yet: the window runs in $group's order.",
            ),
            Wrong(
                _logins(
                    day={"$dateToString": {"date": "$createdAt", "format": "%Y-%m-%d", "timezone": "Europe/Paris"}}
                ),
                says="logins: 1, running: 1",
                why="Days in Paris time, not UTC: a session at 23:59:59.999 UTC moves to the next day.",
            ),
        ],
        right=[
            [
                {"$sort": {"createdAt": 1}},
                {"$group": {"_id": {"$dateTrunc": {"date": "$createdAt", "unit": "day"}}, "logins": {"$count": {}}}},
                {
                    "$setWindowFields": {
                        "sortBy": {"_id": 1},
                        "output": {"running": {"$sum": "$logins", "window": {"documents": ["unbounded", 0]}}},
                    }
                },
                {
                    "$project": {
                        "_id": 0,
                        "logins": 1,
                        "running": 1,
                        "day": {"$dateToString": {"date": "$_id", "format": "%Y-%m-%d"}},
                    }
                },
                {"$sort": {"day": 1}},
            ],
            [
                {
                    "$project": {
                        "day": {"$dateToString": {"date": "$createdAt", "format": "%Y-%m-%d", "timezone": "UTC"}}
                    }
                },
                {"$group": {"_id": "$day", "logins": {"$sum": 1}}},
                {"$project": {"_id": 0, "day": "$_id", "logins": 1}},
                {
                    "$setWindowFields": {
                        "sortBy": {"day": 1},
                        "output": {"running": {"$sum": "$logins", "window": {"documents": ["unbounded", "current"]}}},
                    }
                },
            ],
        ],
    ),
]
