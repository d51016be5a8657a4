"""Drafts of replies and notes, one per ticket and author, kept until sent or discarded.

Revision ID: 0006
Revises: 0005
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A new table only: no existing row is rebuilt, so no cascade can fire.
    op.create_table('message_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('author', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ux_message_draft_ticket_author', 'message_draft', ['ticket_id', 'author'],
                    unique=True)


def downgrade() -> None:
    op.drop_index('ux_message_draft_ticket_author', table_name='message_draft')
    op.drop_table('message_draft')
