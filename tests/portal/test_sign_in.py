"""Magic-link sign in: single use, expiring, only a hash stored, never revealing which
addresses exist, and the account made on first use."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from heedful.accounts.models import Role, User
from heedful.customers.models import Contact, Organization
from heedful.portal.models import LinkState, MagicLink, hash_link_token
from tests.portal.conftest import link_token, world_state

Capture = Callable[..., AbstractContextManager[Any]]


@pytest.fixture
def request_link(client: Client, django_capture_on_commit_callbacks: Capture) -> Callable[..., Any]:
    """POST the sign-in form and run what it enqueued after commit (the email task)."""

    def post(email: str, **extra: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/portal/sign-in/", {"email": email}, **extra)

    return post


def test_it_emails_a_single_use_link_to_a_known_contact(
    dave: Contact, request_link: Callable[..., Any]
) -> None:
    response = request_link("Dave@Acme.test")
    assert response.status_code == 302
    assert response["Location"] == "/portal/sign-in/sent/"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["dave@acme.test"]
    assert mail.outbox[0].subject == "Your sign-in link"
    token = link_token(mail.outbox[0])
    link = MagicLink.objects.get()
    assert link.contact == dave
    assert link.state == LinkState.SENT
    assert link.token_hash == hash_link_token(token)
    assert link.requested_ip == "127.0.0.1"
    assert link.expires_at - link.created_at == timedelta(minutes=15)

    browser = Client()
    page = browser.get(f"/portal/sign-in/{token}/")
    assert page.status_code == 200
    assert b"Welcome back, Dave Doe" in page.content
    link.refresh_from_db()
    assert link.used_at is None  # looking at the link does not spend it

    signed_in = browser.post(f"/portal/sign-in/{token}/")
    assert signed_in.status_code == 302
    assert signed_in["Location"] == "/portal/"
    assert browser.session["_auth_user_id"] == str(dave.user_id)
    link.refresh_from_db()
    assert link.state == LinkState.USED

    again = Client().post(f"/portal/sign-in/{token}/")
    assert again.status_code == 410
    assert b"This sign-in link was already used." in again.content
    assert "_auth_user_id" not in again.wsgi_request.session
    assert Client().get(f"/portal/sign-in/{token}/").status_code == 410


def test_it_refuses_an_expired_link(dave: Contact, request_link: Callable[..., Any]) -> None:
    request_link("dave@acme.test")
    token = link_token(mail.outbox[0])
    link = MagicLink.objects.get()
    MagicLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    browser = Client()
    assert browser.get(f"/portal/sign-in/{token}/").status_code == 410
    response = browser.post(f"/portal/sign-in/{token}/")
    assert response.status_code == 410
    assert b"This sign-in link has expired." in response.content
    assert "_auth_user_id" not in browser.session
    link.refresh_from_db()
    assert link.used_at is None
    assert link.state == LinkState.EXPIRED


def test_it_keeps_only_a_hash_of_the_token(dave: Contact, request_link: Callable[..., Any]) -> None:
    request_link("dave@acme.test")
    token = link_token(mail.outbox[0])
    stored = MagicLink.objects.values().get()
    assert token not in {str(value) for value in stored.values()}
    assert len(token) >= 43


def test_it_answers_the_same_whether_or_not_the_address_is_known(
    dave: Contact, client: Client, request_link: Callable[..., Any]
) -> None:
    before = world_state()
    unknown = request_link("nobody@nowhere.test")
    assert world_state() == before  # no link, no email, no contact, no account
    known = request_link("dave@acme.test")
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert len(mail.outbox) == 1

    page_unknown = Client()
    page_unknown.post("/portal/sign-in/", {"email": "nobody@nowhere.test"})
    text_unknown = page_unknown.get("/portal/sign-in/sent/").content.decode()
    page_known = Client()
    page_known.post("/portal/sign-in/", {"email": "dave@acme.test"})
    text_known = page_known.get("/portal/sign-in/sent/").content.decode()
    assert text_unknown.replace("nobody@nowhere.test", "X") == text_known.replace(
        "dave@acme.test", "X"
    )


def test_it_creates_the_customer_account_on_first_request(
    acme: Organization, request_link: Callable[..., Any]
) -> None:
    frank = Contact.objects.create(name="Frank Fields", email="frank@acme.test", organization=acme)
    request_link("frank@acme.test")
    frank.refresh_from_db()
    assert frank.user is not None
    assert frank.user.role == Role.CUSTOMER
    assert frank.user.email == "frank@acme.test"
    assert frank.user.first_name == "Frank Fields"
    assert frank.user.has_usable_password() is False
    assert len(mail.outbox) == 1
    # A second request reuses the account.
    request_link("frank@acme.test")
    assert User.objects.filter(role=Role.CUSTOMER, email="frank@acme.test").count() == 1
    assert len(mail.outbox) == 2


def test_it_never_signs_staff_in_through_the_portal(
    alice: User, request_link: Callable[..., Any]
) -> None:
    Contact.objects.create(name="Alice as a contact", email="alice@heedful.test", user=alice)
    before = world_state()
    response = request_link("alice@heedful.test")
    assert response.status_code == 302
    assert world_state() == before


def test_it_refuses_unknown_and_malformed_tokens(dave: Contact, client: Client) -> None:
    for token in ["x", "A" * 43, "A" * 5000, "%00", "..", "ünï"]:
        for method in (client.get, client.post):
            response = method(f"/portal/sign-in/{token}/")
            assert response.status_code == 404, token
            assert b"This sign-in link is not valid." in response.content
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "data",
    [{}, {"email": ""}, {"email": "not-an-address"}, {"email": "a@" + "b" * 300 + ".test"},
     {"email": "bad\x00@acme.test"}, {"email": ["a@acme.test", "b@acme.test"]}],
)  # fmt: skip
def test_it_answers_garbage_with_a_readable_400(
    dave: Contact, client: Client, data: dict[str, Any]
) -> None:
    before = world_state()
    response = client.post("/portal/sign-in/", data)
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert b'id="sign-in-error"' in response.content
    assert MagicLink.objects.count() == before[6]


def test_it_rate_limits_links_per_address(
    dave: Contact, settings: Any, request_link: Callable[..., Any]
) -> None:
    settings.PORTAL_RATE_PER_ADDRESS = 2
    assert request_link("dave@acme.test").status_code == 302
    assert request_link("DAVE@acme.test").status_code == 302
    refused = request_link("dave@acme.test")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert b"Too many requests for this email address." in refused.content
    assert MagicLink.objects.count() == 2
    assert len(mail.outbox) == 2
    # An unknown address is limited the same way, so the limit reveals nothing.
    for _ in range(2):
        assert request_link("nobody@nowhere.test").status_code == 302
    assert request_link("nobody@nowhere.test").status_code == 429


def test_it_rate_limits_links_per_ip(
    dave: Contact, settings: Any, request_link: Callable[..., Any]
) -> None:
    settings.PORTAL_RATE_PER_IP = 3
    for n in range(3):
        assert request_link(f"someone{n}@nowhere.test").status_code == 302
    refused = request_link("dave@acme.test")
    assert refused.status_code == 429
    assert b"Too many requests from your network." in refused.content
    assert MagicLink.objects.count() == 0
    other_ip = request_link("dave@acme.test", REMOTE_ADDR="10.0.0.9")
    assert other_ip.status_code == 302
    assert MagicLink.objects.get().requested_ip == "10.0.0.9"


def test_it_reads_the_client_address_from_the_configured_header(
    dave: Contact, settings: Any, request_link: Callable[..., Any]
) -> None:
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"
    settings.PORTAL_RATE_PER_IP = 1
    spoofed = "6.6.6.6, 203.0.113.7"
    assert request_link("a@nowhere.test", HTTP_X_FORWARDED_FOR=spoofed).status_code == 302
    # Same last hop (the one our proxy wrote): refused, whatever the client forged before it.
    again = request_link("b@nowhere.test", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7")
    assert again.status_code == 429
    other = request_link("dave@acme.test", HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert other.status_code == 302
    assert MagicLink.objects.get().requested_ip == "203.0.113.8"


def test_it_sends_the_customer_back_to_the_page_they_asked_for(
    dave: Contact, client: Client, django_capture_on_commit_callbacks: Capture
) -> None:
    assert client.get("/portal/new/")["Location"] == "/portal/sign-in/?next=/portal/new/"
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/portal/sign-in/", {"email": "dave@acme.test", "next": "/portal/new/"})
    token = link_token(mail.outbox[0])
    assert client.post(f"/portal/sign-in/{token}/")["Location"] == "/portal/new/"


def test_it_ignores_a_next_url_on_another_site(
    dave: Contact, client: Client, django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/portal/sign-in/", {"email": "dave@acme.test", "next": "https://evil.test/"})
    token = link_token(mail.outbox[0])
    assert client.post(f"/portal/sign-in/{token}/")["Location"] == "/portal/"


def test_it_signs_out(dave: Contact, client: Client) -> None:
    assert dave.user is not None
    client.force_login(dave.user)
    assert client.get("/portal/").status_code == 200
    response = client.post("/portal/sign-out/")
    assert response["Location"] == "/portal/sign-in/"
    assert client.get("/portal/").status_code == 302
