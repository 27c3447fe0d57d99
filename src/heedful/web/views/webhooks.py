"""Outgoing webhooks in the workspace: subscribe an address (the secret is shown once),
see each subscription's delivery log, switch it off and on, delete it.

Agents see their own subscriptions, administrators everyone's; light agents are
refused, and someone else's subscription is "not found".
"""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render

from heedful.lib.errors import ActionForbidden
from heedful.web.decorators import StaffRequest, staff_required
from heedful.web.forms import apply_action
from heedful.webhooks.access import (
    check_manage_webhooks,
    get_subscription_for_user,
    visible_subscriptions,
)
from heedful.webhooks.actions import (
    MAX_URL_LENGTH,
    do_create_subscription,
    do_delete_subscription,
    do_update_subscription,
)
from heedful.webhooks.models import Delivery, Subscription, WebhookEventKind

SHOWN_SUBSCRIPTIONS = 100
SHOWN_DELIVERIES = 30


class SubscriptionForm(forms.Form):
    # A CharField, not a URLField: the action says what is wrong with an address.
    url = forms.CharField(max_length=MAX_URL_LENGTH)
    events = forms.MultipleChoiceField(
        choices=WebhookEventKind.choices, widget=forms.CheckboxSelectMultiple
    )
    description = forms.CharField(max_length=100, required=False)


def _require_manager(request: StaffRequest) -> None:
    try:
        check_manage_webhooks(request.user)
    except ActionForbidden as exc:
        raise PermissionDenied(exc.message) from None


def _page(
    request: StaffRequest,
    form: SubscriptionForm,
    *,
    selected: Subscription | None = None,
    secret: str = "",
    status: int = 200,
) -> HttpResponse:
    subscriptions = visible_subscriptions(request.user).select_related("owner")
    deliveries: list[Delivery] = []
    if selected is not None:
        deliveries = list(
            Delivery.objects.filter(subscription=selected)
            .select_related("ticket")
            .prefetch_related("attempt_log")
            .order_by("-created_at", "-id")[:SHOWN_DELIVERIES]
        )
    context = {
        "subscriptions": list(subscriptions[:SHOWN_SUBSCRIPTIONS]),
        "form": form,
        "event_kinds": WebhookEventKind.choices,
        "chosen_events": form["events"].value() or [],
        "selected": selected,
        "deliveries": deliveries,
        "new_secret": secret,
    }
    response = render(request, "web/webhooks.html", context, status=status)
    # The page may hold a secret shown once: never keep it in a cache.
    response["Cache-Control"] = "no-store"
    return response


@staff_required
def webhooks(request: StaffRequest) -> HttpResponse:
    _require_manager(request)
    if request.method != "POST":
        return _page(request, SubscriptionForm())
    form = SubscriptionForm(request.POST)
    created: list[tuple[Subscription, str]] = []

    def create() -> None:
        created.append(
            do_create_subscription(
                request.user,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                description=form.cleaned_data["description"],
            )
        )

    if not form.is_valid() or not apply_action(form, create):
        return _page(request, form, status=400)
    subscription, secret = created[0]
    # Rendered, not redirected: the secret exists only in this response.
    return _page(request, SubscriptionForm(), selected=subscription, secret=secret, status=201)


@staff_required
def webhook_detail(request: StaffRequest, public_id: uuid.UUID) -> HttpResponse:
    """GET: the delivery log. POST ``action``: ``disable``, ``enable`` or ``delete``."""
    _require_manager(request)
    subscription = get_subscription_for_user(request.user, public_id)
    if request.method != "POST":
        return _page(request, SubscriptionForm(), selected=subscription)
    action = request.POST.get("action", "")
    try:
        if action == "delete":
            do_delete_subscription(subscription, actor=request.user)
            messages.success(request, f"Deleted the webhook to {subscription.url}.")
            return redirect("web:webhooks")
        if action not in ("enable", "disable"):
            return HttpResponseBadRequest("Choose enable, disable or delete.")
        do_update_subscription(subscription, actor=request.user, active=action == "enable")
    except ActionForbidden as exc:
        raise PermissionDenied(exc.message) from None
    state = "switched on" if subscription.is_active else "switched off"
    messages.success(request, f"The webhook to {subscription.url} is {state}.")
    return redirect("web:webhook", public_id=subscription.public_id)
