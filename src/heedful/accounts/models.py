"""Staff accounts, teams/departments, in-app notifications and API tokens."""

from __future__ import annotations

import hashlib
import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.urls import reverse


class Role(models.TextChoices):
    ADMIN = "admin", "Administrator"
    AGENT = "agent", "Agent"
    # A light agent (Finance, Engineering, ...) can be looped into a ticket: read it and
    # write internal notes, never reply to the customer (R11).
    LIGHT_AGENT = "light_agent", "Light agent"
    # Customers sign in to the portal only; they never see the agent workspace.
    CUSTOMER = "customer", "Customer"


def display_name_of(first_name: str, last_name: str, username: str) -> str:
    """A user's name as the product shows it, from its three columns (for rows read as
    values); ``User.display_name`` for an instance."""
    return f"{first_name} {last_name}".strip() or username


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
        return display_name_of(self.first_name, self.last_name, self.username)

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
    # A "follow up on…" reminder fell due (heedful.reminders).
    FOLLOW_UP = "follow_up", "Follow-up due"


class Notification(models.Model):
    """About a ticket, or (a follow-up on a customer) about a contact: one of the two."""

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    contact = models.ForeignKey(
        "customers.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
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
            ),
            models.CheckConstraint(
                condition=Q(ticket__isnull=False) | Q(contact__isnull=False),
                name="notification_ticket_or_contact",
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def target_label(self) -> str:
        """What it is about, in a line: "HD-1042" or the contact's name."""
        if self.ticket is not None:
            return self.ticket.ref
        return self.contact.name if self.contact is not None else ""

    def target_path(self) -> str:
        """The ticket's page, or the contact's (customer 360)."""
        if self.ticket is not None:
            return reverse("web:ticket", args=[self.ticket.ref])
        if self.contact is not None:
            return reverse("web:contact", args=[self.contact.public_id])
        return reverse("web:notifications")


class TokenScope(models.TextChoices):
    READ = "read", "Read only"
    # Write includes read.
    WRITE = "write", "Read and write"


API_TOKEN_PREFIX = "hf_"
# How many characters of the secret are kept in clear to tell tokens apart ("hf_Ab3dE9xY").
API_TOKEN_SHOWN_CHARS = len(API_TOKEN_PREFIX) + 8


class ApiToken(models.Model):
    """A personal token for the REST API. Only the SHA-256 of the secret is stored: the
    secret is shown once, when it is created, and cannot be read back."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    scope = models.CharField(max_length=10, choices=TokenScope.choices, default=TokenScope.READ)
    prefix = models.CharField(max_length=API_TOKEN_SHOWN_CHARS)
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "revoked_at"], name="apitoken_user_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.user.is_active

    @property
    def can_write(self) -> bool:
        return self.scope == TokenScope.WRITE

    @classmethod
    def find_active(cls, secret: str) -> ApiToken | None:
        """The live token whose secret this is, or None (unknown, revoked, inactive user)."""
        if not secret.startswith(API_TOKEN_PREFIX) or len(secret) > 200:
            return None
        token = (
            cls.objects.select_related("user")
            .filter(secret_hash=hash_token_secret(secret), revoked_at__isnull=True)
            .first()
        )
        return token if token is not None and token.user.is_active else None


def hash_token_secret(secret: str) -> str:
    # A plain SHA-256 is enough: the secret has 256 bits of entropy, so unlike a
    # password it cannot be guessed, and a fast hash keeps every API request cheap.
    return hashlib.sha256(secret.encode()).hexdigest()
