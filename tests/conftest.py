"""The named people of every test (DESIGN.md §4) and small builders.

alice  agent in Support          bob   agent, alice's teammate
carol  light agent from Finance  dave  customer of Acme
erin   customer of Globex, who must never see Acme's data
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client

from heedful.accounts.actions import do_create_team, do_create_user
from heedful.accounts.models import Role, Team, TeamKind, User
from heedful.api.generation import GenerationCache
from heedful.customers.models import Contact, Organization
from heedful.taskqueue.worker import Worker
from heedful.tickets.actions import FIRST_TICKET_NUMBER, TICKET_NUMBER_SEQUENCE, do_create_ticket
from heedful.tickets.models import Ticket

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _locmem_email(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []


@pytest.fixture(autouse=True)
def _first_ticket_number(request: pytest.FixtureRequest, django_db_blocker: Any) -> None:
    """On PostgreSQL ticket numbers come from a sequence, which a test's rollback does not
    rewind: each test that uses the database starts at the first number, as on SQLite."""
    if connection.vendor != "postgresql":
        return
    if not {"db", "transactional_db"} & set(request.fixturenames):
        return
    request.getfixturevalue("django_db_setup")
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(%s, %s, false)", [TICKET_NUMBER_SEQUENCE, FIRST_TICKET_NUMBER]
        )


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Cached figures and rate-limit counters never leak from one test into the next;
    nor do the per-process caches of settings (their statements would not be counted)."""
    cache.clear()
    GenerationCache.forget_all()


@pytest.fixture
def support(db: None) -> Team:
    return do_create_team("Support")


@pytest.fixture
def finance(db: None) -> Team:
    return do_create_team("Finance", kind=TeamKind.DEPARTMENT)


@pytest.fixture
def alice(support: Team) -> User:
    return do_create_user(
        "alice", role=Role.AGENT, first_name="Alice", email="alice@heedful.test",
        password=PASSWORD, teams=(support,),
    )  # fmt: skip


@pytest.fixture
def bob(support: Team) -> User:
    return do_create_user(
        "bob", role=Role.AGENT, first_name="Bob", email="bob@heedful.test",
        password=PASSWORD, teams=(support,),
    )  # fmt: skip


@pytest.fixture
def carol(finance: Team) -> User:
    return do_create_user(
        "carol", role=Role.LIGHT_AGENT, first_name="Carol", email="carol@heedful.test",
        password=PASSWORD, teams=(finance,),
    )  # fmt: skip


@pytest.fixture
def acme(db: None) -> Organization:
    return Organization.objects.create(name="Acme", domains=["acme.test"], plan="enterprise")


@pytest.fixture
def globex(db: None) -> Organization:
    return Organization.objects.create(name="Globex", domains=["globex.test"], plan="starter")


@pytest.fixture
def dave(acme: Organization) -> Contact:
    user = do_create_user("dave", role=Role.CUSTOMER, email="dave@acme.test", password=PASSWORD)
    return Contact.objects.create(
        name="Dave Doe", email="dave@acme.test", organization=acme, user=user
    )


@pytest.fixture
def erin(globex: Organization) -> Contact:
    user = do_create_user("erin", role=Role.CUSTOMER, email="erin@globex.test", password=PASSWORD)
    return Contact.objects.create(
        name="Erin Example", email="erin@globex.test", organization=globex, user=user
    )


@pytest.fixture
def make_ticket(dave: Contact) -> Callable[..., Ticket]:
    def make(**kwargs: Any) -> Ticket:
        kwargs.setdefault("actor", kwargs.get("requester", dave))
        kwargs.setdefault("requester", dave)
        kwargs.setdefault("subject", "My invoice is wrong")
        kwargs.setdefault("body_text", "I was charged twice this month.")
        return do_create_ticket(**kwargs)

    return make


@pytest.fixture
def acme_ticket(make_ticket: Callable[..., Ticket]) -> Ticket:
    return make_ticket()


def login(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def make_worker(worker_id: str = "test-worker", **options: Any) -> Worker:
    """Heedful's task worker (what `heedful worker` runs), by default in batch mode: it
    runs the jobs due now, in this process and its test database, and stops."""
    defaults: dict[str, Any] = {
        "queue_names": ["*"], "interval": 0, "batch": True, "backend_name": "default",
        "startup_delay": False, "max_tasks": None, "excluded_queue_names": [],
    }  # fmt: skip
    return Worker(worker_id=worker_id, **{**defaults, **options})


def run_worker_once() -> None:
    """Every job due now, run by Heedful's worker."""
    make_worker().run()


@pytest.fixture
def as_user(client: Client) -> Callable[[User | Contact | None], Client]:
    """``as_user(alice)`` signs the test client in; a Contact signs in its portal user."""

    def sign_in(who: User | Contact | None) -> Client:
        client.logout()
        if isinstance(who, Contact):
            assert who.user is not None
            who = who.user
        if who is not None:
            client.force_login(who)
        return client

    return sign_in
