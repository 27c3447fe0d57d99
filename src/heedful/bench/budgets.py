"""How many SQL queries each benchmarked page may send: the smoke run (CI) fails when a
count grows past its budget, because a count that grows with the data (N+1 queries) is
the first thing that breaks at a million tickets. Lower a budget when a page gets cheaper.
"""

from __future__ import annotations

# Benchmark name prefix -> most queries; the longest matching prefix wins.
QUERY_BUDGETS: dict[str, int] = {
    # capped count, rows, tags; +1 for the team view (the agent's teams) or a tag filter
    # (the tag's size), which skips the count for a common tag.
    "inbox.orm": 4,
    # session, user, the frame: one statement (unread notifications, due follow-ups, five
    # sidebar counts, which are also an unfiltered page's count), the page's rows and tags
    # (+ its capped count with filters or in the solved view), SLA clocks of the rows (when
    # one is due), filter bar (teams, agents); +1 for the team view, a tag filter or an
    # organization filter's name.
    "inbox.http": 10,
    # ticket, messages, attachments, tags, events.
    "ticket.orm": 5,
    # Whatever the thread's length (checked against a short email thread, which reads the
    # mail thread with its folded quotes, and the replies' delivery): 15; 18 with an SLA
    # policy (its teams, targets and calendars: a rerun on the same data set).
    "ticket.http": 18,
    # the newest ids; subjects and messages: one to three id windows each (fewer for a
    # common word or a small data set), then their rows when any matched: 8 in the smoke
    # run and for a common word, 12 for a rare word at 1M; contacts (exact, then recent),
    # organizations.
    "search.orm": 12,
    "search.http": 15,
    # session, user, the frame (1), four headline figures, the queue by status and its
    # first rows.
    "home.http": 11,
    # The tickets with a due time, nearest first (one index range); the page adds the
    # nearest clock of each row.
    "sla.breaching_next": 1,
    "sla.breaching_page": 2,
}


def query_budget(name: str) -> int | None:
    """The budget of the longest prefix of ``name`` that has one (None: no budget)."""
    matches = [
        prefix for prefix in QUERY_BUDGETS if name == prefix or name.startswith(prefix + ".")
    ]
    return QUERY_BUDGETS[max(matches, key=len)] if matches else None
