"""Technicians: one (or more) marked supervisor, told when a resolution target breaches.

A plain added column with a default: no existing row is rebuilt, SQLite and PostgreSQL both
run it as an ALTER TABLE.

Revision ID: 0008
Revises: 0007
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('technician', sa.Column('supervisor', sa.Boolean(), nullable=False,
                                          server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('technician') as batch:
        batch.drop_column('supervisor')
