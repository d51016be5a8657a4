from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from desk_app.ui.common.formatting import local_time, short_duration


@pytest.mark.parametrize(("delta", "text"), [
    (timedelta(seconds=-5), "0 m"), (timedelta(minutes=59), "59 m"),
    (timedelta(hours=2, minutes=43), "2 h 43 m"), (timedelta(hours=5), "5 h"),
    (timedelta(days=3, hours=4), "3 d 4 h"), (timedelta(days=2), "2 d"),
    (timedelta(days=30), "4 w"),
])
def test_short_duration(delta: timedelta, text: str) -> None:
    assert short_duration(delta) == text


def test_local_time_gets_shorter_the_closer_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    import time

    time.tzset()
    try:
        now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # a Monday
        assert local_time(now.replace(hour=9, minute=5), now) == "09:05"
        assert local_time(datetime(2026, 11, 21, 18, 30, tzinfo=UTC), now) == "Sat 18:30"
        assert local_time(datetime(2026, 10, 2, 8, 0, tzinfo=UTC), now) == "2 Oct"
        assert local_time(datetime(2025, 10, 2, 8, 0, tzinfo=UTC), now) == "2025-10-02"
        assert local_time(None, now) == ""
    finally:
        monkeypatch.undo()
        time.tzset()
