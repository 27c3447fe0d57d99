"""Who may enter the agent workspace.

Anonymous visitors are sent to the sign-in page; signed-in people who are not staff
(customers, deactivated accounts) get 403 everywhere, so the workspace never shows
them a ticket, a count or a name.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from heedful.accounts.models import User

P = ParamSpec("P")


class StaffRequest(HttpRequest):
    """A request whose user is a signed-in staff member (after staff_required)."""

    user: User


def staff_required(
    view: Callable[Concatenate[StaffRequest, P], HttpResponseBase],
) -> Callable[Concatenate[HttpRequest, P], HttpResponseBase]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not isinstance(user, User) or not user.is_staff_member:
            raise PermissionDenied("The agent workspace is for staff members.")
        return view(request, *args, **kwargs)  # type: ignore[arg-type]

    return wrapper


def require_full_agent(user: User, what: str) -> None:
    """Refuse light agents before a form is even read (the actions check again)."""
    if not user.is_full_agent:
        raise PermissionDenied(f"Light agents cannot {what}; add an internal note instead.")
