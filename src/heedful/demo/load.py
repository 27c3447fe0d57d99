"""``heedful demo``: fill the help desk with real conversations to explore.

The data comes from ``../shared/data/twcs/twcs_sample.csv`` (real support tweets), or
from the small built-in set when that file is absent. The conversations are spread over
the last three weeks, the newest a few minutes old: each keeps its real order and real
response times, and the queues look like today's.

Running it again does nothing but print the sign-in details; ``--reset`` deletes the
demo's tickets, contacts and organizations and loads them again (staff accounts and
their password are kept).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from heedful.customers.models import Contact, Organization
from heedful.demo import builtin, catalog, staff, twcs, writer
from heedful.demo.conversations import DemoSet
from heedful.tickets.models import Sequence, Ticket

DEFAULT_DATA_DIR = "../shared/data"
# The folder above src/, when running from a checkout.
REPO_ROOT = Path(__file__).resolve().parents[3]
# The newest demo message is this old when the load finishes.
NEWEST_AGE = timedelta(minutes=10)
# The demo's conversations are spread over the last three weeks, or over a few hours per
# conversation for a small set, so that it still has a live queue.
DEMO_WINDOW = timedelta(days=21)
DEMO_SPACING = timedelta(hours=4)


def load_demo(data_dir: str | None, reset: bool) -> None:
    started = time.perf_counter()
    loaded = demo_tickets().count()
    if loaded and not reset and staff.logins_path().exists():
        print(
            f"Demo data is already loaded ({loaded:,} tickets); `heedful demo --reset` reloads it."
        )
        print(staff.logins_path().read_text(encoding="utf-8"), end="")
        return
    now = timezone.now()
    demo = read_demo_set(data_dir, now)
    window = min(DEMO_WINDOW, DEMO_SPACING * len(demo.conversations))
    demo = demo.shifted(now - NEWEST_AGE, window)
    password = staff.saved_password() or staff.new_password()
    print(f"Loading {demo.description} ...", flush=True)
    with transaction.atomic():
        delete_demo_data()
        users = staff.ensure_staff(password)
        organizations = writer.create_organizations(users)
        contacts = writer.create_contacts(demo, organizations)
    written = writer.write_tickets(
        demo, users, contacts, now, progress=writer.print_progress("tickets")
    )
    elapsed = time.perf_counter() - started
    statuses = ", ".join(f"{n:,} {status}" for status, n in sorted(written.statuses.items()))
    summary = (
        f"{written.tickets:,} tickets ({statuses}), {written.messages:,} messages, "
        f"{len(contacts):,} contacts in {len(organizations)} organizations"
    )
    print(f"Loaded {summary} in {elapsed:.1f} s.")
    path = staff.write_logins(password, summary, demo.description)
    print(path.read_text(encoding="utf-8"), end="")


def demo_tickets() -> QuerySet[Ticket]:
    return Ticket.objects.filter(custom_fields__has_key=writer.DEMO_FIELD)


def read_demo_set(data_dir: str | None, now: datetime) -> DemoSet:
    found = find_data_dir(data_dir)
    if found is not None:
        return twcs.load(found)
    shown = Path(data_dir or DEFAULT_DATA_DIR) / "twcs"
    print(f"{shown} not found: loading the small built-in demo set")
    return builtin.load(now)


def find_data_dir(data_dir: str | None) -> Path | None:
    """The folder holding twcs/twcs_sample.csv: the one given, or ../shared/data beside
    the current directory or beside the checkout."""
    if data_dir is not None:
        candidates = [Path(data_dir)]
    else:
        candidates = [Path.cwd() / DEFAULT_DATA_DIR, REPO_ROOT / DEFAULT_DATA_DIR]
    return next((c.resolve() for c in candidates if (c / twcs.CSV_PATH).is_file()), None)


def delete_demo_data() -> int:
    """Remove what an earlier load wrote (and nothing else); returns the tickets removed."""
    tickets = demo_tickets()
    count = tickets.count()
    tickets.delete()  # messages, events and notifications go with them
    # Contacts a person has since opened other tickets for are kept.
    Contact.objects.filter(email__endswith=catalog.EMAIL_DOMAIN, tickets__isnull=True).delete()
    Organization.objects.filter(notes=catalog.ORGANIZATION_NOTE).delete()
    if not Ticket.objects.exists():
        # Nothing else is numbered: a fresh load starts again at the first number.
        Sequence.objects.filter(name="ticket").delete()
    return count
