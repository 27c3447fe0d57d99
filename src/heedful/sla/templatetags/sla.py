"""``{% ticket_clocks ticket events %}``: the ticket's SLA clocks with their explanations,
computed live from the event log so the elapsed time is as of this page view (``events``:
the log when the page has read it already, else the tag reads it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import template
from django.utils import timezone

from heedful.sla.actions import clock_results
from heedful.sla.explain import explain, tone
from heedful.sla.models import ClockKind
from heedful.tickets.models import Ticket, TicketEvent

register = template.Library()


@register.inclusion_tag("sla/clocks.html")
def ticket_clocks(ticket: Ticket, events: Sequence[TicketEvent] | None = None) -> dict[str, Any]:
    now = timezone.now()
    results = clock_results(ticket, now=now, events=events)
    # Of the next-update rounds, the latest one is what matters now.
    last_round = max((r.cycle for r in results if r.kind == ClockKind.NEXT_UPDATE), default=0)
    late_rounds = sum(1 for r in results if r.kind == ClockKind.NEXT_UPDATE and r.breached)
    rows = [
        {
            "label": ClockKind(r.kind).label,
            "state": r.state,
            "tone": tone(r),
            "explanation": explain(r, now),
            "target_minutes": r.target_minutes,
        }
        for r in results
        if r.kind != ClockKind.NEXT_UPDATE or r.cycle == last_round
    ]
    zone = results[0].calendar.display_zone.key if results and results[0].calendar else ""
    return {"rows": rows, "zone": zone, "late_rounds": late_rounds, "rounds": last_round}
