"""Who may enter the customer portal: signed-in customers with a contact record.

Anonymous visitors are sent to the portal's sign-in page; staff and customer accounts
without a contact get 403 (the portal shows nothing that is not the customer's own).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse

from heedful.accounts.models import User
from heedful.customers.models import Contact
from heedful.portal.access import portal_contact

P = ParamSpec("P")


class PortalRequest(HttpRequest):
    """A request from a signed-in customer (after customer_required)."""

    user: User
    contact: Contact


def customer_required(
    view: Callable[Concatenate[PortalRequest, P], HttpResponseBase],
) -> Callable[Concatenate[HttpRequest, P], HttpResponseBase]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("portal:sign_in"))
        contact = portal_contact(user) if isinstance(user, User) else None
        if contact is None:
            raise PermissionDenied("The portal is for customers; staff work in the workspace.")
        request.contact = contact  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)  # type: ignore[arg-type]

    return wrapper
