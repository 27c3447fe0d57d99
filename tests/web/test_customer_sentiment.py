"""Customer 360: weekly sentiment of what a contact or an organization wrote, with counts;
a light agent counts only the tickets they may see."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from heedful.accounts.models import User
from heedful.customers.models import Contact, Organization
from heedful.feedback.actions import score_unscored_messages
from heedful.tickets import actions
from heedful.tickets.models import Ticket
from tests.conftest import login


def test_it_shows_a_contacts_weekly_sentiment_and_counts(
    client: Client, alice: User, dave: Contact, make_ticket: Callable[..., Ticket]
) -> None:
    ticket = make_ticket()  # "I was charged twice this month." -0.2023
    actions.do_add_message(ticket, author=dave, body_text="Thank you so much, that works great!")
    make_ticket(body_text="This is terrible, I am furious and still broken.")  # -0.872
    score_unscored_messages()
    html = login(client, alice).get(f"/contacts/{dave.public_id}/").content.decode()
    # (-0.2023 + 0.784 - 0.872) / 3 = -0.0966
    assert "mean -0.10 over 3 messages · 2 negative · 1 positive" in html
    assert 'sentiment-badge sentiment-negative" title="Mean compound score -0.10' in html
    chart = html.split('id="sentiment-trend"')[1]
    assert chart.count('class="chart-point"') == 1  # this week
    assert "-0.10, n = 3</title>" in chart
    assert chart.count('class="chart-gap"') in (11, 12)  # the other weeks of the 12


def test_it_shows_an_organizations_sentiment_from_all_its_people(
    client: Client, alice: User, dave: Contact, acme: Organization,
    make_ticket: Callable[..., Ticket],
) -> None:  # fmt: skip
    colleague = Contact.objects.create(
        name="Dee Colleague", email="dee@acme.test", organization=acme
    )
    make_ticket()
    make_ticket(
        requester=colleague, actor=colleague, body_text="Thank you so much, that works great!"
    )
    score_unscored_messages()
    html = login(client, alice).get(f"/organizations/{acme.public_id}/").content.decode()
    assert "over 2 messages · 1 negative · 1 positive" in html


def test_it_says_when_nothing_was_scored(client: Client, alice: User, dave: Contact) -> None:
    html = login(client, alice).get(f"/contacts/{dave.public_id}/").content.decode()
    assert "No scored messages in the last 12 weeks." in html


def test_a_light_agent_counts_only_the_tickets_they_see(
    client: Client, alice: User, carol: User, dave: Contact, make_ticket: Callable[..., Ticket]
) -> None:
    seen = make_ticket()
    make_ticket(body_text="This is terrible, I am furious and still broken.")
    actions.do_loop_in(seen, carol, actor=alice)
    score_unscored_messages()
    html = login(client, carol).get(f"/contacts/{dave.public_id}/").content.decode()
    assert "mean -0.20 over 1 message · 1 negative · 0 positive" in html


def test_the_feedback_page_shows_the_sentiment_of_every_customer(
    client: Client, alice: User, dave: Contact, erin: Contact, make_ticket: Callable[..., Ticket]
) -> None:
    make_ticket()  # dave, Acme: -0.2023
    make_ticket(requester=erin, actor=erin, body_text="Thank you so much, that works great!")
    make_ticket(requester=erin, actor=erin, body_text="This is terrible, I am furious.")  # -0.7783
    score_unscored_messages()
    html = login(client, alice).get("/feedback/").content.decode()
    section = html.split('id="desk-sentiment"')[1].split("</section>")[0]
    # (-0.2023 + 0.784 - 0.7783) / 3 = -0.0655, averaged by the database per week.
    assert "mean -0.07 over 3 messages · 2 negative · 1 positive" in section
    assert section.count('class="chart-point"') == 1
