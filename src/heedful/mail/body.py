"""What an agent reads: the new text of an email, its HTML (sanitized later by the
ticket actions), the folded-away history, and its files ready to store."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.urls import reverse

from heedful.mail.parsing import ParsedEmail, html_to_text
from heedful.mail.prepare import body_text, clean
from heedful.mail.quoting import Folded, fold_html, fold_text
from heedful.tickets.actions import MAX_ATTACHMENT_BYTES


@dataclass(frozen=True)
class StoredFile:
    public_id: uuid.UUID
    upload: ContentFile[bytes]
    content_type: str


@dataclass
class Body:
    text: str
    html: str | None
    folded: str
    files: list[StoredFile] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def build_body(parsed: ParsedEmail, folded: Folded | None = None) -> Body:
    """``folded``: ``fold_text(body_text(parsed))`` when it was computed already
    (by a batch import's second process)."""
    html = clean(parsed.html)
    folded_text = folded if folded is not None else fold_text(body_text(parsed))
    body = Body(text=folded_text.visible, html=None, folded=folded_text.folded)
    files, cids = _files(parsed, body)
    body.files = files
    if html:
        folded_html = fold_html(html)
        shown = folded_html.visible
        for cid, public_id in cids.items():
            url = reverse("web:attachment", args=[public_id])
            shown = shown.replace(f"cid:{cid}", url)
        body.html = shown.strip()
        if not body.folded and folded_html.folded:
            body.folded = html_to_text(folded_html.folded)
    if not body.text.strip():
        names = ", ".join(f.upload.name or "" for f in files)
        body.text = f"(no text; attachments: {names})" if names else "(empty message)"
    return body


def _files(parsed: ParsedEmail, body: Body) -> tuple[list[StoredFile], dict[str, uuid.UUID]]:
    files: list[StoredFile] = []
    cids: dict[str, uuid.UUID] = {}
    for attachment in parsed.attachments:
        if len(attachment.payload) > MAX_ATTACHMENT_BYTES:
            body.warnings.append(
                f"{attachment.filename} ({len(attachment.payload):,} bytes) is larger than "
                "the attachment limit; it is kept in the raw source"
            )
            continue
        public_id = uuid.uuid4()
        if attachment.content_id:
            cids[attachment.content_id] = public_id
        upload = ContentFile(attachment.payload, name=attachment.filename or "attachment")
        files.append(StoredFile(public_id, upload, attachment.content_type[:100]))
    return files, cids
