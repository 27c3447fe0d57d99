"""Inbox list: every view x sort, every filter, first page and a deep page; through
tickets.inbox.inbox_page and, when the agent UI has it, through the HTTP view."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.test import Client
from django.urls import NoReverseMatch, reverse

from heedful.bench.context import Context
from heedful.bench.fixtures import Fixtures
from heedful.tickets.inbox import SORTS, VIEWS, InboxQuery, inbox_page

TARGET_MS = 50.0
DEEP_PAGES = 20


def deep_cursor(fixtures: Fixtures, query: InboxQuery, pages: int = DEEP_PAGES) -> str:
    """The cursor of page ``pages + 1``, reached by following the next links."""
    cursor = ""
    for _ in range(pages):
        page = inbox_page(fixtures.agent, _with(query, cursor))
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    return cursor


def _with(query: InboxQuery, cursor: str) -> InboxQuery:
    return InboxQuery(query.view, query.sort, dict(query.filters), cursor, query.page_size)


def _cases(ctx: Context, fixtures: Fixtures) -> list[tuple[str, InboxQuery]]:
    cases = [
        (f"{view}.{sort}", InboxQuery(view=view, sort=sort))
        for view in VIEWS
        for sort in SORTS
        if not ctx.smoke or sort in ("waiting", "newest")
    ]
    for name, value in fixtures.filters.items():
        cases.append((f"open.waiting.{name}", InboxQuery(filters={name: value})))
    for name, value in fixtures.rare_filters.items():
        cases.append((f"open.waiting.{name}-rare", InboxQuery(filters={name: value})))
    return cases


def bench_inbox(ctx: Context, fixtures: Fixtures) -> None:
    for label, query in _cases(ctx, fixtures):
        for depth in ("first", "deep"):
            cursor = deep_cursor(fixtures, query) if depth == "deep" else ""
            paged = _with(query, cursor)

            def call(paged: InboxQuery = paged) -> None:
                list(inbox_page(fixtures.agent, paged).tickets)

            ctx.compare(f"inbox.orm.{label}.{depth}", call, target_ms=TARGET_MS)


def inbox_url(view: str, **params: str) -> str | None:
    try:
        url = reverse("web:inbox", kwargs={"view": view})
    except NoReverseMatch:
        return None
    return url + ("?" + urlencode(params) if params else "")


def logged_in_client(fixtures: Fixtures) -> Client:
    client = Client()
    client.force_login(fixtures.agent)
    return client


def get_ok(client: Client, url: str) -> Callable[[], None]:
    def call() -> None:
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url}: HTTP {response.status_code}")

    return call


def cpu_samples(call: Callable[[], None], iterations: int, warmup: int = 2) -> list[float]:
    """CPU milliseconds this process spends per call. On a busy machine the wall time
    includes waiting for a core; the CPU time much less (on PostgreSQL it leaves out the
    server's share). Rendering is most of it on SQLite."""
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(iterations):
        started = time.process_time()
        call()
        samples.append((time.process_time() - started) * 1000)
    return samples


def bench_inbox_http(ctx: Context, fixtures: Fixtures) -> None:
    if inbox_url("open") is None:
        ctx.note("skipped inbox.http: the view web:inbox does not exist yet")
        return
    client = logged_in_client(fixtures)
    for view in VIEWS:
        for depth in ("first", "deep"):
            query = InboxQuery(view=view)
            params = {"cursor": deep_cursor(fixtures, query)} if depth == "deep" else {}
            url = inbox_url(view, **params)
            assert url is not None
            ctx.compare(f"inbox.http.{view}.waiting.{depth}", get_ok(client, url),
                        target_ms=TARGET_MS)  # fmt: skip
    open_first = get_ok(client, inbox_url("open") or "")
    ctx.result("inbox.cpu.open.waiting.first", cpu_samples(open_first, ctx.iterations))
    for name, value in fixtures.filters.items():
        url = inbox_url("open", **{name: value})
        assert url is not None
        ctx.compare(f"inbox.http.open.waiting.{name}.first", get_ok(client, url),
                    target_ms=TARGET_MS)  # fmt: skip
