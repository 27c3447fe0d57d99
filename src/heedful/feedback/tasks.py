"""Feedback jobs for the task worker; each is idempotent (see actions.py)."""

from __future__ import annotations

import logging

from django_tasks import task

from heedful.feedback import actions

log = logging.getLogger(__name__)


@task()
def send_survey_request(request_id: int) -> str:
    return actions.do_send_request(request_id)


@task()
def send_due_survey_requests() -> dict[str, int]:
    return actions.send_due_requests()


@task()
def score_message_sentiment(message_id: int) -> str:
    row = actions.do_score_message(message_id)
    return row.label if row is not None else "skipped"


@task()
def score_unscored_messages() -> int:
    return actions.score_unscored_messages()


@task()
def schedule_nps_surveys() -> int:
    from heedful.feedback.nps import run_gated_sweep

    return run_gated_sweep()


@task()
def email_follow_up_owner(follow_up_id: int) -> bool:
    from heedful.feedback.followups import do_email_owner

    return do_email_owner(follow_up_id)


@task()
def send_closing_the_loop(follow_up_id: int) -> bool:
    from heedful.feedback.followups import do_send_closing_the_loop

    return do_send_closing_the_loop(follow_up_id)


@task()
def recompute_topics() -> int:
    """Topics computed again now (the CLI and the topics page's button)."""
    from heedful.feedback.leases import Busy
    from heedful.feedback.topics import recompute_topics as recompute

    try:
        run = recompute()
    except Busy as busy:
        log.info("topics: %s", busy)
        return 0
    return run.topics if run is not None else 0


@task()
def recompute_topics_if_due() -> bool:
    """Enqueued by the scheduler's leader on every pass; computes at most once a day, or
    when enough new texts arrived (heedful.feedback.topics.is_due)."""
    from heedful.feedback.topics import recompute_if_due

    return recompute_if_due()
