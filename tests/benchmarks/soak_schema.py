"""Soak: kill -9 during desk creation and during upgrades, and concurrent writers, at length
(docs/reliability.md). Outside the default run; the bounded versions are tests/reliability/.

    python tests/benchmarks/soak_schema.py [--desks 200] [--writers 4] [--each 500]
        [--only creation|upgrade|writers] [--seed 2026]

Prints one figure line per scenario; exits 1 if any desk did not open, lost a ticket, or a
writer failed or a number was used twice.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the project's own `tests`

from tests.benchmarks.soak_numbers import run_writers
from tests.reliability.harness import KillFigures, creation_kills, upgrade_kills


def _report(name: str, figures: KillFigures, took: float) -> bool:
    print(f"{name}: {figures.desks} desks, {figures.kills} kills ({figures.killed_running} "
          f"hit a running process, {figures.left_before_head} left the schema short of head)"
          f", {figures.unopenable} unopenable, {figures.failed_runs} failed runs, "
          f"{figures.lost_data} desks missing tickets, {figures.notes} repair notes; "
          f"{took:.0f} s", flush=True)
    for reason in figures.reasons[:5]:
        print(f"  {reason.splitlines()[0]}")
    return not figures.reasons


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--desks", type=int, default=200)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--each", type=int, default=500)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--only", choices=["creation", "upgrade", "writers"])
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for key in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
            os.environ[key] = str(root / key.lower())  # nothing lands in the user's folders
        if args.only in (None, "creation"):
            (root / "creation").mkdir()
            started = time.perf_counter()
            figures = creation_kills(root / "creation", desks=args.desks, seed=args.seed)
            ok &= _report("kill -9 during creation", figures, time.perf_counter() - started)
        if args.only in (None, "upgrade"):
            (root / "upgrade").mkdir()
            started = time.perf_counter()
            figures = upgrade_kills(root / "upgrade", desks=args.desks, seed=args.seed + 1)
            ok &= _report("kill -9 during upgrade from 0001", figures,
                          time.perf_counter() - started)
        if args.only in (None, "writers"):
            (root / "writers").mkdir()
            ok &= run_writers(root / "writers", writers=args.writers, each=args.each)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
