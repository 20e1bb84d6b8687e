"""Compare results by meaning: rows or documents as multisets (or in order), numbers with a
tolerance, and short, stable renderings of what differs.

Values are first turned into a *canonical* form (nested tuples) in which equal meanings are
equal: ``Decimal('3.50')``, ``3.5`` and ``Decimal128('3.5')`` are the number 3.5; a dict's key
order does not matter; a UUID or an ObjectId is its text; an aware datetime is its UTC instant.
"""

from __future__ import annotations

import datetime as _dt
import math
import uuid
from collections import defaultdict
from decimal import Decimal

DEFAULT_TOLERANCE = 1e-6
SHOW = 3  # rows/documents shown per kind of difference
MAX_WIDTH = 110  # characters per rendered row
MAX_PAIRWISE = 400  # leftovers compared pairwise (with tolerance) at most, per side


# --------------------------------------------------------------------------- canonical forms
def canon(value):
    """A hashable form of ``value`` in which equal meanings are equal (numbers exact)."""
    if value is None:
        return ("null",)
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, float, Decimal)):
        return ("num", _as_float(value))
    if isinstance(value, str):
        return ("str", value)
    if isinstance(value, _dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_dt.UTC).replace(tzinfo=None)
        return ("ts", value.isoformat())
    if isinstance(value, _dt.date):
        return ("date", value.isoformat())
    if isinstance(value, _dt.time):
        return ("time", value.isoformat())
    if isinstance(value, _dt.timedelta):
        return ("num", value.total_seconds())
    if isinstance(value, uuid.UUID):
        return ("str", str(value))
    if isinstance(value, (bytes, bytearray, memoryview)):
        return ("bytes", bytes(value).hex())
    if isinstance(value, dict):
        return ("doc", tuple(sorted((str(k), canon(v)) for k, v in value.items())))
    if isinstance(value, (list, tuple)):
        return ("list", tuple(canon(v) for v in value))
    if isinstance(value, (set, frozenset)):
        return ("set", tuple(sorted((canon(v) for v in value), key=repr)))
    kind = type(value).__name__
    if kind == "Decimal128":
        return ("num", _as_float(value.to_decimal()))
    if kind in ("ObjectId", "Int64"):
        return ("num", float(value)) if kind == "Int64" else ("str", str(value))
    return (kind, str(value))


def _as_float(value) -> float:
    try:
        return float(value)
    except (OverflowError, ValueError):  # pragma: no cover - exotic decimals
        return float("nan")


def bucket(c):
    """``c`` with numbers rounded to 9 significant digits: near-equal numbers share a bucket."""
    if c[0] == "num":
        x = c[1]
        if math.isnan(x) or math.isinf(x):
            return c
        return ("num", float(f"{x:.9g}"))
    if c[0] in ("doc",):
        return ("doc", tuple((k, bucket(v)) for k, v in c[1]))
    if c[0] in ("list", "set", "row"):
        return (c[0], tuple(bucket(v) for v in c[1]))
    return c


def close(a, b, tol: float) -> bool:
    """Canonical forms ``a`` and ``b`` are equal, numbers within ``tol`` (relative or absolute)."""
    if a[0] != b[0]:
        return False
    if a[0] == "num":
        x, y = a[1], b[1]
        if math.isnan(x) and math.isnan(y):
            return True
        return math.isclose(x, y, rel_tol=tol, abs_tol=tol)
    if a[0] == "doc":
        if len(a[1]) != len(b[1]):
            return False
        return all(ka == kb and close(va, vb, tol) for (ka, va), (kb, vb) in zip(a[1], b[1], strict=True))
    if a[0] in ("list", "set", "row"):
        return len(a[1]) == len(b[1]) and all(close(x, y, tol) for x, y in zip(a[1], b[1], strict=True))
    return a == b


def row(values) -> tuple:
    """The canonical form of a result row (a tuple of column values)."""
    return ("row", tuple(canon(v) for v in values))


