"""Which ticket a reply joins: headers from anyone, our ref only from the ticket's people."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest

from heedful.accounts.models import User
from heedful.customers.models import Contact
from heedful.mail.actions import IngestResult, Outcome
from heedful.mail.models import FollowerSource, FollowUp, MailFollower
from heedful.tickets.actions import do_change_status
from heedful.tickets.models import Message, Status, Ticket

Deliver = Callable[..., IngestResult]


@pytest.fixture
def first(deliver: Deliver, dave: Contact) -> Ticket:
    ticket = deliver(message_id="<root@acme.test>").ticket
    assert ticket is not None
    return ticket


def test_it_threads_a_reply_by_in_reply_to(deliver: Deliver, first: Ticket) -> None:
    result = deliver(message_id="<r1@acme.test>", headers={"In-Reply-To": "<root@acme.test>"})
    assert (result.outcome, result.ticket) == (Outcome.THREADED, first)
    assert Message.objects.filter(ticket=first).count() == 2


def test_it_threads_by_a_reference_to_a_message_it_never_saw(deliver: Deliver) -> None:
    # Two replies to a root we never received (a "ghost") are one conversation.
    a = deliver(message_id="<a@acme.test>", headers={"References": "<ghost@acme.test>"})
    b = deliver(message_id="<b@acme.test>", headers={"References": "<ghost@acme.test>"})
    assert (a.outcome, b.outcome) == (Outcome.CREATED, Outcome.THREADED)
    assert a.ticket == b.ticket


def test_it_threads_by_outlook_thread_index(deliver: Deliver) -> None:
    root = base64.b64decode("AcszC8UElBYHaZlHSsmvZEE2KBL+0w==")
    first_index = base64.b64encode(root).decode()
    reply_index = base64.b64encode(root + b"\x00\x00\x86\x0e\xc0").decode()
    a = deliver(message_id="<o1@acme.test>", headers={"Thread-Index": first_index})
    b = deliver(message_id="<o2@acme.test>", headers={"Thread-Index": reply_index})
    assert (b.outcome, b.ticket) == (Outcome.THREADED, a.ticket)


def test_it_threads_our_ref_in_the_subject_from_the_requester(
    deliver: Deliver, first: Ticket
) -> None:
    result = deliver(message_id="<s1@acme.test>", subject=f"Re: [{first.ref}] Printer on fire")
    assert (result.outcome, result.ticket) == (Outcome.THREADED, first)


def test_it_threads_our_ref_from_a_colleague_of_the_same_organization(
    deliver: Deliver, first: Ticket
) -> None:
    result = deliver(
        sender="frank@acme.test", message_id="<s2@acme.test>", subject=f"[{first.ref}] more"
    )
    assert result.ticket == first


def test_it_threads_a_plus_address_with_our_ref(deliver: Deliver, first: Ticket) -> None:
    to = f"support+{first.ref}@heedful.test"
    result = deliver(message_id="<p1@acme.test>", to=to, subject="Any subject")
    assert (result.outcome, result.ticket) == (Outcome.THREADED, first)


def test_it_does_not_let_an_unrelated_sender_join_by_our_ref(
    deliver: Deliver, first: Ticket, erin: Contact
) -> None:
    result = deliver(
        sender="erin@globex.test", message_id="<e1@globex.test>", subject=f"Re: [{first.ref}] hi"
    )
    assert result.outcome == Outcome.CREATED
    assert result.ticket != first
    assert Message.objects.filter(ticket=first).count() == 1


def test_it_never_threads_by_a_similar_subject_alone(
    deliver: Deliver, first: Ticket, erin: Contact
) -> None:
    result = deliver(
        sender="erin@globex.test", message_id="<e2@globex.test>", subject="Re: Printer on fire"
    )
    assert result.outcome == Outcome.CREATED
    assert Ticket.objects.count() == 2


def test_it_threads_a_reply_from_someone_in_cc_and_makes_them_a_follower(
    deliver: Deliver, dave: Contact, erin: Contact
) -> None:
    ticket = deliver(message_id="<cc0@acme.test>", headers={"Cc": "Erin <erin@globex.test>"}).ticket
    assert ticket is not None
    assert list(MailFollower.objects.filter(ticket=ticket).values_list("contact", "source")) == [
        (erin.pk, FollowerSource.CC)
    ]
    reply = deliver(
        sender="erin@globex.test",
        message_id="<cc1@globex.test>",
        headers={"In-Reply-To": "<cc0@acme.test>"},
    )
    assert (reply.outcome, reply.ticket) == (Outcome.THREADED, ticket)
    assert Message.objects.get(ticket=ticket, external_id="cc1@globex.test").author_contact == erin
    # As a follower, erin may now also use our ref in the subject.
    again = deliver(
        sender="erin@globex.test", message_id="<cc2@globex.test>", subject=f"[{ticket.ref}]"
    )
    assert again.ticket == ticket


def test_it_never_makes_our_own_addresses_followers(
    deliver: Deliver, dave: Contact, alice: User, settings: Any
) -> None:
    settings.MAIL_ADDRESSES = ["support@heedful.test"]
    ticket = deliver(headers={"Cc": "alice@heedful.test, help@heedful.test"}).ticket
    followers = MailFollower.objects.filter(ticket=ticket)
    assert list(followers.values_list("contact__email", flat=True)) == ["help@heedful.test"]
    assert not Contact.objects.filter(
        email__in=["alice@heedful.test", "support@heedful.test"]
    ).exists()


def test_it_opens_a_linked_follow_up_for_a_reply_to_a_closed_ticket(
    deliver: Deliver, first: Ticket, alice: User, settings: Any
) -> None:
    settings.MAIL_REPLY_TO_CLOSED = "follow_up"
    do_change_status(first, Status.CLOSED, actor=alice)
    reply = deliver(message_id="<late@acme.test>", headers={"In-Reply-To": "<root@acme.test>"})
    assert reply.outcome == Outcome.CREATED
    assert reply.ticket is not None and reply.ticket != first
    assert FollowUp.objects.get(ticket=reply.ticket).previous == first
    first.refresh_from_db()
    assert first.status == Status.CLOSED
    # The next reply in the same conversation joins the follow-up, not a third ticket.
    again = deliver(message_id="<later@acme.test>", headers={"In-Reply-To": "<root@acme.test>"})
    assert (again.outcome, again.ticket) == (Outcome.THREADED, reply.ticket)


def test_it_reopens_a_closed_ticket_when_configured(
    deliver: Deliver, first: Ticket, alice: User, settings: Any
) -> None:
    settings.MAIL_REPLY_TO_CLOSED = "reopen"
    do_change_status(first, Status.CLOSED, actor=alice)
    reply = deliver(message_id="<late@acme.test>", headers={"In-Reply-To": "<root@acme.test>"})
    assert (reply.outcome, reply.ticket) == (Outcome.THREADED, first)
    first.refresh_from_db()
    assert (first.status, first.reopened_count) == (Status.OPEN, 1)
    assert not FollowUp.objects.exists()


def test_it_reopens_a_solved_ticket_whatever_the_setting(
    deliver: Deliver, first: Ticket, alice: User
) -> None:
    do_change_status(first, Status.SOLVED, actor=alice)
    reply = deliver(message_id="<s@acme.test>", headers={"In-Reply-To": "<root@acme.test>"})
    assert reply.ticket == first
    first.refresh_from_db()
    assert first.status == Status.OPEN
