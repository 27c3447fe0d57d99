"""The customer's requests: list, one request with its public conversation, reply,
open a new one, download a file."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from heedful.feedback.portal_csat import csat_box
from heedful.lib.errors import ActionError, ActionForbidden
from heedful.portal.access import (
    get_portal_attachment,
    get_portal_ticket,
    portal_messages,
    portal_tickets,
    shares_tickets,
)
from heedful.portal.actions import MAX_ATTACHMENTS, check_attachments, do_open_portal_ticket
from heedful.portal.decorators import PortalRequest, customer_required
from heedful.portal.forms import ReplyForm, TicketForm
from heedful.portal.status import accepts_replies
from heedful.tickets.actions import do_add_message
from heedful.tickets.models import SOLVED_STATUSES, UNSOLVED_STATUSES, Attachment, Channel, Ticket
from heedful.web.forms import add_action_error

PAGE_SIZE = 25
SHOWS = {"open": UNSOLVED_STATUSES, "solved": SOLVED_STATUSES}


@customer_required
def ticket_list(request: PortalRequest) -> HttpResponse:
    show = request.GET.get("show", "open")
    if show not in SHOWS:
        show = "open"
    tickets = (
        portal_tickets(request.user, request.contact)
        .filter(status__in=SHOWS[show])
        .select_related("requester")
        .order_by("-updated_at", "-id")
    )
    page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "show": show,
        "shared": shares_tickets(request.contact),
        "contact": request.contact,
    }
    return render(request, "portal/tickets.html", context)


def _files(request: PortalRequest) -> list[UploadedFile]:
    return request.FILES.getlist("attachments")


def render_ticket(
    request: PortalRequest,
    ticket: Ticket,
    form: ReplyForm | None = None,
    status: int = 200,
    csat_error: str = "",
) -> HttpResponse:
    conversation = (
        portal_messages(request.user, ticket)
        .select_related("author_user", "author_contact")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
        .order_by("created_at", "id")
    )
    context: dict[str, Any] = {
        "ticket": ticket,
        "conversation": list(conversation),
        "form": form or ReplyForm(),
        "can_reply": accepts_replies(ticket.status),
        "max_attachments": MAX_ATTACHMENTS,
        "csat": csat_box(ticket, request.contact),
        "csat_error": csat_error,
    }
    return render(request, "portal/ticket.html", context, status=status)


@customer_required
def ticket_detail(request: PortalRequest, ref: str) -> HttpResponse:
    return render_ticket(request, get_portal_ticket(request.user, request.contact, ref))


@customer_required
@require_POST
def reply(request: PortalRequest, ref: str) -> HttpResponse:
    ticket = get_portal_ticket(request.user, request.contact, ref)
    form = ReplyForm(request.POST)
    files = _files(request)
    if not accepts_replies(ticket.status):
        form.add_error(None, "This request is closed. Open a new request instead.")
    elif form.is_valid():
        try:
            check_attachments(files)
            do_add_message(
                ticket,
                author=request.contact,
                body_text=form.cleaned_data["body"],
                channel=Channel.PORTAL,
                attachments=files,
            )
        except ActionForbidden as exc:
            raise PermissionDenied(exc.message) from None
        except ActionError as exc:
            add_action_error(form, exc)
        else:
            messages.success(request, "Your reply was sent.")
            return redirect("portal:ticket", ref=ticket.ref)
    fresh = get_portal_ticket(request.user, request.contact, ref)
    return render_ticket(request, fresh, form, status=400)


@customer_required
@require_http_methods(["GET", "POST"])
def new_ticket(request: PortalRequest) -> HttpResponse:
    form = TicketForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = do_open_portal_ticket(
                request.contact,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                files=_files(request),
            )
        except ActionError as exc:
            add_action_error(form, exc)
        else:
            messages.success(request, f"Thank you. Your request {ticket.ref} is with our team.")
            return redirect("portal:ticket", ref=ticket.ref)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "max_attachments": MAX_ATTACHMENTS}
    return render(request, "portal/new_ticket.html", context, status=status)


@customer_required
def attachment(request: PortalRequest, public_id: uuid.UUID) -> FileResponse:
    found = get_portal_attachment(request.user, request.contact, public_id)
    try:
        handle = found.file.open("rb")
    except OSError:
        raise Http404("The file is missing from storage") from None
    # Always a download: an uploaded HTML or SVG file must never run in our origin.
    return FileResponse(
        handle, as_attachment=True, filename=found.filename, content_type=found.content_type
    )
