"""The workspace frame's counters: one statement, compiled once for full agents and sent
with each request's user and time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from heedful.accounts.models import Notification, NotificationKind, User
from heedful.customers.models import Contact
from heedful.reminders.models import FollowUp
from heedful.tickets import actions
from heedful.tickets.inbox import view_counts
from heedful.tickets.models import Ticket
from heedful.web.context_processors import COUNTED_VIEWS, frame_counts, sidebar_frame_counts


def built_each_time(user: User) -> tuple[int, ...]:
    return frame_counts(user, *view_counts(user, COUNTED_VIEWS))


def test_it_counts_for_each_agent_and_the_current_time(
    alice: User, bob: User, carol: User, dave: Contact, make_ticket: Callable[..., Ticket]
) -> None:
    first, second, third = (make_ticket(subject=f"Ticket {i}") for i in range(3))
    actions.do_assign_ticket(first, alice, actor=alice)
    actions.do_assign_ticket(second, bob, actor=alice)
    actions.do_assign_ticket(third, bob, actor=alice)
    Notification.objects.create(
        recipient=bob, kind=NotificationKind.MENTION, text="Look", ticket=second
    )
    now = timezone.now()
    FollowUp.objects.create(agent=alice, contact=dave, due_at=now - timedelta(hours=1))
    FollowUp.objects.create(agent=alice, contact=dave, due_at=now + timedelta(hours=1))

    # unread, due follow-ups, then mine, unassigned, team, open, pending.
    assert sidebar_frame_counts(alice) == (0, 1, 1, 0, 0, 3, 0)
    assert sidebar_frame_counts(bob) == (3, 0, 2, 0, 0, 3, 0)  # two assignments, a mention
    for user in (alice, bob, carol):
        assert sidebar_frame_counts(user) == built_each_time(user)


def test_it_sends_one_statement_for_the_frame(
    client: Client, bob: User, django_assert_num_queries: Any
) -> None:
    sidebar_frame_counts(bob)  # compiled by now
    with django_assert_num_queries(1):
        assert sidebar_frame_counts(bob) == (0, 0, 0, 0, 0, 0, 0)
