"""/attachments: upload, attach to a ticket or message by id, download; limits and access."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from heedful.accounts.models import User
from heedful.api.models import Upload
from heedful.customers.models import Contact
from heedful.tickets.models import Attachment, Ticket
from tests.api.conftest import ApiClient, error_of

PDF = b"%PDF-1.4 fake invoice " * 10


def upload(client: ApiClient, name: str, content: bytes, content_type: str) -> Any:
    file = SimpleUploadedFile(name, content, content_type=content_type)
    return client.client.post("/api/v1/attachments", {"file": file}, headers=client.headers)


def download(client: ApiClient, attachment_id: str) -> Any:
    return client.client.get(f"/api/v1/attachments/{attachment_id}", headers=client.headers)


def test_it_attaches_an_upload_to_a_new_ticket_and_serves_it(
    alice: User, dave: Contact, api: Callable[..., ApiClient]
) -> None:
    client = api(alice)
    sent = upload(client, "Rechnung März.pdf", PDF, "application/pdf")
    assert sent.status_code == 201
    uploaded = sent.json()
    assert (uploaded["filename"], uploaded["content_type"], uploaded["size"]) == (
        "Rechnung März.pdf", "application/pdf", len(PDF),
    )  # fmt: skip

    created = client.post(
        "/tickets",
        {"subject": "Invoice", "body": "See the file.", "requester_email": "dave@acme.test",
         "attachments": [uploaded["id"]]},
    )  # fmt: skip
    assert created.status_code == 201
    [message] = client.get(f"/tickets/{created.json()['ref']}/messages").json()["items"]
    [listed] = message["attachments"]
    attachment = Attachment.objects.get()
    assert listed == {
        "id": str(attachment.public_id),
        "filename": "Rechnung März.pdf",
        "content_type": "application/pdf",
        "size": len(PDF),
        "download_url": f"http://127.0.0.1:8000/api/v1/attachments/{attachment.public_id}",
    }
    assert Upload.objects.count() == 0  # used once: the attachment holds the file

    got = download(client, listed["id"])
    assert got.status_code == 200
    assert b"".join(got.streaming_content) == PDF
    assert got["Content-Type"] == "application/pdf"
    assert got["X-Content-Type-Options"] == "nosniff"
    assert got["Content-Disposition"] == ("attachment; filename*=utf-8''Rechnung%20M%C3%A4rz.pdf")

    # An upload is used once.
    again = client.post(
        "/tickets",
        {"subject": "Again", "body": "x", "requester_email": "dave@acme.test",
         "attachments": [uploaded["id"]]},
    )  # fmt: skip
    assert again.status_code == 422
    assert list(error_of(again)["fields"]) == ["attachments.0"]
    assert Ticket.objects.count() == 1


def test_it_shows_customers_the_files_of_public_replies_only(
    alice: User, dave: Contact, acme_ticket: Ticket, api: Callable[..., ApiClient]
) -> None:
    agent = api(alice)
    reply_file = upload(agent, "steps.txt", b"1. restart", "text/plain").json()["id"]
    note_file = upload(agent, "internal.txt", b"refund approved", "text/plain").json()["id"]
    path = f"/tickets/{acme_ticket.ref}/messages"
    reply = agent.post(path, {"body": "Try these steps.", "attachments": [reply_file]})
    note = agent.post(path, {"body": "Finance", "public": False, "attachments": [note_file]})
    assert (reply.status_code, note.status_code) == (201, 201)
    reply_attachment = reply.json()["attachments"][0]["id"]
    note_attachment = note.json()["attachments"][0]["id"]

    customer = api(dave)
    items = customer.get(path).json()["items"]
    assert [[a["filename"] for a in m["attachments"]] for m in items] == [[], ["steps.txt"]]
    assert download(customer, reply_attachment).status_code == 200
    hidden = download(customer, note_attachment)
    assert hidden.status_code == 404
    assert error_of(hidden)["code"] == "not_found"
    assert download(agent, note_attachment).status_code == 200


def test_it_hides_acmes_files_and_uploads_from_erin(
    alice: User, carol: User, erin: Contact, acme_ticket: Ticket, api: Callable[..., ApiClient]
) -> None:
    agent = api(alice)
    upload_id = upload(agent, "acme.txt", b"secret", "text/plain").json()["id"]
    reply = agent.post(
        f"/tickets/{acme_ticket.ref}/messages", {"body": "Here", "attachments": [upload_id]}
    )
    attachment_id = reply.json()["attachments"][0]["id"]
    # A light agent who may not see the ticket may not see its files either.
    assert download(api(carol), attachment_id).status_code == 404
    outsider = api(erin)
    for missing in (attachment_id, "00000000-0000-0000-0000-000000000000", "not-a-uuid"):
        answer = download(outsider, missing)
        assert answer.status_code == 404
        assert error_of(answer) == {"code": "not_found", "message": "Not found.", "fields": {}}

    # Someone else's upload id is unknown to erin too.
    agent_upload = upload(agent, "acme2.txt", b"secret", "text/plain").json()["id"]
    own = outsider.post(
        "/tickets", {"subject": "Hi", "body": "Hello", "attachments": [agent_upload]}
    )
    assert own.status_code == 422
    assert list(error_of(own)["fields"]) == ["attachments.0"]
    assert Upload.objects.filter(public_id=agent_upload).exists()


def test_it_refuses_files_over_the_limits_with_413(
    alice: User, dave: Contact, api: Callable[..., ApiClient], settings: Any
) -> None:
    settings.API_MAX_ATTACHMENT_BYTES = 1500
    settings.API_MAX_ATTACHMENTS_TOTAL_BYTES = 2500
    client = api(alice)
    too_big = upload(client, "big.bin", b"x" * 1501, "application/octet-stream")
    assert too_big.status_code == 413
    assert error_of(too_big) == {
        "code": "body_too_large",
        "message": "big.bin is 1501 bytes; the limit is 1500 bytes a file.",
        "fields": {},
    }
    assert Upload.objects.count() == 0

    ids = [upload(client, f"{n}.bin", b"x" * 1500, "application/octet-stream").json()["id"]
           for n in (1, 2)]  # fmt: skip
    refused = client.post(
        "/tickets",
        {"subject": "Two", "body": "x", "requester_email": "dave@acme.test", "attachments": ids},
    )
    assert refused.status_code == 413
    assert error_of(refused)["message"] == (
        "The files are 3000 bytes together; the limit is 2500 bytes."
    )
    assert (Ticket.objects.count(), Upload.objects.count()) == (0, 2)


def test_it_refuses_uploads_with_a_read_only_token(
    alice: User, api: Callable[..., ApiClient]
) -> None:
    answer = upload(api(alice, scope="read"), "a.txt", b"a", "text/plain")
    assert answer.status_code == 403
    assert Upload.objects.count() == 0
