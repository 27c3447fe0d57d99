"""Helpers of the portal tests: the sign-in link from the email the worker sent, and a
fingerprint of everything a refused request must leave unchanged."""

from __future__ import annotations

import re

from django.core import mail

from heedful.accounts.models import User
from heedful.customers.models import Contact
from heedful.portal.models import Confirmation, MagicLink
from heedful.tickets.models import Attachment, Message, Ticket, TicketEvent

LINK = re.compile(r"https?://\S+/portal/sign-in/([A-Za-z0-9_\-]+)/")


def link_token(message: mail.EmailMessage) -> str:
    found = LINK.search(str(message.body))
    assert found is not None, message.body
    return found.group(1)


def world_state() -> tuple[int, ...]:
    return (
        Ticket.objects.count(),
        Message.objects.count(),
        Attachment.objects.count(),
        TicketEvent.objects.count(),
        Contact.objects.count(),
        User.objects.count(),
        MagicLink.objects.count(),
        Confirmation.objects.count(),
        len(mail.outbox),
    )
