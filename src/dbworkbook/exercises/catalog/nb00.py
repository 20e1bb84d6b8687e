"""Exercises of notebook 00 · Get your four databases talking: one per kind, to learn the loop
(read the task, write an answer, check it, ask for a hint).

00.2 runs on ``nb00_orders``, a few dozen orders the check writes (with planted edge cases)
and empties afterwards: the seeded collection is never written. 00.3 judges the commands the answer sends (the engine's
``never``/``uses``), so that a counter *set* to 3 is told apart from one *counted* to 3.
"""

from __future__ import annotations

from .. import Wrong
from ..mongodb import MongoQuery
from ..redisdb import RedisTask, never, persistent, uses
from ..sql import SQLQuery

# --------------------------------------------------------------------------- Redis: what was sent
COUNTER = "page:home:views"


# --------------------------------------------------------------------------- MongoDB: scratch orders
ORDERS_COPY = "nb00_orders"
# A small stand-in for the seeded orders (scanning 30,000 orders twice per check is slow on the
# embedded server): ordinary orders of each status on both sides of 500, and the edge cases
# first, so that feedback lists them first.
_SCRATCH_ORDERS = [
    {"status": "cancelled", "total": 500, "note": "edge: total exactly 500"},
    {"status": "completed", "total": 9999, "note": "edge: completed, total 9999"},
    {"status": "cancelled", "total": 500.01, "note": "edge: total 500.01"},
    {"status": "cancelled", "total": "900", "note": "edge: total stored as text"},
    {"status": "Cancelled", "total": 700, "note": "edge: status 'Cancelled'"},
] + [
    {"status": status, "total": total}
    for status in ("cancelled", "completed", "pending")
    for total in (3.99, 120.5, 499.99, 501, 742.25, 1890)
]


def _orders_setup(db):
    copy = db[ORDERS_COPY]
    copy.delete_many({})
    copy.insert_many([dict(d) for d in _SCRATCH_ORDERS])


def _orders_cleanup(db):
    db[ORDERS_COPY].delete_many({})


