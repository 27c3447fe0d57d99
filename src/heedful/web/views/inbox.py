"""Inbox lists (one per named view, with filters, sort and keyset pages) and bulk edits."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.views.decorators.http import require_POST

from heedful.accounts.models import User
from heedful.tickets.access import visible_tickets
from heedful.tickets.actions import BulkChange, do_bulk_update
from heedful.tickets.inbox import (
    FILTERS,
    SORTS,
    VIEWS,
    BadInboxQuery,
    InboxQuery,
    inbox_values_page,
)
from heedful.web.context_processors import sidebar_count
from heedful.web.decorators import StaffRequest, require_full_agent, staff_required
from heedful.web.forms import (
    NO_ASSIGNEE,
    BulkForm,
    InboxFilterForm,
    apply_action,
    editing_options,
    form_error_text,
)
from heedful.web.inbox_rows import ROW_FIELDS, inbox_rows, rows_html
from heedful.web.options_html import options_html

INBOX_PAGE_SIZE = 50
DEFAULT_SORT = "waiting"


def _bad_request(request: StaffRequest, message: str, back_url: str) -> HttpResponse:
    context = {"error": message, "back_url": back_url}
    return render(request, "web/bad_request.html", context, status=400)


def _options(filters: dict[str, str], sort: str) -> dict[str, SafeString]:
    """The ``<option>``s of the filter bar (the current filters and sort selected) and of
    the bulk bar (nothing selected)."""
    choices = editing_options()
    sorts = [(name, spec[0]) for name, spec in SORTS.items()]
    statuses, priorities = choices["statuses"], choices["priorities"]
    teams, agents = choices["teams"], choices["agents"]
    return {
        "status_options": options_html(statuses, filters.get("status", "")),
        "priority_options": options_html(priorities, filters.get("priority", "")),
        "team_options": options_html(teams, filters.get("team", "")),
        "assignee_options": options_html(agents, filters.get("assignee", "")),
        "sort_options": options_html(sorts, sort),
        "bulk_status_options": options_html(statuses),
        "bulk_priority_options": options_html(priorities),
        "bulk_assignee_options": options_html(agents),
        "bulk_team_options": options_html(teams),
    }


def _page_url(request: StaffRequest, cursor: str) -> str:
    params = request.GET.copy()
    params.pop("cursor", None)
    if cursor:
        params["cursor"] = cursor
    return f"{request.path}?{params.urlencode()}" if params else request.path


@staff_required
def inbox(request: StaffRequest, view: str) -> HttpResponse:
    if view not in VIEWS:
        raise Http404("No such inbox view")
    form = InboxFilterForm(request.GET)
    if not form.is_valid():
        return _bad_request(request, form_error_text(form), request.path)
    data = form.cleaned_data
    query = InboxQuery(
        view=view,
        sort=data["sort"] or DEFAULT_SORT,
        filters={name: data[name] for name in FILTERS if data[name]},
        cursor=data["cursor"],
        page_size=INBOX_PAGE_SIZE,
    )
    # Without filters, the page's count is the sidebar's for this view: read once.
    known_count = None if query.filters else sidebar_count(request, request.user, view)
    try:
        page = inbox_values_page(request.user, query, ROW_FIELDS, known_count)
    except BadInboxQuery as exc:
        return _bad_request(request, f"This inbox cannot be shown: {exc}.", request.path)
    rows = inbox_rows(page.tickets, timezone.now())
    context = {
        **_options(query.filters, query.sort),
        "view": view,
        "view_label": VIEWS[view],
        "page": page,
        "rows": rows,
        "rows_html": rows_html(rows, request.user.is_full_agent),
        "can_bulk_edit": request.user.is_full_agent,
        "query": query,
        "filters": query.filters,
        "filtered": bool(query.filters),
        "organization": page.organization,
        "next_url": _page_url(request, page.next_cursor) if page.next_cursor else "",
        "first_url": _page_url(request, "") if query.cursor else "",
        "current_url": request.get_full_path(),
    }
    return render(request, "web/inbox.html", context)


def safe_next_url(request: StaffRequest, candidate: str | None, default: str) -> str:
    """Only paths on this site: never another host, scheme-relative or odd characters."""
    if (
        candidate
        and candidate.startswith("/")
        and candidate.isprintable()
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return candidate
    return default


def _bulk_change(data: dict[str, Any]) -> BulkChange:
    assignee = data["assignee"]
    return BulkChange(
        status=data["status"] or None,
        priority=data["priority"] or None,
        assignee=assignee if isinstance(assignee, User) else None,
        unassign=assignee == NO_ASSIGNEE,
        team=data["team"],
        add_tag=data["add_tag"] or None,
    )


@staff_required
@require_POST
def bulk(request: StaffRequest) -> HttpResponse:
    require_full_agent(request.user, "change tickets in bulk")
    back = safe_next_url(request, request.POST.get("next"), reverse("web:inbox", args=["open"]))
    form = BulkForm(request.POST)
    if not form.is_valid():
        return _bad_request(request, form_error_text(form), back)
    numbers: list[int] = form.cleaned_data["tickets"]
    tickets = list(visible_tickets(request.user).filter(number__in=numbers).order_by("number"))
    if len(tickets) != len(numbers):
        return _bad_request(request, "Some of the selected tickets do not exist.", back)
    change = _bulk_change(form.cleaned_data)
    if not apply_action(form, lambda: do_bulk_update(tickets, change, actor=request.user)):
        return _bad_request(request, form_error_text(form), back)
    noun = "ticket" if len(tickets) == 1 else "tickets"
    messages.success(request, f"Updated {len(tickets)} {noun}.")
    return redirect(back)
