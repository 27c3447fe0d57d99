"""Forms of the portal and the web form: they parse and bound input; the actions decide."""

from __future__ import annotations

from django import forms

from heedful.web.forms import MAX_BODY_CHARS

MAX_SUBJECT_CHARS = 300


class SignInForm(forms.Form):
    email = forms.EmailField(
        max_length=254, error_messages={"required": "Enter your email address."}
    )


class TicketForm(forms.Form):
    subject = forms.CharField(
        max_length=MAX_SUBJECT_CHARS,
        error_messages={"required": "Give your request a short subject."},
    )
    body = forms.CharField(
        max_length=MAX_BODY_CHARS,
        widget=forms.Textarea,
        error_messages={"required": "Tell us what happened."},
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        max_length=MAX_BODY_CHARS,
        required=False,
        widget=forms.Textarea,
    )


class WebForm(TicketForm):
    """The anonymous form. ``website`` is a honeypot: hidden from people, filled by bots."""

    name = forms.CharField(max_length=200, error_messages={"required": "Tell us your name."})
    email = forms.EmailField(
        max_length=254, error_messages={"required": "Give an email address so we can answer."}
    )
    website = forms.CharField(max_length=500, required=False)

    field_order = ["name", "email", "subject", "body", "website"]

    @property
    def is_bot(self) -> bool:
        return bool(str(self.data.get("website", "")).strip())
