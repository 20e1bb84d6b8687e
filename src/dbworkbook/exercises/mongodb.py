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
"""
from __future__ import annotations

from dataclasses import dataclass, field

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
            raise Feedback("A pipeline is a list of stages, each a dict like {\"$match\": {...}}.")
        return "pipeline", {"pipeline": list(answer)}
    if is_find_spec(answer):
        spec = dict(answer)
        spec["sort"] = _sort_list(spec.get("sort"))
        return "find", spec
    if isinstance(answer, dict):
        return "find", {"filter": answer}
    kind = type(answer).__name__
    if kind in ("Cursor", "CommandCursor"):
        raise Feedback("Pass the filter (a dict) or the pipeline (a list) itself, not the cursor find()/aggregate() returns.")
    raise Feedback(f"Your answer should be a filter (a dict) or a pipeline (a list), not {kind}.")


def _strip_id(doc, compare_id):
    if not isinstance(doc, dict) or "_id" not in doc or compare_id is True:
        return doc
    if compare_id is None and type(doc["_id"]).__name__ != "ObjectId":
        return doc
    return {k: v for k, v in doc.items() if k != "_id"}


def plan_stages(explain: dict) -> list[str]:
    """Every ``stage`` under any ``winningPlan`` of an explain document."""
    stages: list[str] = []

    def walk(node, in_plan=False):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "stage" and in_plan and isinstance(value, str):
                    stages.append(value)
                walk(value, in_plan or key in ("winningPlan", "queryPlan"))
        elif isinstance(node, list):
            for item in node:
                walk(item, in_plan)

    walk(explain)
    return stages


def mongo_plan_problem(stages: list[str], required) -> list[str]:
    if required is True:
        if "COLLSCAN" in stages or not any(s in ("IXSCAN", "COUNT_SCAN", "DISTINCT_SCAN", "EXPRESS_IXSCAN", "IDHACK", "EXPRESS_IDHACK") for s in stages):
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


@dataclass(kw_only=True, repr=False)
class MongoQuery(Exercise):
    """A query exercise: the learner's documents must mean the same as the reference's."""

    collection: str
    database: str | None = None         # default: the workbook database
    ordered: bool = False
    compare_id: bool | None = None
    tolerance: float = compare.DEFAULT_TOLERANCE
    timeout: float = 30.0
    must_use_index: bool | str = False  # True, or a stage such as "IXSCAN"
    allow_empty: bool = False           # the reference may return no documents
    setup: object = None                # setup(db): plant edge cases (rows on a boundary, ties)...
    cleanup: object = None              # cleanup(db): ...and remove them (runs even on failure)

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
            except Exception as exc:  # noqa: BLE001 - a broken declaration
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
        return mongo_plan_problem(_explain(db, self.collection, shape, spec), self.must_use_index)


def compare_docs(expected: list, actual: list, *, ordered=False, tol=compare.DEFAULT_TOLERANCE) -> list[str]:
    return compare.describe_difference(
        expected, actual, [compare.canon(d) for d in expected], [compare.canon(d) for d in actual],
        fmt=compare.fmt_doc, noun="document", ordered=ordered, tol=tol)


# --------------------------------------------------------------------------- the state kind
def drop_indexes(coll) -> None:
    """A ``setup`` for index exercises: drop every index but ``_id``."""
    coll.drop_indexes()


@dataclass(kw_only=True, repr=False)
class MongoState(Exercise):
    """The learner's function ``answer(coll)`` runs on the collection; predicates check the result."""

    collection: str
    database: str | None = None
    setup: object = None                     # a function setup(coll) restoring the starting state
    expect: list = field(default_factory=list)

    kind = "mongo-state"
    answer_noun = "code"

    def _evaluate(self, answer) -> list[str]:
        import pymongo.errors

        from .. import connect

        if not callable(answer):
            return ["Your answer should be a function: def answer(coll): ... (coll is the collection "
                    f"{self.collection})."]
        db = connect.mongo(self.database) if self.database else connect.mongo()
        coll = db[self.collection]
        if self.setup is not None:
            try:
                self.setup(coll)
            except Exception as exc:  # noqa: BLE001
                raise AuthorError("setup failed: " + python_error_line(exc)) from None
        try:
            answer(coll)
        except pymongo.errors.PyMongoError as exc:
            lines = db_error_lines(exc)
            return ["MongoDB says: " + lines[0], *lines[1:]]
        except Exception as exc:  # noqa: BLE001 - the learner's code
            return ["Your function raised " + python_error_line(exc)]
        return [p for p in (pred.verify(coll) for pred in self.expect) if p]


def _key_text(keys) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in keys) + "}"


@dataclass
class mongo_index:  # noqa: N801
    """An index with these ``keys`` (in order) and options exists on the collection."""

    keys: list | dict | str
    unique: bool | None = None
    sparse: bool | None = None
    partial: bool | dict | None = None    # True, or the exact partialFilterExpression
    ttl: int | bool | None = None         # expireAfterSeconds (True: any TTL)

    def _wanted(self):
        if isinstance(self.keys, str):
            return [(self.keys, 1)]
        if isinstance(self.keys, dict):
            return list(self.keys.items())
        return [tuple(k) if not isinstance(k, str) else (k, 1) for k in self.keys]

    def verify(self, coll) -> str | None:
        wanted = [(k, compare.canon(v)) for k, v in self._wanted()]
        indexes = list(coll.list_indexes())
        candidates = [ix for ix in indexes if [(k, compare.canon(v)) for k, v in ix["key"].items()] == wanted]
        problems = []
        for ix in candidates:
            problem = self._mismatch(ix)
            if problem is None:
                return None
            problems.append(problem)
        if problems:
            return problems[0]
        now = "; ".join(f"{ix['name']} {_key_text(ix['key'].items())}" for ix in indexes)
        opts = ", ".join(f"{k}={v}" for k, v in (("unique", self.unique), ("sparse", self.sparse),
                                                 ("partial", self.partial), ("ttl", self.ttl)) if v not in (None, False))
        return (f"Missing an index {_key_text(self._wanted())}{' with ' + opts if opts else ''} on "
                f"{coll.name}. Indexes now: {now}.")

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
class mongo_uses_index:  # noqa: N801
    """``find(filter).sort(sort)`` (or ``pipeline``) is served by an index (no COLLSCAN)."""

    filter: dict | None = None
    sort: list | None = None
    pipeline: list | None = None
    stage: str | None = None

    def verify(self, coll) -> str | None:
        if self.pipeline is not None:
            shape, spec = "pipeline", {"pipeline": self.pipeline}
        else:
            shape, spec = "find", {"filter": self.filter or {}, "sort": _sort_list(self.sort)}
        try:
            stages = _explain(coll.database, coll.name, shape, spec)
        except Feedback as exc:
            return exc.lines[0]
        problem = mongo_plan_problem(stages, self.stage or True)
        return problem[0] if problem else None


@dataclass
class mongo_holds:  # noqa: N801
    """``test(coll)`` returns true; ``message`` says what is wrong otherwise."""

    test: object
    message: str

    def verify(self, coll) -> str | None:
        try:
            return None if self.test(coll) else self.message
        except Exception as exc:  # noqa: BLE001
            return f"{self.message} ({python_error_line(exc)})"


__all__ = ["MongoQuery", "MongoState", "mongo_index", "mongo_uses_index", "mongo_holds", "drop_indexes",
           "is_find_spec"]
