"""Computing the topics from tickets and survey comments (heedful/feedback/topics.py):
distinct-customer counts, example quotes, the minimum, the cap, and the periodic task."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from heedful.customers.models import Contact, Organization
from heedful.feedback.models import Topic, TopicDocument, TopicRun
from heedful.feedback.tasks import recompute_topics, recompute_topics_if_due
from heedful.feedback.topics import TRIGGER_GATE_KEY, is_due
from heedful.feedback.topics import recompute_topics as recompute
from heedful.sla.scheduler import _enqueue_sweeps
from tests.feedback.topic_builders import Desk, fill, people, ticket


@pytest.fixture
def desk(dave: Contact, erin: Contact, acme: Organization, settings: Any) -> Desk:
    settings.TOPICS_MAX = 3
    built = people(dave, erin, acme)
    fill(built)
    return built


def by_first_term() -> dict[str, Topic]:
    return {t.terms[0]: t for t in Topic.objects.filter(merged_into=None)}


def test_it_counts_distinct_customers_and_texts_per_topic(desk: Desk) -> None:
    run = recompute()
    assert run is not None
    assert (run.documents, run.topics) == (22, 3)
    topics = by_first_term()
    assert sorted(topics) == ["invoice", "parcel", "password"]
    # Acme (Dave, Frank), Globex (Erin), Gina, Hank: 4 customers in 8 texts.
    assert (topics["invoice"].customer_count, topics["invoice"].document_count) == (4, 8)
    assert (topics["parcel"].customer_count, topics["parcel"].document_count) == (3, 6)
    assert (topics["password"].customer_count, topics["password"].document_count) == (1, 8)
    assert topics["password"].name == "password, reset, login"


def test_it_links_each_ticket_and_comment_to_its_topic(desk: Desk) -> None:
    recompute()
    assert TopicDocument.objects.count() == 22
    assert TopicDocument.objects.filter(ticket__isnull=False).count() == 14
    password = by_first_term()["password"]
    linked = TopicDocument.objects.filter(topic=password)
    assert set(linked.values_list("response__text", flat=True)) == set(
        linked.values_list("quote", flat=True)
    )
    assert linked.filter(response__isnull=False).count() == 8


def test_it_takes_example_quotes_from_distinct_customers_first(desk: Desk) -> None:
    recompute()
    parcel = by_first_term()["parcel"]
    examples = TopicDocument.objects.filter(topic=parcel, rank__lt=3)
    customers = {(d.organization_id, d.contact_id if d.organization_id is None else None)
                 for d in examples}  # fmt: skip
    assert len(customers) == 3
    assert examples.count() == 3


def test_it_stores_the_mean_sentiment_of_the_texts(desk: Desk) -> None:
    recompute()
    password = by_first_term()["password"]
    values = list(TopicDocument.objects.filter(topic=password).values_list("sentiment", flat=True))
    assert len(values) == 8 and None not in values
    assert password.average_sentiment == pytest.approx(sum(values) / 8)  # type: ignore[arg-type]


def test_it_computes_nothing_below_the_minimum(dave: Contact, settings: Any) -> None:
    for text in ("Invoice charged twice", "Password reset broken", "Parcel late"):
        ticket(dave, text)
    assert recompute() is None
    assert (Topic.objects.count(), TopicRun.objects.count()) == (0, 0)
    settings.TOPICS_MIN_DOCUMENTS = 3
    run = recompute()
    assert run is not None and run.documents == 3


def test_it_reads_only_the_latest_texts(desk: Desk, settings: Any) -> None:
    settings.TOPICS_MAX_DOCUMENTS, settings.TOPICS_MIN_DOCUMENTS = 10, 5
    run = recompute()
    assert run is not None
    assert run.documents == 10
    # The newest ten: the six shipping tickets and the last four login comments are newer
    # than every billing ticket.
    assert TopicDocument.objects.filter(quote__icontains="invoice").count() == 0


def test_it_records_the_run(desk: Desk) -> None:
    run = recompute()
    assert run is not None
    assert TopicRun.objects.get() == run
    assert run.seconds > 0
    assert run.silhouette is not None and 0 < run.silhouette < 1
    assert run.last_ticket_number > 0 and run.last_response_id > 0


def test_it_recomputes_from_the_task(desk: Desk) -> None:
    result = recompute_topics.enqueue()  # the test settings run tasks immediately
    assert result.return_value == 3
    assert Topic.objects.count() == 3


def test_it_is_due_when_never_computed_old_or_many_new_texts(desk: Desk, settings: Any) -> None:
    assert is_due()
    recompute()
    assert not is_due()
    settings.TOPICS_NEW_DOCUMENTS = 2
    ticket(desk.erin, "Parcel arrived broken")
    assert not is_due()
    ticket(desk.erin, "Parcel arrived open")
    assert is_due()
    settings.TOPICS_NEW_DOCUMENTS = 1000
    assert not is_due()
    TopicRun.objects.update(finished_at=TopicRun.objects.get().finished_at.replace(year=2020))
    assert is_due()


def test_it_looks_at_most_once_per_gate_from_the_scheduler(desk: Desk) -> None:
    _enqueue_sweeps()  # what the scheduler's leader does on every pass
    assert TopicRun.objects.count() == 1
    TopicRun.objects.update(finished_at=TopicRun.objects.get().finished_at.replace(year=2020))
    assert recompute_topics_if_due.enqueue().return_value is False  # gated
    cache.delete(TRIGGER_GATE_KEY)
    assert recompute_topics_if_due.enqueue().return_value is True
    assert TopicRun.objects.count() == 2
