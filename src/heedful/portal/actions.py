"""Writers of the customer portal and the web form.

Sign-in links are created here and sent by the worker (tasks.py), which also makes
their secret; tickets are opened and answered through heedful.tickets.actions with the
contact as author, so they reach the agents' inbox like any other customer message.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from heedful.accounts.actions import do_create_user
from heedful.accounts.models import Role, User
from heedful.customers.models import Contact, Organization
from heedful.lib.errors import ActionError
from heedful.mail.contacts import contact_for
from heedful.mail.parsing import Address
from heedful.portal import tasks
from heedful.portal.models import Confirmation, MagicLink, OrganizationPortal, hash_link_token
from heedful.tickets.actions import MAX_ATTACHMENT_BYTES, check_full_agent, do_create_ticket
from heedful.tickets.models import Channel, Ticket

MAX_ATTACHMENTS = 5
MAX_TOKEN_CHARS = 100


class LinkRefused(ActionError):
    """A sign-in link that cannot sign anyone in; ``code`` says why (unknown/used/expired)."""


def _portal_user(contact: Contact) -> User | None:
    """The contact's customer account, created on first use; None when the contact is
    tied to a staff or deactivated account (those never sign in through the portal)."""
    if contact.user_id is not None:
        user = User.objects.get(pk=contact.user_id)
        return user if user.is_active and user.role == Role.CUSTOMER else None
    user = do_create_user(
        f"customer-{contact.public_id.hex}",
        role=Role.CUSTOMER,
        first_name=contact.name[:150],
        email=contact.email or "",
    )
    contact.user = user
    contact.save(update_fields=["user", "updated_at"])
    return user


@transaction.atomic
def do_request_magic_link(email: str, *, ip: str | None) -> MagicLink | None:
    """Start a sign-in for the contact with this address. None when nobody may sign in
    with it; the caller must answer the same either way, so addresses are not revealed."""
    found = Contact.objects.with_email(email.strip()).order_by("id").first()
    if found is None:
        return None
    # Locked so two requests at once cannot both create the contact's account.
    contact = Contact.objects.select_for_update().get(pk=found.pk)
    if _portal_user(contact) is None:
        return None
    now = timezone.now()
    link = MagicLink.objects.create(
        contact=contact,
        requested_ip=ip,
        created_at=now,
        expires_at=now + timedelta(minutes=settings.PORTAL_LINK_MINUTES),
    )
    transaction.on_commit(lambda: tasks.send_magic_link.enqueue(link_id=link.pk))
    return link


def find_magic_link(token: str) -> MagicLink | None:
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    return (
        MagicLink.objects.select_related("contact")
        .filter(token_hash=hash_link_token(token))
        .first()
    )


def check_magic_link(link: MagicLink | None) -> User:
    """The account a link signs in, or LinkRefused saying why it cannot."""
    if link is None:
        raise LinkRefused("This sign-in link is not valid.", code="unknown")
    if link.used_at is not None:
        raise LinkRefused("This sign-in link was already used.", code="used")
    if link.expires_at <= timezone.now():
        raise LinkRefused("This sign-in link has expired.", code="expired")
    user_id = link.contact.user_id
    user = User.objects.filter(pk=user_id).first() if user_id is not None else None
    if user is None or not user.is_active or user.role != Role.CUSTOMER:
        raise LinkRefused("This sign-in link is not valid.", code="unknown")
    return user


@transaction.atomic
def do_use_magic_link(token: str) -> User:
    """Spend a link: it signs in once, and only before it expires."""
    link = find_magic_link(token)
    if link is not None:
        link = MagicLink.objects.select_for_update().select_related("contact").get(pk=link.pk)
    user = check_magic_link(link)
    assert link is not None
    # Only an unused row is updated: of two clicks at the same moment, one wins.
    now = timezone.now()
    if not MagicLink.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=now):
        raise LinkRefused("This sign-in link was already used.", code="used")
    return user


def check_attachments(files: Sequence[UploadedFile]) -> None:
    if len(files) > MAX_ATTACHMENTS:
        raise ActionError(f"Attach at most {MAX_ATTACHMENTS} files.", field="attachments")
    for upload in files:
        if (upload.size or 0) > MAX_ATTACHMENT_BYTES:
            raise ActionError(f"{upload.name} is larger than 20 MB.", field="attachments")


def _open_ticket(
    contact: Contact, *, subject: str, body: str, files: Sequence[UploadedFile], channel: str
) -> Ticket:
    check_attachments(files)
    if not body.strip():
        raise ActionError("Tell us what happened.", field="body")
    return do_create_ticket(
        actor=contact,
        requester=contact,
        subject=subject,
        body_text=body,
        channel=channel,
        attachments=files,
    )


@transaction.atomic
def do_open_portal_ticket(
    contact: Contact, *, subject: str, body: str, files: Sequence[UploadedFile] = ()
) -> Ticket:
    return _open_ticket(contact, subject=subject, body=body, files=files, channel=Channel.PORTAL)


@transaction.atomic
def do_submit_web_form(
    *, name: str, email: str, subject: str, body: str, files: Sequence[UploadedFile] = ()
) -> Ticket:
    """A ticket from the anonymous web form: the contact is found by address (or made,
    with its organization from the mail domain) and receives a confirmation email."""
    email = email.strip().lower()
    if not email or "@" not in email:
        raise ActionError("Give an email address so we can answer you.", field="email")
    contact = contact_for(Address(name=" ".join(name.split())[:200], email=email))
    ticket = _open_ticket(contact, subject=subject, body=body, files=files, channel=Channel.WEB)
    confirmation = Confirmation.objects.create(ticket=ticket)
    transaction.on_commit(lambda: tasks.send_confirmation.enqueue(confirmation_id=confirmation.pk))
    return ticket


@transaction.atomic
def do_set_ticket_sharing(organization: Organization, share: bool, *, actor: User) -> bool:
    """Let (or stop) every contact of the organization see all its tickets in the portal;
    returns whether anything changed."""
    check_full_agent(actor, "change portal settings")
    options, _ = OrganizationPortal.objects.select_for_update().get_or_create(
        organization=organization
    )
    if options.share_tickets == share:
        return False
    options.share_tickets = share
    options.save(update_fields=["share_tickets", "updated_at"])
    return True
