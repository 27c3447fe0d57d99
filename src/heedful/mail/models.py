"""Every email we received or sent, stored raw (compressed) before anything else happens,
and what threading needs to find a conversation again."""

from __future__ import annotations

import uuid
import zlib

from django.db import models
from django.utils import timezone


class Direction(models.TextChoices):
    INBOUND = "inbound", "Received"
    OUTBOUND = "outbound", "Sent by us"


class Source(models.TextChoices):
    IMPORT = "import", "File import"
    SMTP = "smtp", "SMTP/LMTP listener"
    IMAP = "imap", "IMAP polling"
    API = "api", "API upload"
    OUTBOUND = "outbound", "Sent by Heedful"


class State(models.TextChoices):
    # Stored raw, not yet processed: a crash here is finished by the next delivery.
    RECEIVED = "received", "Received"
    PROCESSED = "processed", "Processed"
    # Could not be processed: kept as a ticket with the raw source attached.
    FAILED = "failed", "Failed"


class DeliveryStatus(models.TextChoices):
    NONE = "", "Not applicable"
    SENT = "sent", "Sent"
    FAILED = "failed", "Bounced"


class MailMessage(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # sha256 of the Message-ID (or of the raw bytes when there is none): one row per
    # message however often, or to however many of our mailboxes, it is delivered.
    key = models.CharField(max_length=64)
    message_id = models.TextField(blank=True)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    source = models.CharField(max_length=10, choices=Source.choices)
    mailbox = models.CharField(max_length=200, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RECEIVED)
    raw = models.BinaryField(help_text="The message as received, zlib-compressed.")
    raw_size = models.PositiveIntegerField()
    subject = models.CharField(max_length=300, blank=True)
    from_address = models.CharField(max_length=254, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="The Date header.")
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ticket_message = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Why no auto-reply may ever answer this message ("" for mail from a person).
    automated = models.CharField(max_length=80, blank=True)
    is_bounce = models.BooleanField(default=False)
    delivery_status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.NONE, blank=True
    )
    delivery_error = models.TextField(blank=True)
    # Quoted history and signature folded away from the display, kept here.
    folded_text = models.TextField(blank=True)
    warnings = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["key"], name="mailmessage_key_unique")]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="mailmessage_ticket_idx"),
            models.Index(fields=["state", "created_at"], name="mailmessage_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.message_id or self.key[:12]}"

    @staticmethod
    def compress(raw: bytes) -> bytes:
        return zlib.compress(raw, 6)

    @property
    def raw_bytes(self) -> bytes:
        return zlib.decompress(bytes(self.raw))


class MailReference(models.Model):
    """A Message-ID (or Outlook conversation) that belongs to a ticket: its own messages'
    ids and every id they referenced, so a reply to any of them, or to a message we never
    saw (a "ghost" parent), finds the same ticket."""

    key = models.CharField(max_length=64)
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key"], name="mailreference_key_unique")]
        indexes = [models.Index(fields=["ticket"], name="mailreference_ticket_idx")]

    def __str__(self) -> str:
        return f"{self.key[:12]} -> {self.ticket_id}"


class FollowerSource(models.TextChoices):
    CC = "cc", "Copied on an email"
    REPLIED = "replied", "Replied to the conversation"


class MailFollower(models.Model):
    """A customer-side person copied on a ticket's mail (ticket collaborators are staff)."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey("customers.Contact", on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=10, choices=FollowerSource.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "contact"], name="mailfollower_unique")
        ]
        indexes = [models.Index(fields=["contact"], name="mailfollower_contact_idx")]

    def __str__(self) -> str:
        return f"{self.contact_id} follows {self.ticket_id}"


class FollowUp(models.Model):
    """A ticket opened by a reply to a closed ticket (HEEDFUL_MAIL_REPLY_TO_CLOSED)."""

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="mail_follow_up_of"
    )
    previous = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["previous", "created_at"], name="followup_previous_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id} follows up {self.previous_id}"


# --- Outbound: mailboxes, auto-acknowledgement templates and the outbox --------------------


class Mailbox(models.Model):
    """One of our addresses: the From, signature and Reply-To base of the mail we send.

    A reply goes out from the mailbox the customer wrote to, else the mailbox of the
    ticket's team, else the default mailbox, else DEFAULT_FROM_EMAIL without signature.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    address = models.EmailField(unique=True, help_text="e.g. support@acme.com")
    name = models.CharField(max_length=100, blank=True, help_text="Shown as the sender's name.")
    signature = models.TextField(blank=True, help_text="Plain text, added below every email.")
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["address"]
        indexes = [models.Index(fields=["team"], name="mailbox_team_idx")]

    def __str__(self) -> str:
        return self.address


class AutoAckTemplate(models.Model):
    """The auto-acknowledgement of new email tickets, per team; the one without a team
    is the help desk's default (and without any row, the built-in text is used).

    Django template syntax; variables: ``ref``, ``name``, ``first_name``, ``subject``,
    ``expected_response`` (a sentence: "We'll reply by 10:00 Monday, Berlin time.")."""

    team = models.OneToOneField(
        "accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    subject = models.CharField(max_length=300, default="We received your request [{{ ref }}]")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # Several team-less rows: the oldest is the default.
        ordering = ["id"]

    def __str__(self) -> str:
        return f"auto-ack for {self.team_id or 'everyone'}"


class OutboundKind(models.TextChoices):
    REPLY = "reply", "Agent reply"
    AUTO_ACK = "auto_ack", "Auto-acknowledgement"


class OutboundState(models.TextChoices):
    QUEUED = "queued", "Queued"
    # Handed to the mail server right now; committed *before* the SMTP conversation.
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Not delivered"
    # The sender stopped between "sending" and "sent": it may or may not have gone out.
    # Never resent automatically (a customer never gets the same email twice).
    UNCONFIRMED = "unconfirmed", "Not confirmed"


class OutboundEmail(models.Model):
    """The outbox: one row per email we send, written in the transaction that decided
    to send it. ``idempotency_key`` makes a second decision a no-op; ``message_id`` is
    fixed here, so every attempt (and any duplicate) carries the same Message-ID."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    idempotency_key = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=OutboundKind.choices)
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    ticket_message = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    mailbox = models.ForeignKey(
        Mailbox, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message_id = models.CharField(max_length=250)
    from_address = models.CharField(max_length=300)
    reply_to = models.CharField(max_length=300, blank=True)
    # The main recipient, lower-cased (per-sender rate limit of auto-acknowledgements).
    recipient = models.CharField(max_length=254)
    to = models.JSONField(default=list)
    cc = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=400)
    # Set for auto-acknowledgements (rendered once, when decided); replies use the message.
    body_text = models.TextField(blank=True)
    signature = models.TextField(blank=True)
    in_reply_to = models.CharField(max_length=250, blank=True)
    references = models.TextField(blank=True)
    state = models.CharField(
        max_length=12, choices=OutboundState.choices, default=OutboundState.QUEUED
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sending_started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # The stored copy of what went out (raw source, bounces find it by Message-ID).
    mail = models.ForeignKey(
        MailMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"], name="outboundemail_idempotency_unique"
            )
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="outboundemail_due_idx"),
            models.Index(fields=["ticket", "created_at"], name="outboundemail_ticket_idx"),
            models.Index(
                fields=["kind", "recipient", "created_at"], name="outboundemail_recipient_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.message_id} ({self.state})"
