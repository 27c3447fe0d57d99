"""``heedful bench generate``: a realistic data set, written in bulk.

Tickets arrive over two years with weekly and daily seasonality; organizations and
contacts have long-tailed sizes; each ticket has 1-20 messages (about 5) drawn from real
support sentences, and the event log the actions would have written.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.db.models import Max

from heedful.bench.corpus import load_corpus
from heedful.bench.progress import Progress
from heedful.bench.shape import DAY, HOUR, seasonal_times
from heedful.bench.simulate import (
    EVENT_COLUMNS,
    MESSAGE_COLUMNS,
    TICKET_COLUMNS,
    TICKET_TAG_COLUMNS,
    Batch,
    Ids,
    TicketSimulator,
)
from heedful.bench.world import build_world
from heedful.bench.writer import BulkWriter, make_writer
from heedful.customers.models import Contact, Organization
from heedful.tickets.actions import FIRST_TICKET_NUMBER, ticket_numbers_used_up_to
from heedful.tickets.models import Message, Sequence, Ticket, TicketEvent, TicketTag

TABLES = tuple(
    model._meta.db_table
    for model in (Organization, Contact, Ticket, Message, TicketEvent, TicketTag)
)
# Below this many tickets, indexes stay in place: rebuilding them would cost more.
DROP_INDEXES_FROM = 50_000


@dataclass
class GenerateResult:
    tickets: int
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    first_number: int = 0
    last_number: int = 0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def _first_number() -> int:
    sequence = Sequence.objects.filter(name="ticket").first()
    highest = Ticket.objects.aggregate(top=Max("number"))["top"] or 0
    if sequence is None and not highest:
        return FIRST_TICKET_NUMBER
    return max(sequence.value if sequence else 0, highest) + 1


def _write(writer: BulkWriter, batch: Batch, result: GenerateResult) -> None:
    parts = (
        (Ticket, TICKET_COLUMNS, batch.tickets),
        (Message, MESSAGE_COLUMNS, batch.messages),
        (TicketEvent, EVENT_COLUMNS, batch.events),
        (TicketTag, TICKET_TAG_COLUMNS, batch.ticket_tags),
    )
    with transaction.atomic():
        for model, columns, rows in parts:
            writer.insert(model._meta.db_table, columns, rows)
            result.rows[model._meta.db_table] = result.rows.get(model._meta.db_table, 0) + len(rows)


def _finish(simulator: TicketSimulator, last_number: int) -> None:
    with transaction.atomic():
        updates = [(simulator.writer.time(at), pk) for pk, at in simulator.last_contact.items()]
        simulator.writer.update_many(
            f"UPDATE {Contact._meta.db_table} SET last_contact_at = %s WHERE id = %s", updates
        )
        ticket_numbers_used_up_to(last_number)


def generate(
    tickets: int,
    *,
    seed: int = 1,
    data_dir: Path | None = None,
    chunk: int = 5000,
    drop_indexes: bool | None = None,
    show_progress: bool = True,
) -> GenerateResult:
    started = time.monotonic()
    rng = random.Random(seed)
    now = int(time.time()) // HOUR * HOUR
    writer = make_writer(rng.getrandbits(64), now)
    corpus = load_corpus(data_dir)
    result = GenerateResult(tickets=tickets)
    if drop_indexes is None:
        drop_indexes = tickets >= DROP_INDEXES_FROM and tickets > Ticket.objects.count()
    progress = Progress(tickets, "tickets") if show_progress else None
    with writer.bulk_load(TABLES, drop_indexes):
        with transaction.atomic():
            world = build_world(writer, tickets, corpus.customer_topics, rng)
        result.first_number = _first_number()
        ids = Ids(
            ticket=writer.next_id(Ticket._meta.db_table), number=result.first_number,
            message=writer.next_id(Message._meta.db_table),
            event=writer.next_id(TicketEvent._meta.db_table),
            ticket_tag=writer.next_id(TicketTag._meta.db_table),
        )  # fmt: skip
        simulator = TicketSimulator(world, corpus, writer, rng, ids)
        times = seasonal_times(rng, tickets, now - 730 * DAY, now)
        for start in range(0, tickets, chunk):
            for created in times[start : start + chunk]:
                simulator.add(created)
            _write(writer, simulator.batch, result)
            simulator.batch = Batch()
            if progress:
                progress.update(min(start + chunk, tickets), result.total_rows)
        result.last_number = ids.number - 1
        _finish(simulator, result.last_number)
        result.rows[Contact._meta.db_table] = len(world.contacts)
        if progress and drop_indexes:
            progress.note("building indexes ...")
    if progress:
        progress.note("analyzing ...")
    writer.finish(TABLES)
    result.seconds = time.monotonic() - started
    return result
