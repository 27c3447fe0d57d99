"""The topics page: what customers write about, ranked by distinct customers, with the
forms that rename and merge topics (full agents only: it quotes every organization)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from heedful.feedback import leases
from heedful.feedback.models import Topic
from heedful.feedback.topics import LEASE
from heedful.feedback.topics_actions import (
    do_merge_topics,
    do_rename_topic,
    do_unmerge_topic,
    get_topic_for_user,
)
from heedful.feedback.topics_page import latest_run, topic_rows
from heedful.lib.errors import ActionError
from heedful.web.decorators import StaffRequest, staff_required


def _full_agents_only(request: StaffRequest) -> None:
    if not request.user.is_full_agent:
        raise PermissionDenied("Topics quote customers of every organization: full agents only.")


def _page(request: StaffRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    rows = topic_rows()
    context = {
        "rows": rows,
        "run": latest_run(),
        "error": error,
        "min_documents": settings.TOPICS_MIN_DOCUMENTS,
    }
    return render(request, "feedback/topics.html", context, status=status)


@staff_required
def topics_page(request: StaffRequest) -> HttpResponse:
    _full_agents_only(request)
    return _page(request)


@staff_required
@require_POST
def rename_topic(request: StaffRequest, public_id: str) -> HttpResponse:
    _full_agents_only(request)
    topic = get_topic_for_user(request.user, public_id)
    try:
        do_rename_topic(topic, request.POST.get("name", ""), actor=request.user)
    except ActionError as exc:
        return _page(request, error=exc.message, status=400)
    messages.success(request, f"Renamed to “{topic.display_name}”.")
    return redirect("feedback:topics")


def _find(public_id: str) -> Topic | None:
    try:
        key = uuid.UUID(public_id)
    except ValueError:
        return None
    return Topic.objects.filter(public_id=key).first()


@staff_required
@require_POST
def merge_topics(request: StaffRequest) -> HttpResponse:
    _full_agents_only(request)
    source = _find(request.POST.get("source", ""))
    target = _find(request.POST.get("target", ""))
    if source is None or target is None:
        error = "Pick two topics to merge (the topics may have been computed again meanwhile)."
        return _page(request, error=error, status=400)
    try:
        root = do_merge_topics(source, target, actor=request.user)
    except ActionError as exc:
        return _page(request, error=exc.message, status=400)
    messages.success(request, f"“{source.display_name}” now counts for “{root.display_name}”.")
    return redirect("feedback:topics")


@staff_required
@require_POST
def unmerge_topic(request: StaffRequest, public_id: str) -> HttpResponse:
    _full_agents_only(request)
    topic = get_topic_for_user(request.user, public_id)
    try:
        do_unmerge_topic(topic, actor=request.user)
    except ActionError as exc:
        return _page(request, error=exc.message, status=400)
    messages.success(request, f"“{topic.display_name}” is listed on its own again.")
    return redirect("feedback:topics")


@staff_required
@require_POST
def recompute(request: StaffRequest) -> HttpResponse:
    _full_agents_only(request)
    from heedful.feedback.tasks import recompute_topics

    if leases.is_held(LEASE):
        messages.info(request, "The topics are being computed already: reload in a minute.")
        return redirect("feedback:topics")
    transaction.on_commit(lambda: recompute_topics.enqueue())
    messages.success(request, "Computing the topics in the background: reload in a minute.")
    return redirect("feedback:topics")
