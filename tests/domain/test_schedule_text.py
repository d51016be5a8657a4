from __future__ import annotations

from datetime import date, time

import pytest

from desk_app.domain.errors import ValidationError
from desk_app.domain.schedule_text import (
    format_duration,
    format_holidays,
    format_intervals,
    parse_duration,
    parse_holidays,
    parse_intervals,
)


def test_intervals_round_trip_split_overnight_and_midnight() -> None:
    text = "09:00-12:00, 13:00-17:00, 22:00-06:00, 00:00-24:00"
    parsed = parse_intervals(text, field="Monday")
    assert parsed == [(time(9), time(12)), (time(13), time(17)), (time(22), time(6)),
                      (time(0), time(0))]
    assert format_intervals(parsed) == text
    assert parse_intervals("  ", field="Sunday") == []


@pytest.mark.parametrize("bad", ["9-17", "09:00-25:00", "10:00-10:00", "09:60-10:00"])
def test_bad_intervals_name_the_day(bad: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_intervals(bad, field="Tuesday")
    assert err.value.field == "Tuesday"


def test_holidays_and_ranges() -> None:
    text = "2026-12-24\n# shutdown\n2026-12-28..2026-12-31\n"
    parsed = parse_holidays(text)
    assert parsed == [date(2026, 12, 24), (date(2026, 12, 28), date(2026, 12, 31))]
    assert format_holidays(parsed) == "2026-12-24\n2026-12-28..2026-12-31"
    with pytest.raises(ValidationError, match="line 2"):
        parse_holidays("2026-12-24\n24.12.2026")
    with pytest.raises(ValidationError, match="ends before"):
        parse_holidays("2026-12-31..2026-12-28")


@pytest.mark.parametrize(("text", "seconds"), [("30m", 1800), ("4h", 14400),
                                               ("1h 30m", 5400), ("40H", 144000)])
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text, field="Target") == seconds
    assert parse_duration(format_duration(seconds), field="Target") == seconds


@pytest.mark.parametrize("bad", ["", "0m", "4 hours", "h", "-1h"])
def test_bad_durations(bad: str) -> None:
    with pytest.raises(ValidationError):
        parse_duration(bad, field="Target")
