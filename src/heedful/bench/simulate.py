"""One generated ticket's life: its messages and the events the actions would record.

The state machine below mirrors heedful.tickets.actions (do_create_ticket, _add_message,
_set_status), so the denormalised timestamps and the event log are what the real actions
would have written; tests/bench checks that against the messages and tickets.events.replay.
"""

from __future__ import annotations

import html
import json
import random
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from heedful.bench.corpus import Corpus
from heedful.bench.shape import (
    DAY,
    HOUR,
    delay,
    draw,
    message_count_weights,
    zipf_cum_weights,
)
from heedful.bench.world import GENERIC_TAGS, World
from heedful.bench.writer import BulkWriter, Row

TICKET_COLUMNS = (
    "id", "number", "subject", "status", "priority", "channel", "requester_id",
    "organization_id", "assignee_id", "team_id", "custom_fields", "created_at", "updated_at",
    "first_response_at", "last_customer_message_at", "last_agent_message_at", "solved_at",
    "reopened_count", "waiting_since", "message_count",
)  # fmt: skip
MESSAGE_COLUMNS = (
    "id", "public_id", "ticket_id", "direction", "is_public", "author_user_id",
    "author_contact_id", "body_text", "body_html", "channel", "external_id", "created_at",
)  # fmt: skip
EVENT_COLUMNS = (
    "id", "ticket_id", "kind", "actor_user_id", "actor_contact_id", "field", "before",
    "after", "message_id", "created_at",
)  # fmt: skip
TICKET_TAG_COLUMNS = ("id", "ticket_id", "tag_id")

PRIORITIES = ("low", "normal", "high", "urgent")
PRIORITY_CUM = (0.2, 0.78, 0.94, 1.0)
# Median seconds until an agent answers, by priority.
RESPONSE_MEDIAN = {"low": 10 * HOUR, "normal": 4 * HOUR, "high": 90 * 60, "urgent": 30 * 60}
CHANNELS = ("email", "web", "twitter", "portal", "api", "phone", "agent")
CHANNEL_CUM = (0.45, 0.65, 0.77, 0.87, 0.92, 0.97, 1.0)
# What an agent's reply does to the status (when it is not the reply that solves).
REPLY_STATUSES = ("pending", "open", "solved", "on_hold")
REPLY_STATUS_CUM = (0.55, 0.88, 0.96, 1.0)
UNSOLVED = ("new", "open", "pending", "on_hold")
MESSAGE_CUM = message_count_weights(4.6)


@dataclass
class Batch:
    tickets: list[Row] = field(default_factory=list)
    messages: list[Row] = field(default_factory=list)
    events: list[Row] = field(default_factory=list)
    ticket_tags: list[Row] = field(default_factory=list)

    def rows(self) -> int:
        return len(self.tickets) + len(self.messages) + len(self.events) + len(self.ticket_tags)


@dataclass
class Ids:
    ticket: int
    number: int
    message: int
    event: int
    ticket_tag: int


@dataclass
class _Ticket:
    """The mutable state of the ticket being generated (the columns the actions keep)."""

    id: int
    status: str
    created: int
    updated: int
    requester: int
    assignee: int | None = None
    waiting_since: int | None = None
    first_response: int | None = None
    last_customer: int | None = None
    last_agent: int | None = None
    solved_at: int | None = None
    reopened: int = 0
    count: int = 0


def _cum_pick(rng: random.Random, values: tuple[str, ...], cum: tuple[float, ...]) -> str:
    roll = rng.random()
    for value, edge in zip(values, cum, strict=True):
        if roll < edge:
            return value
    return values[-1]


