"""NPS on a cadence (R5): the relationship survey, never a once-a-year blast.

Every FEEDBACK_NPS_EVERY_DAYS (default 90) each contact with an email address who
opened a ticket in the last period is asked "How likely are you to recommend us?"
(0-10 + "why?"), at most once per period. The sweep creates the requests; sending is
the CSAT machinery's (:func:`heedful.feedback.actions.do_send_request`), so the same
throttle applies: a contact surveyed (any kind) within FEEDBACK_THROTTLE_DAYS gets the
NPS request due when that period ends, not now, and the sender checks again then.

Idempotent: a contact who already has an NPS request created in the period is not
picked again, and concurrent sweeps queue on a lock of the NPS survey's row (on SQLite
every write transaction takes the database lock at BEGIN).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from heedful.customers.models import Contact
from heedful.feedback.models import Survey, SurveyRequest
from heedful.feedback.surveys import nps_survey
from heedful.tickets.models import Ticket

BATCH_SIZE = 500
# The scheduler passes every 30 s; looking for contacts to ask once every 10 minutes is
# plenty for a 90-day cadence (the gate is per cache, so a new leader may look sooner).
SWEEP_GATE_KEY = "heedful:feedback:nps-sweep"
SWEEP_GATE_SECONDS = 600
# Due just after the throttle period ends (the sender throttles "sent within" the period).
AFTER_THROTTLE = timedelta(minutes=1)


def _candidates(survey: Survey, now: datetime, every: timedelta) -> list[tuple[int, int | None]]:
    since = now - every
    had_ticket = Ticket.objects.filter(requester_id=OuterRef("pk"), created_at__gte=since)
    asked = SurveyRequest.objects.filter(
        contact_id=OuterRef("pk"), survey=survey, created_at__gt=since
    )
    contacts = (
        Contact.objects.filter(email__isnull=False, email__gt="")
        .filter(Exists(had_ticket))
        .exclude(Exists(asked))
        .order_by("pk")
    )
    return list(contacts.values_list("pk", "organization_id")[:BATCH_SIZE])


def _last_sent(contact_ids: list[int]) -> dict[int, datetime]:
    rows = (
        SurveyRequest.objects.filter(contact_id__in=contact_ids, sent_at__isnull=False)
        .values("contact_id")
        .order_by()
        .annotate(last=Max("sent_at"))
    )
    return {row["contact_id"]: row["last"] for row in rows}


def do_schedule_nps(*, now: datetime | None = None) -> list[SurveyRequest]:
    """Create the NPS requests the cadence calls for now; the send jobs run after commit."""
    every_days = settings.FEEDBACK_NPS_EVERY_DAYS
    if every_days <= 0:
        return []
    now = now or timezone.now()
    throttle = timedelta(days=settings.FEEDBACK_THROTTLE_DAYS)
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=nps_survey().pk)
        if not survey.is_active:
            return []
        found = _candidates(survey, now, timedelta(days=every_days))
        last_sent = _last_sent([contact_id for contact_id, _ in found])
        requests = []
        for contact_id, organization_id in found:
            last = last_sent.get(contact_id)
            throttled = last is not None and last + throttle >= now
            due_at = last + throttle + AFTER_THROTTLE if throttled and last else now
            requests.append(
                SurveyRequest(
                    survey=survey,
                    contact_id=contact_id,
                    organization_id=organization_id,
                    due_at=due_at,
                    created_at=now,
                    updated_at=now,
                )
            )
        created = SurveyRequest.objects.bulk_create(requests)
        transaction.on_commit(lambda: _enqueue_sends(created))
    return created


def _enqueue_sends(requests: list[SurveyRequest]) -> None:
    from heedful.feedback.actions import _enqueue_send

    for request in requests:
        _enqueue_send(request)


def run_gated_sweep() -> int:
    """The scheduler's periodic call: at most once per SWEEP_GATE_SECONDS per cache."""
    if not cache.add(SWEEP_GATE_KEY, True, timeout=SWEEP_GATE_SECONDS):
        return 0
    return len(do_schedule_nps())
