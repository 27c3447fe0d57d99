"""SLA due times stored on the ticket, and the "due soonest" inbox indexes."""

import datetime

import django.db.models.functions.comparison
from django.db import migrations, models

LEADING = {
    "phase": ["phase"],
    "status": ["status"],
    "assignee": ["assignee", "phase"],
    "team": ["team", "phase"],
    "org": ["organization", "phase"],
    "priority": ["priority", "phase"],
}
DUE_FIELDS = (
    "first_response_due_at", "next_update_due_at", "unblock_due_at", "resolution_due_at",
    "next_due_at",
)  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0003_message_is_workaround"),
    ]

    operations = [
        *(
            migrations.AddField(
                model_name="ticket",
                name=name,
                field=models.DateTimeField(blank=True, null=True),
            )
            for name in DUE_FIELDS
        ),
        migrations.AddField(
            model_name="ticket",
            name="due_key",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.functions.comparison.Coalesce(
                    models.F("next_due_at"),
                    models.Value(datetime.datetime(9999, 12, 31, 0, 0, tzinfo=datetime.UTC)),
                ),
                output_field=models.DateTimeField(),
            ),
        ),
        *(
            migrations.AddIndex(
                model_name="ticket",
                index=models.Index(
                    fields=[*leading, "due_key", "id"], name=f"ticket_{part}_due_idx"
                ),
            )
            for part, leading in LEADING.items()
        ),
    ]
