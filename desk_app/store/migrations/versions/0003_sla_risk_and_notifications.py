"""SLA risk per ticket, notification memory for the monitor.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 06:44:42.104555
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('sla_notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('clock', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('episode', sa.Integer(), nullable=False),
    sa.Column('notified_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('sla_notification', schema=None) as batch_op:
        batch_op.create_index('ux_sla_notification_key', ['ticket_id', 'clock', 'level', 'episode'], unique=True)

    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sla_risk', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
        batch_op.add_column(sa.Column('response_risk', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
        batch_op.add_column(sa.Column('resolution_risk', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
        batch_op.create_index(batch_op.f('ix_ticket_sla_computed_at'), ['sla_computed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_sla_risk'), ['sla_risk'], unique=False)

    # Risk is new: have the app recompute every ticket's clocks at the next start.
    op.execute("UPDATE ticket SET sla_computed_at = NULL")




def downgrade() -> None:

    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_sla_risk'))
        batch_op.drop_index(batch_op.f('ix_ticket_sla_computed_at'))
        batch_op.drop_column('resolution_risk')
        batch_op.drop_column('response_risk')
        batch_op.drop_column('sla_risk')

    with op.batch_alter_table('sla_notification', schema=None) as batch_op:
        batch_op.drop_index('ux_sla_notification_key')

    op.drop_table('sla_notification')

