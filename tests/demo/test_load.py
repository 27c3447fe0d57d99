"""``heedful demo``: real support tweets become tickets; the built-in set is the fallback.

The real-data tests load ../shared/data/twcs once per module (inside a transaction that
is rolled back at the end) because a load takes seconds; each test then runs in its
own savepoint as usual.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from heedful.accounts.models import Role, User
from heedful.customers.models import Contact, Organization
from heedful.demo import staff
from heedful.demo.load import delete_demo_data, demo_tickets, load_demo
from heedful.tickets.models import Direction, Message, Status, Ticket, TicketEvent

DATA_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data"
CSV_FILE = DATA_DIR / "twcs" / "twcs_sample.csv"
# A real thread of the sample: a customer of @sprintcare and four replies, in this order.
THREAD = ["8", "6", "5", "4", "3", "1", "2"]

needs_data = pytest.mark.skipif(
    not CSV_FILE.is_file(), reason=f"real data not found at {CSV_FILE}: demo tests skipped"
)


def _csv_rows(tweet_ids: list[str]) -> dict[str, dict[str, str]]:
    with CSV_FILE.open(encoding="utf-8", newline="") as file:
        return {
            row["tweet_id"]: row for row in csv.DictReader(file) if row["tweet_id"] in tweet_ids
        }


def _counts() -> dict[str, int]:
    return {
        "tickets": Ticket.objects.count(),
        "messages": Message.objects.count(),
        "events": TicketEvent.objects.count(),
        "contacts": Contact.objects.count(),
        "organizations": Organization.objects.count(),
        "users": User.objects.count(),
    }


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("demo-var")
    with override_settings(VAR_DIR=path):
        yield path


@pytest.fixture(scope="module")
def twcs_loaded(django_db_setup: None, django_db_blocker: Any, var_dir: Path) -> Iterator[None]:
    if not CSV_FILE.is_file():
        pytest.skip(f"real data not found at {CSV_FILE}: demo tests skipped")
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            load_demo(str(DATA_DIR), reset=False)
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@needs_data
def test_it_turns_each_customer_thread_into_a_ticket(twcs_loaded: None, db: None) -> None:
    assert demo_tickets().count() == 1324
    assert Message.objects.count() == 4974
    assert not Ticket.objects.exclude(channel="twitter").exists()
    assert set(Ticket.objects.values_list("status", flat=True)) == {"open", "pending", "solved"}


@needs_data
def test_it_keeps_a_threads_messages_texts_and_gaps(twcs_loaded: None, db: None) -> None:
    rows = _csv_rows(THREAD)
    ticket = Ticket.objects.get(messages__external_id="8")
    messages = list(ticket.messages.select_related("author_user", "author_contact"))

    assert [m.external_id for m in messages] == THREAD
    assert [m.body_text for m in messages] == [rows[i]["text"].strip() for i in THREAD]
    assert [m.direction for m in messages] == [Direction.INBOUND, Direction.OUTBOUND] * 3 + [
        Direction.INBOUND
    ]
    assert {m.author_contact.handle for m in messages if m.author_contact} == {"115712"}
    assert {m.author_user.username for m in messages if m.author_user} == {"bob"}
    real = [datetime.strptime(rows[i]["created_at"], "%a %b %d %H:%M:%S %z %Y") for i in THREAD]
    assert [m.created_at - messages[0].created_at for m in messages] == [t - real[0] for t in real]
    assert ticket.subject == "is the worst customer service"
    assert ticket.custom_fields == {"demo": "twcs", "twitter_brand": "sprintcare"}
    assert ticket.team is not None and ticket.team.name == "Technical"
    # The customer wrote last: the ticket waits on us since that message.
    assert ticket.status == Status.OPEN
    assert ticket.waiting_since == messages[-1].created_at
    assert ticket.first_response_at == messages[1].created_at
    assert ticket.message_count == 7


@needs_data
def test_it_keeps_line_breaks_inside_a_tweet(twcs_loaded: None, db: None) -> None:
    body = Message.objects.get(external_id="3399").body_text
    assert "\n\nI just love the start of email" in body


@needs_data
def test_it_spreads_conversations_over_three_weeks_keeping_real_gaps(
    twcs_loaded: None, db: None
) -> None:
    messages = Message.objects.order_by("created_at", "id")
    newest, oldest = messages.last(), messages.first()
    assert newest is not None and oldest is not None
    assert timedelta(minutes=9) < timezone.now() - newest.created_at < timedelta(minutes=30)
    window_start = newest.created_at - timedelta(days=21)
    # Only the 10 threads that lasted longer than the window itself (one spans 2011-2017)
    # start before it; every other ticket starts inside it.
    assert Ticket.objects.filter(created_at__lt=window_start).count() == 10
    assert oldest.created_at < window_start
    # Tweet 2 answered tweet 1 58 seconds later (Tue Oct 31 22:10:47 -> 22:11:45, 2017).
    first, reply = Message.objects.get(external_id="1"), Message.objects.get(external_id="2")
    assert reply.created_at - first.created_at == timedelta(seconds=58)


@needs_data
def test_it_groups_customers_into_fictional_organizations(twcs_loaded: None, db: None) -> None:
    organizations = Organization.objects.order_by("-annual_revenue")
    assert organizations.count() == 8
    assert organizations[0].name == "Acme Corp"
    assert all(o.domains[0].endswith(".example.test") and o.owner_id for o in organizations)
    by_size = sorted((o.contacts.count() for o in organizations), reverse=True)
    assert by_size[0] > 3 * by_size[-1]  # long-tailed, like a real book of business
    assert Contact.objects.count() == 1443
    assert not Contact.objects.filter(handle="").exists()
    assert not Contact.objects.filter(organization__isnull=True).exists()
    assert not Contact.objects.exclude(email__endswith=".example.test").exists()


@needs_data
def test_it_assigns_most_tickets_and_leaves_some_for_the_unassigned_view(
    twcs_loaded: None, db: None
) -> None:
    unassigned = Ticket.objects.filter(assignee__isnull=True, status__in=["new", "open"])
    assert 20 < unassigned.count() < Ticket.objects.filter(assignee__isnull=False).count() / 10
    assignees = set(Ticket.objects.values_list("assignee__username", flat=True))
    assert assignees == {None, "alice", "bob", "frank", "grace"}


@needs_data
def test_it_writes_the_logins_file(twcs_loaded: None, db: None, var_dir: Path) -> None:
    text = (var_dir / "demo-logins.txt").read_text(encoding="utf-8")
    password = staff.saved_password()
    assert password and f"Open http://127.0.0.1:8000/  — sign in as admin / {password}" in text
    assert "carol: light agent from Finance" in text
    for username, role in [
        ("admin", Role.ADMIN),
        ("alice", Role.AGENT),
        ("carol", Role.LIGHT_AGENT),
    ]:
        user = authenticate(username=username, password=password)
        assert user is not None and user.role == role


@needs_data
def test_it_does_nothing_when_run_again(
    twcs_loaded: None, db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _counts()
    load_demo(str(DATA_DIR), reset=False)
    assert _counts() == before
    out = capsys.readouterr().out
    assert out.startswith("Demo data is already loaded (1,324 tickets)")
    assert "sign in as admin / " in out


@needs_data
def test_it_loads_again_on_reset_keeping_the_password(twcs_loaded: None, db: None) -> None:
    before = _counts()
    first_ids = set(demo_tickets().values_list("id", flat=True))
    password = staff.saved_password()

    load_demo(str(DATA_DIR), reset=True)

    after = _counts()
    assert {k: after[k] for k in ("tickets", "messages", "contacts", "organizations", "users")} == {
        k: before[k] for k in ("tickets", "messages", "contacts", "organizations", "users")
    }
    assert not first_ids & set(demo_tickets().values_list("id", flat=True))
    assert staff.saved_password() == password
    assert Ticket.objects.order_by("number").first().number == 1001  # type: ignore[union-attr]


def test_it_loads_the_builtin_set_when_the_data_is_absent(
    db: None, tmp_path: Path, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.VAR_DIR = tmp_path / "var"

    load_demo(str(tmp_path), reset=False)

    out = capsys.readouterr().out
    assert f"{tmp_path}/twcs not found: loading the small built-in demo set" in out
    assert demo_tickets().filter(custom_fields__demo="builtin").count() == 12
    assert Message.objects.count() == 31
    assert Contact.objects.count() == 10
    assert Organization.objects.count() == 8
    statuses = sorted(Ticket.objects.values_list("status", flat=True))
    assert statuses == ["new"] * 2 + ["open"] * 4 + ["pending"] * 3 + ["solved"] * 3
    ticket = Ticket.objects.get(subject="Charged twice for the November invoice")
    assert ticket.organization is not None and ticket.organization.name == "Acme Corp"
    assert ticket.priority == "high"
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["billing", "refund"]
    assert ticket.assignee is not None and ticket.assignee.username == "alice"
    # alice took the ticket when she first answered, not when the demo was loaded.
    assigned = ticket.events.get(kind="assignee_changed")
    first_reply = ticket.messages.get(direction=Direction.OUTBOUND)
    assert (assigned.created_at, assigned.actor_user) == (first_reply.created_at, ticket.assignee)
    assert (tmp_path / "var" / "demo-logins.txt").exists()


def test_it_removes_only_demo_data(db: None, tmp_path: Path, settings: Any) -> None:
    settings.VAR_DIR = tmp_path
    load_demo(str(tmp_path), reset=False)
    other = Organization.objects.create(name="Real customer", domains=["real.test"])

    assert delete_demo_data() == 12

    assert list(Organization.objects.all()) == [other]
    assert not Ticket.objects.exists() and not Contact.objects.exists()
    assert User.objects.filter(username__in=["admin", "alice", "carol"]).count() == 3
