"""``python -m dbworkbook.hub._provision WORKBOOK``: run by the hub as a learner's own account.

Gives the learner's state folder (``DBWB_STATE_DIR``, already holding the seeded copy) its own
credentials, starts its three servers on the learner's ports (``DBWB_*_PORT``), so that they run as
the learner, and writes the learner's ``workbook/``. One paragraph on stderr and exit 1 on failure.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .. import settings as _settings
from . import HubError, make_workbook, provision


def main(argv: list[str]) -> int:
    cfg = _settings.get()
    try:
        provision(cfg.state_dir, cfg.ports, template=None, log=print)
        make_workbook(Path(argv[0]), _settings.project_root() / "notebooks")
    except (HubError, RuntimeError, OSError) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
