"""Exercises of notebook 00 · Get your four databases talking: one per kind, to learn the loop
(read the task, write an answer, check it, ask for a hint)."""
from __future__ import annotations

from ..mongodb import MongoQuery
from ..redisdb import RedisTask, persistent
from ..sql import SQLQuery

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
            "Name the count with AS users, and finish with ORDER BY status.",
        ],
    ),
    MongoQuery(
        id="00.2",
        title="Find the big cancelled orders",
        task=(
            "Write the MongoDB filter (a Python dict) that matches the `orders` whose `status` is "
            "`'cancelled'` and whose `total` is greater than 500."
        ),
        collection="orders",
        reference={"status": "cancelled", "total": {"$gt": 500}},
        hints=[
            "Two conditions in one filter document are combined with AND.",
            "Comparison operators are nested documents: {'total': {'$gt': 500}}.",
        ],
    ),
    RedisTask(
        id="00.3",
        title="Count page views",
        task=(
            "In your own Redis database, count three views of the home page: the counter "
            "`page:home:views` must end at 3 and must not expire. Answer with a list of commands."
        ),
        reference=["INCR page:home:views", "INCR page:home:views", "INCR page:home:views"],
        expect=[persistent("page:home:views")],
        hints=[
            "INCR adds one to a counter and creates it at 0 when it is missing.",
        ],
    ),
]
