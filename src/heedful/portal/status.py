"""Ticket states in the customer's words: three states, not the agents' six."""

from __future__ import annotations

from dataclasses import dataclass

from heedful.tickets.models import Status


@dataclass(frozen=True)
class PlainStatus:
    key: str  # "working", "waiting" or "solved": the CSS class and the filter name
    label: str
    hint: str


WORKING = PlainStatus(
    "working", "We're working on it", "Our team has your request and will answer here."
)
WAITING = PlainStatus(
    "waiting", "Waiting for you", "We answered and need something from you: reply below."
)
SOLVED = PlainStatus(
    "solved", "Solved", "We believe this is solved. Reply if it is not, and we will pick it up."
)
CLOSED = PlainStatus(
    "solved", "Solved", "This request is closed. Open a new request if you need more help."
)

_BY_STATUS = {
    Status.NEW: WORKING,
    Status.OPEN: WORKING,
    Status.ON_HOLD: WORKING,
    Status.PENDING: WAITING,
    Status.SOLVED: SOLVED,
    Status.CLOSED: CLOSED,
}


def plain_status(status: str) -> PlainStatus:
    return _BY_STATUS.get(Status(status), WORKING) if status in Status.values else WORKING


def accepts_replies(status: str) -> bool:
    """A closed ticket is final: the customer opens a new request instead."""
    return status != Status.CLOSED
