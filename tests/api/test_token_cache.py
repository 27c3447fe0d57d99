"""The live API tokens each process keeps (heedful.api.auth): a change to a token or its
user on any connection is seen by the very next request."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from heedful.accounts.actions import do_create_api_token, do_revoke_api_token
from heedful.accounts.models import ApiToken, Role, User
from heedful.api.auth import TokenAuth
from heedful.customers.models import Contact
from heedful.tickets.models import Ticket
from tests.api.conftest import ApiClient, error_of, on_another_connection

PAYLOAD = {"subject": "Export fails", "body": "Since Monday.", "requester_email": "dave@acme.test"}


@pytest.mark.django_db(transaction=True)
def test_it_refuses_a_token_revoked_on_another_connection(alice: User, dave: Contact) -> None:
    token, secret = do_create_api_token(alice, name="script", scope="write")
    client = ApiClient(secret)
    assert client.get("/tickets").status_code == 200  # the token is cached now

    on_another_connection(lambda: do_revoke_api_token(token, actor=alice))
    response = client.post("/tickets", PAYLOAD)
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"
    assert Ticket.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_it_sees_a_scope_role_or_owner_changed_on_another_connection(
    alice: User, dave: Contact
) -> None:
    token, secret = do_create_api_token(alice, name="script", scope="write")
    client = ApiClient(secret)
    assert client.post("/tickets", PAYLOAD).status_code == 201

    on_another_connection(lambda: ApiToken.objects.filter(pk=token.pk).update(scope="read"))
    assert client.post("/tickets", PAYLOAD).status_code == 403
    on_another_connection(lambda: ApiToken.objects.filter(pk=token.pk).update(scope="write"))
    assert client.post("/tickets", PAYLOAD).status_code == 201

    demote = User.objects.filter(pk=alice.pk)
    on_another_connection(lambda: demote.update(role=Role.LIGHT_AGENT))
    refused = client.post("/tickets", PAYLOAD)
    assert refused.status_code == 403
    assert "Light agents" in error_of(refused)["message"]

    on_another_connection(lambda: demote.update(role=Role.AGENT, is_active=False))
    assert client.get("/tickets").status_code == 401
    assert Ticket.objects.count() == 2


def test_it_reads_only_the_generation_for_a_known_token(alice: User) -> None:
    _, secret = do_create_api_token(alice, name="script", scope="read")
    client = ApiClient(secret)
    assert client.get("/teams").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/teams").status_code == 200
    statements = [q["sql"] for q in queries.captured_queries]
    assert statements[0] == "SELECT value FROM api_settingsgeneration WHERE id = 1"
    assert not [s for s in statements if "accounts_apitoken" in s]


def test_it_writes_the_last_use_once_a_minute_per_process(alice: User) -> None:
    token, secret = do_create_api_token(alice, name="script", scope="read")
    client = ApiClient(secret)
    client.get("/teams")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as queries:
        client.get("/teams")
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    # Written in passing, so not a change of the token: it stays cached.
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    with CaptureQueriesContext(connection) as queries:
        client.get("/teams")
    assert not [q for q in queries.captured_queries if "accounts_apitoken" in q["sql"]]


def test_it_gives_each_request_its_own_copies(alice: User, rf: RequestFactory) -> None:
    """Requests may cache related objects on their user: never on the shared one."""
    _, secret = do_create_api_token(alice, name="script", scope="read")
    callers = [TokenAuth().authenticate(rf.get("/api/v1/teams"), secret) for _ in range(2)]
    assert [c.user for c in callers if c is not None] == [alice, alice]
    first, second = (c for c in callers if c is not None)
    assert first.user is not second.user
    assert first.token is not second.token
    assert first.token is not None and first.token.user is first.user
