"""Kudos: a positive comment that names or thanks an agent who replied publicly on the
ticket; exact matches and non-matches; the kudos wall and its count on /feedback/."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from heedful.accounts.models import User
from heedful.customers.models import Contact
from heedful.feedback.actions import do_answer
from heedful.feedback.kudos import Candidate, match_kudos
from heedful.feedback.models import Kudos, KudosReason, RequestState, SurveyRequest
from heedful.feedback.surveys import COMMENT, RATING, csat_survey, nps_survey
from heedful.tickets.actions import do_add_message
from heedful.tickets.models import Ticket
from tests.conftest import login

ALICE = Candidate(1, ("Alice", "alice"))
BOB = Candidate(2, ("Bob", "bjones"))
NAMED, THANKED = KudosReason.NAMED, KudosReason.THANKED


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Alice was great", {1: NAMED}),
        ("ALICE sorted it out", {1: NAMED}),
        ("Kudos to @alice!", {1: NAMED}),
        ("bjones knew the answer", {2: NAMED}),
        ("Bob and Alice, thanks!", {1: NAMED, 2: NAMED}),
        ("Thanks Bob", {2: NAMED}),  # named beats thanked: only Bob
        ("Thank you so much", {1: THANKED, 2: THANKED}),
        ("thanks!", {1: THANKED, 2: THANKED}),
        ("Very grateful for the quick help", {1: THANKED, 2: THANKED}),
        ("I appreciate it", {1: THANKED, 2: THANKED}),
        ("Thx", {1: THANKED, 2: THANKED}),
        ("Alicent was great", {}),  # not a whole word
        ("Bobby was great", {}),
        ("Great service overall", {}),  # neither names nor thanks
        ("A thankless job, well done", {}),
        ("Malice-free answers", {}),
    ],
)
def test_it_matches_names_and_thanks_exactly(text: str, expected: dict[int, str]) -> None:
    assert match_kudos(text, [ALICE, BOB]) == expected


def comment_on(ticket: Ticket | None, contact: Contact, text: str, rating: int = 5) -> Any:
    now = timezone.now()
    survey = csat_survey() if ticket is not None else nps_survey()
    request = SurveyRequest.objects.create(
        survey=survey, contact=contact, organization=contact.organization, ticket=ticket,
        state=RequestState.SENT, due_at=now, sent_at=now,
    )  # fmt: skip
    do_answer(request, {RATING: rating, COMMENT: text})
    return request


@pytest.fixture
def worked_ticket(acme_ticket: Ticket, alice: User, bob: User, carol: User) -> Ticket:
    do_add_message(acme_ticket, author=alice, body_text="Looking into it.")
    do_add_message(acme_ticket, author=bob, body_text="Refunded.")
    do_add_message(acme_ticket, author=carol, body_text="Finance checked", is_public=False)
    return acme_ticket


def kudos() -> list[tuple[str, str]]:
    return sorted(Kudos.objects.values_list("agent__username", "reason"))


def test_it_gives_kudos_to_the_agent_named(worked_ticket: Ticket, dave: Contact) -> None:
    comment_on(worked_ticket, dave, "Thanks, Bob sorted it out quickly!")
    assert kudos() == [("bob", "named")]
    row = Kudos.objects.get()
    assert (row.ticket, row.contact, row.organization) == (worked_ticket, dave, dave.organization)


def test_it_gives_kudos_to_every_public_replier_for_a_plain_thanks(
    worked_ticket: Ticket, dave: Contact
) -> None:
    comment_on(worked_ticket, dave, "Thank you so much, great help.")
    assert kudos() == [("alice", "thanked"), ("bob", "thanked")]


def test_it_gives_no_kudos_to_an_agent_who_only_wrote_an_internal_note(
    worked_ticket: Ticket, dave: Contact
) -> None:
    comment_on(worked_ticket, dave, "Carol was wonderful.")
    assert kudos() == []


def test_it_gives_no_kudos_for_a_negative_comment(worked_ticket: Ticket, dave: Contact) -> None:
    comment_on(worked_ticket, dave, "Alice was rude and my problem is still not fixed.", 1)
    assert kudos() == []


def test_it_gives_no_kudos_without_a_ticket(alice: User, dave: Contact) -> None:
    comment_on(None, dave, "Alice is great, thanks!", 10)
    assert kudos() == []


def test_it_judges_an_edited_comment_again_without_doubling(
    worked_ticket: Ticket, dave: Contact
) -> None:
    request = comment_on(worked_ticket, dave, "Alice was great!")
    do_answer(request, {COMMENT: "Alice was great!"})
    assert kudos() == [("alice", "named")]
    do_answer(request, {COMMENT: "Bob was great!"})
    assert kudos() == [("bob", "named")]


def test_it_shows_the_kudos_wall_and_the_count_on_the_feedback_page(
    client: Client, worked_ticket: Ticket, dave: Contact, alice: User, carol: User
) -> None:
    comment_on(worked_ticket, dave, "Thank you so much, great help.")
    comment_on(worked_ticket, dave, "Bob, you are a star. Great help.")
    page = login(client, alice).get("/feedback/kudos/")
    assert page.status_code == 200
    content = page.content.decode()
    assert content.count('class="verbatim kudos"') == 3
    assert '<li><strong>Bob</strong> <span class="pill">2</span></li>' in content
    assert '<li><strong>Alice</strong> <span class="pill">1</span></li>' in content
    assert "Bob, you are a star. Great help." in content
    feedback = client.get("/feedback/?days=30").content.decode()
    assert "3 kudos in 30 days</a>" in feedback
    assert login(client, carol).get("/feedback/kudos/").status_code == 403
    assert login(client, alice).get("/feedback/kudos/?days=2").status_code == 400


def test_it_says_when_there_are_no_kudos(client: Client, alice: User) -> None:
    content = login(client, alice).get("/feedback/kudos/").content.decode()
    assert 'id="kudos-empty"' in content
