"""Benchmark: a colleague's change, committed by another process, until the other
window's table model shows it (issue 12: under 2 s), on a desk of 100,000 tickets.

Not part of the default test run. Run it with

    python tests/benchmarks/bench_live.py [--tickets 100000] [--changes 50] [--engine both]

It seeds an SQLite desk once (cached in /tmp, as bench_table.py does) and, for PostgreSQL,
a throwaway server (tests/helpers/postgres.py) reached over its Unix socket, seeded the
same way. Then a window process (MainWindow offscreen, its live listener on its own
thread, no SLA monitor so only the live path is timed) starts a colleague process that
renames tickets on the window's first page one at a time, at irregular intervals (so the
poll's phase varies), printing the wall-clock instant after each COMMIT. The window records
the instant its model's row shows the new title (on `dataChanged`). Both run on one host,
so their clocks agree. Prints median, 90th percentile and max of the delay, and the mode
(LISTEN or polling).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WINDOW = r'''
import json, os, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
from desk_app.app import open_context
from desk_app.services.ticket_list import QuickFilter
from desk_app.ui.main_window import MainWindow
from desk_app.ui.settings.ui_settings import UiSettings
from desk_app.ui.tickets.ticket_table_model import Column

target, changes, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ctx = open_context(target)
from pathlib import Path
settings = UiSettings(Path(out).parent / "settings.ini")
settings.last_filter = QuickFilter.OPEN
window = MainWindow(ctx, settings, actor="Benchmark", start_live=True)
window.show()
model = window.model
ids = [model.ticket_id(r) for r in range(min(20, model.rowCount()))]
seen = {}

def on_changed(first, last, roles=()):
    for row in range(first.row(), last.row() + 1):
        title = model.data(model.index(row, Column.TITLE)) or ""
        if title.startswith("live "):
            seen.setdefault(title, time.time())
    if len(seen) >= changes:
        app.quit()

model.dataChanged.connect(on_changed)
# Diagnostics: when the listener thread found each batch, when the GUI thread got it.
from PySide6.QtCore import Qt as _Qt
found, delivered = [], []
window.live.worker.sig_changes.connect(lambda c: found.append(time.time()),
                                       _Qt.ConnectionType.DirectConnection)
window.live.worker.sig_changes.connect(lambda c: delivered.append(time.time()))
modes = []
window.live.worker.sig_mode_changed.connect(modes.append)
colleague = None

def start_colleague():
    global colleague
    import subprocess
    colleague = subprocess.Popen([sys.executable, sys.argv[4], target, str(changes),
                                  ",".join(map(str, ids))], stdout=subprocess.PIPE, text=True)

QTimer.singleShot(1500, start_colleague)  # the listener is up and idle first
QTimer.singleShot(180_000, app.quit)
app.exec()
committed = dict(json.loads(line) for line in colleague.stdout) if colleague else {}
colleague.wait()
mode = window.live.worker.mode.value
window.live.shutdown()
with open(out, "w") as f:
    json.dump({"committed": committed, "seen": seen, "mode": mode, "modes": modes,
               "found": found, "delivered": delivered}, f)
'''

COLLEAGUE = r'''
import json, random, sys, time
from dataclasses import replace
from desk_app.app import open_context
from desk_app.services.edit_conflicts import edit_of

target, changes, ids = sys.argv[1], int(sys.argv[2]), [int(i) for i in sys.argv[3].split(",")]
rng = random.Random(12)
with open_context(target) as ctx:
    for i in range(changes):
        ticket_id = ids[i % len(ids)]
        d = ctx.tickets.detail(ticket_id)
        ctx.tickets.edit(ticket_id, replace(edit_of(d), title=f"live {i:03d}"),
                         expected_version=d.version, actor="Colleague")
        print(json.dumps([f"live {i:03d}", time.time()]), flush=True)
        time.sleep(0.25 + rng.random() * 0.5)
'''


def seed(target: str, tickets: int) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "desk_app", "seed", "--db", target, "--tickets",
                    str(tickets), "--seed", "2026"], check=True)
    return time.perf_counter() - started


def measure(target: str, changes: int, workdir: Path) -> dict[str, object]:
    window = workdir / "window.py"
    window.write_text(WINDOW)
    colleague = workdir / "colleague.py"
    colleague.write_text(COLLEAGUE)
    out = workdir / "result.json"
    subprocess.run([sys.executable, str(window), target, str(changes), str(out),
                    str(colleague)], check=True, timeout=600)
    result = json.loads(out.read_text())
    delays = [result["seen"][k] - t for k, t in result["committed"].items()
              if k in result["seen"]]
    # How long each change waited for the listener to find it, and then for the GUI.
    found_after, shown_after = [], []
    for key, committed in result["committed"].items():
        found = next((f for f in result["found"] if f >= committed), None)
        if found is not None and key in result["seen"]:
            found_after.append(found - committed)
            shown_after.append(result["seen"][key] - found)
    print("  per change, found to shown (ms):",
          " ".join(f"{v * 1000:.0f}" for v in shown_after))
    return {"delays": delays, "missed": len(result["committed"]) - len(delays),
            "mode": result["mode"], "found": found_after, "shown": shown_after}


def report(name: str, figures: dict[str, object]) -> None:
    delays = sorted(figures["delays"])  # type: ignore[type-var]
    if not delays:
        print(f"{name}: nothing seen")
        return
    p90 = delays[int(len(delays) * 0.9) - 1] if len(delays) >= 10 else delays[-1]
    print(f"{name}: {len(delays)} changes ({figures['mode']}), delay median "
          f"{statistics.median(delays) * 1000:.0f} ms, p90 {p90 * 1000:.0f} ms, max "
          f"{delays[-1] * 1000:.0f} ms, missed {figures['missed']} (target < 2000 ms)")
    for part, what in (("found", "commit to found by the listener"),
                       ("shown", "found to shown in the model")):
        values = sorted(figures[part])  # type: ignore[type-var]
        if values:
            print(f"  {what}: median {statistics.median(values) * 1000:.0f} ms, max "
                  f"{values[-1] * 1000:.0f} ms")


def run_sqlite(tickets: int, changes: int) -> None:
    db = Path(tempfile.gettempdir()) / f"desk-bench-live-{tickets}.sqlite3"
    if not db.exists():
        print(f"seed (SQLite): {tickets:,} tickets in {seed(str(db), tickets):.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        report("SQLite", measure(str(db), changes, Path(tmp)))


def run_postgresql(tickets: int, changes: int) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.helpers.postgres import SUPERUSER, start_server

    server = start_server()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            pgpass = Path(tmp) / "pgpass"
            fd = os.open(pgpass, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                for host in ("localhost", str(server.root)):  # libpq matches the socket's folder
                    f.write(f"{host}:{server.port}:*:{SUPERUSER}:{server.password}\n")
            os.environ["PGPASSFILE"] = str(pgpass)
            name = server.create_database(prefix="live")
            # The Unix socket in the server's folder (-k), not TCP.
            url = (f"postgresql+psycopg://{SUPERUSER}@/{name}?host={server.root}"
                   f"&port={server.port}")
            print(f"seed (PostgreSQL): {tickets:,} tickets in {seed(url, tickets):.1f} s")
            report("PostgreSQL", measure(url, changes, Path(tmp)))
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--changes", type=int, default=50)
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    if args.engine in ("sqlite", "both"):
        run_sqlite(args.tickets, args.changes)
    if args.engine in ("postgresql", "both"):
        run_postgresql(args.tickets, args.changes)


if __name__ == "__main__":
    main()
