"""Benchmark: exporting 100,000 tickets to CSV (issue 5: under 3 s, memory flat).

    python tests/benchmarks/bench_export.py [--runs 5] [--breach-runs 3]
        [--engine sqlite|postgresql]   (or DESK_BENCH_DB=URL; see engines.py)

Uses the desk seeded by bench_table.py (seeds one if missing). Reports the median (and the
spread) of several timed exports of all tickets and of the breach list, then the memory of
exporting 10,000 and 100,000 tickets, each in a fresh process so that one figure cannot
hide inside the other: the tracemalloc peak (Python allocations only, the number that must
not grow with the row count) and the peak resident size (which adds the interpreter, the
libraries and SQLite's page cache).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the project's own `tests`

from tests.benchmarks.engines import add_engine_option, bench_desk, engine_of, load_average

OUT = Path(tempfile.gettempdir()) / "desk-bench-export.csv"
TZ = "Europe/Berlin"


def peak_rss_mb() -> float:
    """This process's peak resident size. VmHWM, where Linux has it: ru_maxrss survives
    exec, so a child would report its parent's peak if that was higher."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timings(runs: int, export: Callable[[], None]) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of each run. The CPU figure is the steadier one on a
    machine whose cores other work shares: waiting for a core counts in wall time only."""
    wall, cpu = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        export()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return wall, cpu


def _summary(took: tuple[list[float], list[float]]) -> str:
    wall, cpu = took
    return (f"median {statistics.median(wall):.2f} s (runs: "
            + ", ".join(f"{x:.2f}" for x in wall)
            + f"; CPU median {statistics.median(cpu):.2f} s)")


def measure_memory(db: str, rows: int) -> int:
    """Child process: export the first `rows` tickets; print the peaks as JSON."""
    from desk_app.app import open_context
    from desk_app.services.export import (
        TICKET_COLUMNS,
        CsvOptions,
        open_for_csv,
        ticket_batches,
        write_safe_csv,
    )

    def first(batches: Iterator[list[list[str]]]) -> Iterator[list[list[str]]]:
        taken = 0
        for batch in batches:
            if taken >= rows:
                return
            yield batch
            taken += len(batch)

    ctx = open_context(db)
    before = peak_rss_mb()
    tracemalloc.start()
    batches = ticket_batches(ctx.db, tz=TZ)
    with open_for_csv(OUT) as out:
        count = write_safe_csv(out, TICKET_COLUMNS,
                               first(batches), CsvOptions(tz=TZ))
    batches.close()
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    ctx.close()
    print(json.dumps({"rows": count, "traced_peak_mb": traced_peak / 1e6,
                      "rss_before_mb": before, "rss_peak_mb": peak_rss_mb()}))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--breach-runs", type=int, default=3)
    parser.add_argument("--memory", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    add_engine_option(parser)
    args = parser.parse_args()
    if args.memory:
        return measure_memory(args.db, args.memory)
    # The desk of bench_table.py.
    with bench_desk(engine_of(args), name="desk-bench-100000", tickets=100_000, days=None,
                    seed=2026) as desk:
        print(f"desk: {desk.describe()}; {load_average()}")
        return measure(str(desk.target), args.runs, args.breach_runs)


def measure(db: str, runs: int, breach_runs: int) -> int:
    from desk_app.app import open_context
    from desk_app.services.export import CsvOptions
    from desk_app.services.period_export import ExportKind, ExportRequest

    ctx = open_context(db)
    counts: dict[str, int] = {}

    def tickets() -> None:
        counts["tickets"] = ctx.exports.export(ExportRequest(ExportKind.TICKETS), OUT,
                                               CsvOptions(tz=TZ)).rows

    def breaches() -> None:
        counts["breaches"] = ctx.exports.export(ExportRequest(ExportKind.BREACHES), OUT,
                                                CsvOptions(tz=TZ)).rows

    took = _timings(runs, tickets)
    print(f"tickets: {counts['tickets']:,} rows ({OUT.stat().st_size / 1e6:.1f} MB), "
          f"{_summary(took)}, target < 3 s; {load_average()}")
    if breach_runs:
        took = _timings(breach_runs, breaches)
        print(f"breaches: {counts['breaches']:,} breached clocks of all tickets, "
              f"{_summary(took)}")
    ctx.close()

    for rows in (10_000, 100_000):
        done = subprocess.run([sys.executable, __file__, "--memory", str(rows), "--db", db],
                              check=True, capture_output=True, text=True)
        m = json.loads(done.stdout)
        print(f"memory, {m['rows']:,} tickets: tracemalloc peak {m['traced_peak_mb']:.1f} MB, "
              f"peak RSS {m['rss_peak_mb']:.0f} MB ({m['rss_before_mb']:.0f} MB before the "
              f"export)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
