"""Which ticket does an email belong to?

Strong evidence, from any sender: In-Reply-To, References (including ids of messages we
never saw) and Outlook's Thread-Index. Weak evidence, only from the ticket's own people
(requester, same organization, followers): our ref in the subject (``[HD-1042]``) or a
plus address (``support+HD-1042@...``). A similar subject alone never threads, so a new
problem is never buried in an old ticket.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection

from heedful.customers.models import Contact
from heedful.mail.identity import message_key, thread_index_key
from heedful.mail.models import MailFollower, MailReference
from heedful.mail.parsing import ParsedEmail
from heedful.tickets.models import Ticket

MAX_REFERENCES = 100


@dataclass(frozen=True)
class ThreadMatch:
    ticket: Ticket | None
    via: str = ""  # in-reply-to, references, thread-index, message-id, subject-ref, plus-address
    # The message's keys that lead to a ticket already: storing them again would do nothing.
    known: frozenset[str] = field(default=frozenset(), compare=False)
    # ``ticket`` was read with SELECT ... FOR UPDATE (PostgreSQL), so it is current.
    locked: bool = field(default=False, compare=False)


def reference_keys(parsed: ParsedEmail) -> list[tuple[str, str]]:
    """(key, evidence) pairs, the nearest parent first."""
    keys = [(message_key(i), "in-reply-to") for i in parsed.in_reply_to]
    references = parsed.references[-MAX_REFERENCES:]
    keys += [(message_key(i), "references") for i in reversed(references)]
    if parsed.thread_index_root:
        keys.append((thread_index_key(parsed.thread_index_root), "thread-index"))
    return keys


def find_thread(parsed: ParsedEmail, sender: Contact) -> ThreadMatch:
    keys = reference_keys(parsed)
    if parsed.message_id:
        # A reply may arrive before its parent: the parent then finds the reply's ticket.
        keys.append((message_key(parsed.message_id), "message-id"))
    if keys:
        # The tickets come with their references: one query, not one more per match.
        references = MailReference.objects.filter(key__in=[k for k, _ in keys])
        references = references.select_related("ticket")
        locked = connection.features.has_select_for_update  # SQLite: it locks it all
        if locked:
            # Locked (a reply updates its ticket), so it need not be read again; in
            # ticket order, so two messages matching the same tickets lock them alike.
            references = references.select_for_update(of=("ticket",)).order_by("ticket_id")
        found = {r.key: r.ticket for r in references}
        for key, via in keys:
            if key in found:
                return ThreadMatch(found[key], via, frozenset(found), locked)
    for number, via in _ref_numbers(parsed):
        ticket = Ticket.objects.filter(number=number).first()
        if ticket is not None and is_participant(ticket, sender):
            return ThreadMatch(ticket, via)
    return ThreadMatch(None)


def _ref_numbers(parsed: ParsedEmail) -> list[tuple[int, str]]:
    prefix = re.escape(settings.TICKET_REF_PREFIX)
    plus = re.compile(rf"\+{prefix}-(\d{{1,17}})@", re.IGNORECASE)
    subject = re.compile(rf"\[\s*{prefix}-(\d{{1,17}})\s*\]", re.IGNORECASE)
    found = [(int(m.group(1)), "plus-address") for r in parsed.recipients if (m := plus.search(r))]
    found += [(int(m), "subject-ref") for m in subject.findall(parsed.subject)]
    return found


def is_participant(ticket: Ticket, contact: Contact) -> bool:
    if contact.pk == ticket.requester_id:
        return True
    if contact.organization_id is not None and contact.organization_id == ticket.organization_id:
        return True
    return MailFollower.objects.filter(ticket=ticket, contact=contact).exists()


def own_keys(parsed: ParsedEmail, key: str, known: frozenset[str] = frozenset()) -> list[str]:
    """Every key that should lead to this message's ticket from now on (but ``known``,
    those that lead to a ticket already)."""
    keys = [key, *(k for k, _ in reference_keys(parsed))]
    return [k for k in dict.fromkeys(keys) if k not in known]
