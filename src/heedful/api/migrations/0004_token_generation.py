"""The API tokens join the settings generation (heedful.api.generation, migration 0003):
each process keeps the live tokens it has seen with their users (heedful.api.auth), so
any change to a token (created, revoked, its scope) or to a user's row gives a new
generation, and the next request reads them again. Not the columns written in passing:
a token's ``last_used_at`` (written at most once a minute per token by the API itself)
and a user's ``last_login`` (every sign-in). A user's role and active flag are watched
since 0003."""

from typing import Any

from django.db import migrations

TOKEN_UNWATCHED = ("last_used_at",)
USER_UNWATCHED = ("last_login", "role", "is_active")  # the last two: already, by 0003
# SQLite trigger names are global; PostgreSQL ones are per table (0003 took the plain
# name on the user table).
SQLITE_TOKEN = "settings_generation_{table}_{op}"
SQLITE_USER = "settings_generation_{table}_identity"
PG_USER = "settings_generation_bump_identity"
SQLITE_BUMP = "UPDATE api_settingsgeneration SET value = random() WHERE id = 1;"
PG_RUN = "FOR EACH STATEMENT EXECUTE FUNCTION settings_generation_bump()"


def _columns(model: Any, unwatched: tuple[str, ...]) -> str:
    return ", ".join(f.column for f in model._meta.concrete_fields if f.name not in unwatched)


def create_triggers(apps: Any, schema_editor: Any) -> None:
    token = apps.get_model("accounts", "ApiToken")
    user = apps.get_model("accounts", "User")
    tokens, users = token._meta.db_table, user._meta.db_table
    token_update = f"UPDATE OF {_columns(token, TOKEN_UNWATCHED)}"
    user_update = f"UPDATE OF {_columns(user, USER_UNWATCHED)}"
    if schema_editor.connection.vendor == "postgresql":
        statements = [
            f'CREATE TRIGGER "settings_generation_bump" AFTER INSERT OR DELETE OR TRUNCATE '
            f'OR {token_update} ON "{tokens}" {PG_RUN}',
            f'CREATE TRIGGER "{PG_USER}" AFTER {user_update} ON "{users}" {PG_RUN}',
        ]
    else:
        events = [(SQLITE_TOKEN.format(table=tokens, op=op.split()[0].lower()), op, tokens)
                  for op in ("INSERT", "DELETE", token_update)]  # fmt: skip
        events.append((SQLITE_USER.format(table=users), user_update, users))
        statements = [
            f'CREATE TRIGGER "{name}" AFTER {op} ON "{table}" FOR EACH ROW BEGIN {SQLITE_BUMP} END'
            for name, op, table in events
        ]
    for statement in statements:
        schema_editor.execute(statement)


def drop_triggers(apps: Any, schema_editor: Any) -> None:
    tokens = apps.get_model("accounts", "ApiToken")._meta.db_table
    users = apps.get_model("accounts", "User")._meta.db_table
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP TRIGGER IF EXISTS "settings_generation_bump" ON "{tokens}"')
        schema_editor.execute(f'DROP TRIGGER IF EXISTS "{PG_USER}" ON "{users}"')
        return
    for op in ("insert", "delete", "update"):
        schema_editor.execute(
            f'DROP TRIGGER IF EXISTS "{SQLITE_TOKEN.format(table=tokens, op=op)}"'
        )
    schema_editor.execute(f'DROP TRIGGER IF EXISTS "{SQLITE_USER.format(table=users)}"')


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0003_settings_generation"),
        ("accounts", "0004_notification_contact"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
