from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from heedful.accounts.models import Notification, User
from heedful.customers.models import Contact
from heedful.reminders.links import check_path, make_token
from heedful.reminders.models import CheckAnswer, SolvedCheck
from heedful.tickets.actions import do_assign_ticket, do_change_status
from heedful.tickets.models import Direction, EventKind, Message, Status, Ticket, TicketEvent

from .conftest import check_emails, check_links

Login = Callable[[User | Contact | None], Client]


def _events(ticket: Ticket, kind: str) -> int:
    return TicketEvent.objects.filter(ticket=ticket, kind=kind).count()


def test_it_records_yes_in_one_click_once(
    client: Client, checked: Callable[[], SolvedCheck], acme_ticket: Ticket
) -> None:
    check = checked()
    yes = check_links(check_emails()[0])["yes"]

    first = client.get(yes)
    second = client.get(yes)

    assert (first.status_code, second.status_code) == (200, 200)
    assert "Great, thank you for confirming!" in second.content.decode()
    check.refresh_from_db()
    assert check.answer == CheckAnswer.SOLVED
    assert _events(acme_ticket, EventKind.SOLVED_CONFIRMED) == 1
    acme_ticket.refresh_from_db()
    assert acme_ticket.status == Status.SOLVED


def test_it_asks_before_reopening_on_a_plain_click_of_no(
    client: Client, checked: Callable[[], SolvedCheck], acme_ticket: Ticket
) -> None:
    check = checked()
    response = client.get(check_links(check_emails()[0])["no"])
    assert response.status_code == 200
    assert 'id="not-solved-form"' in response.content.decode()
    check.refresh_from_db()
    acme_ticket.refresh_from_db()
    # A link scanner that opens every link changes nothing.
    assert (check.answer, acme_ticket.status) == (CheckAnswer.NONE, Status.SOLVED)
    assert _events(acme_ticket, EventKind.SOLVED_DENIED) == 0


def test_it_reopens_on_no_and_tells_the_agent_once(
    client: Client,
    checked: Callable[[], SolvedCheck],
    acme_ticket: Ticket,
    alice: User,
    bob: User,
) -> None:
    do_assign_ticket(acme_ticket, bob, actor=alice)
    check = checked()
    no = check_links(check_emails()[0])["no"]

    first = client.post(no, {"comment": "The refund never arrived"})
    second = client.post(no, {"comment": "again"})

    assert first.status_code == 200
    assert "We reopened your request" in first.content.decode()
    assert second.status_code == 200
    acme_ticket.refresh_from_db()
    assert acme_ticket.status == Status.OPEN
    assert acme_ticket.reopened_count == 1
    assert acme_ticket.waiting_since is not None
    last = Message.objects.filter(ticket=acme_ticket).last()
    assert last is not None
    assert (last.direction, last.author_contact_id, last.is_public) == (
        Direction.INBOUND, check.contact_id, True,
    )  # fmt: skip
    assert last.body_text == (
        "No, I still need help. (Answer to “Did this solve it?”)\n\nThe refund never arrived"
    )
    assert _events(acme_ticket, EventKind.SOLVED_DENIED) == 1
    texts = list(Notification.objects.order_by("id").values_list("recipient__username", "text"))
    assert texts[-1] == ("bob", f"{acme_ticket.ref}: Dave Doe says this is not solved")
    assert sum(1 for _, text in texts if "not solved" in text) == 1
    client.force_login(bob)
    timeline = client.get(f"/tickets/{acme_ticket.ref}/").content.decode()
    assert "asked the customer “Did this solve it?” by email" in timeline
    assert "Dave Doe</strong> says this is not solved" in timeline


def test_it_tells_the_agent_who_solved_an_unassigned_ticket(
    client: Client, checked: Callable[[], SolvedCheck], acme_ticket: Ticket, alice: User
) -> None:
    check = checked()
    client.post(check_links(check_emails()[0])["no"])
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["alice"]
    assert check.ticket_id == acme_ticket.pk


