"""The agents' feedback page: scores with intervals and sample sizes, the
distinct-customer view, the rating distribution and the latest comments."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone

from heedful.feedback.customer_sentiment import desk_sentiment
from heedful.feedback.dashboard import awaiting_follow_up, kudos_count, panels, verbatims
from heedful.feedback.segments import Choices, parse_segment
from heedful.feedback.tallies import load_tallies
from heedful.feedback.topics_page import top_topics
from heedful.web.decorators import StaffRequest, staff_required

PERIODS = {"30": 30, "90": 90, "365": 365}
DEFAULT_PERIOD = "90"
TOP_TOPICS = 5


@staff_required
def feedback_page(request: StaffRequest) -> HttpResponse:
    # Comments quote customers of every organization: light agents see only the tickets
    # they are looped into, so they do not see this page.
    if not request.user.is_full_agent:
        raise PermissionDenied("The feedback page is for full agents.")
    period = request.GET.get("days", DEFAULT_PERIOD)
    if period not in PERIODS:
        return HttpResponseBadRequest("days must be one of 30, 90 or 365.")
    now = timezone.now()
    days = timedelta(days=PERIODS[period])
    since = now - days
    choices = Choices.load()
    segment = parse_segment(request.GET, choices)
    tallies = load_tallies(previous_since=since - days, since=since, now=now, segment=segment)
    score_panels, chart = panels(tallies, since=since, now=now, segment=segment)
    follow_ups, open_follow_ups = awaiting_follow_up(segment)
    context = {
        "follow_ups": follow_ups,
        "open_follow_ups": open_follow_ups,
        "kudos_count": kudos_count(since, segment),
        "panels": score_panels,
        "chart": chart,
        "verbatims": verbatims(since, segment),
        # Topics are computed over all recent texts, not per period or segment.
        "top_topics": top_topics(TOP_TOPICS),
        # Every customer message of the last weeks (not only survey answers), desk-wide.
        "sentiment": desk_sentiment(now),
        "segment": segment,
        "choices": choices,
        "period": period,
        "periods": list(PERIODS),
    }
    return render(request, "feedback/dashboard.html", context)
