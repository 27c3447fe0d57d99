"""Background jobs of the SLA scheduler, run by the task worker (`heedful worker`)."""

from __future__ import annotations

from django_tasks import task

from heedful.sla.actions import do_recompute_unsolved_clocks
from heedful.sla.escalations import do_fire_alert


@task()
def fire_alert(alert_id: int) -> str:
    """Send one breach warning or escalation; idempotent (see do_fire_alert)."""
    return str(do_fire_alert(alert_id))


@task()
def recompute_unsolved_clocks() -> int:
    """A policy or calendar changed: move the due times of every unsolved ticket."""
    return do_recompute_unsolved_clocks()
