"""Sentiment on the ticket page: a badge per scored customer message (score on hover)
and the ticket's trend, read without extra queries."""

from __future__ import annotations

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from heedful.accounts.models import User
from heedful.customers.models import Contact
from heedful.feedback.actions import score_unscored_messages
from heedful.tickets import actions
from heedful.tickets.models import Ticket
from tests.conftest import login


def test_it_badges_each_scored_customer_message_and_shows_the_trend(
    client: Client, alice: User, dave: Contact, acme_ticket: Ticket
) -> None:
    actions.do_add_message(acme_ticket, author=alice, body_text="Refunded.")
    actions.do_add_message(
        acme_ticket, author=dave, body_text="Thank you so much, that works great!"
    )
    assert score_unscored_messages() == 2  # the two customer messages; replies are not scored
    html = login(client, alice).get(f"/tickets/{acme_ticket.ref}/").content.decode()
    assert html.count('class="sentiment-badge') == 4  # two messages, two in the trend
    assert (
        '<span class="sentiment-badge sentiment-negative" data-sentiment="negative" '
        'title="Sentiment -0.20 (vader-3.3 compound score, \u22121 to +1)">Negative</span>'
    ) in html  # "I was charged twice this month."
    assert 'data-sentiment="positive" title="Sentiment 0.78 (vader-3.3' in html
    trend = html.split('id="ticket-sentiment"')[1].split("</span> improving")[0]
    assert 'title="Mean 0.29 over 2 scored customer messages"' in html
    assert "sentiment-negative" in trend
    assert "</span> improving</span>" in html


def test_it_shows_no_badge_before_a_message_is_scored(
    client: Client, alice: User, acme_ticket: Ticket
) -> None:
    html = login(client, alice).get(f"/tickets/{acme_ticket.ref}/").content.decode()
    assert "sentiment-badge" not in html
    assert 'id="ticket-sentiment"' not in html


def test_it_reads_sentiment_without_extra_queries(
    client: Client, alice: User, dave: Contact, acme_ticket: Ticket
) -> None:
    login(client, alice)
    counts = []
    for batch in (1, 30):
        for n in range(batch):
            actions.do_add_message(acme_ticket, author=dave, body_text=f"Awful, broken ({n}).")
        score_unscored_messages()
        with CaptureQueriesContext(connection) as queries:
            html = client.get(f"/tickets/{acme_ticket.ref}/").content.decode()
        counts.append(len(queries))
        assert html.count('data-sentiment="negative"') == {1: 2, 30: 32}[batch]
    # Unscored, scored, 31 scored: the sentiment rows ride along with the messages.
    assert counts[0] == counts[1]
