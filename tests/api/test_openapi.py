"""The schema at /api/v1/openapi.json is accurate: real responses of every endpoint (and
their errors) validate against it. The docs page works offline."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import jsonschema
import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from heedful.accounts.models import Team, User
from heedful.customers.models import Contact, Organization
from heedful.tickets import actions
from heedful.tickets.models import Ticket
from tests.api.conftest import ApiClient

MakeApi = Callable[..., ApiClient]


@pytest.fixture
def openapi(db: None) -> dict[str, Any]:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


def check_against_schema(doc: dict[str, Any], method: str, path: str, response: Any) -> None:
    """Validate ``response`` against the schema of ``method path`` for its status code."""
    operation = doc["paths"][path][method]
    declared = operation["responses"]
    assert str(response.status_code) in declared, (path, response.status_code)
    content = declared[str(response.status_code)]["content"]["application/json"]
    schema = {**content["schema"], "components": doc["components"]}
    jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(response.json())


def test_it_serves_an_openapi_31_document_with_every_operation(openapi: dict[str, Any]) -> None:
    assert openapi["openapi"].startswith("3.1")
    operations = {op["operationId"] for item in openapi["paths"].values() for op in item.values()}
    assert operations == {
        "list_tickets", "create_ticket", "get_ticket", "update_ticket",
        "list_messages", "add_message", "list_events",
        "list_contacts", "get_contact", "list_organizations", "get_organization",
        "list_tags", "list_teams", "get_team", "list_users", "get_user",
        "list_webhooks", "create_webhook", "get_webhook", "update_webhook", "delete_webhook",
        "list_webhook_deliveries", "ingest_raw_mail",
        "create_contact", "update_contact", "create_organization", "update_organization",
        "upload_attachment", "download_attachment",
    }  # fmt: skip
    create = openapi["paths"]["/api/v1/tickets"]["post"]
    assert {p["name"] for p in create["parameters"]} == {"Idempotency-Key"}
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "TicketCreateIn"
    )
    assert openapi["components"]["schemas"]["TicketCreateIn"]["additionalProperties"] is False
    schemes = openapi["components"]["securitySchemes"]
    assert schemes["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    assert schemes["BrowserSessionAuth"] == {"type": "apiKey", "in": "cookie", "name": "sessionid"}


def test_it_documents_the_error_shape_for_every_operation(openapi: dict[str, Any]) -> None:
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            for status in ("400", "401", "403", "404", "413", "422", "429"):
                schema = operation["responses"][status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (path, method, status)


def test_it_answers_as_the_schema_says(
    api: MakeApi, openapi: dict[str, Any], alice: User, carol: User, erin: Contact,
    acme: Organization, support: Team, acme_ticket: Ticket,
) -> None:  # fmt: skip
    actions.do_set_tags(acme_ticket, ["vip"], actor=alice)
    actions.do_assign_ticket(acme_ticket, alice, actor=alice)
    actions.do_change_team(acme_ticket, support, actor=alice)
    actions.do_loop_in(acme_ticket, carol, actor=alice)
    client = api(alice)
    ref = acme_ticket.ref
    rid = str(acme_ticket.requester.public_id)
    t, o = "/api/v1/tickets", "/api/v1/organizations"
    calls: list[tuple[str, str, Any]] = [
        ("get", t, client.get("/tickets", limit=1)),
        ("get", t, client.get("/tickets", team=str(support.public_id))),
        ("post", t, client.post("/tickets", {"subject": "S", "body": "B", "requester_id": rid})),
        ("post", t, client.post("/tickets", {"subject": "S"})),
        ("get", t + "/{ref}", client.get(f"/tickets/{ref}")),
        ("get", t + "/{ref}", api(erin).get(f"/tickets/{ref}")),
        ("get", t + "/{ref}", api(acme_ticket.requester).get(f"/tickets/{ref}")),
        ("get", t, api(acme_ticket.requester).get("/tickets")),
        ("patch", t + "/{ref}", client.patch(f"/tickets/{ref}", {"status": "pending"})),
        ("patch", t + "/{ref}", api(erin, scope="read").patch(f"/tickets/{ref}", {})),
        ("get", t + "/{ref}/messages", client.get(f"/tickets/{ref}/messages")),
        ("post", t + "/{ref}/messages", client.post(f"/tickets/{ref}/messages", {"body": "Hi"})),
        ("get", t + "/{ref}/events", client.get(f"/tickets/{ref}/events")),
        ("get", t + "/{ref}/events", api(acme_ticket.requester).get(f"/tickets/{ref}/events")),
        ("get", "/api/v1/contacts", client.get("/contacts")),
        ("get", "/api/v1/contacts/{contact_id}", client.get(f"/contacts/{rid}")),
        ("get", "/api/v1/organizations", client.get("/organizations")),
        ("get", o + "/{organization_id}", client.get(f"/organizations/{acme.public_id}")),
        ("get", "/api/v1/tags", client.get("/tags")),
        ("get", "/api/v1/tags", api(erin).get("/tags")),
        ("get", "/api/v1/teams", client.get("/teams")),
        ("get", "/api/v1/teams/{team_id}", client.get(f"/teams/{support.public_id}")),
        ("get", "/api/v1/users", client.get("/users")),
        ("get", "/api/v1/users/{username}", client.get("/users/carol")),
        ("get", "/api/v1/users", api(None).get("/users")),
    ]  # fmt: skip
    statuses = []
    for method, path, response in calls:
        check_against_schema(openapi, method, path, response)
        statuses.append(response.status_code)
    assert statuses == [
        200, 200, 201, 422, 200, 404, 200, 200, 200, 403, 200, 201, 200, 200,
        200, 200, 200, 200, 200, 403, 200, 200, 200, 200, 401,
    ]  # fmt: skip


def test_it_answers_the_writes_of_contacts_organizations_and_files_as_the_schema_says(
    api: MakeApi, openapi: dict[str, Any], alice: User, erin: Contact, acme_ticket: Ticket
) -> None:
    client = api(alice)
    c, o, a = "/api/v1/contacts", "/api/v1/organizations", "/api/v1/attachments"
    file = SimpleUploadedFile("notes.txt", b"hello", content_type="text/plain")
    uploaded = client.client.post(a, {"file": file}, headers=client.headers)
    upload_id = uploaded.json()["id"]
    reply = client.post(
        f"/tickets/{acme_ticket.ref}/messages", {"body": "F", "attachments": [upload_id]}
    )
    org = client.post("/organizations", {"name": "Initech", "domains": ["initech.test"]})
    org_id = org.json()["id"]
    contact = client.post("/contacts", {"name": "Peter", "email": "peter@initech.test"})
    contact_path = f"/contacts/{contact.json()['id']}"
    attachment_path = f"/attachments/{reply.json()['attachments'][0]['id']}"
    share = {"share_tickets": True}
    calls: list[tuple[str, str, Any]] = [
        ("post", a, uploaded),
        ("post", "/api/v1/tickets/{ref}/messages", reply),
        ("post", o, org),
        ("post", o, client.post("/organizations", {"name": "Copy", "domains": ["initech.test"]})),
        ("patch", o + "/{organization_id}", client.patch(f"/organizations/{org_id}", share)),
        ("post", c, contact),
        ("post", c, api(erin).post("/contacts", {"name": "Mallory"})),
        ("patch", c + "/{contact_id}", client.patch(contact_path, {"organization": org_id})),
        ("get", a + "/{attachment_id}", api(erin).get(attachment_path)),
    ]  # fmt: skip
    for method, path, response in calls:
        check_against_schema(openapi, method, path, response)
    assert [r.status_code for _, _, r in calls] == [201, 201, 201, 422, 200, 201, 403, 200, 404]
    download = openapi["paths"][a + "/{attachment_id}"]["get"]["responses"]["200"]
    assert download["content"] == {"*/*": {"schema": {"type": "string", "format": "binary"}}}
    upload = openapi["paths"][a]["post"]["requestBody"]["content"]
    assert list(upload) == ["multipart/form-data"]


def test_it_serves_the_docs_page_without_any_cdn(db: None) -> None:
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert "/static/ninja/swagger-ui-bundle.js" in assets
    assert "/static/ninja/swagger-ui.css" in assets
    assert all(a.startswith("/") for a in assets), assets
    for asset in assets:
        assert finders.find(asset.removeprefix("/static/")) is not None, asset
