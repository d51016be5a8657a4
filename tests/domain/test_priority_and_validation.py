from __future__ import annotations

import pytest

from desk_app.domain.enums import Impact, Priority, Status, Urgency, parse_enum
from desk_app.domain.errors import ValidationError, ValidationErrors
from desk_app.domain.priority_matrix import effective_priority, priority_for
from desk_app.domain.ticket import (
    DESCRIPTION_MAX,
    RequesterInput,
    format_number,
    parse_number,
    validate_body,
    validate_draft,
)
from tests.conftest import make_draft

H, M, L = Impact.HIGH, Impact.MEDIUM, Impact.LOW


@pytest.mark.parametrize(("impact", "urgency", "expected"), [
    (H, Urgency.HIGH, Priority.P1), (H, Urgency.MEDIUM, Priority.P2),
    (H, Urgency.LOW, Priority.P3), (M, Urgency.HIGH, Priority.P2),
    (M, Urgency.MEDIUM, Priority.P3), (M, Urgency.LOW, Priority.P4),
    (L, Urgency.HIGH, Priority.P3), (L, Urgency.MEDIUM, Priority.P4),
    (L, Urgency.LOW, Priority.P4),
])
def test_itil_matrix(impact: Impact, urgency: Urgency, expected: Priority) -> None:
    assert priority_for(impact, urgency) is expected


def test_override_wins_over_the_matrix() -> None:
    assert effective_priority(L, Urgency.LOW, Priority.P1) is Priority.P1
    assert effective_priority(L, Urgency.LOW, None) is Priority.P4


def test_a_valid_draft_passes() -> None:
    validate_draft(make_draft())


def test_every_problem_is_reported_at_once_by_field() -> None:
    draft = make_draft(title="  ", requester=RequesterInput(name="", email="anna@", phone="??"),
                       description="x" * (DESCRIPTION_MAX + 1))
    with pytest.raises(ValidationErrors) as err:
        validate_draft(draft)
    fields = err.value.by_field()
    assert set(fields) == {"Title", "Requester", "Email", "Phone", "Description"}
    assert "required" in fields["Title"]
    assert "not an email address" in fields["Email"]
    assert "100,000" in fields["Description"]


def test_title_limit_is_200_characters() -> None:
    validate_draft(make_draft(title="x" * 200))
    with pytest.raises(ValidationErrors) as err:
        validate_draft(make_draft(title="x" * 201))
    assert "at most 200" in err.value.by_field()["Title"]


@pytest.mark.parametrize("email", ["a@b.co", "first.last+tag@sub.example.org"])
def test_good_emails(email: str) -> None:
    validate_draft(make_draft(requester=RequesterInput(name="A", email=email)))


@pytest.mark.parametrize("email", ["a@b", "a b@c.de", "a@@b.de", "a@b.de,", "@b.de"])
def test_bad_emails(email: str) -> None:
    with pytest.raises(ValidationErrors):
        validate_draft(make_draft(requester=RequesterInput(name="A", email=email)))


def test_numbers_read_with_or_without_prefix() -> None:
    assert format_number(1042) == "HD-1042"
    assert parse_number("HD-1042") == parse_number("hd1042") == parse_number("1042") == 1042
    assert parse_number("printer") is None


def test_parse_enum_accepts_value_name_and_label_and_names_the_field() -> None:
    assert parse_enum(Status, "Waiting on customer", field="--status") is \
        Status.WAITING_CUSTOMER
    assert parse_enum(Priority, "p2", field="--priority") is Priority.P2
    assert parse_enum(Priority, "Critical", field="--priority") is Priority.P1
    with pytest.raises(ValidationError) as err:
        parse_enum(Priority, "P9", field="--priority")
    assert err.value.field == "--priority" and "P1, P2, P3, P4" in err.value.reason


def test_empty_reply_is_refused() -> None:
    with pytest.raises(ValidationError):
        validate_body("  ", field="Reply")
    assert validate_body("  hi \n", field="Reply") == "hi"
