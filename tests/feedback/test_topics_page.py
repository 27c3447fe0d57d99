"""The topics page (/feedback/topics/): ranking by distinct customers, quotes with their
ticket, rename and merge forms, the empty state, permissions, a fixed number of queries;
and the top five topics on the feedback page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from heedful.accounts.models import User
from heedful.customers.models import Contact, Organization
from heedful.feedback.models import Topic
from heedful.feedback.topics import recompute_topics as recompute
from heedful.feedback.topics_actions import do_merge_topics
from heedful.tickets.models import Ticket
from tests.conftest import login
from tests.feedback.topic_builders import Desk, fill, people


@pytest.fixture
def desk(dave: Contact, erin: Contact, acme: Organization, settings: Any) -> Desk:
    settings.TOPICS_MAX = 3
    built = people(dave, erin, acme)
    fill(built)
    recompute()
    return built


def topic(first_term: str) -> Topic:
    return Topic.objects.get(terms__0=first_term)


def names_in_order(content: str) -> list[str]:
    return re.findall(r'<h2 class="topic-name">([^<]+)</h2>', content)


def test_it_ranks_topics_by_distinct_customers_not_texts(
    client: Client, alice: User, desk: Desk
) -> None:
    page = login(client, alice).get("/feedback/topics/")
    assert page.status_code == 200
    content = page.content.decode()
    # Billing: 4 customers (8 texts); shipping 3 (6 texts); logins 1 (8 texts).
    assert names_in_order(content) == [
        "invoice, charge, charged", "parcel, delivery, tracking", "password, reset, login",
    ]  # fmt: skip
    assert "<strong>4</strong> customers" in content
    assert "<strong>1</strong> customer</span>" in content
    assert 'id="topics-run">Computed' in content
    assert "from 22 texts" in content


def test_it_quotes_examples_with_their_customer_and_ticket(
    client: Client, alice: User, desk: Desk
) -> None:
    content = login(client, alice).get("/feedback/topics/").content.decode()
    parcel = topic("parcel")
    section = content.split(f'id="topic-{parcel.public_id}"')[1].split("</li>\n  \n")[0]
    quotes = re.findall(r"<blockquote>([^<]+)</blockquote>", section)
    assert len(quotes) == 3
    ticket = Ticket.objects.get(subject=quotes[0])
    assert f'href="/tickets/{ticket.ref}/"' in section


def test_it_renames_a_topic_from_the_page(client: Client, alice: User, desk: Desk) -> None:
    parcel = topic("parcel")
    response = login(client, alice).post(
        f"/feedback/topics/{parcel.public_id}/rename/", {"name": "Late deliveries"}
    )
    assert response.status_code == 302
    content = client.get("/feedback/topics/").content.decode()
    assert names_in_order(content)[1] == "Late deliveries"
    assert "named by an agent · terms: parcel, delivery, tracking" in content


def test_it_merges_topics_from_the_page(client: Client, alice: User, desk: Desk) -> None:
    parcel, invoice = topic("parcel"), topic("invoice")
    response = login(client, alice).post(
        "/feedback/topics/merge/", {"source": parcel.public_id, "target": invoice.public_id}
    )
    assert response.status_code == 302
    content = client.get("/feedback/topics/").content.decode()
    assert names_in_order(content) == ["invoice, charge, charged", "password, reset, login"]
    assert "Merged here:" in content
    assert "<strong>4</strong> customers" in content
    assert "14 texts" in content


def test_it_says_what_is_wrong_with_a_bad_merge(client: Client, alice: User, desk: Desk) -> None:
    parcel = topic("parcel")
    login(client, alice)
    same = client.post(
        "/feedback/topics/merge/", {"source": parcel.public_id, "target": parcel.public_id}
    )
    assert same.status_code == 400
    assert "A topic cannot be merged into itself." in same.content.decode()
    unknown = client.post("/feedback/topics/merge/", {"source": "nope", "target": "x"})
    assert unknown.status_code == 400
    assert "Pick two topics to merge" in unknown.content.decode()
    too_long = client.post(f"/feedback/topics/{parcel.public_id}/rename/", {"name": "x" * 300})
    assert too_long.status_code == 400
    assert "Please keep the name under 200 characters." in too_long.content.decode()
    assert Topic.objects.filter(merged_into__isnull=False).count() == 0


def test_it_shows_a_useful_empty_state(client: Client, alice: User) -> None:
    content = login(client, alice).get("/feedback/topics/").content.decode()
    assert 'id="topics-empty"' in content
    assert "at least 20 of them" in content
    assert "Compute now" in content


def test_it_computes_on_demand(
    client: Client, alice: User, desk: Desk, django_capture_on_commit_callbacks: Any
) -> None:
    Topic.objects.all().delete()
    login(client, alice)
    # Immediate task backend in the tests: the job runs once the request commits.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/feedback/topics/recompute/")
    assert response.status_code == 302
    assert Topic.objects.count() == 3


def test_it_is_for_full_agents_only(client: Client, desk: Desk, carol: User, alice: User) -> None:
    parcel, invoice = topic("parcel"), topic("invoice")
    assert client.get("/feedback/topics/").status_code == 302  # to sign-in
    for person in (carol, desk.dave.user, desk.erin.user):
        assert person is not None
        login(client, person)
        page = client.get("/feedback/topics/")
        assert page.status_code == 403
        assert "Dave" not in page.content.decode()  # erin never sees Acme's quotes
        renamed = client.post(f"/feedback/topics/{parcel.public_id}/rename/", {"name": "x"})
        merged = client.post(
            "/feedback/topics/merge/", {"source": parcel.public_id, "target": invoice.public_id}
        )
        assert (renamed.status_code, merged.status_code) == (403, 403)
    parcel.refresh_from_db()
    assert (parcel.custom_name, parcel.merged_into_id) == ("", None)


def test_it_reads_the_page_in_a_fixed_number_of_queries(
    client: Client, alice: User, desk: Desk, django_assert_num_queries: Any
) -> None:
    login(client, alice)
    client.get("/feedback/topics/")
    # Session and user, the topics, the merged ones, the quotes, the organizations'
    # revenue, the last run; and the workspace layout's one (its counters).
    with django_assert_num_queries(8):
        few = client.get("/feedback/topics/").content.decode()
    assert len(names_in_order(few)) == 3
    do_merge_topics(topic("parcel"), topic("invoice"), actor=alice)
    with django_assert_num_queries(8):
        merged = client.get("/feedback/topics/").content.decode()
    assert len(names_in_order(merged)) == 2


def test_it_shows_the_revenue_of_the_distinct_organizations_behind_each_topic(
    client: Client, alice: User, desk: Desk, acme: Organization, globex: Organization
) -> None:
    Organization.objects.filter(pk=acme.pk).update(annual_revenue=1_000_000)
    Organization.objects.filter(pk=globex.pk).update(annual_revenue=250_000)

    content = login(client, alice).get("/feedback/topics/").content.decode()

    revenue = re.findall(r'class="muted small topic-revenue"[^>]*>([^<]+)<', content)
    # Billing: Acme (Dave and Frank: once) and Globex; shipping: Globex; logins: Acme.
    assert revenue == [
        "1,250,000 revenue affected", "250,000 revenue affected", "1,000,000 revenue affected",
    ]  # fmt: skip
    do_merge_topics(topic("parcel"), topic("invoice"), actor=alice)
    merged = login(client, alice).get("/feedback/topics/").content.decode()
    # Globex wrote about both: counted once in the merged topic.
    assert re.findall(r'class="muted small topic-revenue"[^>]*>([^<]+)<', merged) == [
        "1,250,000 revenue affected", "1,000,000 revenue affected",
    ]  # fmt: skip


def test_it_shows_the_top_topics_on_the_feedback_page(
    client: Client, alice: User, desk: Desk
) -> None:
    content = login(client, alice).get("/feedback/").content.decode()
    assert 'href="/feedback/topics/"' in content
    section = content.split('id="top-topics"')[1].split("</section>")[0]
    assert re.findall(r'class="top-topic-name" href="[^"]+">([^<]+)<', section) == [
        "invoice, charge, charged", "parcel, delivery, tracking", "password, reset, login",
    ]  # fmt: skip
    assert "4 customers" in section
