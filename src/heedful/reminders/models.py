"""Follow-up reminders set by agents, and the "did this solve it?" check sent after a solve.

Distinct from the feedback app's FollowUpTask (a detractor to call back): a FollowUp here
is an agent's own reminder, "follow up on <date>", on a ticket or a contact (R9).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class FollowUpState(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class FollowUp(models.Model):
    """ "Follow up on <date>": reappears in the agent's Follow-ups view once due_at passes."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Exactly one of ticket and contact (a check constraint holds us to it).
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    contact = models.ForeignKey(
        "customers.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follow_ups"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_at = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True)
    state = models.CharField(
        max_length=10, choices=FollowUpState.choices, default=FollowUpState.PENDING
    )
    # Set by the sweep in the transaction that notifies: a restart never notifies twice.
    notified_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(ticket__isnull=False, contact__isnull=True)
                    | Q(ticket__isnull=True, contact__isnull=False)
                ),
                name="followup_ticket_or_contact",
            )
        ]
        indexes = [
            # The agent's list and the sidebar count: one range scan, oldest due first.
            models.Index(fields=["agent", "state", "due_at", "id"], name="followup_agent_due_idx"),
            models.Index(fields=["ticket", "state"], name="followup_ticket_idx"),
            models.Index(fields=["contact", "state"], name="followup_contact_idx"),
            # The sweep: pending follow-ups not yet announced, by due time.
            models.Index(
                fields=["due_at"],
                condition=Q(state="pending", notified_at__isnull=True),
                name="followup_unnotified_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"follow up {self.ticket_id or self.contact_id} on {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def is_pending(self) -> bool:
        return self.state == FollowUpState.PENDING


class CheckState(models.TextChoices):
    SENT = "sent", "Sent"
    # Decided not to send (no email address, automated mail, checked recently...).
    SKIPPED = "skipped", "Not sent"


class CheckAnswer(models.TextChoices):
    NONE = "", "No answer yet"
    SOLVED = "solved", "Yes, solved"
    NOT_SOLVED = "not_solved", "No, I still need help"


class SolvedCheck(models.Model):
    """One "did this solve it?" decision per solve of a ticket (ticket + solved_at)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey("customers.Contact", on_delete=models.CASCADE, related_name="+")
    # The solve this check is about: one row per solve, whatever the number of sweeps.
    solved_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=CheckState.choices)
    skip_reason = models.CharField(max_length=200, blank=True)
    answer = models.CharField(
        max_length=12, choices=CheckAnswer.choices, default=CheckAnswer.NONE, blank=True
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "solved_at"], name="solvedcheck_once")
        ]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="solvedcheck_ticket_idx"),
        ]

    def __str__(self) -> str:
        return f"check {self.ticket_id} ({self.state}{', ' + self.answer if self.answer else ''})"
