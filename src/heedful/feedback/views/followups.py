"""Detractor follow-ups in the agent workspace: the open list (mine / all) and one
follow-up, where its owner records what was done and may tell the customer."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from heedful.feedback.followups import (
    do_close_follow_up,
    get_follow_up_for_user,
    visible_follow_ups,
)
from heedful.feedback.models import FollowUpState, FollowUpTask, Response
from heedful.lib.errors import ActionError, ActionForbidden
from heedful.web.decorators import StaffRequest, staff_required

SHOWN = 100
SCOPES = ("mine", "all")


@staff_required
def follow_ups(request: StaffRequest) -> HttpResponse:
    scope = request.GET.get("show", "mine")
    if scope not in SCOPES:
        return HttpResponse("show must be mine or all.", status=400, content_type="text/plain")
    visible = visible_follow_ups(request.user).filter(state=FollowUpState.OPEN)
    mine = visible.filter(owner=request.user)
    rows = list(
        (mine if scope == "mine" else visible)
        .select_related("contact", "organization", "ticket", "owner")
        .order_by("due_at", "id")[:SHOWN]
    )
    context = {
        "rows": rows,
        "scope": scope,
        "mine_count": mine.count(),
        "all_count": visible.count(),
        "can_see_all": request.user.is_full_agent,
    }
    return render(request, "feedback/follow_ups.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def follow_up(request: StaffRequest, public_id: str) -> HttpResponse:
    task = get_follow_up_for_user(request.user, public_id)
    if request.method == "GET":
        return _page(request, task)
    tell = request.POST.get("tell_customer") == "on"
    try:
        do_close_follow_up(
            task, actor=request.user, outcome=request.POST.get("outcome", ""),
            tell_customer=tell, customer_message=request.POST.get("customer_message", ""),
        )  # fmt: skip
    except ActionForbidden as exc:
        return _page(request, task, error=exc.message, status=403)
    except ActionError as exc:
        return _page(request, task, error=exc.message, status=409 if exc.code == "closed" else 400)
    note = " The customer will be emailed." if tell else ""
    messages.success(request, f"Follow-up closed.{note}")
    return redirect("feedback:follow_ups")


def _page(
    request: StaffRequest, task: FollowUpTask, *, error: str = "", status: int = 200
) -> HttpResponse:
    comments = Response.objects.filter(request_id=task.request_id).exclude(text="")
    context = {
        "task": task,
        "comments": list(comments.values_list("text", flat=True)),
        "error": error,
        "form": request.POST if request.method == "POST" else {},
    }
    return render(request, "feedback/follow_up.html", context, status=status)
