"""The customer's "Did this solve it?" page: no sign-in, the signed link is the key.

GET .../yes/ records the answer at once (one click in the email). GET .../no/ shows a
one-button page and records on POST: mail scanners open every link of an email, and
"no" reopens the ticket and notifies an agent, so a robot must not be able to say it.
A tampered, expired or unknown link gets a page that says so, with a 4xx status.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from heedful.lib.errors import ActionError
from heedful.lib.signed_links import LinkRefused
from heedful.reminders.answers import Outcome, do_answer_solved_check
from heedful.reminders.forms import CheckCommentForm
from heedful.reminders.links import ANSWER_SLUGS, read_token
from heedful.reminders.models import CheckAnswer, SolvedCheck

REFUSED = {
    "invalid": (400, "Please use the link exactly as it appears in our email."),
    "expired": (410, "These links work for a limited time. Reply to our email instead."),
    "unknown": (404, "There is nothing to answer here any more."),
}


def _refused(request: HttpRequest, code: str, reason: str) -> HttpResponse:
    status, advice = REFUSED.get(code, REFUSED["invalid"])
    context = {"code": code, "reason": reason, "advice": advice}
    return render(request, "reminders/check_refused.html", context, status=status)


def _page(
    request: HttpRequest,
    solved_check: SolvedCheck,
    token: str,
    *,
    outcome: Outcome | None = None,
    form: CheckCommentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "check": solved_check,
        "ticket": solved_check.ticket,
        "token": token,
        "outcome": outcome,
        "form": form or CheckCommentForm(),
        "answered_solved": solved_check.answer == CheckAnswer.SOLVED,
        "answered_not_solved": solved_check.answer == CheckAnswer.NOT_SOLVED,
    }
    return render(request, "reminders/check.html", context, status=status)


@require_http_methods(["GET", "POST"])
def check(request: HttpRequest, token: str, answer: str) -> HttpResponse:
    if answer not in ANSWER_SLUGS:
        return _refused(request, "invalid", "This link is not valid.")
    try:
        solved_check = read_token(token)
    except LinkRefused as exc:
        return _refused(request, exc.code, exc.message)
    value = ANSWER_SLUGS[answer]
    if request.method == "GET" and value == CheckAnswer.NOT_SOLVED:
        return _page(request, solved_check, token)
    form = CheckCommentForm(request.POST if request.method == "POST" else None)
    comment = ""
    if request.method == "POST":
        if not form.is_valid():
            return _page(request, solved_check, token, form=form, status=400)
        comment = form.cleaned_data["comment"]
    try:
        outcome = do_answer_solved_check(solved_check, value, comment=comment)
    except ActionError as exc:
        form.add_error(None, exc.message)
        return _page(request, solved_check, token, form=form, status=400)
    return _page(request, solved_check, token, outcome=outcome)
