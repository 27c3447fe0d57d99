"""Background jobs for tickets, run by the task worker (`heedful worker`).

Jobs are enqueued after commit and are idempotent: running one twice has the
effect of running it once.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from heedful.accounts.models import Notification

log = logging.getLogger(__name__)


@task()
def email_notification(notification_id: int) -> bool:
    """Email a staff member the copy of an in-app notification (mention, follow-up...)."""
    with transaction.atomic():
        notification = (
            # "self": the ticket or contact is an outer join, which cannot be locked.
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient", "ticket", "contact")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if notification is None or not notification.recipient.email:
            return False
        page = "ticket" if notification.ticket_id is not None else "contact"
        url = f"{settings.BASE_URL}{notification.target_path()}"
        # Marked before sending inside the transaction: if sending raises, the mark
        # rolls back and a retry sends again; if it succeeds, no retry sends twice.
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
        send_mail(
            subject=f"[{notification.target_label}] {notification.text}",
            message=f"{notification.text}.\n\nOpen the {page}: {url}\n",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[notification.recipient.email],
        )
    log.info("emailed notification %s to %s", notification_id, notification.recipient.email)
    return True
