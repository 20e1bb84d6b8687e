"""The dataset's fixed constants: seed, "now", version and the size of each scale.

Everything generated is a pure function of (SEED, NOW, VERSION, scale): the same scale gives
byte-identical data on every machine and every run.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime

#: The seed every random stream of the dataset derives from.
SEED = 20261125

#: The dataset's fixed "now". Every timestamp in the data lies before it; posts published in the
#: 30 days before it exist, orders span the two years before it. Notebooks use it instead of the
#: wall clock (the guide's ``NOW()`` is the real clock: replace it by this value so outputs are
#: stable, e.g. ``published_at > %(now)s - INTERVAL '30 days'``).
NOW = datetime(2026, 11, 1, 12, 0, 0, tzinfo=UTC)
NOW_TS = int(NOW.timestamp())  # seconds since the Unix epoch: 1793534400

#: Bumped whenever the generator's output changes (the fingerprint records it).
VERSION = "1.0"


@dataclass(frozen=True)
class ScaleSpec:
    name: str
    users: int  # PostgreSQL users
    posts: int  # PostgreSQL posts
    mongo_users: int  # MongoDB users (the first N users by sign-up order)
    mongo_posts: int  # MongoDB posts (written by those users)
    orders: int  # MongoDB orders
    sessions: int  # MongoDB sessions
    redis_users: int  # Redis user:<n> keys (n = 1..redis_users)
    sqlite_users: int  # SQLite users (the first N by sign-up order)
    sqlite_posts: int  # SQLite posts (written by those users)

    def as_dict(self) -> dict:
        return asdict(self)


SCALES = {
    "small": ScaleSpec(
        "small",
        users=10_000,
        posts=200_000,
        mongo_users=5_000,
        mongo_posts=20_000,
        orders=30_000,
        sessions=1_000,
        redis_users=2_000,
        sqlite_users=1_000,
        sqlite_posts=10_000,
    ),
    "medium": ScaleSpec(
        "medium",
        users=50_000,
        posts=500_000,
        mongo_users=10_000,
        mongo_posts=50_000,
        orders=80_000,
        sessions=2_000,
        redis_users=5_000,
        sqlite_users=2_000,
        sqlite_posts=20_000,
    ),
    "large": ScaleSpec(
        "large",
        users=100_000,
        posts=1_000_000,
        mongo_users=20_000,
        mongo_posts=100_000,
        orders=150_000,
        sessions=5_000,
        redis_users=10_000,
        sqlite_users=5_000,
        sqlite_posts=50_000,
    ),
}


def scale_spec(scale: str | None) -> ScaleSpec:
    from .. import settings as _settings

    name = (scale or _settings.get().scale).strip().lower()
    if name not in SCALES:
        raise ValueError(f"unknown scale {name!r}: choose one of {', '.join(SCALES)}")
    return SCALES[name]
