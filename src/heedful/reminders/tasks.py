"""Background jobs of the reminders, enqueued by the scheduler's leader every pass
(heedful.sla.scheduler._enqueue_sweeps). Both are idempotent: the rows they write
(``notified_at``, one SolvedCheck per solve) decide whether anything happens again."""

from __future__ import annotations

from django_tasks import task

from heedful.reminders.checks import decide_solved_checks
from heedful.reminders.due import announce_due_follow_ups


@task()
def announce_follow_ups() -> int:
    """Follow-ups that fell due: back in the agent's view, ticket reopened, notified."""
    return announce_due_follow_ups()


@task()
def send_solved_checks() -> int:
    """ "Did this solve it?" for recently solved tickets (when HEEDFUL_SOLVED_CHECK is on)."""
    return decide_solved_checks()
