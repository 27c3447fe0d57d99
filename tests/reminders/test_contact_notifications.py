"""A due follow-up on a contact (not a ticket) notifies its agent once, with a link to the
contact's page, in the notifications list and by the usual email copy."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.db import IntegrityError
from django.test import Client
from django.utils import timezone

from heedful.accounts.models import Notification, NotificationKind, Team, User
from heedful.customers.models import Contact
from heedful.reminders.actions import do_set_follow_up
from heedful.reminders.due import announce_due_follow_ups, do_announce_follow_up
from heedful.sla.scheduler import run_pass
from heedful.tickets.actions import do_change_team
from heedful.tickets.models import Ticket
from heedful.web.context_processors import frame_counts

from .conftest import after_due, tomorrow

Login = Callable[[User | Contact | None], Client]


def _sweep(capture: Any, **kwargs: Any) -> int:
    """The sweep with its after-commit jobs (the email copy) run."""
    with capture(execute=True):
        return announce_due_follow_ups(**kwargs)


def test_it_notifies_the_agent_once_with_an_email_copy(
    dave: Contact, alice: User, bob: User, django_capture_on_commit_callbacks: Any
) -> None:
    follow_up = do_set_follow_up(
        actor=bob, contact=dave, agent=alice, due_on=tomorrow(), note="Renewal call"
    )
    now = after_due()

    assert _sweep(django_capture_on_commit_callbacks, now=now) == 1
    assert _sweep(django_capture_on_commit_callbacks, now=now + timedelta(hours=1)) == 0
    assert do_announce_follow_up(follow_up.pk, now=now) is False

    notification = Notification.objects.get()
    assert (
        notification.recipient, notification.kind, notification.ticket, notification.contact,
        notification.actor, notification.text, notification.read_at,
    ) == (
        alice, NotificationKind.FOLLOW_UP, None, dave, bob, "Follow up on Dave Doe: Renewal call",
        None,
    )  # fmt: skip
    assert notification.emailed_at is not None
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["alice@heedful.test"], "[Dave Doe] Follow up on Dave Doe: Renewal call")
    ]
    link = f"{settings.BASE_URL}/contacts/{dave.public_id}/"
    assert (
        mail.outbox[0].body == f"Follow up on Dave Doe: Renewal call.\n\nOpen the contact: {link}\n"
    )


def test_it_notifies_once_from_the_scheduler(
    dave: Contact,
    alice: User,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    do_set_follow_up(actor=alice, contact=dave, due_on=tomorrow())
    later = after_due()
    monkeypatch.setattr(timezone, "now", lambda: later)
    # A restart and a second scheduler: still one notification.
    for holder in ("scheduler-1", "scheduler-1", "scheduler-2"):
        with django_capture_on_commit_callbacks(execute=True):
            run_pass(holder, now=later)
    assert list(Notification.objects.values_list("recipient", "contact")) == [(alice.pk, dave.pk)]
    assert len(mail.outbox) == 1


def test_it_does_not_notify_an_agent_who_lost_sight_of_the_contact(
    make_ticket: Callable[..., Ticket],
    dave: Contact,
    alice: User,
    carol: User,
    finance: Team,
    support: Team,
) -> None:
    ticket = make_ticket(team=finance)  # carol sees dave through Finance's ticket
    follow_up = do_set_follow_up(actor=carol, contact=dave, due_on=tomorrow())
    do_change_team(ticket, support, actor=alice)

    assert announce_due_follow_ups(now=after_due()) == 1

    follow_up.refresh_from_db()
    assert follow_up.notified_at is not None
    assert Notification.objects.count() == 0


def test_it_lists_the_notification_with_a_link_to_the_contact(
    as_user: Login,
    dave: Contact,
    alice: User,
    acme_ticket: Ticket,
    django_assert_num_queries: Any,
) -> None:
    do_set_follow_up(actor=alice, contact=dave, due_on=tomorrow(), note="Renewal call")
    do_set_follow_up(actor=alice, ticket=acme_ticket, due_on=tomorrow(), note="Refund")
    assert announce_due_follow_ups(now=after_due()) == 2
    # Unread notifications and due follow-ups: still read in one query.
    with django_assert_num_queries(1):
        assert frame_counts(alice) == (2, 0)

    html = as_user(alice).get("/notifications/").content.decode()

    assert f'<a href="/contacts/{dave.public_id}/" class="notification-link">' in html
    assert "<span>Follow up on Dave Doe: Renewal call</span>" in html
    assert f'<a href="/tickets/{acme_ticket.ref}/" class="notification-link">' in html
    assert f"<span>Follow up on {acme_ticket.ref}: Refund</span>" in html
    assert html.count('<span class="pill">Follow-up due</span>') == 2


def test_it_refuses_a_notification_about_nothing(alice: User) -> None:
    with pytest.raises(IntegrityError):
        Notification.objects.create(recipient=alice, kind=NotificationKind.FOLLOW_UP, text="?")
