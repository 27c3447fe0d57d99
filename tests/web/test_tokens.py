"""The API tokens page: create (secret shown once), list, revoke; only one's own."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from heedful.accounts.actions import do_create_api_token
from heedful.accounts.models import ApiToken, TokenScope, User, hash_token_secret
from heedful.customers.models import Contact

SignIn = Callable[[User | Contact | None], Client]
URL = "/settings/api-tokens/"


def test_it_creates_a_token_and_shows_the_secret_once(as_user: SignIn, alice: User) -> None:
    client = as_user(alice)
    response = client.post(URL, {"name": "CRM sync", "scope": "write"})
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=alice)
    assert (token.name, token.scope, token.revoked_at) == ("CRM sync", TokenScope.WRITE, None)
    secret = response.context["new_secret"]
    assert secret.startswith("hf_") and len(secret) == 46
    assert token.secret_hash == hash_token_secret(secret)
    assert token.prefix == secret[:11]
    assert secret in response.content.decode()
    # Shown once: the list page never contains it again.
    again = client.get(URL)
    assert again.status_code == 200
    assert secret not in again.content.decode()
    assert token.prefix in again.content.decode()


def test_it_stores_only_a_hash_of_the_secret(alice: User) -> None:
    token, secret = do_create_api_token(alice, name="ci", scope="read")
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert secret not in str(row)
    assert row["secret_hash"] == hash_token_secret(secret)
    assert ApiToken.find_active(secret) == token
    assert ApiToken.find_active(secret + "x") is None


def test_it_refuses_a_bad_form_with_400(as_user: SignIn, alice: User) -> None:
    client = as_user(alice)
    response = client.post(URL, {"name": "   ", "scope": "admin"})
    assert response.status_code == 400
    assert ApiToken.objects.count() == 0
    assert "Select a valid choice" in response.content.decode()


def test_it_lists_only_my_tokens(as_user: SignIn, alice: User, bob: User) -> None:
    do_create_api_token(alice, name="alice-script", scope="read")
    do_create_api_token(bob, name="bob-script", scope="read")
    page = as_user(alice).get(URL).content.decode()
    assert "alice-script" in page
    assert "bob-script" not in page


def test_it_revokes_my_token(as_user: SignIn, alice: User) -> None:
    token, secret = do_create_api_token(alice, name="old", scope="write")
    response = as_user(alice).post(f"{URL}{token.public_id}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert ApiToken.find_active(secret) is None


def test_it_gives_404_for_someone_elses_token(as_user: SignIn, alice: User, bob: User) -> None:
    token, _ = do_create_api_token(bob, name="bob-script", scope="write")
    response = as_user(alice).post(f"{URL}{token.public_id}/revoke/")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_it_keeps_customers_and_strangers_out(as_user: SignIn, dave: Contact) -> None:
    assert as_user(dave).get(URL).status_code == 403
    assert as_user(dave).post(URL, {"name": "x", "scope": "write"}).status_code == 403
    assert ApiToken.objects.count() == 0
    anonymous = as_user(None).get(URL)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/login/")


def test_it_links_the_page_from_the_user_menu(as_user: SignIn, alice: User) -> None:
    page = as_user(alice).get("/notifications/").content.decode()
    assert f'href="{URL}" id="menu-api-tokens"' in page
