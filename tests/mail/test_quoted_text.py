"""The ticket page shows an email's new text, and its folded quoted history and signature
behind a "Show quoted text" toggle (a <details> element: no JavaScript needed)."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from heedful.accounts.models import User
from heedful.mail.actions import IngestResult
from tests.conftest import login

QUOTED = (
    "Thanks, that worked.\n\n"
    "On Tue, 4 Mar 2025 at 10:00, Support <support@heedful.test> wrote:\n"
    "> Restart it <script>alert(1)</script>\n"
    "> and try again."
)


def _details(page: str) -> list[str]:
    return re.findall(r'<details class="folded-text">(.*?)</details>', page, re.S)


def test_it_shows_the_folded_text_behind_a_toggle_escaped(
    deliver: Callable[..., IngestResult], alice: User, client: Client
) -> None:
    first = deliver(message_id="<q1@acme.test>")
    reply = deliver(
        message_id="<q2@acme.test>",
        subject="Re: Printer on fire",
        body=QUOTED,
        headers={"In-Reply-To": "<q1@acme.test>"},
    )
    assert reply.ticket == first.ticket and first.ticket is not None

    page = login(client, alice).get(f"/tickets/{first.ticket.ref}/").content.decode()

    assert "Thanks, that worked." in page
    (toggle,) = _details(page)  # only the message that had quoted text gets one
    assert "<summary>Show quoted text</summary>" in toggle
    body = re.search(r'<div class="folded-text-body">(.*?)</div>', toggle, re.S)
    assert body is not None
    assert body.group(1) == (
        "On Tue, 4 Mar 2025 at 10:00, Support &lt;support@heedful.test&gt; wrote:<br>"
        "&gt; Restart it &lt;script&gt;alert(1)&lt;/script&gt;<br>"
        "&gt; and try again."
    )
    assert "<script>alert(1)</script>" not in page


def test_it_adds_one_query_for_the_whole_timeline(
    deliver: Callable[..., IngestResult], alice: User, client: Client
) -> None:
    first = deliver(message_id="<n0@acme.test>")
    for n in range(1, 4):
        deliver(
            message_id=f"<n{n}@acme.test>", body=QUOTED, headers={"In-Reply-To": "<n0@acme.test>"}
        )
    assert first.ticket is not None
    agent = login(client, alice)
    agent.get(f"/tickets/{first.ticket.ref}/")  # warm caches (session, settings)
    with CaptureQueriesContext(connection) as captured:
        page = agent.get(f"/tickets/{first.ticket.ref}/").content.decode()
    assert len(_details(page)) == 3
    folded_queries = [q["sql"] for q in captured.captured_queries if "folded_text" in q["sql"]]
    assert len(folded_queries) == 1
