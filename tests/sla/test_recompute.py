"""Clocks stored per ticket, rebuilt from the event log by the ticket actions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from heedful.accounts.models import Team, User
from heedful.customers.models import Contact, Organization
from heedful.lib.errors import ActionError
from heedful.sla import actions as sla_actions
from heedful.sla.actions import clock_results, do_recompute_clocks
from heedful.sla.explain import explain
from heedful.sla.models import Calendar, OpeningHours, Policy, TicketClock
from heedful.tickets.actions import (
    do_add_message,
    do_change_priority,
    do_change_status,
    do_change_team,
    do_set_tags,
)
from heedful.tickets.models import Ticket
from tests.sla.conftest import FakeNow, berlin, make_calendar, make_policy

MakeTicket = Callable[..., Ticket]
STANDARD = {
    "normal": {"first_response": 120, "next_update": 240, "resolution": 960},
    "urgent": {"first_response": 30, "next_update": 60, "resolution": 240},
}


def stored(ticket: Ticket) -> dict[str, TicketClock]:
    return {f"{c.kind}#{c.cycle}": c for c in TicketClock.objects.filter(ticket=ticket)}


@pytest.fixture
def standard(berlin_office: Calendar) -> Policy:
    return make_policy("Standard", STANDARD, calendars=[berlin_office], position=10)


def test_it_does_not_count_first_response_on_a_holiday(
    standard: Policy, make_ticket: MakeTicket, alice: User, fake_now: FakeNow
) -> None:
    # Thursday 16:00; Friday 3 October is German Unity Day.
    ticket = make_ticket(created_at=berlin("2025-10-02 16:00"))
    do_recompute_clocks(ticket, now=fake_now.set("2025-10-03 12:00"))
    first = stored(ticket)["first_response#1"]
    assert (first.state, first.due_at, first.breached) == (
        "running",
        berlin("2025-10-06 10:00"),
        False,
    )
    assert first.elapsed_seconds == 3600
    do_add_message(ticket, author=alice, body_text="On it.", created_at=berlin("2025-10-06 09:30"))
    do_recompute_clocks(ticket, now=fake_now.set("2025-10-06 09:31"))
    first = stored(ticket)["first_response#1"]
    assert (first.state, first.achieved_at, first.breached, first.elapsed_seconds) == (
        "achieved",
        berlin("2025-10-06 09:30"),
        False,
        5400,
    )


def test_it_pauses_while_pending_and_resumes_when_the_customer_writes(
    standard: Policy, make_ticket: MakeTicket, alice: User, dave: Contact, fake_now: FakeNow
) -> None:
    ticket = make_ticket(created_at=berlin("2025-06-10 09:00"))
    do_add_message(
        ticket, author=alice, body_text="Which invoice?", new_status="pending",
        created_at=berlin("2025-06-10 09:20"),
    )  # fmt: skip
    do_recompute_clocks(ticket, now=fake_now.set("2025-06-10 10:00"))
    resolution = stored(ticket)["resolution#1"]
    assert (resolution.state, resolution.due_at, resolution.paused_seconds) == (
        "paused",
        None,
        40 * 60,
    )
    assert "next_update#1" in stored(ticket)
    assert stored(ticket)["next_update#1"].state == "paused"
    do_add_message(ticket, author=dave, body_text="INV-7", created_at=berlin("2025-06-10 09:55"))
    do_recompute_clocks(ticket, now=fake_now.set("2025-06-10 10:00"))
    resolution = stored(ticket)["resolution#1"]
    # 16 h target, 35 min paused: due two working days later at 09:35.
    assert (resolution.state, resolution.due_at, resolution.paused_seconds) == (
        "running",
        berlin("2025-06-12 09:35"),
        35 * 60,
    )
    [result] = [r for r in clock_results(ticket, now=fake_now()) if r.kind == "resolution"]
    assert explain(result, fake_now()) == (
        "25 min elapsed in business hours, paused 35 min while waiting for customer, due Thu 09:35"
    )


def test_it_stops_next_update_clocks_once_solved_and_resumes_on_reopen(
    standard: Policy, make_ticket: MakeTicket, alice: User, dave: Contact, fake_now: FakeNow
) -> None:
    ticket = make_ticket(created_at=berlin("2025-06-10 09:00"))
    do_add_message(ticket, author=alice, body_text="Fixed.", created_at=berlin("2025-06-10 10:00"))
    do_change_status(ticket, "solved", actor=alice, at=berlin("2025-06-10 10:00"))
    do_recompute_clocks(ticket, now=fake_now.set("2025-06-16 09:00"))
    clocks = stored(ticket)
    assert sorted(clocks) == ["first_response#1", "resolution#1"]
    assert clocks["resolution#1"].state == "achieved"
    assert clocks["resolution#1"].elapsed_seconds == 3600
    do_add_message(
        ticket, author=dave, body_text="Still broken", created_at=berlin("2025-06-16 09:00")
    )
    do_recompute_clocks(ticket, now=fake_now.set("2025-06-16 09:30"))
    clocks = stored(ticket)
    assert (clocks["resolution#1"].state, clocks["resolution#1"].elapsed_seconds) == (
        "running",
        90 * 60,
    )
    assert clocks["resolution#1"].achieved_at is None
    # The update round that the solve interrupted ticks again, from its 0 minutes.
    assert (clocks["next_update#1"].state, clocks["next_update#1"].due_at) == (
        "running",
        berlin("2025-06-16 13:00"),
    )


def test_it_recomputes_due_times_when_the_priority_changes_mid_way(
    standard: Policy, make_ticket: MakeTicket, alice: User, fake_now: FakeNow
) -> None:
    ticket = make_ticket(created_at=berlin("2025-06-10 09:00"))
    do_recompute_clocks(ticket, now=fake_now.set("2025-06-10 09:10"))
    assert stored(ticket)["first_response#1"].due_at == berlin("2025-06-10 11:00")
    fake_now.set("2025-06-10 09:20")
    do_change_priority(ticket, "urgent", actor=alice)
    do_recompute_clocks(ticket, now=fake_now())
    first = stored(ticket)["first_response#1"]
    assert (first.target_minutes, first.due_at, first.breached) == (
        30,
        berlin("2025-06-10 09:30"),
        False,
    )
    do_recompute_clocks(ticket, now=fake_now.set("2025-06-10 09:45"))
    assert stored(ticket)["first_response#1"].breached is True


def test_it_applies_the_first_matching_policy(
    standard: Policy, berlin_office: Calendar, make_ticket: MakeTicket, alice: User,
    support: Team, fake_now: FakeNow,
) -> None:  # fmt: skip
    vip = make_policy(
        "Enterprise billing", {"normal": {"first_response": 15}}, calendars=[berlin_office],
        position=1, plans=["enterprise"], tags=["billing"], teams=[support],
    )  # fmt: skip
    ticket = make_ticket(created_at=berlin("2025-06-10 09:00"), team=support)
    do_recompute_clocks(ticket, now=fake_now.set("2025-06-10 09:05"))
    assert stored(ticket)["first_response#1"].policy_id == standard.pk
    do_set_tags(ticket, ["billing"], actor=alice)
    do_recompute_clocks(ticket, now=fake_now())
    first = stored(ticket)["first_response#1"]
    assert (first.policy_id, first.due_at) == (vip.pk, berlin("2025-06-10 09:15"))
    # Without the team condition holding, the next policy in order applies again.
    do_change_team(ticket, None, actor=alice)
    do_recompute_clocks(ticket, now=fake_now())
    assert stored(ticket)["first_response#1"].policy_id == standard.pk


def test_it_skips_a_policy_for_another_plan(
    berlin_office: Calendar, make_ticket: MakeTicket, erin: Contact, globex: Organization,
    fake_now: FakeNow,
) -> None:  # fmt: skip
    make_policy("Enterprise", STANDARD, calendars=[berlin_office], plans=["enterprise"])
    ticket = make_ticket(requester=erin, created_at=berlin("2025-06-10 09:00"))
    assert do_recompute_clocks(ticket, now=fake_now.set("2025-06-10 10:00")) == []
    assert stored(ticket) == {}


def test_it_uses_follow_the_sun_coverage(
    berlin_office: Calendar, make_ticket: MakeTicket, fake_now: FakeNow
) -> None:
    new_york = make_calendar("New York office", "America/New_York", country="US", subdivision="NY")
    make_policy("Global", STANDARD, calendars=[berlin_office, new_york])
    # Tuesday 16:30 Berlin: Berlin closes at 17:00, New York (10:30 there) carries on.
    ticket = make_ticket(created_at=berlin("2025-06-10 16:30"))
    do_recompute_clocks(ticket, now=fake_now.set("2025-06-10 16:35"))
    assert stored(ticket)["first_response#1"].due_at == berlin("2025-06-10 18:30")


def test_it_drops_clocks_when_no_policy_applies_any_more(
    standard: Policy, make_ticket: MakeTicket, fake_now: FakeNow
) -> None:
    ticket = make_ticket(created_at=berlin("2025-06-10 09:00"))
    do_recompute_clocks(ticket, now=fake_now.set("2025-06-10 09:30"))
    assert sorted(stored(ticket)) == ["first_response#1", "resolution#1"]
    standard.is_active = False
    standard.save(update_fields=["is_active"])
    assert do_recompute_clocks(ticket, now=fake_now()) == []
    assert stored(ticket) == {}


@pytest.mark.django_db(transaction=True)
def test_it_recomputes_once_per_ticket_after_the_action_commits(
    standard: Policy,
    make_ticket: MakeTicket,
    alice: User,
    fake_now: FakeNow,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runs: list[int] = []

    def counted(ticket_id: int) -> list[TicketClock]:
        runs.append(ticket_id)
        return do_recompute_clocks(ticket_id)

    monkeypatch.setattr(sla_actions, "do_recompute_clocks", counted)
    fake_now.set("2025-06-10 09:30")
    ticket = make_ticket(created_at=berlin("2025-06-10 09:00"))
    # Creating a ticket logs two events (created, message): its clocks are computed in
    # its own transaction (test_new_ticket_clocks.py), so nothing is left for the commit.
    assert runs == []
    assert stored(ticket)["first_response#1"].due_at == berlin("2025-06-10 11:00")
    # A reply that also solves: two more events, one more recompute.
    do_add_message(
        ticket, author=alice, body_text="Done", new_status="solved",
        created_at=berlin("2025-06-10 09:30"),
    )  # fmt: skip
    assert runs == [ticket.pk]
    clocks = stored(ticket)
    assert (clocks["first_response#1"].state, clocks["resolution#1"].state) == (
        "achieved",
        "achieved",
    )


@pytest.mark.django_db(transaction=True)
def test_it_recomputes_nothing_for_a_rolled_back_change_and_still_the_next_one(
    standard: Policy,
    make_ticket: MakeTicket,
    alice: User,
    fake_now: FakeNow,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_now.set("2025-06-10 09:10")
    ticket = make_ticket(created_at=berlin("2025-06-10 09:00"))
    runs: list[int] = []
    monkeypatch.setattr(sla_actions, "do_recompute_clocks", runs.append)
    with pytest.raises(ActionError), transaction.atomic():
        do_change_priority(ticket, "urgent", actor=alice)
        do_change_priority(ticket, "no-such-priority", actor=alice)
    assert runs == []
    with transaction.atomic():
        with pytest.raises(ActionError), transaction.atomic():
            do_change_priority(ticket, "urgent", actor=alice)
            raise ActionError("changed my mind")
        do_change_priority(ticket, "high", actor=alice)
    assert runs == [ticket.pk]


def test_it_rejects_bad_calendar_settings_readably(db: None) -> None:
    calendar = Calendar(name="Mars", timezone="Mars/Olympus")
    with pytest.raises(ValidationError) as caught:
        calendar.full_clean()
    assert caught.value.message_dict["timezone"] == [
        "'Mars/Olympus' is not a time zone name like Europe/Berlin."
    ]
    calendar = Calendar(name="Nowhere", timezone="UTC", holiday_country="XX")
    with pytest.raises(ValidationError) as caught:
        calendar.full_clean()
    assert "No public holidays known for 'XX'" in caught.value.message_dict["holiday_country"][0]
    night = OpeningHours(
        calendar=Calendar.objects.create(name="Night"), weekday=0,
        opens_at=time(22, 0), closes_at=time(6, 0),
    )  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        night.full_clean()
    assert caught.value.message_dict["closes_at"] == [
        "The interval 22:00-06:00 does not end after it starts; an interval that crosses "
        "midnight must be split, e.g. 22:00-24:00 and 00:00-06:00 the next day."
    ]


def test_it_reads_closing_at_midnight_as_the_end_of_the_day(db: None) -> None:
    calendar = make_calendar("Late", hours="fri 18:00-24:00")
    [hours] = calendar.opening_hours.all()
    assert (str(hours), hours.closes_at, hours.closes_minute) == (
        "Fri 18:00-24:00",
        time(0, 0),
        1440,
    )


def test_it_unblocks_the_customer_with_a_workaround_before_the_fix(
    berlin_office: Calendar, make_ticket: MakeTicket, alice: User, fake_now: FakeNow
) -> None:
    make_policy(
        "Unblock", {"normal": {"first_response": 120, "unblock": 240, "resolution": 960}},
        calendars=[berlin_office],
    )  # fmt: skip
    ticket = make_ticket(created_at=berlin("2025-06-10 09:00"))
    do_add_message(
        ticket, author=alice, body_text="Looking.", created_at=berlin("2025-06-10 09:10")
    )
    do_recompute_clocks(ticket, now=fake_now.set("2025-06-10 09:30"))
    assert stored(ticket)["unblock#1"].state == "running"

    reply = do_add_message(
        ticket, author=alice, body_text="Use the CSV export meanwhile.", workaround=True,
        created_at=berlin("2025-06-10 10:00"),
    )  # fmt: skip
    do_recompute_clocks(ticket, now=fake_now.set("2025-06-10 10:30"))

    assert reply.is_workaround is True
    unblock, resolution = stored(ticket)["unblock#1"], stored(ticket)["resolution#1"]
    assert (unblock.state, unblock.achieved_at, unblock.breached) == (
        "achieved",
        berlin("2025-06-10 10:00"),
        False,
    )
    assert resolution.state == "running"


def test_it_refuses_a_workaround_on_an_internal_note(acme_ticket: Ticket, alice: User) -> None:
    with pytest.raises(ActionError, match="Only an agent's public reply can unblock"):
        do_add_message(
            acme_ticket, author=alice, body_text="Try CSV", is_public=False, workaround=True
        )

    assert acme_ticket.messages.count() == 1
