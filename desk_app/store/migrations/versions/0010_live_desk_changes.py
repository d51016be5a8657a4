"""The live desk's change log: `desk_change` rows written by triggers on ticket and
ticket_event, in the writing transaction; on PostgreSQL the trigger also NOTIFYs
`desk_app_change` (delivered at COMMIT, so listeners never see uncommitted work).

Why triggers rather than a write in each service: every writer is covered, the import and
the seed, an older Desk App still at work on the same desk, and plain SQL.

Which ticket columns count: the ones a person's change writes (every use case also moves
`version` or `updated_at`). The SLA clock columns do not: every window's own monitor keeps
them current, and the monitor's writes (thousands of rows in a sweep) would otherwise
become change rows and notifications for every other window.

The NOTIFY payload is empty on purpose: PostgreSQL folds identical notifications of one
transaction into one, so a 100,000-row import sends one notification, not 100,000; the
listener reads what changed from the table anyway.

Note for later migrations: a SQLite batch migration that rebuilds `ticket` or
`ticket_event` drops their triggers with the old table; such a revision must recreate
them (call `create_triggers` below). tests/store/test_change_log.py checks they exist at head.

Revision ID: 0010
Revises: 0009
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# Columns of `ticket` whose UPDATE is a change a window shows (see the docstring).
TICKET_COLUMNS = ("number", "title", "description", "requester_id", "organization_id",
                  "category_id", "product", "priority", "priority_overridden", "impact",
                  "urgency", "status", "channel", "assignee_id", "created_at", "updated_at",
                  "first_response_at", "resolved_at", "closed_at", "resolution_note",
                  "version", "csat_score", "csat_comment")
# (trigger name, event, table, the ticket id as the trigger sees it)
TRIGGERS = (
    ("desk_change_ticket_insert", "INSERT", "ticket", "NEW.id"),
    ("desk_change_ticket_update", "UPDATE OF " + ", ".join(TICKET_COLUMNS), "ticket",
     "NEW.id"),
    ("desk_change_ticket_delete", "DELETE", "ticket", "OLD.id"),
    ("desk_change_event_insert", "INSERT", "ticket_event", "NEW.ticket_id"),
)


def create_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, event, table, ticket in TRIGGERS:
            row = "NEW" if ticket.startswith("NEW") else "OLD"
            op.execute(f"""
                CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
                BEGIN
                    INSERT INTO desk_change (ticket_id) VALUES ({ticket});
                    PERFORM pg_notify('desk_app_change', '');
                    RETURN {row};
                END
                $$ LANGUAGE plpgsql""")
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION {name}()")
        return
    for name, event, table, ticket in TRIGGERS:
        op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} "
                   f"BEGIN INSERT INTO desk_change (ticket_id) VALUES ({ticket}); END")


def drop_triggers() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name, _event, table, _ticket in TRIGGERS:
        if postgresql:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")


def upgrade() -> None:
    op.create_table(
        'desk_change',
        sa.Column('seq', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sqlite_autoincrement=True,
    )
    create_triggers()


def downgrade() -> None:
    drop_triggers()
    op.drop_table('desk_change')
