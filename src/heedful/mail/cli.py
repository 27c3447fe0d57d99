"""``heedful mail import|listen|poll|retry`` (imported lazily by heedful.cli)."""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Callable
from pathlib import Path


def cmd_import(args: argparse.Namespace) -> int:
    from heedful.mail.importer import import_paths

    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        print(f"heedful mail import: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    paths = [Path(p) for p in args.paths]
    summary = import_paths(
        paths, progress=sys.stderr, workers=_workers(args), writers=_writers(args)
    )
    print(summary.line())
    for label in summary.failed:
        print(f"  kept as an unreadable-mail ticket: {label}")
    return 0


def _workers(args: argparse.Namespace) -> int:
    from heedful.mail.pipeline import default_workers

    return default_workers() if args.workers is None else max(0, args.workers)


def _writers(args: argparse.Namespace) -> int:
    from heedful.mail.writers import default_writers

    writers = getattr(args, "writers", None)
    return default_writers() if writers is None else max(1, writers)


def cmd_listen(args: argparse.Namespace) -> int:
    from heedful.mail.smtp import IngestController

    controller = IngestController(host=args.host, port=args.port, lmtp=args.lmtp)
    controller.start()
    kind = "LMTP" if args.lmtp else "SMTP"
    print(f"Heedful {kind} listener on {args.host}:{args.port} (Ctrl+C stops it)", flush=True)
    stop = threading.Event()
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()
    return 0


def cmd_poll(args: argparse.Namespace) -> int:
    from django.conf import settings

    from heedful.lib.env import ConfigError
    from heedful.mail.imap import parse_imap_url, poll_once, start_pollers, wait_forever

    try:
        mailboxes = [parse_imap_url(url) for url in settings.MAIL_IMAP_URLS]
    except ConfigError as exc:
        sys.exit(f"heedful: configuration error: {exc}")
    if not mailboxes:
        sys.exit("heedful mail poll: no mailbox configured; set HEEDFUL_MAIL_IMAP")
    if args.once:
        for mailbox in mailboxes:
            print(f"{mailbox.name}: {dict(poll_once(mailbox))}")
        return 0
    stop = threading.Event()
    start_pollers(mailboxes, interval=settings.MAIL_IMAP_INTERVAL, stop=stop)
    print(f"Polling {len(mailboxes)} mailbox(es) every {settings.MAIL_IMAP_INTERVAL} s", flush=True)
    wait_forever(stop)
    return 0


def cmd_retry(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from heedful.mail.actions import retry_received

    results = retry_received(timedelta(minutes=args.older_than))
    print(f"{len(results)} stored but unprocessed message(s) processed")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from heedful.mail.bench import bench_line

    corpus = Path(args.corpus)
    if not corpus.exists():
        print(f"heedful mail bench: no such file or folder: {corpus}", file=sys.stderr)
        return 2
    if args.copies < 1:
        print("heedful mail bench: --copies must be at least 1", file=sys.stderr)
        return 2
    line = bench_line(corpus, args.copies, workers=_workers(args), writers=_writers(args))
    print(line, flush=True)
    return 0


WORKERS_HELP = "parsing processes beside the main one (default: 1 with 2+ CPUs, else 0)"
WRITERS_HELP = (
    "PostgreSQL: processes that thread and store at once while the main one parses;"
    " --workers then does not apply (default: 2 with 2+ CPUs, else 1; always 1 on SQLite)"
)


def add_mail_parser(sub: argparse._SubParsersAction, setup: Callable[[], None]) -> None:
    mail = sub.add_parser("mail", help="bring email in: import files, listen, poll IMAP")
    commands = mail.add_subparsers(dest="mail_command", required=True)

    def wrap(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
        def run(args: argparse.Namespace) -> int:
            setup()
            return func(args)

        return run

    imp = commands.add_parser("import", help=".eml files, mbox files (*.mbox) and folders")
    imp.add_argument("paths", nargs="+", metavar="PATH")
    imp.add_argument("--workers", type=int, help=WORKERS_HELP)
    imp.add_argument("--writers", type=int, help=WRITERS_HELP)
    imp.set_defaults(func=wrap(cmd_import))

    listen = commands.add_parser("listen", help="SMTP (or --lmtp) listener for direct delivery")
    listen.add_argument("--host", default="127.0.0.1")
    listen.add_argument("--port", type=int, default=2525)
    listen.add_argument("--lmtp", action="store_true", help="speak LMTP instead of SMTP")
    listen.set_defaults(func=wrap(cmd_listen))

    poll = commands.add_parser("poll", help="poll the IMAP mailboxes of HEEDFUL_MAIL_IMAP")
    poll.add_argument("--once", action="store_true", help="poll each mailbox once and exit")
    poll.set_defaults(func=wrap(cmd_poll))

    retry = commands.add_parser("retry", help="finish messages stored but never processed")
    retry.add_argument("--older-than", type=float, default=5, help="minutes (default 5)")
    retry.set_defaults(func=wrap(cmd_retry))

    bench = commands.add_parser(
        "bench", help="ingest throughput: replay a corpus under new Message-IDs (JSON line)"
    )
    bench.add_argument("--copies", type=int, default=1, help="times to replay it (default 1)")
    bench.add_argument(
        "--corpus", default="../shared/data/email/notmuch", help="files or folder to replay"
    )
    bench.add_argument("--workers", type=int, help=WORKERS_HELP)
    bench.add_argument("--writers", type=int, help=WRITERS_HELP)
    bench.set_defaults(func=wrap(cmd_bench))
