"""What the CSAT box on a solved ticket in the customer portal shows (read only; the
answer is recorded by heedful.feedback.actions.do_answer_from_portal)."""

from __future__ import annotations

from dataclasses import dataclass

from heedful.customers.models import Contact
from heedful.feedback.models import Response, SurveyRequest
from heedful.feedback.surveys import COMMENT, CSAT_KEY, CSAT_LABELS, RATING
from heedful.tickets.models import SOLVED_STATUSES, Ticket


@dataclass(frozen=True)
class CsatBox:
    rating: int | None  # the answer already recorded, if any
    comment: str
    labels: list[tuple[int, str]]


def csat_box(ticket: Ticket, contact: Contact) -> CsatBox | None:
    """The box for the requester of a solved ticket; None for anyone else (a colleague
    who sees a shared ticket cannot rate it for them)."""
    if ticket.status not in SOLVED_STATUSES or ticket.requester_id != contact.pk:
        return None
    request = (
        SurveyRequest.objects.filter(ticket=ticket, survey__key=CSAT_KEY)
        .order_by("-created_at", "-id")
        .first()
    )
    answers: dict[str, Response] = {}
    if request is not None:
        for response in Response.objects.filter(request=request).select_related("question"):
            answers[response.question.key] = response
    rating = answers[RATING].rating if RATING in answers else None
    comment = answers[COMMENT].text if COMMENT in answers else ""
    return CsatBox(rating, comment, sorted(CSAT_LABELS.items()))