# --------------------------------------------------------------------------- comparisons
def multiset_diff(expected: list, actual: list, tol: float = DEFAULT_TOLERANCE):
    """Match canonical items of ``actual`` to ``expected``, ignoring order.

    Returns ``(missing, extra)``: indices into ``expected`` left unmatched (in expected order),
    and indices into ``actual`` left unmatched (in actual order).
    """
    pool = defaultdict(list)
    for i, item in enumerate(expected):
        pool[bucket(item)].append(i)
    for key in pool:
        pool[key].reverse()  # pop() takes the earliest
    matched_expected = set()
    extra = []
    for j, item in enumerate(actual):
        slot = pool.get(bucket(item))
        if slot:
            matched_expected.add(slot.pop())
        else:
            extra.append(j)
    missing = [i for i in range(len(expected)) if i not in matched_expected]
    # Numbers near a rounding edge land in different buckets: match leftovers with tolerance.
    if missing and extra and len(missing) <= MAX_PAIRWISE and len(extra) <= MAX_PAIRWISE:
        still_extra = []
        free = list(missing)
        for j in extra:
            hit = next((i for i in free if close(expected[i], actual[j], tol)), None)
            if hit is None:
                still_extra.append(j)
            else:
                free.remove(hit)
        missing, extra = free, still_extra
    return missing, extra


def first_order_difference(expected: list, actual: list, tol: float = DEFAULT_TOLERANCE):
    """The first position where two equally long sequences differ, or None."""
    for i, (a, b) in enumerate(zip(expected, actual, strict=False)):  # callers compare lengths first
        if not close(a, b, tol):
            return i
    return None


# --------------------------------------------------------------------------- rendering
def fmt_value(value, sql: bool = True) -> str:
    """A short, stable text for one value (SQL style: NULL, 'text', 12.5)."""
    if value is None:
        return "NULL" if sql else "null"
    if isinstance(value, bool):
        return ("true" if value else "false") if sql else repr(value)
    if isinstance(value, float):
        return f"{value:.10g}"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return "'" + text.replace("'", "''") + "'" if sql else repr(text)
    if isinstance(value, _dt.datetime):
        return "'" + value.isoformat(sep=" ") + "'"
    if isinstance(value, (_dt.date, _dt.time)):
        return "'" + value.isoformat() + "'"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {fmt_value(v, sql=False)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(fmt_value(v, sql=False) for v in value[:8])
        return "[" + inner + (", ..." if len(value) > 8 else "") + "]"
    kind = type(value).__name__
    if kind == "ObjectId":
        return f"ObjectId('{value}')"
    if kind == "Decimal128":
        return str(value.to_decimal())
    return str(value)


def fmt_row(values) -> str:
    text = "(" + ", ".join(fmt_value(v) for v in values) + ")"
    return _clip(text)


def fmt_doc(doc) -> str:
    return _clip(fmt_value(doc, sql=False))


def _clip(text: str) -> str:
    return text if len(text) <= MAX_WIDTH else text[: MAX_WIDTH - 3] + "..."


def listing(label: str, items: list[str], total: int | None = None) -> list[str]:
    """``label (N):`` then up to SHOW indented items, saying how many are not shown."""
    total = len(items) if total is None else total
    head = f"{label} ({total}" + (f", first {SHOW} shown):" if total > SHOW else "):")
    return [head] + ["    " + item for item in items[:SHOW]]


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


def describe_difference(
    expected: list,
    actual: list,
    exp_canon: list,
    act_canon: list,
    *,
    fmt,
    noun: str,
    ordered: bool = False,
    tol: float = DEFAULT_TOLERANCE,
) -> list[str]:
    """Short lines saying how ``actual`` differs from ``expected`` (empty when they agree).

    ``exp_canon`` / ``act_canon`` are the comparable forms (rows or documents made canonical);
    ``fmt`` shows one original item; ``noun`` names them ("row", "document"). Shared by the SQL
    and MongoDB checks so that both say the same things the same way.
    """
    missing, extra = multiset_diff(exp_canon, act_canon, tol)
    if not missing and not extra:
        if ordered:
            at = first_order_difference(exp_canon, act_canon, tol)
            if at is not None:
                return [
                    f"The {noun}s are right but in the wrong order: {noun} {at + 1} should be "
                    f"{fmt(expected[at])}, yours is {fmt(actual[at])}."
                ]
        return []
    lines = []
    if len(actual) != len(expected):
        lines.append(f"Your query returns {plural(len(actual), noun)}; the expected result has {len(expected):,}.")
    if missing:
        lines += listing(f"Missing {noun}s", [fmt(expected[i]) for i in missing[:SHOW]], len(missing))
    if extra:
        lines += listing(f"Unexpected {noun}s", [fmt(actual[j]) for j in extra[:SHOW]], len(extra))
    return lines
