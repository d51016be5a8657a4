"""The ticket status workflow.

New -> In progress -> Waiting on customer | Waiting on third party -> Resolved -> Closed,
with Reopen from Resolved or Closed. A waiting ticket can go back to In progress, and a
ticket can be resolved straight from New (a password reset answered on the phone).
"""

from __future__ import annotations

from collections.abc import Mapping

from desk_app.domain.enums import Status
from desk_app.domain.errors import IllegalTransition, ValidationError

_ALLOWED: Mapping[Status, tuple[Status, ...]] = {
    Status.NEW: (Status.IN_PROGRESS, Status.WAITING_CUSTOMER, Status.WAITING_THIRD_PARTY,
                 Status.RESOLVED),
    Status.IN_PROGRESS: (Status.WAITING_CUSTOMER, Status.WAITING_THIRD_PARTY, Status.RESOLVED),
    Status.WAITING_CUSTOMER: (Status.IN_PROGRESS, Status.WAITING_THIRD_PARTY, Status.RESOLVED),
    Status.WAITING_THIRD_PARTY: (Status.IN_PROGRESS, Status.WAITING_CUSTOMER, Status.RESOLVED),
    Status.RESOLVED: (Status.CLOSED, Status.IN_PROGRESS),
    Status.CLOSED: (Status.IN_PROGRESS,),
}

# The word on the button: a move back to In progress from Resolved/Closed is a reopen.
_ACTION_NAMES: Mapping[Status, str] = {
    Status.IN_PROGRESS: "Start work",
    Status.WAITING_CUSTOMER: "Wait on customer",
    Status.WAITING_THIRD_PARTY: "Wait on third party",
    Status.RESOLVED: "Resolve",
    Status.CLOSED: "Close",
}

RESOLUTION_NOTE_MAX = 20_000


def allowed_moves(current: Status) -> tuple[Status, ...]:
    """The statuses a ticket in `current` may move to, in button order."""
    return _ALLOWED[current]


def is_reopen(current: Status, target: Status) -> bool:
    return not current.is_open and target is Status.IN_PROGRESS


def action_name(current: Status, target: Status) -> str:
    """The label of the button that moves `current` to `target`."""
    if is_reopen(current, target):
        return "Reopen"
    if current.is_waiting and target is Status.IN_PROGRESS:
        return "Resume work"
    return _ACTION_NAMES[target]


def check_transition(current: Status, target: Status, *, resolution_note: str | None = None
                     ) -> None:
    """Raise unless moving from `current` to `target` is legal with what was supplied."""
    if target == current:
        raise IllegalTransition(f"The ticket is already {current.label}.")
    allowed = _ALLOWED[current]
    if target not in allowed:
        names = ", ".join(s.label for s in allowed)
        raise IllegalTransition(
            f"A ticket that is {current.label} cannot move to {target.label}; "
            f"allowed: {names}."
        )
    if target is Status.RESOLVED:
        note = (resolution_note or "").strip()
        if not note:
            raise ValidationError("Resolution note", "required to resolve a ticket: "
                                  "say what fixed it")
        if len(note) > RESOLUTION_NOTE_MAX:
            raise ValidationError("Resolution note",
                                  f"at most {RESOLUTION_NOTE_MAX:,} characters")
