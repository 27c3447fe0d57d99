"""Inbox lists: constant query count, keyset pages, every filter and sort."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from heedful.accounts.actions import do_create_user
from heedful.accounts.models import Role, Team, User
from heedful.customers.models import Contact
from heedful.tickets import actions
from heedful.tickets.inbox import InboxQuery, inbox_page, inbox_values_page
from heedful.tickets.models import Status, Ticket, format_ref
from heedful.web.inbox_rows import ROW_FIELDS, InboxRow, inbox_rows, row_html
from heedful.web.views import inbox as inbox_views

START = timezone.now() - timedelta(days=30)


@pytest.fixture
def agent(client: Client, alice: User) -> Client:
    client.force_login(alice)
    return client


def refs(response: Any) -> list[str]:
    assert response.status_code == 200
    return [row["ref"] for row in response.context["rows"]]


def make_many(make_ticket: Callable[..., Ticket], count: int, **kwargs: Any) -> list[Ticket]:
    """Tickets created one hour apart, oldest first."""
    return [
        make_ticket(subject=f"Ticket {i}", created_at=START + timedelta(hours=i), **kwargs)
        for i in range(count)
    ]


@pytest.mark.parametrize("count", [5, 30])
def test_it_lists_with_a_constant_number_of_queries(
    agent: Client,
    make_ticket: Callable[..., Ticket],
    alice: User,
    support: Team,
    count: int,
    django_assert_num_queries: Any,
) -> None:
    for i in range(count):
        make_ticket(subject=f"Ticket {i}", assignee=alice, team=support, tags=["vip", f"t{i}"])
    # session, user; the frame, one statement: unread notifications, due follow-ups, five
    # sidebar counts (the page's count among them); rows, tags, teams, agents. Nothing is
    # due (no SLA policy): no query for the clocks (tests/sla/test_breaching_view.py).
    with django_assert_num_queries(7):
        response = agent.get("/inbox/open/")
    assert len(refs(response)) == count
    # Each row's own tags, in name order.
    assert [row["tags"] for row in response.context["rows"]] == [
        [f"t{i}", "vip"] for i in range(count)
    ]


def test_it_walks_every_ticket_exactly_once_across_pages(
    agent: Client, make_ticket: Callable[..., Ticket], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inbox_views, "INBOX_PAGE_SIZE", 4)
    tickets = make_many(make_ticket, 10)
    for sort, expected in [
        ("waiting", tickets),
        ("oldest", tickets),
        ("newest", tickets[::-1]),
    ]:
        seen: list[str] = []
        url = f"/inbox/open/?sort={sort}"
        pages = 0
        while url:
            response = agent.get(url)
            seen += refs(response)
            url = response.context["next_url"]
            pages += 1
        assert seen == [t.ref for t in expected], sort
        assert pages == 3


def test_it_pages_past_tickets_nobody_waits_on(
    agent: Client, make_ticket: Callable[..., Ticket], alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inbox_views, "INBOX_PAGE_SIZE", 2)
    tickets = make_many(make_ticket, 5)
    # Replying stops the wait: these two sort last (NULL waiting_since), by id.
    for ticket in (tickets[0], tickets[3]):
        actions.do_add_message(ticket, author=alice, body_text="On it")
    expected = [tickets[1], tickets[2], tickets[4], tickets[0], tickets[3]]
    seen: list[str] = []
    url = "/inbox/open/?sort=waiting"
    while url:
        response = agent.get(url)
        seen += refs(response)
        url = response.context["next_url"]
    assert seen == [t.ref for t in expected]


def test_it_sorts_by_recent_update(
    agent: Client, make_ticket: Callable[..., Ticket], alice: User
) -> None:
    first, second, third = make_many(make_ticket, 3)
    actions.do_change_priority(first, "high", actor=alice)
    assert refs(agent.get("/inbox/open/?sort=updated")) == [first.ref, third.ref, second.ref]


def test_it_shows_each_view(
    agent: Client, make_ticket: Callable[..., Ticket], alice: User, bob: User, finance: Team
) -> None:
    mine, bobs, unassigned, pending, solved, other_team = make_many(make_ticket, 6)
    actions.do_assign_ticket(mine, alice, actor=alice)
    actions.do_assign_ticket(bobs, bob, actor=alice)
    actions.do_change_status(pending, Status.PENDING, actor=alice)
    actions.do_change_status(solved, Status.SOLVED, actor=alice)
    actions.do_change_team(other_team, finance, actor=alice)
    support = alice.teams.get()
    actions.do_change_team(mine, support, actor=alice)
    assert refs(agent.get("/inbox/mine/")) == [mine.ref]
    # Pending tickets wait on the customer, not on us: they sort after those waiting on us.
    assert refs(agent.get("/inbox/unassigned/")) == [unassigned.ref, other_team.ref, pending.ref]
    assert refs(agent.get("/inbox/team/")) == [mine.ref]
    assert refs(agent.get("/inbox/pending/")) == [pending.ref]
    assert refs(agent.get("/inbox/solved/")) == [solved.ref]
    open_refs = [mine.ref, bobs.ref, unassigned.ref, other_team.ref, pending.ref]
    response = agent.get("/inbox/open/")
    assert refs(response) == open_refs
    assert sidebar(response) == {
        "mine": (1, False), "unassigned": (3, False), "team": (1, False),
        "open": (5, False), "pending": (1, False), "solved": (None, False),
    }  # fmt: skip
    html = response.content.decode()
    assert '<span class="nav-label">Unassigned</span>\n          <span class="nav-count">3<' in html


def sidebar(response: Any) -> dict[str, tuple[int | None, bool]]:
    return {v.slug: (v.count, v.capped) for v in response.context["sidebar_views"]}


def test_it_counts_a_light_agents_views_among_the_tickets_they_may_see(
    client: Client, make_ticket: Callable[..., Ticket], alice: User, carol: User, finance: Team
) -> None:
    looped, finances, pending, hidden = make_many(make_ticket, 4)
    actions.do_loop_in(looped, carol, actor=alice)
    actions.do_change_team(finances, finance, actor=alice)
    actions.do_change_team(pending, finance, actor=alice)
    actions.do_change_status(pending, Status.PENDING, actor=alice)
    actions.do_assign_ticket(hidden, alice, actor=alice)
    client.force_login(carol)
    response = client.get("/inbox/open/")
    assert refs(response) == [looped.ref, finances.ref, pending.ref]
    assert sidebar(response) == {
        "mine": (0, False), "unassigned": (3, False), "team": (2, False),
        "open": (3, False), "pending": (1, False), "solved": (None, False),
    }  # fmt: skip


def test_it_caps_the_sidebar_counts_too(
    agent: Client, make_ticket: Callable[..., Ticket], settings: Any
) -> None:
    settings.INBOX_COUNT_LIMIT = 3
    make_many(make_ticket, 4)
    response = agent.get("/inbox/open/")
    assert sidebar(response)["open"] == (3, True)
    assert sidebar(response)["unassigned"] == (3, True)
    html = response.content.decode()
    assert '<span class="nav-label">All open</span>\n          <span class="nav-count">3+<' in html


def test_it_filters_by_every_field(
    agent: Client,
    make_ticket: Callable[..., Ticket],
    alice: User,
    bob: User,
    support: Team,
    finance: Team,
    erin: Contact,
) -> None:
    a, b, c, d = make_many(make_ticket, 4)
    e = make_ticket(requester=erin, subject="Globex", created_at=START + timedelta(hours=9))
    actions.do_change_status(a, Status.OPEN, actor=alice)
    actions.do_change_priority(b, "urgent", actor=alice)
    actions.do_assign_ticket(c, bob, actor=alice)
    actions.do_change_team(d, finance, actor=alice)
    actions.do_set_tags(a, ["billing", "vip"], actor=alice)
    actions.do_set_tags(d, ["billing"], actor=alice)
    acme = a.organization
    assert acme is not None and e.organization is not None

    def filtered(**params: str) -> list[str]:
        return refs(agent.get("/inbox/open/", params))

    assert filtered(status="open") == [a.ref]
    assert filtered(status="new") == [b.ref, c.ref, d.ref, e.ref]
    assert filtered(priority="urgent") == [b.ref]
    assert filtered(assignee="bob") == [c.ref]
    assert filtered(assignee="none") == [a.ref, b.ref, d.ref, e.ref]
    assert filtered(team=str(finance.public_id)) == [d.ref]
    assert filtered(team=str(support.public_id)) == []
    assert filtered(tag="billing") == [a.ref, d.ref]
    assert filtered(tag="billing", status="new") == [d.ref]
    assert filtered(organization=str(acme.public_id)) == [a.ref, b.ref, c.ref, d.ref]
    assert filtered(organization=str(e.organization.public_id)) == [e.ref]
    assert filtered(tag="nothing-like-this") == []


def test_it_filters_a_phase_view_by_the_statuses_of_that_phase_only(
    agent: Client, make_ticket: Callable[..., Ticket], alice: User
) -> None:
    a, b, c = make_many(make_ticket, 3)
    actions.do_change_status(a, Status.PENDING, actor=alice)
    actions.do_change_status(b, Status.SOLVED, actor=alice)

    def listed(view: str, status: str) -> tuple[list[str], int]:
        response = agent.get(f"/inbox/{view}/", {"status": status})
        return refs(response), response.context["page"].count

    assert listed("open", "pending") == ([a.ref], 1)
    assert listed("open", "new") == ([c.ref], 1)
    assert listed("open", "solved") == ([], 0)
    assert listed("solved", "solved") == ([b.ref], 1)
    assert listed("solved", "pending") == ([], 0)
    assert listed("pending", "new") == ([], 0)


def test_it_renders_rows_with_every_column(
    agent: Client, make_ticket: Callable[..., Ticket], alice: User, support: Team
) -> None:
    ticket = make_ticket(
        subject="Card declined", assignee=alice, team=support, tags=["billing"], priority="high"
    )
    html = agent.get("/inbox/open/").content.decode()
    for text in [
        f'data-ticket-ref="{ticket.ref}"',
        f'value="{ticket.ref}" form="bulk-form"',
        "Card declined",
        "Dave Doe",
        "Acme",
        '<span class="badge status-new">New</span>',
        '<span class="priority priority-high">High</span>',
        "Alice",
        "Support",
        '<span class="tag">billing</span>',
        'class="age"',
    ]:
        assert text in html, text


def test_it_reads_each_rows_values_as_the_models_have_them(
    make_ticket: Callable[..., Ticket], alice: User, support: Team
) -> None:
    """The page reads rows as values (web/inbox_rows.ROW_FIELDS); the API reads models."""
    nameless = do_create_user("zed", role=Role.AGENT, email="zed@heedful.test")
    full = do_create_user("yan", role=Role.AGENT, first_name="Yan", last_name="Li")
    walk_in = Contact.objects.create(name="Walk In", email="walk@in.test")
    unassigned = make_ticket(subject="On page 2")
    make_ticket(assignee=alice, team=support, tags=["zeta", "alpha", "mid"])
    make_ticket(assignee=nameless, requester=walk_in, priority="urgent")
    make_ticket(assignee=full, tags=["solo"])
    query = InboxQuery(view="open", sort="newest", page_size=3)
    models, values = inbox_page(alice, query), inbox_values_page(alice, query, ROW_FIELDS)
    assert (values.next_cursor, values.count) == (models.next_cursor, models.count)
    rows = inbox_rows(values.tickets, timezone.now())
    expected = [
        (
            t.ref, t.subject, t.requester.name,
            t.organization.name if t.organization else "",
            str(t.organization.public_id) if t.organization else "",
            t.status, t.priority, t.assignee.display_name if t.assignee else "",
            t.team.name if t.team else "", [tag.name for tag in t.tags.all()],
        )
        for t in models.tickets
    ]  # fmt: skip
    assert [
        (
            row["ref"], row["subject"], row["requester"], row["organization"],
            row["organization_id"], row["status"], row["priority"], row["assignee"],
            row["team"], row["tags"],
        )
        for row in rows
    ] == expected  # fmt: skip
    assert [e[7] for e in expected] == ["Yan Li", "zed", "Alice"]
    assert [e[9] for e in expected] == [["solo"], [], ["alpha", "mid", "zeta"]]
    assert expected[1][3:5] == ("", "")
    assert rows[0]["url"] == f"/tickets/{rows[0]['ref']}/"
    second = inbox_values_page(
        alice, InboxQuery(sort="newest", cursor=values.next_cursor), ROW_FIELDS
    )
    assert [format_ref(t["number"]) for t in second.tickets] == [unassigned.ref]
    assert second.tickets[0]["assignee__username"] is None and second.next_cursor == ""


def test_it_caps_the_count(
    agent: Client, make_ticket: Callable[..., Ticket], settings: Any
) -> None:
    settings.INBOX_COUNT_LIMIT = 3
    make_many(make_ticket, 5)
    response = agent.get("/inbox/open/")
    assert response.context["page"].count == 3
    assert response.context["page"].count_is_capped is True
    assert '<p class="muted" id="inbox-count">3+ tickets</p>' in response.content.decode()


def test_it_takes_an_unfiltered_pages_count_from_the_sidebar_and_counts_a_filtered_one(
    agent: Client, make_ticket: Callable[..., Ticket], alice: User
) -> None:
    mine, _, high = make_many(make_ticket, 3)
    actions.do_assign_ticket(mine, alice, actor=alice)
    actions.do_change_priority(high, "high", actor=alice)
    for view, expected in [("open", 3), ("mine", 1), ("unassigned", 2), ("solved", 0)]:
        response = agent.get(f"/inbox/{view}/")
        assert response.context["page"].count == expected
        if view != "solved":
            assert sidebar(response)[view] == (expected, False)
    response = agent.get("/inbox/open/?priority=high")
    assert response.context["page"].count == 1
    assert sidebar(response)["open"] == (3, False)
    assert '<p class="muted" id="inbox-count">1 ticket match these filters</p>' in (
        response.content.decode()
    )


def test_it_shows_an_empty_state(agent: Client) -> None:
    response = agent.get("/inbox/mine/")
    assert response.status_code == 200
    assert "Your queue is empty" in response.content.decode()


def test_it_explains_a_bad_cursor(agent: Client, make_ticket: Callable[..., Ticket]) -> None:
    make_ticket()
    response = agent.get("/inbox/open/?cursor=%%%")
    assert response.status_code == 400
    assert "bad page cursor" in response.content.decode()


def test_it_prints_each_row_with_its_links_and_local_times(
    agent: Client, make_ticket: Callable[..., Ticket], alice: User, settings: Any
) -> None:
    settings.TIME_ZONE = "Europe/Berlin"
    waiting = make_ticket(subject="Refund <please>", created_at=timezone.now() - timedelta(days=3))
    Ticket.objects.filter(pk=waiting.pk).update(
        waiting_since=datetime(2025, 1, 15, 8, 5, tzinfo=UTC)
    )
    answered = make_ticket(subject="Thanks", assignee=alice)
    Ticket.objects.filter(pk=answered.pk).update(waiting_since=None)
    html = agent.get("/inbox/open/?sort=oldest").content.decode()
    assert (
        f'<td class="col-ref"><a href="/tickets/{waiting.ref}/">{waiting.ref}</a></td>\n'
        f'      <td class="col-subject"><a class="row-link" href="/tickets/{waiting.ref}/">'
        "Refund &lt;please&gt;</a></td>"
    ) in html
    organization = waiting.organization
    assert organization is not None
    assert (
        f'<a class="muted org-name" href="?organization={organization.public_id}" '
        f'title="Only tickets from Acme">Acme</a>'
    ) in html
    # 08:05 UTC is 09:05 in Berlin in January.
    assert '<span class="age" title="Waiting since 2025-01-15 09:05">' in html
    assert '<span class="avatar avatar-xs">A</span>Alice</span>' in html
    answered_row = html.split(f'data-ticket-ref="{answered.ref}"')[1].split("</tr>")[0]
    assert '<td class="col-age"><span class="muted">—</span></td>' in answered_row
    assert '<td class="col-sla"><span class="muted">—</span>' in answered_row


def test_it_escapes_every_value_of_a_row() -> None:
    evil = "<b>\"x'&"
    row: InboxRow = {
        "ref": "HD-1", "url": "/tickets/HD-1/", "subject": evil, "requester": evil,
        "organization": evil, "organization_id": evil, "status": evil, "status_label": evil,
        "priority": evil, "priority_label": evil, "assignee": evil, "assignee_initials": evil,
        "team": evil, "tags": [evil], "waiting_since": evil, "waiting": evil,
        "due": {"tone": evil, "label": evil, "due_at": evil, "text": evil},
    }  # fmt: skip
    html = row_html(row, can_bulk_edit=False)
    assert "<b>" not in html and "'" not in html
    assert html.count("&lt;b&gt;&quot;x&#x27;&amp;") == 20
    assert 'name="tickets"' not in html
    assert 'name="tickets" value="HD-1"' in row_html(row, can_bulk_edit=True)
