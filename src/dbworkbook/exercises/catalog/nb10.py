"""Exercises of notebook 10 · Broadcast events with Redis Pub/Sub and deliver them reliably with Streams.

Each check runs in Redis database 10 (the notebook's own), on a clean database, and restores the
lesson's keys afterwards. Pub/Sub channels are server-wide: the exercises use `nb10:ex:*` channels.
A stream's state, as the checks compare it, includes its consumer groups (pending count, last
delivered ID), so an entry left unacknowledged shows. Beside each exercise: its red-team data.
"""

from __future__ import annotations

import json
import time

from ..core import Wrong
from ..redisdb import RedisTask, uses

ALERTS = "nb10:ex:alerts"
ALERT = {"level": "warn", "msg": "disk 91%"}


def _round_trip(r):
    sub = r.pubsub()
    try:
        sub.subscribe(ALERTS)
        sub.get_message(timeout=2)  # wait for the subscribe confirmation
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
    r.xreadgroup("workers", "crashed", {"jobs": ">"}, count=2)  # ... and never acknowledges


def _rescue(r):
    _next, claimed, _deleted = r.xautoclaim("jobs", "workers", "rescuer", min_idle_time=0, start_id="0-0")
    for entry_id, fields in claimed:
        r.rpush("done", fields["job"])
        r.xack("jobs", "workers", entry_id)
    return [entry_id for entry_id, _ in claimed]


# ---------------------------------------------------------------- 10.1 red team
def _publish_first(r):
    sub = r.pubsub()
    try:
        r.publish(ALERTS, json.dumps(ALERT))  # nobody listens yet: the message is gone
        sub.subscribe(ALERTS)
        message = sub.get_message(ignore_subscribe_messages=True, timeout=1)
        message = message or sub.get_message(ignore_subscribe_messages=True, timeout=1)
        return json.loads(message["data"]) if message else None
    finally:
        sub.close()


def _raw_text(r):
    sub = r.pubsub(ignore_subscribe_messages=True)
    try:
        sub.subscribe(ALERTS)
        while r.pubsub_numsub(ALERTS)[0][1] == 0:
            time.sleep(0.01)
        r.publish(ALERTS, json.dumps(ALERT))
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            message = sub.get_message(timeout=0.1)
            if message:
                return message["data"]  # the JSON text, not decoded
        return None
    finally:
        sub.close()


def _the_confirmation(r):
    sub = r.pubsub()
    try:
        sub.subscribe(ALERTS)
        r.publish(ALERTS, json.dumps(ALERT))
        return sub.get_message(timeout=2)  # the subscribe confirmation, not the event
    finally:
        sub.close()


def _wrong_channel(r):
    sub = r.pubsub()
    try:
        sub.subscribe("nb10:ex:alert")
        sub.get_message(timeout=2)
        r.publish(ALERTS, json.dumps(ALERT))
        message = sub.get_message(ignore_subscribe_messages=True, timeout=1)
        return json.loads(message["data"]) if message else None
    finally:
        sub.close()


def _numsub_then_listen(r):
    sub = r.pubsub()
    try:
        sub.subscribe(ALERTS)
        while r.pubsub_numsub(ALERTS)[0][1] == 0:  # subscribed, as the server sees it
            time.sleep(0.01)
        r.publish(ALERTS, json.dumps(ALERT))
        for message in sub.listen():
            if message["type"] == "message":
                return json.loads(message["data"])
    finally:
        sub.close()


def _handler_thread(r):
    received = []
    sub = r.pubsub()
    sub.subscribe(**{ALERTS: lambda message: received.append(json.loads(message["data"]))})
    thread = sub.run_in_thread(sleep_time=0.01)
    try:
        deadline = time.monotonic() + 2
        while r.pubsub_numsub(ALERTS)[0][1] == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        r.publish(ALERTS, json.dumps(ALERT))
        while not received and time.monotonic() < deadline:
            time.sleep(0.01)
        return received[0] if received else None
    finally:
        thread.stop()
        thread.join(timeout=2)
        sub.close()


