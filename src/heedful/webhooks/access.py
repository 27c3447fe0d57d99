"""Who may see which webhook subscription: agents their own, administrators all;
light agents and customers none. Someone else's subscription is "not found"."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.http import Http404

from heedful.accounts.models import Role, User
from heedful.lib.errors import ActionForbidden
from heedful.webhooks.models import Subscription


def check_manage_webhooks(user: User) -> None:
    if not user.is_full_agent:
        raise ActionForbidden("Only agents and administrators can manage webhooks.")


def visible_subscriptions(user: User) -> QuerySet[Subscription]:
    if not user.is_full_agent:
        return Subscription.objects.none()
    if user.role == Role.ADMIN:
        return Subscription.objects.all()
    return Subscription.objects.filter(owner=user)


def get_subscription_for_user(user: User, public_id: uuid.UUID | str) -> Subscription:
    try:
        key = public_id if isinstance(public_id, uuid.UUID) else uuid.UUID(str(public_id))
    except ValueError:
        raise Http404("No such webhook") from None
    found = visible_subscriptions(user).select_related("owner").filter(public_id=key).first()
    if found is None:
        raise Http404("No such webhook")
    return found
