"""Builders of the topics tests: tickets and survey comments from named customers, about
billing, logins and shipping (tests/feedback/topic_texts.py)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from heedful.customers.models import Contact, Organization
from heedful.feedback.actions import do_answer
from heedful.feedback.models import RequestState, Response, SurveyRequest
from heedful.feedback.surveys import COMMENT, csat_survey
from heedful.tickets.actions import do_create_ticket
from heedful.tickets.models import Ticket
from tests.feedback.topic_texts import BILLING, LOGIN, SHIPPING


def ticket(contact: Contact, text: str) -> Ticket:
    return do_create_ticket(actor=contact, requester=contact, subject=text, body_text=text)


def comment(contact: Contact, text: str) -> Response:
    now = timezone.now()
    request = SurveyRequest.objects.create(
        survey=csat_survey(), contact=contact, organization=contact.organization,
        state=RequestState.SENT, due_at=now, sent_at=now,
    )  # fmt: skip
    (response,) = do_answer(request, {COMMENT: text})
    return response


@dataclass
class Desk:
    dave: Contact
    frank: Contact  # Acme too
    erin: Contact
    gina: Contact  # no organization
    hank: Contact  # no organization


def people(dave: Contact, erin: Contact, acme: Organization) -> Desk:
    frank = Contact.objects.create(name="Frank Acme", email="frank@acme.test", organization=acme)
    gina = Contact.objects.create(name="Gina Solo", email="gina@example.test")
    hank = Contact.objects.create(name="Hank Solo", email="hank@example.test")
    return Desk(dave, frank, erin, gina, hank)


def fill(desk: Desk) -> None:
    """Billing: 8 tickets from 4 customers (Acme twice over, Globex, Gina, Hank).
    Logins: 8 comments, all Dave's (1 customer). Shipping: 6 tickets from 3 customers."""
    writers = [desk.dave, desk.dave, desk.dave, desk.frank, desk.frank, desk.erin]
    for contact, text in zip([*writers, desk.gina, desk.hank], BILLING, strict=True):
        ticket(contact, text)
    for text in LOGIN:
        comment(desk.dave, text)
    shipping = [desk.erin, desk.erin, desk.gina, desk.gina, desk.hank, desk.hank]
    for contact, text in zip(shipping, SHIPPING[:6], strict=True):
        ticket(contact, text)
