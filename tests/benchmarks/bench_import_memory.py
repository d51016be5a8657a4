"""Benchmark: peak memory and time of `desk-app import` by file size (docs/performance.md,
"Import memory"; issue 11 item 7).

    python tests/benchmarks/bench_import_memory.py [--mb 10 50]
    python tests/benchmarks/bench_import_memory.py --mb 8 40 200 500 --description-chars 4000
    python tests/benchmarks/bench_import_memory.py --mb 8 40 --cache-kib 32768 2048

For each size, generates a Zendesk-like file (the rows of tests/benchmarks/bench_import.py)
of about that many megabytes and runs the real command line on a fresh desk in a child
process; prints its wall time, its peak resident memory (VmHWM from /proc/self/status,
the child's own peak since exec), the parent's RSS when it started the child, ru_maxrss
(which on Linux also counts what the child inherited from the parent at fork: see
docs/performance.md, "Import memory"), and SQLite's own peak allocation
(`sqlite3_status64`, read through ctypes from the library the child loaded).

Without `--description-chars` the file is written as the first figures were (short rows,
bytes-per-row estimate kept so 10 and 50 still give 7.7 and 39.2 MB); with it, each
description is padded to that many characters, so a 500 MB file stays far below the import's
row limit (desk_app/domain/limits.py: 1 GB, 1,000,000 rows) and is written row by row until
it reaches the size. `--cache-kib` runs each file once per page-cache size: the child
replaces the app's `PRAGMA cache_size` (32 MB per connection, store/engine.py) on every
connection it opens; the benchmark only, the app is unchanged.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the project's own `tests`

from desk_app.domain.limits import IMPORT_MAX_BYTES, IMPORT_MAX_ROWS
from tests.benchmarks.bench_import import HEADER, make_file, make_rows

BYTES_PER_ROW = 205  # an overestimate: 10 gives 7.7 MB, 50 gives 39.2 MB (kept: figures compare)
APP_CACHE_KIB = 32_768  # what store/engine.py sets; passing it changes nothing

# The child: the real command line, then its figures as one JSON line on stderr.
CHILD = """
import ctypes, json, os, resource, sys
import desk_app.store.engine as engine
from desk_app.cli import main

cache_kib = int(os.environ["BENCH_CACHE_KIB"])
original = engine._set_sqlite_pragmas

def pragmas(dbapi_connection, record):
    original(dbapi_connection, record)
    dbapi_connection.execute(f"PRAGMA cache_size=-{cache_kib}")

engine._set_sqlite_pragmas = pragmas
rc = main(sys.argv[1:])

def sqlite_library():
    with open("/proc/self/maps") as maps:
        for line in maps:
            if "libsqlite3" in line:
                return ctypes.CDLL(line.split()[-1])
    return None

status = {}
lib = sqlite_library()
if lib is not None:
    for name, op in (("memory_used", 0), ("pagecache_overflow", 2)):
        current, high = ctypes.c_int64(), ctypes.c_int64()
        lib.sqlite3_status64(op, ctypes.byref(current), ctypes.byref(high), 0)
        status[name] = high.value
status["maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with open("/proc/self/status") as own:
    status["vmhwm_kb"] = next(int(line.split()[1]) for line in own if line.startswith("VmHWM:"))
print(json.dumps(status), file=sys.stderr)
sys.exit(rc)
"""


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_rss_mb: float  # VmHWM: this program's own peak since exec
    maxrss_mb: float  # ru_maxrss, which Linux carries over from the parent at fork (see doc)
    sqlite_peak_mb: float  # SQLite's own allocations at their highest (all connections)
    page_cache_peak_mb: float  # of which the page cache (pcache overflow: all of it here)
    exit_code: int


def measure(csv_file: Path, db: Path, *, cache_kib: int = APP_CACHE_KIB) -> Run:
    """One import in a child process on a fresh desk at `db`."""
    env = dict(os.environ, BENCH_CACHE_KIB=str(cache_kib))
    for key in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        env[key] = str(db.parent / key.lower())  # nothing lands in the user's folders
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CHILD, "--db", str(db), "import",
                           str(csv_file), "--tz", "UTC"],
                          capture_output=True, text=True, check=False, env=env)
    took = time.perf_counter() - started
    if done.returncode:
        print(done.stdout, done.stderr, file=sys.stderr)
    figures = json.loads(done.stderr.strip().splitlines()[-1])
    mb = 1024 * 1024
    return Run(took, figures["vmhwm_kb"] / 1024, figures["maxrss_kb"] / 1024,
               figures.get("memory_used", 0) / mb, figures.get("pagecache_overflow", 0) / mb,
               done.returncode)


def own_rss_mb() -> float:
    """This (the parent) process's resident memory now, in MB."""
    with open("/proc/self/status") as own:
        return next(int(line.split()[1]) for line in own if line.startswith("VmRSS:")) / 1024


def write_long_rows(path: Path, target_bytes: int, *, description_chars: int) -> int:
    """Rows with long descriptions until the file holds `target_bytes`; the row count."""
    rows = 0
    written = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        written += out.write(HEADER + "\n")
        for line in make_rows(description_chars=description_chars):
            if written >= target_bytes:
                break
            written += len(line.encode()) + 1
            out.write(line + "\n")
            rows += 1
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=float, nargs="+", default=[10, 50])
    parser.add_argument("--description-chars", type=int, default=0,
                        help="pad each description to this length (long rows)")
    parser.add_argument("--cache-kib", type=int, nargs="+", default=[APP_CACHE_KIB],
                        help="page cache per connection, in KiB (the app's: 32768)")
    parser.add_argument("--tmp", type=Path, default=None, help="folder for files and desks")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        for mb in args.mb:
            csv_file = Path(tmp) / f"export-{mb:g}mb.csv"
            if args.description_chars:
                rows = write_long_rows(csv_file, int(mb * 1_000_000),
                                       description_chars=args.description_chars)
            else:
                make_file(csv_file, int(mb * 1_000_000 / BYTES_PER_ROW))
                rows = sum(1 for _ in csv_file.open("rb")) - 1
            size = csv_file.stat().st_size
            assert size <= IMPORT_MAX_BYTES and rows <= IMPORT_MAX_ROWS, (size, rows)
            for cache_kib in args.cache_kib:
                db = Path(tmp) / f"desk-{mb:g}-{cache_kib}.sqlite3"
                run = measure(csv_file, db, cache_kib=cache_kib)
                desk_mb = db.stat().st_size / 1e6 if db.exists() else 0.0
                print(f"{size / 1e6:.1f} MB, {rows:,} rows, cache {cache_kib:,} KiB: "
                      f"{run.seconds:.1f} s, peak RSS {run.peak_rss_mb:.0f} MB (ru_maxrss "
                      f"{run.maxrss_mb:.0f} MB, parent {own_rss_mb():.0f} MB), SQLite peak "
                      f"{run.sqlite_peak_mb:.1f} MB (page cache {run.page_cache_peak_mb:.1f}"
                      f" MB), desk {desk_mb:.0f} MB"
                      f"{'' if run.exit_code == 0 else f' (exit {run.exit_code})'}", flush=True)
                for leftover in db.parent.glob(db.name + "*"):
                    leftover.unlink()  # 500 MB desks add up
            csv_file.unlink()


if __name__ == "__main__":
    main()
