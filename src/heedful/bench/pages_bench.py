"""The ticket page with 50 messages, and search; over HTTP when the agent UI has the view,
through the ORM queries a page needs otherwise."""

from __future__ import annotations

from functools import partial
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse

from heedful.accounts.models import User
from heedful.bench.context import Context
from heedful.bench.fixtures import Fixtures
from heedful.bench.inbox_bench import get_ok, logged_in_client
from heedful.tickets.access import get_ticket_for_user, visible_tickets
from heedful.tickets.models import Ticket

TARGET_MS = 50.0
# A word in many subjects, and one in few (the slow case for a substring scan).
SEARCH_WORDS = {"common": "card", "rare": "passport"}


def ticket_page_queries(user: User, ref: str) -> int:
    """What the ticket page reads: the ticket, its messages with authors and attachments,
    its tags and its timeline."""
    ticket = get_ticket_for_user(user, ref)
    messages = list(
        ticket.messages.select_related("author_user", "author_contact").prefetch_related(
            "attachments"
        )
    )
    tags = list(ticket.tags.all())
    events = list(ticket.events.select_related("actor_user", "actor_contact"))
    return len(messages) + len(tags) + len(events)


def plain_search(user: User, words: str) -> list[Ticket]:
    """The database search that exists before full-text search: a subject substring."""
    return list(
        visible_tickets(user)
        .filter(subject__icontains=words)
        .select_related("requester", "assignee")
        .order_by("-created_at", "-id")[:50]
    )


def _url(name: str, **kwargs: str) -> str | None:
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def bench_ticket_page(ctx: Context, fixtures: Fixtures) -> None:
    ref = fixtures.long_ticket.ref
    ctx.compare(
        "ticket.orm.50-messages",
        lambda: ticket_page_queries(fixtures.agent, ref),
        max_queries=6,
        target_ms=TARGET_MS,
    )
    url = _url("web:ticket", ref=ref)
    if url is None:
        ctx.note("skipped ticket.http: the view web:ticket does not exist yet")
        return
    ctx.compare("ticket.http.50-messages", get_ok(logged_in_client(fixtures), url),
                target_ms=TARGET_MS)  # fmt: skip


def bench_search(ctx: Context, fixtures: Fixtures) -> None:
    for label, word in SEARCH_WORDS.items():
        ctx.compare(
            f"search.orm.subject-{label}",
            partial(plain_search, fixtures.agent, word),
            max_queries=1,
            target_ms=TARGET_MS,
        )
    base = _url("web:search")
    if base is None:
        ctx.note("skipped search.http: the view web:search does not exist yet")
        return
    client = logged_in_client(fixtures)
    for label, word in SEARCH_WORDS.items():
        url = f"{base}?{urlencode({'q': word})}"
        ctx.compare(f"search.http.{label}", get_ok(client, url), target_ms=TARGET_MS)
