"""Errors raised by actions; views and the API turn them into 4xx responses."""

from __future__ import annotations


class ActionError(Exception):
    """The request is understood but cannot be carried out (HTTP 400/422)."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class ActionForbidden(ActionError):
    """The actor may see the object but not do this to it (HTTP 403)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message, field=field, code="forbidden")
