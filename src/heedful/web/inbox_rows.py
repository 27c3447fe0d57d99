"""The inbox table's rows as plain dicts of ready strings, and their HTML.

The template engine resolves ``row.subject`` on a dict in one step, while
``t.assignee.display_name|initials`` on a model walks three lookups (each trying a dict
access first) and a filter; with ``{% url %}`` and an ``{% include %}`` per row that was
most of a 50-row page's rendering time (docs/performance-history.md, "Inbox and ticket pages").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from html import escape
from typing import Any, TypedDict

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from heedful.accounts.models import display_name_of
from heedful.sla.due import DueClock, nearest_clocks
from heedful.tickets.models import Priority, Status, format_ref
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


# What a row prints of its ticket and of the ticket's requester, organization, assignee and
# team: read as values (tickets.inbox.inbox_values_page), not as 250 model instances.
ROW_FIELDS = (
    "number", "subject", "status", "priority", "waiting_since",
    "requester__name",
    "organization__name", "organization__public_id",
    "assignee__username", "assignee__first_name", "assignee__last_name",
    "team__name", "next_due_at",
)  # fmt: skip


def inbox_row(
    ticket: dict[str, Any], due: DueClock | None, url_of: Callable[[str], str]
) -> InboxRow:
    """One row from a dict of ROW_FIELDS, ``tags`` and ``id`` (the ticket's)."""
    ref = format_ref(ticket["number"])
    assignee = ""
    if ticket["assignee__username"] is not None:
        assignee = display_name_of(
            ticket["assignee__first_name"],
            ticket["assignee__last_name"],
            ticket["assignee__username"],
        )
    organization_id = ticket["organization__public_id"]
    waiting_since = ticket["waiting_since"]
    return {
        "ref": ref,
        "url": url_of(ref),
        "subject": ticket["subject"],
        "requester": ticket["requester__name"],
        "organization": ticket["organization__name"] or "",
        "organization_id": str(organization_id) if organization_id else "",
        "status": ticket["status"],
        "status_label": STATUS_LABELS.get(ticket["status"], ticket["status"]),
        "priority": ticket["priority"],
        "priority_label": PRIORITY_LABELS.get(ticket["priority"], ticket["priority"]),
        "assignee": assignee,
        "assignee_initials": initials(assignee) if assignee else "",
        "team": ticket["team__name"] or "",
        "tags": ticket["tags"],
        "waiting_since": local_minute(waiting_since) if waiting_since else "",
        "waiting": age(waiting_since) if waiting_since else "",
        "due": due_cell(due),
    }


def inbox_rows(tickets: Sequence[dict[str, Any]], now: datetime) -> list[InboxRow]:
    """The rows of ``tickets`` (dicts, see ``inbox_row``), each with its nearest due SLA
    clock: one query for the page, none when nothing on it is due."""
    url_of = ticket_url_maker()
    # ``next_due_at`` is the nearest due time of the ticket's running clocks, written in
    # the transaction that changes them (heedful.sla.actions): without one, there is no
    # clock to show, and a page of such tickets (old ones, solved ones) needs no query.
    due_ids = [ticket["id"] for ticket in tickets if ticket["next_due_at"] is not None]
    due = nearest_clocks(due_ids, now)
    return [inbox_row(ticket, due.get(ticket["id"]), url_of) for ticket in tickets]


# The rows' HTML, printed here rather than by the template engine: 50 rows of a dozen cells
# were about 1,500 variable lookups, escapes and tag nodes, most of what was left of the
# page's rendering (docs/performance-history.md, "Inbox page cost"). ``escape`` is Django's.
_ROW = """
    <tr class="ticket-row" data-ticket-ref="{ref}">
      {check}
      <td class="col-ref"><a href="{url}">{ref}</a></td>
      <td class="col-subject"><a class="row-link" href="{url}">{subject}</a></td>
      <td class="col-requester"><span class="requester-name">{requester}</span>{organization}</td>
      <td><span class="badge status-{status}">{status_label}</span></td>
      <td><span class="priority priority-{priority}">{priority_label}</span></td>
      <td>{assignee}</td>
      <td>{team}</td>
      <td class="col-tags">{tags}</td>
      <td class="col-age">{waiting}</td>
      <td class="col-sla">{due}
</td>
    </tr>
  """
_CHECK = (
    '<td class="col-check"><input type="checkbox" name="tickets" value="{ref}" '
    'form="bulk-form" aria-label="Select {ref}"></td>'
)
_ORGANIZATION = (
    '<a class="muted org-name" href="?organization={id}" '
    'title="Only tickets from {name}">{name}</a>'
)
_ASSIGNEE = '<span class="who"><span class="avatar avatar-xs">{initials}</span>{name}</span>'
_WAITING = '<span class="age" title="Waiting since {since}">{age}</span>'
_DUE = (
    '<span class="badge sla-due sla-{tone} {badge}" data-clock-tone="{tone}" '
    'title="{label} due {due_at}">{text}</span>'
)
_DUE_BADGES = {"breached": "status-open", "warning": "status-new"}
_NONE = '<span class="muted">—</span>'


def _due_html(due: DueCell | None) -> str:
    if due is None:
        return _NONE
    tone = escape(due["tone"])
    return _DUE.format(
        tone=tone, badge=_DUE_BADGES.get(due["tone"], "status-solved"), label=escape(due["label"]),
        due_at=escape(due["due_at"]), text=escape(due["text"]),
    )  # fmt: skip


def row_html(row: InboxRow, can_bulk_edit: bool) -> str:
    """One row of the inbox table, every value escaped."""
    ref = escape(row["ref"])
    organization = escape(row["organization"])
    assignee = escape(row["assignee"])
    return _ROW.format(
        ref=ref, url=escape(row["url"]), subject=escape(row["subject"]),
        check=_CHECK.format(ref=ref) if can_bulk_edit else "",
        requester=escape(row["requester"]),
        organization=_ORGANIZATION.format(id=escape(row["organization_id"]), name=organization)
        if row["organization_id"] else "",
        status=escape(row["status"]), status_label=escape(row["status_label"]),
        priority=escape(row["priority"]), priority_label=escape(row["priority_label"]),
        assignee=_ASSIGNEE.format(initials=escape(row["assignee_initials"]), name=assignee)
        if assignee else _NONE,
        team=escape(row["team"]),
        tags="".join(f'<span class="tag">{escape(tag)}</span>' for tag in row["tags"]),
        waiting=_WAITING.format(since=escape(row["waiting_since"]), age=escape(row["waiting"]))
        if row["waiting"] else _NONE,
        due=_due_html(row["due"]),
    )  # fmt: skip


def rows_html(rows: Sequence[InboxRow], can_bulk_edit: bool) -> SafeString:
    """The table body's rows: what ``{% for row in rows %}`` printed in web/inbox.html."""
    return mark_safe("".join(row_html(row, can_bulk_edit) for row in rows))
