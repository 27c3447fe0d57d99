"""End to end: a ticket is solved, the worker sends the CSAT survey email, the customer
opens its rating link in Chromium, picks a rating, writes a comment, and the agent sees
the answer on the feedback page with the updated score.

The email is produced by the real worker path: the solve enqueues the send job on
django-tasks-db's database queue (as in production) and Heedful's worker (what
`heedful worker` runs) drains it in this process. (The pictures in docs/ come from
test_feedback_screenshots.)
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django_tasks_db.models import DBTaskResult

from heedful.accounts.models import User
from heedful.feedback.models import Kudos, Response
from heedful.tickets.actions import do_add_message
from heedful.tickets.models import Status, Ticket
from tests.browser.test_agent_workspace import sign_in
from tests.conftest import run_worker_once

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RATE_LINK = re.compile(r"(https?://\S+?/feedback/s/[^/\s]+/rate/(\d)/)")


def test_a_customer_rates_from_the_email_and_the_agent_sees_the_score(
    page: Any, browser: Any, live_server: Any, settings: Any, alice: User, acme_ticket: Ticket,
    tmp_path: Path,
) -> None:  # fmt: skip
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    settings.BASE_URL = live_server.url
    settings.FEEDBACK_CSAT_DELAY_MINUTES = 0  # due at once, so the worker sends it now
    settings.FEEDBACK_MIN_SAMPLE = 1

    do_add_message(acme_ticket, author=alice, body_text="Refunded.", new_status=Status.SOLVED)
    assert (
        DBTaskResult.objects.filter(task_path="heedful.feedback.tasks.send_survey_request").count()
        == 1
    )
    run_worker_once()
    surveys = [m for m in mail.outbox if "/feedback/s/" in str(m.body)]
    assert [m.to for m in surveys] == [["dave@acme.test"]]
    links = {int(rating): url for url, rating in RATE_LINK.findall(str(surveys[0].body))}
    assert sorted(links) == [1, 2, 3, 4, 5]
    assert links[3].startswith(f"{live_server.url}/feedback/s/")

    page.goto(links[3])
    assert "your rating is recorded" in page.inner_text("#rating-recorded")
    assert Response.objects.get(question__key="rating").rating == 3
    page.locator("#rating-choices label.rating-option", has_text="5").first.click()
    page.fill("#survey-comment", "Thanks Alice, fast and friendly!")
    page.click("#survey-submit")
    page.wait_for_selector("#survey-thanks")
    assert sorted(Response.objects.values_list("question__key", "rating", "text")) == [
        ("comment", None, "Thanks Alice, fast and friendly!"),
        ("rating", 5, ""),
    ]
    assert list(Kudos.objects.values_list("agent__username", flat=True)) == ["alice"]

    agent = browser.new_context(viewport={"width": 1400, "height": 900})
    agent_page = agent.new_page()
    sign_in(agent_page, live_server, alice)
    agent_page.goto(f"{live_server.url}/feedback/?days=30")
    csat = agent_page.locator("#score-csat")
    assert csat.locator(".stat-value").inner_text() == "100%"
    assert "n = 1" in csat.inner_text()
    assert "Thanks Alice, fast and friendly!" in agent_page.inner_text("#verbatims")
    assert agent_page.locator("#trend-csat .chart-point").count() == 1
    assert agent_page.inner_text("#kudos-link") == "1 kudos in 30 days"
    agent_page.screenshot(path=str(tmp_path / "feedback.png"), full_page=True)
    agent.close()
    assert (tmp_path / "feedback.png").stat().st_size > 20_000
