"""``<option>`` lists printed in Python rather than by template loops.

The inbox's filter bar and bulk bar print the statuses, priorities, sorts, teams and
agents nine times over, about 150 options; as ``{% for %}`` loops with an ``{% if %}`` and
two lookups each they were about a third of what was left of the page's rendering
(docs/performance-history.md, "Inbox page: the frame compiled once").
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from django.utils.safestring import SafeString, mark_safe


def options_html(choices: Iterable[tuple[str, str]], selected: str = "") -> SafeString:
    """``<option value="v">label</option>`` for each (value, label), every value escaped as
    ``{{ }}`` would; those whose value equals ``selected`` (when given) are selected."""
    return mark_safe("".join(_option(value, label, selected) for value, label in choices))


def _option(value: str, label: str, selected: str) -> str:
    mark = " selected" if selected and value == selected else ""
    return f'<option value="{escape(value)}"{mark}>{escape(label)}</option>'
