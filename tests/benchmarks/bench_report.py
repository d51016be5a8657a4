"""Benchmark: period reports over a year of 100,000 tickets (issue 5).

    python tests/benchmarks/bench_report.py [--tickets 100000] [--runs 5]
        [--engine sqlite|postgresql]   (or DESK_BENCH_DB=URL; see engines.py)

Seeds (once, cached in the temp folder) a desk of 100,000 tickets spread over the last 365
days, then measures in this process:
* the year's report (every figure of docs/metrics.md, attainment by priority) — the first
  run, then the median of `--runs` more — target < 2 s;
* the last 30 days' report, and the year grouped by organization with a filter;
* the year's summary CSV (report + rows + file);
* the longest stall of the GUI thread while the Reports window computes the year through
  the real task runner (a 2 ms GUI timer records the gaps between its ticks).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the project's own `tests`

from tests.benchmarks.engines import add_engine_option, bench_desk, engine_of, load_average


def _timed(fn, runs: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    first_t = time.perf_counter()
    fn()
    first = time.perf_counter() - first_t
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return first, statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    add_engine_option(parser)
    args = parser.parse_args()
    with bench_desk(engine_of(args), name=f"desk-bench-year-{args.tickets}",
                    tickets=args.tickets, days=365, seed=5) as desk:
        print(f"desk: {desk.describe()}; {load_average()}")
        if desk.seeded_s is not None:
            print(f"seed: {desk.seeded_s:.1f} s")
        return measure(desk.target, args.runs)


def measure(db: Path | str, runs: int) -> int:
    from desk_app.app import open_context
    from desk_app.domain.period_report import ReportFilter
    from desk_app.services.export import CsvOptions, open_for_csv, write_csv
    from desk_app.services.summary_export import SUMMARY_COLUMNS, summary_rows

    ctx = open_context(db)
    service = ctx.reports
    now = ctx.clock()
    year = (now - timedelta(days=365), now + timedelta(days=1))
    month = (now - timedelta(days=30), now + timedelta(days=1))
    tz = "Europe/Berlin"

    report = service.period_report(*year, tz=tz)
    print(f"year: {report.cohort.tickets:,} tickets created, "
          f"{report.volume.resolved:,} resolved, {len(report.days)} days")
    first, median = _timed(lambda: service.period_report(*year, tz=tz), runs)
    print(f"year report: first {first:.2f} s, median {median:.2f} s (target < 2 s; "
          f"{load_average()})")
    first, median = _timed(lambda: service.period_report(*month, tz=tz), runs)
    print(f"30-day report: first {first:.2f} s, median {median:.2f} s")
    flt = ReportFilter(priorities=frozenset({"P3", "P4"}))
    first, median = _timed(lambda: service.period_report(*year, tz=tz, by="organization",
                                                         report_filter=flt), runs)
    print(f"year by organization, P3+P4 only: median {median:.2f} s")
    out = Path(tempfile.gettempdir()) / "desk-bench-summary.csv"

    def summary() -> None:
        r = service.period_report(*year, tz=tz)
        with open_for_csv(out) as f:
            write_csv(f, SUMMARY_COLUMNS, summary_rows(r), CsvOptions(tz=tz))

    first, median = _timed(summary, runs)
    print(f"year summary CSV: median {median:.2f} s")

    from datetime import date

    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from desk_app.domain.periods import Preset
    from desk_app.ui.reports.reports_view import ReportsWindow
    from desk_app.workers.task_runner import SyncRunner, TaskRunner

    app = QApplication([])
    window = ReportsWindow(reports=ctx.reports, credits=ctx.credits, exports=ctx.exports,
                           runner=SyncRunner(), tz=ctx.sla.user_tz, today=date.today())
    window.runner = TaskRunner(window)
    window.period.blockSignals(True)
    window.period.setCurrentIndex(list(Preset).index(Preset.THIS_YEAR))
    window.period.blockSignals(False)
    window._apply_preset()
    window.first_day.setDate(window.first_day.date().addYears(-1))  # a full year back
    window.show()
    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.elapsed()]

    def beat() -> None:
        nowms = clock.elapsed()
        gaps.append(nowms - last[0])
        last[0] = nowms

    timer = QTimer()
    timer.setInterval(2)
    timer.timeout.connect(beat)
    timer.start()
    started = time.perf_counter()
    window.result = None
    window.compute()
    while window.result is None:
        app.processEvents()
        time.sleep(0.0005)
    took = time.perf_counter() - started
    timer.stop()
    gaps.sort()
    print(f"Reports window, custom year through the task runner: {took:.2f} s; GUI stall "
          f"max {gaps[-1]:.0f} ms, p99 {gaps[int(len(gaps) * 0.99) - 1]:.0f} ms "
          f"({len(gaps)} ticks)")
    window.close()
    ctx.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
