"""The settings generation (heedful.api.generation): one row whose value database
triggers set to a new random number on every change to the tables behind the
per-process caches. Triggers, not actions: the admin, the worker and raw SQL write
these tables too. A random value rather than a counter: a rolled-back change must never
give a value that a later change gives again. A plain table, not a model, so that
``flush`` (the test runner's, between transactional tests) keeps its row."""

from typing import Any

from django.db import migrations

# The tables behind heedful.api.generation's caches: a write to any of them gives a new
# settings generation.
WATCHED = [
    ("sla", "Policy"),
    ("sla", "Target"),
    ("sla", "Calendar"),
    ("sla", "OpeningHours"),
    ("sla", "ClosedDate"),
]
# Subscriptions: not the failure count, which the worker writes after every delivery
# attempt (it disables a failing one through ``is_active``, which is watched).
SUBSCRIPTION_UNWATCHED = ("consecutive_failures",)
# Users only when their role or active flag changes (which subscriptions may receive
# events); deleting one deletes their subscriptions.
USER_COLUMNS = ("role", "is_active")
TABLE = "api_settingsgeneration"

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION settings_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {TABLE} SET value = floor(random() * 9e18)::bigint WHERE id = 1;
    RETURN NULL;
END $$;
"""


def _tables(apps: Any) -> list[str]:
    policy = apps.get_model("sla", "Policy")
    tables = [apps.get_model(app, name)._meta.db_table for app, name in WATCHED]
    tables += [policy.teams.through._meta.db_table, policy.calendars.through._meta.db_table]
    return tables


def _partly_watched(apps: Any) -> list[tuple[str, list[str], bool]]:
    """(table, the columns watched on UPDATE, whether INSERT and DELETE are watched)."""
    subscription = apps.get_model("webhooks", "Subscription")._meta
    columns = [
        f.column for f in subscription.concrete_fields if f.name not in SUBSCRIPTION_UNWATCHED
    ]
    user = apps.get_model("accounts", "User")._meta.db_table
    return [(subscription.db_table, columns, True), (user, list(USER_COLUMNS), False)]


def _sqlite_statements(tables: list[str], partly: list[tuple[str, list[str], bool]]) -> list[str]:
    bump = f"UPDATE {TABLE} SET value = random() WHERE id = 1;"
    events = [(table, op) for table in tables for op in ("INSERT", "UPDATE", "DELETE")]
    for table, columns, inserts in partly:
        events += [(table, op) for op in (("INSERT", "DELETE") if inserts else ())]
        events.append((table, f"UPDATE OF {', '.join(columns)}"))
    return [
        f'CREATE TRIGGER "settings_generation_{table}_{op.split()[0].lower()}" '
        f'AFTER {op} ON "{table}" FOR EACH ROW BEGIN {bump} END'
        for table, op in events
    ]


def _postgresql_statements(
    tables: list[str], partly: list[tuple[str, list[str], bool]]
) -> list[str]:
    run = "FOR EACH STATEMENT EXECUTE FUNCTION settings_generation_bump()"
    statements = [PG_FUNCTION]
    events = [(table, "INSERT OR UPDATE OR DELETE OR TRUNCATE") for table in tables]
    for table, columns, inserts in partly:
        others = "INSERT OR DELETE OR TRUNCATE OR " if inserts else ""
        events.append((table, f"{others}UPDATE OF {', '.join(columns)}"))
    statements += [
        f'CREATE TRIGGER "settings_generation_bump" AFTER {op} ON "{table}" {run}'
        for table, op in events
    ]
    return statements


def create_triggers(apps: Any, schema_editor: Any) -> None:
    schema_editor.execute(f"CREATE TABLE {TABLE} (id integer PRIMARY KEY, value bigint NOT NULL)")
    schema_editor.execute(f"INSERT INTO {TABLE} (id, value) VALUES (1, 0)")
    vendor = schema_editor.connection.vendor
    make = _postgresql_statements if vendor == "postgresql" else _sqlite_statements
    for statement in make(_tables(apps), _partly_watched(apps)):
        schema_editor.execute(statement)


def drop_triggers(apps: Any, schema_editor: Any) -> None:
    tables = [*_tables(apps), *(table for table, _, _ in _partly_watched(apps))]
    if schema_editor.connection.vendor == "postgresql":
        for table in tables:
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "settings_generation_bump" ON "{table}"')
        schema_editor.execute("DROP FUNCTION IF EXISTS settings_generation_bump()")
        schema_editor.execute(f"DROP TABLE {TABLE}")
        return
    for table in tables:
        for op in ("insert", "update", "delete"):
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "settings_generation_{table}_{op}"')
    schema_editor.execute(f"DROP TABLE {TABLE}")


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0002_upload"),
        ("accounts", "0004_notification_contact"),
        ("sla", "0002_scheduler_escalations"),
        ("webhooks", "0002_delivery_outbox"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
