"""Benchmark: exporting 100,000 tickets to CSV (issue 5: under 3 s, memory flat).

    python tests/benchmarks/bench_export.py

Uses the desk seeded by bench_table.py (seeds one if missing). Reports the time and the
growth of peak resident memory while writing 10,000 and then 100,000 rows: if the export
streams, the second figure is no larger than the first.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    db = Path(tempfile.gettempdir()) / "desk-bench-100000.sqlite3"
    if not db.exists():
        subprocess.run([sys.executable, "-m", "desk_app", "seed", "--db", str(db),
                        "--tickets", "100000", "--seed", "2026"], check=True)
    from desk_app.app import open_context
    from desk_app.services.export import CsvOptions, ExportService, open_for_csv

    ctx = open_context(db)
    service = ExportService(ctx.db)
    out_path = Path(tempfile.gettempdir()) / "desk-bench-export.csv"
    base = peak_mb()
    rows = service.ticket_rows(tz="Europe/Berlin")
    small = [next(rows) for _ in range(10_000)]
    del small, rows
    after_small = peak_mb()
    t = time.perf_counter()
    with open_for_csv(out_path) as out:
        count = service.export_tickets(out, CsvOptions(tz="Europe/Berlin"))
    took = time.perf_counter() - t
    after_all = peak_mb()
    print(f"exported {count:,} tickets ({out_path.stat().st_size / 1e6:.1f} MB) in "
          f"{took:.2f} s (target < 3 s)")
    print(f"peak RSS: {base:.0f} MB at start, {after_small:.0f} MB after holding 10,000 rows, "
          f"{after_all:.0f} MB after streaming all {count:,}")
    ctx.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
