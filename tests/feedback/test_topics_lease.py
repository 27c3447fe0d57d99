"""Two computations of the topics at once (the daily task, the "Compute now" button, the
CLI): the second is skipped with a message while the first holds the lease, never a
failure on the unique constraint halfway through."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from heedful.accounts.models import User
from heedful.customers.models import Contact, Organization
from heedful.feedback import topics
from heedful.feedback.leases import Busy, hold
from heedful.feedback.models import Topic, TopicDocument, TopicRun
from heedful.feedback.tasks import recompute_topics
from heedful.feedback.topics_cli import cmd_topics
from tests.conftest import login
from tests.feedback.topic_builders import fill, people


@pytest.fixture
def texts(dave: Contact, erin: Contact, acme: Organization, settings: Any) -> None:
    settings.TOPICS_MAX = 3
    fill(people(dave, erin, acme))


@pytest.mark.django_db(transaction=True)
def test_it_skips_a_second_computation_while_the_first_runs(
    texts: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first computation stops after taking the lease, until the second has tried:
    # two real connections (threads), each in its own transactions.
    inside, release = threading.Event(), threading.Event()
    real_documents = topics.latest_documents

    def slow_documents(limit: int) -> Any:
        if threading.current_thread().name == "first":
            inside.set()
            assert release.wait(30)
        return real_documents(limit)

    monkeypatch.setattr(topics, "latest_documents", slow_documents)
    outcomes: dict[str, object] = {}

    def compute(name: str) -> None:
        try:
            run = topics.recompute_topics()
            outcomes[name] = run.topics if run is not None else None
        except Exception as error:
            outcomes[name] = error
        finally:
            connection.close()

    first = threading.Thread(target=compute, args=("first",), name="first")
    first.start()
    assert inside.wait(30)
    second = threading.Thread(target=compute, args=("second",), name="second")
    second.start()
    second.join(60)
    release.set()
    first.join(120)
    assert outcomes["first"] == 3
    assert isinstance(outcomes["second"], Busy)
    assert str(outcomes["second"]) == (
        "A computation of the topics is already running; this one is skipped."
    )
    assert TopicRun.objects.count() == 1
    assert TopicDocument.objects.count() == 22
    # The lease is given back: the next computation runs.
    assert topics.recompute_topics() is not None
    assert TopicRun.objects.count() == 2


def test_the_task_and_the_cli_say_they_skipped(
    texts: None, capsys: pytest.CaptureFixture[str]
) -> None:
    with hold(topics.LEASE, seconds=60, what="A computation of the topics"):
        assert recompute_topics.call() == 0
        assert cmd_topics(type("Args", (), {"seed": 0})()) == 0
    assert json.loads(capsys.readouterr().out) == {
        "topics": 0,
        "reason": "A computation of the topics is already running; this one is skipped.",
    }
    assert not Topic.objects.exists() and not TopicRun.objects.exists()


def test_the_button_says_a_computation_is_running(
    texts: None, client: Client, alice: User, django_capture_on_commit_callbacks: Any
) -> None:
    login(client, alice)
    lease = hold(topics.LEASE, seconds=60, what="A computation of the topics")
    with lease, django_capture_on_commit_callbacks(execute=True):
        response = client.post("/feedback/topics/recompute/", follow=True)
    assert "The topics are being computed already: reload in a minute." in (
        response.content.decode()
    )
    assert not TopicRun.objects.exists()


def test_a_lease_left_by_a_killed_worker_expires(texts: None) -> None:
    with hold(topics.LEASE, seconds=0, what="A computation of the topics"):
        # Expired at once: the next computation takes it over.
        assert topics.recompute_topics() is not None
