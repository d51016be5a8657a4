"""Stored risk 'missed' for clocks that stopped after their target had passed.

Until now a clock that was breached and then stopped (ticket resolved or closed, first
response given late) was stored with the risk 'met', so the list showed a missed target
with the green "met" look. The monitor recomputes open tickets by itself, but never looks
at closed ones again: this rewrites the stored risk of every ticket from its stored clock
states. Data only, no table is rebuilt; plain SQL that SQLite and PostgreSQL both run.

Revision ID: 0007
Revises: 0006
"""
from __future__ import annotations

from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_MISSED_CLOCK = ("response_state = 'breached_stopped' "
                 "OR resolution_state = 'breached_stopped'")


def upgrade() -> None:
    op.execute("UPDATE ticket SET response_risk = 'missed' "
               "WHERE response_state = 'breached_stopped'")
    op.execute("UPDATE ticket SET resolution_risk = 'missed' "
               "WHERE resolution_state = 'breached_stopped'")
    # The ticket's risk is the worse of its clocks; 'missed' ranks below every live clock
    # and above met (domain/risk.py).
    op.execute("UPDATE ticket SET sla_risk = 'missed' "
               f"WHERE sla_risk = 'met' AND ({_MISSED_CLOCK})")


def downgrade() -> None:
    op.execute("UPDATE ticket SET response_risk = 'met' WHERE response_risk = 'missed'")
    op.execute("UPDATE ticket SET resolution_risk = 'met' WHERE resolution_risk = 'missed'")
    op.execute("UPDATE ticket SET sla_risk = 'met' WHERE sla_risk = 'missed'")
