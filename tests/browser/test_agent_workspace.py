"""An agent works a ticket end to end in a real browser; a light agent is looped in."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from heedful.accounts.models import User
from heedful.tickets.models import Message, Status, Ticket
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Any, live_server: Any, user: User) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    page.wait_for_url(re.compile(r".*/$"))


def test_it_lets_an_agent_reply_change_status_and_loop_in_a_light_agent(
    page: Any,
    live_server: Any,
    make_ticket: Callable[..., Ticket],
    alice: User,
    carol: User,
    tmp_path: Path,
) -> None:
    ticket = make_ticket(subject="Card declined at checkout")
    other = make_ticket(subject="Where is my parcel?")
    sign_in(page, live_server, alice)

    page.goto(f"{live_server.url}/inbox/open/")
    assert page.locator(f"text={ticket.ref}").count() >= 1

    page.locator(f"a:has-text('{ticket.subject}')").first.click()
    page.wait_for_url(f"**/tickets/{ticket.ref}/")

    # Keyboard: j opens the next ticket of the inbox, k comes back, r focuses the reply.
    page.keyboard.press("j")
    page.wait_for_url(f"**/tickets/{other.ref}/")
    page.keyboard.press("k")
    page.wait_for_url(f"**/tickets/{ticket.ref}/")
    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.id") == "reply-body"
    page.keyboard.press("Escape")
    page.keyboard.press("n")
    assert page.evaluate("document.activeElement.id") == "note-body"
    page.keyboard.press("Escape")

    page.fill("#reply-body", "Sorry about that! Please try the card again now.")
    page.click("#reply-submit")
    page.wait_for_url(f"**/tickets/{ticket.ref}/")
    reply = page.locator(".timeline-reply", has_text="Please try the card again now.")
    assert reply.count() == 1

    page.select_option("#status-select", "pending")
    page.click("#properties-submit")
    page.wait_for_url(f"**/tickets/{ticket.ref}/")
    assert page.locator(".timeline-event", has_text="Pending").count() >= 1
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING
    assert ticket.first_response_at is not None

    page.fill("#loop-in-username", "carol")
    page.click("#loop-in-submit")
    page.wait_for_url(f"**/tickets/{ticket.ref}/")
    assert list(ticket.collaborators.all()) == [carol]

    # Carol, a light agent from Finance, can read the ticket and note, never reply.
    page.context.clear_cookies()
    sign_in(page, live_server, carol)
    page.goto(f"{live_server.url}/tickets/{ticket.ref}/")
    assert page.locator("#reply-body").count() == 0
    page.fill("#note-body", "Refund approved on our side @alice")
    page.click("#note-submit")
    page.wait_for_url(f"**/tickets/{ticket.ref}/")
    assert page.locator(".timeline-note", has_text="Refund approved on our side").count() == 1
    note = Message.objects.get(ticket=ticket, author_user=carol)
    assert note.is_public is False
    assert alice.notifications.filter(message=note).count() == 1
