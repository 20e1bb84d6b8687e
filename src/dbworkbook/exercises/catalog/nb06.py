"""Exercises of notebook 06 · the MongoDB aggregation pipeline."""
from __future__ import annotations

from datetime import datetime, timezone

from ..mongodb import MongoQuery

OCT_2026 = datetime(2026, 10, 1, tzinfo=timezone.utc)
NOV_2026 = datetime(2026, 11, 1, tzinfo=timezone.utc)

EXERCISES = [
    MongoQuery(
        id="06.1", collection="users", ordered=True, timeout=30.0,
        title="The ten cities with the most customers",
        task=(
            "Each user in `users` embeds 1–3 `addresses` (`{type, street, city}`). Write a pipeline that "
            "returns the ten cities where the most **users** have at least one address, as "
            "`{city: <name>, users: <number of distinct users>}`, most users first (ties: city name "
            "A→Z). A user with two addresses in the same city counts once."
        ),
        reference=[
            {"$unwind": "$addresses"},
            {"$group": {"_id": {"city": "$addresses.city", "user": "$_id"}}},
            {"$group": {"_id": "$_id.city", "users": {"$sum": 1}}},
            {"$project": {"_id": 0, "city": "$_id", "users": 1}},
            {"$sort": {"users": -1, "city": 1}},
            {"$limit": 10},
        ],
        hints=[
            "`$unwind: \"$addresses\"` gives one document per (user, address).",
            "To count a user once per city, `$group` by `{city: \"$addresses.city\", user: \"$_id\"}` "
            "first (one document per distinct pair), then `$group` those by city with `{\"$sum\": 1}`. "
            "(`$addToSet` of the user ids and `$size` also works, but holds every id in memory.)",
            "Rename with `$project: {_id: 0, city: \"$_id\", users: ...}`; `$sort: {users: -1, city: 1}`; "
            "`$limit: 10`.",
        ],
    ),
    MongoQuery(
        id="06.2", collection="orders", ordered=True, timeout=30.0,
        title="The best-selling products of October 2026",
        task=(
            "Each order in `orders` embeds `items` (`{sku, qty, price}`). Over the **completed** orders "
            "created in October 2026 (UTC: from 2026-10-01 inclusive to 2026-11-01 exclusive), return "
            "the five SKUs with the most units sold as `{sku, units: <sum of qty>, revenue: <sum of "
            "qty × price>}`, most units first (ties: sku A→Z)."
        ),
        reference=[
            {"$match": {"status": "completed", "createdAt": {"$gte": OCT_2026, "$lt": NOV_2026}}},
            {"$unwind": "$items"},
            {"$group": {"_id": "$items.sku", "units": {"$sum": "$items.qty"},
                        "revenue": {"$sum": {"$multiply": ["$items.qty", "$items.price"]}}}},
            {"$sort": {"units": -1, "_id": 1}},
            {"$limit": 5},
            {"$project": {"_id": 0, "sku": "$_id", "units": 1, "revenue": 1}},
        ],
        tolerance=1e-6,
        hints=[
            "`$match` first (status and a `createdAt` range with timezone-aware datetimes), so an index "
            "could serve it.",
            "`$unwind: \"$items\"`, then `$group` by `\"$items.sku\"` with `$sum` of `\"$items.qty\"` and of "
            "`{\"$multiply\": [\"$items.qty\", \"$items.price\"]}` (after `$unwind` each `items` is one "
            "object, so these paths are plain fields).",
            "`$sort: {units: -1, _id: 1}`, `$limit: 5`, then `$project` the `_id` to `sku`.",
        ],
    ),
    MongoQuery(
        id="06.3", collection="categories", ordered=True, timeout=30.0,
        title="A breadcrumb for every deepest category",
        task=(
            "`categories` is a tree: `{_id, name, parent}` (`parent: null` for the roots). Write a "
            "pipeline that returns every category that has exactly **four ancestors**, as `{name, path}` "
            "where `path` lists the ancestors' names from the root down to the parent, sorted by name."
        ),
        reference=[
            {"$graphLookup": {"from": "categories", "startWith": "$parent", "connectFromField": "parent",
                              "connectToField": "_id", "as": "ancestors", "depthField": "steps"}},
            {"$match": {"ancestors": {"$size": 4}}},
            {"$project": {"_id": 0, "name": 1,
                          "path": {"$map": {"input": {"$sortArray": {"input": "$ancestors",
                                                                     "sortBy": {"steps": -1}}},
                                            "in": "$$this.name"}}}},
            {"$sort": {"name": 1}},
        ],
        hints=[
            "`$graphLookup` from `categories` with `startWith: \"$parent\"`, `connectFromField: "
            "\"parent\"`, `connectToField: \"_id\"` collects the ancestors; `depthField` numbers them "
            "(0 = the parent).",
            "`{\"$match\": {\"ancestors\": {\"$size\": 4}}}` keeps the categories four levels down.",
            "The ancestors come back in no particular order: sort them by the depth field, descending "
            "(`$sortArray`, MongoDB 5.2+), then `$map` each to its `name`.",
        ],
    ),
    MongoQuery(
        id="06.4", collection="sessions", ordered=True, timeout=30.0,
        title="Logins per day, with a running total",
        task=(
            "`sessions` holds one document per login (`{userId, token, userAgent, createdAt}`) over the "
            "week before the dataset's \"now\". Return one document per UTC day "
            "`{day: \"YYYY-MM-DD\", logins: <sessions that day>, running: <logins from the first day up "
            "to this one>}`, sorted by day. Compute `running` in the database with `$setWindowFields`."
        ),
        reference=[
            {"$group": {"_id": {"$dateToString": {"date": "$createdAt", "format": "%Y-%m-%d"}},
                        "logins": {"$sum": 1}}},
            {"$setWindowFields": {"sortBy": {"_id": 1},
                                  "output": {"running": {"$sum": "$logins",
                                                         "window": {"documents": ["unbounded", "current"]}}}}},
            {"$project": {"_id": 0, "day": "$_id", "logins": 1, "running": 1}},
            {"$sort": {"day": 1}},
        ],
        hints=[
            "`$group` by the day label `{\"$dateToString\": {\"date\": \"$createdAt\", \"format\": "
            "\"%Y-%m-%d\"}}` (UTC unless you pass a timezone), counting with `{\"$sum\": 1}`.",
            "`$setWindowFields` with `sortBy: {_id: 1}` and an output `running: {\"$sum\": \"$logins\", "
            "\"window\": {\"documents\": [\"unbounded\", \"current\"]}}` (the label sorts like the date).",
            "Finish with `$project` (`day: \"$_id\"`) and `$sort: {day: 1}`.",
        ],
    ),
]
