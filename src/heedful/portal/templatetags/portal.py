"""Template helpers of the customer portal."""

from __future__ import annotations

from django import template

from heedful.portal.status import PlainStatus
from heedful.portal.status import plain_status as _plain_status

register = template.Library()


@register.filter
def plain_status(status: str) -> PlainStatus:
    return _plain_status(status)
