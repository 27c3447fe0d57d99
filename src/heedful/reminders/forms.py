"""The "Follow up on…" form: it parses and bounds input; the actions decide."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from heedful.accounts.models import User
from heedful.reminders.actions import MAX_NOTE_CHARS


class FollowUpForm(forms.Form):
    due_on = forms.DateField(
        error_messages={"required": "Pick a date.", "invalid": "Pick a date (YYYY-MM-DD)."}
    )
    at = forms.TimeField(required=False, error_messages={"invalid": "Pick a time (HH:MM)."})
    note = forms.CharField(required=False, max_length=MAX_NOTE_CHARS, strip=True)
    # A username; empty means "for me".
    agent = forms.CharField(required=False, max_length=150)

    def clean_agent(self) -> User | None:
        username = self.cleaned_data["agent"].strip()
        if not username:
            return None
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None or not user.is_staff_member:
            raise ValidationError(f"No colleague has the username {username!r}.")
        return user


class CheckCommentForm(forms.Form):
    comment = forms.CharField(required=False, max_length=5000, strip=True)
