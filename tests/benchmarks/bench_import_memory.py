"""Benchmark: peak memory and time of `desk-app import` by file size (docs/performance.md,
"Import memory"; issue 11 item 7).

    python tests/benchmarks/bench_import_memory.py [--mb 10 50]

For each size, generates a Zendesk-like file (tests/benchmarks/bench_import.make_file) of
about that many megabytes and runs the real command line on a fresh desk in a child
process; prints its wall time and peak resident memory (the child's ru_maxrss).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.benchmarks.bench_import import make_file

BYTES_PER_ROW = 205  # an overestimate: 10 gives 7.7 MB, 50 gives 39.2 MB (kept: figures compare)


def measure(csv_file: Path, db: Path) -> tuple[float, float, int]:
    """(seconds, peak RSS in MB, exit code) of one import in a child process."""
    code = ("import resource, sys; from desk_app.cli import main; rc = main(sys.argv[1:]); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); "
            "sys.exit(rc)")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, "--db", str(db), "import",
                           str(csv_file), "--tz", "UTC"],
                          capture_output=True, text=True, check=False)
    took = time.perf_counter() - started
    peak_kb = int(done.stderr.strip().splitlines()[-1])
    if done.returncode:
        print(done.stdout, done.stderr, file=sys.stderr)
    return took, peak_kb / 1024, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=float, nargs="+", default=[10, 50])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for mb in args.mb:
            csv_file = Path(tmp) / f"export-{mb:g}mb.csv"
            make_file(csv_file, int(mb * 1_000_000 / BYTES_PER_ROW))
            size = csv_file.stat().st_size / 1e6
            rows = sum(1 for _ in csv_file.open("rb")) - 1
            took, peak, rc = measure(csv_file, Path(tmp) / f"desk-{mb:g}.sqlite3")
            print(f"{size:.1f} MB, {rows:,} rows: {took:.1f} s, peak RSS {peak:.0f} MB"
                  f"{'' if rc == 0 else f' (exit {rc})'}")


if __name__ == "__main__":
    main()
