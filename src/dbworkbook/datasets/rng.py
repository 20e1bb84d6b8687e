"""Deterministic random streams that give the same numbers on every machine.

Each part of the dataset draws from its own stream, ``stream("posts.authors")``, seeded from
``SEED`` and the stream's name, so changing one part never shifts the numbers of another.

Only the raw 64-bit output of NumPy's PCG64 is used (its sequence is fixed by NumPy's stability
policy), turned into floats and integers here with exact arithmetic. NumPy's distribution methods
(``Generator.zipf``, ``Generator.choice``...) are avoided on purpose: NumPy may change their
algorithms between versions, and transcendental functions (log, exp, pow) may differ in the last
bit between CPUs. Weighted choices use integer weights and exact cumulative sums.
"""

from __future__ import annotations

import builtins
import hashlib

import numpy as np

from .spec import SEED

_TWO_M53 = 1.0 / (1 << 53)


class Stream:
    """A named, reproducible source of random numbers (vectorised with NumPy)."""

    def __init__(self, name: str):
        digest = hashlib.sha256(f"{SEED}:{name}".encode()).digest()
        self.name = name
        self._bits = np.random.PCG64(int.from_bytes(digest[:16], "little"))

    def fork(self, skip: int = 0) -> Stream:
        """A copy of this stream that continues ``skip`` draws further on (this one is unchanged).
        Lets two parts of the data be generated in either order and still get the numbers they
        would get one after the other."""
        other = object.__new__(Stream)
        other.name = self.name
        other._bits = np.random.PCG64()
        other._bits.state = self._bits.state
        if skip:
            other._bits.advance(skip)
        return other

    def raw(self, n: int) -> np.ndarray:
        """n uniformly random uint64."""
        return self._bits.random_raw(n).astype(np.uint64, copy=False)

    def uniform(self, n: int) -> np.ndarray:
        """n floats in [0, 1) with 53 random bits each (exact)."""
        return (self.raw(n) >> np.uint64(11)).astype(np.float64) * _TWO_M53

    def integers(self, high, n: int) -> np.ndarray:
        """n integers in [0, high) (high may be an array of per-item bounds)."""
        return np.floor(self.uniform(n) * np.asarray(high, dtype=np.float64)).astype(np.int64)

    def between(self, low, high, n: int) -> np.ndarray:
        """n integers in [low, high) (bounds may be arrays)."""
        low = np.asarray(low, dtype=np.int64)
        return low + self.integers(np.asarray(high, dtype=np.int64) - low, n)

    def bernoulli(self, p: float, n: int) -> np.ndarray:
        return self.uniform(n) < p

    def weighted(self, weights, n: int) -> np.ndarray:
        """n indexes drawn with the given non-negative integer weights."""
        cum = np.cumsum(np.asarray(weights, dtype=np.int64))
        total = int(cum[-1])
        if total >= 1 << 53:
            raise ValueError("weights too large for exact draws")
        picks = np.floor(self.uniform(n) * total).astype(np.int64)
        return np.searchsorted(cum, picks, side="right")

    def choose(self, options, weights, n: int) -> list:
        idx = self.weighted(weights, n)
        return [options[i] for i in idx.tolist()]

    def permutation(self, n: int) -> np.ndarray:
        """A random permutation of range(n) (argsort of random keys; ties are impossible in practice
        and broken by position anyway)."""
        return np.argsort(self.raw(n), kind="stable")

    def bytes(self, n: int, size: int) -> list[builtins.bytes]:
        """n random byte strings of the given size."""
        words = (size + 7) // 8
        buf = self.raw(n * words).astype("<u8").tobytes()
        step = words * 8
        return [buf[i * step : i * step + size] for i in range(n)]

    def uuids(self, n: int) -> list[builtins.bytes]:
        """n version-4 UUIDs (16 bytes each) built from the stream: like uuid4(), but
        reproducible. ``uuid_text`` formats one the usual way."""
        a = self.raw(2 * n).astype("<u8").view(np.uint8).reshape(n, 16).copy()
        a[:, 6] = (a[:, 6] & 0x0F) | 0x40  # version 4
        a[:, 8] = (a[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
        buf = a.tobytes()
        return [buf[i : i + 16] for i in range(0, 16 * n, 16)]


def uuid_text(b: bytes) -> str:
    """16 bytes -> '8-4-4-4-12' text, the same as str(uuid.UUID(bytes=b)), only faster."""
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def zipf_weights(n: int, offset: int = 10, scale: int = 10**12) -> np.ndarray:
    """Integer Zipf–Mandelbrot weights ~ 1 / (rank + offset), rank = 1..n (exact integer maths)."""
    ranks = np.arange(1, n + 1, dtype=np.int64)
    return scale // (ranks + offset)
