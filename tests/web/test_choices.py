"""The people and teams offered by the selects that change tickets."""

from __future__ import annotations

from heedful.accounts.models import Team, User
from heedful.sla.escalations import get_bot
from heedful.web.forms import editing_choices


def test_it_offers_agents_but_not_the_escalation_bot_or_light_agents(
    alice: User, bob: User, carol: User, support: Team
) -> None:
    get_bot()

    choices = editing_choices()

    assert sorted(agent.username for agent in choices["agents"]) == ["alice", "bob"]
    assert [team.name for team in choices["teams"]] == sorted(t.name for t in Team.objects.all())
