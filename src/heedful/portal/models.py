"""What the customer portal keeps of its own: sign-in links, an organization's choice
to share tickets between colleagues, and the web form's confirmation emails."""

from __future__ import annotations

import hashlib

from django.db import models
from django.utils import timezone


class OrganizationPortal(models.Model):
    """Portal options of one organization (a row only once someone changes a default)."""

    organization = models.OneToOneField(
        "customers.Organization", on_delete=models.CASCADE, related_name="portal"
    )
    # When set, every contact of the organization sees and answers all its tickets.
    share_tickets = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.organization_id}: share={self.share_tickets}"


class LinkState(models.TextChoices):
    REQUESTED = "requested", "Requested, not sent yet"
    SENT = "sent", "Sent"
    USED = "used", "Used"
    EXPIRED = "expired", "Expired"


class MagicLink(models.Model):
    """One emailed sign-in link. The secret exists only in the email: the worker makes it
    when it sends the message and keeps its SHA-256 here, so neither the task queue nor
    this table can give anyone a working link."""

    contact = models.ForeignKey(
        "customers.Contact", on_delete=models.CASCADE, related_name="magic_links"
    )
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    requested_ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["contact", "created_at"], name="magiclink_contact_idx")]

    def __str__(self) -> str:
        return f"link {self.pk} for contact {self.contact_id} ({self.state})"

    @property
    def state(self) -> LinkState:
        if self.used_at is not None:
            return LinkState.USED
        if self.expires_at <= timezone.now():
            return LinkState.EXPIRED
        return LinkState.SENT if self.sent_at is not None else LinkState.REQUESTED


def hash_link_token(token: str) -> str:
    # A plain SHA-256 is enough: the token has 256 random bits and lives minutes.
    return hashlib.sha256(token.encode()).hexdigest()


class Confirmation(models.Model):
    """The "we got your request" email of a ticket opened by the web form; sent_at is
    set by the worker in the same transaction as the send, so a retry never sends twice."""

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="portal_confirmation"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"confirmation of ticket {self.ticket_id}"
