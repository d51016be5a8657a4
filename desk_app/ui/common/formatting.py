"""How instants and durations read in the window: local time, short, unambiguous."""

from __future__ import annotations

from datetime import datetime, timedelta


def short_duration(delta: timedelta) -> str:
    """'45 m', '5 h 10 m', '3 d 4 h', '11 w' — two units at most, never negative."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} m" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    if days < 14:
        return f"{days} d {hours} h" if hours else f"{days} d"
    return f"{days // 7} w"


def local_time(at: datetime | None, now: datetime | None = None) -> str:
    """Short enough for a table cell, in the local zone: '14:05' today, 'Mon 14:05' this
    week, '2 Oct' this year, '2025-10-02' before (the tooltip has the full instant)."""
    if at is None:
        return ""
    local = at.astimezone()
    if now is None:
        return local.strftime("%Y-%m-%d %H:%M")
    today = now.astimezone().date()
    if local.date() == today:
        return local.strftime("%H:%M")
    if timedelta(0) <= (today - local.date()) < timedelta(days=6):
        return local.strftime("%a %H:%M")
    if local.year == today.year:
        return f"{local.day} {local.strftime('%b')}"
    return local.strftime("%Y-%m-%d")


def full_time(at: datetime | None) -> str:
    if at is None:
        return ""
    return at.astimezone().strftime("%Y-%m-%d %H:%M %Z")
