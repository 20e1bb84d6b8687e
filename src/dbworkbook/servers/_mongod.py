"""The embedded MongoDB daemon: SecantusDB's server, run the way ``secantusd-py`` runs it.

Started by ``python -m dbworkbook up`` as ``python -m dbworkbook.servers._mongod``. It differs
from ``secantusd-py`` in one setting: the TTL monitor sweeps every ``--ttl-sweep`` seconds (the
daemon's config file ignores that setting; mongod calls it ``ttlMonitorSleepSecs``).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dbworkbook-mongod")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--storage-path", required=True)
    parser.add_argument("--ttl-sweep", type=float, default=60.0)
    parser.add_argument(
        "--auth",
        action="store_true",
        help="require SCRAM-SHA-256 authentication (users are created before, without it)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from secantus.server import SecantusDBServer

    server = SecantusDBServer(
        host=args.host,
        port=args.port,
        storage_path=args.storage_path,
        replica_set_name="secantus",
        enable_test_commands=False,
        ttl_sweep_seconds=args.ttl_sweep,
        require_auth=args.auth,
    )

    def handle_signal(signum, frame):
        server.stop()
        sys.exit(0)

    signal.signal(signal.SIGINT, handle_signal)
    signal.signal(signal.SIGTERM, handle_signal)
    server.start()
    print(f"dbworkbook mongod (SecantusDB) listening on {args.host}:{args.port}", flush=True)
    server.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
