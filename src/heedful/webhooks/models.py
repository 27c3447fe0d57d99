"""Outgoing webhooks: who wants which events where, and what happened to each delivery.

A ``Delivery`` is one event for one subscription (unique together: an event is
delivered at most once to a subscription, however often a job runs); each try to
POST it is logged as a ``DeliveryAttempt``. Deliveries are written in the same
transaction as the ticket change (a transactional outbox), with an empty body that is
rendered once the change has committed.
"""

from __future__ import annotations

import uuid

from django.db import models

from heedful.accounts.models import User


class WebhookEventKind(models.TextChoices):
    TICKET_CREATED = "ticket.created", "Ticket created"
    TICKET_UPDATED = "ticket.updated", "Ticket updated"
    MESSAGE_ADDED = "message.added", "Message added"
    TICKET_SOLVED = "ticket.solved", "Ticket solved"


class Subscription(models.Model):
    """An HTTP(S) endpoint that receives the chosen event kinds, signed with ``secret``."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="webhook_subscriptions")
    url = models.CharField(max_length=2000)
    description = models.CharField(max_length=100, blank=True)
    # A list of WebhookEventKind values; few rows, so matching is done in Python on both databases.
    events = models.JSONField(default=list)
    # Kept in clear: every delivery is signed with it. Shown to the owner once, at creation.
    secret = models.CharField(max_length=100, editable=False)
    is_active = models.BooleanField(default=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "created_at"], name="webhook_sub_owner_idx"),
            models.Index(fields=["is_active"], name="webhook_sub_active_idx"),
        ]

    def __str__(self) -> str:
        return self.url

    def wants(self, kind: str) -> bool:
        return self.is_active and kind in (self.events or [])


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Delivered"
    # Every attempt of the retry schedule failed, or the subscription was disabled by it.
    FAILED = "failed", "Failed"
    # The subscription was disabled or switched off before this delivery's turn came.
    CANCELLED = "cancelled", "Cancelled"


class Delivery(models.Model):
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.UUIDField()
    kind = models.CharField(max_length=30, choices=WebhookEventKind.choices)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The message of a message.added event, to render the body from.
    message = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    occurred_at = models.DateTimeField(null=True, blank=True)
    # The exact JSON sent on every attempt (text, so a retry sends the same bytes). Empty
    # until rendered: after the commit, or by the first attempt when that was lost.
    body = models.TextField(blank=True)
    state = models.CharField(
        max_length=20, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event_id"], name="webhook_delivery_once"
            )
        ]
        indexes = [
            models.Index(fields=["subscription", "created_at"], name="webhook_delivery_sub_idx"),
            models.Index(fields=["state", "next_attempt_at"], name="webhook_delivery_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.event_id} → {self.subscription_id}"


class DeliveryAttempt(models.Model):
    """One POST of a delivery: what the receiver answered, or why it could not."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    attempted_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField()
    # At most 1 KB of the response body, decoded leniently.
    response_excerpt = models.TextField(blank=True)
    error = models.CharField(max_length=300, blank=True)
    succeeded = models.BooleanField(default=False)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_once")
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}"
