"""The pages people look at first, on the demo data, in a real browser.

With HEEDFUL_UPDATE_SCREENSHOTS=1 the pictures are written to docs/screenshots/ (the README
shows the inbox); otherwise they go to a temporary folder and only the checks run.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from heedful.demo import staff
from heedful.demo.load import demo_tickets, load_demo
from heedful.tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_it_shows_the_demo_inbox_ticket_and_home(
    page: Any, live_server: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    load_demo(None, reset=True)
    capsys.readouterr()
    folder = DOCS_SCREENSHOTS if os.environ.get("HEEDFUL_UPDATE_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)

    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", staff.saved_password())
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))
    assert page.locator(".stat-value").count() >= 4
    page.screenshot(path=str(folder / "home.png"))

    page.goto(f"{live_server.url}/inbox/open/")
    rows = page.locator("tbody tr")
    assert rows.count() == min(50, demo_tickets().exclude(status__in=("solved", "closed")).count())
    page.screenshot(path=str(folder / "inbox.png"))

    # The ticket with the longest thread shows every message in its timeline.
    ticket = demo_tickets().order_by("-message_count", "number").first()
    assert isinstance(ticket, Ticket)
    page.goto(f"{live_server.url}/tickets/{ticket.ref}/")
    replies = page.locator(".timeline-reply, .timeline-note")
    assert replies.count() == ticket.message_count
    page.screenshot(path=str(folder / "ticket.png"))
    for name in ("home", "inbox", "ticket"):
        assert (folder / f"{name}.png").stat().st_size > 20_000, name
