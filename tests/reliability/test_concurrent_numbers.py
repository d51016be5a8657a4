"""Two processes adding tickets at the same time to one SQLite desk: no failures, and the
numbers are unique and contiguous (docs/reliability.md). The soak runs 4 writers x 500."""

from __future__ import annotations

from pathlib import Path

from tests.reliability.harness import concurrent_writers


def test_two_writer_processes_never_collide_on_a_ticket_number(tmp_path: Path) -> None:
    figures = concurrent_writers(tmp_path, writers=2, each=80)
    assert figures.failures == 0, (tmp_path / "children.log").read_text()[-2000:]
    assert figures.duplicates == 0
    assert len(figures.numbers) == 160 and figures.contiguous
