"""The signed "Yes, solved" / "No, I still need help" links of a solved check.

The token signs the check's public id (heedful.lib.signed_links, as the survey links
do); the answer is part of the URL.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.urls import reverse

from heedful.lib.signed_links import LinkRefused, read_public_id, sign_public_id
from heedful.reminders.models import CheckAnswer, SolvedCheck

SALT = "heedful.reminders.solved-check"
# In URLs: /check/<token>/yes/ and /check/<token>/no/.
ANSWER_SLUGS = {"yes": CheckAnswer.SOLVED, "no": CheckAnswer.NOT_SOLVED}


def make_token(check: SolvedCheck) -> str:
    return sign_public_id(check.public_id, salt=SALT)


def read_token(token: str) -> SolvedCheck:
    """The check a token stands for; LinkRefused if tampered, expired or unknown."""
    max_age = timedelta(days=settings.SOLVED_CHECK_LINK_MAX_AGE_DAYS)
    public_id = read_public_id(token, salt=SALT, max_age=max_age)
    check = (
        SolvedCheck.objects.select_related("ticket", "contact").filter(public_id=public_id).first()
    )
    if check is None:
        raise LinkRefused("unknown", "This question no longer exists.")
    return check


def check_path(check: SolvedCheck, slug: str) -> str:
    return reverse("reminders:check", kwargs={"token": make_token(check), "answer": slug})


def check_url(check: SolvedCheck, slug: str) -> str:
    return f"{settings.BASE_URL}{check_path(check, slug)}"
