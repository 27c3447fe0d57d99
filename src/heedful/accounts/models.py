"""Staff accounts, teams/departments and in-app notifications."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Administrator"
    AGENT = "agent", "Agent"
    # A light agent (Finance, Engineering, ...) can be looped into a ticket: read it and
    # write internal notes, never reply to the customer (R11).
    LIGHT_AGENT = "light_agent", "Light agent"
    # Customers sign in to the portal only; they never see the agent workspace.
    CUSTOMER = "customer", "Customer"


class User(AbstractUser):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.AGENT)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_staff_member(self) -> bool:
        """Anyone who works in the agent workspace (full or light agent, admin)."""
        return self.is_active and self.role in (Role.ADMIN, Role.AGENT, Role.LIGHT_AGENT)

    @property
    def is_full_agent(self) -> bool:
        """May reply to customers and work every ticket."""
        return self.is_active and self.role in (Role.ADMIN, Role.AGENT)


class TeamKind(models.TextChoices):
    SUPPORT = "support", "Support team"
    DEPARTMENT = "department", "Department"


class Team(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=TeamKind.choices, default=TeamKind.SUPPORT)
    lead = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="led_teams"
    )
    members = models.ManyToManyField(User, blank=True, related_name="teams")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class NotificationKind(models.TextChoices):
    MENTION = "mention", "Mentioned"
    ASSIGNED = "assigned", "Assigned"
    LOOPED_IN = "looped_in", "Looped in"


class Notification(models.Model):
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="notifications"
    )
    message = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set by the worker once the email copy is sent, so a retried task never sends twice.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]
        constraints = [
            # A retried notification task must never notify twice for the same message.
            models.UniqueConstraint(
                fields=["recipient", "kind", "message"], name="notification_once_per_message"
            )
        ]

    def __str__(self) -> str:
        return self.text
