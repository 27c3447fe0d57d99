"""Full-text search of ticket subjects and message bodies, newest first.

A common word matches millions of messages at a million tickets, and neither index hands
its matches over newest first cheaply (PostgreSQL's GIN index has no order at all), so
the search looks in the newest ids first and widens only while it has found fewer than
it needs: ids within NEAR of the newest, then within WIDE, then all the rest. A common
word stops after the first, small window; a rare word reads three small index ranges.
Each step is one statement that also applies the visibility rules; one more reads the rows.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import connection
from django.db.models import BooleanField, F, Model, QuerySet
from django.db.models.expressions import RawSQL

from heedful.lib.search_terms import Phrase, fts5_match
from heedful.search.fulltext import MESSAGE_BODIES, TICKET_SUBJECTS, TextIndex
from heedful.tickets.models import Message, Ticket

M = TypeVar("M", bound=Model)

# Window sizes in ids, twenty times wider each step: the last, unbounded step runs only
# for a word with fewer than `limit` matches among the newest WIDE ids (spread evenly,
# fewer than limit x newest id / WIDE in all: 1,300 messages at 5M).
NEAR = 10_000
WIDE = 200_000


def newest_ids() -> tuple[int, int]:
    """The newest ticket and message ids, which the windows count back from (one statement)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT MAX(id) FROM {Ticket._meta.db_table}), "
            f"(SELECT MAX(id) FROM {Message._meta.db_table})"
        )
        tickets, messages = cursor.fetchone()
    return int(tickets or 0), int(messages or 0)


def _matching(index: TextIndex, phrases: list[Phrase], lower: int, upper: int) -> RawSQL:
    """The rows with ``lower < id <= upper`` whose text holds every phrase."""
    if connection.vendor == "sqlite":
        # The id range goes inside, so FTS5 reads only that part of each word's list.
        sql = (
            f'"{index.table}"."id" IN (SELECT rowid FROM {index.name} '
            f"WHERE {index.name} MATCH %s AND rowid > %s AND rowid <= %s)"
        )
        return RawSQL(sql, [fts5_match(phrases), lower, upper], output_field=BooleanField())
    # phraseto_tsquery never fails on its input and drops stop words; && requires all.
    query = " && ".join("phraseto_tsquery('english'::regconfig, %s)" for _ in phrases)
    params: list[Any] = [phrase.text for phrase in phrases]
    column = f'"{index.table}"."id"'
    sql = f"{index.pg_vector} @@ ({query}) AND {column} > %s AND {column} <= %s"
    return RawSQL(sql, [*params, lower, upper], output_field=BooleanField())


def newest_matches(
    queryset: QuerySet[M], index: TextIndex, phrases: list[Phrase], newest: int, limit: int
) -> list[M]:
    """Up to ``limit`` rows of ``queryset`` matching ``phrases``, highest id first.

    The windows read ids only and the rows are read once at the end: on PostgreSQL the
    joins of the rows' related objects took 4-5 ms to plan for each window."""
    found: list[int] = []
    upper = newest
    for reach in (NEAR, WIDE, None):
        lower = max(newest - reach, 0) if reach is not None else 0
        step = queryset.filter(_matching(index, phrases, lower, upper))
        # Past the newest ids, "id + 0" keeps PostgreSQL from walking the primary key down
        # and testing every row until 50 match (41 ms for 54k rows at 100k tickets, seconds
        # for a word that is rare among the older millions): it takes the index's matches
        # and sorts those few. The newest window is small enough to walk.
        step = step.order_by("-id" if reach == NEAR else (F("id") + 0).desc())
        found.extend(step.values_list("id", flat=True)[: limit - len(found)])
        if len(found) >= limit or lower == 0:
            break
        upper = lower
    if not found:
        return []
    return list(queryset.filter(id__in=found).order_by("-id"))


def search_tickets(
    tickets: QuerySet[Ticket], phrases: list[Phrase], newest: int, limit: int
) -> list[Ticket]:
    return newest_matches(tickets, TICKET_SUBJECTS, phrases, newest, limit)


def search_messages(
    messages: QuerySet[Message], phrases: list[Phrase], newest: int, limit: int
) -> list[Message]:
    return newest_matches(messages, MESSAGE_BODIES, phrases, newest, limit)
