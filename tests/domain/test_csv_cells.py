"""InstantText (the export's fast instant cells) writes exactly what instant() writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from desk_app.domain.csv_cells import InstantText, instant

# Whole-hour DST zones both sides of UTC, a half-hour zone, a zone whose DST step is half
# an hour, one without DST and UTC itself.
ZONES = ("Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe",
         "Asia/Tokyo", "UTC")


def _text(at: datetime) -> str:
    """The UTC text SQLite hands back for a stored instant."""
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


@given(at=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2045, 1, 1),
                       timezones=st.just(UTC)),
       zone=st.sampled_from(ZONES))
def test_instant_text_matches_instant_for_any_instant_and_zone(at: datetime,
                                                               zone: str) -> None:
    tz = ZoneInfo(zone)
    cells = InstantText(tz)
    assert cells(_text(at)) == instant(at, tz)
    assert cells(_text(at)[:19]) == instant(at.replace(microsecond=0), tz)


def test_instant_text_is_exact_either_side_of_a_dst_change() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    cells = InstantText(berlin)
    # Summer time 2026 starts at 01:00 UTC on 29 March and ends at 01:00 UTC on 25 October.
    for change in (datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 10, 25, 1, tzinfo=UTC)):
        for step in range(-3, 4):
            at = change + timedelta(seconds=step)
            assert cells(_text(at)) == instant(at, berlin)
    assert cells("2026-03-29 00:59:59.999999") == "2026-03-29T01:59:59+01:00"
    assert cells("2026-03-29 01:00:00.000000") == "2026-03-29T03:00:00+02:00"
    assert cells("2026-10-25 00:59:59.000000") == "2026-10-25T02:59:59+02:00"
    assert cells("2026-10-25 01:00:00.000000") == "2026-10-25T02:00:00+01:00"


def test_instant_text_handles_missing_and_other_iso_forms() -> None:
    cells = InstantText(ZoneInfo("America/New_York"))
    assert cells(None) == ""
    assert cells("2026-11-16T09:00:00") == "2026-11-16T04:00:00-05:00"
    assert cells("2026-11-16 09:00:00.5") == "2026-11-16T04:00:00-05:00"
