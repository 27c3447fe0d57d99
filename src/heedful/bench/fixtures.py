"""What the benchmarks need from the data set: a busy agent, filter values, a ticket with
50 messages, and a logged-in session for HTTP clients."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db.models import Count

from heedful.accounts.models import Role, Team, User
from heedful.customers.models import Contact, Organization
from heedful.tickets.actions import do_add_message, do_create_ticket
from heedful.tickets.models import UNSOLVED_STATUSES, Tag, Ticket, TicketTag

LONG_TICKET_SUBJECT = "Benchmark: a conversation with 50 messages"


@dataclass
class Fixtures:
    agent: User
    filters: dict[str, str]
    rare_filters: dict[str, str]
    long_ticket: Ticket


def busy_agent() -> User:
    """The full agent in a team with the most unsolved tickets assigned."""
    top = (
        Ticket.objects.filter(status__in=UNSOLVED_STATUSES, assignee__isnull=False)
        .values("assignee_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    if top is not None:
        return User.objects.get(pk=top["assignee_id"])
    agent = User.objects.filter(role__in=(Role.AGENT, Role.ADMIN), is_active=True).first()
    if agent is None:
        raise SystemExit("bench: no agent in the database; run `heedful bench generate` first")
    return agent


def _tag_by_rank(share: float) -> str:
    counts = list(
        TicketTag.objects.values("tag_id").annotate(n=Count("id")).order_by("-n", "tag_id")
    )
    if not counts:
        return "none"
    tag_id = counts[min(len(counts) - 1, int(len(counts) * share))]["tag_id"]
    return Tag.objects.get(pk=tag_id).name


def _organization_by_rank(first: bool) -> str:
    order = "-n" if first else "n"
    top = (
        Ticket.objects.filter(organization__isnull=False)
        .values("organization_id")
        .annotate(n=Count("id"))
        .order_by(order, "organization_id")
        .first()
    )
    organization = Organization.objects.get(pk=top["organization_id"]) if top else None
    return str(organization.public_id) if organization else "00000000-0000-0000-0000-000000000000"


def filter_values(agent: User) -> tuple[dict[str, str], dict[str, str]]:
    """Common values of each filter offered by the inbox, and rare ones (the hard case for
    an ordered scan: few matching rows spread over the whole index)."""
    team = agent.teams.first() or Team.objects.first()
    common = {
        "status": "pending",
        "priority": "urgent",
        "team": str(team.public_id) if team else "00000000-0000-0000-0000-000000000000",
        "assignee": agent.username,
        "tag": _tag_by_rank(0.1),
        "organization": _organization_by_rank(first=True),
    }
    rare = {"tag": _tag_by_rank(0.9), "organization": _organization_by_rank(first=False)}
    return common, rare


def long_ticket(agent: User) -> Ticket:
    """A ticket with 50 messages, written once through the real actions."""
    existing = Ticket.objects.filter(subject=LONG_TICKET_SUBJECT).order_by("-id").first()
    if existing is not None and existing.message_count >= 50:
        return existing
    contact = Contact.objects.order_by("id").first()
    if contact is None:
        raise SystemExit("bench: no contacts; run `heedful bench generate` first")
    ticket = do_create_ticket(
        actor=contact, requester=contact, subject=LONG_TICKET_SUBJECT,
        body_text="My card payment was declined three times today.",
    )  # fmt: skip
    for index in range(49):
        author: User | Contact = agent if index % 2 == 0 else contact
        text = f"Update {index}: " + ("we are looking into it." if author is agent else "any news?")
        do_add_message(ticket, author=author, body_text=text)
    ticket.refresh_from_db()
    return ticket


def session_cookie(user: User) -> str:
    """A session cookie for ``user``, for HTTP clients outside Django (wrk, granian)."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"sessionid={session.session_key}"


def load_fixtures() -> Fixtures:
    agent = busy_agent()
    common, rare = filter_values(agent)
    return Fixtures(agent, common, rare, long_ticket(agent))
