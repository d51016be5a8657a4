"""Whom a window's SLA monitor listens for: one technician and their alert scope. No Qt.

Kept apart from alerts.py (which reads the crossings the monitor finds) so that the monitor
can decide per technician without importing the module that imports it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import false
from sqlmodel import col

from desk_app.store.models import Ticket


class Scope(StrEnum):
    MINE = "mine"
    MINE_AND_UNASSIGNED = "mine_and_unassigned"
    ALL = "all"

    @property
    def label(self) -> str:
        return {"mine": "My tickets", "mine_and_unassigned": "My tickets and unassigned",
                "all": "All tickets"}[self.value]


@dataclass(frozen=True)
class Listener:
    """The technician a monitor decides notifications for, and their scope. Whether they
    are active or a supervisor is read from the database at each tick (another window, the
    technicians page, may change it)."""

    technician_id: int
    scope: Scope = Scope.MINE_AND_UNASSIGNED


def in_scope(assignee_id: int | None, scope: Scope, me_id: int | None) -> bool:
    """Whether a ticket assigned to `assignee_id` is in the technician's scope."""
    if scope is Scope.ALL:
        return True
    mine = me_id is not None and assignee_id == me_id
    return mine or (scope is Scope.MINE_AND_UNASSIGNED and assignee_id is None)


def scope_condition(scope: Scope, me_id: int | None) -> Any:
    """The SQL form of `in_scope`, on the ticket's current assignee."""
    if scope is Scope.ALL:
        return col(Ticket.id).is_not(None)
    mine = col(Ticket.assignee_id) == me_id if me_id is not None else false()
    if scope is Scope.MINE:
        return mine
    return mine | col(Ticket.assignee_id).is_(None)
