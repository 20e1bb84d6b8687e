"""tqdm progress bars on stderr, only where someone watches (a terminal, not quiet, not CI)."""

from __future__ import annotations

import os
import sys


def enabled(quiet: bool = False) -> bool:
    if quiet or os.environ.get("DBWB_PROGRESS", "1") == "0":
        return False
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


class _Null:
    def update(self, n=1):
        pass

    def close(self):
        pass

    def set_postfix_str(self, s):
        pass


def bar(total: int, desc: str, quiet: bool = False, position: int | None = None, unit: str = "rows"):
    if not enabled(quiet):
        return _Null()
    from tqdm import tqdm

    return tqdm(
        total=total,
        desc=desc,
        unit=unit,
        unit_scale=True,
        file=sys.stderr,
        leave=False,
        position=position,
        dynamic_ncols=True,
    )


def wrap(iterable, total: int, desc: str, quiet: bool = False):
    if not enabled(quiet):
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, file=sys.stderr, leave=False, dynamic_ncols=True)
