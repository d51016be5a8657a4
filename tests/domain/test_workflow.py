from __future__ import annotations

import pytest

from desk_app.domain.enums import Status
from desk_app.domain.errors import IllegalTransition, ValidationError
from desk_app.domain.workflow import action_name, allowed_moves, check_transition

LEGAL = {
    (Status.NEW, Status.IN_PROGRESS), (Status.NEW, Status.WAITING_CUSTOMER),
    (Status.NEW, Status.WAITING_THIRD_PARTY), (Status.NEW, Status.RESOLVED),
    (Status.IN_PROGRESS, Status.WAITING_CUSTOMER),
    (Status.IN_PROGRESS, Status.WAITING_THIRD_PARTY), (Status.IN_PROGRESS, Status.RESOLVED),
    (Status.WAITING_CUSTOMER, Status.IN_PROGRESS),
    (Status.WAITING_CUSTOMER, Status.WAITING_THIRD_PARTY),
    (Status.WAITING_CUSTOMER, Status.RESOLVED),
    (Status.WAITING_THIRD_PARTY, Status.IN_PROGRESS),
    (Status.WAITING_THIRD_PARTY, Status.WAITING_CUSTOMER),
    (Status.WAITING_THIRD_PARTY, Status.RESOLVED),
    (Status.RESOLVED, Status.CLOSED), (Status.RESOLVED, Status.IN_PROGRESS),
    (Status.CLOSED, Status.IN_PROGRESS),
}


@pytest.mark.parametrize("current", list(Status))
@pytest.mark.parametrize("target", list(Status))
def test_every_pair_is_legal_exactly_when_the_workflow_says_so(current: Status,
                                                               target: Status) -> None:
    note = "Fixed." if target is Status.RESOLVED else None
    if (current, target) in LEGAL:
        check_transition(current, target, resolution_note=note)
        assert target in allowed_moves(current)
    else:
        with pytest.raises(IllegalTransition):
            check_transition(current, target, resolution_note=note)
        assert target not in allowed_moves(current)


def test_refusal_names_the_allowed_moves() -> None:
    with pytest.raises(IllegalTransition) as err:
        check_transition(Status.CLOSED, Status.RESOLVED, resolution_note="x")
    assert "Closed cannot move to Resolved" in str(err.value)
    assert "allowed: In progress" in str(err.value)


@pytest.mark.parametrize("note", [None, "", "   \n"])
def test_resolving_requires_a_resolution_note(note: str | None) -> None:
    with pytest.raises(ValidationError) as err:
        check_transition(Status.IN_PROGRESS, Status.RESOLVED, resolution_note=note)
    assert err.value.field == "Resolution note"


def test_moving_back_from_resolved_or_closed_is_called_reopen() -> None:
    assert action_name(Status.RESOLVED, Status.IN_PROGRESS) == "Reopen"
    assert action_name(Status.CLOSED, Status.IN_PROGRESS) == "Reopen"
    assert action_name(Status.WAITING_CUSTOMER, Status.IN_PROGRESS) == "Resume work"
    assert action_name(Status.NEW, Status.IN_PROGRESS) == "Start work"
