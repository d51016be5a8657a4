"""What a colleague changed in a ticket while the technician was editing it: the fields
both changed (with who changed them, when, from what to what, read from the audit events
written since the version the technician started from), and the edit to save once the
technician chose per field. The dialog (ui/tickets/conflict_dialog.py) shows this.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import Enum

from desk_app.domain.edit_merge import Merge, choose, three_way
from desk_app.services.tickets import TicketEdit
from desk_app.services.views import TicketDetail

FIELD_LABELS = {"title": "Title", "description": "Description", "category": "Category",
                "product": "Product", "impact": "Impact", "urgency": "Urgency",
                "priority_override": "Priority", "channel": "Channel",
                "assignee": "Assignee", "organization": "Organization"}
# The audit events' field names for each edit field (the priority override is two).
_EVENT_FIELDS = {"priority_override": ("priority", "priority_overridden")}


def edit_of(d: TicketDetail) -> TicketEdit:
    """The stored ticket's editable fields, in the shape the pane edits them."""
    return TicketEdit(
        title=d.title, description=d.description, category=d.category, product=d.product,
        impact=d.impact, urgency=d.urgency,
        priority_override=d.priority if d.priority_overridden else None,
        channel=d.channel, assignee=d.assignee, organization=d.organization)


def value_text(field: str, value: object) -> str:
    """A field's value as the technician reads it."""
    if field == "priority_override" and value is None:
        return "Auto (impact × urgency)"
    if field == "assignee" and not value:
        return "Unassigned"
    if isinstance(value, Enum):
        return str(getattr(value, "label", value.value))
    return str(value) if value else "(empty)"


@dataclass(frozen=True)
class ColleagueChange:
    who: str
    at: datetime
    old: str | None
    new: str | None


@dataclass(frozen=True)
class EditConflict:
    field: str
    label: str
    base: str
    mine: str
    theirs: str
    changes: tuple[ColleagueChange, ...]  # oldest first; empty if no event says who

    @property
    def who(self) -> str:
        names = dict.fromkeys(c.who for c in self.changes)
        return ", ".join(names) or "someone"


@dataclass(frozen=True)
class EditMerge:
    """The technician's edit merged with the stored ticket; `conflicts` need a choice."""

    merge: Merge
    theirs: TicketDetail
    conflicts: tuple[EditConflict, ...]

    @property
    def edit(self) -> TicketEdit:
        """The edit with the technician's own value for every conflict."""
        return TicketEdit(**self.merge.merged)

    def resolved(self, take_theirs: Collection[str]) -> TicketEdit:
        return TicketEdit(**choose(self.merge, asdict(edit_of(self.theirs)), take_theirs))


def merge_edit(base: TicketDetail, mine: TicketEdit, theirs: TicketDetail) -> EditMerge:
    """Merge `mine` (started from `base`) with the ticket as stored now (`theirs`)."""
    base_values, theirs_values = asdict(edit_of(base)), asdict(edit_of(theirs))
    mine_values = asdict(mine)
    merge = three_way(base_values, mine_values, theirs_values)
    seen = max((e.id for e in base.timeline), default=0)
    later = [e for e in theirs.timeline if e.id > seen]
    conflicts = []
    for name in merge.conflicts:
        event_fields = _EVENT_FIELDS.get(name, (name,))
        changes = tuple(ColleagueChange(who=e.actor, at=e.at, old=e.old_value,
                                        new=e.new_value)
                        for e in later if e.field in event_fields)
        conflicts.append(EditConflict(
            field=name, label=FIELD_LABELS[name],
            base=value_text(name, base_values[name]), mine=value_text(name, mine_values[name]),
            theirs=value_text(name, theirs_values[name]), changes=changes))
    return EditMerge(merge=merge, theirs=theirs, conflicts=tuple(conflicts))
