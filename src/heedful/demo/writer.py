"""Writing a demo set into the database: organizations and contacts, then one ticket per
conversation, replayed message by message through the ticket actions so the event
log, the denormalised timestamps and the statuses are what real use would leave.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction

from heedful.accounts.models import Team, User
from heedful.customers.models import Contact, Organization
from heedful.demo import catalog
from heedful.demo.conversations import Conversation, DemoSet
from heedful.demo.triage import triage
from heedful.tickets.actions import (
    do_add_message,
    do_assign_ticket,
    do_change_status,
    do_create_ticket,
)
from heedful.tickets.models import Message, Status, Ticket

# Custom field that marks demo tickets (its value is the source), so a reset finds them.
DEMO_FIELD = "demo"
BATCH_SIZE = 100
# How long after a customer's "thanks, it works" the agent marks the ticket solved.
SOLVE_DELAY = timedelta(minutes=4)


@dataclass
class Written:
    tickets: int = 0
    messages: int = 0
    statuses: dict[str, int] = field(default_factory=dict)


def create_organizations(users: dict[str, User]) -> dict[str, Organization]:
    return {
        o.name: Organization.objects.create(
            name=o.name, domains=[o.domain], segment=o.segment, plan=o.plan,
            annual_revenue=o.annual_revenue, owner=users[o.owner],
            notes=catalog.ORGANIZATION_NOTE,
        )
        for o in catalog.ORGANIZATIONS
    }  # fmt: skip


def create_contacts(demo: DemoSet, organizations: dict[str, Organization]) -> dict[str, Contact]:
    """One contact per customer; a contact kept from an earlier load is reused."""
    wanted: dict[str, Contact] = {}
    for customer in demo.customers.values():
        organization = catalog.organization_named(customer.organization)
        wanted[customer.key] = Contact(
            name=customer.name,
            email=catalog.email_for(customer.key, customer.name, organization),
            handle=customer.handle,
            organization=organizations.get(customer.organization or ""),
        )
    emails = [c.email for c in wanted.values()]
    kept = {c.email: c for c in Contact.objects.filter(email__in=emails)}
    Contact.objects.bulk_create([c for c in wanted.values() if c.email not in kept])
    for contact in wanted.values():
        if contact.email in kept:
            kept[contact.email].organization = contact.organization
            kept[contact.email].save(update_fields=["organization", "updated_at"])
    by_email = {c.email: c for c in Contact.objects.filter(email__in=emails)}
    return {key: by_email[contact.email] for key, contact in wanted.items()}


def write_tickets(
    demo: DemoSet,
    users: dict[str, User],
    contacts: dict[str, Contact],
    now: datetime,
    progress: Callable[[int, int], None],
) -> Written:
    teams = {team.name: team for team in Team.objects.all()}
    written = Written()
    total = len(demo.conversations)
    for start in range(0, total, BATCH_SIZE):
        with transaction.atomic():
            for conversation in demo.conversations[start : start + BATCH_SIZE]:
                ticket = _write_ticket(conversation, demo.source, users, contacts, teams, now)
                written.tickets += 1
                written.messages += len(conversation.posts)
                written.statuses[ticket.status] = written.statuses.get(ticket.status, 0) + 1
        progress(min(start + BATCH_SIZE, total), total)
    return written


def _write_ticket(
    conversation: Conversation,
    source: str,
    users: dict[str, User],
    contacts: dict[str, Contact],
    teams: dict[str, Team],
    now: datetime,
) -> Ticket:
    decided = triage(conversation, now)
    first, *rest = conversation.posts
    requester = contacts[first.author]
    custom_fields = {DEMO_FIELD: source}
    if conversation.brand and not conversation.brand.startswith("agent:"):
        custom_fields["twitter_brand"] = conversation.brand
    ticket = do_create_ticket(
        actor=requester, requester=requester, subject=decided.subject, body_text=first.text,
        channel=conversation.channel, priority=decided.priority,
        team=teams.get(decided.team or ""), tags=decided.tags, custom_fields=custom_fields,
        external_id=first.external_id, created_at=first.at,
    )  # fmt: skip
    last_reply = max((i for i, p in enumerate(rest) if not p.inbound), default=-1)
    message: Message | None = None
    for index, post in enumerate(rest):
        if post.inbound:
            author: User | Contact = contacts[post.author]
            status = None
        else:
            author = users[catalog.agent_for_brand(post.author)]
            if decided.assign and ticket.assignee_id is None:
                # The first agent to answer takes the ticket, at the time of the answer.
                do_assign_ticket(ticket, author, actor=author, at=post.at)
            status = decided.last_reply_status if index == last_reply else Status.PENDING
        message = do_add_message(
            ticket, author=author, body_text=post.text, channel=conversation.channel,
            external_id=post.external_id, created_at=post.at, new_status=status,
        )  # fmt: skip
        # The action works on a freshly locked copy; carry on with that one.
        ticket = message.ticket
    if decided.solve_after_thanks:
        solver = ticket.assignee or users[catalog.agent_for_brand(conversation.brand or "")]
        solved_at = min(conversation.posts[-1].at + SOLVE_DELAY, now)
        do_change_status(ticket, Status.SOLVED, actor=solver, at=solved_at)
    return ticket


def print_progress(label: str) -> Callable[[int, int], None]:
    """A plain-text bar on stderr, redrawn in place: ``  tickets 812/1540 [#####.....]``."""

    def show(done: int, total: int) -> None:
        filled = 30 * done // max(total, 1)
        bar = "#" * filled + "." * (30 - filled)
        end = "\n" if done >= total else ""
        sys.stderr.write(f"\r  {label} {done}/{total} [{bar}]{end}")
        sys.stderr.flush()

    return show