# ---------------------------------------------------------------- 10.2 red team
def _billing_new_entries_only(r):
    r.xgroup_create("payments", "billing", id="$")
    for _stream, entries in r.xreadgroup("billing", "worker-1", {"payments": ">"}, count=100):
        for entry_id, fields in entries:
            r.hincrby("totals", "sum", int(fields["amount"]))
            r.xack("payments", "billing", entry_id)
    return r.xpending("payments", "billing")["pending"]


def _billing_no_ack(r):
    r.xgroup_create("payments", "billing", id="0")
    for _stream, entries in r.xreadgroup("billing", "worker-1", {"payments": ">"}, count=100):
        for _entry_id, fields in entries:
            r.hincrby("totals", "sum", int(fields["amount"]))
    return r.xpending("payments", "billing")["pending"]


def _billing_without_the_group(r):
    r.xgroup_create("payments", "billing", id="0")
    for _stream, entries in r.xread({"payments": "0"}, count=100):
        for _entry_id, fields in entries:
            r.hincrby("totals", "sum", int(fields["amount"]))
    return r.xpending("payments", "billing")["pending"]


def _billing_one_entry(r):
    r.xgroup_create("payments", "billing", id="0")
    for _stream, entries in r.xreadgroup("billing", "worker-1", {"payments": ">"}, count=1):
        for entry_id, fields in entries:
            r.hincrby("totals", "sum", int(fields["amount"]))
            r.xack("payments", "billing", entry_id)
    return r.xpending("payments", "billing")["pending"]


def _billing_one_at_a_time(r):
    r.xgroup_create("payments", "billing", "0")
    while reply := r.xreadgroup("billing", "worker-1", {"payments": ">"}, count=1):
        [[_stream, [(entry_id, fields)]]] = reply
        r.hincrby("totals", "sum", int(fields["amount"]))
        r.xack("payments", "billing", entry_id)
    return r.xpending("payments", "billing")["pending"]


def _billing_atomic_per_entry(r):
    r.xgroup_create("payments", "billing", id="0", mkstream=False)
    [[_stream, entries]] = r.xreadgroup("billing", "worker-1", {"payments": ">"})
    for entry_id, fields in entries:
        with r.pipeline(transaction=True) as pipe:  # add and acknowledge together
            pipe.hincrby("totals", "sum", int(fields["amount"]))
            pipe.xack("payments", "billing", entry_id)
            pipe.execute()
    return r.xpending("payments", "billing")["pending"]


# ---------------------------------------------------------------- 10.3 red team
def _rescue_new_entries(r):
    reply = r.xreadgroup("workers", "rescuer", {"jobs": ">"}, count=10)
    taken = reply[0][1] if reply else []
    for entry_id, fields in taken:
        r.rpush("done", fields["job"])
        r.xack("jobs", "workers", entry_id)
    return [entry_id for entry_id, _ in taken]


def _rescue_without_ack(r):
    _next, claimed, _deleted = r.xautoclaim("jobs", "workers", "rescuer", min_idle_time=0, start_id="0-0")
    for _entry_id, fields in claimed:
        r.rpush("done", fields["job"])
    return [entry_id for entry_id, _ in claimed]


def _rescue_too_idle(r):
    _next, claimed, _deleted = r.xautoclaim("jobs", "workers", "rescuer", min_idle_time=60_000, start_id="0-0")
    for entry_id, fields in claimed:
        r.rpush("done", fields["job"])
        r.xack("jobs", "workers", entry_id)
    return [entry_id for entry_id, _ in claimed]


def _rescue_everything(r):
    entries = r.xrange("jobs")
    for entry_id, fields in entries:
        r.rpush("done", fields["job"])
        r.xack("jobs", "workers", entry_id)
    return [entry_id for entry_id, _ in entries]


def _rescue_with_xclaim(r):
    pending = r.xpending_range("jobs", "workers", min="-", max="+", count=100)
    ids = [p["message_id"] for p in pending]
    claimed = r.xclaim("jobs", "workers", "rescuer", min_idle_time=0, message_ids=ids) if ids else []
    for entry_id, fields in claimed:
        r.rpush("done", fields["job"])
        r.xack("jobs", "workers", entry_id)
    return [entry_id for entry_id, _ in claimed]


