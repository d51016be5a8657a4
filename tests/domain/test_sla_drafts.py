"""The SLA editor's drafts: what the technician typed becomes a setup, or one message that
names the calendar or policy and the field."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from desk_app.domain.calendar import BusinessCalendar
from desk_app.domain.enums import Priority
from desk_app.domain.errors import ValidationError
from desk_app.domain.sla import default_setup
from desk_app.domain.sla_drafts import (
    CalendarDraft,
    PolicyDraft,
    calendar_users,
    drafts_from,
    rename_calendar,
    setup_from,
    unique_name,
)

OFFICE = ["09:00-17:00"] * 5 + ["", ""]


def _office(**overrides: object) -> CalendarDraft:
    draft = CalendarDraft(name="Office", tz="Europe/Berlin", weekly=list(OFFICE))
    for key, value in overrides.items():
        setattr(draft, key, value)
    return draft


def _policy(**overrides: object) -> PolicyDraft:
    draft = PolicyDraft(name="Standard", calendar="Office", first_response="4h",
                        resolution="1h 30m")
    for key, value in overrides.items():
        setattr(draft, key, value)
    return draft


def test_the_setup_in_force_reads_back_unchanged() -> None:
    setup = default_setup("Europe/Berlin")
    cals, pols = drafts_from(setup)
    assert [c.name for c in cals] == list(setup.calendars)
    again = setup_from(cals, pols, year=2026)
    assert again.policies == setup.policies  # targets, conditions, warnings, goals
    start = datetime(2026, 3, 2, tzinfo=ZoneInfo("Europe/Berlin"))  # a Monday
    for name, calendar in setup.calendars.items():
        rebuilt = again.calendars[name]
        assert (rebuilt.tz, list(rebuilt.holidays)) == (calendar.tz, list(calendar.holidays))
        for day in range(7):
            at = start + timedelta(days=day)
            assert rebuilt.between(at, at + timedelta(days=1)) == \
                calendar.between(at, at + timedelta(days=1))


def test_drafts_are_typed_text_and_percentages() -> None:
    setup = setup_from([_office(holidays="2026-12-24\n2026-12-28..2026-12-31")],
                       [_policy(priorities={Priority.P2}, categories=" Network,  Email ,",
                                thresholds="60, 80", goal_response=95.0)], year=2026)
    [policy] = setup.policies
    assert (policy.first_response_s, policy.resolution_s) == (4 * 3600, 5400)
    assert policy.conditions.categories == frozenset({"Network", "Email"})
    assert policy.thresholds == (0.6, 0.8)
    assert policy.goal_first_response == pytest.approx(0.95)
    office = setup.calendars["Office"]
    assert office.weekly[0] == [(time(9), time(17))] and office.weekly[5] == []
    assert date(2026, 12, 29) in office.holiday_dates(2026)


@pytest.mark.parametrize(("cal", "pol", "message"), [
    (_office(name=" "), _policy(), "Calendar name: required"),
    (_office(weekly=["9-5", *OFFICE[1:]]), _policy(),
     "Calendar 'Office', Monday: '9-5' is not like 09:00-17:00"),
    (_office(holidays="2026-12-24\nChristmas"), _policy(),
     "Calendar 'Office', holidays: line 2: 'Christmas' is not a date"),
    (_office(tz="Mars/Olympus"), _policy(), "Calendar 'Office': unknown time zone"),
    (_office(country="XX"), _policy(), "Calendar 'Office', public holidays:"),
    (_office(country="DE", subdivision="ZZ"), _policy(), "Calendar 'Office', public holidays:"),
    (_office(), _policy(thresholds="50, lots"),
     "Policy 'Standard', warnings: percentages like 50, 75, 90"),
    (_office(), _policy(first_response="soon"),
     "Policy 'Standard', first response: 'soon' is not a duration"),
    (_office(), _policy(resolution="0m"), "Policy 'Standard', resolution: must be longer"),
    (_office(), _policy(calendar="Gone"), "Policy 'Standard': unknown calendar 'Gone'"),
])
def test_bad_input_names_where_and_why(cal: CalendarDraft, pol: PolicyDraft,
                                       message: str) -> None:
    with pytest.raises(ValidationError) as err:
        setup_from([cal], [pol], year=2026)
    assert str(err.value).startswith(message)


def test_two_calendars_of_one_name_are_refused() -> None:
    with pytest.raises(ValidationError, match="Calendar 'Office': two calendars have this"):
        setup_from([_office(), _office()], [_policy()], year=2026)


def test_the_public_holidays_checked_are_those_of_the_year_passed_in(
        monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[int] = []
    real = BusinessCalendar.holiday_dates

    def recording(self: BusinessCalendar, year: int) -> set[date]:
        asked.append(year)
        return real(self, year)

    monkeypatch.setattr(BusinessCalendar, "holiday_dates", recording)
    setup_from([_office(country="DE", subdivision="BY")], [_policy()], year=2031)
    setup_from([_office()], [_policy()], year=2032)  # no country: nothing to check
    assert asked == [2031]


def test_renaming_and_removing_a_calendar_and_fresh_names() -> None:
    pols = [_policy(name="A"), _policy(name="B", calendar="24x7"), _policy(name="C")]
    rename_calendar(pols, "Office", "Head office")
    assert [p.calendar for p in pols] == ["Head office", "24x7", "Head office"]
    assert calendar_users(pols, "Head office") == ["A", "C"]
    assert calendar_users(pols, "Office") == []
    assert unique_name("New policy", ["New policy", "New policy 2"]) == "New policy 3"
    assert unique_name("New calendar", iter(["Office"])) == "New calendar"
