"""ChangeCursor: a seq seen late (a slower PostgreSQL transaction committing after a
faster one) is still read; a hole that never fills is given up after GAP_TTL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from desk_app.domain.change_cursor import GAP_TTL, MAX_GAPS, ChangeCursor, Gap

NOW = datetime(2026, 11, 16, 9, tzinfo=UTC)


def test_contiguous_seqs_move_the_cursor_without_gaps() -> None:
    after = ChangeCursor(last=4).advance([5, 6, 7], NOW)
    assert after == ChangeCursor(last=7)


def test_a_hole_is_remembered_until_its_seq_arrives() -> None:
    after = ChangeCursor(last=4).advance([5, 8], NOW)
    assert after.last == 8
    assert after.gaps == (Gap(6, 7, NOW),)
    later = after.advance([7], NOW + timedelta(seconds=1))
    assert later.gaps == (Gap(6, 6, NOW),)
    assert later.advance([6], NOW + timedelta(seconds=2)).gaps == ()


def test_filling_the_middle_of_a_hole_splits_it() -> None:
    cursor = ChangeCursor(last=10, gaps=(Gap(2, 6, NOW),))
    assert cursor.advance([4], NOW).gaps == (Gap(2, 3, NOW), Gap(5, 6, NOW))


def test_a_hole_older_than_the_ttl_is_a_rollback_and_is_dropped() -> None:
    cursor = ChangeCursor(last=4).advance([6], NOW)
    assert cursor.advance([], NOW + GAP_TTL - timedelta(seconds=1)).gaps
    dropped = cursor.advance([], NOW + GAP_TTL)
    assert dropped.gaps == ()
    assert not dropped.lost


def test_too_many_holes_drop_the_oldest_and_say_so() -> None:
    seqs = list(range(2, 2 * (MAX_GAPS + 2), 2))
    after = ChangeCursor(last=0).advance(seqs, NOW)
    assert len(after.gaps) == MAX_GAPS
    assert after.lost
    assert after.gaps[0].lo > 1
