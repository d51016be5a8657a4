"""The retry schedule after a team desk's server went away: 1, 2, 4, 8, 16, then 30 s."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desk_app.domain.backoff import MAX_DELAY_S, retry_delay_s


def test_the_delay_doubles_from_one_second_and_stops_at_the_cap() -> None:
    assert [retry_delay_s(n) for n in range(8)] == [1, 2, 4, 8, 16, 30, 30, 30]


def test_a_smaller_cap_is_honoured() -> None:
    assert [retry_delay_s(n, cap_s=5) for n in range(5)] == [1, 2, 4, 5, 5]


def test_a_negative_count_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        retry_delay_s(-1)


@given(st.integers(min_value=0, max_value=10**6))
def test_the_delay_never_shrinks_and_never_passes_the_cap(n: int) -> None:
    assert 1 <= retry_delay_s(n) <= retry_delay_s(n + 1) <= MAX_DELAY_S
