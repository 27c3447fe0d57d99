"""The ticket page (timeline, properties, composers) and the forms it posts."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from heedful.accounts.models import User
from heedful.tickets import actions
from heedful.tickets.access import get_ticket_for_user, visible_tickets
from heedful.tickets.models import UNSOLVED_STATUSES, Attachment, Ticket
from heedful.web.decorators import StaffRequest, require_full_agent, staff_required
from heedful.web.forms import (
    REPLY_STATUSES,
    LoopInForm,
    NoteForm,
    PropertiesForm,
    ReplyForm,
    apply_action,
    editing_choices,
)
from heedful.web.timeline import KnownNames, build_timeline, load_events, sentiment_trend
from heedful.web.timeline_html import timeline_html

MAX_ATTACHMENTS = 10


def _properties(ticket: Ticket, tags: list[str], form: PropertiesForm | None) -> dict[str, str]:
    """What the side panel shows: the ticket's values, or what was just submitted."""
    values = {
        "status": ticket.status,
        "priority": ticket.priority,
        "assignee": ticket.assignee.username if ticket.assignee else "",
        "team": str(ticket.team.public_id) if ticket.team else "",
        "tags": ", ".join(tags),
    }
    if form is not None:
        values.update({k: str(form.data[k]) for k in values if k in form.data})
    return values


def _editing_choices(user: User) -> dict[str, Any]:
    if not user.is_full_agent:
        return {}
    return {**editing_choices(), "reply_statuses": REPLY_STATUSES}


def _known_names(choices: dict[str, Any]) -> KnownNames:
    """The selects' agents and teams name most people and teams in the events."""
    return KnownNames(
        users={agent.pk: agent.display_name for agent in choices.get("agents", [])},
        teams={team.pk: team.name for team in choices.get("teams", [])},
    )


def render_ticket(
    request: StaffRequest, ticket: Ticket, *, status: int = 200, **forms: Any
) -> HttpResponse:
    user = request.user
    tags = list(ticket.tags.values_list("name", flat=True))
    requester_open = (
        visible_tickets(user)
        .filter(requester_id=ticket.requester_id, status__in=UNSOLVED_STATUSES)
        .count()
    )
    choices = _editing_choices(user)
    events = load_events(ticket)
    timeline = build_timeline(ticket, events, _known_names(choices))
    context = {
        **choices,
        "ticket": ticket,
        "timeline": timeline.entries,
        "timeline_html": timeline_html(timeline.entries),
        "events": events,  # the SLA clocks read the same log
        "emails": timeline.emails,
        "sentiment_trend": sentiment_trend(timeline.entries),
        "tags": tags,
        "collaborators": list(ticket.collaborators.all()),
        "requester_open_count": requester_open,
        "can_reply": user.is_full_agent,
        "can_edit": user.is_full_agent,
        "properties": _properties(ticket, tags, forms.get("properties_form")),
        "reply_form": forms.get("reply_form") or ReplyForm(),
        "note_form": forms.get("note_form") or NoteForm(),
        "properties_form": forms.get("properties_form"),
        "loop_in_form": forms.get("loop_in_form") or LoopInForm(),
    }
    return render(request, "web/ticket.html", context, status=status)


@staff_required
def ticket_detail(request: StaffRequest, ref: str) -> HttpResponse:
    return render_ticket(request, get_ticket_for_user(request.user, ref))


def _done(request: StaffRequest, ticket: Ticket, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect("web:ticket", ref=ticket.ref)


def _failed(request: StaffRequest, ticket: Ticket, **forms: Any) -> HttpResponse:
    # Reloaded: a refused action may have changed the in-memory ticket before rolling back.
    fresh = get_ticket_for_user(request.user, ticket.ref)
    return render_ticket(request, fresh, status=400, **forms)


@staff_required
@require_POST
def reply(request: StaffRequest, ref: str) -> HttpResponse:
    ticket = get_ticket_for_user(request.user, ref)
    require_full_agent(request.user, "reply to customers")
    form = ReplyForm(request.POST)
    files = request.FILES.getlist("attachments")
    if len(files) > MAX_ATTACHMENTS:
        form.add_error(None, f"Attach at most {MAX_ATTACHMENTS} files to one reply.")
    if form.is_valid():
        data = form.cleaned_data

        def send() -> None:
            actions.do_add_message(
                ticket,
                author=request.user,
                body_text=data["body"],
                is_public=True,
                attachments=files,
                new_status=data["status"] or None,
                workaround=data["workaround"],
            )

        if apply_action(form, send):
            return _done(request, ticket, "Reply sent.")
    return _failed(request, ticket, reply_form=form)


@staff_required
@require_POST
def note(request: StaffRequest, ref: str) -> HttpResponse:
    ticket = get_ticket_for_user(request.user, ref)
    form = NoteForm(request.POST)
    if form.is_valid():
        body = form.cleaned_data["body"]

        def add() -> None:
            actions.do_add_message(ticket, author=request.user, body_text=body, is_public=False)

        if apply_action(form, add):
            return _done(request, ticket, "Internal note added.")
    return _failed(request, ticket, note_form=form)


PROPERTIES = ("status", "priority", "assignee", "team", "tags")


def _write_property(ticket: Ticket, name: str, value: Any, actor: User) -> None:
    if name == "status" and value:
        actions.do_change_status(ticket, value, actor=actor)
    elif name == "priority" and value:
        actions.do_change_priority(ticket, value, actor=actor)
    elif name == "assignee":
        actions.do_assign_ticket(ticket, value, actor=actor)
    elif name == "team":
        actions.do_change_team(ticket, value, actor=actor)
    elif name == "tags":
        actions.do_set_tags(ticket, value, actor=actor)


@staff_required
@require_POST
def update_ticket(request: StaffRequest, ref: str) -> HttpResponse:
    """Apply the side panel; only fields present in the POST change, all or nothing."""
    ticket = get_ticket_for_user(request.user, ref)
    require_full_agent(request.user, "change tickets")
    form = PropertiesForm(request.POST)
    if form.is_valid():
        submitted = [name for name in PROPERTIES if name in request.POST]

        def update() -> None:
            with transaction.atomic():
                for name in submitted:
                    _write_property(ticket, name, form.cleaned_data[name], request.user)

        if apply_action(form, update):
            return _done(request, ticket, "Ticket updated.")
    return _failed(request, ticket, properties_form=form)


@staff_required
@require_POST
def loop_in(request: StaffRequest, ref: str) -> HttpResponse:
    ticket = get_ticket_for_user(request.user, ref)
    require_full_agent(request.user, "loop people in")
    form = LoopInForm(request.POST)
    if form.is_valid():
        colleague: User = form.cleaned_data["username"]

        def add() -> None:
            actions.do_loop_in(ticket, colleague, actor=request.user)

        if apply_action(form, add):
            return _done(request, ticket, f"{colleague.display_name} is looped in.")
    return _failed(request, ticket, loop_in_form=form)


@staff_required
def attachment(request: StaffRequest, public_id: uuid.UUID) -> FileResponse:
    """Download a file; whoever may not see its ticket learns nothing (404)."""
    found = Attachment.objects.select_related("message").filter(public_id=public_id).first()
    if found is None:
        raise Http404("No such attachment")
    if not visible_tickets(request.user).filter(pk=found.message.ticket_id).exists():
        raise Http404("No such attachment")
    try:
        handle = found.file.open("rb")
    except OSError:
        raise Http404("The file is missing from storage") from None
    # Always a download: an uploaded HTML or SVG file must never run in our origin.
    return FileResponse(
        handle, as_attachment=True, filename=found.filename, content_type=found.content_type
    )
