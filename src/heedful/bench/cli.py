"""``heedful bench generate`` and ``heedful bench run`` (imported lazily by heedful.cli)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path


def cmd_generate(args: argparse.Namespace) -> int:
    from heedful.bench.generate import generate

    result = generate(
        args.tickets,
        seed=args.seed,
        data_dir=Path(args.data) if args.data else None,
        chunk=args.chunk,
        drop_indexes={"auto": None, "yes": True, "no": False}[args.drop_indexes],
        show_progress=not args.quiet,
    )
    rate = result.total_rows / max(result.seconds, 1e-9)
    print(
        f"generated {result.tickets:,} tickets (numbers {result.first_number}-"
        f"{result.last_number}), {result.total_rows:,} rows in {result.seconds:.1f} s "
        f"({rate:,.0f} rows/s): "
        + ", ".join(f"{table} {count:,}" for table, count in result.rows.items())
    )
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from heedful.bench.suite import run_suite

    return run_suite(
        only=args.only,
        iterations=args.iterations,
        smoke=args.smoke,
        skip=args.skip,
        out=Path(args.out) if args.out else None,
    )


def cmd_peer(args: argparse.Namespace) -> int:
    from heedful.bench.context import Context
    from heedful.bench.peer_helpdesk import run_peer_comparison

    with ExitStack() as stack:
        stream = stack.enter_context(Path(args.out).open("a")) if args.out else None
        ctx = Context.create(args.iterations, False, stream)
        if ctx.n == 0:
            ctx.note("the database has no tickets; run `heedful bench generate --tickets N`")
            return 1
        return run_peer_comparison(ctx, args.iterations, keep=args.keep)


def cmd_report(args: argparse.Namespace) -> int:
    from heedful.bench.report import read, tables

    print(tables(read(Path(p) for p in args.files)), end="")
    return 0


def add_bench_parser(
    sub: argparse._SubParsersAction,
    setup: Callable[[], None],
) -> None:
    bench = sub.add_parser("bench", help="generate data at scale and run the benchmarks")
    commands = bench.add_subparsers(dest="bench_command", required=True)

    generate = commands.add_parser("generate", help="fill the database with realistic data")
    generate.add_argument("--tickets", type=int, required=True)
    generate.add_argument("--seed", type=int, default=1)
    generate.add_argument("--data", default=None, help="folder with twcs/ and banking77/")
    generate.add_argument("--chunk", type=int, default=5000, help="tickets per transaction")
    generate.add_argument("--drop-indexes", choices=("auto", "yes", "no"), default="auto")
    generate.add_argument("--quiet", action="store_true", help="no progress bar")
    generate.set_defaults(func=_with_setup(cmd_generate, setup))

    run = commands.add_parser("run", help="run the benchmarks, one JSON line each")
    run.add_argument("--only", action="append", default=[], help="benchmark name prefix")
    run.add_argument("--skip", action="append", default=[], help="benchmark name prefix")
    run.add_argument("--iterations", type=int, default=30)
    run.add_argument("--smoke", action="store_true", help="few iterations, assert query counts")
    run.add_argument("--out", default=None, help="also append the JSON lines to this file")
    run.set_defaults(func=_with_setup(cmd_run, setup))

    peer = commands.add_parser(
        "peer", help="django-helpdesk (installed into its own venv) on the same data, side by side"
    )
    # 30, as many as ours get: with 10, the peer's p95 would be its worst sample.
    peer.add_argument("--iterations", type=int, default=30)
    peer.add_argument("--keep", action="store_true", help="keep the peer's database")
    peer.add_argument("--out", default=None, help="also append the JSON lines to this file")
    peer.set_defaults(func=_with_setup(cmd_peer, setup))

    report = commands.add_parser("report", help="JSON lines as Markdown tables with pass/miss")
    report.add_argument("files", nargs="+")
    report.set_defaults(func=cmd_report)


def _with_setup(
    command: Callable[[argparse.Namespace], int], setup: Callable[[], None]
) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        setup()
        sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
        return command(args)

    return run
