"""The only writers of survey requests, responses, credits and sentiment.

The ticket actions call :func:`on_ticket_event` for every change they log; it is the
one place where tickets reach into feedback:

- a ticket going from unsolved to solved schedules the CSAT survey FEEDBACK_CSAT_DELAY
  later — unless the ticket already had one within FEEDBACK_RESURVEY_WINDOW_DAYS, in
  which case a survey not yet sent is pushed back instead, and one already sent is not
  sent again;
- an inbound customer message is scored for sentiment by the worker;
- a ticket moved to another team moves its ratings in the feedback page's counts
  (heedful.feedback.rollups), past or live.

Only *live* changes do this: history written with a past timestamp (imports, demo
data) sends nobody a survey.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from heedful.customers.models import Contact
from heedful.feedback import emails, rollups
from heedful.feedback.models import (
    AgentCredit,
    MessageSentiment,
    QuestionKind,
    RequestState,
    Response,
    SkipReason,
    SurveyRequest,
)
from heedful.feedback.sentiment import default_model
from heedful.feedback.surveys import csat_survey, questions_by_key
from heedful.lib.errors import ActionError, ActionForbidden
from heedful.tickets.models import (
    SOLVED_STATUSES,
    Direction,
    EventKind,
    Message,
    Ticket,
    TicketEvent,
)

log = logging.getLogger(__name__)

# A change logged more than this long before "now" is history, not a live change.
LIVE_WITHIN = timedelta(minutes=5)
MAX_COMMENT_CHARS = 5000


def on_ticket_event(event: TicketEvent) -> None:
    if event.kind == EventKind.TEAM_CHANGED:
        # Past or live, the ticket's ratings now count for its new team.
        rollups.restate_ticket_team(event.ticket_id, _team_id(event.before))
        return
    if event.created_at < timezone.now() - LIVE_WITHIN:
        return
    if (
        event.kind == EventKind.STATUS_CHANGED
        and event.after in SOLVED_STATUSES
        and event.before not in SOLVED_STATUSES
    ):
        do_schedule_csat(event.ticket, solved_at=event.created_at)
    elif event.kind == EventKind.MESSAGE_ADDED and event.actor_contact_id and event.message_id:
        message_id = event.message_id
        transaction.on_commit(lambda: _enqueue_message_scoring(message_id))


def _team_id(logged: object) -> int | None:
    return logged if isinstance(logged, int) else None


def _enqueue_message_scoring(message_id: int) -> None:
    from heedful.feedback.tasks import score_message_sentiment

    score_message_sentiment.enqueue(message_id=message_id)


def _enqueue_send(request: SurveyRequest) -> None:
    from heedful.feedback.tasks import send_survey_request

    job = send_survey_request
    # The database and Redis backends hold the job until due_at; with a backend that
    # cannot defer, the job finds the request not yet due and the sweep sends it later.
    if job.get_backend().supports_defer:
        job = job.using(run_after=request.due_at)
    job.enqueue(request_id=request.pk)


@transaction.atomic
def do_schedule_csat(ticket: Ticket, *, solved_at: datetime) -> SurveyRequest | None:
    """Schedule the CSAT survey of a solved ticket; None if it must not be sent again."""
    survey = csat_survey()
    due_at = solved_at + timedelta(minutes=settings.FEEDBACK_CSAT_DELAY_MINUTES)
    window_start = solved_at - timedelta(days=settings.FEEDBACK_RESURVEY_WINDOW_DAYS)
    recent = (
        SurveyRequest.objects.select_for_update()
        .filter(ticket=ticket, survey=survey, created_at__gte=window_start)
        .order_by("-created_at", "-id")
        .first()
    )
    if recent is not None:
        waiting = recent.state == RequestState.SCHEDULED or (
            recent.state == RequestState.SKIPPED and recent.skip_reason == SkipReason.REOPENED
        )
        if not waiting:
            return None
        # Solved again before the survey went out: ask about the final answer, later.
        recent.state, recent.skip_reason = RequestState.SCHEDULED, SkipReason.NONE
        recent.due_at, recent.updated_at = due_at, timezone.now()
        recent.save(update_fields=["state", "skip_reason", "due_at", "updated_at"])
        request = recent
    else:
        request = SurveyRequest.objects.create(
            survey=survey,
            contact=ticket.requester,
            organization=ticket.organization,
            ticket=ticket,
            due_at=due_at,
            created_at=solved_at,
            updated_at=solved_at,
        )
    transaction.on_commit(lambda: _enqueue_send(request))
    return request


def _skip(request: SurveyRequest, reason: SkipReason, now: datetime) -> str:
    request.state, request.skip_reason, request.updated_at = RequestState.SKIPPED, reason, now
    request.save(update_fields=["state", "skip_reason", "updated_at"])
    return f"skipped:{reason}"


def _recently_surveyed(request: SurveyRequest, now: datetime) -> bool:
    since = now - timedelta(days=settings.FEEDBACK_THROTTLE_DAYS)
    others = SurveyRequest.objects.filter(contact_id=request.contact_id, sent_at__gte=since)
    return others.exclude(pk=request.pk).exists()


def do_send_request(request_id: int, *, now: datetime | None = None) -> str:
    """Send one due survey request; idempotent (a request is sent at most once). The
    request is marked sent in the transaction that sends the email, so a failed send
    rolls the mark back and a retry sends again."""
    now = now or timezone.now()
    with transaction.atomic():
        request = (
            SurveyRequest.objects.select_for_update(of=("self",))
            .select_related("survey", "ticket", "contact")
            .filter(pk=request_id)
            .first()
        )
        if request is None or request.state != RequestState.SCHEDULED:
            return "not-scheduled"
        if request.due_at > now:
            return "not-due"
        if not request.survey.is_active:
            return _skip(request, SkipReason.INACTIVE, now)
        if request.ticket is not None and request.ticket.status not in SOLVED_STATUSES:
            return _skip(request, SkipReason.REOPENED, now)
        if not request.contact.email:
            return _skip(request, SkipReason.NO_EMAIL, now)
        if _recently_surveyed(request, now):
            return _skip(request, SkipReason.THROTTLED, now)
        request.state, request.sent_at, request.updated_at = RequestState.SENT, now, now
        request.save(update_fields=["state", "sent_at", "updated_at"])
        if request.ticket is not None:
            credit_agents(request)
        emails.send_survey_email(request)
    log.info("feedback: sent survey request %s to %s", request.public_id, request.contact.email)
    return "sent"


def send_due_requests(*, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """The sweep (for backends that cannot defer, and for jobs that were lost)."""
    now = now or timezone.now()
    due = SurveyRequest.objects.filter(state=RequestState.SCHEDULED, due_at__lte=now)
    outcomes: Counter[str] = Counter()
    for request_id in due.order_by("due_at", "id").values_list("id", flat=True)[:limit]:
        outcomes[do_send_request(request_id, now=now)] += 1
    return dict(outcomes)


def credit_agents(request: SurveyRequest) -> list[AgentCredit]:
    """Credit every agent who replied publicly on the ticket, by share of the replies."""
    assert request.ticket_id is not None
    replies = Counter(
        Message.objects.filter(
            ticket_id=request.ticket_id,
            direction=Direction.OUTBOUND,
            is_public=True,
            author_user__isnull=False,
        ).values_list("author_user_id", flat=True)
    )
    total = sum(replies.values())
    AgentCredit.objects.filter(request=request).delete()
    return [
        AgentCredit.objects.create(request=request, agent_id=agent_id, replies=n, weight=n / total)
        for agent_id, n in sorted(replies.items())
    ]


def _check_answer(kind: str, low: int | None, high: int | None, value: str | int) -> int | str:
    if kind == QuestionKind.RATING:
        try:
            rating = int(value)
        except (TypeError, ValueError):
            raise ActionError("A rating must be a whole number.", field="rating") from None
        if low is None or high is None or not low <= rating <= high:
            raise ActionError(f"A rating must be from {low} to {high}.", field="rating")
        return rating
    text = str(value).strip()
    if len(text) > MAX_COMMENT_CHARS:
        raise ActionError(f"Please keep it under {MAX_COMMENT_CHARS} characters.", field="text")
    return text


@transaction.atomic
def do_answer(request: SurveyRequest, answers: dict[str, str | int]) -> list[Response]:
    """Record answers by question key; answering again updates, never duplicates. An
    empty optional answer leaves an earlier one as it was."""
    request = SurveyRequest.objects.select_for_update().get(pk=request.pk)
    if request.state not in (RequestState.SENT, RequestState.ANSWERED):
        raise ActionError("This survey is not open for answers.", code="closed")
    questions = questions_by_key(request.survey)
    unknown = sorted(set(answers) - set(questions))
    if unknown:
        raise ActionError(f"Unknown question {unknown[0]!r}.", field=unknown[0])
    now = timezone.now()
    saved = []
    for key, raw in answers.items():
        question = questions[key]
        if raw in ("", None):
            continue
        value = _check_answer(question.kind, question.scale_min, question.scale_max, raw)
        saved.append(_save_response(request, question.pk, question.metric, value, now))
    if saved:
        request.state, request.answered_at, request.updated_at = RequestState.ANSWERED, now, now
        request.save(update_fields=["state", "answered_at", "updated_at"])
    _act_on(request, saved)
    return saved


def _act_on(request: SurveyRequest, saved: list[Response]) -> None:
    """A bad rating opens a follow-up; a positive comment may give kudos (R9, R12)."""
    from heedful.feedback.followups import do_open_follow_up
    from heedful.feedback.kudos import do_record_kudos

    for response in saved:
        if response.rating is not None:
            do_open_follow_up(request, response)
        elif response.text:
            do_record_kudos(response)


def _save_response(
    request: SurveyRequest, question_id: int, metric: str, value: int | str, now: datetime
) -> Response:
    fields: dict[str, object] = {"updated_at": now, "metric": metric}
    if isinstance(value, int):
        fields["rating"] = value
    else:
        fields["text"] = value
        sentiment = default_model().score([value])[0]
        fields["sentiment"], fields["sentiment_label"] = sentiment.compound, sentiment.label
    create_fields = {
        **fields,
        "contact_id": request.contact_id,
        "organization_id": request.organization_id,
        "ticket_id": request.ticket_id,
        "created_at": now,
    }
    # A new or changed rating moves the page's counts in this transaction.
    with rollups.restate(Response.objects.filter(request=request, question_id=question_id)):
        response, created = Response.objects.update_or_create(
            request=request, question_id=question_id, defaults=fields,
            create_defaults=create_fields,
        )  # fmt: skip
        if created:
            rollups.stamp_dimensions(Response.objects.filter(pk=response.pk))
    return response


def do_score_message(message_id: int) -> MessageSentiment | None:
    """Score one inbound message (idempotent: a second run rewrites the same row)."""
    message = Message.objects.filter(pk=message_id, direction=Direction.INBOUND).first()
    if message is None:
        return None
    model = default_model()
    sentiment = model.score([message.body_text])[0]
    row, _ = MessageSentiment.objects.update_or_create(
        message=message,
        defaults={
            "model": model.name,
            "compound": sentiment.compound,
            "label": sentiment.label,
            "scored_at": timezone.now(),
        },
    )
    return row


def score_unscored_messages(*, limit: int = 1000) -> int:
    """Backfill: score inbound messages that have no sentiment yet (history, imports)."""
    model = default_model()
    messages = list(
        Message.objects.filter(direction=Direction.INBOUND, sentiment__isnull=True)
        .order_by("id")
        .only("id", "body_text")[:limit]
    )
    scores = model.score([m.body_text for m in messages])
    now = timezone.now()
    MessageSentiment.objects.bulk_create(
        [
            MessageSentiment(
                message=m, model=model.name, compound=s.compound, label=s.label, scored_at=now
            )
            for m, s in zip(messages, scores, strict=True)
        ],
        ignore_conflicts=True,
    )
    return len(messages)


@transaction.atomic
def do_answer_from_portal(
    ticket: Ticket, contact: Contact, answers: dict[str, str | int]
) -> list[Response]:
    """The CSAT question on a solved ticket in the customer portal: the same answers as
    the email's links (:func:`do_answer`), on the same request, so rating in both
    places updates one answer. Answered before the email went out, the request counts
    as asked now and the email is not sent (do_send_request only sends scheduled ones).
    """
    if ticket.requester_id != contact.pk:
        raise ActionForbidden("Only the person who asked for help can rate this request.")
    if ticket.status not in SOLVED_STATUSES:
        raise ActionError("You can rate a request once it is solved.", code="closed")
    survey = csat_survey()
    if not survey.is_active:
        raise ActionError("This survey is not open for answers.", code="closed")
    request = (
        SurveyRequest.objects.select_for_update()
        .filter(ticket=ticket, survey=survey)
        .order_by("-created_at", "-id")
        .first()
    )
    now = timezone.now()
    if request is None:
        request = SurveyRequest.objects.create(
            survey=survey, contact=contact, organization=ticket.organization, ticket=ticket,
            state=RequestState.SENT, due_at=now, sent_at=now, created_at=now, updated_at=now,
        )  # fmt: skip
        credit_agents(request)
    elif request.state not in (RequestState.SENT, RequestState.ANSWERED):
        request.state, request.skip_reason = RequestState.SENT, SkipReason.NONE
        request.sent_at, request.updated_at = now, now
        request.save(update_fields=["state", "skip_reason", "sent_at", "updated_at"])
        credit_agents(request)
    return do_answer(request, answers)
