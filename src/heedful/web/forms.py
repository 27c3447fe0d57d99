"""Forms of the agent workspace: they parse and bound input; the actions decide."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet

from heedful.accounts.models import Role, Team, User, display_name_of
from heedful.lib.errors import ActionError, ActionForbidden
from heedful.sla.escalations import BOT_USERNAME
from heedful.tickets.inbox import SORTS
from heedful.tickets.models import Priority, Status, parse_ref

MAX_BULK_TICKETS = 500
MAX_BODY_CHARS = 200_000
NO_ASSIGNEE = "none"

_ANY = [("", "Any")]
# "Submit as" on the reply form: the states an agent moves a ticket to by answering.
REPLY_STATUSES = [
    ("", "Keep status"),
    (Status.OPEN, "Submit as Open"),
    (Status.PENDING, "Submit as Pending"),
    (Status.ON_HOLD, "Submit as On hold"),
    (Status.SOLVED, "Submit as Solved"),
]


def form_error_text(form: forms.Form) -> str:
    """All errors of a form as one readable sentence, for 400 pages."""
    parts = []
    for name, errors in form.errors.items():
        label = "" if name == "__all__" else f"{name}: "
        parts.append(label + " ".join(str(e) for e in errors))
    return "; ".join(parts)


def add_action_error(form: forms.Form, exc: ActionError) -> None:
    """Show an action's refusal next to the field it concerns, or on the whole form."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


def _team_by_public_id(value: str) -> Team | None:
    if not value:
        return None
    try:
        return Team.objects.get(public_id=uuid.UUID(value))
    except (ValueError, Team.DoesNotExist):
        raise ValidationError("Choose one of the teams.") from None


def _staff_by_username(value: str) -> User:
    user = User.objects.filter(username=value, is_active=True).first()
    if user is None or not user.is_staff_member:
        raise ValidationError(f"No colleague has the username {value!r}.")
    return user


class InboxFilterForm(forms.Form):
    sort = forms.ChoiceField(
        choices=[(name, spec[0]) for name, spec in SORTS.items()], required=False
    )
    status = forms.ChoiceField(choices=_ANY + Status.choices, required=False)
    priority = forms.ChoiceField(choices=_ANY + Priority.choices, required=False)
    team = forms.CharField(max_length=36, required=False)
    assignee = forms.CharField(max_length=150, required=False)
    tag = forms.CharField(max_length=50, required=False)
    organization = forms.CharField(max_length=36, required=False)
    cursor = forms.CharField(max_length=200, required=False)


class RefListField(forms.Field):
    """Several ticket refs (checkboxes named ``tickets``) -> their numbers."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        if len(value) > MAX_BULK_TICKETS:
            raise ValidationError(f"Select at most {MAX_BULK_TICKETS} tickets at a time.")
        numbers = []
        for ref in value:
            number = parse_ref(str(ref)) if isinstance(ref, str) and len(ref) < 40 else None
            if number is None:
                raise ValidationError("That is not a ticket reference.")
            numbers.append(number)
        return list(dict.fromkeys(numbers))


class BulkForm(forms.Form):
    tickets = RefListField(error_messages={"required": "Select at least one ticket."})
    status = forms.ChoiceField(choices=[("", "Status…"), *Status.choices], required=False)
    priority = forms.ChoiceField(choices=[("", "Priority…"), *Priority.choices], required=False)
    assignee = forms.CharField(max_length=150, required=False)
    team = forms.CharField(max_length=36, required=False)
    add_tag = forms.CharField(max_length=50, required=False)

    def clean_assignee(self) -> User | str | None:
        value: str = self.cleaned_data["assignee"]
        if not value:
            return None
        return NO_ASSIGNEE if value == NO_ASSIGNEE else _staff_by_username(value)

    def clean_team(self) -> Team | None:
        return _team_by_public_id(self.cleaned_data["team"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        wanted = ("status", "priority", "assignee", "team", "add_tag")
        if not self.errors and not any(data.get(name) for name in wanted):
            raise ValidationError("Choose something to change.")
        return data


class PropertiesForm(forms.Form):
    """The ticket's side panel; only the fields present in the POST are changed."""

    status = forms.ChoiceField(choices=Status.choices, required=False)
    priority = forms.ChoiceField(choices=Priority.choices, required=False)
    assignee = forms.CharField(max_length=150, required=False)
    team = forms.CharField(max_length=36, required=False)
    tags = forms.CharField(max_length=2000, required=False)

    def clean_assignee(self) -> User | None:
        value: str = self.cleaned_data["assignee"]
        return _staff_by_username(value) if value else None

    def clean_team(self) -> Team | None:
        return _team_by_public_id(self.cleaned_data["team"])

    def clean_tags(self) -> list[str]:
        return [name for name in self.cleaned_data["tags"].split(",") if name.strip()]


class ReplyForm(forms.Form):
    body = forms.CharField(
        max_length=MAX_BODY_CHARS, required=False, strip=False, widget=forms.Textarea
    )
    status = forms.ChoiceField(choices=REPLY_STATUSES, required=False)
    workaround = forms.BooleanField(required=False)


class NoteForm(forms.Form):
    body = forms.CharField(
        max_length=MAX_BODY_CHARS, required=False, strip=False, widget=forms.Textarea
    )


class LoopInForm(forms.Form):
    username = forms.CharField(max_length=150)

    def clean_username(self) -> User:
        return _staff_by_username(self.cleaned_data["username"].strip().lstrip("@"))


class SearchForm(forms.Form):
    q = forms.CharField(max_length=200, required=False)


def _editing_agents() -> QuerySet[User]:
    return User.objects.filter(is_active=True, role__in=(Role.ADMIN, Role.AGENT)).exclude(
        username=BOT_USERNAME
    )


def editing_choices() -> dict[str, Any]:
    """Options of the selects that change tickets: one query for teams, one for agents."""
    return {
        "teams": list(Team.objects.only("public_id", "name")),
        "agents": list(_editing_agents().only("username", "first_name", "last_name")),
        "statuses": Status.choices,
        "priorities": Priority.choices,
    }


def editing_options() -> dict[str, list[tuple[str, str]]]:
    """``editing_choices`` as (value, label) pairs, read as values: a team's public id and
    name, an agent's username and display name."""
    agents = _editing_agents().values_list("username", "first_name", "last_name")
    teams = Team.objects.values_list("public_id", "name")
    return {
        "teams": [(str(public_id), name) for public_id, name in teams],
        "agents": [
            (username, display_name_of(first, last, username)) for username, first, last in agents
        ],
        "statuses": Status.choices,
        "priorities": Priority.choices,
    }


def apply_action(form: forms.Form, action: Callable[[], object]) -> bool:
    """Run an action for a valid form: True when it succeeded; its ActionError becomes a
    form error (the caller re-renders with 400), ActionForbidden becomes 403."""
    try:
        action()
    except ActionForbidden as exc:
        raise PermissionDenied(exc.message) from None
    except ActionError as exc:
        add_action_error(form, exc)
        return False
    return True
