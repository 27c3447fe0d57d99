"""The "did this solve it?" check: decided by a sweep after each solve, answered by the
customer with a signed link (email) or on the portal.

One :class:`SolvedCheck` row per solve (ticket + solved_at, unique), written in the
transaction that queues the email through the mail outbox (idempotency key
``solved-check:<check id>``), so a restart or a second sweep never asks twice. A ticket
asked within HEEDFUL_SOLVED_CHECK_WINDOW_DAYS is not asked again after a reopen-then-solve
(the row says why it was skipped). Never asked: customers without an email address, our
own addresses, and tickets opened by automated mail (auto-replies, bounces, lists).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from email.utils import formataddr

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.utils import timezone

from heedful.mail.contacts import our_addresses
from heedful.mail.models import MailMessage, OutboundKind
from heedful.mail.outbound import create_outbound, reply_subject
from heedful.reminders.links import check_url
from heedful.reminders.models import CheckState, SolvedCheck
from heedful.tickets.actions import record_event
from heedful.tickets.models import EventKind, Status, Ticket

log = logging.getLogger(__name__)

BATCH_SIZE = 200
# Solves older than this are never asked about: turning the feature on does not email
# every customer of the past, and backdated solves (imports, demo data) are left alone.
LOOKBACK = timedelta(days=2)
AUTOMATED_TAG = "automated"


def unchecked_solved_ticket_ids(now: datetime) -> list[int]:
    """Recently solved tickets whose current solve has no check row yet (range scan of
    the solved_at index, then one unique-index probe per ticket)."""
    decided = SolvedCheck.objects.filter(ticket=OuterRef("pk"), solved_at=OuterRef("solved_at"))
    tickets = Ticket.objects.filter(
        status=Status.SOLVED, solved_at__gte=now - LOOKBACK, solved_at__lte=now
    ).exclude(Exists(decided))
    return list(tickets.order_by("solved_at", "id").values_list("id", flat=True)[:BATCH_SIZE])


def _opened_by_automated_mail(ticket: Ticket) -> bool:
    if ticket.tags.filter(name=AUTOMATED_TAG).exists():
        return True
    first = MailMessage.objects.filter(ticket=ticket).order_by("created_at", "id").first()
    return first is not None and (bool(first.automated) or first.is_bounce)


def skip_reason(ticket: Ticket, now: datetime) -> str:
    """Why this solve gets no check ("" when it gets one)."""
    email = (ticket.requester.email or "").lower()
    if not email:
        return "the customer has no email address"
    if our_addresses([email]):
        return "the customer's address is one of ours"
    if _opened_by_automated_mail(ticket):
        return "the ticket was opened by automated mail"
    window = timedelta(days=settings.SOLVED_CHECK_WINDOW_DAYS)
    recent = SolvedCheck.objects.filter(
        ticket=ticket, state=CheckState.SENT, created_at__gte=now - window
    ).first()
    if recent is not None:
        return f"already asked on {timezone.localtime(recent.created_at):%Y-%m-%d %H:%M}"
    return ""


def _queue_email(check: SolvedCheck, ticket: Ticket) -> None:
    contact = ticket.requester
    assert contact.email
    body = render_to_string(
        "reminders/email/solved_check.txt",
        {
            "contact": contact,
            "ticket": ticket,
            "yes_url": check_url(check, "yes"),
            "no_url": check_url(check, "no"),
            "max_age_days": settings.SOLVED_CHECK_LINK_MAX_AGE_DAYS,
        },
    )
    # A reply-kind outbox row with its own text: it threads into the conversation, so a
    # customer who answers by email reopens the ticket as any reply does. (A kind of its
    # own would need a change to the mail app's choices.)
    create_outbound(
        ticket,
        kind=OutboundKind.REPLY,
        key=f"solved-check:{check.public_id}",
        to=[formataddr((contact.name, contact.email))],
        subject=reply_subject(ticket),
        body_text=body,
    )


@transaction.atomic
def do_decide_solved_check(ticket_id: int, *, now: datetime | None = None) -> SolvedCheck | None:
    """Ask (or record why not) for the ticket's current solve; None when it is not
    solved any more or was decided already."""
    now = now or timezone.now()
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("requester")
        .filter(pk=ticket_id, status=Status.SOLVED)
        .first()
    )
    if ticket is None or ticket.solved_at is None:
        return None
    if SolvedCheck.objects.filter(ticket=ticket, solved_at=ticket.solved_at).exists():
        return None
    reason = skip_reason(ticket, now)
    check = SolvedCheck(
        ticket=ticket,
        contact=ticket.requester,
        solved_at=ticket.solved_at,
        state=CheckState.SKIPPED if reason else CheckState.SENT,
        skip_reason=reason[:200],
        created_at=now,
        updated_at=now,
    )
    try:
        with transaction.atomic():
            check.save()
    except IntegrityError:  # decided concurrently by another worker
        return None
    if not reason:
        _queue_email(check, ticket)
        record_event(
            ticket, EventKind.SOLVED_CHECK_SENT, None, after={"check": str(check.public_id)}, at=now
        )
    return check


def decide_solved_checks(*, now: datetime | None = None) -> int:
    """One batch of the sweep; how many checks were sent."""
    if not settings.SOLVED_CHECK:
        return 0
    now = now or timezone.now()
    sent = 0
    for ticket_id in unchecked_solved_ticket_ids(now):
        try:
            check = do_decide_solved_check(ticket_id, now=now)
        except Exception:
            log.exception("reminders: no solved check for ticket %s", ticket_id)
            continue
        sent += check is not None and check.state == CheckState.SENT
    if sent:
        log.info("reminders: %s solved check(s) sent", sent)
    return sent
