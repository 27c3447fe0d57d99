"""What agents do to topics: rename and merge (the only writers besides the recompute job,
heedful/feedback/topics.py, which keeps both across computations)."""

from __future__ import annotations

import logging
import uuid

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from heedful.accounts.models import User
from heedful.feedback.models import Topic
from heedful.feedback.topics import refresh_counts
from heedful.lib.errors import ActionError, ActionForbidden

log = logging.getLogger(__name__)

MAX_NAME_CHARS = 200


def get_topic_for_user(user: User, public_id: str) -> Topic:
    """Topics quote customers of every organization: full agents only (404 for others,
    so nobody else learns a topic exists)."""
    if not user.is_full_agent:
        raise Http404("No such topic")
    try:
        key = uuid.UUID(public_id)
    except ValueError:
        raise Http404("No such topic") from None
    found = Topic.objects.filter(public_id=key).first()
    if found is None:
        raise Http404("No such topic")
    return found


def _check_agent(actor: User) -> None:
    if not actor.is_full_agent:
        raise ActionForbidden("Only agents can rename or merge topics.")


@transaction.atomic
def do_rename_topic(topic: Topic, name: str, *, actor: User) -> Topic:
    """Give the topic a name of the agent's own; an empty name goes back to the terms."""
    _check_agent(actor)
    name = " ".join(name.split())
    if len(name) > MAX_NAME_CHARS:
        raise ActionError(f"Please keep the name under {MAX_NAME_CHARS} characters.", field="name")
    topic.custom_name, topic.updated_at = name, timezone.now()
    topic.save(update_fields=["custom_name", "updated_at"])
    log.info("topic %s renamed to %r by %s", topic.public_id, name, actor.username)
    return topic


@transaction.atomic
def do_merge_topics(source: Topic, target: Topic, *, actor: User) -> Topic:
    """Merge ``source`` into ``target``: its texts count for the target from now on, and
    after every recomputation. Returns the topic they now count for."""
    _check_agent(actor)
    locked = Topic.objects.select_for_update().in_bulk([source.pk, target.pk])
    if len(locked) < 2 and source.pk != target.pk:
        raise ActionError("That topic no longer exists; the topics were computed again.")
    source = locked[source.pk]
    root = locked[target.pk]
    if root.merged_into_id is not None:  # merging into a merged topic: into its target
        root = Topic.objects.select_for_update().get(pk=root.merged_into_id)
    if root.pk == source.pk:
        raise ActionError("A topic cannot be merged into itself.", field="target")
    now = timezone.now()
    # Kept flat (one level): what was merged into the source now counts for the target.
    Topic.objects.filter(merged_into=source).update(merged_into=root, updated_at=now)
    previous = source.merged_into_id
    source.merged_into, source.updated_at = root, now
    source.save(update_fields=["merged_into", "updated_at"])
    refresh_counts([source.pk, root.pk, *([previous] if previous else [])])
    log.info("topic %s merged into %s by %s", source.public_id, root.public_id, actor.username)
    root.refresh_from_db()
    return root


@transaction.atomic
def do_unmerge_topic(topic: Topic, *, actor: User) -> Topic:
    """Undo a merge: the topic is listed on its own again."""
    _check_agent(actor)
    topic = Topic.objects.select_for_update().get(pk=topic.pk)
    previous = topic.merged_into_id
    if previous is None:
        raise ActionError("This topic is not merged into another.")
    topic.merged_into, topic.updated_at = None, timezone.now()
    topic.save(update_fields=["merged_into", "updated_at"])
    refresh_counts([topic.pk, previous])
    topic.refresh_from_db()
    return topic
