"""Builders for raw emails, and the real corpora of ../shared/data/email."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from heedful.mail.actions import IngestResult, ingest_raw

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "email"


@pytest.fixture(autouse=True)
def _our_addresses(settings: Any) -> None:
    settings.MAIL_ADDRESSES = ["support@heedful.test"]
    # Acknowledgements are tested on their own (test_autoack.py turns them back on).
    settings.MAIL_AUTOACK = False


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared email corpus is not at {CORPUS}")
    return CORPUS


def build_email(
    *,
    sender: str = "Dave Doe <dave@acme.test>",
    to: str = "support@heedful.test",
    subject: str = "Printer on fire",
    body: str = "The printer in room 4 is on fire.",
    message_id: str = "<m1@acme.test>",
    headers: dict[str, str] | None = None,
    html: str | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime(2025, 3, 4, 10, 0, tzinfo=UTC))
    if message_id:
        msg["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg.as_bytes()


@pytest.fixture
def deliver(db: None) -> Callable[..., IngestResult]:
    def run(raw: bytes | None = None, *, source: str = "smtp", **kwargs: Any) -> IngestResult:
        return ingest_raw(raw if raw is not None else build_email(**kwargs), source=source)

    return run
