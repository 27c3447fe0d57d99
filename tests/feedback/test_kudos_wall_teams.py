"""The team kudos wall filtered to one team (?team=<name>); an unknown team is ignored
with a message, never an error."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client
from django.utils import timezone

from heedful.accounts.models import Team, User
from heedful.feedback.actions import credit_agents, do_answer
from heedful.feedback.models import RequestState, SurveyRequest
from heedful.feedback.surveys import COMMENT, RATING, csat_survey
from heedful.tickets.actions import do_add_message
from heedful.tickets.models import Ticket
from tests.conftest import login


def kudos_for(ticket: Ticket, agent: User, comment: str) -> None:
    do_add_message(ticket, author=agent, body_text="Done.")
    now = timezone.now()
    request = SurveyRequest.objects.create(
        survey=csat_survey(), contact=ticket.requester, organization=ticket.organization,
        ticket=ticket, state=RequestState.SENT, due_at=now, sent_at=now,
    )  # fmt: skip
    credit_agents(request)
    do_answer(request, {RATING: 5, COMMENT: comment})


def test_it_shows_one_teams_kudos(
    client: Client, alice: User, bob: User, finance: Team, make_ticket: Callable[..., Ticket]
) -> None:
    bob.teams.set([finance])  # Bob moved to Finance: Alice is the only one left in Support
    kudos_for(make_ticket(), alice, "Alice was wonderful, thanks!")
    kudos_for(make_ticket(), bob, "Bob was wonderful, thanks!")
    login(client, alice)
    support = client.get("/feedback/kudos/?team=Support").content.decode()
    assert "Alice was wonderful" in support and "Bob was wonderful" not in support
    assert '<strong id="kudos-team">Support</strong>' in support
    assert '<option value="Support" selected>Support</option>' in support
    assert 'href="?days=30&amp;team=Support"' in support
    finance_wall = client.get("/feedback/kudos/?team=Finance").content.decode()
    assert "Bob was wonderful" in finance_wall and "Alice was wonderful" not in finance_wall
    everyone = client.get("/feedback/kudos/").content.decode()
    assert "Alice was wonderful" in everyone and "Bob was wonderful" in everyone
    assert '<a class="badge sentiment-positive" href="/agents/bob/">Bob</a>' in everyone


def test_it_ignores_an_unknown_team_with_a_message(
    client: Client, alice: User, make_ticket: Callable[..., Ticket]
) -> None:
    kudos_for(make_ticket(), alice, "Alice was wonderful, thanks!")
    response = login(client, alice).get("/feedback/kudos/?team=Nope")
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        '<div class="form-error" role="status" id="team-ignored">'
        "No team “Nope”: showing every team.</div>" in html
    )
    assert "Alice was wonderful" in html
