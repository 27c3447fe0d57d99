"""``heedful manage recompute_clocks``: rebuild stored SLA clocks and due times in bulk."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from heedful.sla.actions import do_recompute_many_clocks, do_recompute_unsolved_clocks
from heedful.tickets.models import Ticket


class Command(BaseCommand):
    help = "Recompute the SLA clocks of unsolved tickets (of every ticket with --all)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--all", action="store_true", help="solved tickets too (their achieved/breached)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["all"]:
            ids = list(Ticket.objects.order_by("pk").values_list("pk", flat=True))
            count = do_recompute_many_clocks(ids)
        else:
            count = do_recompute_unsolved_clocks()
        self.stdout.write(f"{count} ticket(s) recomputed")
