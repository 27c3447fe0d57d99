"""The anonymous web form (/support/new/), made to be embedded in any site in an iframe.

It is exempt from CSRF and from X-Frame-Options: it acts for nobody's session (like an
inbound email, anyone may send it), and a cross-site iframe would not get our CSRF
cookie. Spam is held off by a honeypot field and per-address and per-IP limits.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from heedful.lib.errors import ActionError
from heedful.portal import ratelimit
from heedful.portal.actions import MAX_ATTACHMENTS, do_submit_web_form
from heedful.portal.forms import WebForm
from heedful.portal.views.auth import rate_limited
from heedful.web.forms import add_action_error


@csrf_exempt
@xframe_options_exempt
@require_http_methods(["GET", "POST"])
def support_form(request: HttpRequest) -> HttpResponse:
    form = WebForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_bot:
            # Answer as if it worked, so the bot learns nothing; nothing is stored.
            return redirect("portal:support_thanks")
        if form.is_valid():
            data = form.cleaned_data
            refusal = ratelimit.hit(
                "web-form", address=data["email"], ip=ratelimit.client_ip(request)
            )
            if refusal is not None:
                return rate_limited(request, refusal)
            try:
                do_submit_web_form(
                    name=data["name"],
                    email=data["email"],
                    subject=data["subject"],
                    body=data["body"],
                    files=request.FILES.getlist("attachments"),
                )
            except ActionError as exc:
                add_action_error(form, exc)
            else:
                return redirect("portal:support_thanks")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "max_attachments": MAX_ATTACHMENTS}
    return render(request, "portal/support_form.html", context, status=status)


@xframe_options_exempt
def support_thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/support_thanks.html")
