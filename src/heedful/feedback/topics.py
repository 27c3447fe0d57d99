"""Topics of what customers write (R5), recomputed by a job; ranked by distinct customers
(R7). The algorithm is heedful.lib.topics; this module reads the texts, keeps what agents
did to the topics across computations, and stores the result.

Each computation takes the latest TOPICS_MAX_DOCUMENTS texts (tickets' subject and first
customer message, survey comments), clusters them, and matches every new cluster to the
old topic it continues (the one sharing most of its texts, heedful.lib.topics.
match_topics). A matched topic keeps its public id, the name an agent gave it and its
merge (``merged_into``: "B merged into A" is a rule stored on B, applied again after
every computation because B's texts keep counting for A). Old topics nothing continues
are deleted, except a merge target some continued topic still points to.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from heedful.feedback import leases
from heedful.feedback.models import QuestionMetric, Response, Topic, TopicDocument, TopicRun
from heedful.feedback.topics_documents import Document, latest_documents
from heedful.lib.topic_model import TopicModel, find_topics_in_child, match_topics
from heedful.tickets.models import Ticket

log = logging.getLogger(__name__)

NAME_TERMS = 3
EXAMPLES = 3
BATCH = 1000
# The scheduler passes every 30 s; asking "is a computation due?" every 10 minutes is
# plenty (the gate is per cache, like the NPS sweep's).
TRIGGER_GATE_KEY = "heedful:feedback:topics-trigger"
TRIGGER_GATE_SECONDS = 600
# Held while computing; a computation takes minutes, so a lease left by a killed worker
# is free again after two hours.
LEASE = "topics"
LEASE_SECONDS = 2 * 3600

DocKey = tuple[str, int]


def topic_name(terms: Sequence[str]) -> str:
    return ", ".join(terms[:NAME_TERMS]) or "(no terms)"


def customer_key(organization_id: int | None, contact_id: int) -> Hashable:
    """A customer is an organization, or a contact without one (counted alone)."""
    return ("org", organization_id) if organization_id is not None else ("contact", contact_id)


def _ranked(documents: Sequence[Document], members: Sequence[int]) -> list[int]:
    """Members closest to the centre first, but the first EXAMPLES from distinct customers
    where the topic has them, so one customer does not fill every example (R7)."""
    first: list[int] = []
    seen: set[Hashable] = set()
    for i in members:
        key = customer_key(documents[i].organization_id, documents[i].contact_id)
        if key not in seen:
            first.append(i)
            seen.add(key)
            if len(first) == EXAMPLES:
                break
    chosen = set(first)
    return first + [i for i in members if i not in chosen]


def _old_members(present: set[DocKey]) -> dict[int, set[DocKey]]:
    old: dict[int, set[DocKey]] = defaultdict(set)
    rows = TopicDocument.objects.values_list("topic_id", "ticket_id", "response_id")
    for topic_id, ticket_id, response_id in rows.iterator(chunk_size=BATCH):
        key: DocKey = ("ticket", ticket_id) if ticket_id is not None else ("response", response_id)
        if key in present:
            old[topic_id].add(key)
    return old


def _save_topics(model: TopicModel, matched: dict[int, int]) -> list[Topic]:
    """One Topic per new cluster: the matched old one updated, or a new one."""
    now = timezone.now()
    existing = Topic.objects.in_bulk(list(matched.values()))
    result = []
    for index, cluster in enumerate(model.topics):
        topic = existing.get(matched[index]) if index in matched else None
        if topic is None:
            topic = Topic(created_at=now)
        topic.name, topic.terms, topic.updated_at = topic_name(cluster.terms), cluster.terms, now
        result.append(topic)
    Topic.objects.bulk_create([t for t in result if t.pk is None], batch_size=BATCH)
    Topic.objects.bulk_update(
        [t for t in result if t.pk in existing], ["name", "terms", "updated_at"], batch_size=BATCH
    )
    return result


def _delete_unmatched(kept: Iterable[int]) -> int:
    kept_ids = set(kept)
    targets = set(
        Topic.objects.filter(pk__in=kept_ids, merged_into__isnull=False).values_list(
            "merged_into_id", flat=True
        )
    )
    deleted, _ = Topic.objects.exclude(pk__in=kept_ids | targets).delete()
    return deleted


def _links(documents: Sequence[Document], model: TopicModel, topics: Sequence[Topic]) -> int:
    rows = []
    for cluster, topic in zip(model.topics, topics, strict=True):
        for rank, i in enumerate(_ranked(documents, cluster.members)):
            d = documents[i]
            rows.append(
                TopicDocument(
                    topic=topic,
                    ticket_id=d.ticket_id,
                    response_id=d.response_id,
                    contact_id=d.contact_id,
                    organization_id=d.organization_id,
                    quote=d.quote,
                    sentiment=d.sentiment,
                    rank=rank,
                    created_at=d.created_at,
                )
            )
    TopicDocument.objects.all().delete()
    TopicDocument.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def refresh_counts(topic_ids: Iterable[int] | None = None) -> None:
    """Distinct customers, texts and mean sentiment of each topic with the topics merged
    into it (a merged topic keeps its own figures)."""
    found = Topic.objects.all() if topic_ids is None else Topic.objects.filter(pk__in=topic_ids)
    topics = list(found)
    wanted = {t.pk for t in topics}
    groups: dict[int, set[int]] = {t.pk: {t.pk} for t in topics}
    for pk, target in Topic.objects.filter(merged_into_id__in=wanted).values_list(
        "pk", "merged_into_id"
    ):
        if target is not None:
            groups[target].add(pk)
    member_of: dict[int, list[int]] = defaultdict(list)
    for owner, members in groups.items():
        for pk in members:
            member_of[pk].append(owner)
    customers: dict[int, set[Hashable]] = defaultdict(set)
    count: dict[int, int] = defaultdict(int)
    sentiments: dict[int, list[float]] = defaultdict(list)
    rows = TopicDocument.objects.filter(topic_id__in=list(member_of)).values_list(
        "topic_id", "organization_id", "contact_id", "sentiment"
    )
    for topic_id, organization_id, contact_id, sentiment in rows.iterator(chunk_size=BATCH):
        for owner in member_of[topic_id]:
            customers[owner].add(customer_key(organization_id, contact_id))
            count[owner] += 1
            if sentiment is not None:
                sentiments[owner].append(sentiment)
    for topic in topics:
        topic.customer_count, topic.document_count = len(customers[topic.pk]), count[topic.pk]
        values = sentiments[topic.pk]
        topic.average_sentiment = sum(values) / len(values) if values else None
    Topic.objects.bulk_update(
        topics, ["customer_count", "document_count", "average_sentiment"], batch_size=BATCH
    )


def _last_seen() -> tuple[int, int]:
    last_ticket = Ticket.objects.order_by("-number").values_list("number", flat=True).first()
    last_response = Response.objects.order_by("-pk").values_list("pk", flat=True).first()
    return last_ticket or 0, last_response or 0


def recompute_topics(*, seed: int = 0) -> TopicRun | None:
    """Compute the topics again; None (and nothing changed) below TOPICS_MIN_DOCUMENTS.
    Raises leases.Busy, changing nothing, while another computation runs (the task, the
    "Compute now" button and the CLI may overlap)."""
    with leases.hold(LEASE, seconds=LEASE_SECONDS, what="A computation of the topics"):
        return _recompute(seed)


def _find_topics(texts: list[str], seed: int) -> TopicModel:
    # scikit-learn, SciPy and NumPy are about 140 MB in every process that imports them,
    # for as long as it runs: the web pages never do (they import this module for
    # EXAMPLES and refresh_counts), and the worker computes in a child process that
    # gives the memory back when it exits (docs/performance-history.md, "The whole stack's
    # memory").
    if settings.TOPICS_IN_CHILD_PROCESS:
        return find_topics_in_child(texts, max_topics=settings.TOPICS_MAX, seed=seed)
    from heedful.lib.topics import find_topics

    return find_topics(texts, max_topics=settings.TOPICS_MAX, seed=seed)


def _recompute(seed: int) -> TopicRun | None:
    started_at, start = timezone.now(), time.perf_counter()
    last_ticket, last_response = _last_seen()
    documents = latest_documents(settings.TOPICS_MAX_DOCUMENTS)
    if len(documents) < settings.TOPICS_MIN_DOCUMENTS:
        return None
    model = _find_topics([d.text for d in documents], seed)
    new_members = [{documents[i].key for i in c.members} for c in model.topics]
    with transaction.atomic():
        old = _old_members({d.key for d in documents})
        matched = match_topics(new_members, old)
        topics = _save_topics(model, matched)
        _delete_unmatched(t.pk for t in topics)
        linked = _links(documents, model, topics)
        refresh_counts()
        run = TopicRun.objects.create(
            started_at=started_at,
            finished_at=timezone.now(),
            documents=linked,
            topics=len(topics),
            silhouette=model.silhouette,
            seconds=time.perf_counter() - start,
            last_ticket_number=last_ticket,
            last_response_id=last_response,
        )
    log.info("topics: %s topics from %s texts in %.1f s", run.topics, linked, run.seconds)
    return run


def _new_documents_since(run: TopicRun, enough: int) -> int:
    """New tickets and comments since the run, counted no further than ``enough``."""
    tickets = Ticket.objects.filter(number__gt=run.last_ticket_number).values("pk")[:enough]
    comments = (
        Response.objects.filter(pk__gt=run.last_response_id, metric=QuestionMetric.NONE)
        .exclude(text="")
        .values("pk")[:enough]
    )
    return tickets.count() + comments.count()


def is_due() -> bool:
    """Never computed, computed more than TOPICS_EVERY_HOURS ago, or TOPICS_NEW_DOCUMENTS
    new texts since."""
    last = TopicRun.objects.order_by("-finished_at", "-id").first()
    if last is None:
        return True
    if last.finished_at <= timezone.now() - timedelta(hours=settings.TOPICS_EVERY_HOURS):
        return True
    enough = settings.TOPICS_NEW_DOCUMENTS
    return _new_documents_since(last, enough) >= enough


def recompute_if_due() -> bool:
    """The scheduler's periodic call: looks at most once per TRIGGER_GATE_SECONDS."""
    if not cache.add(TRIGGER_GATE_KEY, True, timeout=TRIGGER_GATE_SECONDS):
        return False
    if not is_due():
        return False
    try:
        return recompute_topics() is not None
    except leases.Busy as busy:
        log.info("topics: %s", busy)
        return False
