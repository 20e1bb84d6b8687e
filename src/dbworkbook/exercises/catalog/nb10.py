"""Exercises of notebook 10 · Broadcast events with Redis Pub/Sub and deliver them reliably with Streams.

Each check runs in Redis database 10 (the notebook's own), on a clean database, and restores the
lesson's keys afterwards. Pub/Sub channels are server-wide: the exercises use `nb10:ex:*` channels.
"""
from __future__ import annotations

import json
import time

from ..redisdb import RedisTask

ALERTS = "nb10:ex:alerts"


def _round_trip(r):
    sub = r.pubsub()
    try:
        sub.subscribe(ALERTS)
        sub.get_message(timeout=2)                      # wait for the subscribe confirmation
        r.publish(ALERTS, json.dumps({"level": "warn", "msg": "disk 91%"}))
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            message = sub.get_message(ignore_subscribe_messages=True, timeout=0.1)
            if message and message["type"] == "message":
                return json.loads(message["data"])
        return None
    finally:
        sub.close()


def _billing(r):
    r.xgroup_create("payments", "billing", id="0")
    for _stream, entries in r.xreadgroup("billing", "worker-1", {"payments": ">"}, count=100):
        for entry_id, fields in entries:
            r.hincrby("totals", "sum", int(fields["amount"]))
            r.xack("payments", "billing", entry_id)
    return r.xpending("payments", "billing")["pending"]


def _crashed_consumer(r):
    r.xadd("jobs", {"job": "resize:1"}, id="1-0")
    r.xadd("jobs", {"job": "resize:2"}, id="2-0")
    r.xadd("jobs", {"job": "email:7"}, id="3-0")
    r.xgroup_create("jobs", "workers", id="0")
    r.xreadgroup("workers", "crashed", {"jobs": ">"}, count=2)     # ... and never acknowledges


def _rescue(r):
    _next, claimed, _deleted = r.xautoclaim("jobs", "workers", "rescuer", min_idle_time=0, start_id="0-0")
    for entry_id, fields in claimed:
        r.rpush("done", fields["job"])
        r.xack("jobs", "workers", entry_id)
    return [entry_id for entry_id, _ in claimed]


EXERCISES = [
    RedisTask(
        id="10.1",
        title="Round-trip an event through Pub/Sub",
        task=(
            f"Write `def answer(r):` that subscribes a `PubSub` (`r.pubsub()`) to `{ALERTS}`, waits until "
            "the subscription is confirmed, publishes the event `{\"level\": \"warn\", \"msg\": \"disk 91%\"}` "
            "as JSON on that channel, and returns the event **as the subscriber receives it, decoded** "
            "(a dict), or `None` if nothing arrives within 2 seconds. Close the `PubSub` at the end."
        ),
        reference=_round_trip,
        compare_return=True,
        hints=[
            "The first `get_message(timeout=...)` after `subscribe` returns the confirmation "
            "(`type` = `subscribe`): publish only after it.",
            "Loop on `get_message(ignore_subscribe_messages=True, timeout=0.1)` until a message of type "
            "`message` arrives; `json.loads(message['data'])` decodes it.",
        ],
    ),
    RedisTask(
        id="10.2",
        title="Sum payments with a consumer group",
        setup=["XADD payments 1-0 amount 10", "XADD payments 2-0 amount 25", "XADD payments 3-0 amount 7"],
        task=(
            "The stream `payments` holds three entries with an `amount` field. Write `def answer(r):` that "
            "creates the consumer group `billing` starting from the **first** entry, reads every entry as "
            "consumer `worker-1`, adds each amount to the field `sum` of the hash `totals`, acknowledges "
            "each entry after adding it, and returns the group's number of pending entries "
            "(`r.xpending('payments', 'billing')['pending']`)."
        ),
        reference=_billing,
        compare_return=True,
        hints=[
            "`r.xgroup_create('payments', 'billing', id='0')`: `0` means from the beginning, `$` only new entries.",
            "`r.xreadgroup('billing', 'worker-1', {'payments': '>'})` returns `[[stream, [(id, fields), ...]]]`.",
            "`r.hincrby('totals', 'sum', int(fields['amount']))`, then `r.xack('payments', 'billing', id)`.",
        ],
    ),
    RedisTask(
        id="10.3",
        title="Rescue a crashed consumer's entries",
        setup=_crashed_consumer,
        task=(
            "In the stream `jobs`, consumer `crashed` of group `workers` received two entries and died "
            "without acknowledging them; a third entry was never delivered. Write `def answer(r):` that, "
            "as consumer `rescuer`, claims every pending entry of the group (any idle time is fine here), "
            "processes each one by appending its `job` field to the list `done`, acknowledges it, and "
            "returns the list of claimed entry IDs. Leave the undelivered entry alone."
        ),
        reference=_rescue,
        compare_return=True,
        hints=[
            "`XAUTOCLAIM` transfers pending entries idle for at least `min_idle_time` ms and returns them.",
            "`r.xautoclaim('jobs', 'workers', 'rescuer', min_idle_time=0, start_id='0-0')` returns "
            "`[next_start, [(id, fields), ...], deleted_ids]`.",
            "`XREADGROUP … >` would hand out the *undelivered* entry instead: that is not a rescue.",
        ],
    ),
]
