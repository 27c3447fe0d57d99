"""The texts the topics are computed from: the latest tickets (subject and first customer
message) and survey comments, at most TOPICS_MAX_DOCUMENTS of them in all.

Bounded reads: the latest tickets along the unique index on their number, the first
inbound message of each through the (ticket, created_at, id) index, comments along the
(metric, created_at) index; a fixed number of queries whatever the size of the desk.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, Subquery

from heedful.feedback.models import MessageSentiment, QuestionMetric, Response
from heedful.tickets.models import Direction, Message, Ticket

# The customer's ask is at the start; quoted history and signatures come later.
BODY_CHARS = 1000
QUOTE_CHARS = 400
CHUNK = 2000


@dataclass(frozen=True)
class Document:
    ticket_id: int | None
    response_id: int | None
    contact_id: int
    organization_id: int | None
    text: str
    quote: str
    sentiment: float | None
    created_at: datetime

    @property
    def key(self) -> tuple[str, int]:
        if self.ticket_id is not None:
            return ("ticket", self.ticket_id)
        assert self.response_id is not None
        return ("response", self.response_id)


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _first_messages(message_ids: Sequence[int]) -> dict[int, tuple[str, float | None]]:
    bodies: dict[int, str] = {}
    for chunk in _chunks(message_ids):
        for pk, body in Message.objects.filter(pk__in=chunk).values_list("pk", "body_text"):
            bodies[pk] = body[:BODY_CHARS]
    scores: dict[int, float] = {}
    for chunk in _chunks(message_ids):
        rows = MessageSentiment.objects.filter(message_id__in=chunk)
        scores.update(rows.values_list("message_id", "compound"))
    return {pk: (body, scores.get(pk)) for pk, body in bodies.items()}


def ticket_documents(limit: int) -> list[Document]:
    first_inbound = Message.objects.filter(
        ticket_id=OuterRef("pk"), direction=Direction.INBOUND
    ).order_by("created_at", "id")
    rows = list(
        Ticket.objects.order_by("-number")
        .annotate(first_message_id=Subquery(first_inbound.values("pk")[:1]))
        .values_list(
            "pk", "subject", "requester_id", "organization_id", "created_at", "first_message_id"
        )[:limit]
    )
    firsts = _first_messages([row[5] for row in rows if row[5] is not None])
    documents = []
    for pk, subject, contact_id, organization_id, created_at, message_id in rows:
        body, sentiment = firsts.get(message_id, ("", None)) if message_id else ("", None)
        text = f"{subject}\n{body}".strip()
        quote = _quote(subject, body)
        documents.append(
            Document(
                ticket_id=pk,
                response_id=None,
                contact_id=contact_id,
                organization_id=organization_id,
                text=text,
                quote=quote,
                sentiment=sentiment,
                created_at=created_at,
            )
        )
    return documents


def comment_documents(limit: int) -> list[Document]:
    rows = (
        Response.objects.filter(metric=QuestionMetric.NONE)
        .exclude(text="")
        .order_by("-created_at", "-id")
        .values_list("pk", "contact_id", "organization_id", "text", "sentiment", "created_at")
    )
    return [
        Document(
            ticket_id=None,
            response_id=pk,
            contact_id=contact_id,
            organization_id=organization_id,
            text=text[:BODY_CHARS],
            quote=_shorten(text),
            sentiment=sentiment,
            created_at=created_at,
        )
        for pk, contact_id, organization_id, text, sentiment, created_at in rows[:limit]
    ]


def _quote(subject: str, body: str) -> str:
    """The first message, after the subject unless the message already says it (subjects
    are often the message's first words, cut with an ellipsis)."""
    start = subject.rstrip(".… ").lower()
    if not body:
        return _shorten(subject)
    if not start or " ".join(start.split()) in " ".join(body.split()).lower():
        return _shorten(body)
    return _shorten(f"{subject} — {body}")


def _shorten(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= QUOTE_CHARS else flat[: QUOTE_CHARS - 1].rstrip() + "…"


def latest_documents(limit: int) -> list[Document]:
    """The latest ``limit`` tickets and comments together, newest first."""
    documents = ticket_documents(limit) + comment_documents(limit)
    documents.sort(key=lambda d: (d.created_at, d.key), reverse=True)
    return documents[:limit]
