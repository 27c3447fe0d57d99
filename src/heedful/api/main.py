"""The /api/v1 application: routers, authentication, rate limit and error shape."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI

from heedful.api.auth import READ_AUTH
from heedful.api.errors import install_error_handlers
from heedful.api.routers import (
    attachments,
    contacts,
    mail,
    organizations,
    tags,
    teams,
    ticket_messages,
    tickets,
    users,
    webhooks,
)
from heedful.api.throttle import CallerRateThrottle

DESCRIPTION = """
The Heedful REST API. Authenticate with a personal token created in the workspace
(your menu → API tokens): `Authorization: Bearer hf_…`. Read-only tokens may call
every GET; creating and changing need a token with the write scope.

Every error (4xx) has one shape: `{"error": {"code", "message", "fields"}}`.
Creates accept an `Idempotency-Key` header: a retry with the same key returns the
first response and creates nothing. Lists are paged with `next_cursor`.
See docs/api.md for examples.
"""


class HeedfulAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Any) -> str:
        # "list_tickets" rather than ninja's module-path-prefixed default.
        return str(operation.view_func.__name__)


api = HeedfulAPI(
    title="Heedful API",
    version="1",
    description=DESCRIPTION.strip(),
    urls_namespace="api-v1",
    auth=READ_AUTH,
    throttle=[CallerRateThrottle()],
)
install_error_handlers(api)

api.add_router("/tickets", tickets.router)
api.add_router("/tickets", ticket_messages.router)
api.add_router("/contacts", contacts.router)
api.add_router("/organizations", organizations.router)
api.add_router("/tags", tags.router)
api.add_router("/teams", teams.router)
api.add_router("/users", users.router)
api.add_router("/webhooks", webhooks.router)
api.add_router("/mail", mail.router)
api.add_router("/attachments", attachments.router)
