"""Real argon2id hashes for the seeded users, deterministic and cached.

Each user has a generated password and a 16-byte salt drawn from the dataset's random stream, so
``argon2.low_level.hash_secret`` gives the same string on every machine. The parameters are
deliberately cheap (time_cost=1, memory_cost=1024 KiB, parallelism=1: about 1 ms per hash) so
that seeding stays fast; they are recorded in every hash string (``$argon2id$v=19$m=1024,t=1,p=1$``)
and ``argon2.PasswordHasher().verify`` accepts them. Production parameters are much higher
(argon2-cffi's defaults: t=3, m=65536 KiB, p=4): the security lessons show both and
``check_needs_rehash``.

Computed hashes are cached in ``<state>/cache/argon2-<scale>-<key>.json``; the key covers the
parameters, passwords and salts, so a stale cache is never used.
"""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor

from argon2.low_level import Type, hash_secret

from .. import settings as _settings

TIME_COST = 1
MEMORY_COST = 1024  # KiB
PARALLELISM = 1
HASH_LEN = 32


def hash_password(password: str, salt: bytes) -> str:
    return hash_secret(
        password.encode(),
        salt,
        time_cost=TIME_COST,
        memory_cost=MEMORY_COST,
        parallelism=PARALLELISM,
        hash_len=HASH_LEN,
        type=Type.ID,
    ).decode()


def _key(users) -> str:
    h = hashlib.sha256(f"argon2id:{TIME_COST}:{MEMORY_COST}:{PARALLELISM}:{HASH_LEN}".encode())
    for pw, salt in zip(users.passwords, users.salts, strict=True):
        h.update(pw.encode() + b"\0" + salt)
    return h.hexdigest()[:16]


def cache_path(scale: str, key: str):
    return _settings.get().state_dir / "cache" / f"argon2-{scale}-{key}.json"


def fill_hashes(ds, progress=None) -> str:
    """Set ``ds.users.hashes`` (from the cache when possible). Returns 'cached' or 'computed'."""
    return fill_user_hashes(ds.users, ds.scale, progress)


def fill_user_hashes(users, scale: str, progress=None) -> str:
    """Set ``users.hashes`` for the given scale's users; 'cached' or 'computed'."""
    if users.hashes is not None:
        return "cached"
    key = _key(users)
    path = cache_path(scale, key)
    try:
        hashes = json.loads(path.read_text())
        if isinstance(hashes, list) and len(hashes) == len(users):
            users.hashes = hashes
            return "cached"
    except (OSError, ValueError):
        pass
    # argon2's C code releases the GIL: threads use every core.
    workers = max(1, min(4, os.cpu_count() or 1))
    with ThreadPoolExecutor(workers) as pool:
        it = pool.map(hash_password, users.passwords, users.salts)
        if progress is not None:
            it = progress(it, total=len(users), desc="argon2id hashes")
        hashes = list(it)
    users.hashes = hashes
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob(f"argon2-{scale}-*.json"):
            old.unlink()
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(hashes))
        tmp.replace(path)
    except OSError:
        pass  # a read-only state folder only costs speed
    return "computed"
