"""The survey email: one-click rating links (1-5) in plain text and HTML."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from heedful.feedback.links import survey_url
from heedful.feedback.models import SurveyRequest
from heedful.feedback.surveys import CSAT_LABELS


def survey_email_context(request: SurveyRequest) -> dict[str, object]:
    ticket = request.ticket
    return {
        "contact": request.contact,
        "ticket": ticket,
        "ratings": [
            {"value": value, "label": label, "url": survey_url(request, value)}
            for value, label in sorted(CSAT_LABELS.items(), reverse=True)
        ],
        "survey_url": survey_url(request),
        "max_age_days": settings.FEEDBACK_LINK_MAX_AGE_DAYS,
    }


def send_survey_email(request: SurveyRequest) -> None:
    context = survey_email_context(request)
    ticket = request.ticket
    subject = "How did we do?"
    if ticket is not None:
        subject = f"[{ticket.ref}] How did we do with “{ticket.subject[:120]}”?"
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("feedback/email/csat.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[request.contact.email or ""],
        headers={
            # One survey, one Message-ID: a resend after a crash is recognisably the same.
            "Message-ID": f"<survey-{request.public_id}@heedful>",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(render_to_string("feedback/email/csat.html", context), "text/html")
    message.send()
