"""The feedback pages with a quarter of answers, in a real browser: the feedback page
(scores over time, filters, comparisons), an agent's profile, a contact's sentiment
trend, the ticket page's sentiment badges and the portal's CSAT question.

With HEEDFUL_UPDATE_SCREENSHOTS=1 the pictures go to docs/screenshots/; otherwise to a
temporary folder and only the checks run.
"""

from __future__ import annotations

import os
import random
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from heedful.accounts.models import User
from heedful.customers.models import Contact, Organization
from heedful.feedback import rollups
from heedful.feedback.actions import credit_agents, do_answer, score_unscored_messages
from heedful.feedback.models import RequestState, Response, SurveyRequest
from heedful.feedback.surveys import COMMENT, EFFORT, RATING, csat_survey, nps_survey
from heedful.tickets.actions import do_add_message, do_create_ticket
from heedful.tickets.models import Status, Ticket
from tests.browser.test_agent_workspace import sign_in
from tests.browser.test_portal import DOCS_SCREENSHOTS
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COMMENTS = [
    "Thanks Alice, sorted in minutes!",
    "Bob was patient and clear, thank you.",
    "Took three emails to get an answer. Frustrating.",
    "Fine.",
    "The refund still has not arrived, very disappointed.",
    "Great help, much appreciated.",
]

FIRST_MESSAGES = [
    "This is terrible, I am furious and still broken.",
    "Where is my order?",
    "Thank you, quick question about invoices.",
]


def _answer(ticket: Ticket, days_ago: int, rating: int, effort: int, comment: str) -> None:
    now = timezone.now()
    request = SurveyRequest.objects.create(
        survey=csat_survey(), contact=ticket.requester, organization=ticket.organization,
        ticket=ticket, state=RequestState.SENT, due_at=now, sent_at=now,
    )  # fmt: skip
    credit_agents(request)
    do_answer(request, {RATING: rating, EFFORT: effort, COMMENT: comment})
    when = now - timedelta(days=days_ago, hours=random.Random(days_ago).randint(0, 20))
    answers = Response.objects.filter(request=request)
    with rollups.restate(answers):  # the feedback page's counts follow the backdating
        answers.update(created_at=when, updated_at=when)


def _nps(contact: Contact, days_ago: int, rating: int) -> None:
    now = timezone.now()
    request = SurveyRequest.objects.create(
        survey=nps_survey(), contact=contact, organization=contact.organization,
        state=RequestState.SENT, due_at=now, sent_at=now,
    )  # fmt: skip
    do_answer(request, {RATING: rating})
    when = now - timedelta(days=days_ago)
    answers = Response.objects.filter(request=request)
    with rollups.restate(answers):  # the feedback page's counts follow the backdating
        answers.update(created_at=when, updated_at=when)


def _a_quarter_of_feedback(alice: User, bob: User, dave: Contact, erin: Contact) -> Ticket:
    rng = random.Random(6)
    initech = Organization.objects.create(name="Initech", plan="enterprise", segment="mid-market")
    ines = Contact.objects.create(name="Ines Ito", email="ines@initech.test", organization=initech)
    tickets = []
    now = timezone.now()
    for n, person in enumerate([dave, erin, ines] * 4):
        opened = now - timedelta(days=100 - n * 7)
        ticket = do_create_ticket(
            actor=person, requester=person, subject=f"Question {n}", created_at=opened,
            body_text=rng.choice(FIRST_MESSAGES),
        )  # fmt: skip
        for agent in (alice, bob)[: 1 + n % 2]:
            do_add_message(ticket, author=agent, body_text="On it.", created_at=opened)
        do_add_message(ticket, author=person, body_text=rng.choice(COMMENTS), created_at=opened)
        tickets.append(ticket)
    for days_ago in range(0, 120):
        for _ in range(rng.randint(4, 8)):
            good = 0.5 + 0.4 * (120 - days_ago) / 120  # getting better
            rating = rng.choice([4, 5]) if rng.random() < good else rng.choice([1, 2, 3])
            comment = rng.choice(COMMENTS) if rng.random() < 0.15 else ""
            _answer(rng.choice(tickets), days_ago, rating, rng.randint(3, 7), comment)
    for days_ago in range(0, 90, 2):
        _nps(rng.choice([dave, erin, ines]), days_ago, rng.choice([10, 9, 9, 8, 7, 3, 10, 6]))
    score_unscored_messages()
    return tickets[0]


def test_it_shows_the_feedback_pages(
    page: Any, browser: Any, live_server: Any, tmp_path: Path, alice: User, bob: User,
    dave: Contact, erin: Contact,
) -> None:  # fmt: skip
    folder = DOCS_SCREENSHOTS if os.environ.get("HEEDFUL_UPDATE_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    ticket = _a_quarter_of_feedback(alice, bob, dave, erin)
    sign_in(page, live_server, alice)

    page.goto(f"{live_server.url}/feedback/?days=90")
    assert page.locator("#trend-csat .chart-point").count() >= 10
    assert "significant" in page.inner_text("#vs-previous-csat")
    page.screenshot(path=str(folder / "feedback.png"), full_page=True)
    page.select_option("#filter-plan", "enterprise")
    page.click("#filter-apply")
    page.wait_for_url(re.compile(r".*plan=enterprise.*"))
    assert page.inner_text("#segment-description") == "plan enterprise"
    assert page.inner_text("#vs-rest-csat").startswith("vs everyone else: ")
    page.screenshot(path=str(folder / "feedback-segment.png"), full_page=True)

    page.goto(f"{live_server.url}/agents/alice/")
    assert page.inner_text("#agent-csat") != "—"
    page.screenshot(path=str(folder / "agent-profile.png"), full_page=True)

    page.goto(f"{live_server.url}/contacts/{dave.public_id}/")
    assert "messages" in page.inner_text("#sentiment-summary")
    page.screenshot(path=str(folder / "contact-sentiment.png"), full_page=True)

    page.goto(f"{live_server.url}/tickets/{ticket.ref}/")
    assert page.locator(".timeline .sentiment-badge").count() == 2
    page.screenshot(path=str(folder / "ticket-sentiment.png"))

    do_add_message(ticket, author=alice, body_text="All done.", new_status=Status.SOLVED)
    customer = browser.new_context(viewport={"width": 1000, "height": 900})
    portal = customer.new_page()
    portal.goto(f"{live_server.url}/login/")
    assert dave.user is not None
    portal.fill("input[name=username]", dave.user.username)
    portal.fill("input[name=password]", PASSWORD)
    portal.locator("form button[type=submit]").first.click()
    portal.goto(f"{live_server.url}/portal/tickets/{ticket.ref}/")
    portal.fill("#csat-comment", "Alice fixed it, thanks!")
    portal.click("#csat-rate-5")
    portal.wait_for_selector("#csat-recorded")
    portal.screenshot(path=str(folder / "portal-csat.png"), full_page=True)
    customer.close()
