"""The search page's ticket and message rows, printed in Python as the inbox's are
(web/inbox_rows.py): up to 100 rows through the template engine were about a fifth of a
rare word's page at 100k tickets (docs/performance-history.md, "Search page at 100k: the
rows printed in Python")."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from django.utils.safestring import SafeString, mark_safe

from heedful.tickets.models import Message, Ticket
from heedful.web.templatetags.workspace import snippet

_TICKET = (
    '<tr data-ticket-ref="{ref}"><td class="col-ref"><a href="{url}">{ref}</a></td>'
    '<td class="col-subject"><a href="{url}">{subject}</a></td><td>{requester}{organization}'
    '</td><td><span class="badge status-{status}">{status_label}</span></td></tr>'
)
_MESSAGE = (
    '<li><a href="{url}#message-{public_id}"><span class="ref">{ref}</span> {subject}</a>\n'
    '          <div class="snippet">{note}<strong>{author}:</strong> {snippet}</div></li>'
)
_NOTE = '<span class="pill pill-note">Note</span> '


def ticket_rows_html(tickets: Sequence[Ticket], url_of: Callable[[str], str]) -> SafeString:
    rows = []
    for t in tickets:
        org = t.organization
        rows.append(
            _TICKET.format(
                ref=escape(t.ref),
                url=escape(url_of(t.ref)),
                subject=escape(t.subject),
                requester=escape(t.requester.name),
                organization=f' <span class="muted">· {escape(org.name)}</span>' if org else "",
                status=escape(t.status),
                status_label=escape(t.get_status_display()),
            )
        )
    return mark_safe("\n".join(rows))  # every value above is escaped


def message_rows_html(
    messages: Sequence[Message], q: str, url_of: Callable[[str], str]
) -> SafeString:
    rows = [
        _MESSAGE.format(
            url=escape(url_of(m.ticket.ref)),
            public_id=escape(str(m.public_id)),
            ref=escape(m.ticket.ref),
            subject=escape(m.ticket.subject),
            note="" if m.is_public else _NOTE,
            author=escape(m.author_name),
            snippet=escape(snippet(m.body_text, q)),
        )
        for m in messages
    ]
    return mark_safe("\n".join(rows))  # every value above is escaped
