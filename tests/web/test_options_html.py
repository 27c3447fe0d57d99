"""The inbox's <option> lists, printed in Python."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from heedful.accounts.models import Team, User
from heedful.tickets.models import Ticket
from heedful.web.options_html import options_html


def test_it_escapes_values_and_labels_and_selects_the_current_one() -> None:
    html = options_html([("a&b", "<A>"), ("b", 'say "b"'), ("", "none")], "a&b")
    assert html == (
        '<option value="a&amp;b" selected>&lt;A&gt;</option>'
        '<option value="b">say &quot;b&quot;</option>'
        '<option value="">none</option>'
    )


def test_it_selects_nothing_without_a_current_value() -> None:
    assert options_html([("", "Any"), ("x", "X")]) == (
        '<option value="">Any</option><option value="x">X</option>'
    )


def test_it_marks_the_inbox_filters_in_the_filter_bar_only(
    client: Client, alice: User, bob: User, support: Team, make_ticket: Callable[..., Ticket]
) -> None:
    ticket = make_ticket(assignee=bob, team=support)
    assert ticket.status == "new"
    client.force_login(alice)
    url = f"/inbox/open/?assignee=bob&team={support.public_id}&status=new&sort=newest"
    html = client.get(url).content.decode()
    assert f'data-ticket-ref="{ticket.ref}"' in html
    bob_option = '<option value="bob" selected>Bob</option>'
    team_option = f'<option value="{support.public_id}" selected>{support.name}</option>'
    assert html.count(bob_option) == 1
    assert html.count(team_option) == 1
    assert html.count('<option value="new" selected>New</option>') == 1
    assert html.count('<option value="newest" selected>Newest</option>') == 1
    # The bulk bar offers the same people and teams, none selected.
    assert html.count('<option value="bob">Bob</option>') == 1
    assert html.count(f'<option value="{support.public_id}">{support.name}</option>') == 1
