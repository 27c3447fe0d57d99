"""``heedful scheduler``: the SLA scheduler loop (imported lazily by heedful.cli)."""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Callable

# Seconds between passes (here, not in scheduler.py, so the parser needs no Django).
DEFAULT_INTERVAL = 30.0


def cmd_scheduler(args: argparse.Namespace) -> int:
    from heedful.sla import lease
    from heedful.sla.scheduler import LEASE_NAME, run_forever, run_pass

    if args.interval <= 0:
        raise SystemExit("heedful scheduler: --interval must be more than 0 seconds")
    if args.once:
        holder = lease.new_holder_id()
        result = run_pass(holder)
        lease.release(LEASE_NAME, holder)
        if not result.leader:
            print("Another scheduler leads; nothing done.")
            return 0
        print(f"{result.found} alert(s) found, {len(result.queued)} queued")
        return 0
    stop = threading.Event()
    # A clean stop (Ctrl+C, or SIGTERM from a service manager) gives the lease back.
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    print(f"SLA scheduler: a pass every {args.interval:g} s (Ctrl+C stops it)", flush=True)
    try:
        run_forever(args.interval, stop)
    except KeyboardInterrupt:
        stop.set()
    return 0


def add_scheduler_parser(sub: argparse._SubParsersAction, setup: Callable[[], None]) -> None:
    def run(args: argparse.Namespace) -> int:
        setup()
        return cmd_scheduler(args)

    scheduler = sub.add_parser(
        "scheduler", help="queue SLA breach warnings and escalations (one leader at a time)"
    )
    scheduler.add_argument(
        "--interval", type=float, default=DEFAULT_INTERVAL, help="seconds between passes"
    )
    scheduler.add_argument("--once", action="store_true", help="run one pass and exit")
    scheduler.set_defaults(func=run)
