"""Schemathesis against /api/v1/openapi.json: generated requests, valid and invalid, for
every operation. No response may be a 500, and every response must conform to the
schema (status code, content type, headers, body). Bounded so it runs in `make test`."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from heedful.accounts.actions import do_create_api_token
from heedful.accounts.models import Team, User
from heedful.customers.models import Contact, Organization
from heedful.tickets.models import Ticket

# Examples per operation; SCHEMATHESIS_EXAMPLES=200 for a longer local run.
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture(autouse=True)
def _keep_the_test_transaction() -> Iterator[None]:
    """Requests go straight into the WSGI app, whose request_finished signal closes the
    database connection (and with it the test's transaction); Django's test client
    disconnects that handler the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def real_ids(
    alice: User, bob: User, support: Team, acme: Organization, acme_ticket: Ticket,
    make_ticket: Callable[..., Ticket], settings: Any,
) -> dict[str, str]:  # fmt: skip
    settings.API_RATE_LIMIT_PER_MINUTE = 100_000
    make_ticket(subject="Second", tags=["vip"])
    requester: Contact = acme_ticket.requester
    _, secret = do_create_api_token(alice, name="schemathesis", scope="write")
    _current_token["secret"] = secret
    return {
        "ref": acme_ticket.ref,
        "contact_id": str(requester.public_id),
        "organization_id": str(acme.public_id),
        "team_id": str(support.public_id),
        "username": "bob",
    }


# Loaded when the module is collected (Django is set up by then); serving the schema
# touches no database. (schemathesis.pytest.from_fixture does not work with pytest 9.)
# An oversized invalid body is rightly refused with 413, which schemathesis does not
# count as a rejection unless told.
CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {
            "negative_data_rejection": {
                "expected-statuses": [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 429]
            }
        }
    }
)
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", get_wsgi_application(), config=CONFIG
)
# The token of the running test (made by the real_ids fixture, in that test's database).
_current_token: dict[str, str] = {}


@schema.auth()
class FixtureToken:
    """Declared as auth, so schemathesis does not also send made-up credentials."""

    def get(self, case: Any, context: Any) -> str | None:
        return _current_token.get("secret")

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_it_conforms_to_its_schema(case: Any, real_ids: dict[str, str]) -> None:
    # Half the generated path ids are swapped for real ones, so the bodies and queries
    # also reach objects that exist (random ids alone would mostly test the 404).
    for name, value in (case.path_parameters or {}).items():
        if name in real_ids and len(str(value)) % 2 == 0:
            case.path_parameters[name] = real_ids[name]
    case.call_and_validate(checks=CHECKS)
