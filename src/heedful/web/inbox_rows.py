"""The inbox table's rows as plain dicts of ready strings.

The template engine resolves ``row.subject`` on a dict in one step, while
``t.assignee.display_name|initials`` on a model walks three lookups (each trying a dict
access first) and a filter; with ``{% url %}`` and an ``{% include %}`` per row that was
most of a 50-row page's rendering time (docs/performance.md, "Inbox and ticket pages").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypedDict

from django.urls import reverse
from django.utils import timezone

from heedful.sla.due import DueClock
from heedful.tickets.models import Priority, Status, Ticket
from heedful.web.templatetags.workspace import age, initials

STATUS_LABELS = dict(Status.choices)
PRIORITY_LABELS = dict(Priority.choices)
# A stand-in that ``reverse`` leaves as it is; ticket refs need no quoting either.
_REF_MARK = "REFMARK"


class DueCell(TypedDict):
    tone: str
    label: str
    due_at: str
    text: str


class InboxRow(TypedDict):
    ref: str
    url: str
    subject: str
    requester: str
    organization: str
    organization_id: str
    status: str
    status_label: str
    priority: str
    priority_label: str
    assignee: str
    assignee_initials: str
    team: str
    tags: list[str]
    waiting_since: str
    waiting: str
    due: DueCell | None


def ticket_url_maker() -> Callable[[str], str]:
    """``reverse("web:ticket", args=[ref])`` for many refs, reversed once."""
    head, _, tail = reverse("web:ticket", args=[_REF_MARK]).partition(_REF_MARK)
    return lambda ref: f"{head}{ref}{tail}"


def local_minute(value: datetime) -> str:
    """What ``value|date:'Y-m-d H:i'`` prints."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def due_cell(due: DueClock | None) -> DueCell | None:
    if due is None or due.clock.due_at is None:
        return None
    return {
        "tone": due.tone,
        "label": due.label,
        "due_at": local_minute(due.clock.due_at),
        "text": due.text,
    }


def inbox_row(ticket: Ticket, url_of: Callable[[str], str]) -> InboxRow:
    ref = ticket.ref
    assignee = ticket.assignee.display_name if ticket.assignee else ""
    organization = ticket.organization
    waiting_since = ticket.waiting_since
    return {
        "ref": ref,
        "url": url_of(ref),
        "subject": ticket.subject,
        "requester": ticket.requester.name,
        "organization": organization.name if organization else "",
        "organization_id": str(organization.public_id) if organization else "",
        "status": ticket.status,
        "status_label": STATUS_LABELS.get(ticket.status, ticket.status),
        "priority": ticket.priority,
        "priority_label": PRIORITY_LABELS.get(ticket.priority, ticket.priority),
        "assignee": assignee,
        "assignee_initials": initials(assignee) if assignee else "",
        "team": ticket.team.name if ticket.team else "",
        "tags": [tag.name for tag in ticket.tags.all()],
        "waiting_since": local_minute(waiting_since) if waiting_since else "",
        "waiting": age(waiting_since) if waiting_since else "",
        "due": due_cell(getattr(ticket, "sla_due", None)),
    }


def inbox_rows(tickets: Sequence[Ticket]) -> list[InboxRow]:
    url_of = ticket_url_maker()
    return [inbox_row(ticket, url_of) for ticket in tickets]
