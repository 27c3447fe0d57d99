"""The sidebar's "Follow-ups due" count, cheap enough for every workspace page: a
COUNT over the (agent, state, due_at) index, as a subquery so the page frame reads it
in the same query as the unread notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import F, Func, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from heedful.reminders.models import FollowUp, FollowUpState


def count_of(queryset: QuerySet[Any]) -> Coalesce:
    """``SELECT COUNT(id) FROM ... WHERE ...`` as a correlated subquery (0, never NULL)."""
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def due_follow_ups_of_outer_user(now: datetime) -> Coalesce:
    """How many pending follow-ups of the outer query's user are due at ``now``."""
    due = FollowUp.objects.filter(
        agent=OuterRef("pk"), state=FollowUpState.PENDING, due_at__lte=now
    )
    return count_of(due)
