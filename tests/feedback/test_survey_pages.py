"""The customer's survey pages: one click records the rating, a second click updates it,
the optional questions save, and bad links get a clear 4xx page with nothing changed."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core import signing
from django.test import Client

from heedful.feedback.links import make_token
from heedful.feedback.models import RequestState, Response, SentimentLabel, SurveyRequest
from heedful.feedback.surveys import COMMENT, EFFORT, RATING

from .conftest import rate_links, survey_emails


def answers(request: SurveyRequest) -> dict[str, tuple[int | None, str]]:
    return {
        r.question.key: (r.rating, r.text)
        for r in Response.objects.filter(request=request).select_related("question")
    }


def test_it_records_the_rating_from_one_click_in_the_email(
    client: Client, sent_request: SurveyRequest
) -> None:
    link = rate_links(survey_emails()[0])[4]
    response = client.get(link)
    assert response.status_code == 200
    assert b"your rating is recorded" in response.content
    assert b'value="4" checked' in response.content
    assert answers(sent_request) == {RATING: (4, "")}
    sent_request.refresh_from_db()
    assert sent_request.state == RequestState.ANSWERED
    saved = Response.objects.get()
    assert (saved.metric, saved.contact_id, saved.organization_id, saved.ticket_id) == (
        "csat", sent_request.contact_id, sent_request.organization_id, sent_request.ticket_id,
    )  # fmt: skip


def test_it_updates_the_answer_when_a_link_is_used_twice(
    client: Client, sent_request: SurveyRequest
) -> None:
    links = rate_links(survey_emails()[0])
    assert client.get(links[5]).status_code == 200
    assert client.get(links[5]).status_code == 200
    assert client.get(links[2]).status_code == 200
    assert Response.objects.count() == 1
    assert answers(sent_request) == {RATING: (2, "")}


def test_it_saves_the_optional_effort_and_comment(
    client: Client, sent_request: SurveyRequest
) -> None:
    client.get(rate_links(survey_emails()[0])[5])
    page = f"/feedback/s/{make_token(sent_request)}/"
    response = client.post(page, {"effort": "6", "comment": "Alice was great, thank you!"})
    assert response.status_code == 200
    assert b"Thank you for your feedback" in response.content
    assert answers(sent_request) == {
        RATING: (5, ""), EFFORT: (6, ""), COMMENT: (None, "Alice was great, thank you!"),
    }  # fmt: skip
    comment = Response.objects.get(question__key=COMMENT)
    assert comment.sentiment_label == SentimentLabel.POSITIVE
    assert comment.sentiment == 0.784
    # The page shows the saved answers again, and a second post updates them.
    assert b'value="6" checked' in client.get(page).content
    client.post(page, {"rating": "3", "effort": "", "comment": "Actually slow."})
    assert answers(sent_request) == {
        RATING: (3, ""), EFFORT: (6, ""), COMMENT: (None, "Actually slow."),
    }  # fmt: skip


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"rating": "9"}, b"A rating must be from 1 to 5."),
        ({"effort": "0"}, b"A rating must be from 1 to 7."),
        ({"rating": "five"}, b"A rating must be a whole number."),
        ({"comment": "x" * 5001}, b"Please keep it under 5000 characters."),
    ],
)
def test_it_refuses_bad_answers_and_changes_nothing(
    client: Client, sent_request: SurveyRequest, data: dict[str, str], message: bytes
) -> None:
    response = client.post(f"/feedback/s/{make_token(sent_request)}/", data)
    assert response.status_code == 400
    assert message in response.content
    assert Response.objects.count() == 0
    sent_request.refresh_from_db()
    assert sent_request.state == RequestState.SENT


def test_it_refuses_a_one_click_rating_off_the_scale(
    client: Client, sent_request: SurveyRequest
) -> None:
    response = client.get(f"/feedback/s/{make_token(sent_request)}/rate/9/")
    assert response.status_code == 400
    assert Response.objects.count() == 0


def test_it_refuses_a_tampered_link(client: Client, sent_request: SurveyRequest) -> None:
    token = make_token(sent_request)
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    response = client.get(f"/feedback/s/{tampered}/rate/5/")
    assert response.status_code == 400
    assert b"This survey link is not valid." in response.content
    assert b'data-code="invalid"' in response.content
    assert Response.objects.count() == 0


def test_it_refuses_a_link_signed_for_something_else(
    client: Client, sent_request: SurveyRequest
) -> None:
    other = signing.dumps(str(sent_request.public_id), salt="heedful.portal.magic-link")
    assert client.get(f"/feedback/s/{other}/rate/5/").status_code == 400
    assert Response.objects.count() == 0


def test_it_refuses_an_expired_link(
    client: Client, sent_request: SurveyRequest, monkeypatch: Any
) -> None:
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() - 31 * 86400)
    token = make_token(sent_request)
    monkeypatch.setattr(time, "time", real_time)
    response = client.get(f"/feedback/s/{token}/rate/5/")
    assert response.status_code == 410
    assert b"This survey link has expired." in response.content
    assert Response.objects.count() == 0


def test_it_says_when_the_survey_is_gone(client: Client, sent_request: SurveyRequest) -> None:
    token = make_token(sent_request)
    sent_request.delete()
    response = client.get(f"/feedback/s/{token}/")
    assert response.status_code == 404
    assert b"This survey no longer exists." in response.content


def test_it_refuses_answers_to_a_survey_not_sent(client: Client, solved: Any) -> None:
    scheduled = solved()
    response = client.get(f"/feedback/s/{make_token(scheduled)}/rate/5/")
    assert response.status_code == 409
    assert Response.objects.count() == 0


def test_it_looks_like_the_portal(client: Client, sent_request: SurveyRequest) -> None:
    content = client.get(f"/feedback/s/{make_token(sent_request)}/").content.decode()
    assert "/static/portal/portal.css" in content
    assert 'Heedful <span class="portal-brand-sub">Support</span>' in content
