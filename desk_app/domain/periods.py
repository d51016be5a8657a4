"""The report periods a supervisor picks: this or last week or month, or custom days.

A period is a pair of instants [start, end) at local midnights in the user's zone, so a
"month" is the month on the wall calendar even across a daylight-saving change.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class Preset(StrEnum):
    THIS_WEEK = "this_week"
    LAST_WEEK = "last_week"
    THIS_MONTH = "this_month"
    LAST_MONTH = "last_month"
    LAST_30_DAYS = "last_30_days"
    THIS_YEAR = "this_year"
    CUSTOM = "custom"

    @property
    def label(self) -> str:
        return {"this_week": "This week", "last_week": "Last week",
                "this_month": "This month", "last_month": "Last month",
                "last_30_days": "Last 30 days", "this_year": "This year",
                "custom": "Custom…"}[self.value]


def preset_days(preset: Preset, today: date) -> tuple[date, date]:
    """First and last day (inclusive) of a preset, seen from `today`. Weeks start Monday."""
    monday = today - timedelta(days=today.weekday())
    first_of_month = today.replace(day=1)
    if preset is Preset.THIS_WEEK:
        return monday, monday + timedelta(days=6)
    if preset is Preset.LAST_WEEK:
        return monday - timedelta(days=7), monday - timedelta(days=1)
    if preset is Preset.THIS_MONTH:
        following = (first_of_month + timedelta(days=32)).replace(day=1)
        return first_of_month, following - timedelta(days=1)
    if preset is Preset.LAST_MONTH:
        last = first_of_month - timedelta(days=1)
        return last.replace(day=1), last
    if preset is Preset.LAST_30_DAYS:
        return today - timedelta(days=29), today
    if preset is Preset.THIS_YEAR:
        return today.replace(month=1, day=1), today.replace(month=12, day=31)
    raise ValueError("a custom period has no preset days")


def days_to_period(first: date, last: date, tz: str) -> tuple[datetime, datetime]:
    """Inclusive local days as the instants [first day's midnight, the day after last)."""
    if last < first:
        raise ValueError("the last day is before the first")
    zone = ZoneInfo(tz)
    after = last + timedelta(days=1)
    return (datetime(first.year, first.month, first.day, tzinfo=zone),
            datetime(after.year, after.month, after.day, tzinfo=zone))
