"""An agent's profile: teams, open tickets assigned, CSAT credited by fair attribution,
and kudos; full agents see everyone's, light agents only their own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client
from django.utils import timezone

from heedful.accounts.models import User
from heedful.customers.models import Contact
from heedful.feedback.actions import credit_agents, do_answer
from heedful.feedback.models import RequestState, SurveyRequest
from heedful.feedback.surveys import COMMENT, RATING, csat_survey
from heedful.tickets import actions
from heedful.tickets.models import Status, Ticket
from tests.conftest import login


def rate(ticket: Ticket, rating: int, comment: str = "") -> None:
    now = timezone.now()
    request = SurveyRequest.objects.create(
        survey=csat_survey(), contact=ticket.requester, organization=ticket.organization,
        ticket=ticket, state=RequestState.SENT, due_at=now, sent_at=now,
    )  # fmt: skip
    credit_agents(request)
    do_answer(request, {RATING: rating, COMMENT: comment})


def test_it_shows_teams_open_tickets_credited_csat_and_kudos(
    settings: Any, client: Client, alice: User, bob: User, make_ticket: Callable[..., Ticket]
) -> None:
    settings.FEEDBACK_MIN_SAMPLE = 2
    shared = make_ticket(subject="Shared work")
    actions.do_add_message(shared, author=alice, body_text="Looking.")
    actions.do_add_message(shared, author=bob, body_text="Found it.")
    actions.do_add_message(shared, author=bob, body_text="Fixed.")
    rate(shared, 5, "Bob, you saved my day, wonderful!")
    alone = make_ticket(subject="Bob alone")
    actions.do_add_message(alone, author=bob, body_text="Done.")
    rate(alone, 2)
    actions.do_assign_ticket(make_ticket(subject="Still open"), bob, actor=alice)
    done = make_ticket(subject="Already solved")
    actions.do_assign_ticket(done, bob, actor=alice)
    actions.do_change_status(done, Status.SOLVED, actor=alice)
    html = login(client, alice).get("/agents/bob/").content.decode()
    assert "<h1>Bob</h1>" in html
    assert '<dd id="agent-teams">Support</dd>' in html
    assert '<strong id="agent-open-count">1</strong>' in html
    assert "Still open" in html and "Already solved" not in html
    # Two answers on tickets Bob replied to: one good of two; Wilson 9% to 91%. Weighted by
    # his share of the replies: 2/3 good of (2/3 + 1) credited answers = 40%.
    assert '<strong id="agent-csat">50%</strong>' in html
    assert "95% interval 9% to 91% · n = 2 on 2 tickets" in html
    assert "Weighted by their share of the replies: <strong>40%</strong> of 1.7 credited" in html
    assert '<strong id="agent-kudos-count">1</strong>' in html
    assert "Bob, you saved my day, wonderful!" in html
    alice_page = client.get("/agents/alice/").content.decode()
    assert '<strong id="agent-kudos-count">0</strong>' in alice_page
    assert "Not enough data: 1 of the 2 answers needed (0.3 credited" in alice_page


def test_it_links_agent_names_to_their_profile(
    client: Client, alice: User, bob: User, dave: Contact, acme_ticket: Ticket
) -> None:
    actions.do_assign_ticket(acme_ticket, bob, actor=alice)
    html = login(client, alice).get(f"/contacts/{dave.public_id}/").content.decode()
    assert '<a href="/agents/bob/">Bob</a>' in html


def test_a_light_agent_sees_only_their_own_profile(
    client: Client, carol: User, alice: User
) -> None:
    login(client, carol)
    assert client.get("/agents/carol/").status_code == 200
    assert client.get("/agents/alice/").status_code == 403


def test_customers_and_unknown_names_get_no_profile(
    client: Client, alice: User, dave: Contact
) -> None:
    login(client, alice)
    assert client.get("/agents/nobody/").status_code == 404
    assert client.get("/agents/dave/").status_code == 404  # a customer's account
    assert client.get("/agents/alice/?days=7").status_code == 400
    assert dave.user is not None
    assert login(client, dave.user).get("/agents/alice/").status_code == 403
