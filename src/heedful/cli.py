"""The ``heedful`` command: one entry point for operators.

heedful serve        web app (Granian) and, with --with-worker, the task worker
heedful worker       task worker only (run any number of them), with the SLA scheduler
heedful scheduler    the SLA scheduler alone (breach warnings and escalations)
heedful migrate      create or upgrade the database
heedful demo         load demo data from ../shared/data (or a small built-in set)
heedful createadmin  create an administrator
heedful check        check configuration, database and pending migrations
heedful manage ...   any Django management command
heedful bench ...    generate data at scale, run the benchmarks (docs/performance.md)
heedful mail ...     bring email in: import files, SMTP/LMTP listener, IMAP polling
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.conf import LazySettings


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heedful.settings")
    from heedful.lib.env import ConfigError

    try:
        import django

        django.setup()
    except ConfigError as exc:
        sys.exit(f"heedful: configuration error: {exc}")


def _manage(*args: str) -> None:
    from django.core.management import call_command

    call_command(*args)


def _exit_on_sigterm(signum: int, frame: object) -> None:
    # The default SIGTERM handler ends the process at once, skipping the ``finally`` that
    # stops the server and the worker: they would run on, orphaned.
    raise SystemExit(0)


def _read_settings() -> LazySettings:
    """The settings alone, without ``django.setup()``: no app, model or URL is imported."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heedful.settings")
    from django.conf import settings

    from heedful.lib.env import ConfigError

    try:
        settings.STATIC_ROOT  # noqa: B018  (reads heedful.settings, checking every variable)
    except ConfigError as exc:
        sys.exit(f"heedful: configuration error: {exc}")
    return settings


def cmd_serve(args: argparse.Namespace) -> int:
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    # This process only supervises the server and the worker, for as long as they run:
    # the migrations and static files are prepared by a child process, so that it never
    # holds a whole Django (about 50 MB of private memory; docs/performance-history.md, "The
    # whole stack's memory").
    settings = _read_settings()
    prepare = [sys.executable, "-m", "heedful.cli", "migrate", "--static", "--quiet"]
    prepared = subprocess.run(prepare, check=False).returncode
    if prepared != 0:
        return prepared
    worker = None
    if args.with_worker:
        worker = subprocess.Popen([sys.executable, "-m", "heedful.cli", "worker"])
    command = [
        sys.executable, "-m", "granian", "--interface", "wsgi",
        "--host", args.host, "--port", str(args.port), "--workers", str(args.workers),
        "--blocking-threads", str(args.threads),
        "--static-path-route", settings.STATIC_URL.rstrip("/"),
        "--static-path-mount", str(settings.STATIC_ROOT),
        "heedful.wsgi:application",
    ]  # fmt: skip
    server = subprocess.Popen(command)
    print(f"Heedful is running at {settings.BASE_URL}/  (Ctrl+C stops it)", flush=True)
    try:
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for process in (server, worker):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=15)


def cmd_worker(args: argparse.Namespace) -> int:
    _setup_django()
    scheduler = None
    if not args.no_scheduler:
        from heedful.sla.scheduler import start_in_thread

        # Every worker runs the SLA scheduler; the lease lets one of them lead.
        scheduler = start_in_thread()
    try:
        # django-tasks-db's db_worker with Heedful's cheaper bookkeeping (heedful.taskqueue).
        _manage("task_worker", "--queue-name", "*", "--interval", str(args.interval))
    finally:
        # The worker ends with SystemExit on SIGTERM or Ctrl+C: stop the scheduler so that
        # it gives its lease back and another worker leads at once.
        if scheduler is not None:
            scheduler.stop()
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    _setup_django()
    verbosity = ("--verbosity", "0") if args.quiet else ()
    _manage("migrate", "--no-input", *verbosity)
    if args.static:
        _manage("collectstatic", "--no-input", *verbosity)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    _setup_django()
    from heedful.demo.load import load_demo

    load_demo(data_dir=args.data, reset=args.reset)
    return 0


def cmd_createadmin(args: argparse.Namespace) -> int:
    _setup_django()
    from heedful.accounts.actions import do_create_admin

    password = args.password or os.environ.get("HEEDFUL_ADMIN_PASSWORD")
    if not password:
        import getpass

        password = getpass.getpass(f"Password for {args.username}: ")
    user = do_create_admin(args.username, args.email, password)
    print(f"Administrator {user.username} is ready.")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    _setup_django()
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    _manage("check", "--deploy" if args.deploy else "--fail-level=ERROR")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        print(f"{len(pending)} migration(s) pending: run `heedful migrate`.")
        return 1
    print(f"OK: configuration valid, database {connection.vendor} reachable, schema up to date.")
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    _setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["heedful manage", *args.rest])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="heedful", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the web app")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="server processes")
    # Granian advises at most 2 threads per core + 1 for WSGI apps.
    threads = 2 * (os.cpu_count() or 1) + 1
    serve.add_argument("--threads", type=int, default=threads, help="threads per process")
    serve.add_argument("--with-worker", action="store_true", help="also start a task worker")
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="run the background task worker")
    worker.add_argument("--interval", type=float, default=0.5, help="seconds between polls")
    worker.add_argument(
        "--no-scheduler", action="store_true", help="do not run the SLA scheduler in this worker"
    )
    worker.set_defaults(func=cmd_worker)

    migrate = sub.add_parser("migrate", help="create or upgrade the database")
    migrate.add_argument("--static", action="store_true", help="also collect the static files")
    migrate.add_argument("--quiet", action="store_true", help="print only errors")
    migrate.set_defaults(func=cmd_migrate)

    demo = sub.add_parser("demo", help="load demo data")
    demo.add_argument("--data", default=None, help="folder with twcs/twcs_sample.csv")
    demo.add_argument("--reset", action="store_true", help="load again even if demo data exists")
    demo.set_defaults(func=cmd_demo)

    admin = sub.add_parser("createadmin", help="create an administrator")
    admin.add_argument("username")
    admin.add_argument("--email", default="")
    admin.add_argument("--password", default=None, help="or HEEDFUL_ADMIN_PASSWORD")
    admin.set_defaults(func=cmd_createadmin)

    check = sub.add_parser("check", help="check configuration and database")
    check.add_argument("--deploy", action="store_true", help="also run production checks")
    check.set_defaults(func=cmd_check)

    manage = sub.add_parser("manage", help="run a Django management command")
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)

    from heedful.bench.cli import add_bench_parser

    add_bench_parser(sub, _setup_django)

    from heedful.mail.cli import add_mail_parser

    add_mail_parser(sub, _setup_django)

    from heedful.sla.cli import add_scheduler_parser

    add_scheduler_parser(sub, _setup_django)

    from heedful.feedback.topics_cli import add_feedback_parser

    add_feedback_parser(sub, _setup_django)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
