"""``task_worker``: django-tasks-db's ``db_worker`` with Heedful's faster worker
(``heedful.taskqueue.worker``); same options, plus ``--claim-batch``."""

from __future__ import annotations

import os
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import logger, valid_max_tasks

from heedful.taskqueue.worker import CLAIM_BATCH, Worker


class Command(DbWorkerCommand):
    help = "Run Heedful's database task worker"

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--claim-batch", type=valid_max_tasks, default=CLAIM_BATCH,
            help="ready jobs claimed per round trip (default: %(default)r)",
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        self.configure_logging(options["verbosity"])
        reload = options["reload"]
        if reload and options["batch"]:
            logger.warning("Warning: --reload and --batch cannot be specified together. "
                           "Disabling autoreload.")  # fmt: skip
            reload = False
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = Worker(
            queue_names=queue_names, interval=options["interval"], batch=options["batch"],
            backend_name=options["backend_name"], startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"], worker_id=options["worker_id"],
            excluded_queue_names=excluded, claim_batch=options["claim_batch"],
        )  # fmt: skip
        if not reload:
            worker.configure_signals()
            worker.run()
            return
        if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            worker.configure_signals()  # only the child process that runs the worker
        run_with_reloader(worker.run)