EXERCISES = [
    SQLQuery(
        id="00.1",
        title="Count the users in each status",
        task=(
            "Return one row per user `status` with two columns, `status` and `users` (how many users "
            "have it), sorted by `status`. The table is `users`."
        ),
        reference="SELECT status, count(*) AS users FROM users GROUP BY status ORDER BY status",
        ordered=True,
        columns=True,
        hints=[
            "GROUP BY status gives one row per status; count(*) counts the rows of each group.",
            "The task names the columns: the count needs a name of its own (`AS ...`). And the rows "
            "come back in no particular order unless you ask for one.",
        ],
        wrong=[
            Wrong(
                "SELECT status, count(*) FROM users GROUP BY status ORDER BY status",
                says="Wrong column names",
                why="The count keeps PostgreSQL's default name `count`: the task names the column `users`.",
            ),
            Wrong(
                "SELECT status, count(*) AS users FROM users GROUP BY status ORDER BY users",
                says="wrong order",
                why="Sorted by the count instead of by status, as asked.",
            ),
            Wrong(
                "SELECT u.status, count(*) AS users FROM users u JOIN posts p ON p.author_id = u.id "
                "GROUP BY u.status ORDER BY u.status",
                says="Missing rows",
                why="A join with posts multiplies each user by their posts: it counts posts, not users.",
            ),
            Wrong(
                "SELECT status, count(DISTINCT status) AS users FROM users GROUP BY status ORDER BY status",
                says="Missing rows",
                why="count(DISTINCT status) is 1 in every group: it counts statuses, not users.",
            ),
        ],
        right=[
            "SELECT status, COUNT(id) AS users FROM users GROUP BY 1 ORDER BY 1",
            'SELECT u.status AS status, count(*) AS "users" FROM public.users AS u GROUP BY u.status ORDER BY status ASC',
            "SELECT count(*) AS users, status FROM users GROUP BY status ORDER BY status",
        ],
    ),
    MongoQuery(
        id="00.2",
        title="Find the big cancelled orders",
        task=(
            "Write the MongoDB filter (a Python dict) that matches the `orders` whose `status` is "
            "`'cancelled'` and whose `total` is greater than 500 (strictly).\n\n"
            "The check runs your filter on `nb00_orders`, a few dozen orders it writes for the purpose, "
            "some of them planted on the edges (a `note` field says which)."
        ),
        collection=ORDERS_COPY,
        setup=_orders_setup,
        cleanup=_orders_cleanup,
        reference={"status": "cancelled", "total": {"$gt": 500}},
        hints=[
            "Two conditions in one filter document are combined with AND.",
            "Comparison operators are nested documents: {'field': {'$operator': value}}. Which operator "
            "means *strictly* greater?",
        ],
        wrong=[
            Wrong(
                {"status": "cancelled", "total": {"$gte": 500}},
                says="edge: total exactly 500",
                why="$gte includes the boundary: 'greater than 500' is $gt.",
            ),
            Wrong(
                {"total": {"$gt": 500}},
                says="edge: completed, total 9999",
                why="The status condition is missing: completed orders match too.",
            ),
            Wrong(
                {"$or": [{"status": "cancelled"}, {"total": {"$gt": 500}}]},
                says="Unexpected documents",
                why="$or where the task says 'and': any cancelled order, or any big one.",
            ),
            Wrong(
                {"status": "cancelled", "total": {"$gt": "500"}},
                says="Missing documents",
                why="500 written as a string compares with strings only (BSON type order): no number matches.",
            ),
            Wrong(
                {"status": "canceled", "total": {"$gt": 500}},
                says="Missing documents",
                why="A misspelt status ('canceled') matches nothing: MongoDB never says the value does not exist.",
            ),
        ],
        right=[
            {"$and": [{"status": "cancelled"}, {"total": {"$gt": 500}}]},
            {"total": {"$gt": 500}, "status": {"$eq": "cancelled"}},
            {"status": {"$in": ["cancelled"]}, "total": {"$gt": 500, "$type": "number"}},
            [{"$match": {"status": "cancelled", "total": {"$gt": 500}}}],
        ],
    ),
    RedisTask(
        id="00.3",
        title="Count page views",
        task=(
            "In your own Redis database, count three views of the home page: the counter "
            "`page:home:views` must end at 3 and must not expire. Answer with a list of commands "
            "(or a function `def answer(r):`). Count, don't write the number: the check looks at the "
            "commands you send."
        ),
        reference=["INCR page:home:views", "INCR page:home:views", "INCR page:home:views"],
        expect=[persistent(COUNTER)],
        behaviour=[
            never(
                ("SET", "SETEX", "PSETEX", "MSET", "GETSET", "SETNX"),
                why="a counter is counted with INCR (or INCRBY), which adds atomically on the server; "
                "a read then a write loses the views two clients count at the same moment",
            ),
            uses(("INCR", "INCRBY", "INCRBYFLOAT"), why="count with INCR: the server must increment the counter"),
        ],
        hints=[
            "INCR adds one to a counter and creates it at 0 when it is missing.",
            "Each view is one command; how many views are there to count?",
        ],
        wrong=[
            Wrong(
                ["SET page:home:views 3"],
                says="a counter is counted with INCR",
                why="SET writes the final number: it does not count, and concurrent clients overwrite each other.",
            ),
            Wrong(
                ["INCR page:home:views", "INCR page:home:views"],
                says="page:home:views is '2'",
                why="Two views counted instead of three.",
            ),
            Wrong(
                ["INCR page:home:views"] * 3 + ["EXPIRE page:home:views 60"],
                says="should be persistent",
                why="A TTL makes the counter vanish: the task says it must not expire.",
            ),
            Wrong(
                ["INCR page:home:view"] * 3, says="Missing keys", why="A typo in the key name creates another counter."
            ),
            Wrong(
                lambda r: [r.set(COUNTER, int(r.get(COUNTER) or 0) + 1) for _ in range(3)],
                says="a counter is counted with INCR",
                why="A read-modify-write in Python: two clients reading the same value lose a view.",
            ),
        ],
        right=[
            ["INCRBY page:home:views 3"],
            [("INCR", "page:home:views")] * 3,
            lambda r: [r.incr(COUNTER) for _ in range(3)][-1],
        ],
    ),
]
