"""SLA: stored clock results on tickets, calendars and policies.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 06:28:04.638073
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('sla_calendar',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('tz', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('weekly_json', sa.Text(), nullable=False),
    sa.Column('holidays_json', sa.Text(), nullable=False),
    sa.Column('country', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
    sa.Column('subdivision', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('sla_policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('calendar_id', sa.Integer(), nullable=False),
    sa.Column('first_response_s', sa.Integer(), nullable=False),
    sa.Column('resolution_s', sa.Integer(), nullable=False),
    sa.Column('conditions_json', sa.Text(), nullable=False),
    sa.Column('thresholds_json', sa.Text(), nullable=False),
    sa.Column('pause_statuses_json', sa.Text(), nullable=False),
    sa.Column('goal_first_response', sa.Float(), nullable=False),
    sa.Column('goal_resolution', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['calendar_id'], ['sla_calendar.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sla_policy', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True))
        batch_op.add_column(sa.Column('sla_computed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('sla_next_change_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('sla_urgent_due_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('response_state', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
        batch_op.add_column(sa.Column('response_target_s', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('response_used_s', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('response_due_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('response_breached', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('resolution_state', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
        batch_op.add_column(sa.Column('resolution_target_s', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('resolution_used_s', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('resolution_due_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('resolution_breached', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(batch_op.f('ix_ticket_resolution_due_at'), ['resolution_due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_response_due_at'), ['response_due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_sla_next_change_at'), ['sla_next_change_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_sla_urgent_due_at'), ['sla_urgent_due_at'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_sla_urgent_due_at'))
        batch_op.drop_index(batch_op.f('ix_ticket_sla_next_change_at'))
        batch_op.drop_index(batch_op.f('ix_ticket_response_due_at'))
        batch_op.drop_index(batch_op.f('ix_ticket_resolution_due_at'))
        batch_op.drop_column('resolution_breached')
        batch_op.drop_column('resolution_due_at')
        batch_op.drop_column('resolution_used_s')
        batch_op.drop_column('resolution_target_s')
        batch_op.drop_column('resolution_state')
        batch_op.drop_column('response_breached')
        batch_op.drop_column('response_due_at')
        batch_op.drop_column('response_used_s')
        batch_op.drop_column('response_target_s')
        batch_op.drop_column('response_state')
        batch_op.drop_column('sla_urgent_due_at')
        batch_op.drop_column('sla_next_change_at')
        batch_op.drop_column('sla_computed_at')
        batch_op.drop_column('sla_policy')

    op.drop_table('sla_policy')
    op.drop_table('sla_calendar')

