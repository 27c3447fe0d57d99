"""The only writers of contacts and organizations created or changed by people (the
API, the workspace). Mail and the web form find or make contacts through
heedful.mail.contacts, which matches by address while it ingests.

Only full agents (and administrators) manage customers, as in Zendesk; light agents
and customers are refused. Emails are unique whatever their case, and so are
organization mail domains, since a domain decides a new contact's organization.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from heedful.accounts.models import User
from heedful.customers.models import Contact, Organization
from heedful.feedback.rollups import restate_organization
from heedful.lib.errors import ActionError, ActionForbidden

MAX_DOMAINS = 20
_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_CONTACT_FIELDS = ("name", "email", "handle", "phone", "organization")
_ORGANIZATION_FIELDS = ("name", "domains", "segment", "plan", "notes")


def check_manage_customers(actor: User) -> None:
    if not actor.is_authenticated or not actor.is_full_agent:
        raise ActionForbidden("Only agents can create or change contacts and organizations.")


def _name(value: str, field: str = "name") -> str:
    name = " ".join(value.split())
    if not name:
        raise ActionError("Give a name.", field=field)
    return name[:200]


def _email(value: str | None, *, exclude: int | None = None) -> str | None:
    if value is None or not value.strip():
        return None
    email = value.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ActionError(f"{email[:100]} is not a valid email address.", field="email") from None
    taken = Contact.objects.with_email(email).exclude(pk=exclude or 0).exists()
    if taken:
        raise ActionError(f"Another contact has the email {email}.", field="email")
    return email


def check_domains(values: Iterable[str], *, exclude: int | None = None) -> list[str]:
    domains = list(dict.fromkeys(d.strip().lower().rstrip(".") for d in values))
    if len(domains) > MAX_DOMAINS:
        raise ActionError(f"Give at most {MAX_DOMAINS} domains.", field="domains")
    for domain in domains:
        if not _DOMAIN.match(domain):
            raise ActionError(f"{domain[:100]!r} is not a mail domain.", field="domains")
        # domains is a JSON list: a text match narrows it down on both databases.
        for other in Organization.objects.filter(domains__icontains=f'"{domain}"').exclude(
            pk=exclude or 0
        ):
            if domain in {str(d).lower() for d in other.domains or []}:
                raise ActionError(f"{other.name} already has the domain {domain}.", field="domains")
    return domains


def _save_contact(contact: Contact, fields: list[str] | None = None) -> Contact:
    try:
        with transaction.atomic():
            contact.save(update_fields=fields)
    except IntegrityError:
        # Two requests with one address at the same moment: the unique index decides.
        raise ActionError(
            f"Another contact has the email {contact.email}.", field="email"
        ) from None
    return contact


@transaction.atomic
def do_create_contact(
    *,
    actor: User,
    name: str,
    email: str | None = None,
    handle: str = "",
    phone: str = "",
    organization: Organization | None = None,
) -> Contact:
    check_manage_customers(actor)
    contact = Contact(
        name=_name(name),
        email=_email(email),
        handle=handle.strip()[:100],
        phone=phone.strip()[:50],
        organization=organization,
    )
    if contact.email is None and not contact.handle:
        raise ActionError("Give an email address (or a handle).", field="email")
    return _save_contact(contact)


@transaction.atomic
def do_update_contact(contact: Contact, *, actor: User, **changes: Any) -> Contact:
    """Change what is given (``name``, ``email``, ``handle``, ``phone``, ``organization``)."""
    check_manage_customers(actor)
    unknown = set(changes) - set(_CONTACT_FIELDS)
    if unknown:
        raise TypeError(f"unknown contact fields: {sorted(unknown)}")
    if "name" in changes:
        contact.name = _name(changes["name"])
    if "email" in changes:
        contact.email = _email(changes["email"], exclude=contact.pk)
    if "handle" in changes:
        contact.handle = str(changes["handle"]).strip()[:100]
    if "phone" in changes:
        contact.phone = str(changes["phone"]).strip()[:50]
    if "organization" in changes:
        contact.organization = changes["organization"]
    if contact.email is None and not contact.handle:
        raise ActionError("Give an email address (or a handle).", field="email")
    return _save_contact(contact, [*sorted(changes), "updated_at"])


@transaction.atomic
def do_create_organization(
    *,
    actor: User,
    name: str,
    domains: Iterable[str] = (),
    segment: str = "",
    plan: str = "",
    notes: str = "",
) -> Organization:
    check_manage_customers(actor)
    return Organization.objects.create(
        name=_name(name),
        domains=check_domains(domains),
        segment=segment.strip()[:50],
        plan=plan.strip()[:50],
        notes=notes.strip(),
    )


@transaction.atomic
def do_update_organization(
    organization: Organization, *, actor: User, **changes: Any
) -> Organization:
    """Change what is given (``name``, ``domains``, ``segment``, ``plan``, ``notes``).
    Ticket sharing in the portal is heedful.portal.actions.do_set_ticket_sharing."""
    check_manage_customers(actor)
    unknown = set(changes) - set(_ORGANIZATION_FIELDS)
    if unknown:
        raise TypeError(f"unknown organization fields: {sorted(unknown)}")
    if "name" in changes:
        organization.name = _name(changes["name"])
    if "domains" in changes:
        organization.domains = check_domains(changes["domains"], exclude=organization.pk)
    segments_before = (organization.plan, organization.segment)
    for field in ("segment", "plan"):
        if field in changes:
            setattr(organization, field, str(changes[field]).strip()[:50])
    if "notes" in changes:
        organization.notes = str(changes["notes"]).strip()
    with transaction.atomic():
        organization.save(update_fields=[*sorted(changes), "updated_at"])
        if segments_before != (organization.plan, organization.segment):
            # The feedback page counts past answers under the plan and segment.
            restate_organization(organization.pk, *segments_before)
    return organization
