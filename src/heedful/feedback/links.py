"""Signed survey links: the customer answers without signing in.

The token signs the request's public id with a timestamp (django.core.signing), so it
cannot be forged or pointed at another request, and it stops working after
FEEDBACK_LINK_MAX_AGE_DAYS. It says nothing about the answer: the rating is part of the
URL, and answering again just updates the answer.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.urls import reverse

from heedful.feedback.models import SurveyRequest
from heedful.lib.signed_links import LinkRefused, read_public_id, sign_public_id

__all__ = ["LinkRefused", "make_token", "read_token", "survey_url"]

SALT = "heedful.feedback.survey-link"


def make_token(request: SurveyRequest) -> str:
    return sign_public_id(request.public_id, salt=SALT)


def read_token(token: str) -> SurveyRequest:
    """The request a token stands for; LinkRefused if it is tampered, expired or unknown."""
    max_age = timedelta(days=settings.FEEDBACK_LINK_MAX_AGE_DAYS)
    public_id = read_public_id(token, salt=SALT, max_age=max_age, what="survey link")
    found = SurveyRequest.objects.select_related("survey", "ticket", "contact").filter(
        public_id=public_id
    )
    request = found.first()
    if request is None:
        raise LinkRefused("unknown", "This survey no longer exists.")
    return request


def survey_url(request: SurveyRequest, rating: int | None = None) -> str:
    token = make_token(request)
    if rating is None:
        path = reverse("feedback:survey", kwargs={"token": token})
    else:
        path = reverse("feedback:rate", kwargs={"token": token, "rating": rating})
    return f"{settings.BASE_URL}{path}"
