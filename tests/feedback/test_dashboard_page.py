"""The agents' feedback page: scores with intervals and sample sizes, "not enough data",
the distinct-customer view, comments with sentiment; full agents only."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.utils import timezone

from heedful.accounts.models import User
from heedful.customers.models import Contact
from heedful.feedback.actions import do_answer
from heedful.feedback.models import RequestState, SurveyRequest
from heedful.feedback.surveys import COMMENT, RATING, csat_survey
from tests.conftest import login


def answer(contact: Contact, rating: int, comment: str = "") -> SurveyRequest:
    now = timezone.now()
    request = SurveyRequest.objects.create(
        survey=csat_survey(), contact=contact, organization=contact.organization,
        state=RequestState.SENT, due_at=now, sent_at=now,
    )  # fmt: skip
    do_answer(request, {RATING: rating, COMMENT: comment})
    return request


def test_it_says_not_enough_data_below_the_minimum(
    client: Client, alice: User, dave: Contact
) -> None:
    for rating in (5, 4, 1):
        answer(dave, rating)
    page = login(client, alice).get("/feedback/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "Not enough data: 3 of the 30 answers needed" in content
    assert "Not enough data: 0 of the 30 answers needed" in content  # CES and NPS


def test_it_shows_the_score_interval_and_distinct_customer_view(
    settings: Any, client: Client, alice: User, dave: Contact, erin: Contact
) -> None:
    settings.FEEDBACK_MIN_SAMPLE = 10
    for _ in range(8):
        answer(dave, 5)
    answer(erin, 1)
    answer(erin, 2, "Slow and unhelpful, very disappointed.")
    content = login(client, alice).get("/feedback/").content.decode()
    # 8 of 10 good; Wilson 95%: 0.490 to 0.943. Acme 100%, Globex 0%: 50% per customer.
    assert '<span class="stat-value">80%</span>' in content
    assert "95% interval 49% to 94% · n = 10" in content
    assert "Each customer equally: <strong>50%</strong> · 2 customers" in content
    assert "top customer Acme sent 80%" in content
    assert "Slow and unhelpful, very disappointed." in content
    assert 'class="badge sentiment-negative">Negative<' in content


def test_it_reads_the_page_in_a_fixed_number_of_queries(
    client: Client, alice: User, dave: Contact, erin: Contact, django_assert_num_queries: Any
) -> None:
    login(client, alice)
    answer(dave, 5, "Great")
    client.get("/feedback/")
    # 9, plus the segment filters' choices: plans and segments, teams, agents; plus the
    # top five topics (one query); the scores are five GROUP BY queries: totals and
    # weeks from the daily counts and from the answers of the two partial days at the
    # edges, and per customer from the monthly counts and the answers of the partial month.
    with django_assert_num_queries(17):
        client.get("/feedback/")
    for n in range(12):
        # Six 1s open six follow-ups (listed on the page); the count stays the same.
        answer(erin if n % 2 else dave, 1 if n < 6 else 3, f"Comment {n}")
    with django_assert_num_queries(17):
        page = client.get("/feedback/").content.decode()
    assert page.count('class="verbatim follow-up"') == 6


def test_it_is_for_full_agents_only(
    client: Client, carol: User, dave: Contact, alice: User
) -> None:
    assert client.get("/feedback/").status_code == 302
    assert login(client, carol).get("/feedback/").status_code == 403
    assert dave.user is not None
    assert login(client, dave.user).get("/feedback/").status_code == 403
    home = login(client, alice).get("/").content.decode()
    assert 'id="nav-feedback"' in home
    assert 'id="nav-feedback"' not in login(client, carol).get("/").content.decode()


def test_it_refuses_an_unknown_period(client: Client, alice: User) -> None:
    response = login(client, alice).get("/feedback/?days=7")
    assert response.status_code == 400
    assert response.content == b"days must be one of 30, 90 or 365."
    assert login(client, alice).get("/feedback/?days=365").status_code == 200
