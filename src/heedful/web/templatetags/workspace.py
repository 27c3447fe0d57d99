"""Small display helpers for the workspace templates."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone

register = template.Library()

SNIPPET_RADIUS = 70


@register.filter
def age(value: datetime | None) -> str:
    """Compact time since ``value``: "now", "12m", "5h", "3d", "7w"."""
    if value is None:
        return ""
    seconds = max(0, int((timezone.now() - value).total_seconds()))
    for unit, size in (("w", 7 * 86400), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return "now"


@register.filter
def ago(value: datetime | None) -> str:
    """Relative time for sentences: "just now", "12m ago"."""
    compact = age(value)
    return "just now" if compact == "now" else f"{compact} ago" if compact else ""


@register.filter
def initials(name: str) -> str:
    parts = [p for p in str(name).replace("@", " ").split() if p[:1].isalnum()]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


@register.filter
def snippet(text: str, query: str) -> str:
    """The part of ``text`` around the first match of ``query`` (escaped by the template)."""
    text = " ".join(str(text).split())
    at = text.lower().find(str(query).lower())
    if at < 0:
        return text[: 2 * SNIPPET_RADIUS] + ("…" if len(text) > 2 * SNIPPET_RADIUS else "")
    start = max(0, at - SNIPPET_RADIUS)
    end = min(len(text), at + len(query) + SNIPPET_RADIUS)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


@register.filter
def filesize(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"
