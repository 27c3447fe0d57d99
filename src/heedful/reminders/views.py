"""The agent's side: the Follow-ups view, and setting, completing and cancelling a
follow-up from the ticket page, the contact page or the list."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from heedful.lib.errors import ActionError, ActionForbidden
from heedful.reminders import actions
from heedful.reminders.access import get_follow_up_for_user
from heedful.reminders.events import format_due
from heedful.reminders.forms import FollowUpForm
from heedful.reminders.listing import follow_ups_page
from heedful.reminders.models import FollowUp
from heedful.tickets.access import get_contact_for_user, get_ticket_for_user
from heedful.tickets.inbox import BadInboxQuery
from heedful.web.decorators import StaffRequest, staff_required
from heedful.web.forms import apply_action, form_error_text
from heedful.web.views import customers
from heedful.web.views.tickets import render_ticket

SHOWS = {"due": "Follow-ups due", "upcoming": "Upcoming follow-ups"}


def _page_url(show: str, cursor: str = "") -> str:
    params = {"show": show, **({"cursor": cursor} if cursor else {})}
    return f"{reverse('reminders:follow_ups')}?{urlencode(params)}"


@staff_required
def follow_ups(request: StaffRequest) -> HttpResponse:
    """The agent's own pending follow-ups: due ones (oldest first) or upcoming ones."""
    show = request.GET.get("show", "due")
    if show not in SHOWS:
        show = "due"
    cursor = request.GET.get("cursor", "")
    try:
        page = follow_ups_page(request.user, due=show == "due", now=timezone.now(), cursor=cursor)
    except BadInboxQuery:
        error = "This page of follow-ups cannot be shown: bad page cursor."
        refusal = {"error": error, "back_url": _page_url(show)}
        return render(request, "web/bad_request.html", refusal, status=400)
    context = {
        "show": show,
        "shows": SHOWS,
        "title": SHOWS[show],
        "rows": page.rows,
        "next_url": _page_url(show, page.next_cursor) if page.next_cursor else "",
        "first_url": _page_url(show) if cursor else "",
        "current_url": request.get_full_path(),
    }
    return render(request, "reminders/follow_ups.html", context)


def _form_action(form: FollowUpForm, request: StaffRequest, **target: object) -> bool:
    def act() -> None:
        data = form.cleaned_data
        actions.do_set_follow_up(
            actor=request.user,
            due_on=data["due_on"],
            at=data["at"],
            note=data["note"],
            agent=data["agent"],
            **target,  # type: ignore[arg-type]
        )

    return form.is_valid() and apply_action(form, act)


def _set_message(form: FollowUpForm) -> str:
    due = actions.due_instant(
        form.cleaned_data["due_on"], form.cleaned_data["at"], now=timezone.now()
    )
    return f"Follow-up set for {format_due(due)}."


@staff_required
@require_POST
def set_on_ticket(request: StaffRequest, ref: str) -> HttpResponse:
    ticket = get_ticket_for_user(request.user, ref)
    form = FollowUpForm(request.POST)
    if _form_action(form, request, ticket=ticket):
        messages.success(request, _set_message(form))
        return redirect("web:ticket", ref=ticket.ref)
    messages.error(request, f"No follow-up set: {form_error_text(form)}")
    return render_ticket(request, get_ticket_for_user(request.user, ref), status=400)


@staff_required
@require_POST
def set_on_contact(request: StaffRequest, public_id: uuid.UUID) -> HttpResponseBase:
    contact = get_contact_for_user(request.user, str(public_id))
    form = FollowUpForm(request.POST)
    if _form_action(form, request, contact=contact):
        messages.success(request, _set_message(form))
        return redirect("web:contact", public_id=contact.public_id)
    messages.error(request, f"No follow-up set: {form_error_text(form)}")
    response = customers.contact(request, public_id)
    response.status_code = 400
    return response


def _back(request: StaffRequest, follow_up: FollowUp) -> str:
    wanted = request.POST.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
        return wanted
    if follow_up.ticket is not None:
        return reverse("web:ticket", args=[follow_up.ticket.ref])
    if follow_up.contact is not None:
        return reverse("web:contact", args=[follow_up.contact.public_id])
    return reverse("reminders:follow_ups")


def _close(request: StaffRequest, public_id: uuid.UUID, *, done: bool) -> HttpResponse:
    follow_up = get_follow_up_for_user(request.user, str(public_id))
    action = actions.do_complete_follow_up if done else actions.do_cancel_follow_up
    try:
        action(follow_up, actor=request.user)
    except ActionForbidden as exc:
        raise PermissionDenied(exc.message) from None
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Follow-up done." if done else "Follow-up cancelled.")
    return redirect(_back(request, follow_up))


@staff_required
@require_POST
def complete(request: StaffRequest, public_id: uuid.UUID) -> HttpResponse:
    return _close(request, public_id, done=True)


@staff_required
@require_POST
def cancel(request: StaffRequest, public_id: uuid.UUID) -> HttpResponse:
    return _close(request, public_id, done=False)
