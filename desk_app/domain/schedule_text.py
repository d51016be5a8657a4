"""The text forms a technician types in the SLA editor: working intervals, holidays, targets.

    intervals:  "09:00-12:00, 13:00-17:00"   "22:00-06:00" (overnight)   "00:00-24:00"
    holidays:   one per line, "2026-12-24" or a range "2026-12-28..2026-12-31"
    durations:  "30m", "4h", "1h 30m", "40h" (business time)
"""

from __future__ import annotations

import re
from datetime import date, time

from desk_app.domain.calendar import Interval
from desk_app.domain.errors import ValidationError

_INTERVAL = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")
_DURATION = re.compile(r"^\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*$", re.IGNORECASE)


def _clock(h: str, m: str, *, field: str, end: bool) -> time:
    hour, minute = int(h), int(m)
    if end and (hour, minute) == (24, 0):
        return time(0)
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise ValidationError(field, f"{h}:{m} is not a time of day")
    return time(hour, minute)


def parse_intervals(text: str, *, field: str) -> list[Interval]:
    """Comma-separated 'HH:MM-HH:MM' intervals; empty text means a day off."""
    out: list[Interval] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = _INTERVAL.match(part)
        if not match:
            raise ValidationError(field, f"'{part}' is not like 09:00-17:00")
        start = _clock(match[1], match[2], field=field, end=False)
        end = _clock(match[3], match[4], field=field, end=True)
        if start == end and end != time(0):
            raise ValidationError(field, f"'{part}' is empty")
        out.append((start, end))
    return out


def format_intervals(intervals: list[Interval] | tuple[Interval, ...]) -> str:
    return ", ".join(f"{s:%H:%M}-{'24:00' if e == time(0) else f'{e:%H:%M}'}"
                     for s, e in intervals)


def parse_holidays(text: str) -> list[date | tuple[date, date]]:
    """One date or 'first..last' range per line; blank lines and '#' comments ignored."""
    out: list[date | tuple[date, date]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            if ".." in line:
                first, last = (date.fromisoformat(x.strip()) for x in line.split("..", 1))
                if last < first:
                    raise ValidationError("Holidays", f"line {number}: range ends before it "
                                                      "starts")
                out.append((first, last))
            else:
                out.append(date.fromisoformat(line))
        except ValueError as exc:
            raise ValidationError("Holidays", f"line {number}: '{line}' is not a date like "
                                              "2026-12-24 or 2026-12-28..2026-12-31") from exc
    return out


def format_holidays(items: list[date | tuple[date, date]] | tuple) -> str:
    return "\n".join(f"{i[0].isoformat()}..{i[1].isoformat()}" if isinstance(i, tuple)
                     else i.isoformat() for i in items)


def parse_duration(text: str, *, field: str) -> int:
    """'1h 30m' -> 5400 seconds; refuses empty and zero."""
    match = _DURATION.match(text)
    if not text.strip() or not match or not (match[1] or match[2]):
        raise ValidationError(field, f"'{text}' is not a duration like 4h, 30m or 1h 30m")
    seconds = int(match[1] or 0) * 3600 + int(match[2] or 0) * 60
    if seconds <= 0:
        raise ValidationError(field, "must be longer than zero")
    return seconds


def format_duration(seconds: int) -> str:
    hours, rest = divmod(seconds // 60, 60)
    if hours and rest:
        return f"{hours}h {rest}m"
    return f"{hours}h" if hours else f"{rest}m"
