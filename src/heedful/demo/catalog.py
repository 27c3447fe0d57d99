"""The fictional cast of the demo: staff, teams, organizations, customer names, and
which team answers for which brand of the tweet sample.

Every choice is a pure function of its input (crc32, never Python's salted hash), so
loading the same data twice gives the same names, organizations and assignees.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class StaffMember:
    username: str
    first_name: str
    last_name: str
    role: str  # an accounts.Role value
    teams: tuple[str, ...]


@dataclass(frozen=True)
class DemoTeam:
    name: str
    kind: str  # an accounts.TeamKind value


@dataclass(frozen=True)
class DemoOrganization:
    name: str
    slug: str
    segment: str
    plan: str
    annual_revenue: Decimal
    weight: int  # share of customers, long-tailed like real books of business
    owner: str

    @property
    def domain(self) -> str:
        return f"{self.slug}.{EMAIL_DOMAIN}"


EMAIL_DOMAIN = "example.test"  # reserved (RFC 2606): no mail ever leaves for it
ADMIN = "admin"
SUPPORT, TECHNICAL, TRAVEL, FINANCE = "Support", "Technical", "Travel", "Finance"

TEAMS = (
    DemoTeam(SUPPORT, "support"),
    DemoTeam(TECHNICAL, "support"),
    DemoTeam(TRAVEL, "support"),
    DemoTeam(FINANCE, "department"),
)

STAFF = (
    StaffMember(ADMIN, "Ada", "Admin", "admin", ()),
    StaffMember("alice", "Alice", "Archer", "agent", (SUPPORT, TRAVEL)),
    StaffMember("bob", "Bob", "Baker", "agent", (SUPPORT, TECHNICAL)),
    StaffMember("carol", "Carol", "Chen", "light_agent", (FINANCE,)),
    StaffMember("frank", "Frank", "Fischer", "agent", (TECHNICAL,)),
    StaffMember("grace", "Grace", "Garcia", "agent", (TRAVEL,)),
)

ORGANIZATIONS = (
    DemoOrganization(
        "Acme Corp", "acme", "enterprise", "Enterprise", Decimal(1_250_000), 34, "alice"
    ),
    DemoOrganization("Globex", "globex", "enterprise", "Enterprise", Decimal(640_000), 20, "bob"),
    DemoOrganization(
        "Initech", "initech", "mid-market", "Business", Decimal(180_000), 13, "frank"
    ),
    DemoOrganization(
        "Umbrella Health", "umbrella-health", "enterprise", "Enterprise", Decimal(420_000), 10,
        "grace",
    ),
    DemoOrganization(
        "Vandelay Industries", "vandelay", "mid-market", "Business", Decimal(96_000), 8, "alice"
    ),
    DemoOrganization("Hooli", "hooli", "mid-market", "Business", Decimal(150_000), 6, "bob"),
    DemoOrganization("Soylent Foods", "soylent", "smb", "Starter", Decimal(18_000), 5, "frank"),
    DemoOrganization("Wonka Retail", "wonka", "smb", "Starter", Decimal(9_600), 4, "grace"),
)  # fmt: skip
ORGANIZATION_NOTE = "Fictional company created by `heedful demo`."


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Brands of the tweet sample by the kind of question they answer; others go to Support.
_TECHNICAL_BRANDS = _words("""
applesupport comcastcares spotifycares tmobilehelp askplaystation verizonsupport xboxsupport
adobecare atviassist hulu_support sprintcare ask_spectrum coxhelp centurylinkhelp
dropboxsupport azuresupport microsofthelps godaddyhelp neweggservice hpsupport boostcare
airtel_care idea_cares safaricom_care asurioncares glocare o2 asksalesforce yahoocare
uscellularcares jackbox
""")
_TRAVEL_BRANDS = _words("""
uber_support delta british_airways southwestair americanair airasiasupport alaskaair
virgintrains nationalrailenq gwrhelp virginatlantic airbnbhelp kimpton asklyft sw_help
londonmidland virginamerica tfl ihgservice jetblue
""")

_FIRST_NAMES = _words("""
Aaliyah Amara Ana Andre Arjun Ben Camila Chloe Daniel Diego Elena Emeka Fatima Felix Hana
Hugo Ines Isaac Jamal Jia Jonas Kai Keisha Lars Laura Leo Lina Lucas Maya Mateo Mei Nadia
Noah Nora Omar Priya Rafael Rosa Sam Sofia Tariq Theo Uma Victor Yara Yusuf Zoe
""")
_LAST_NAMES = _words("""
Abbott Adeyemi Bauer Becker Costa Dubois Eriksen Fernandes Fischer Garcia Haddad Hansen
Ibrahim Ito Jensen Kaur Kowalski Larsen Lopez Martin Mensah Moreau Murphy Nakamura Novak
Okafor Olsen Patel Petrov Quinn Rossi Santos Schmidt Silva Singh Sato Tanaka Walsh Weber
Yilmaz Zhang
""")


def _crc(text: str) -> int:
    return zlib.crc32(text.encode())


def person_name(key: str) -> str:
    """A plausible, stable name for a customer key (e.g. a twitter author id)."""
    first = _FIRST_NAMES[_crc(f"first:{key}") % len(_FIRST_NAMES)]
    last = _LAST_NAMES[_crc(f"last:{key}") % len(_LAST_NAMES)]
    return f"{first} {last}"


def email_for(customer_key: str, name: str, organization: DemoOrganization | None) -> str:
    """A made-up address under example.test; a twitter id keeps generated names unique."""
    local = ".".join(name.lower().split())
    if customer_key.isdigit():
        local = f"{local}.{customer_key}"
    domain = organization.domain if organization else EMAIL_DOMAIN
    return f"{local}@{domain}"


def pick_organization(group_key: str) -> DemoOrganization:
    """Weighted by DemoOrganization.weight, decided by the key alone."""
    point = _crc(f"org:{group_key}") % sum(o.weight for o in ORGANIZATIONS)
    for organization in ORGANIZATIONS:
        if point < organization.weight:
            return organization
        point -= organization.weight
    raise AssertionError("unreachable")


def organization_named(name: str | None) -> DemoOrganization | None:
    return next((o for o in ORGANIZATIONS if o.name == name), None)


def team_for_brand(brand: str) -> str:
    if brand.startswith("agent:"):
        member = next(s for s in STAFF if s.username == brand.removeprefix("agent:"))
        return member.teams[0]
    handle = brand.lower()
    if handle in _TECHNICAL_BRANDS:
        return TECHNICAL
    if handle in _TRAVEL_BRANDS:
        return TRAVEL
    return SUPPORT


def agent_for_brand(brand: str) -> str:
    """The demo agent who writes a brand's replies: always the same one per brand."""
    if brand.startswith("agent:"):
        return brand.removeprefix("agent:")
    team = team_for_brand(brand)
    members = sorted(s.username for s in STAFF if team in s.teams and s.role == "agent")
    return members[_crc(f"agent:{brand}") % len(members)]


def chance(key: str, percent: int) -> bool:
    """A stable coin flip: true for about ``percent`` % of keys."""
    return _crc(f"chance:{key}") % 100 < percent