def _rescue_in_pages(r):
    rescued, start = [], "0-0"
    while True:
        start, claimed, _deleted = r.xautoclaim("jobs", "workers", "rescuer", 0, start_id=start, count=1)
        for entry_id, fields in claimed:
            r.rpush("done", fields["job"])
            r.xack("jobs", "workers", entry_id)
            rescued.append(entry_id)
        if start == "0-0":
            return rescued


EXERCISES = [
    RedisTask(
        id="10.1",
        title="Round-trip an event through Pub/Sub",
        task=(
            f"Write `def answer(r):` that subscribes a `PubSub` (`r.pubsub()`) to `{ALERTS}`, waits until "
            'the subscription is confirmed, publishes the event `{"level": "warn", "msg": "disk 91%"}` '
            "as JSON on that channel, and returns the event **as the subscriber receives it, decoded** "
            "(a dict), or `None` if nothing arrives within 2 seconds. Close the `PubSub` at the end."
        ),
        reference=_round_trip,
        compare_return=True,
        expect=[
            uses("SUBSCRIBE", why="the event must reach a subscriber of the channel"),
            uses("PUBLISH", why="the event is sent with PUBLISH"),
        ],
        hints=[
            "The first `get_message(timeout=...)` after `subscribe` returns the confirmation "
            "(`type` = `subscribe`): publish only after it.",
            "Then loop on `get_message(ignore_subscribe_messages=True, timeout=0.1)` until a message of type "
            "`message` arrives, and decode its `data` (it is the JSON text you published).",
        ],
        wrong=[
            Wrong(
                _publish_first,
                says="Your answer returned None",
                why="Publishes before subscribing: Pub/Sub keeps nothing, the event is lost.",
            ),
            Wrong(
                _raw_text, says='Your answer returned \'{"level"', why="Returns the JSON text instead of decoding it."
            ),
            Wrong(_the_confirmation, says="'type': 'subscribe'", why="Takes the subscribe confirmation for the event."),
            Wrong(
                _wrong_channel,
                says="Your answer returned None",
                why="Subscribes to a different channel name (channels match exactly).",
            ),
        ],
        right=[_numsub_then_listen, _handler_thread],
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
        expect=[
            uses(
                "XREADGROUP",
                why="only a read through the group (XREADGROUP) is tracked and can be "
                "acknowledged; XREAD and XRANGE bypass the group",
            )
        ],
        hints=[
            "`r.xgroup_create('payments', 'billing', id='0')`: `0` means from the beginning, `$` only new entries.",
            "`r.xreadgroup('billing', 'worker-1', {'payments': '>'})` returns `[[stream, [(id, fields), ...]]]`.",
            "Per entry: add its amount to the hash field with `HINCRBY` (the fields are strings: convert the "
            "amount), then acknowledge the entry's ID with `XACK`.",
        ],
        wrong=[
            Wrong(
                _billing_new_entries_only,
                says="Missing keys",
                why="Creates the group at `$`: it only sees entries added later, so nothing is summed.",
            ),
            Wrong(
                _billing_no_ack,
                says="Your answer returned 3; expected 0",
                why="Forgets XACK: every entry stays pending and would be redelivered.",
            ),
            Wrong(
                _billing_without_the_group,
                says="never sent XREADGROUP",
                why="Reads with XREAD: the group never delivers anything, so nothing can be acknowledged.",
            ),
            Wrong(_billing_one_entry, says="totals is hash", why="Reads one entry (COUNT 1) and stops."),
        ],
        right=[_billing_one_at_a_time, _billing_atomic_per_entry],
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
        wrong=[
            Wrong(
                _rescue_new_entries,
                says="Your answer returned ['3-0']",
                why="XREADGROUP > hands out the undelivered entry; the crashed consumer's stay pending.",
            ),
            Wrong(
                _rescue_without_ack,
                says="jobs is stream",
                why="Processes the entries but never acknowledges them: they stay pending.",
            ),
            Wrong(
                _rescue_too_idle,
                says="Your answer returned []",
                why="A production idle threshold (60 s): the entries are not idle long enough to be claimed.",
            ),
            Wrong(
                _rescue_everything,
                says="Your answer returned ['1-0', '2-0', '3-0']",
                why="Walks the whole stream with XRANGE: processes the undelivered entry too.",
            ),
        ],
        right=[_rescue_with_xclaim, _rescue_in_pages],
    ),
]
