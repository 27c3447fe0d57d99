"""The CSAT question on a solved ticket in the portal: a rating 1-5 and a comment,
recorded like the email survey's links (one answer per request, updated, never doubled).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from heedful.feedback.actions import do_answer_from_portal
from heedful.feedback.surveys import COMMENT, RATING
from heedful.lib.errors import ActionError, ActionForbidden
from heedful.portal.access import get_portal_ticket
from heedful.portal.decorators import PortalRequest, customer_required
from heedful.portal.views.tickets import render_ticket


@customer_required
@require_POST
def rate(request: PortalRequest, ref: str) -> HttpResponse:
    ticket = get_portal_ticket(request.user, request.contact, ref)
    answers: dict[str, str | int] = {
        RATING: request.POST.get(RATING, ""),
        COMMENT: request.POST.get(COMMENT, ""),
    }
    try:
        do_answer_from_portal(ticket, request.contact, answers)
    except ActionForbidden as exc:
        raise PermissionDenied(exc.message) from None
    except ActionError as exc:
        return render_ticket(request, ticket, csat_error=exc.message, status=400)
    messages.success(request, "Thank you! Your rating was recorded.")
    return redirect("portal:ticket", ref=ticket.ref)