def test_it_does_not_reopen_a_closed_ticket(
    client: Client, checked: Callable[[], SolvedCheck], acme_ticket: Ticket, alice: User
) -> None:
    checked()
    do_change_status(acme_ticket, Status.CLOSED, actor=alice)
    response = client.post(check_links(check_emails()[0])["no"])
    assert "This request is closed" in response.content.decode()
    acme_ticket.refresh_from_db()
    assert acme_ticket.status == Status.CLOSED
    assert _events(acme_ticket, EventKind.SOLVED_DENIED) == 1


@pytest.mark.parametrize(
    ("path", "status", "text"),
    [
        ("/check/not-a-token/yes/", 400, "This link is not valid."),
        ("TAMPERED", 400, "This link is not valid."),
        ("BAD_ANSWER", 400, "This link is not valid."),
    ],
)
def test_it_refuses_a_bad_link_with_a_clear_page(
    client: Client,
    checked: Callable[[], SolvedCheck],
    acme_ticket: Ticket,
    path: str,
    status: int,
    text: str,
) -> None:
    check = checked()
    token = make_token(check)
    if path == "TAMPERED":
        path = f"/check/{token[:-2]}xx/no/"
    elif path == "BAD_ANSWER":
        path = f"/check/{token}/maybe/"
    for response in (client.get(path), client.post(path)):
        assert response.status_code == status
        assert text in response.content.decode()
    acme_ticket.refresh_from_db()
    assert acme_ticket.status == Status.SOLVED
    assert _events(acme_ticket, EventKind.SOLVED_DENIED) == 0


def test_it_refuses_an_expired_link(
    client: Client, checked: Callable[[], SolvedCheck], monkeypatch: Any
) -> None:
    check = checked()
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() - 31 * 86400)
    path = check_path(check, "yes")
    monkeypatch.setattr(time, "time", real_time)
    response = client.get(path)
    assert response.status_code == 410
    assert "This link has expired." in response.content.decode()
    check.refresh_from_db()
    assert check.answer == CheckAnswer.NONE


def test_it_says_when_the_question_is_gone(
    client: Client, checked: Callable[[], SolvedCheck]
) -> None:
    check = checked()
    path = check_path(check, "yes")
    check.delete()
    response = client.get(path)
    assert response.status_code == 404
    assert "This question no longer exists." in response.content.decode()


def test_it_asks_on_the_portal_too(
    as_user: Login, checked: Callable[[], SolvedCheck], acme_ticket: Ticket, dave: Contact
) -> None:
    check = checked()
    client = as_user(dave)
    page = client.get(f"/portal/tickets/{acme_ticket.ref}/").content.decode()
    assert 'id="solved-check-box"' in page
    assert check_path(check, "no").split("/")[1] == "check"

    response = client.post(check_path(check, "no"))
    assert response.status_code == 200
    acme_ticket.refresh_from_db()
    assert acme_ticket.status == Status.OPEN
    # Reopened: the question is gone from the portal.
    page = client.get(f"/portal/tickets/{acme_ticket.ref}/").content.decode()
    assert 'id="solved-check-box"' not in page


def test_it_never_shows_acme_checks_to_erin(
    as_user: Login, checked: Callable[[], SolvedCheck], acme_ticket: Ticket, erin: Contact
) -> None:
    check = checked()
    client = as_user(erin)
    assert client.get(f"/portal/tickets/{acme_ticket.ref}/").status_code == 404
    assert client.get("/inbox/follow-ups/").status_code == 403
    # Without Acme's signed link, erin cannot answer for Acme.
    forged = f"/check/{make_token(check)[:-4]}abcd/no/"
    assert client.post(forged).status_code == 400
    check.refresh_from_db()
    acme_ticket.refresh_from_db()
    assert (check.answer, acme_ticket.status) == (CheckAnswer.NONE, Status.SOLVED)
