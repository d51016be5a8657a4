"""Cell values for CSV files that spreadsheets open safely and read the same way everywhere.

Formula injection: a cell that starts with = + - @, a tab or a carriage return is run as a
formula by Excel, LibreOffice and Google Sheets. OWASP's advice, followed here for every
export: prefix such a cell with a single quote (the spreadsheet shows the text as typed).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")
_DANGEROUS = frozenset(DANGEROUS_FIRST)


def safe_text(value: object) -> str:
    """Text for a cell, neutralised when a spreadsheet would treat it as a formula."""
    if value is None:
        return ""
    text = value if type(value) is str else str(value)
    # A set lookup on the first character: this runs for every cell of every export.
    return "'" + text if text[:1] in _DANGEROUS else text


def instant(value: datetime | None, tz: ZoneInfo) -> str:
    """ISO 8601 with the offset of the chosen zone, to the second: 2026-10-02T14:05:00+02:00."""
    if value is None:
        return ""
    return value.astimezone(tz).isoformat(timespec="seconds")


def seconds_and_hours(seconds: float | None) -> tuple[str, str]:
    """A duration as whole seconds and as hours with two decimals ('5400', '1.50')."""
    if seconds is None:
        return "", ""
    return str(round(seconds)), f"{seconds / 3600:.2f}"
