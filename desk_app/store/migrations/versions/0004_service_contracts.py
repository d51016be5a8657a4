"""Service contracts per organization (fee, credit schedule, cap, P1 breach credit).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 08:02:16.861890
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:

    # A new table only: no existing row is rebuilt, so no cascade can fire.
    op.create_table('contract',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('monthly_fee', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('counted_targets', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('schedule_json', sa.Text(), nullable=False),
    sa.Column('cap_pct', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('p1_breach_credit', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organization_id')
    )


def downgrade() -> None:

    op.drop_table('contract')
