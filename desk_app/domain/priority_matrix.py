"""The ITIL impact x urgency matrix that suggests a priority.

The technician may override the suggestion; the override is recorded on the ticket so a
later change of impact or urgency does not silently undo a deliberate choice.
"""

from __future__ import annotations

from desk_app.domain.enums import Impact, Priority, Urgency

_MATRIX: dict[tuple[Impact, Urgency], Priority] = {
    (Impact.HIGH, Urgency.HIGH): Priority.P1,
    (Impact.HIGH, Urgency.MEDIUM): Priority.P2,
    (Impact.HIGH, Urgency.LOW): Priority.P3,
    (Impact.MEDIUM, Urgency.HIGH): Priority.P2,
    (Impact.MEDIUM, Urgency.MEDIUM): Priority.P3,
    (Impact.MEDIUM, Urgency.LOW): Priority.P4,
    (Impact.LOW, Urgency.HIGH): Priority.P3,
    (Impact.LOW, Urgency.MEDIUM): Priority.P4,
    (Impact.LOW, Urgency.LOW): Priority.P4,
}


def priority_for(impact: Impact, urgency: Urgency) -> Priority:
    """The priority the matrix gives for this impact and urgency."""
    return _MATRIX[(impact, urgency)]


def effective_priority(impact: Impact, urgency: Urgency, override: Priority | None) -> Priority:
    """The override when the technician chose one, else the matrix's answer."""
    return override if override is not None else priority_for(impact, urgency)
