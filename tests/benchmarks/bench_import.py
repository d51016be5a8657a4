"""Benchmark: importing a 10,000-row CSV export (docs/performance.md, "CSV import").

    python tests/benchmarks/bench_import.py [--rows 10000] [--runs 3]

Generates a Zendesk-like file (2,000 requesters, 120 organizations, a few status, priority
and channel words that need a guess) and times, each on a fresh database: reading the
file, the dry run, and the import in one transaction. Medians of wall and CPU time.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from itertools import count, islice
from pathlib import Path

from desk_app.app import open_context
from desk_app.domain.csv_import import ImportOptions
from desk_app.services.importer import ImportService

STATUSES = ["Open", "Pending", "Solved", "Closed", "OpenPending", "On hold"]
PRIORITIES = ["Low", "Normal", "High", "Urgent", "Sev 2"]
SOURCES = ["Email", "Phone", "Web", "Other", "Chat"]


HEADER = ("Id,Subject,Description,Status,Priority,Source,Requester,Requester email,"
          "Organization,Assignee,Ticket type,Created at,Solved at")


def make_rows(*, plain: bool = False, description_chars: int = 0) -> Iterator[str]:
    """Data lines without end, the same for the same arguments. `plain`: only words the
    defaults know (what the importer before issue 9 accepted). `description_chars` pads
    each description to about that many characters (a long ticket body: the bytes grow,
    not the rows)."""
    rng = random.Random(5)
    statuses = STATUSES[:4] if plain else STATUSES
    priorities = PRIORITIES[:4] if plain else PRIORITIES
    sources = [s for s in SOURCES if s != "Other"] if plain else SOURCES
    start = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    padding = ""
    if description_chars:
        words = "The printer on the third floor shows an error and prints blank pages. "
        padding = " " + (words * (description_chars // len(words) + 1))[:description_chars]
    for i in count():
        created = start + timedelta(minutes=rng.randrange(0, 300_000))
        status = rng.choice(statuses)
        solved = (created + timedelta(hours=rng.randrange(1, 80))).strftime(
            "%Y-%m-%d %H:%M") if status in ("Solved", "Closed") else ""
        person = rng.randrange(2000)
        yield ",".join([
            str(10_000 + i), f"Request {i} about the printer", f'"Details, line {i}{padding}"',
            status, rng.choice(priorities), rng.choice(sources), f"Person {person}",
            f"person{person}@example.com", f"Org {person % 120}",
            f"Agent {rng.randrange(12)}", rng.choice(["Incident", "Question", "Task"]),
            created.strftime("%Y-%m-%d %H:%M"), solved])


def make_file(path: Path, rows: int, *, plain: bool = False) -> None:
    lines = [HEADER, *islice(make_rows(plain=plain), rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    t, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t, time.process_time() - c


def one_run(db: Path, csv_file: Path, results: dict[str, list[tuple[float, float]]]) -> None:
    """Read, dry run and import once, on a fresh database."""
    options = ImportOptions(tz="UTC")
    ctx = open_context(db, user_tz="UTC")
    try:
        service = ImportService(ctx.db, ctx.sla, ctx.clock)
        t, c = time.perf_counter(), time.process_time()
        table = service.read(csv_file, options)
        results["read"].append((time.perf_counter() - t, time.process_time() - c))
        results["dry run"].append(timed(
            lambda: service.dry_run(table, options, source="x.csv")))
        results["import"].append(timed(
            lambda: service.run(table, options, actor="bench", source="x.csv")))
    finally:
        ctx.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--plain", action="store_true",
                        help="only words the defaults know (no guesses needed)")
    args = parser.parse_args()
    results: dict[str, list[tuple[float, float]]] = {"read": [], "dry run": [], "import": []}
    with tempfile.TemporaryDirectory() as tmp:
        csv_file = Path(tmp) / "export.csv"
        make_file(csv_file, args.rows, plain=args.plain)
        for run in range(args.runs):
            one_run(Path(tmp) / f"desk{run}.sqlite3", csv_file, results)
    for name, runs in results.items():
        wall = [w for w, _c in runs]
        cpu = [c for _w, c in runs]
        print(f"{name}: median {statistics.median(wall):.2f} s wall (runs "
              + ", ".join(f"{w:.2f}" for w in wall)
              + f"), {statistics.median(cpu):.2f} s CPU")


if __name__ == "__main__":
    main()
