"""The ticket's phase and sort keys copied onto its tag links (TicketTag), kept by the
database in the writer's own transaction.

Triggers rather than code in the actions: tickets are written by the actions, the SLA
recompute's bulk updates, the mail ingest and bulk loads; a copy that one of them forgot
would put a ticket in the wrong place of a tag's list for good. Two triggers per backend:
a new link takes the ticket's values, and a ticket whose values change pushes them to its
links (about 1.5 a ticket).

SQLite drops a table's triggers when a migration rebuilds the table (how Django alters a
column there): ``repair_sqlite`` puts them back and copies every ticket's values again;
the tickets app runs it after every migrate.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

from heedful.lib.sqlite_schema import schema_names

# Table names as literals: the migration that creates these must not change with the models.
TICKETS = "tickets_ticket"
LINKS = "tickets_tickettag"
KEYS = ("phase", "waiting_key", "created_at", "updated_at", "due_key")
# What the generated keys are computed from: a ticket update that sets none of these
# cannot change a key.
SOURCES = ("status", "waiting_since", "created_at", "updated_at", "next_due_at")
SQLITE_TRIGGERS = ("tickettag_keys_insert", "ticket_keys_update")

_keys = ", ".join(KEYS)
_old = ", ".join(f"old.{key}" for key in KEYS)
_new = ", ".join(f"new.{key}" for key in KEYS)

PG_CREATE = [
    f"""CREATE FUNCTION tickettag_copy_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT {_keys} INTO {", ".join(f"NEW.{key}" for key in KEYS)}
    FROM {TICKETS} WHERE id = NEW.ticket_id;
    RETURN NEW;
END $$""",
    f"""CREATE TRIGGER tickettag_keys_insert BEFORE INSERT OR UPDATE OF ticket_id
    ON {LINKS} FOR EACH ROW EXECUTE FUNCTION tickettag_copy_keys()""",
    f"""CREATE FUNCTION ticket_push_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {LINKS} SET ({_keys}) = ({", ".join(f"NEW.{key}" for key in KEYS)})
    WHERE ticket_id = NEW.id;
    RETURN NULL;
END $$""",
    # AFTER: the generated phase, waiting_key and due_key are computed by then.
    f"""CREATE TRIGGER ticket_keys_update AFTER UPDATE ON {TICKETS} FOR EACH ROW
    WHEN (({_old}) IS DISTINCT FROM ({_new})) EXECUTE FUNCTION ticket_push_keys()""",
]
PG_DROP = [
    f"DROP TRIGGER IF EXISTS ticket_keys_update ON {TICKETS}",
    "DROP FUNCTION IF EXISTS ticket_push_keys()",
    f"DROP TRIGGER IF EXISTS tickettag_keys_insert ON {LINKS}",
    "DROP FUNCTION IF EXISTS tickettag_copy_keys()",
]

SQLITE_CREATE = [
    # SQLite's BEFORE triggers cannot change the new row: the link is completed after.
    f"""CREATE TRIGGER IF NOT EXISTS tickettag_keys_insert AFTER INSERT ON {LINKS} BEGIN
    UPDATE {LINKS} SET ({_keys}) = (SELECT {_keys} FROM {TICKETS} WHERE id = new.ticket_id)
    WHERE id = new.id; END""",
    f"""CREATE TRIGGER IF NOT EXISTS ticket_keys_update
    AFTER UPDATE OF {", ".join(SOURCES)} ON {TICKETS}
    WHEN ({_old}) IS NOT ({_new}) BEGIN
    UPDATE {LINKS} SET ({_keys}) = ({_new}) WHERE ticket_id = new.id; END""",
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]

# Every link's copy from its ticket: the migration's backfill and the SQLite repair.
COPY_ALL = {
    "postgresql": f"UPDATE {LINKS} AS link SET ({_keys}) = "
    f"({', '.join(f'ticket.{key}' for key in KEYS)}) "
    f"FROM {TICKETS} AS ticket WHERE ticket.id = link.ticket_id",
    "sqlite": f"UPDATE {LINKS} SET ({_keys}) = "
    f"(SELECT {_keys} FROM {TICKETS} AS ticket WHERE ticket.id = {LINKS}.ticket_id)",
}


def create_statements(vendor: str) -> list[str]:
    if vendor == "sqlite":
        return [*SQLITE_CREATE, COPY_ALL[vendor]]
    # Statistics for the new columns now: the planner needs the phase's share at once.
    return [*PG_CREATE, COPY_ALL[vendor], f"ANALYZE {LINKS}"]


def drop_statements(vendor: str) -> list[str]:
    return SQLITE_DROP if vendor == "sqlite" else PG_DROP


def repair_sqlite(connection: BaseDatabaseWrapper) -> bool:
    """Put back the triggers a table rebuild dropped and copy every ticket's keys again;
    False when none was missing."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT name FROM pragma_table_info('{LINKS}')")
        if "phase" not in {row[0] for row in cursor.fetchall()}:
            return False  # migrated back before the copies existed
        if set(SQLITE_TRIGGERS) <= schema_names(connection, "trigger"):
            return False
        for statement in create_statements("sqlite"):
            cursor.execute(statement)
    return True
