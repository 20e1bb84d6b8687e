"""Load the dataset into MongoDB with unordered ``insert_many`` batches, and fingerprint it.

Collections: users, posts, orders, sessions, categories (database ``workbook``). Only the
automatic ``_id`` index exists after a seed: the index lessons create the others, and the TTL
lesson creates its own ``nbNN_sessions`` collection (the seeded ``sessions`` has no TTL index, so
it never shrinks).

Fingerprint: per collection, the number of documents and a sha256 over the sorted sha256 of each
document's BSON bytes (order-free). The expected value is computed from the generated documents;
``verify(quick=False)`` reads every live document and compares. ``quick=True`` reads a fixed
sample of documents by ``_id`` (an index lookup) and counts the small collections only: a full
scan costs about 1 s per 100k documents on the embedded server.
"""

from __future__ import annotations

import hashlib

from .. import connect
from .generator import Dataset, mongo_documents

SEEDED_COLLECTIONS = ("users", "posts", "orders", "sessions", "categories")
BATCH = 2_000
SAMPLE = 12  # documents per collection checked by verify(quick=True)
QUICK_COUNT_MAX = 2_000  # quick=True counts collections up to this size


def drop(db) -> None:
    for name in SEEDED_COLLECTIONS:
        db.drop_collection(name)


def insert(db, docs: dict, names, bar=None) -> int:
    """Insert the named collections' documents in unordered batches; the number inserted."""
    total = 0
    for name in names:
        coll = db[name]
        batch_docs = docs[name]
        for i in range(0, len(batch_docs), BATCH):
            chunk = batch_docs[i : i + BATCH]
            coll.insert_many(chunk, ordered=False)
            total += len(chunk)
            if bar is not None:
                bar.update(len(chunk))
    return total


def _doc_digest(raw: bytes) -> bytes:
    return hashlib.sha256(raw).digest()


def _combine(digests) -> str:
    h = hashlib.sha256()
    for d in sorted(digests):
        h.update(d)
    return h.hexdigest()


def expected_fingerprint(ds: Dataset) -> dict:
    """The fingerprint of the generated documents (what a correct load leaves on the server)."""
    import bson

    out = {}
    for name in SEEDED_COLLECTIONS:
        docs = mongo_documents(ds)[name]
        raws = [bson.encode(d) for d in docs]
        digests = [_doc_digest(r) for r in raws]
        order = sorted(range(len(docs)), key=lambda i: _id_key(docs[i]["_id"]))
        step = max(1, len(order) // SAMPLE)
        picks = sorted(set([*order[::step][: SAMPLE - 1], order[-1]])) if order else []
        sample_ids = [docs[i]["_id"] for i in picks]
        out[name] = {
            "count": len(docs),
            "checksum": _combine(digests),
            "sample_ids": [_id_json(x) for x in sample_ids],
            "sample_checksum": _combine(digests[i] for i in picks),
        }
    return out


def _id_key(value):
    return (0, value) if isinstance(value, int) else (1, str(value))


def _id_json(value):
    return value if isinstance(value, int) else {"$oid": str(value)}


def _id_from_json(value):
    from bson import ObjectId

    return ObjectId(value["$oid"]) if isinstance(value, dict) else value


def fingerprint(stored: dict, db=None, quick: bool = True) -> dict:
    """The live fingerprint, shaped like ``stored`` (the expected one), for comparison.

    quick=True: per collection a count (small collections only) and the sample's checksum.
    quick=False: every document's checksum and the count.
    """
    from bson.codec_options import CodecOptions
    from bson.raw_bson import RawBSONDocument

    db = db if db is not None else connect.mongo()
    raw_opts = CodecOptions(document_class=RawBSONDocument)
    existing = set(db.list_collection_names())
    out: dict[str, dict | None] = {}
    for name in SEEDED_COLLECTIONS:
        exp = stored.get(name) or {}
        if name not in existing:
            out[name] = None
            continue
        coll = db.get_collection(name, codec_options=raw_opts)
        entry: dict[str, int | str] = {}
        if quick:
            ids = [_id_from_json(x) for x in exp.get("sample_ids", [])]
            found = list(coll.find({"_id": {"$in": ids}})) if ids else []
            entry["sample_checksum"] = _combine(_doc_digest(d.raw) for d in found)
            if exp.get("count", 0) <= QUICK_COUNT_MAX:
                entry["count"] = coll.estimated_document_count()
        else:
            digests = [_doc_digest(d.raw) for d in coll.find({}, batch_size=10_000)]
            entry["count"] = len(digests)
            entry["checksum"] = _combine(digests)
        out[name] = entry
    return out


def extra_indexes(db=None) -> list[str]:
    """Indexes on the seeded collections beyond ``_id`` (a lesson added them)."""
    db = db if db is not None else connect.mongo()
    out = []
    existing = set(db.list_collection_names())
    for name in SEEDED_COLLECTIONS:
        if name in existing:
            out += [f"{name}.{ix}" for ix in db[name].index_information() if ix != "_id_"]
    return out
