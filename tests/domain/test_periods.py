"""Report period presets and their instants."""

from __future__ import annotations

from datetime import UTC, date

import pytest

from desk_app.domain.periods import Preset, days_to_period, preset_days

WEDNESDAY = date(2026, 3, 4)


@pytest.mark.parametrize(("preset", "expected"), [
    (Preset.THIS_WEEK, (date(2026, 3, 2), date(2026, 3, 8))),
    (Preset.LAST_WEEK, (date(2026, 2, 23), date(2026, 3, 1))),
    (Preset.THIS_MONTH, (date(2026, 3, 1), date(2026, 3, 31))),
    (Preset.LAST_MONTH, (date(2026, 2, 1), date(2026, 2, 28))),
    (Preset.LAST_30_DAYS, (date(2026, 2, 3), date(2026, 3, 4))),
    (Preset.THIS_YEAR, (date(2026, 1, 1), date(2026, 12, 31))),
])
def test_presets(preset: Preset, expected: tuple[date, date]) -> None:
    assert preset_days(preset, WEDNESDAY) == expected


def test_last_month_in_january_is_last_december() -> None:
    assert preset_days(Preset.LAST_MONTH, date(2027, 1, 15)) == (date(2026, 12, 1),
                                                                date(2026, 12, 31))


def test_a_month_across_dst_is_local_midnight_to_local_midnight() -> None:
    start, end = days_to_period(date(2026, 3, 1), date(2026, 3, 31), "Europe/Berlin")
    assert start.astimezone(UTC).hour == 23 and end.astimezone(UTC).hour == 22
    with pytest.raises(ValueError, match="before the first"):
        days_to_period(date(2026, 3, 2), date(2026, 3, 1), "UTC")
