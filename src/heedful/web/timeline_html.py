"""The ticket page's timeline as HTML, printed in Python.

The template's ``{% for entry in timeline %}`` resolved about 30 variables, ifs and withs per
entry: a 50-message page spent more time walking them than anything else it renders
(docs/performance-history.md, "Ticket page: the timeline printed in Python"). The output is what
that loop printed, byte for byte, whitespace included; every value is escaped as the template
escaped it. The values are plain strings, escaped with ``html.escape`` as Django's ``escape``
does (without its lazy-string wrapper, ten calls per entry); the folded quotes are escaped
already (``conditional_escape`` leaves them as they are).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape as esc

from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from heedful.mail.ticket_page import Delivery
from heedful.tickets.models import Attachment
from heedful.web.templatetags.workspace import filesize
from heedful.web.timeline import TimelineEntry


def _lines(*lines: str) -> str:
    """The template's text, line by line (the blank lines keep their indentation)."""
    return "\n".join(lines)


# Each entry: the text between {% for %} and {% endfor %}, the false branches left out.
_EVENT = _lines(
    "",
    "        ",
    '          <li class="timeline-entry timeline-event">',
    '            <span class="event-dot" aria-hidden="true"></span>',
    '            <span class="event-text"><strong>{actor}</strong> {text}</span>',
    '            <time datetime="{at_iso}" title="{at_title}">{at_label}</time>',
    "          </li>",
    "        ",
    "      ",
)
_MESSAGE = _lines(
    "",
    "        ",
    '          <li class="timeline-entry timeline-{kind}{inbound}" id="message-{public_id}">',
    '            <span class="avatar{customer}" aria-hidden="true">{initials}</span>',
    '            <div class="bubble">',
    '              <header class="bubble-head">',
    '                <strong class="author">{actor}</strong>',
    "                {pills}",
    '                <time datetime="{at_iso}" title="{at_title}">{at_label} · {ago}</time>',
    "              </header>",
    '              <div class="message-body">{body}</div>',
    "              {folded}",
    "              ",
    "                {files}",
    "              ",
    "              ",
    "                {delivery}",
    "              ",
    "            </div>",
    "          </li>",
    "        ",
    "      ",
)
_FOLDED = _lines(
    "",
    '                <details class="folded-text">',
    "                  <summary>Show quoted text</summary>",
    '                  <div class="folded-text-body">{folded}</div>',
    "                </details>",
    "              ",
)
_FILES = _lines(
    "",
    '                  <ul class="attachments">',
    "                    {items}",
    "                  </ul>",
    "                ",
)
_FILE = (
    '<li><a href="{url}" class="attachment-link">📎 {name}</a> '
    '<span class="muted">{size}</span></li>'
)
_DELIVERY = _lines(
    "",
    '                  <div class="delivery-status delivery-{state}" id="delivery-{public_id}">',
    "                    {line}",
    "                  </div>",
    "                ",
)
_SENTIMENT = (
    ' <span class="sentiment-badge sentiment-{label}" data-sentiment="{label}" '
    'title="Sentiment {compound} ({model} compound score, \u22121 to +1)">{display}</span>'
)


def _pills(entry: TimelineEntry) -> str:
    if entry.kind == "note":
        return '<span class="pill pill-note">Internal note</span>'
    if entry.inbound:
        sentiment = entry.sentiment
        if not sentiment:
            return '<span class="pill">Customer</span>'
        return '<span class="pill">Customer</span>' + _SENTIMENT.format(
            label=esc(sentiment.label), compound=floatformat(sentiment.compound, "2"),
            model=esc(sentiment.model), display=esc(sentiment.get_label_display()),
        )  # fmt: skip
    pill = '<span class="pill pill-reply">Public reply</span>'
    if entry.message is not None and entry.message.is_workaround:
        pill += ' <span class="pill pill-workaround">Unblocked the customer</span>'
    return pill


def _files(files: list[Attachment]) -> str:
    if not files:
        return ""
    items = "".join(
        _FILE.format(
            url=esc(reverse("web:attachment", args=[file.public_id])),
            name=esc(file.filename),
            size=esc(filesize(file.size)),
        )
        for file in files
    )
    return _FILES.format(items=items)


def _delivery(delivery: Delivery | None) -> str:
    if not delivery:
        return ""
    if delivery.alert:
        line = f'<span class="form-error" role="alert">{esc(delivery.text)}</span>'
    else:
        line = f'<small class="muted">{esc(delivery.text)}</small>'
    return _DELIVERY.format(state=esc(delivery.state), public_id=esc(delivery.public_id), line=line)


def _entry_html(entry: TimelineEntry) -> str:
    if entry.kind == "event":
        return _EVENT.format(
            actor=esc(entry.actor), text=esc(entry.text), at_iso=esc(entry.at_iso),
            at_title=esc(entry.at_title), at_label=esc(entry.at_label),
        )  # fmt: skip
    message = entry.message
    assert message is not None  # replies and notes are messages
    return _MESSAGE.format(
        kind=esc(entry.kind), inbound=" timeline-inbound" if entry.inbound else "",
        public_id=esc(str(message.public_id)), customer=" avatar-customer" if entry.inbound else "",
        initials=esc(entry.initials), actor=esc(entry.actor), pills=_pills(entry),
        at_iso=esc(entry.at_iso), at_title=esc(entry.at_title), at_label=esc(entry.at_label),
        ago=esc(entry.ago), body=message.body_html,
        folded=_FOLDED.format(folded=conditional_escape(entry.folded)) if entry.folded else "",
        files=_files(entry.files), delivery=_delivery(entry.delivery),
    )  # fmt: skip


def timeline_html(entries: Sequence[TimelineEntry]) -> SafeString:
    """What ``{% for entry in timeline %}`` printed in web/ticket.html."""
    return mark_safe("".join(_entry_html(entry) for entry in entries))
