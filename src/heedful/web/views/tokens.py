"""Personal API tokens: create (the secret is shown once), list and revoke."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from heedful.accounts.actions import do_create_api_token, do_revoke_api_token
from heedful.accounts.models import ApiToken, TokenScope
from heedful.web.decorators import StaffRequest, staff_required
from heedful.web.forms import apply_action

SHOWN = 100


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100)
    scope = forms.ChoiceField(choices=TokenScope.choices, initial=TokenScope.READ)


def _page(
    request: StaffRequest, form: TokenForm, *, secret: str = "", status: int = 200
) -> HttpResponse:
    tokens = list(request.user.api_tokens.order_by("-created_at", "-id")[:SHOWN])
    context = {"tokens": tokens, "form": form, "new_secret": secret, "scopes": TokenScope.choices}
    response = render(request, "web/api_tokens.html", context, status=status)
    # The page may hold a secret shown once: never keep it in a cache.
    response["Cache-Control"] = "no-store"
    return response


@staff_required
def api_tokens(request: StaffRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request, TokenForm())
    form = TokenForm(request.POST)
    created: list[str] = []

    def create() -> None:
        _, secret = do_create_api_token(
            request.user, name=form.cleaned_data["name"], scope=form.cleaned_data["scope"]
        )
        created.append(secret)

    if not form.is_valid() or not apply_action(form, create):
        return _page(request, form, status=400)
    # Rendered, not redirected: the secret exists only in this response.
    return _page(request, TokenForm(), secret=created[0], status=201)


@staff_required
@require_POST
def revoke_api_token(request: StaffRequest, public_id: uuid.UUID) -> HttpResponse:
    # Only one's own tokens: anyone else's is "not found", not "forbidden".
    token = ApiToken.objects.filter(public_id=public_id, user=request.user).first()
    if token is None:
        raise Http404("No such token")
    if do_revoke_api_token(token, actor=request.user):
        messages.success(request, f"Revoked the token “{token.name}”.")
    return redirect("web:api_tokens")
