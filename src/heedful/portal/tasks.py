"""Emails of the portal and the web form, sent by the task worker (`heedful worker`).

Enqueued after commit and idempotent: each job marks its row sent in the transaction
that sends, so a retry after a failure sends again and a retry after success does not.
"""

from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

from heedful.portal.models import Confirmation, MagicLink, hash_link_token

log = logging.getLogger(__name__)


def magic_link_url(token: str) -> str:
    return f"{settings.BASE_URL}/portal/sign-in/{token}/"


@task()
def send_magic_link(link_id: int) -> bool:
    """Make the link's secret, keep only its hash, and email the link to the contact."""
    with transaction.atomic():
        link = (
            MagicLink.objects.select_for_update()
            .select_related("contact")
            .filter(pk=link_id, sent_at__isnull=True, used_at__isnull=True)
            .first()
        )
        now = timezone.now()
        if link is None or not link.contact.email or link.expires_at <= now:
            return False
        token = secrets.token_urlsafe(32)
        link.token_hash = hash_link_token(token)
        link.sent_at = now
        link.save(update_fields=["token_hash", "sent_at"])
        context = {
            "contact": link.contact,
            "url": magic_link_url(token),
            "minutes": max(1, int((link.expires_at - now).total_seconds() // 60)),
        }
        send_mail(
            subject="Your sign-in link",
            message=render_to_string("portal/email/magic_link.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[link.contact.email],
        )
    log.info("sent sign-in link %s", link_id)
    return True


@task()
def send_confirmation(confirmation_id: int) -> bool:
    """Tell the customer who used the web form that we have their request, and its ref."""
    with transaction.atomic():
        confirmation = (
            Confirmation.objects.select_for_update()
            .select_related("ticket__requester")
            .filter(pk=confirmation_id, sent_at__isnull=True)
            .first()
        )
        email = confirmation.ticket.requester.email if confirmation is not None else None
        if confirmation is None or not email:
            return False
        ticket = confirmation.ticket
        confirmation.sent_at = timezone.now()
        confirmation.save(update_fields=["sent_at"])
        context = {"ticket": ticket, "portal_url": f"{settings.BASE_URL}/portal/"}
        send_mail(
            subject=f"[{ticket.ref}] We received your request: {ticket.subject}",
            message=render_to_string("portal/email/confirmation.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[email],
        )
    log.info("sent the web form confirmation of ticket %s", ticket.ref)
    return True
