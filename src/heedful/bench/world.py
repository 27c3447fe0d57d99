"""The people and settings that generated tickets refer to: teams, agents, tags,
organizations (long-tailed sizes) and their contacts."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password

from heedful.accounts.models import Role, Team, TeamKind, User
from heedful.bench.shape import draw, zipf_cum_weights
from heedful.bench.writer import BulkWriter
from heedful.customers.models import Contact, Organization
from heedful.tickets.models import Tag

SUPPORT_TEAMS = ("Tier 1", "Tier 2", "Billing", "Cards", "Onboarding", "Enterprise")
DEPARTMENTS = ("Finance", "Engineering", "Legal")
GENERIC_TAGS = (
    "vip", "bug", "refund", "billing", "feature-request", "outage", "mobile", "web",
    "churn-risk", "follow-up", "how-to", "escalated", "duplicate", "security", "feedback",
)  # fmt: skip
FIRST_NAMES = (
    "Ada", "Ben", "Chloe", "Dan", "Eva", "Finn", "Gia", "Hugo", "Ines", "Jon", "Kai", "Lea",
    "Max", "Nina", "Omar", "Pia", "Quinn", "Rosa", "Sam", "Tara", "Umar", "Vera", "Will",
    "Xena", "Yuki", "Zoe", "Ali", "Bea", "Cyd", "Dora", "Eli", "Fay", "Gus", "Hana", "Ivo",
    "Jade", "Kim", "Liam",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Jones", "Brown", "Garcia", "Miller", "Davis", "Lopez", "Wilson", "Moore",
    "Taylor", "Thomas", "Martin", "Lee", "White", "Harris", "Clark", "Lewis", "Young", "King",
    "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell",
)  # fmt: skip
ORG_WORDS = (
    "Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne", "Wonka",
    "Tyrell", "Cyberdyne", "Soylent", "Aperture", "Gringotts", "Monarch", "Oscorp", "Pied",
    "Piper", "Dunder", "Prestige", "Sterling", "Massive", "Nakatomi",
)  # fmt: skip
ORG_SUFFIXES = ("Inc", "Ltd", "GmbH", "Group", "Labs", "Systems", "Partners", "Co")
SEGMENTS = ("enterprise", "mid-market", "smb", "startup")


@dataclass
class World:
    support_team_ids: list[int]
    agents_by_team: dict[int, list[int]]
    tag_ids: dict[str, int]
    generic_tag_cum: list[float]
    # (contact id, organization id) per contact; tickets pick contacts on a long tail.
    contacts: list[tuple[int, int | None]] = field(default_factory=list)
    contact_cum: list[float] = field(default_factory=list)


def _ensure_teams() -> list[Team]:
    teams = {t.name: t for t in Team.objects.filter(name__in=SUPPORT_TEAMS + DEPARTMENTS)}
    for name in SUPPORT_TEAMS + DEPARTMENTS:
        if name not in teams:
            kind = TeamKind.DEPARTMENT if name in DEPARTMENTS else TeamKind.SUPPORT
            teams[name] = Team.objects.create(name=name, kind=kind)
    return [teams[name] for name in SUPPORT_TEAMS]


def _ensure_agents(count: int, teams: list[Team], rng: random.Random) -> dict[int, list[int]]:
    """``count`` full agents named agent001..; each works in one support team."""
    names = [f"agent{i:03d}" for i in range(1, count + 1)]
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    password = make_password(None)
    User.objects.bulk_create(
        User(
            username=name, role=Role.AGENT, email=f"{name}@heedful.example", password=password,
            first_name=rng.choice(FIRST_NAMES), last_name=rng.choice(LAST_NAMES),
        )
        for name in names if name not in existing
    )  # fmt: skip
    agents = list(User.objects.filter(username__in=names).order_by("username"))
    membership = Team.members.through
    by_team: dict[int, list[int]] = {team.pk: [] for team in teams}
    links = []
    for index, agent in enumerate(agents):
        team = teams[index % len(teams)]
        by_team[team.pk].append(agent.pk)
        links.append(membership(team_id=team.pk, user_id=agent.pk))
    membership.objects.bulk_create(links, ignore_conflicts=True)
    return by_team


def _ensure_tags(topics: list[str]) -> dict[str, int]:
    names = sorted({t for t in topics if t} | set(GENERIC_TAGS))
    existing = set(Tag.objects.filter(name__in=names).values_list("name", flat=True))
    Tag.objects.bulk_create(Tag(name=name) for name in names if name not in existing)
    return dict(Tag.objects.filter(name__in=names).values_list("name", "id"))


def _insert_organizations(writer: BulkWriter, count: int, rng: random.Random) -> list[int]:
    first = writer.next_id(Organization._meta.db_table)
    now = writer.time(writer.now)
    rows = []
    for org_id in range(first, first + count):
        name = f"{rng.choice(ORG_WORDS)} {rng.choice(ORG_SUFFIXES)} {org_id}"
        rows.append((
            org_id, writer.uuid(org_id), name, f'["org{org_id}.example"]',
            rng.choice(SEGMENTS), rng.choice(("free", "pro", "enterprise")), None, None, "",
            now, now,
        ))  # fmt: skip
    columns = (
        "id", "public_id", "name", "domains", "segment", "plan", "annual_revenue", "owner_id",
        "notes", "created_at", "updated_at",
    )  # fmt: skip
    writer.insert(Organization._meta.db_table, columns, rows)
    return [row[0] for row in rows]


def _insert_contacts(
    writer: BulkWriter, count: int, org_ids: list[int], rng: random.Random
) -> list[tuple[int, int | None]]:
    """Contacts spread over organizations on a long tail; a third are individuals."""
    first = writer.next_id(Contact._meta.db_table)
    org_cum = zipf_cum_weights(len(org_ids), 1.05)
    now = writer.time(writer.now)
    rows, contacts = [], []
    for contact_id in range(first, first + count):
        org_id = None if rng.random() < 0.33 else org_ids[draw(rng, org_cum)]
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        domain = f"org{org_id}.example" if org_id else "mail.example"
        email = f"c{contact_id}@{domain}"
        rows.append((
            contact_id, writer.uuid(contact_id), name, email, "", "", org_id, None, None,
            now, now,
        ))  # fmt: skip
        contacts.append((contact_id, org_id))
    columns = (
        "id", "public_id", "name", "email", "handle", "phone", "organization_id", "user_id",
        "last_contact_at", "created_at", "updated_at",
    )  # fmt: skip
    writer.insert(Contact._meta.db_table, columns, rows)
    return contacts


def build_world(writer: BulkWriter, tickets: int, topics: list[str], rng: random.Random) -> World:
    teams = _ensure_teams()
    agents = max(8, min(250, tickets // 4000))
    world = World(
        support_team_ids=[t.pk for t in teams],
        agents_by_team=_ensure_agents(agents, teams, rng),
        tag_ids=_ensure_tags(topics),
        generic_tag_cum=zipf_cum_weights(len(GENERIC_TAGS), 1.0),
    )
    org_ids = _insert_organizations(writer, max(5, tickets // 100), rng)
    world.contacts = _insert_contacts(writer, max(20, tickets // 10), org_ids, rng)
    world.contact_cum = zipf_cum_weights(len(world.contacts), 0.6)
    return world
