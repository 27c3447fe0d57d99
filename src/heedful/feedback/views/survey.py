"""The customer's survey pages: no sign-in, the signed link is the key.

GET .../rate/<n>/ records the rating at once (one click in the email is enough) and
shows the page again with the optional questions; a link used twice updates the answer.
A tampered, expired or unknown link gets a page that says so, with a 4xx status.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from heedful.feedback.actions import do_answer
from heedful.feedback.links import LinkRefused, read_token
from heedful.feedback.models import Response, SurveyKind, SurveyRequest
from heedful.feedback.surveys import COMMENT, EFFORT, RATING, questions_by_key, rating_labels
from heedful.lib.errors import ActionError

REFUSED = {
    "invalid": (400, "Please use the link exactly as it appears in our email."),
    "expired": (410, "Survey links work for a limited time. Thank you all the same!"),
    "unknown": (404, "There is nothing to answer here any more."),
    "closed": (409, "This survey is not open for answers."),
}


def _refused(request: HttpRequest, code: str, reason: str) -> HttpResponse:
    status, advice = REFUSED.get(code, REFUSED["invalid"])
    context = {"code": code, "reason": reason, "advice": advice}
    return render(request, "feedback/link_refused.html", context, status=status)


def _current_answers(survey_request: SurveyRequest) -> dict[str, int | str | None]:
    answers: dict[str, int | str | None] = {}
    for response in Response.objects.filter(request=survey_request).select_related("question"):
        key = response.question.key
        answers[key] = response.text if key == COMMENT else response.rating
    return answers


def _survey_page(
    request: HttpRequest,
    survey_request: SurveyRequest,
    token: str,
    *,
    recorded: bool = False,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    questions = questions_by_key(survey_request.survey)
    context = {
        "token": token,
        "ticket": survey_request.ticket,
        "questions": {key: questions.get(key) for key in (RATING, EFFORT, COMMENT)},
        "answers": _current_answers(survey_request),
        "rating_labels": sorted(rating_labels(survey_request.survey).items()),
        "is_nps": survey_request.survey.kind == SurveyKind.NPS,
        "effort_values": range(1, 8),
        "recorded": recorded,
        "error": error,
    }
    return render(request, "feedback/survey.html", context, status=status)


@require_GET
def rate(request: HttpRequest, token: str, rating: int) -> HttpResponse:
    try:
        survey_request = read_token(token)
    except LinkRefused as exc:
        return _refused(request, exc.code, exc.message)
    try:
        do_answer(survey_request, {RATING: rating})
    except ActionError as exc:
        if exc.code == "closed":
            return _refused(request, "closed", exc.message)
        return _survey_page(request, survey_request, token, error=exc.message, status=400)
    return _survey_page(request, survey_request, token, recorded=True)


@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, token: str) -> HttpResponse:
    try:
        survey_request = read_token(token)
    except LinkRefused as exc:
        return _refused(request, exc.code, exc.message)
    if request.method == "GET":
        return _survey_page(request, survey_request, token)
    asked = questions_by_key(survey_request.survey)
    answers: dict[str, str | int] = {
        key: request.POST.get(key, "") for key in (RATING, EFFORT, COMMENT) if key in asked
    }
    try:
        do_answer(survey_request, answers)
    except ActionError as exc:
        if exc.code == "closed":
            return _refused(request, "closed", exc.message)
        return _survey_page(request, survey_request, token, error=exc.message, status=400)
    return render(request, "feedback/thanks.html", {"token": token})
