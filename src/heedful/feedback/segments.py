"""The segment filters of the feedback page: organization plan and segment, team,
channel and agent, read from the URL's query string.

A value that names nothing we know (a team that does not exist, a typo in a plan) is
ignored with a message saying so, never a server error: the page then shows everyone
for that filter. The agent filter follows fair attribution: answers about tickets on
which the agent replied publicly (AgentCredit), not only the tickets assigned to them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef, Q
from django.http import QueryDict

from heedful.accounts.models import Role, Team, User
from heedful.customers.models import Organization
from heedful.feedback.models import AgentCredit
from heedful.tickets.models import Channel

FILTERS = ("plan", "segment", "team", "channel", "agent")
MAX_VALUE_CHARS = 100


@dataclass(frozen=True)
class Choices:
    """What each filter can be set to (the select boxes of the page)."""

    plans: list[str]
    segments: list[str]
    teams: list[str]
    channels: list[tuple[str, str]]
    agents: list[tuple[str, str]]  # (username, display name)
    # Name -> id, for the counts (heedful.feedback.rollups) that key on ids.
    team_ids: dict[str, int] = field(default_factory=dict)
    agent_ids: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Choices:
        pairs = Organization.objects.order_by().values_list("plan", "segment").distinct()
        plans, segments = set(), set()
        for plan, segment in pairs:
            plans.add(plan)
            segments.add(segment)
        agents = User.objects.filter(is_active=True, role__in=(Role.ADMIN, Role.AGENT)).order_by(
            "username"
        )
        teams = dict(Team.objects.order_by("name").values_list("name", "pk"))
        return cls(
            plans=sorted(p for p in plans if p),
            segments=sorted(s for s in segments if s),
            teams=list(teams),
            channels=[(str(value), str(label)) for value, label in Channel.choices],
            agents=[(a.username, a.display_name) for a in agents],
            team_ids=teams,
            agent_ids={a.username: a.pk for a in agents},
        )


@dataclass(frozen=True)
class Segment:
    """The filters in effect; empty strings mean "everyone"."""

    plan: str = ""
    segment: str = ""
    team: str = ""
    channel: str = ""
    agent: str = ""
    agent_name: str = ""
    team_id: int = 0
    agent_id: int = 0
    ignored: tuple[str, ...] = field(default=())

    @property
    def is_everyone(self) -> bool:
        return not any(getattr(self, name) for name in FILTERS)

    def _customer_and_ticket_q(self) -> Q:
        condition = Q()
        if self.plan:
            condition &= Q(organization__plan=self.plan)
        if self.segment:
            condition &= Q(organization__segment=self.segment)
        if self.team:
            condition &= Q(ticket__team__name=self.team)
        if self.channel:
            condition &= Q(ticket__channel=self.channel)
        return condition

    def q(self) -> Q:
        """The condition on heedful.feedback.models.Response rows (and FollowUpTask
        rows, which have the same organization, ticket and request)."""
        condition = self._customer_and_ticket_q()
        if self.agent:
            # A subquery, not a join: one row per answer whatever the number of credits;
            # correlated (EXISTS along the credit's unique index), so reading a day of
            # answers does not first read every credit of the agent.
            credited = AgentCredit.objects.filter(
                request_id=OuterRef("request_id"), agent__username=self.agent
            )
            condition &= Q(Exists(credited))
        return condition

    def answer_q(self) -> Q:
        """:meth:`q` on the dimensions copied onto the answers (Response rows only): no
        join, so any combination of filters reads one index (heedful.feedback.tallies)."""
        condition = Q()
        if self.plan:
            condition &= Q(organization_plan=self.plan)
        if self.segment:
            condition &= Q(organization_segment=self.segment)
        if self.team:
            condition &= Q(ticket_team_id=self.team_id)
        if self.channel:
            condition &= Q(ticket_channel=self.channel)
        if self.agent:
            credited = AgentCredit.objects.filter(
                request_id=OuterRef("request_id"), agent_id=self.agent_id
            )
            condition &= Q(Exists(credited))
        return condition

    def counts_key(self) -> tuple[str, str] | None:
        """(dimension, value) of the answer counts that hold this segment (DailyScore,
        MonthlyCustomerScore); None when filters are combined: no counts hold those."""
        chosen = [name for name in FILTERS if getattr(self, name)]
        if not chosen:
            return ("", "")
        if len(chosen) > 1:
            return None
        ids = {"team": str(self.team_id), "agent": str(self.agent_id)}
        return chosen[0], ids.get(chosen[0], getattr(self, chosen[0]))

    def kudos_q(self) -> Q:
        """The condition on heedful.feedback.models.Kudos: the agent filter keeps the
        kudos given to that agent."""
        condition = self._customer_and_ticket_q()
        if self.agent:
            condition &= Q(agent_id=self.agent_id)
        return condition

    def params(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in FILTERS if getattr(self, name)}

    def query_string(self) -> str:
        """The filters for links (the period switch keeps them), "" for everyone."""
        return urlencode(self.params())

    def describe(self) -> str:
        parts = []
        if self.plan:
            parts.append(f"plan {self.plan}")
        if self.segment:
            parts.append(f"segment {self.segment}")
        if self.team:
            parts.append(f"team {self.team}")
        if self.channel:
            parts.append(f"channel {Channel(self.channel).label.lower()}")
        if self.agent:
            parts.append(f"agent {self.agent_name}")
        return ", ".join(parts) or "all customers"


def parse_segment(params: QueryDict, choices: Choices) -> Segment:
    """The filters asked for; unknown values are dropped and listed in ``ignored``."""
    known: dict[str, dict[str, str]] = {
        "plan": {p: p for p in choices.plans},
        "segment": {s: s for s in choices.segments},
        "team": {t: t for t in choices.teams},
        "channel": {value: value for value, _ in choices.channels},
        "agent": {username: name for username, name in choices.agents},
    }
    values: dict[str, str] = {}
    ignored = []
    for name in FILTERS:
        raw = params.get(name, "").strip()[:MAX_VALUE_CHARS]
        if not raw:
            continue
        if raw in known[name]:
            values[name] = raw
        else:
            ignored.append(f"No {name} “{raw}”: showing every {name}.")
    agent_name = known["agent"].get(values.get("agent", ""), "")
    return Segment(
        **values,
        agent_name=agent_name,
        team_id=choices.team_ids.get(values.get("team", ""), 0),
        agent_id=choices.agent_ids.get(values.get("agent", ""), 0),
        ignored=tuple(ignored),
    )
