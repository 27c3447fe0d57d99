from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from heedful.accounts.models import User
from heedful.customers.models import Contact
from heedful.mail.models import OutboundEmail
from heedful.reminders.models import CheckState, SolvedCheck
from heedful.sla.scheduler import run_pass
from heedful.tickets.actions import do_add_message, do_change_status, do_set_tags
from heedful.tickets.models import EventKind, Status, Ticket, TicketEvent

from .conftest import check_emails, check_links, run_check_sweep, solve


def test_it_emails_the_customer_once_with_two_links(
    checked: Callable[[], SolvedCheck], acme_ticket: Ticket, django_capture_on_commit_callbacks: Any
) -> None:
    check = checked()

    assert check.state == CheckState.SENT
    emails = check_emails()
    assert len(emails) == 1
    assert emails[0].to == ["Dave Doe <dave@acme.test>"]
    assert emails[0].subject == f"Re: My invoice is wrong [{acme_ticket.ref}]"
    assert set(check_links(emails[0])) == {"yes", "no"}
    outbox = OutboundEmail.objects.get(idempotency_key=f"solved-check:{check.public_id}")
    assert outbox.ticket == acme_ticket
    kinds = list(TicketEvent.objects.filter(ticket=acme_ticket).values_list("kind", flat=True))
    assert kinds[-1] == EventKind.SOLVED_CHECK_SENT
    # Later sweeps, a restarted worker: nothing more.
    assert run_check_sweep(django_capture_on_commit_callbacks) == 0
    assert len(check_emails()) == 1
    assert SolvedCheck.objects.count() == 1


def test_it_asks_once_per_window_after_a_reopen_then_solve(
    checked: Callable[[], SolvedCheck],
    acme_ticket: Ticket,
    alice: User,
    dave: Contact,
    django_capture_on_commit_callbacks: Any,
) -> None:
    checked()
    do_add_message(acme_ticket, author=dave, body_text="Still broken")
    solve(acme_ticket, alice, django_capture_on_commit_callbacks)

    assert run_check_sweep(django_capture_on_commit_callbacks) == 0

    second = SolvedCheck.objects.order_by("-id").first()
    assert second is not None
    assert second.state == CheckState.SKIPPED
    assert second.skip_reason.startswith("already asked on ")
    assert len(check_emails()) == 1


def test_it_asks_again_after_the_window(
    checked: Callable[[], SolvedCheck],
    acme_ticket: Ticket,
    alice: User,
    dave: Contact,
    django_capture_on_commit_callbacks: Any,
    settings: Any,
) -> None:
    settings.SOLVED_CHECK_WINDOW_DAYS = 0
    checked()
    do_add_message(acme_ticket, author=dave, body_text="Still broken")
    solve(acme_ticket, alice, django_capture_on_commit_callbacks)
    assert run_check_sweep(django_capture_on_commit_callbacks) == 1
    assert len(check_emails()) == 2


def test_it_sends_nothing_when_switched_off(
    acme_ticket: Ticket, alice: User, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.SOLVED_CHECK = False
    solve(acme_ticket, alice, django_capture_on_commit_callbacks)
    assert run_check_sweep(django_capture_on_commit_callbacks) == 0
    assert SolvedCheck.objects.count() == 0
    assert check_emails() == []


def test_it_skips_a_customer_without_email(
    make_ticket: Callable[..., Ticket],
    acme: Any,
    alice: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    caller = Contact.objects.create(name="Phone Only", organization=acme)
    ticket = make_ticket(requester=caller)
    solve(ticket, alice, django_capture_on_commit_callbacks)
    assert run_check_sweep(django_capture_on_commit_callbacks) == 0
    check = SolvedCheck.objects.get(ticket=ticket)
    assert (check.state, check.skip_reason) == (
        CheckState.SKIPPED, "the customer has no email address",
    )  # fmt: skip
    assert check_emails() == []


def test_it_skips_tickets_opened_by_automated_mail(
    acme_ticket: Ticket, alice: User, django_capture_on_commit_callbacks: Any
) -> None:
    do_set_tags(acme_ticket, ["automated"], actor=alice)
    solve(acme_ticket, alice, django_capture_on_commit_callbacks)
    assert run_check_sweep(django_capture_on_commit_callbacks) == 0
    check = SolvedCheck.objects.get(ticket=acme_ticket)
    assert check.skip_reason == "the ticket was opened by automated mail"


def test_it_leaves_old_and_unsolved_tickets_alone(
    make_ticket: Callable[..., Ticket], alice: User, django_capture_on_commit_callbacks: Any
) -> None:
    backdated = make_ticket(created_at=timezone.now() - timedelta(days=30))
    do_change_status(backdated, Status.SOLVED, actor=alice, at=timezone.now() - timedelta(days=29))
    make_ticket()  # new, never solved
    assert run_check_sweep(django_capture_on_commit_callbacks) == 0
    assert SolvedCheck.objects.count() == 0


def test_it_runs_from_the_scheduler_exactly_once(
    acme_ticket: Ticket,
    alice: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    solve(acme_ticket, alice, django_capture_on_commit_callbacks)
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            assert run_pass("scheduler-1").leader
    assert len(check_emails()) == 1
    assert SolvedCheck.objects.filter(state=CheckState.SENT).count() == 1


@pytest.mark.parametrize("status", [Status.OPEN, Status.CLOSED])
def test_it_does_not_ask_when_the_solve_is_undone_before_the_sweep(
    acme_ticket: Ticket, alice: User, django_capture_on_commit_callbacks: Any, status: str
) -> None:
    solve(acme_ticket, alice, django_capture_on_commit_callbacks)
    do_change_status(acme_ticket, status, actor=alice)
    assert run_check_sweep(django_capture_on_commit_callbacks) == 0
    assert check_emails() == []
