"""Background jobs for outgoing email, run by the task worker (`heedful worker`).

Both are idempotent: the outbox row's state decides whether anything is sent, so a job
run twice (or a retry racing the sweep) sends at most once.
"""

from __future__ import annotations

from django_tasks import task

from heedful.mail import outbound_send


@task()
def send_outbound_email(outbound_id: int) -> str:
    """Send one outbox row if it is due; its state afterwards."""
    return outbound_send.send_outbound(outbound_id)


@task()
def send_due_outbound_emails() -> dict[str, int]:
    """The sweep: due retries, lost enqueues, and rows stuck in "sending"."""
    return outbound_send.send_due_outbound()
