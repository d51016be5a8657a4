"""The counted GC pause shared by the monitor thread and reports."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from desk_app.services.gc_pause import gc_paused


@pytest.fixture(autouse=True)
def _gc_restored() -> Iterator[None]:
    was = gc.isenabled()
    yield
    if was:
        gc.enable()


def test_overlapping_pauses_resume_only_when_the_last_ends() -> None:
    gc.enable()
    first, second = gc_paused(), gc_paused()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)  # the other pause is still running: stay paused
    assert not gc.isenabled()
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_collection_switched_off_before_stays_off_and_errors_still_resume() -> None:
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()
    gc.enable()
    with pytest.raises(RuntimeError), gc_paused():
        raise RuntimeError("database is locked")
    assert gc.isenabled()
