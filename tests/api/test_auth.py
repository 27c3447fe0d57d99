"""Authentication and scopes: bearer tokens, revoked tokens, read-only tokens, the session."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from heedful.accounts.actions import do_create_api_token, do_revoke_api_token
from heedful.accounts.models import ApiToken, User
from heedful.tickets.models import Ticket
from tests.api.conftest import ApiClient, error_of
from tests.web.conftest import ticket_state

MakeApi = Callable[..., ApiClient]


def test_it_answers_401_without_a_token(api: MakeApi, acme_ticket: Ticket) -> None:
    response = api(None).get("/tickets")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="heedful"'
    assert error_of(response)["code"] == "unauthorized"


def test_it_answers_401_for_an_unknown_or_malformed_token(alice: User) -> None:
    for header in ("Bearer hf_nope", "Bearer ", "Basic YWxpY2U6eA==", "Bearer " + "x" * 5000):
        response = Client().get("/api/v1/tickets", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert error_of(response)["code"] == "unauthorized"


def test_it_answers_401_for_a_revoked_token(alice: User) -> None:
    token, secret = do_create_api_token(alice, name="old", scope="write")
    do_revoke_api_token(token, actor=alice)
    response = ApiClient(secret).get("/tickets")
    assert response.status_code == 401


def test_it_answers_401_when_the_owner_is_deactivated(alice: User) -> None:
    _, secret = do_create_api_token(alice, name="script", scope="write")
    User.objects.filter(pk=alice.pk).update(is_active=False)
    assert ApiClient(secret).get("/tickets").status_code == 401


def test_it_records_when_a_token_was_last_used(alice: User) -> None:
    token, secret = do_create_api_token(alice, name="script", scope="read")
    assert token.last_used_at is None
    before = timezone.now()
    assert ApiClient(secret).get("/tickets").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None and token.last_used_at >= before
    # Within a minute it is not written again (reads stay reads).
    first = token.last_used_at
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(seconds=30))
    ApiClient(secret).get("/tickets")
    token.refresh_from_db()
    assert token.last_used_at == first - timedelta(seconds=30)


def test_it_lets_a_read_token_read_but_not_write(
    api: MakeApi, alice: User, acme_ticket: Ticket
) -> None:
    reader = api(alice, scope="read")
    assert reader.get(f"/tickets/{acme_ticket.ref}").status_code == 200
    before = ticket_state(acme_ticket)
    attempts = [
        reader.patch(f"/tickets/{acme_ticket.ref}", {"status": "solved"}),
        reader.post(f"/tickets/{acme_ticket.ref}/messages", {"body": "Hello"}),
        reader.post("/tickets", {"subject": "x", "body": "y", "requester_email": "dave@acme.test"}),
    ]
    for response in attempts:
        assert response.status_code == 403
        assert error_of(response) == {
            "code": "forbidden",
            "message": "This token is read-only; create a token with the write scope.",
            "fields": {},
        }
    assert ticket_state(acme_ticket) == before
    assert Ticket.objects.count() == 1


def test_it_accepts_the_browser_session_with_csrf_for_writes(
    alice: User, acme_ticket: Ticket
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    url = f"/api/v1/tickets/{acme_ticket.ref}"
    assert client.get(url).status_code == 200
    refused = client.patch(url, '{"priority": "high"}', content_type="application/json")
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "forbidden"
    acme_ticket.refresh_from_db()
    assert acme_ticket.priority == "normal"
    client.get("/api/v1/docs")  # sets the CSRF cookie, as the docs page does
    token = client.cookies["csrftoken"].value
    allowed = client.patch(
        url, '{"priority": "high"}', content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert allowed.status_code == 200
    assert allowed.json()["priority"] == "high"
