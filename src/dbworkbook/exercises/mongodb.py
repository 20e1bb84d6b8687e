"""MongoDB exercises: a query compared by its documents, and a collection checked by its indexes.

    MongoQuery(id="06.1", title="...", task="...", collection="posts",
               reference=[{"$match": {...}}, {"$group": {...}}],   # a pipeline (list), or
               # reference={"status": "published"},                # a filter (dict), or
               # reference={"filter": {...}, "projection": {...}, "sort": [("at", -1)], "limit": 5},
               ordered=False, compare_id=None, tolerance=1e-6, must_use_index=False)

    MongoState(id="07.2", title="...", task="...", collection="nb07_users",
               setup=drop_indexes,                              # restore the starting state
               reference=lambda coll: coll.create_index("email", unique=True),
               expect=[mongo_index([("email", 1)], unique=True),
                       mongo_uses_index({"email": "ada@example.com"})])

A learner's answer has the same shape as the reference (a filter, a find spec or a pipeline;
a pipeline is always accepted). ``_id`` is compared only when ``compare_id=True``; by default
(None) an ``_id`` holding an ObjectId is ignored and any other ``_id`` (a $group key) is kept.

Index checks judge what the index *does*, as mongod would, not how it is spelled:

    mongo_serves({"userId": X}, sort=[("createdAt", -1)])   # an index finds the documents (IXSCAN),
                                                             # returns them in sort order (no blocking
                                                             # SORT), and examines few keys
    sort_served(key_pattern, filter, sort)                   # mongod's rule: equality-bound fields
                                                             # drop out, then the sort is a prefix of
                                                             # the rest, forward or all reversed
    normalize_filter(filter)                                 # mongod's own rewrites: {$in: [v]} -> v,
                                                             # {$eq: v} -> v, a top-level $and merged

Where the embedded server (SecantusDB) plans differently from mongod (it keeps a SORT stage after
any index walk, and it does not apply mongod's rewrites before choosing a partial index), the checks
accept what mongod serves and say what the embedded server does; "embedded?" is asked of the server
(``servers_info.mongo_embedded``), never guessed from the backend's name.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from dataclasses import dataclass, field

from ..plans.mongodb import INDEX_STAGES, MongoPlan
from . import compare
from .core import EMPTY_REFERENCE, AuthorError, Exercise, Feedback, db_error_lines, python_error_line, seconds

FIND_KEYS = {"filter", "projection", "sort", "limit", "skip"}


def is_find_spec(value) -> bool:
    return isinstance(value, dict) and "filter" in value and set(value) <= FIND_KEYS


def _sort_list(sort):
    if sort is None:
        return None
    if isinstance(sort, dict):
        return list(sort.items())
    if isinstance(sort, str):
        return [(sort, 1)]
    return [tuple(pair) for pair in sort]


def _shape(answer) -> tuple[str, dict]:
    """('pipeline', {pipeline}) or ('find', {filter, projection, sort, limit, skip})."""
    if isinstance(answer, (list, tuple)):
        if not all(isinstance(stage, dict) for stage in answer):
            raise Feedback('A pipeline is a list of stages, each a dict like {"$match": {...}}.')
        return "pipeline", {"pipeline": list(answer)}
    if is_find_spec(answer):
        spec = dict(answer)
        spec["sort"] = _sort_list(spec.get("sort"))
        return "find", spec
    if isinstance(answer, dict):
        return "find", {"filter": answer}
    kind = type(answer).__name__
    if kind in ("Cursor", "CommandCursor"):
        raise Feedback(
            "Pass the filter (a dict) or the pipeline (a list) itself, not the cursor find()/aggregate() returns."
        )
    raise Feedback(f"Your answer should be a filter (a dict) or a pipeline (a list), not {kind}.")


def _strip_id(doc, compare_id):
    if not isinstance(doc, dict) or "_id" not in doc or compare_id is True:
        return doc
    if compare_id is None and type(doc["_id"]).__name__ != "ObjectId":
        return doc
    return {k: v for k, v in doc.items() if k != "_id"}


def plan_stages(explain: dict) -> list[str]:
    """Every ``stage`` of every winning plan of an explain document (the plan model's ``all_stages``)."""
    return MongoPlan(explain).all_stages


def mongo_plan_problem(stages: list[str], required) -> list[str]:
    if required is True:
        if "COLLSCAN" in stages or not any(s in INDEX_STAGES for s in stages):
            return ["The plan is a COLLSCAN: no index serves this filter."]
        return []
    if required in stages:
        return []
    if "COLLSCAN" in stages:
        return [f"The plan is a COLLSCAN: no index serves this filter (no {required})."]
    return [f"The plan has no {required} stage (its stages: {', '.join(dict.fromkeys(stages)) or 'none'})."]


def _explain(db, collection: str, shape: str, spec: dict) -> list[str]:
    import pymongo.errors

    if shape == "pipeline":
        cmd = {"aggregate": collection, "pipeline": spec["pipeline"], "cursor": {}}
    else:
        cmd = {"find": collection, "filter": spec.get("filter") or {}}
        for key in ("projection", "limit", "skip"):
            if spec.get(key) is not None:
                cmd[key] = spec[key]
        if spec.get("sort"):
            from bson.son import SON

            cmd["sort"] = SON(spec["sort"])
    try:
        return plan_stages(db.command({"explain": cmd, "verbosity": "queryPlanner"}))
    except pymongo.errors.PyMongoError as exc:
        lines = db_error_lines(exc)
        raise Feedback("explain failed — MongoDB says: " + lines[0], *lines[1:]) from None


# --------------------------------------------------------------------------- meaning, not spelling
def _is_operator_doc(value) -> bool:
    return isinstance(value, dict) and bool(value) and all(str(k).startswith("$") for k in value)


def _single_value(cond):
    """(True, v) when ``cond`` pins a field to one value: v, {$eq: v} or {$in: [v]}."""
    import re as _re

    if isinstance(cond, _re.Pattern) or type(cond).__name__ == "Regex":
        return False, None
    if not _is_operator_doc(cond):
        return True, cond
    if set(cond) == {"$eq"}:
        return True, cond["$eq"]
    if set(cond) == {"$in"} and isinstance(cond["$in"], (list, tuple)) and len(cond["$in"]) == 1:
        inner = cond["$in"][0]
        if not (isinstance(inner, _re.Pattern) or type(inner).__name__ == "Regex"):
            return True, inner
    return False, None


def normalize_filter(filt: dict | None) -> dict:
    """The filter after mongod's own rewrites: a top-level ``$and`` merged into one document (when no
    field repeats), ``{$eq: v}`` and a single-element ``{$in: [v]}`` written as ``v``.

    mongod rewrites these before it plans (so a partial index on ``{status: "pending"}`` serves
    ``{status: {$in: ["pending"]}}``); the embedded server does not, so the checks re-ask it with this.
    """
    filt = dict(filt or {})
    merged: dict = {}
    parts = [filt]
    while parts:
        part = parts.pop(0)
        for key, cond in part.items():
            if key == "$and" and isinstance(cond, (list, tuple)) and all(isinstance(c, dict) for c in cond):
                parts.extend(cond)
                continue
            if key in merged:
                if _is_operator_doc(merged[key]) and _is_operator_doc(cond) and not set(merged[key]) & set(cond):
                    merged[key] = {**merged[key], **cond}
                    continue
                return filt  # the same field twice in another way: leave it as written
            merged[key] = cond
    out = {}
    for key, cond in merged.items():
        one, value = _single_value(cond) if not key.startswith("$") else (False, None)
        out[key] = value if one else cond
    return out


def equality_fields(filt: dict | None) -> set[str]:
    """The fields a filter pins to a single value (after mongod's rewrites)."""
    return {k for k, v in normalize_filter(filt).items() if not k.startswith("$") and _single_value(v)[0]}


def _sign(direction) -> int | None:
    try:
        value = float(direction)
    except (TypeError, ValueError):
        return None  # "text", "2dsphere", "hashed": no order
    return 1 if value > 0 else -1


def sort_served(key_pattern, filt: dict | None, sort) -> bool:
    """Does an index with ``key_pattern`` return ``find(filt)`` in ``sort`` order without a SORT stage?

    mongod's rule: the fields the filter pins to one value drop out of both the index and the sort;
    what is left of the sort must then be a prefix of what is left of the index, with every
    direction equal or every direction reversed (the index walked backward).
    """
    keys = list(key_pattern.items()) if isinstance(key_pattern, dict) else [tuple(k) for k in key_pattern]
    pinned = equality_fields(filt)
    base = [(f, _sign(d)) for f, d in keys if f not in pinned]
    want = [(f, _sign(d)) for f, d in (_sort_list(sort) or []) if f not in pinned]
    if not want:
        return True
    if len(want) > len(base) or any(d is None for _, d in base[: len(want)] + want):
        return False
    if [f for f, _ in base[: len(want)]] != [f for f, _ in want]:
        return False
    pairs = [(b, w) for (_, b), (_, w) in zip(base, want, strict=False) if b is not None and w is not None]
    forward = all(b == w for b, w in pairs)
    backward = all(b == -w for b, w in pairs)
    return forward or backward


def _filter_fields(filt: dict | None) -> set[str]:
    fields = set()
    for key, cond in normalize_filter(filt).items():
        if key in ("$and", "$or", "$nor") and isinstance(cond, (list, tuple)):
            for part in cond:
                fields |= _filter_fields(part) if isinstance(part, dict) else set()
        elif not key.startswith("$"):
            fields.add(key)
    return fields


def index_text(ix) -> str:
    """``name {a: 1, b: -1}`` for an index document from ``list_indexes()``."""
    return f"{ix['name']} {_key_text(ix['key'].items())}"


def _key_text(keys) -> str:
    return "{" + ", ".join(f"{k}: {v:g}" if isinstance(v, (int, float)) else f"{k}: {v}" for k, v in keys) + "}"


def explain_find(coll, filt: dict | None, sort=None, limit=None, hint=None) -> MongoPlan:
    """``explain("executionStats")`` of ``find(filt).sort(sort).limit(limit)`` on ``coll``: what a check
    needs is on the plan (``stages``, ``ixscans``, ``collscan``, ``sorts_in_memory``, the counts)."""
    import pymongo.errors
    from bson.son import SON

    cmd: dict = {"find": coll.name, "filter": filt or {}}
    if sort:
        cmd["sort"] = SON(_sort_list(sort))
    if limit:
        cmd["limit"] = int(limit)
    if hint is not None:
        cmd["hint"] = hint
    try:
        return MongoPlan(coll.database.command({"explain": cmd, "verbosity": "executionStats"}))
    except pymongo.errors.PyMongoError as exc:
        lines = db_error_lines(exc)
        raise Feedback("explain failed — MongoDB says: " + lines[0], *lines[1:]) from None


def server_is_embedded(db) -> bool:
    """True on the embedded SecantusDB (asked of the server: its buildInfo), False on mongod."""
    from ..servers_info import mongo_embedded

    try:
        return bool(mongo_embedded(db))
    except Exception:
        return False


EMBEDDED_SORT_NOTE = (
    "(The embedded server, SecantusDB, keeps a SORT stage after every index walk; "
    "this check judges the index as mongod uses it.)"
)
EMBEDDED_REWRITE_NOTE = (
    "(mongod rewrites {$in: [v]}, {$eq: v} and a top-level $and before it plans; "
    "the embedded server, SecantusDB, does not, and scans the collection: this check "
    "accepts what mongod serves.)"
)

# The indexes the learner's answer created (MongoState records them): feedback names them.
_ANSWER_INDEXES: contextvars.ContextVar = contextvars.ContextVar("dbwb_answer_indexes", default=None)


def learner_indexes(coll) -> list[dict]:
    """The indexes the learner's answer created on ``coll`` (all but ``_id_`` outside a MongoState)."""
    names = _ANSWER_INDEXES.get()
    indexes = [ix for ix in coll.list_indexes() if ix["name"] != "_id_"]
    if names is None:
        return indexes
    return [ix for ix in indexes if ix["name"] in names]


def _usable(ix, filt) -> bool:
    """Could mongod's planner use index ``ix`` for ``filt``? Its first key is constrained by the
    filter, and a partial index's condition is guaranteed by the filter (equalities only)."""
    norm = normalize_filter(filt)
    first = next(iter(ix["key"]))
    if first not in _filter_fields(norm) or _sign(ix["key"][first]) is None:
        return False
    pfe = ix.get("partialFilterExpression")
    if pfe:
        return all(k in norm and _single_value(norm[k]) == (True, v) for k, v in normalize_filter(pfe).items())
    return not ix.get("sparse")


def _why_not_used(ix, filt, sort) -> str:
    """Why the planner cannot use index ``ix`` for ``find(filt)`` (a reason about that index)."""
    fields = list(ix["key"].keys())
    used = _filter_fields(filt)
    sort_fields = [f for f, _ in (_sort_list(sort) or [])]
    pfe = ix.get("partialFilterExpression")
    if fields[0] not in used:
        role = "only sorts" if fields[0] in sort_fields else "does not mention"
        return (
            f"Index {index_text(ix)} starts with {fields[0]}, which the filter {role}: an index finds "
            f"documents only through its leading key(s), so put the filter's equality field(s) first."
        )
    if pfe:
        return (
            f"Index {index_text(ix)} is partial ({compare.fmt_doc(dict(pfe))}): the planner uses it only "
            "when the filter guarantees that condition."
        )
    return f"The planner did not choose index {index_text(ix)} (the plan is a COLLSCAN)."


@dataclass
class mongo_serves:
    """``find(filter).sort(sort).limit(limit)`` is served by an index, as mongod would run it.

    Judges behaviour: an index finds the documents (IXSCAN, no COLLSCAN); with ``sort`` and
    ``in_order=True`` the index also returns them in that order (no blocking SORT: on mongod read from
    the plan; on the embedded server, which keeps a SORT stage after every index walk, by mongod's
    rule :func:`sort_served`); with ``max_keys_per_doc`` the scan examines at most that many keys per
    document returned (plus ``key_slack``). Feedback names the learner's own index.
    """

    filter: dict | None = None
    sort: list | None = None
    limit: int | None = None
    in_order: bool = True
    max_keys_per_doc: float | None = None
    key_slack: int = 2
    what: str = ""  # how the task names the query ("the order history")

    def _query(self) -> str:
        text = f"find({compare.fmt_doc(self.filter or {})})"
        if self.sort:
            text += f".sort({_key_text(_sort_list(self.sort))})"
        if self.limit:
            text += f".limit({self.limit})"
        return self.what or text

    def _as_mongod_would(self, coll, mine, plan):
        """The embedded server scanned where mongod would use an index: its planner skips indexes
        mongod chooses (e.g. a sort walked backward) and mongod's rewrites ({$in: [v]}, $and).
        Plan the normalised filter, then each of the learner's indexes mongod could use (hinted)."""
        filt = normalize_filter(self.filter)
        if filt != dict(self.filter or {}):
            plan = explain_find(coll, filt, self.sort, self.limit)
            if not plan.collscan:
                return plan
        for ix in mine:
            if _usable(ix, filt):
                hinted = explain_find(coll, filt, self.sort, self.limit, hint=ix["name"])
                if not hinted.collscan:
                    return hinted
        return plan

    def verify(self, coll) -> str | None:
        embedded = server_is_embedded(coll.database)
        mine = learner_indexes(coll)
        try:
            plan = explain_find(coll, self.filter, self.sort, self.limit)
            if plan.collscan and embedded:
                plan = self._as_mongod_would(coll, mine, plan)
        except Feedback as exc:
            return exc.lines[0]
        query = self._query()
        if plan.collscan:
            if not mine:
                now = "; ".join(index_text(ix) for ix in coll.list_indexes())
                return f"{query} is a COLLSCAN: no index serves it, and your answer created none (indexes now: {now})."
            return f"{query} is a COLLSCAN: no index serves it. " + " ".join(
                _why_not_used(ix, self.filter, self.sort) for ix in mine
            )
        by_name = {ix["name"]: ix for ix in coll.list_indexes()}
        used = [by_name[n] for n in plan.index_names if n in by_name]
        used_text = ", ".join(index_text(ix) for ix in used) or ", ".join(plan.index_names)
        if self.sort and self.in_order:
            if embedded:
                in_order = bool(used) and all(sort_served(ix["key"], self.filter, self.sort) for ix in used)
            else:
                in_order = not plan.sorts_in_memory
            if not in_order:
                return (
                    f"Index {used_text} finds the documents of {query}, but not in the sort's order "
                    f"{_key_text(_sort_list(self.sort))}: MongoDB sorts them in memory (a blocking SORT "
                    "stage). After the fields the filter pins with equality, the index must continue "
                    "with the sort fields, in the sort's directions or all of them reversed."
                    + ("" if not embedded else " " + EMBEDDED_SORT_NOTE)
                )
        if self.max_keys_per_doc is not None:
            allowed = self.max_keys_per_doc * max(plan.returned, 1) + self.key_slack
            if plan.keys_examined > allowed:
                return (
                    f"Index {used_text} serves {query}, but the scan examines {plan.keys_examined:,} keys "
                    f"to return {plan.returned:,} documents: its leading keys do not narrow the scan "
                    "to the matching documents: put the equality field(s) first."
                )
        return None


@dataclass(kw_only=True, repr=False)
class MongoQuery(Exercise):
    """A query exercise: the learner's documents must mean the same as the reference's."""

    collection: str
    database: str | None = None  # default: the workbook database
    ordered: bool = False
    compare_id: bool | None = None
    tolerance: float = compare.DEFAULT_TOLERANCE
    timeout: float = 30.0
    must_use_index: bool | str = False  # True, or a stage such as "IXSCAN"
    allow_empty: bool = False  # the reference may return no documents
    setup: Callable | None = None  # setup(db): plant edge cases (rows on a boundary, ties)...
    cleanup: Callable | None = None  # cleanup(db): ...and remove them (runs even on failure)

    kind = "mongo-query"
    answer_noun = "filter or pipeline"

    def _db(self):
        from .. import connect

        return connect.mongo(self.database) if self.database else connect.mongo()

    def run(self, db, answer) -> list[dict]:
        import pymongo.errors

        shape, spec = _shape(answer)
        coll = db[self.collection]
        ms = int(self.timeout * 1000)
        try:
            if shape == "pipeline":
                docs = list(coll.aggregate(spec["pipeline"], maxTimeMS=ms))
            else:
                cursor = coll.find(spec.get("filter") or {}, spec.get("projection"), max_time_ms=ms)
                if spec.get("sort"):
                    cursor = cursor.sort(spec["sort"])
                if spec.get("skip"):
                    cursor = cursor.skip(int(spec["skip"]))
                if spec.get("limit"):
                    cursor = cursor.limit(int(spec["limit"]))
                docs = list(cursor)
        except pymongo.errors.ExecutionTimeout:
            raise Feedback(f"Your query ran longer than {seconds(self.timeout)} (time limit).") from None
        except (pymongo.errors.PyMongoError, TypeError, ValueError) as exc:
            lines = db_error_lines(exc)
            raise Feedback("MongoDB says: " + lines[0], *lines[1:]) from None
        return [_strip_id(d, self.compare_id) for d in docs]

    def _evaluate(self, answer) -> list[str]:
        db = self._db()
        if self.setup is not None:
            try:
                self.setup(db)
            except Exception as exc:
                raise AuthorError("setup failed: " + python_error_line(exc)) from None
        try:
            return self._compare(db, answer)
        finally:
            if self.cleanup is not None:
                self.cleanup(db)

    def _compare(self, db, answer) -> list[str]:
        try:
            expected = self.run(db, self.reference)
        except Feedback as exc:
            raise AuthorError(*exc.lines) from None
        if not expected and not self.allow_empty:
            raise AuthorError(EMPTY_REFERENCE)
        shape, spec = _shape(answer)
        actual = self.run(db, answer)
        lines = compare_docs(expected, actual, ordered=self.ordered, tol=self.tolerance)
        if lines or not self.must_use_index:
            return lines
        problem = mongo_plan_problem(_explain(db, self.collection, shape, spec), self.must_use_index)
        if (
            problem
            and shape == "find"
            and normalize_filter(spec.get("filter")) != dict(spec.get("filter") or {})
            and server_is_embedded(db)
        ):
            # mongod rewrites {$in: [v]}, {$eq: v} and a top-level $and before it plans (a partial
            # index then serves them); the embedded server does not: judge the query as mongod runs it.
            again = mongo_plan_problem(
                _explain(db, self.collection, shape, {**spec, "filter": normalize_filter(spec.get("filter"))}),
                self.must_use_index,
            )
            problem = again and [problem[0] + " " + EMBEDDED_REWRITE_NOTE]
        if problem and shape == "find":
            problem = problem + self._index_reasons(db, spec)
        return problem

    def _index_reasons(self, db, spec) -> list[str]:
        """Why each index that could matter does not serve the learner's filter (partial, leading key)."""
        filt = spec.get("filter") or {}
        reasons = []
        for ix in db[self.collection].list_indexes():
            if ix["name"] == "_id_":
                continue
            pfe = ix.get("partialFilterExpression")
            if pfe and next(iter(ix["key"])) in _filter_fields(filt):
                implied = all(
                    k in normalize_filter(filt) and _single_value(normalize_filter(filt)[k]) == (True, v)
                    for k, v in normalize_filter(pfe).items()
                )
                if not implied:
                    reasons.append(
                        f"Index {index_text(ix)} is partial ({compare.fmt_doc(dict(pfe))}): the planner "
                        "uses it only when your filter guarantees that condition "
                        f"(your filter: {compare.fmt_doc(dict(filt))})."
                    )
        return reasons


def compare_docs(expected: list, actual: list, *, ordered=False, tol=compare.DEFAULT_TOLERANCE) -> list[str]:
    return compare.describe_difference(
        expected,
        actual,
        [compare.canon(d) for d in expected],
        [compare.canon(d) for d in actual],
        fmt=compare.fmt_doc,
        noun="document",
        ordered=ordered,
        tol=tol,
    )


# --------------------------------------------------------------------------- the state kind
def drop_indexes(coll) -> None:
    """A ``setup`` for index exercises: drop every index but ``_id``."""
    coll.drop_indexes()


@dataclass(kw_only=True, repr=False)
class MongoState(Exercise):
    """The learner's function ``answer(coll)`` runs on the collection; predicates check the result."""

    collection: str
    database: str | None = None
    setup: Callable | None = None  # a function setup(coll) restoring the starting state
    expect: list = field(default_factory=list)

    kind = "mongo-state"
    answer_noun = "code"

    def _evaluate(self, answer) -> list[str]:
        import pymongo.errors

        from .. import connect

        if not callable(answer):
            return [
                f"Your answer should be a function: def answer(coll): ... (coll is the collection {self.collection})."
            ]
        db = connect.mongo(self.database) if self.database else connect.mongo()
        coll = db[self.collection]
        if self.setup is not None:
            try:
                self.setup(coll)
            except Exception as exc:
                raise AuthorError("setup failed: " + python_error_line(exc)) from None
        try:
            before = {ix["name"] for ix in coll.list_indexes()}
        except pymongo.errors.PyMongoError:
            before = set()
        try:
            answer(coll)
        except pymongo.errors.PyMongoError as exc:
            lines = db_error_lines(exc)
            return ["MongoDB says: " + lines[0], *lines[1:]]
        except Exception as exc:
            return ["Your function raised " + python_error_line(exc)]
        # Predicates name the indexes this answer created (learner_indexes), never older ones.
        created = {ix["name"] for ix in coll.list_indexes()} - before - {"_id_"}
        token = _ANSWER_INDEXES.set(created)
        try:
            return [p for p in (pred.verify(coll) for pred in self.expect) if p]
        finally:
            _ANSWER_INDEXES.reset(token)


@dataclass
class mongo_index:
    """An index with these ``keys`` (in order) and options exists on the collection."""

    keys: list | dict | str
    unique: bool | None = None
    sparse: bool | None = None
    partial: bool | dict | None = None  # True, or the exact partialFilterExpression
    ttl: int | bool | None = None  # expireAfterSeconds (True: any TTL)
    leading: bool = False  # True: an index that starts with these keys also counts
    mirrored: bool = False  # True: every direction reversed also counts

    def _wanted(self):
        if isinstance(self.keys, str):
            return [(self.keys, 1)]
        if isinstance(self.keys, dict):
            return list(self.keys.items())
        return [tuple(k) if not isinstance(k, str) else (k, 1) for k in self.keys]

    def _keys_match(self, ix) -> bool:
        wanted = [(k, _sign(v) if _sign(v) is not None else v) for k, v in self._wanted()]
        have = [(k, _sign(v) if _sign(v) is not None else v) for k, v in ix["key"].items()]
        if self.leading:
            have = have[: len(wanted)]
        if have == wanted:
            return True
        flipped = [(k, -v if isinstance(v, int) else v) for k, v in wanted]
        return self.mirrored and have == flipped

    def verify(self, coll) -> str | None:
        indexes = list(coll.list_indexes())
        candidates = [ix for ix in indexes if self._keys_match(ix)]
        problems = []
        for ix in candidates:
            problem = self._mismatch(ix)
            if problem is None:
                return None
            problems.append(problem)
        if problems:
            return problems[0]
        now = "; ".join(index_text(ix) for ix in indexes)
        opts = ", ".join(
            f"{k}={v}"
            for k, v in (("unique", self.unique), ("sparse", self.sparse), ("partial", self.partial), ("ttl", self.ttl))
            if v not in (None, False)
        )
        wanted_fields = [k for k, _ in self._wanted()]
        near = [ix for ix in indexes if ix["name"] != "_id_" and sorted(ix["key"]) == sorted(wanted_fields)]
        lines = (
            f"Missing an index {_key_text(self._wanted())}{' with ' + opts if opts else ''} on "
            f"{coll.name}. Indexes now: {now}."
        )
        for ix in near[:1]:
            lines += (
                f" Index {index_text(ix)} has the right fields but in another order or direction: "
                "order and direction are part of an index's meaning."
            )
        return lines

    def _mismatch(self, ix) -> str | None:
        name = f"Index {ix['name']} has the right keys but"
        if self.unique is not None and bool(ix.get("unique")) != self.unique:
            return f"{name} is {'not ' if self.unique else ''}unique."
        if self.sparse is not None and bool(ix.get("sparse")) != self.sparse:
            return f"{name} is {'not ' if self.sparse else ''}sparse."
        pfe = ix.get("partialFilterExpression")
        if self.partial is True and not pfe:
            return f"{name} is not partial (no partialFilterExpression)."
        if self.partial is False and pfe:
            return f"{name} is partial; expected a full index."
        if isinstance(self.partial, dict) and compare.canon(pfe or {}) != compare.canon(self.partial):
            return f"{name} has partialFilterExpression {compare.fmt_doc(dict(pfe or {}))}; expected {compare.fmt_doc(self.partial)}."
        ttl = ix.get("expireAfterSeconds")
        if self.ttl is True and ttl is None:
            return f"{name} is not a TTL index (no expireAfterSeconds)."
        if self.ttl not in (None, True, False) and ttl != self.ttl:
            return f"{name} has expireAfterSeconds={ttl}; expected {self.ttl}."
        return None


@dataclass
class mongo_uses_index:
    """``find(filter).sort(sort)`` (or ``pipeline``) is served by an index (no COLLSCAN)."""

    filter: dict | None = None
    sort: list | None = None
    pipeline: list | None = None
    stage: str | None = None

    def verify(self, coll) -> str | None:
        spec: dict
        if self.pipeline is not None:
            shape, spec = "pipeline", {"pipeline": self.pipeline}
        else:
            shape, spec = "find", {"filter": self.filter or {}, "sort": _sort_list(self.sort)}
        try:
            stages = _explain(coll.database, coll.name, shape, spec)
            problem = mongo_plan_problem(stages, self.stage or True)
            if (
                problem
                and shape == "find"
                and normalize_filter(spec["filter"]) != spec["filter"]
                and server_is_embedded(coll.database)
            ):
                # mongod rewrites {$in: [v]}, {$eq: v} and $and before planning; SecantusDB does not.
                retry = mongo_plan_problem(
                    _explain(coll.database, coll.name, shape, {**spec, "filter": normalize_filter(spec["filter"])}),
                    self.stage or True,
                )
                problem = retry and [problem[0] + " " + EMBEDDED_REWRITE_NOTE]
        except Feedback as exc:
            return exc.lines[0]
        return problem[0] if problem else None


@dataclass
class mongo_holds:
    """``test(coll)`` returns true; ``message`` says what is wrong otherwise."""

    test: Callable
    message: str

    def verify(self, coll) -> str | None:
        try:
            return None if self.test(coll) else self.message
        except Exception as exc:
            return f"{self.message} ({python_error_line(exc)})"


__all__ = [
    "MongoQuery",
    "MongoState",
    "drop_indexes",
    "equality_fields",
    "explain_find",
    "is_find_spec",
    "learner_indexes",
    "mongo_holds",
    "mongo_index",
    "mongo_serves",
    "mongo_uses_index",
    "normalize_filter",
    "server_is_embedded",
    "sort_served",
]
