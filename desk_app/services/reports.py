"""Period reports over stored SLA results (issue 5, first part: attainment).

Stored clocks are brought up to date first (tickets whose next change passed while no
window was watching), without deciding notifications.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import aliased
from sqlmodel import col

from desk_app.domain.metrics import AttainmentRow, Outcome, TicketOutcome, attainment
from desk_app.services.clock import Clock
from desk_app.services.monitor import MonitorService
from desk_app.services.sla import SlaService
from desk_app.store.engine import Database
from desk_app.store.models import Category, Organization, Technician, Ticket

GROUPS: dict[str, Callable[[TicketOutcome], str]] = {
    "priority": lambda o: o.priority.value,
    "category": lambda o: o.category or "(none)",
    "organization": lambda o: o.organization or "(none)",
    "technician": lambda o: o.technician or "(unassigned)",
}


def outcome_of(state: str | None) -> Outcome:
    """A stored clock state as a report outcome."""
    if state is None:
        return Outcome.NONE
    if state == "met":
        return Outcome.MET
    if state in ("breached", "breached_stopped"):
        return Outcome.MISSED
    return Outcome.PENDING  # running or paused, not yet due


class ReportService:
    def __init__(self, db: Database, sla: SlaService, clock: Clock) -> None:
        self._db = db
        self._sla = sla
        self._clock = clock

    def outcomes(self, start: datetime, end: datetime) -> list[TicketOutcome]:
        """One outcome per ticket created in [start, end)."""
        MonitorService(self._db, self._sla).bring_up_to_date(self._clock())
        tech = aliased(Technician)
        stmt = (select(col(Ticket.number), col(Ticket.priority), col(Ticket.created_at),
                       col(Ticket.response_state), col(Ticket.resolution_state),
                       col(Ticket.response_used_s), col(Ticket.resolution_used_s),
                       col(Category.name), col(Organization.name), col(tech.name),
                       col(Ticket.channel))
                .outerjoin(Category, col(Category.id) == Ticket.category_id)
                .outerjoin(Organization, col(Organization.id) == Ticket.organization_id)
                .outerjoin(tech, col(tech.id) == Ticket.assignee_id)
                .where(col(Ticket.created_at) >= start, col(Ticket.created_at) < end)
                .order_by(col(Ticket.number)))
        with self._db.session_scope() as s:
            return [TicketOutcome(number=r[0], priority=r[1], created_at=r[2],
                                  response=outcome_of(r[3]), resolution=outcome_of(r[4]),
                                  response_used_s=r[5], resolution_used_s=r[6],
                                  category=r[7] or "", organization=r[8] or "",
                                  technician=r[9] or "", channel=r[10].value)
                    for r in s.connection().execute(stmt)]

    def attainment(self, start: datetime, end: datetime, *, by: str = "priority"
                   ) -> list[AttainmentRow]:
        goals: dict[tuple[str, str], float] = {}
        if by == "priority":
            for policy in self._sla.setup().policies:
                for p in policy.conditions.priorities:
                    goals.setdefault((p.value, "first_response"), policy.goal_first_response)
                    goals.setdefault((p.value, "resolution"), policy.goal_resolution)
        return attainment(self.outcomes(start, end), group_by=GROUPS[by], goals=goals)
