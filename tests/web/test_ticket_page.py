"""The ticket page: header, timeline of messages and events, side panel."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from heedful.accounts.models import Team, User
from heedful.customers.models import Contact
from heedful.tickets import actions
from heedful.tickets.models import Status, Ticket
from heedful.web.templatetags.workspace import ago


@pytest.fixture
def agent(client: Client, alice: User) -> Client:
    client.force_login(alice)
    return client


def entries(html: str) -> list[tuple[str, str]]:
    """(kind, text) of each timeline entry, tags stripped and spaces collapsed."""
    found = re.findall(
        r'<li class="timeline-entry timeline-(\w+)[^"]*"[^>]*>(.*?)</li>', html, re.S
    )
    return [(kind, " ".join(re.sub(r"<[^>]+>", " ", body).split())) for kind, body in found]


def test_it_shows_the_whole_history_with_names(
    agent: Client,
    acme_ticket: Ticket,
    alice: User,
    bob: User,
    carol: User,
    finance: Team,
    dave: Contact,
) -> None:
    actions.do_add_message(
        acme_ticket,
        author=alice,
        body_text="Sorry! Refunding now.",
        new_status=Status.PENDING,
        attachments=[SimpleUploadedFile("receipt.pdf", b"%PDF-", content_type="application/pdf")],
    )
    actions.do_add_message(
        acme_ticket, author=bob, body_text="Checked with billing", is_public=False
    )
    actions.do_assign_ticket(acme_ticket, bob, actor=alice)
    actions.do_change_team(acme_ticket, finance, actor=alice)
    actions.do_change_priority(acme_ticket, "high", actor=bob)
    actions.do_set_tags(acme_ticket, ["refund"], actor=bob)
    actions.do_loop_in(acme_ticket, carol, actor=alice)
    actions.do_assign_ticket(acme_ticket, None, actor=bob)
    actions.do_assign_ticket(acme_ticket, alice, actor=alice)

    html = agent.get(f"/tickets/{acme_ticket.ref}/").content.decode()
    timeline = entries(html)
    kinds = [kind for kind, _ in timeline]
    assert kinds == ["event", "reply", "reply", "event", "note"] + ["event"] * 7
    assert timeline[0][1].startswith("Dave Doe created the ticket via web form")
    assert timeline[1][1].startswith("DD Dave Doe Customer")
    assert "I was charged twice this month." in timeline[1][1]
    assert timeline[2][1].startswith("A Alice Public reply")
    assert "Sorry! Refunding now. 📎 receipt.pdf 5 B" in timeline[2][1]
    assert timeline[3][1].startswith("Alice changed the status from New to Pending customer")
    assert timeline[4][1].startswith("B Bob Internal note")
    assert [text.rsplit(" ", 3)[0] for _, text in timeline[5:]] == [
        "Alice assigned the ticket to Bob",
        "Alice moved the ticket from no team to Finance",
        "Bob changed the priority from Normal to High",
        "Bob added the tag refund",
        "Alice looped in Carol",
        "Bob unassigned themselves",
        "Alice took the ticket",
    ]
    attachment = acme_ticket.messages.get(author_user=alice).attachments.get()
    assert f'href="/attachments/{attachment.public_id}/"' in html


def test_it_names_event_actors_and_targets(
    agent: Client, acme_ticket: Ticket, alice: User, bob: User, finance: Team
) -> None:
    actions.do_assign_ticket(acme_ticket, bob, actor=alice)
    actions.do_change_team(acme_ticket, finance, actor=alice)
    html = agent.get(f"/tickets/{acme_ticket.ref}/").content.decode()
    events = [text for kind, text in entries(html) if kind == "event"]
    assert any(e.startswith("Alice assigned the ticket to Bob ") for e in events)
    assert any(e.startswith("Alice moved the ticket from no team to Finance ") for e in events)
    assert "assignee_id" not in html
    # Names, never the database ids the event log stores.
    assert f"to {bob.pk} " not in " ".join(events)
    assert f"to {finance.pk} " not in " ".join(events)


def test_it_fills_the_side_panel(
    agent: Client, acme_ticket: Ticket, alice: User, bob: User, carol: User, support: Team
) -> None:
    actions.do_assign_ticket(acme_ticket, bob, actor=alice)
    actions.do_change_team(acme_ticket, support, actor=alice)
    actions.do_set_tags(acme_ticket, ["billing", "vip"], actor=alice)
    actions.do_loop_in(acme_ticket, carol, actor=alice)
    html = agent.get(f"/tickets/{acme_ticket.ref}/").content.decode()
    assert '<option value="new" selected>New</option>' in html
    assert '<option value="normal" selected>Normal</option>' in html
    assert '<option value="bob" selected>Bob</option>' in html
    assert f'<option value="{support.public_id}" selected>Support</option>' in html
    assert 'id="tags-input" value="billing, vip"' in html
    assert f'href="/contacts/{acme_ticket.requester.public_id}/"' in html
    assert "Carol" in html.split('id="collaborators"')[1]
    for element in ("reply-body", "reply-submit", "note-body", "note-submit", "status-select",
                    "priority-select", "assignee-select", "team-select", "properties-submit",
                    "loop-in-username", "loop-in-submit"):  # fmt: skip
        assert f'id="{element}"' in html, element
    assert 'name="attachments" multiple' in html
    assert "@username" in html


@pytest.mark.parametrize("extra_messages", [2, 40])
def test_it_renders_with_a_bounded_number_of_queries(
    agent: Client,
    acme_ticket: Ticket,
    alice: User,
    bob: User,
    support: Team,
    extra_messages: int,
    django_assert_num_queries: Any,
) -> None:
    for i in range(extra_messages):
        author = alice if i % 2 else bob
        actions.do_add_message(
            acme_ticket, author=author, body_text=f"Message {i}", is_public=i % 3 > 0
        )
        actions.do_assign_ticket(acme_ticket, author, actor=author)
    actions.do_change_team(acme_ticket, support, actor=alice)
    # session, user, ticket; tags, requester's open count, teams, agents, events,
    # messages, collaborators (10: no file to read attachments for, and the people and
    # teams the events name are among the agents and teams already read); the outgoing
    # emails' delivery states (1); the frame's counters (1); the SLA panel's active
    # policies (1; the clocks read the events above); the "Follow up on…" panel's
    # pending follow-ups (1).
    with django_assert_num_queries(14):
        response = agent.get(f"/tickets/{acme_ticket.ref}/")
    assert response.status_code == 200
    assert len(response.context["timeline"]) >= extra_messages + 2


def test_it_marks_a_reply_that_unblocks_the_customer(agent: Client, acme_ticket: Ticket) -> None:
    response = agent.post(
        f"/tickets/{acme_ticket.ref}/reply/",
        {"body": "Use the CSV export meanwhile.", "workaround": "on"},
        follow=True,
    )

    assert response.status_code == 200
    reply = acme_ticket.messages.get(body_text="Use the CSV export meanwhile.")
    assert reply.is_workaround is True
    event = acme_ticket.events.get(kind="message_added", message=reply)
    assert event.after == {"message": str(reply.public_id), "public": True, "workaround": True}
    assert "Unblocked the customer" in response.content.decode()


def test_it_prints_the_time_of_each_entry_in_the_local_zone(
    agent: Client, acme_ticket: Ticket, settings: Any
) -> None:
    settings.TIME_ZONE = "Europe/Berlin"
    at = datetime(2025, 3, 5, 13, 7, 9, tzinfo=UTC)  # 14:07:09 in Berlin
    acme_ticket.messages.update(created_at=at)
    html = agent.get(f"/tickets/{acme_ticket.ref}/").content.decode()
    stamp = '<time datetime="2025-03-05T14:07:09+01:00" title="2025-03-05 14:07:09">Mar 5, 14:07'
    assert f"{stamp} · {ago(at)}</time>" in html
    assert '<span class="avatar avatar-customer" aria-hidden="true">DD</span>' in html


def test_it_escapes_names_and_event_texts_in_the_timeline(
    agent: Client, acme_ticket: Ticket, alice: User, dave: Contact
) -> None:
    # The timeline is printed in Python (heedful.web.timeline_html), not by the template.
    dave.name = 'Dave <b>"D&D"</b>'
    dave.save(update_fields=["name"])
    actions.do_change_subject(acme_ticket, "<script>alert('x')</script>", actor=alice)

    html = agent.get(f"/tickets/{acme_ticket.ref}/").content.decode()

    assert "<script>alert" not in html
    assert '<strong class="author">Dave &lt;b&gt;&quot;D&amp;D&quot;&lt;/b&gt;</strong>' in html
    assert (
        "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;”</span>" in html
    )  # the end of "changed the subject from “…” to “…”"
