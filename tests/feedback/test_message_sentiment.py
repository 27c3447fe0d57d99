"""Every inbound customer message is scored for sentiment and stored per message."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone

from heedful.accounts.models import User
from heedful.feedback.actions import do_score_message, score_unscored_messages
from heedful.feedback.models import MessageSentiment, SentimentLabel
from heedful.feedback.sentiment import VaderModel, label_for
from heedful.tickets.actions import do_add_message
from heedful.tickets.models import Message, Ticket


def test_it_scores_a_live_customer_message(
    make_ticket: Callable[..., Ticket], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(body_text="This is terrible, I am very angry.")
    row = MessageSentiment.objects.get()
    assert row.message == Message.objects.get(ticket=ticket)
    assert (row.model, row.label, row.compound) == ("vader-3.3", SentimentLabel.NEGATIVE, -0.7713)


def test_it_does_not_score_agent_replies(
    alice: User, acme_ticket: Ticket, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        do_add_message(acme_ticket, author=alice, body_text="Great news, all fixed!")
    assert MessageSentiment.objects.count() == 0
    reply = Message.objects.get(author_user=alice)
    assert do_score_message(reply.pk) is None


def test_it_backfills_history_once(make_ticket: Callable[..., Ticket]) -> None:
    past = timezone.now() - timedelta(days=3)
    make_ticket(body_text="Thanks, love it!", created_at=past)
    make_ticket(body_text="Where is my parcel?", created_at=past)
    assert MessageSentiment.objects.count() == 0
    assert score_unscored_messages() == 2
    assert score_unscored_messages() == 0
    labels = sorted(MessageSentiment.objects.values_list("label", flat=True))
    assert labels == [SentimentLabel.NEUTRAL, SentimentLabel.POSITIVE]


def test_it_labels_by_vader_thresholds() -> None:
    assert [label_for(x) for x in (-0.05, -0.0499, 0.0, 0.0499, 0.05)] == [
        SentimentLabel.NEGATIVE, SentimentLabel.NEUTRAL, SentimentLabel.NEUTRAL,
        SentimentLabel.NEUTRAL, SentimentLabel.POSITIVE,
    ]  # fmt: skip
    assert [s.label for s in VaderModel().score(["", "ok thanks", "worst service ever"])] == [
        SentimentLabel.NEUTRAL, SentimentLabel.POSITIVE, SentimentLabel.NEGATIVE,
    ]  # fmt: skip
