"""The ticket page with 50 messages, search and the home page; over HTTP when the agent UI
has the view, and through the query code the view calls."""

from __future__ import annotations

from functools import partial
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse

from heedful.accounts.models import User
from heedful.bench.context import Context
from heedful.bench.fixtures import Fixtures
from heedful.bench.inbox_bench import cpu_samples, get_ok, logged_in_client
from heedful.customers.models import Contact
from heedful.tickets.access import get_ticket_for_user
from heedful.tickets.models import Ticket
from heedful.web.views.search import search_everything

TARGET_MS = 50.0
# A word in many subjects, one in few, and one in none: the slow case for a substring
# scan, which reads its whole window.
SEARCH_WORDS = {"common": "card", "rare": "passport", "none": "zyzzyva"}


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
        target_ms=TARGET_MS,
    )
    url = _url("web:ticket", ref=ref)
    if url is None:
        ctx.note("skipped ticket.http: the view web:ticket does not exist yet")
        return
    client = logged_in_client(fixtures)
    long = ctx.compare("ticket.http.50-messages", get_ok(client, url), target_ms=TARGET_MS)
    ctx.result("ticket.cpu.50-messages", cpu_samples(get_ok(client, url), ctx.iterations))
    # The same page for a short thread with a reply: more queries for the long thread
    # means a count that grows with its length (conditional look-ups may go either way).
    short = short_thread()
    short_url = _url("web:ticket", ref=short.ref)
    assert short_url is not None
    few = ctx.compare("ticket.http.short", get_ok(client, short_url), target_ms=TARGET_MS)
    if long.extra["queries"] > few.extra["queries"]:
        ctx.fail(
            f"ticket.http: {long.extra['queries']} queries with 50 messages, "
            f"{few.extra['queries']} with {short.message_count}"
        )


def short_thread() -> Ticket:
    """An email ticket of 2-4 messages with an agent's reply: the page's most expensive
    kind (it also reads the folded quotes and the delivery of replies), so the budget
    holds whichever ticket the benchmarks before this one created last."""
    threads = Ticket.objects.filter(
        message_count__range=(2, 4), last_agent_message_at__isnull=False, channel="email"
    )
    found = threads.order_by("-id").first()
    return found or Ticket.objects.order_by("-id")[0]


def oldest_contact_email() -> str:
    """The exact-email fast path must find a contact outside the recent window."""
    email = (
        Contact.objects.filter(email__isnull=False).order_by("id").values_list("email", flat=True)
    )
    return email.first() or "nobody@example.com"


def bench_search(ctx: Context, fixtures: Fixtures) -> None:
    for label, word in SEARCH_WORDS.items():
        ctx.compare(
            f"search.orm.{label}",
            partial(search_everything, fixtures.agent, word),
            target_ms=TARGET_MS,
        )
    base = _url("web:search")
    if base is None:
        ctx.note("skipped search.http: the view web:search does not exist yet")
        return
    client = logged_in_client(fixtures)
    words = {**SEARCH_WORDS, "email": oldest_contact_email()}
    for label, word in words.items():
        url = f"{base}?{urlencode({'q': word})}"
        ctx.compare(f"search.http.{label}", get_ok(client, url), target_ms=TARGET_MS)


def bench_home(ctx: Context, fixtures: Fixtures) -> None:
    url = _url("web:home")
    if url is None:
        ctx.note("skipped home.http: the view web:home does not exist yet")
        return
    ctx.compare("home.http", get_ok(logged_in_client(fixtures), url), target_ms=TARGET_MS)
