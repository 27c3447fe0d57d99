"""A policy or calendar change moves the due times of unsolved tickets, in bulk."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.management import call_command
from django.test import Client

from heedful.accounts.models import User
from heedful.sla.actions import do_recompute_clocks, do_recompute_unsolved_clocks
from heedful.sla.models import Calendar, Target, TicketClock
from heedful.sla.tasks import recompute_unsolved_clocks
from heedful.tickets.actions import do_change_status
from heedful.tickets.models import Ticket
from tests.sla.conftest import FakeNow, berlin, make_policy

MakeTicket = Callable[..., Ticket]


def first_response_due(ticket: Ticket) -> Any:
    return TicketClock.objects.get(ticket=ticket, kind="first_response").due_at


def test_it_moves_the_due_times_of_unsolved_tickets_only(
    berlin_office: Calendar, make_ticket: MakeTicket, alice: User, fake_now: FakeNow
) -> None:
    make_policy("Standard", {"normal": {"first_response": 120}}, calendars=[berlin_office])
    fake_now.set("2025-06-10 09:00")
    waiting, solved = make_ticket(), make_ticket()
    do_change_status(solved, "solved", actor=alice, at=berlin("2025-06-10 09:05"))
    for ticket in (waiting, solved):
        do_recompute_clocks(ticket, now=fake_now.set("2025-06-10 09:10"))
    Target.objects.update(first_response_minutes=30)

    assert do_recompute_unsolved_clocks(now=fake_now.set("2025-06-10 09:20")) == 1

    assert first_response_due(waiting) == berlin("2025-06-10 09:30")
    assert Ticket.objects.get(pk=waiting.pk).next_due_at == berlin("2025-06-10 09:30")
    # Solved before its first response: its stopped clock keeps the old target.
    assert TicketClock.objects.get(ticket=solved, kind="first_response").target_minutes == 120


def test_it_recomputes_when_an_admin_changes_a_target(
    berlin_office: Calendar, make_ticket: MakeTicket, client: Client, fake_now: FakeNow,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    policy = make_policy("Standard", {"normal": {"first_response": 120}}, calendars=[berlin_office])
    ticket = make_ticket(created_at=berlin("2025-06-10 09:00"))
    do_recompute_clocks(ticket, now=fake_now.set("2025-06-10 09:10"))
    [target] = policy.targets.all()
    client.force_login(User.objects.create_superuser("root", "root@example.test", "pw"))
    form = {
        "name": "Standard", "position": "0", "is_active": "on", "priorities": "[]",
        "segments": "[]", "plans": "[]", "channels": "[]", "tags": "[]",
        "calendars": [str(berlin_office.pk)], "pause_when_pending": "on",
        "targets-TOTAL_FORMS": "1", "targets-INITIAL_FORMS": "1",
        "targets-0-id": str(target.pk), "targets-0-policy": str(policy.pk),
        "targets-0-priority": "normal", "targets-0-first_response_minutes": "30",
    }  # fmt: skip

    # The tests run queued jobs at once (the worker does it in production).
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/sla/policy/{policy.pk}/change/", form)

    assert response.status_code == 302
    assert first_response_due(ticket) == berlin("2025-06-10 09:30")


def test_it_drops_clocks_from_the_job_once_no_policy_is_left(
    berlin_office: Calendar, make_ticket: MakeTicket, fake_now: FakeNow
) -> None:
    policy = make_policy("Standard", {"normal": {"first_response": 120}}, calendars=[berlin_office])
    ticket = make_ticket(created_at=berlin("2025-06-10 09:00"))
    do_recompute_clocks(ticket, now=fake_now.set("2025-06-10 09:10"))
    policy.delete()

    assert recompute_unsolved_clocks.call() == 1

    assert not TicketClock.objects.exists()
    assert Ticket.objects.get(pk=ticket.pk).next_due_at is None


def test_it_recomputes_from_the_command_line(
    berlin_office: Calendar, make_ticket: MakeTicket, fake_now: FakeNow, capsys: Any
) -> None:
    make_policy("Standard", {"normal": {"first_response": 120}}, calendars=[berlin_office])
    fake_now.set("2025-06-10 09:00")
    ticket = make_ticket(created_at=berlin("2025-06-10 09:00"))

    call_command("recompute_clocks", "--all")

    assert capsys.readouterr().out == "1 ticket(s) recomputed\n"
    assert first_response_due(ticket) == berlin("2025-06-10 11:00")
