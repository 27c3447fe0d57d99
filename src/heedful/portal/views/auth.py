"""Magic-link sign in: ask for a link, open it (GET shows a button, POST spends it, so
mail scanners that prefetch links cannot use them up), sign out."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from heedful.accounts.models import User
from heedful.portal import ratelimit
from heedful.portal.access import portal_contact
from heedful.portal.actions import (
    LinkRefused,
    check_magic_link,
    do_request_magic_link,
    do_use_magic_link,
    find_magic_link,
)
from heedful.portal.forms import SignInForm

NEXT_KEY = "portal_next"
EMAIL_KEY = "portal_email"
REFUSED_STATUS = {"unknown": 404, "used": 410, "expired": 410}


def _is_customer(request: HttpRequest) -> bool:
    user = request.user
    return isinstance(user, User) and portal_contact(user) is not None


def rate_limited(request: HttpRequest, refusal: ratelimit.Refusal) -> HttpResponse:
    response = render(request, "portal/rate_limited.html", {"refusal": refusal}, status=429)
    response["Retry-After"] = str(refusal.retry_after)
    return response


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    if _is_customer(request):
        return redirect("portal:tickets")
    form = SignInForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        email: str = form.cleaned_data["email"]
        ip = ratelimit.client_ip(request)
        refusal = ratelimit.hit("sign-in", address=email, ip=ip)
        if refusal is not None:
            return rate_limited(request, refusal)
        # The same answer whether or not the address is a customer's.
        do_request_magic_link(email, ip=ip)
        next_url = request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            request.session[NEXT_KEY] = next_url
        request.session[EMAIL_KEY] = email
        return redirect("portal:link_sent")
    status = 400 if request.method == "POST" else 200
    next_url = request.GET.get("next", "")[:2000]
    return render(request, "portal/sign_in.html", {"form": form, "next": next_url}, status=status)


def link_sent(request: HttpRequest) -> HttpResponse:
    email = request.session.get(EMAIL_KEY, "")
    return render(request, "portal/link_sent.html", {"email": email})


def _refused(request: HttpRequest, exc: LinkRefused) -> HttpResponse:
    return render(
        request,
        "portal/link_refused.html",
        {"reason": exc.message, "code": exc.code, "form": SignInForm()},
        status=REFUSED_STATUS.get(exc.code, 400),
    )


@require_http_methods(["GET", "POST"])
def use_link(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "GET":
        link = find_magic_link(token)
        try:
            check_magic_link(link)
        except LinkRefused as exc:
            return _refused(request, exc)
        assert link is not None
        return render(request, "portal/use_link.html", {"contact": link.contact})
    try:
        user = do_use_magic_link(token)
    except LinkRefused as exc:
        return _refused(request, exc)
    next_url = request.session.pop(NEXT_KEY, "")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect("portal:tickets")


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "You are signed out.")
    return redirect("portal:sign_in")
