"""Who wrote: find or create the Contact for an email address, and its organization
by the address's domain (Organization.domains).

A message copied to many people (mailing-list threads copy dozens) is looked up in
batches: one indexed query for all its addresses, one bulk insert for the new ones.
During an import (``import_cache``) the staff addresses and the domain -> organization
map are read once, not once per message: neither changes while an import runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from heedful.accounts.models import Role, User
from heedful.customers.models import Contact, Organization
from heedful.mail.parsing import Address

UNKNOWN_HANDLE = "mail:unknown-sender"


@dataclass
class _ImportCache:
    staff: set[str] | None = None
    domains: dict[str, int] | None = None


_cache: ContextVar[_ImportCache | None] = ContextVar("heedful_mail_import_cache", default=None)
_known: ContextVar[dict[str, Contact] | None] = ContextVar("heedful_mail_contacts", default=None)


@contextmanager
def import_cache() -> Iterator[None]:
    """Read staff addresses and organization domains once for a whole import."""
    token = _cache.set(_ImportCache())
    try:
        yield
    finally:
        _cache.reset(token)


@contextmanager
def contacts_read_once(addresses: Iterable[Address]) -> Iterator[None]:
    """The existing contacts of a batch of messages, read with one query up front;
    ``contacts_for`` finds them there and remembers those it creates. A contact changed
    by another process meanwhile is seen from the next batch on."""
    emails = list(dict.fromkeys(a.email.lower() for a in addresses if a.email))
    token = _known.set(_existing(emails) if emails else {})
    try:
        yield
    finally:
        _known.reset(token)


def _staff_emails(candidates: set[str]) -> set[str]:
    cache = _cache.get()
    if cache is None:
        staff = User.objects.filter(email__in=candidates).exclude(role=Role.CUSTOMER)
        return {email.lower() for email in staff.values_list("email", flat=True)}
    if cache.staff is None:
        everyone = User.objects.exclude(role=Role.CUSTOMER).values_list("email", flat=True)
        cache.staff = {email.lower() for email in everyone if email}
    return candidates & cache.staff


def our_addresses(candidates: Iterable[str]) -> set[str]:
    """Those of ``candidates`` that are ours: configured mailboxes and staff members."""
    wanted = {c for c in candidates if c}
    configured = {*settings.MAIL_ADDRESSES, parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower()}
    ours = wanted & configured
    rest = wanted - ours
    if rest:
        ours |= _staff_emails(rest)
    return ours


def organization_for_domain(domain: str) -> Organization | None:
    # domains is a JSON list; a text match narrows it down on both databases,
    # the exact check in Python rules out "acme.test" matching "notacme.test".
    for org in Organization.objects.filter(domains__icontains=f'"{domain}"').order_by("id"):
        if domain in {str(d).lower() for d in org.domains}:
            return org
    return None


def _organization_id(domain: str) -> int | None:
    cache = _cache.get()
    if cache is None:
        organization = organization_for_domain(domain)
        return organization.pk if organization is not None else None
    if cache.domains is None:
        cache.domains = {}
        for pk, domains in Organization.objects.order_by("-id").values_list("id", "domains"):
            for name in domains if isinstance(domains, list) else []:
                cache.domains[str(name).lower()] = pk  # the oldest organization wins
    return cache.domains.get(domain)


def unknown_sender() -> Contact:
    contact, _ = Contact.objects.get_or_create(
        handle=UNKNOWN_HANDLE, email=None, defaults={"name": "Unknown sender"}
    )
    return contact


def _existing(emails: Sequence[str]) -> dict[str, Contact]:
    """Contacts by lower-cased address; the exact (indexed) match first, then a
    case-insensitive one for the rest (contacts entered by hand may be mixed-case)."""
    found: dict[str, Contact] = {}
    for contact in Contact.objects.filter(email__in=emails).order_by("id"):
        found.setdefault((contact.email or "").lower(), contact)
    missing = [e for e in emails if e not in found]
    if missing:
        rest = Contact.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=missing)
        for contact in rest.order_by("id"):
            found.setdefault((contact.email or "").lower(), contact)
    return found


def contacts_for(addresses: Iterable[Address]) -> dict[str, Contact]:
    """The Contact of every address (by lower-cased email), creating the missing ones.
    Addresses without an email are left out."""
    wanted: dict[str, Address] = {}
    for address in addresses:
        if address.email:
            wanted.setdefault(address.email.lower(), address)
    if not wanted:
        return {}
    known = _known.get()
    found = {email: known[email] for email in wanted if email in known} if known else {}
    rest = [email for email in wanted if email not in found]
    if rest:
        found.update(_existing(rest))
    new = [
        Contact(
            name=(address.name or email.split("@", 1)[0])[:200],
            email=email,
            organization_id=_organization_id(email.rsplit("@", 1)[-1]),
        )
        for email, address in wanted.items()
        if email not in found
    ]
    if new:
        # A concurrent delivery may create the same contact a moment earlier: ignored
        # here, and found by the select below either way. In address order, so two
        # deliveries inserting the same addresses wait for each other in the same order
        # (PostgreSQL), never in a cycle.
        new.sort(key=lambda contact: contact.email or "")
        Contact.objects.bulk_create(new, ignore_conflicts=True)
        found.update(_existing([c.email for c in new if c.email]))
    if known is not None:
        known.update(found)
    return found


def contact_for(address: Address) -> Contact:
    if not address.email:
        return unknown_sender()
    found = _existing([address.email.lower()]).get(address.email.lower())
    if found is not None:
        return found
    name = address.name or address.email.split("@", 1)[0]
    organization_id = _organization_id(address.email.rsplit("@", 1)[-1].lower())
    try:
        with transaction.atomic():
            return Contact.objects.create(
                name=name[:200], email=address.email, organization_id=organization_id
            )
    except IntegrityError:  # created by a concurrent delivery a moment ago
        return Contact.objects.with_email(address.email).get()
