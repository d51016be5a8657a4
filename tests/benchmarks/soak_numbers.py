"""Soak: writer processes adding tickets to one SQLite desk at the same time; every creation
succeeds and the numbers are unique and contiguous (docs/reliability.md, "Ticket numbers never
collide"). Outside the default run; the bounded version is
tests/reliability/test_concurrent_numbers.py (2 x 80), the same experiment
(tests/reliability/harness.py: `concurrent_writers`, processes forked from a pre-imported
zygote, each calling TicketService.create in a tight loop).

    python tests/benchmarks/soak_numbers.py [--writers 4] [--each 500] [--rounds 1]
        [--engine sqlite|postgresql]

With `--engine postgresql` each round races on a fresh database of a throwaway server of
its own (tests/helpers/postgres.py), reached over its Unix socket (issue 12's figure:
`--engine postgresql --writers 6 --each 100`).

Prints one figure line per round; exits 1 on any failure, duplicate, gap or missing ticket.
`soak_schema.py --only writers` runs the same check.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the project's own `tests`

from tests.benchmarks.engines import ENGINES, load_average, socket_pgpass, socket_url
from tests.helpers.postgres import PostgresServer, start_server
from tests.reliability.harness import concurrent_writers


def run_writers(folder: Path, *, writers: int, each: int,
                server: PostgresServer | None = None) -> bool:
    """One race on a fresh desk (in `folder`, or a new database on `server`); prints its
    figures, True when all is well."""
    started = time.perf_counter()
    target = None
    if server is not None:
        target = socket_url(server, server.create_database(prefix="soak_numbers"))
    w = concurrent_writers(folder, writers=writers, each=each, target=target)
    expected = writers * each
    missing = len(set(range(1001, 1001 + expected)) - set(w.numbers))
    print(f"{w.writers} writers x {w.each}: {w.failures} failures, {len(w.numbers)} of "
          f"{expected} tickets, {w.duplicates} duplicate numbers, {missing} numbers missing "
          f"from HD-1001..HD-{1000 + expected}, contiguous {w.contiguous}; "
          f"{time.perf_counter() - started:.0f} s; {load_average()}", flush=True)
    if w.failures:
        log = folder / "children.log"
        for line in log.read_text().splitlines()[:5] if log.exists() else []:
            print(f"  {line}")
    return (w.failures == 0 and w.duplicates == 0 and w.contiguous
            and len(w.numbers) == expected)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--each", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=1, help="races, each on a fresh desk")
    parser.add_argument("--engine", choices=ENGINES, default="sqlite")
    args = parser.parse_args()
    ok = True
    server = start_server() if args.engine == "postgresql" else None
    try:
        with tempfile.TemporaryDirectory() as tmp, \
                (socket_pgpass(server) if server else contextlib.nullcontext()):
            root = Path(tmp)
            for key in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
                os.environ[key] = str(root / key.lower())  # nothing lands in the user's folders
            for n in range(args.rounds):
                folder = root / f"round-{n}"
                folder.mkdir()
                ok &= run_writers(folder, writers=args.writers, each=args.each, server=server)
    finally:
        if server is not None:
            server.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
