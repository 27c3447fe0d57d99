"""Who wrote: find or create the Contact for an email address, and its organization
by the address's domain (Organization.domains)."""

from __future__ import annotations

from collections.abc import Iterable
from email.utils import parseaddr

from django.conf import settings
from django.db import IntegrityError, transaction

from heedful.accounts.models import Role, User
from heedful.customers.models import Contact, Organization
from heedful.mail.parsing import Address

UNKNOWN_HANDLE = "mail:unknown-sender"


def our_addresses(candidates: Iterable[str]) -> set[str]:
    """Those of ``candidates`` that are ours: configured mailboxes and staff members."""
    wanted = {c for c in candidates if c}
    configured = {*settings.MAIL_ADDRESSES, parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower()}
    ours = wanted & configured
    rest = wanted - ours
    if rest:
        staff = User.objects.filter(email__in=rest).exclude(role=Role.CUSTOMER)
        ours |= {email.lower() for email in staff.values_list("email", flat=True)}
    return ours


def organization_for_domain(domain: str) -> Organization | None:
    # domains is a JSON list; a text match narrows it down on both databases,
    # the exact check in Python rules out "acme.test" matching "notacme.test".
    for org in Organization.objects.filter(domains__icontains=f'"{domain}"').order_by("id"):
        if domain in {str(d).lower() for d in org.domains}:
            return org
    return None


def unknown_sender() -> Contact:
    contact, _ = Contact.objects.get_or_create(
        handle=UNKNOWN_HANDLE, email=None, defaults={"name": "Unknown sender"}
    )
    return contact


def contact_for(address: Address) -> Contact:
    if not address.email:
        return unknown_sender()
    found = Contact.objects.filter(email__iexact=address.email).order_by("id").first()
    if found is not None:
        return found
    name = address.name or address.email.split("@", 1)[0]
    organization = organization_for_domain(address.email.rsplit("@", 1)[-1])
    try:
        with transaction.atomic():
            return Contact.objects.create(
                name=name[:200], email=address.email, organization=organization
            )
    except IntegrityError:  # created by a concurrent delivery a moment ago
        return Contact.objects.get(email__iexact=address.email)
