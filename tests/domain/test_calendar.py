"""Business calendar arithmetic, checked against a plain minute-by-minute reference."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desk_app.domain.calendar import BusinessCalendar, CalendarError

BERLIN = ZoneInfo("Europe/Berlin")
SPLIT = {d: [(time(9), time(12)), (time(13), time(17))] for d in range(5)}
MINUTE = timedelta(minutes=1)


# -- the reference: one real minute at a time ------------------------------------------

def _in(tm: time, start: time, end: time, *, tail: bool) -> bool:
    if tail:  # the part of an overnight shift after midnight
        return end != time(0) and end < start and tm < end
    if end == time(0):
        return start <= tm
    if end > start:
        return start <= tm < end
    return start <= tm  # overnight: the part before midnight


def reference_working(cal: BusinessCalendar, at: datetime, holidays: set[date]) -> bool:
    local = at.astimezone(cal.zone)
    day, tm = local.date(), local.time().replace(tzinfo=None)
    if day not in holidays and any(_in(tm, s, e, tail=False)
                                   for s, e in cal.weekly.get(day.weekday(), ())):
        return True
    before = day - timedelta(days=1)
    return before not in holidays and any(_in(tm, s, e, tail=True)
                                          for s, e in cal.weekly.get(before.weekday(), ()))


def reference_between(cal: BusinessCalendar, a: datetime, b: datetime,
                      pauses: list[tuple[datetime, datetime]]) -> float:
    holidays = set().union(*(cal.holiday_dates(y) for y in range(a.year - 1, b.year + 2)))
    # Step in UTC: arithmetic on datetimes sharing a zone is wall-clock arithmetic in Python.
    total, t, end = 0, a.astimezone(UTC), b.astimezone(UTC)
    while t < end:
        if reference_working(cal, t, holidays) and not any(p <= t < q for p, q in pauses):
            total += 60
        t += MINUTE
    return float(total)


# -- strategies -------------------------------------------------------------------------

ZONES = ["UTC", "Europe/Berlin", "America/New_York"]
# Around both zones' daylight-saving changes, plus ordinary and year-end weeks.
BASES = [datetime(2026, 3, 8), datetime(2026, 3, 29), datetime(2026, 10, 25),
         datetime(2026, 11, 1), datetime(2026, 6, 10), datetime(2026, 12, 30)]
quarter = st.integers(0, 95).map(lambda q: time(q // 4, q % 4 * 15))


@st.composite
def intervals(draw: st.DrawFn) -> tuple[time, time]:
    start = draw(quarter)
    kind = draw(st.sampled_from(["day", "day", "day", "midnight", "overnight"]))
    if kind == "midnight":
        return start, time(0)
    end = draw(quarter)
    if kind == "overnight":
        return (start, end) if end < start else (end, start) if start < end \
            else (time(22), time(6))
    if end <= start:
        start, end = end, start
    if start == end:
        end = time(23, 45) if start < time(23, 45) else time(0)
    return start, end


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    weekly = {d: draw(st.lists(intervals(), max_size=3)) for d in range(7)}
    base = draw(st.sampled_from(BASES)).date()
    hol = draw(st.lists(st.integers(-3, 6).map(lambda k: base + timedelta(days=k)),
                        max_size=2))
    return BusinessCalendar(tz=draw(st.sampled_from(ZONES)), weekly=weekly, holidays=hol)


@st.composite
def spans(draw: st.DrawFn, cal: BusinessCalendar
          ) -> tuple[datetime, datetime, list[tuple[datetime, datetime]]]:
    base = draw(st.sampled_from(BASES)).replace(tzinfo=UTC)
    a = base + timedelta(minutes=draw(st.integers(-3 * 1440, 2 * 1440)))
    b = a + timedelta(minutes=draw(st.integers(0, 3 * 1440)))
    pauses = []
    for _ in range(draw(st.integers(0, 3))):
        p = a + timedelta(minutes=draw(st.integers(-600, 3 * 1440)))
        pauses.append((p, p + timedelta(minutes=draw(st.integers(1, 1500)))))
    zone = ZoneInfo(draw(st.sampled_from(ZONES)))  # inputs in any zone, same instants
    return a.astimezone(zone), b.astimezone(zone), pauses


# CAL_EXAMPLES=1500 for a deeper run by hand; 150 keeps the default suite quick.
PROPS = settings(max_examples=int(os.environ.get("CAL_EXAMPLES", "150")), deadline=None,
                 suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(data=st.data())
def test_between_matches_the_minute_by_minute_reference(data: st.DataObject) -> None:
    cal = data.draw(calendars())
    a, b, pauses = data.draw(spans(cal))
    assert cal.between(a, b, pauses) == reference_between(cal, a, b, pauses)
    assert cal.between(b, a, pauses) == -cal.between(a, b, pauses)


@PROPS
@given(data=st.data())
def test_add_is_the_earliest_instant_reaching_the_target(data: st.DataObject) -> None:
    cal = data.draw(calendars())
    a, b, pauses = data.draw(spans(cal))
    used = cal.between(a, b, pauses)
    t = cal.add(a, used, pauses)
    assert a <= t <= b
    assert cal.between(a, t, pauses) == used
    if used > 0:
        just_before = t.astimezone(UTC) - timedelta(seconds=1)
        assert cal.between(a, just_before, pauses) < used
    else:  # compare as UTC: Python never calls a repeated-hour time equal across zones
        assert t.astimezone(UTC) == a.astimezone(UTC)


@PROPS
@given(data=st.data())
def test_between_is_additive_over_adjacent_spans(data: st.DataObject) -> None:
    cal = data.draw(calendars())
    a, b, pauses = data.draw(spans(cal))
    a_utc, b_utc = a.astimezone(UTC), b.astimezone(UTC)
    m = a_utc + (b_utc - a_utc) * data.draw(st.floats(0, 1))
    assert cal.between(a, m, pauses) + cal.between(m, b, pauses) == \
        pytest.approx(cal.between(a, b, pauses), abs=1e-6)


# -- worked examples ----------------------------------------------------------------------

def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """November 2026: Mon 16, Fri 20, Sat 21, Mon 23."""
    return datetime(2026, month, day, hour, minute, tzinfo=BERLIN)


@pytest.mark.parametrize(("start", "seconds", "due"), [
    (at(20, 16), 3600, at(20, 17)),               # used up exactly at closing: due then
    (at(20, 16), 3601, at(23, 9, 0) + timedelta(seconds=1)),
    (at(16, 7), 3600, at(16, 10)),                # starts before opening
    (at(16, 18), 3600, at(17, 10)),               # starts after closing
    (at(21, 10), 4 * 3600, at(23, 14)),           # starts on a weekend; lunch skipped
    (at(16, 11), 2 * 3600, at(16, 14)),           # split shift: lunch does not count
    (at(16, 12, 30), 0, at(16, 12, 30)),          # zero: the start itself, even at lunch
    (at(16, 9), 7 * 3600, at(16, 17)),            # a whole day
])
def test_add_examples(start: datetime, seconds: int, due: datetime) -> None:
    cal = BusinessCalendar(tz="Europe/Berlin", weekly=SPLIT)
    assert cal.add(start, seconds) == due
    assert cal.between(start, due) == seconds


def test_public_and_explicit_holidays_and_shutdown_ranges() -> None:
    cal = BusinessCalendar(tz="Europe/Berlin", weekly=SPLIT, country="DE", subdivision="BY",
                           holidays=[(date(2026, 12, 28), date(2026, 12, 31))])
    # Thu 24 Dec works; Fri 25 is Christmas; 28-31 is the shutdown; 1 Jan is New Year.
    assert cal.add(datetime(2026, 12, 24, 16, tzinfo=BERLIN), 2 * 3600) == \
        datetime(2027, 1, 4, 10, tzinfo=BERLIN)
    assert date(2026, 12, 25) in cal.holiday_dates(2026)
    assert date(2026, 1, 6) in cal.holiday_dates(2026)  # Epiphany, Bavaria only


def test_pauses_that_overlap_closed_hours_count_only_once() -> None:
    cal = BusinessCalendar(tz="Europe/Berlin", weekly=SPLIT)
    # Paused Mon 16:00 to Tue 10:00: only Mon 16-17 and Tue 9-10 are working time lost.
    pauses = [(at(16, 16), at(17, 10)), (at(16, 20), at(17, 9, 30))]
    assert cal.between(at(16, 9), at(17, 17), pauses) == (14 - 2) * 3600
    assert cal.add(at(16, 15), 2 * 3600, pauses) == at(17, 11)


def test_daylight_saving_days() -> None:
    nine_to_five = BusinessCalendar(tz="Europe/Berlin",
                                    weekly={6: [(time(9), time(17))]})
    assert nine_to_five.between(datetime(2026, 3, 29, tzinfo=BERLIN),
                                datetime(2026, 3, 30, tzinfo=BERLIN)) == 8 * 3600
    night = BusinessCalendar(tz="Europe/Berlin", weekly={6: [(time(2), time(3))]})
    assert night.between(datetime(2026, 3, 29, tzinfo=BERLIN),
                         datetime(2026, 3, 30, tzinfo=BERLIN)) == 0  # 02:00-03:00 missing
    assert night.between(datetime(2026, 10, 25, tzinfo=BERLIN),
                         datetime(2026, 10, 26, tzinfo=BERLIN)) == 2 * 3600  # twice
    always = BusinessCalendar.always(tz="Europe/Berlin")
    assert always.between(datetime(2026, 3, 29, tzinfo=BERLIN),
                          datetime(2026, 3, 30, tzinfo=BERLIN)) == 23 * 3600


def test_overnight_shift_belongs_to_the_day_it_starts() -> None:
    nights = BusinessCalendar(tz="UTC", weekly={d: [(time(22), time(6))] for d in range(7)},
                              holidays=[date(2026, 12, 31)])
    # 30 Dec: 0-6 (from the 29th) + 22-24; 31 Dec: 0-6 (from the 30th), its own shift is
    # a holiday; 1 Jan: 22-24.
    assert nights.between(datetime(2026, 12, 30, tzinfo=UTC),
                          datetime(2027, 1, 2, tzinfo=UTC)) == 16 * 3600


def test_long_spans_cross_years() -> None:
    cal = BusinessCalendar(tz="Europe/Berlin", weekly=SPLIT, country="DE")
    a = datetime(2025, 6, 2, 9, tzinfo=BERLIN)
    t = cal.add(a, 3 * 250 * 7 * 3600)
    assert t.year == 2028
    assert cal.between(a, t) == 3 * 250 * 7 * 3600


def test_misuse_is_refused_with_a_reason() -> None:
    cal = BusinessCalendar(tz="UTC", weekly=SPLIT)
    with pytest.raises(CalendarError, match="no time zone"):
        cal.between(datetime(2026, 1, 1), datetime(2026, 1, 2))
    with pytest.raises(CalendarError, match="seconds >= 0"):
        cal.add(datetime(2026, 1, 1, tzinfo=UTC), -1)
    with pytest.raises(CalendarError, match="unknown time zone"):
        BusinessCalendar(tz="Mars/Olympus")
    with pytest.raises(CalendarError, match="no working time"):
        BusinessCalendar(tz="UTC").add(datetime(2026, 1, 1, tzinfo=UTC), 1)
