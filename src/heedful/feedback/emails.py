"""The survey emails (one-click rating links: CSAT 1-5, NPS 0-10, in plain text and
HTML), the "closing the loop" note to a customer and the follow-up owner's email."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from heedful.feedback.links import survey_url
from heedful.feedback.models import FollowUpTask, SurveyKind, SurveyRequest
from heedful.feedback.surveys import rating_labels


def survey_email_context(request: SurveyRequest) -> dict[str, object]:
    ticket = request.ticket
    return {
        "contact": request.contact,
        "ticket": ticket,
        "ratings": [
            {"value": value, "label": label, "url": survey_url(request, value)}
            for value, label in sorted(rating_labels(request.survey).items(), reverse=True)
        ],
        "survey_url": survey_url(request),
        "max_age_days": settings.FEEDBACK_LINK_MAX_AGE_DAYS,
    }


def send_survey_email(request: SurveyRequest) -> None:
    context = survey_email_context(request)
    ticket = request.ticket
    template = "feedback/email/csat"
    subject = "How did we do?"
    if request.survey.kind == SurveyKind.NPS:
        template, subject = "feedback/email/nps", "How likely are you to recommend us?"
    elif ticket is not None:
        subject = f"[{ticket.ref}] How did we do with “{ticket.subject[:120]}”?"
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[request.contact.email or ""],
        headers={
            # One survey, one Message-ID: a resend after a crash is recognisably the same.
            "Message-ID": f"<survey-{request.public_id}@heedful>",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    message.send()


def send_closing_the_loop_email(task: FollowUpTask) -> None:
    """What we did about the customer's feedback, in the agent's words."""
    ticket = task.ticket
    context = {"task": task, "contact": task.contact, "ticket": ticket, "agent": task.closed_by}
    subject = "What we did about your feedback"
    if ticket is not None:
        subject = f"[{ticket.ref}] {subject}"
    EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("feedback/email/closing_the_loop.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[task.contact.email or ""],
        headers={
            "Message-ID": f"<follow-up-{task.public_id}@heedful>",
            "Auto-Submitted": "auto-generated",
        },
    ).send()


def send_follow_up_owner_email(task: FollowUpTask) -> None:
    """The owner of a follow-up without a ticket: a link to the follow-up, where the
    in-app notification (heedful.feedback.followups) links to the contact."""
    assert task.owner is not None and task.owner.email
    url = f"{settings.BASE_URL}{reverse('feedback:follow_up', args=[task.public_id])}"
    label = "NPS" if task.metric == "nps" else "CSAT"
    body = (
        f"{task.contact.label} answered {label} {task.rating}.\n"
        f"Please follow up by {timezone.localtime(task.due_at):%Y-%m-%d %H:%M}.\n\n"
        f"Open the follow-up: {url}\n"
    )
    EmailMultiAlternatives(
        subject=f"Follow up: {task.contact.name} rated {label} {task.rating}",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[task.owner.email],
        headers={"Message-ID": f"<follow-up-owner-{task.public_id}@heedful>"},
    ).send()
