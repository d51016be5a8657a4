"""Cell values for CSV files that spreadsheets open safely and read the same way everywhere.

Formula injection: a cell that starts with = + - @, a tab or a carriage return is run as a
formula by Excel, LibreOffice and Google Sheets. OWASP's advice, followed here for every
export: prefix such a cell with a single quote (the spreadsheet shows the text as typed).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
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


def _utc_text(value: datetime) -> str:
    """A driver's naive UTC datetime (an aware one is converted) as the stored text form."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(sep=" ")


_HOUR = timedelta(hours=1)
_LAST_SECOND = timedelta(minutes=59, seconds=59)


class InstantText:
    """`instant()` for UTC instants given as ISO text ('2026-11-16 09:00:00.000000', the form
    SQLite hands back) or as naive UTC datetimes (what PostgreSQL's driver hands back; made
    that same text first), at a fraction of the cost: exports format about 500,000 of them.

    The zone's offset is looked up once per UTC hour and cached with the local
    'YYYY-MM-DDTHH' and the offset text; a cell is then that prefix, the instant's own
    ':MM:SS' and the offset. That is only right when the whole hour has one offset and the
    offset is whole hours; any other hour (a DST change inside it, India's +05:30) goes the
    slow, exact way, cell by cell. The cache holds one entry per distinct hour, not per row.
    """

    _MAX_ENTRIES = 200_000  # about 23 years of hours; cleared, not grown, beyond that

    def __init__(self, tz: ZoneInfo) -> None:
        self._tz = tz
        self._hours: dict[str, tuple[str, str] | None] = {}

    def __call__(self, value: str | datetime | None) -> str:
        if value is None:
            return ""
        text = value if isinstance(value, str) else _utc_text(value)
        # 19 = 'YYYY-MM-DD HH:MM:SS', 26 = with microseconds; anything else goes the slow way.
        if len(text) in (19, 26):
            hours = self._hours
            key = text[:13]
            try:
                hit = hours[key]
            except KeyError:
                hit = self._hour(key)
            if hit is not None:
                return f"{hit[0]}{text[13:19]}{hit[1]}"
        return instant(datetime.fromisoformat(text).replace(tzinfo=UTC), self._tz)

    def _hour(self, key: str) -> tuple[str, str] | None:
        hours = self._hours
        if len(hours) >= self._MAX_ENTRIES:
            hours.clear()
        try:
            start = datetime.fromisoformat(key + ":00").replace(tzinfo=UTC)
        except ValueError:
            hours[key] = None
            return None
        first = start.astimezone(self._tz)
        offset = first.utcoffset()
        hit: tuple[str, str] | None = None
        if (offset is not None and offset % _HOUR == timedelta(0)
                and (start + _LAST_SECOND).astimezone(self._tz).utcoffset() == offset):
            iso = first.isoformat(timespec="seconds")
            hit = (iso[:13], iso[19:])
        hours[key] = hit
        return hit


def seconds_and_hours(seconds: float | None) -> tuple[str, str]:
    """A duration as whole seconds and as hours with two decimals ('5400', '1.50')."""
    if seconds is None:
        return "", ""
    return str(round(seconds)), f"{seconds / 3600:.2f}"
