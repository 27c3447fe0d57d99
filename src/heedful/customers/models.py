"""Organizations and their contacts: the people we serve."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Value
from django.db.models.functions import Lower


class Organization(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    # Mail domains that identify the organization's people, e.g. ["acme.com"].
    domains = models.JSONField(default=list, blank=True)
    segment = models.CharField(max_length=50, blank=True)
    plan = models.CharField(max_length=50, blank=True)
    annual_revenue = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_organizations",
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["name"], name="organization_name_idx")]

    def __str__(self) -> str:
        return self.name


class ContactQuerySet(models.QuerySet["Contact"]):
    def with_email(self, address: str) -> ContactQuerySet:
        """Contacts with this address in any case. ``email__iexact`` compiles to LIKE
        (SQLite) or UPPER(email::text) (PostgreSQL), which no index serves, so every
        lookup of a new address read the whole table; ``LOWER(email) = LOWER(%s)`` is
        served by ``contact_email_lower_idx``. Both sides are lowered by the database so
        the folding is the same on each side (SQLite's lower() only folds ASCII)."""
        return self.alias(email_lower=Lower("email")).filter(email_lower=Lower(Value(address)))


class Contact(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    email = models.EmailField(null=True, blank=True, unique=True)
    # A handle on another channel (e.g. a Twitter account id) for contacts without email.
    handle = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=50, blank=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    # Set when the contact may sign in to the customer portal.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact",
    )
    last_contact_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[ContactQuerySet] = ContactQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["name"], name="contact_name_idx"),
            models.Index(fields=["handle"], name="contact_handle_idx"),
            models.Index(Lower("email"), name="contact_email_lower_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return f"{self.name} <{self.email}>" if self.email else self.name
