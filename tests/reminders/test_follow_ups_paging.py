"""The Follow-ups view pages through any number of follow-ups (keyset paging on
(due_at, id)): every row once, in order, whatever the ties on due_at."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from heedful.accounts.models import User
from heedful.customers.models import Contact
from heedful.reminders.models import FollowUp, FollowUpState

Login = Callable[[User | Contact | None], Client]


def _follow_ups(agent: User, contact: Contact, times: list[datetime]) -> list[FollowUp]:
    rows = [
        FollowUp(agent=agent, contact=contact, due_at=at, note=f"n{i}")
        for i, at in enumerate(times)
    ]
    FollowUp.objects.bulk_create(rows)
    return list(FollowUp.objects.filter(agent=agent).order_by("due_at", "id"))


def _walk(client: Client, url: str) -> tuple[list[list[str]], list[Any]]:
    """Follow "Next page →" to the end: the notes of each page and each response."""
    pages, responses = [], []
    while url:
        response = client.get(url)
        assert response.status_code == 200
        pages.append([f.note for f in response.context["rows"]])
        responses.append(response)
        url = response.context["next_url"]
    return pages, responses


def test_it_pages_through_more_than_a_hundred_due_follow_ups(
    as_user: Login, alice: User, bob: User, dave: Contact
) -> None:
    nine = timezone.now().replace(microsecond=0) - timedelta(days=3)
    # 150 date-only follow-ups share 09:00 (a tie across the page boundary), 80 others.
    times = [nine] * 150 + [nine + timedelta(minutes=i + 1) for i in range(80)]
    expected = [f.note for f in _follow_ups(alice, dave, times)]
    _follow_ups(bob, dave, [nine] * 5)  # bob's are not alice's
    FollowUp.objects.filter(note="n3", agent=alice).update(state=FollowUpState.DONE)
    expected.remove("n3")

    pages, responses = _walk(as_user(alice), "/inbox/follow-ups/")

    assert [len(p) for p in pages] == [100, 100, 29]
    assert [note for page in pages for note in page] == expected
    html = [r.content.decode() for r in responses]
    assert 'id="next-page"' in html[0] and 'id="first-page"' not in html[0]
    assert 'id="next-page"' in html[1] and 'href="/inbox/follow-ups/?show=due"' in html[1]
    assert 'id="next-page"' not in html[2] and 'id="first-page"' in html[2]
    assert responses[0].context["follow_ups_due"] == 229


def test_it_pages_upcoming_follow_ups(as_user: Login, alice: User, dave: Contact) -> None:
    soon = timezone.now() + timedelta(days=1)
    _follow_ups(alice, dave, [soon + timedelta(minutes=i % 7) for i in range(105)])
    _follow_ups(alice, dave, [soon - timedelta(days=2)])  # due, not upcoming

    pages, _ = _walk(as_user(alice), "/inbox/follow-ups/?show=upcoming")

    assert [len(p) for p in pages] == [100, 5]
    assert len({note for page in pages for note in page}) == 105


def test_it_reads_a_later_page_in_as_many_queries_as_the_first(
    as_user: Login, alice: User, dave: Contact, django_assert_num_queries: Any
) -> None:
    _follow_ups(alice, dave, [timezone.now() - timedelta(hours=1)] * 120)
    client = as_user(alice)
    second = client.get("/inbox/follow-ups/").context["next_url"]
    # session, user, the page of follow-ups (3); the frame (1), as on the first page.
    with django_assert_num_queries(4):
        response = client.get(second)
    assert len(response.context["rows"]) == 20


def _cursor(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    ["not-a-cursor", _cursor([None, 5]), _cursor(["2026-01-01T09:00:00", 2**70]), "x" * 500],
)
def test_it_refuses_a_bad_cursor_with_a_400(
    as_user: Login, alice: User, dave: Contact, cursor: str
) -> None:
    response = as_user(alice).get("/inbox/follow-ups/", {"show": "upcoming", "cursor": cursor})
    assert response.status_code == 400
    html = response.content.decode()
    assert "This page of follow-ups cannot be shown: bad page cursor." in html
    assert 'href="/inbox/follow-ups/?show=upcoming"' in html
