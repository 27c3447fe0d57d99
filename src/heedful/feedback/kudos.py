"""Kudos from customers' own words (R12): the only writer of :class:`Kudos`.

A survey comment whose sentiment is positive (the SentimentModel's label) gives kudos to
the agents who replied publicly on its ticket when it

- **names** one of them — first name or username, any case, as a whole word ("alice"
  but not "Alicent"): kudos to each agent named; or else
- **thanks** without naming anybody ("thank", "thanks", "thank you", "thx", "grateful",
  "appreciate(d)"): kudos to every agent who replied publicly.

A comment without a ticket (NPS) has nobody to credit. A comment edited later is judged
again: its kudos are replaced, never doubled.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from heedful.accounts.models import User
from heedful.feedback.models import Kudos, KudosReason, Response, SentimentLabel
from heedful.tickets.models import Direction, Message

THANKS = re.compile(r"\b(thanks?|thankful|thx|grateful|appreciated?|appreciates)\b", re.I)


@dataclass(frozen=True)
class Candidate:
    agent_id: int
    names: tuple[str, ...]


def _mentions(name: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE) is not None


def match_kudos(text: str, candidates: Sequence[Candidate]) -> dict[int, KudosReason]:
    """Agent id -> why they get kudos, for one positive comment (no Django needed)."""
    named = {
        c.agent_id: KudosReason.NAMED
        for c in candidates
        if any(name and _mentions(name, text) for name in c.names)
    }
    if named:
        return named
    if THANKS.search(text):
        return {c.agent_id: KudosReason.THANKED for c in candidates}
    return {}


def public_repliers(ticket_id: int) -> list[Candidate]:
    agent_ids = (
        Message.objects.filter(
            ticket_id=ticket_id, direction=Direction.OUTBOUND, is_public=True,
            author_user__isnull=False,
        ).values("author_user_id")
    )  # fmt: skip
    users = User.objects.filter(pk__in=agent_ids, is_active=True).order_by("pk")
    return [
        Candidate(pk, tuple(n for n in (first, username) if n))
        for pk, first, username in users.values_list("pk", "first_name", "username")
    ]


def do_record_kudos(response: Response) -> list[Kudos]:
    """(Re)judge one comment; call inside the answer's transaction."""
    Kudos.objects.filter(response=response).delete()
    if response.ticket_id is None or response.sentiment_label != SentimentLabel.POSITIVE:
        return []
    found = match_kudos(response.text, public_repliers(response.ticket_id))
    return [
        Kudos.objects.create(
            response=response,
            agent_id=agent_id,
            reason=reason,
            contact_id=response.contact_id,
            organization_id=response.organization_id,
            ticket_id=response.ticket_id,
            created_at=response.updated_at,
        )
        for agent_id, reason in sorted(found.items())
    ]


def wall(kudos: QuerySet[Kudos], limit: int) -> list[Kudos]:
    return list(
        kudos.select_related("agent", "response", "contact", "organization", "ticket").order_by(
            "-created_at", "-id"
        )[:limit]
    )


def counts_by_agent(kudos: QuerySet[Kudos]) -> list[tuple[str, int]]:
    """(agent display name, kudos) — most first, then by name."""
    rows = (
        kudos.values("agent_id", "agent__first_name", "agent__last_name", "agent__username")
        .order_by()
        .annotate(n=Count("id"))
    )
    named = [
        (
            f"{r['agent__first_name']} {r['agent__last_name']}".strip() or r["agent__username"],
            r["n"],
        )
        for r in rows
    ]
    return sorted(named, key=lambda pair: (-pair[1], pair[0]))
