"""Business calendars: which real instants count as working time, and arithmetic on them.

Semantics (the contract the rest of the app and the tests rely on):

* Working intervals are wall-clock times in the calendar's zone. An instant counts when its
  local wall-clock time falls inside a working interval of its day, the day is not a
  holiday, and no pause covers it. On a daylight-saving day a 09:00-17:00 day therefore has
  8 real hours, a wall-clock interval that does not exist (spring forward) contributes only
  the real seconds in it, and a repeated hour (fall back) counts twice.
* An interval whose end is `time(0)` runs to midnight at the end of its day; one whose end is
  earlier than its start is an overnight shift that ends the next day. A shift belongs to the
  day it starts on: a holiday on that day removes it, a holiday the next morning does not.
* `between(a, b)` is the number of seconds in [a, b) that are working time and not paused;
  `between(b, a) == -between(a, b)`.
* `add(start, s)` (s >= 0) is the earliest instant t >= start with `between(start, t) >= s`;
  so a target used up exactly at closing time is due at closing time, and add(start, 0) is
  start.

Working intervals are computed once per year as UTC microsecond ranges with cumulative
sums, so both operations cost O(log n) in the span (plus O(p log p) for p pauses).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Interval = tuple[time, time]
Pause = tuple[datetime, datetime]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = 1_000_000
_DAY_US = 86_400 * _US
_MAX_YEARS_SEARCHED = 60  # add() gives up (with an error) past this many empty years


class CalendarError(ValueError):
    """A calendar that cannot answer (no working time at all, naive datetimes…)."""


def to_us(at: datetime) -> int:
    """An aware instant as whole microseconds since the Unix epoch: the integer form every
    calendar operation works in (replays convert each event's instant once)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise CalendarError(f"{at!r} has no time zone; pass an aware datetime")
    delta = at - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * _US + delta.microseconds


def _from_us(us: int, tz: ZoneInfo) -> datetime:
    return (_EPOCH + timedelta(microseconds=us)).astimezone(tz)


def _naive_us(local: datetime) -> int:
    """Microseconds of a naive local wall-clock time, as if it were UTC."""
    delta = local - datetime(1970, 1, 1)
    return (delta.days * 86_400 + delta.seconds) * _US + delta.microseconds


@dataclass(frozen=True)
class BusinessCalendar:
    """A named working schedule in one time zone; see the module docstring for semantics.

    `weekly` maps weekday (0 = Monday) to working intervals; `holidays` are dates or
    (first, last) date ranges, inclusive; `country`/`subdivision` add that place's public
    holidays from the `holidays` package.
    """

    tz: str = "UTC"
    weekly: Mapping[int, Sequence[Interval]] = field(default_factory=dict)
    holidays: Sequence[date | tuple[date, date]] = ()
    country: str | None = None
    subdivision: str | None = None
    name: str = ""
    # Derived in __post_init__ and caches filled on use: not arguments, not compared.
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _years: dict[int, tuple[list[int], list[int], list[int]]] = field(
        init=False, repr=False, compare=False)
    _spans: dict[int, tuple[int, int]] = field(init=False, repr=False, compare=False)
    _explicit: frozenset[date] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            zone = ZoneInfo(self.tz)
        except Exception as exc:
            raise CalendarError(f"unknown time zone '{self.tz}'") from exc
        for day, intervals in self.weekly.items():
            if day not in range(7):
                raise CalendarError(f"weekday {day} is not 0 (Monday) … 6 (Sunday)")
            for start, end in intervals:
                if start == end and end != time(0):
                    raise CalendarError(f"empty working interval {start}-{end} on day {day}")
                if start.tzinfo is not None or end.tzinfo is not None:
                    raise CalendarError("working intervals are wall-clock times without zone")
        object.__setattr__(self, "_zone", zone)
        object.__setattr__(self, "_years", {})
        object.__setattr__(self, "_spans", {})
        object.__setattr__(self, "_explicit", _expand_holidays(self.holidays))

    # -- construction helpers ----------------------------------------------------------

    @classmethod
    def always(cls, tz: str = "UTC", name: str = "24x7") -> BusinessCalendar:
        """Every second of every day counts."""
        return cls(tz=tz, weekly={d: [(time(0), time(0))] for d in range(7)}, name=name)

    @classmethod
    def office_hours(cls, tz: str, *, start: time = time(9), end: time = time(17),
                     days: Iterable[int] = range(5), name: str = "",
                     country: str | None = None, subdivision: str | None = None
                     ) -> BusinessCalendar:
        return cls(tz=tz, weekly={d: [(start, end)] for d in days}, name=name,
                   country=country, subdivision=subdivision)

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    # -- the public arithmetic ---------------------------------------------------------

    def between(self, start: datetime, end: datetime, pauses: Iterable[Pause] = ()) -> float:
        """Working, unpaused seconds in [start, end); negative when end < start."""
        a, b = to_us(start), to_us(end)
        if b < a:
            return -self.between(end, start, pauses)
        return self._between_us(a, b, _merge_pauses(pauses, a, b)) / _US

    def between_us(self, start: datetime, end: datetime) -> int:
        """`between` in whole microseconds, for callers that sum many spans: integers add
        up exactly, where floats summed over segments can land a hair under a target."""
        return self.working_us(to_us(start), to_us(end))

    def working_us(self, a: int, b: int) -> int:
        """`between_us` over instants already in microseconds (`to_us`): a replay converts
        each event's instant once and measures its segments on every calendar from that."""
        return self._working_us(a, b) if a <= b else -self._working_us(b, a)

    def add_many_us(self, start: datetime, goals: Sequence[int]) -> list[datetime]:
        """`add_us(start, goal)` for several goals at once (a running clock's due time and
        its next warning), sharing the one look-up of `start` in the year's table."""
        if any(goal < 0 for goal in goals):
            raise CalendarError("add() needs seconds >= 0")
        a = to_us(start)
        base = self._cumulative(a)
        return [start.astimezone(self.zone) if goal == 0
                else _from_us(self._add_us(a, goal, base), self.zone) for goal in goals]

    def add(self, start: datetime, seconds: float, pauses: Iterable[Pause] = ()) -> datetime:
        """The earliest instant t >= start with between(start, t) >= seconds."""
        if seconds < 0:
            raise CalendarError("add() needs seconds >= 0")
        return self.add_us(start, round(seconds * _US), pauses)

    def add_us(self, start: datetime, goal: int, pauses: Iterable[Pause] = ()) -> datetime:
        """`add` with the working time in whole microseconds (no rounding on the way)."""
        if goal < 0:
            raise CalendarError("add() needs seconds >= 0")
        a = to_us(start)
        if goal == 0:
            return start.astimezone(self.zone)
        cursor = a
        for p_start, p_end in _merge_pauses(pauses, a, None):
            if p_end <= cursor:
                continue
            available = self._working_us(cursor, max(cursor, p_start))
            if available >= goal:
                break
            goal -= available
            cursor = max(cursor, p_end)
        return _from_us(self._add_us(cursor, goal), self.zone)

    def is_working(self, at: datetime) -> bool:
        """Whether this instant is inside working hours (ignoring pauses)."""
        us = to_us(at)
        starts, ends, _ = self._year(self._year_of(us))
        i = bisect_right(starts, us) - 1
        return i >= 0 and us < ends[i]

    def holiday_dates(self, year: int) -> set[date]:
        """Every holiday in `year`: explicit ones plus the country's public holidays."""
        days = {d for d in self._explicit if d.year == year}
        if self.country:
            import holidays as holidays_lib  # deferred: ~0.1 s, only for a country

            days |= set(holidays_lib.country_holidays(
                self.country, subdiv=self.subdivision, years=year, language="en_US"))
        return days

    # -- internals -----------------------------------------------------------------------

    def _between_us(self, a: int, b: int, pauses: list[tuple[int, int]]) -> int:
        total = self._working_us(a, b)
        for p_start, p_end in pauses:
            total -= self._working_us(max(a, p_start), min(b, p_end))
        return total

    def _year_of(self, us: int) -> int:
        # Most queries fall in a year already seen: test the known year spans first.
        for year, (lo, hi) in self._spans.items():
            if lo <= us < hi:
                return year
        year = (_EPOCH + timedelta(microseconds=us)).astimezone(self.zone).year
        self._spans[year] = (
            to_us(datetime(year, 1, 1, tzinfo=self.zone)),
            to_us(datetime(year + 1, 1, 1, tzinfo=self.zone)))
        return year

    def _cumulative(self, us: int) -> tuple[int, int]:
        """(year, working µs from the start of that year's table up to `us`)."""
        year = self._year_of(us)
        starts, ends, cum = self._year(year)
        i = bisect_right(starts, us) - 1
        if i < 0:
            return year, 0
        return year, cum[i] - (ends[i] - min(us, ends[i]))

    def _working_us(self, a: int, b: int) -> int:
        if b <= a:
            return 0
        year_a, wa = self._cumulative(a)
        year_b, wb = self._cumulative(b)
        if year_a == year_b:
            return wb - wa
        total = self._year(year_a)[2][-1] - wa if self._year(year_a)[2] else 0
        for year in range(year_a + 1, year_b):
            cum = self._year(year)[2]
            total += cum[-1] if cum else 0
        return total + wb

    def _add_us(self, a: int, goal: int, base: tuple[int, int] | None = None) -> int:
        year, wa = base or self._cumulative(a)
        target = wa + goal
        for _ in range(_MAX_YEARS_SEARCHED):
            _starts, ends, cum = self._year(year)
            if cum and cum[-1] >= target:
                j = bisect_left(cum, target)
                return ends[j] - (cum[j] - target)
            target -= cum[-1] if cum else 0
            year += 1
        raise CalendarError(f"no working time within {_MAX_YEARS_SEARCHED} years: "
                            "check the calendar's schedule and holidays")

    def _year(self, year: int) -> tuple[list[int], list[int], list[int]]:
        """Merged working intervals whose start falls in `year` (local), with cumulative
        sums of their lengths. Intervals are assigned to the year of their local start so
        each belongs to exactly one table."""
        cache = self._years
        found = cache.get(year)
        if found is not None:
            return found
        raw: list[tuple[int, int]] = []
        holidays = self.holiday_dates(year)
        day = date(year, 1, 1)
        while day.year == year:
            if day not in holidays:
                for start, end in self.weekly.get(day.weekday(), ()):
                    raw.extend(self._real_ranges(day, start, end))
            day += timedelta(days=1)
        starts, ends = _merge_ranges(raw)
        # Keep only what starts inside this year so adjacent years never double count; a
        # range that runs over New Year is clipped there and the rest is given to the next
        # year by the same rule applied there.
        lo = to_us(datetime(year, 1, 1, tzinfo=self.zone))
        hi = to_us(datetime(year + 1, 1, 1, tzinfo=self.zone))
        clipped_s: list[int] = []
        clipped_e: list[int] = []
        for s, e in zip(starts, ends, strict=True):
            s2, e2 = max(s, lo), min(e, hi)
            if s2 < e2:
                clipped_s.append(s2)
                clipped_e.append(e2)
        tail = self._overflow_from(year - 1, lo)
        if tail:
            clipped_s, clipped_e = _merge_ranges([*zip(clipped_s, clipped_e, strict=True),
                                                  *tail])
        cum: list[int] = []
        running = 0
        for s, e in zip(clipped_s, clipped_e, strict=True):
            running += e - s
            cum.append(running)
        cache[year] = (clipped_s, clipped_e, cum)
        return cache[year]

    def _overflow_from(self, year: int, new_year_us: int) -> list[tuple[int, int]]:
        """Parts of the last days of `year` that run past New Year (overnight shifts,
        intervals to 24:00 with a late new year in UTC terms)."""
        out: list[tuple[int, int]] = []
        holidays = self.holiday_dates(year)
        for offset in (2, 1):
            day = date(year + 1, 1, 1) - timedelta(days=offset)
            if day in holidays:
                continue
            for start, end in self.weekly.get(day.weekday(), ()):
                for s, e in self._real_ranges(day, start, end):
                    if e > new_year_us:
                        out.append((max(s, new_year_us), e))
        return out

    def _real_ranges(self, day: date, start: time, end: time) -> list[tuple[int, int]]:
        """The real (UTC µs) ranges whose local wall time lies in [start, end) on `day`."""
        wall_start = datetime.combine(day, start)
        wall_end = datetime.combine(day, end)
        if end == time(0) or end <= start:
            wall_end += timedelta(days=1)  # to midnight, or overnight into the next day
        ws, we = _naive_us(wall_start), _naive_us(wall_end)
        # Every instant that could have such a wall time lies within a day of it.
        lo, hi = ws - _DAY_US, we + _DAY_US
        ranges = []
        for seg_start, seg_end, offset in self._segments(lo, hi):
            s = max(seg_start, ws - offset)
            e = min(seg_end, we - offset)
            if s < e:
                ranges.append((s, e))
        return ranges

    def _offset_us(self, us: int) -> int:
        local = (_EPOCH + timedelta(microseconds=us)).astimezone(self.zone)
        off = local.utcoffset()
        assert off is not None
        return (off.days * 86_400 + off.seconds) * _US + off.microseconds

    def _segments(self, lo: int, hi: int) -> list[tuple[int, int, int]]:
        """Split [lo, hi) into runs of constant UTC offset (transitions found by bisection
        to the second)."""
        off_lo, off_hi = self._offset_us(lo), self._offset_us(hi - 1)
        if off_lo == off_hi:
            return [(lo, hi, off_lo)]
        a, b = lo, hi - 1  # offset(a) == off_lo, offset(b) != off_lo
        while b - a > _US:
            mid = (a + b) // 2 // _US * _US
            if mid <= a:
                mid = a + _US
            if self._offset_us(mid) == off_lo:
                a = mid
            else:
                b = mid
        transition = b
        return [(lo, transition, off_lo), *self._segments(transition, hi)]


def _expand_holidays(items: Sequence[date | tuple[date, date]]) -> frozenset[date]:
    days: set[date] = set()
    for item in items:
        if isinstance(item, tuple):
            first, last = item
            if last < first:
                raise CalendarError(f"holiday range {first}..{last} ends before it starts")
            d = first
            while d <= last:
                days.add(d)
                d += timedelta(days=1)
        else:
            days.add(item)
    return frozenset(days)


def _merge_pauses(pauses: Iterable[Pause], lo: int, hi: int | None) -> list[tuple[int, int]]:
    """Pauses as sorted, non-overlapping µs ranges, clipped to [lo, hi)."""
    spans = []
    for p_start, p_end in pauses:
        s, e = to_us(p_start), to_us(p_end)
        if hi is not None:
            e = min(e, hi)
        s = max(s, lo)
        if s < e:
            spans.append((s, e))
    starts, ends = _merge_ranges(spans)
    return list(zip(starts, ends, strict=True))


def _merge_ranges(ranges: Iterable[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """(start, end) ranges sorted and merged where they overlap or touch, empty ones
    dropped: the starts and the ends, in order."""
    starts: list[int] = []
    ends: list[int] = []
    for s, e in sorted(ranges):
        if e <= s:
            continue
        if ends and s <= ends[-1]:
            ends[-1] = max(ends[-1], e)
        else:
            starts.append(s)
            ends.append(e)
    return starts, ends