class TicketSimulator:
    def __init__(
        self, world: World, corpus: Corpus, writer: BulkWriter, rng: random.Random, ids: Ids
    ) -> None:
        self.world, self.corpus, self.writer, self.rng, self.ids = world, corpus, writer, rng, ids
        self.now = writer.now
        self.customer_html = [html.escape(s) for s in corpus.customer]
        self.agent_html = [html.escape(s) for s in corpus.agent]
        self.last_contact: dict[int, int] = {}
        self.team_cum = zipf_cum_weights(len(world.support_team_ids), 0.8)
        self._channel = "web"
        self.batch = Batch()

    # -- the plan: who writes when ---------------------------------------------------------
    def _sides(self, agent_first: bool, created: int) -> list[str]:
        rng = self.rng
        sides = ["a" if agent_first else "c"]
        for _ in range(draw(rng, MESSAGE_CUM)):
            last = sides[-1]
            sides.append(("c" if last == "a" else "a") if rng.random() < 0.8 else last)
        if self.now - created > 10 * DAY and sides[-1] == "c":
            # Old conversations ended with our answer.
            if len(sides) < 20:
                sides.append("a")
            else:
                sides[-1] = "a"
        return sides

    def _times(self, sides: list[str], created: int, priority: str) -> list[int]:
        times, at = [created], created
        for before, side in pairwise(sides):
            if side == before:
                at += delay(self.rng, 45 * 60)
            elif side == "a":
                at += delay(self.rng, RESPONSE_MEDIAN[priority], 1.2)
            else:
                at += delay(self.rng, 6 * HOUR, 1.3)
            if at >= self.now:
                break
            times.append(at)
        return times

    # -- rows --------------------------------------------------------------------------------
    def _event(self, t: _Ticket, kind: str, at: int, **values: Any) -> None:
        self.batch.events.append((
            self.ids.event, t.id, kind, values.get("user"), values.get("contact"),
            values.get("field", ""), values.get("before"), values.get("after"),
            values.get("message"), self.writer.time(at),
        ))  # fmt: skip
        self.ids.event += 1

    def _set_status(self, t: _Ticket, status: str, at: int, **actor: Any) -> None:
        before, t.status = t.status, status
        if status in UNSOLVED and before in ("solved", "closed"):
            t.reopened += 1
            t.solved_at = None
        if status in ("solved", "closed"):
            t.solved_at = t.solved_at or at
            t.waiting_since = None
        elif status == "pending":
            t.waiting_since = None
        self._event(
            t, "status_changed", at, field="status", before=f'"{before}"', after=f'"{status}"',
            **actor,
        )  # fmt: skip

    def _message(
        self, t: _Ticket, at: int, *, author: int, inbound: bool, public: bool, lead: int = -1
    ) -> None:
        rng, message_id = self.rng, self.ids.message
        texts, htmls = (
            (self.corpus.customer, self.customer_html)
            if inbound
            else (self.corpus.agent, self.agent_html)
        )
        picked = [lead if lead >= 0 else rng.randrange(len(texts))]
        if rng.random() < 0.35:
            picked.append(rng.randrange(len(texts)))
        public_id = self.writer.uuid(message_id)
        channel = self._channel if inbound else "agent"
        self.batch.messages.append((
            message_id, public_id, t.id, "inbound" if inbound else "outbound", public,
            None if inbound else author, author if inbound else None,
            " ".join(texts[i] for i in picked),
            "<p>" + " ".join(htmls[i] for i in picked) + "</p>",
            channel, "", self.writer.time(at),
        ))  # fmt: skip
        self.ids.message += 1
        t.count += 1
        t.updated = max(t.updated, at)
        dashed = f"{public_id[:8]}-{public_id[8:12]}-{public_id[12:16]}-{public_id[16:20]}-"
        after = f'{{"message": "{dashed}{public_id[20:]}", "public": {str(public).lower()}}}'
        actor = {"contact": author} if inbound else {"user": author}
        if inbound:
            self._on_customer_message(t, at, author)
        elif public:
            t.last_agent, t.waiting_since = at, None
            if t.first_response is None and t.last_customer is not None:
                t.first_response = at
        self._event(t, "message_added", at, after=after, message=message_id, **actor)

    def _on_customer_message(self, t: _Ticket, at: int, contact: int) -> None:
        t.last_customer = at
        if t.waiting_since is None:
            t.waiting_since = at
        if t.status not in ("new", "open") and t.count > 1:
            self._set_status(t, "open", at, contact=contact)
        self.last_contact[contact] = max(self.last_contact.get(contact, 0), at)

    # -- one ticket ----------------------------------------------------------------------------
    def add(self, created: int) -> None:
        rng, world = self.rng, self.world
        contact_id, org_id = world.contacts[draw(rng, world.contact_cum)]
        priority = _cum_pick(rng, PRIORITIES, PRIORITY_CUM)
        self._channel = _cum_pick(rng, CHANNELS, CHANNEL_CUM)
        agent_first = self._channel in ("phone", "agent")
        team_id = world.support_team_ids[draw(rng, self.team_cum)]
        owner = rng.choice(world.agents_by_team[team_id])
        topic = rng.randrange(len(self.corpus.customer))
        subject = _subject(self.corpus.customer[topic])
        tag_names = self._tags(topic)
        t = _Ticket(
            id=self.ids.ticket, status="open" if agent_first else "new", created=created,
            updated=created, requester=contact_id, assignee=owner if agent_first else None,
        )  # fmt: skip
        snapshot: dict[str, object] = {
            "subject": subject, "status": t.status, "priority": priority,
            "assignee_id": t.assignee, "team_id": team_id, "requester_id": contact_id,
            "tags": tag_names, "custom_fields": {}, "collaborator_ids": [],
        }  # fmt: skip
        creator = {"user": owner} if agent_first else {"contact": contact_id}
        self._event(t, "created", created, after=json.dumps(snapshot), **creator)
        self._conversation(t, created, agent_first, priority, owner, topic, team_id)
        self._close_old(t)
        self._ticket_row(t, subject, priority, org_id, team_id)
        for name in tag_names:
            self.batch.ticket_tags.append((self.ids.ticket_tag, t.id, self.world.tag_ids[name]))
            self.ids.ticket_tag += 1
        self.ids.ticket += 1
        self.ids.number += 1

    def _conversation(
        self, t: _Ticket, created: int, agent_first: bool, priority: str, owner: int,
        topic: int, team_id: int,
    ) -> None:  # fmt: skip
        rng = self.rng
        sides = self._sides(agent_first, created)
        times = self._times(sides, created, priority)
        first_author = owner if agent_first else t.requester
        self._message(t, created, author=first_author, inbound=not agent_first, public=True,
                      lead=-1 if agent_first else topic)  # fmt: skip
        for index in range(1, len(times)):
            at = times[index]
            if sides[index] == "c":
                self._message(t, at, author=t.requester, inbound=True, public=True)
                continue
            last = index == len(times) - 1
            author = owner if rng.random() < 0.9 else rng.choice(self.world.agents_by_team[team_id])
            note = not last and rng.random() < 0.1
            if t.assignee is None:
                t.assignee = owner
                self._event(t, "assignee_changed", at, user=author, field="assignee_id",
                            after=str(owner))  # fmt: skip
            self._message(t, at, author=author, inbound=False, public=not note)
            if not note:
                self._reply_status(t, at, author, last)
        if t.assignee is None and rng.random() < 0.5:
            # Assigned by a routing rule when it arrived, not answered yet.
            t.assignee = owner
            self._event(t, "assignee_changed", created, field="assignee_id", after=str(owner))

    def _reply_status(self, t: _Ticket, at: int, author: int, last: bool) -> None:
        if last and self.now - at > 2 * DAY and self.rng.random() < 0.95:
            status = "solved"
        else:
            status = _cum_pick(self.rng, REPLY_STATUSES, REPLY_STATUS_CUM)
        if status != t.status:
            self._set_status(t, status, at, user=author)
            t.updated = at

    def _close_old(self, t: _Ticket) -> None:
        """Solved tickets close themselves four days later (no actor: the system)."""
        if t.status != "solved" or t.solved_at is None:
            return
        at = t.solved_at + 4 * DAY
        if at < self.now and self.rng.random() < 0.85:
            self._set_status(t, "closed", at)
            t.updated = max(t.updated, at)

    def _tags(self, topic: int) -> list[str]:
        names = {self.corpus.customer_topics[topic]} - {""}
        for _ in range(int(_cum_pick(self.rng, ("0", "1", "2"), (0.45, 0.85, 1.0)))):
            names.add(GENERIC_TAGS[draw(self.rng, self.world.generic_tag_cum)])
        return sorted(names)

    def _ticket_row(
        self, t: _Ticket, subject: str, priority: str, org_id: int | None, team_id: int
    ) -> None:
        time = self.writer.time
        self.batch.tickets.append((
            t.id, self.ids.number, subject, t.status, priority, self._channel, t.requester,
            org_id, t.assignee, team_id, "{}", time(t.created), time(t.updated),
            time(t.first_response), time(t.last_customer), time(t.last_agent),
            time(t.solved_at), t.reopened, time(t.waiting_since), t.count,
        ))  # fmt: skip


def _subject(sentence: str) -> str:
    if len(sentence) <= 80:
        return sentence
    return sentence[:77].rsplit(" ", 1)[0] + "..."
