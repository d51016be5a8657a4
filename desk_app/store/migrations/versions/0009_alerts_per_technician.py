"""Notification memory per technician: `sla_notification` says whom it was for.

Until now one row per (ticket, clock, level, episode) was the memory of the whole desk, so
with two windows open on one desk, Alice's window used up the alert of Bob's ticket and Bob
never heard of it (issue 12). The key now includes the technician.

Existing rows, so that nobody is told again at the upgrade of a crossing made before it:
* each row is attributed to the ticket's assignee (it stays in their Alerts list, with
  its id, so what they read stays read); a row of an unassigned ticket goes to the first
  technician, unlisted;
* every other technician gets an unlisted copy of each row of an open ticket: memory only
  (the monitor does not tell them again), no entry in their list. Closed tickets are not
  watched, so their rows need no copies;
* with no technician at all there is nobody to remember for: the rows go.

Plain SQL that SQLite and PostgreSQL both run; the table is rebuilt on SQLite (batch), with
foreign keys off (store/migrate.py).

Revision ID: 0009
Revises: 0008
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

_OPEN = "('new', 'in_progress', 'waiting_customer', 'waiting_third_party')"


def upgrade() -> None:
    with op.batch_alter_table('sla_notification') as batch:
        batch.drop_index('ux_sla_notification_key')
        batch.add_column(sa.Column('technician_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('escalation', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column('listed', sa.Boolean(), nullable=False,
                                   server_default=sa.true()))
    op.execute("UPDATE sla_notification SET technician_id = (SELECT assignee_id FROM ticket "
               "WHERE ticket.id = sla_notification.ticket_id)")
    op.execute("UPDATE sla_notification SET technician_id = (SELECT min(id) FROM technician), "
               "listed = FALSE WHERE technician_id IS NULL")
    op.execute("INSERT INTO sla_notification (ticket_id, technician_id, clock, level, episode, "
               "notified_at, escalation, listed) "
               "SELECT n.ticket_id, t.id, n.clock, n.level, n.episode, n.notified_at, FALSE, "
               "FALSE FROM sla_notification n JOIN ticket k ON k.id = n.ticket_id "
               "CROSS JOIN technician t "
               f"WHERE t.id <> n.technician_id AND k.status IN {_OPEN}")
    op.execute("DELETE FROM sla_notification WHERE technician_id IS NULL")
    with op.batch_alter_table('sla_notification') as batch:
        batch.alter_column('technician_id', existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key('fk_sla_notification_technician_id', 'technician',
                                 ['technician_id'], ['id'], ondelete='CASCADE')
        batch.create_index('ux_sla_notification_key',
                           ['ticket_id', 'clock', 'level', 'episode', 'technician_id'],
                           unique=True)
        batch.create_index('ix_sla_notification_technician', ['technician_id', 'id'])


def downgrade() -> None:
    # One row per (ticket, clock, level, episode) again: the oldest (the carried-over one).
    op.execute("DELETE FROM sla_notification WHERE id NOT IN (SELECT min(id) FROM "
               "sla_notification GROUP BY ticket_id, clock, level, episode)")
    with op.batch_alter_table('sla_notification') as batch:
        batch.drop_index('ix_sla_notification_technician')
        batch.drop_index('ux_sla_notification_key')
        batch.drop_constraint('fk_sla_notification_technician_id', type_='foreignkey')
        batch.drop_column('listed')
        batch.drop_column('escalation')
        batch.drop_column('technician_id')
        batch.create_index('ux_sla_notification_key',
                           ['ticket_id', 'clock', 'level', 'episode'], unique=True)
