"""A customer signs in to the portal by magic link and opens a request; an agent sees it
in the inbox and answers; the customer sees the answer and the plain-language status.

The sign-in email is sent by the real worker code: tasks go to django-tasks-db's
database queue (as in production), and Heedful's worker (what `heedful worker` runs)
drains it in this process (a `heedful worker` subprocess cannot reach pytest's test
database).

With HEEDFUL_UPDATE_SCREENSHOTS=1 the picture goes to docs/screenshots/portal.png.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django_tasks_db.models import DBTaskResult

from heedful.accounts.models import User
from heedful.customers.models import Contact
from heedful.tickets.models import Channel, Status, Ticket
from tests.browser.test_agent_workspace import sign_in
from tests.conftest import run_worker_once
from tests.portal.conftest import LINK

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_it_signs_a_customer_in_by_magic_link_and_the_agent_sees_the_request(
    page: Any,
    browser: Any,
    live_server: Any,
    settings: Any,
    dave: Contact,
    alice: User,
    tmp_path: Path,
) -> None:
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    settings.BASE_URL = live_server.url
    folder = DOCS_SCREENSHOTS if os.environ.get("HEEDFUL_UPDATE_SCREENSHOTS") else tmp_path

    page.goto(f"{live_server.url}/portal/")
    page.wait_for_url("**/portal/sign-in/?next=/portal/")
    page.fill("#id_email", "dave@acme.test")
    page.click("#sign-in-submit")
    page.wait_for_url("**/portal/sign-in/sent/")
    assert "dave@acme.test" in page.inner_text("#link-sent")

    # Nothing is sent until the worker runs the queued job.
    assert mail.outbox == []
    queued = DBTaskResult.objects.get(task_path="heedful.portal.tasks.send_magic_link")
    run_worker_once()
    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL"
    assert [m.to for m in mail.outbox] == [["dave@acme.test"]]
    found = LINK.search(mail.outbox[0].body)
    assert found is not None
    link = found.group(0)
    assert link.startswith(f"{live_server.url}/portal/sign-in/")

    page.goto(link)
    page.click("#use-link-submit")
    page.wait_for_url(re.compile(r".*/portal/$"))
    assert page.locator("#no-requests").count() == 1

    page.click("#nav-new-request")
    page.fill("#id_subject", "Dashboard export is empty")
    page.fill("#id_body", "Since this morning the CSV export of the dashboard has no rows.")
    upload = tmp_path / "export.csv"
    upload.write_text("date,count\n")
    page.set_input_files("#id_attachments", str(upload))
    page.click("#new-ticket-submit")
    page.wait_for_url(re.compile(r".*/portal/tickets/HD-\d+/$"))
    ticket = Ticket.objects.get()
    assert (ticket.requester, ticket.channel, ticket.status) == (dave, Channel.PORTAL, Status.NEW)
    assert page.inner_text("#ticket-status strong") == "We're working on it"
    assert page.locator(".attachment-link", has_text="export.csv").count() == 1

    # The agent, in a browser of her own, finds it in the inbox and answers.
    agent = browser.new_context(viewport={"width": 1400, "height": 900})
    agent_page = agent.new_page()
    sign_in(agent_page, live_server, alice)
    agent_page.goto(f"{live_server.url}/inbox/open/")
    row = agent_page.locator("tbody tr", has_text="Dashboard export is empty")
    assert row.count() == 1
    assert ticket.ref in row.inner_text()
    row.locator("a", has_text="Dashboard export is empty").click()
    agent_page.wait_for_url(f"**/tickets/{ticket.ref}/")
    agent_page.fill("#reply-body", "Thanks Dave! Could you tell us which dashboard it is?")
    agent_page.select_option("#reply-status", Status.PENDING)
    agent_page.click("#reply-submit")
    agent_page.wait_for_url(f"**/tickets/{ticket.ref}/")
    agent.close()

    page.reload()
    assert page.inner_text("#ticket-status strong") == "Waiting for you"
    assert page.locator(".timeline-reply", has_text="which dashboard it is?").count() == 1
    page.fill("#reply-body", "The sales dashboard.")
    page.screenshot(path=str(folder / "portal.png"), full_page=True)
    page.click("#reply-submit")
    page.wait_for_url(f"**/portal/tickets/{ticket.ref}/")
    assert page.inner_text("#ticket-status strong") == "We're working on it"
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert (folder / "portal.png").stat().st_size > 20_000
