"""kill -9 during the creation of a new desk and during an upgrade from schema 0001: every
desk opens afterwards, at head, with all its tickets (docs/reliability.md).

Bounded for the default run (20 desks each, a fixed seed); tests/benchmarks/soak_schema.py
runs the same experiments with 200 desks each.
"""

from __future__ import annotations

from pathlib import Path

from tests.reliability.harness import creation_kills, upgrade_kills

DESKS = 20  # about 15 s of CPU for both here; the soak runs 200


def test_a_kill_during_the_first_start_never_leaves_an_unopenable_desk(tmp_path: Path) -> None:
    figures = creation_kills(tmp_path, desks=DESKS, seed=11)
    assert figures.reasons == [], figures
    assert figures.unopenable == 0 and figures.failed_runs == 0 and figures.lost_data == 0
    # The experiment did what it says: some kills landed before the schema was complete.
    assert figures.left_before_head > 0, figures


def test_a_kill_during_an_upgrade_from_0001_never_leaves_an_unopenable_desk(tmp_path: Path
                                                                            ) -> None:
    figures = upgrade_kills(tmp_path, desks=DESKS, seed=12)
    assert figures.reasons == [], figures
    assert figures.unopenable == 0 and figures.failed_runs == 0 and figures.lost_data == 0
    assert figures.left_before_head > 0, figures
