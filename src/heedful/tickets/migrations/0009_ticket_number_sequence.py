"""Ticket numbers from a PostgreSQL sequence (tickets.actions._next_ticket_number).

The counter row in tickets_sequence was locked from a ticket's number until its commit,
so creates ran one at a time on PostgreSQL. The sequence starts after the highest number
already used (the counter row or a ticket); SQLite keeps the counter row. Reversing
writes the sequence's position back to the row.
"""

from django.db import migrations

SEQUENCE = "tickets_ticket_number"


def create_sequence(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE} AS bigint")
    schema_editor.execute(
        f"SELECT setval('{SEQUENCE}', GREATEST("
        "(SELECT value FROM tickets_sequence WHERE name = 'ticket'), "
        "(SELECT MAX(number) FROM tickets_ticket), 1000))"
    )


def drop_sequence(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "INSERT INTO tickets_sequence (name, value) "
        f"SELECT 'ticket', last_value FROM {SEQUENCE} WHERE is_called "
        "ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value"
    )
    schema_editor.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE}")


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0008_tag_sort_keys"),
    ]

    operations = [migrations.RunPython(create_sequence, drop_sequence)]
