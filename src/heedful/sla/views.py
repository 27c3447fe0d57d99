"""The "Breaching soon" page: tickets with a running SLA clock, due first first."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from heedful.sla.due import breaching_page
from heedful.tickets.inbox import BadInboxQuery
from heedful.web.decorators import StaffRequest, staff_required

PAGE_SIZE = 50


@staff_required
def breaching(request: StaffRequest) -> HttpResponse:
    cursor = request.GET.get("cursor", "")
    now = timezone.now()
    try:
        page = breaching_page(request.user, cursor, now, PAGE_SIZE)
    except BadInboxQuery as exc:
        error = {"error": f"This list cannot be shown: {exc}.", "back_url": request.path}
        return render(request, "web/bad_request.html", error, status=400)
    context: dict[str, Any] = {
        "page": page,
        "next_url": f"{request.path}?cursor={page.next_cursor}" if page.next_cursor else "",
        "first_url": request.path if cursor else "",
    }
    return render(request, "sla/breaching.html", context)
