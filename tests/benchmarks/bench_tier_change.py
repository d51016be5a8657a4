"""Benchmark: an organization's tier change on a busy desk (the organizations page).

    python tests/benchmarks/bench_tier_change.py [--db COPY.sqlite3] [--tickets 100000]

Seeds (or takes a copy of) a desk, adds a first policy matching the Enterprise tier, then
times what the page does for the organization with the most open tickets: the preview
shown when a tier is chosen, and *Apply tier* (the tier change and the re-timing of its
open tickets, one transaction). Prints wall and CPU time with the load average: the machine
is shared. Target: preview and apply each < 1 s for an organization of 8,000 open tickets.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path


def _timed(label: str, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label}: {wall:.2f} s wall, {cpu:.2f} s CPU (load {os.getloadavg()[0]:.1f})")
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, help="a desk to change (a copy)")
    parser.add_argument("--tickets", type=int, default=100_000)
    args = parser.parse_args()
    db = args.db
    if db is None:
        seeded = Path(tempfile.gettempdir()) / f"desk-bench-tier-{args.tickets}.sqlite3"
        if not seeded.exists():
            import subprocess

            subprocess.run([sys.executable, "-m", "desk_app", "seed", "--db", str(seeded),
                            "--tickets", str(args.tickets), "--days", "2", "--seed", "4"],
                           check=True)
        db = Path(tempfile.mkdtemp()) / "desk.sqlite3"
        shutil.copy(seeded, db)

    from desk_app.app import open_context
    from desk_app.domain.enums import Tier
    from desk_app.domain.sla import PolicyConditions, SlaPolicy

    ctx = open_context(db)
    setup = ctx.sla.setup()
    vip = SlaPolicy("Enterprise customers", "24x7", 900, 2 * 3600,
                    conditions=PolicyConditions(tiers=frozenset({Tier.ENTERPRISE})))
    _timed("add an Enterprise policy (setup save, not part of the flow)",
           ctx.sla.save_setup, replace(setup, policies=[vip, *setup.policies]),
           actor="bench")
    rows = ctx.organizations.organizations()
    org = max((r for r in rows if r.tier is not Tier.ENTERPRISE),
              key=lambda r: r.open_tickets)
    print(f"{org.name}: {org.open_tickets:,} open of {org.tickets:,} tickets "
          f"({len(rows)} organizations)")
    _timed("list organizations with counts", ctx.organizations.organizations)
    preview = _timed("preview (tier chosen)", ctx.organizations.preview_tier, org.id,
                     Tier.ENTERPRISE)
    print(f"  {preview}")
    change = _timed("apply tier (change + re-time, one transaction)",
                    ctx.organizations.set_tier, org.id, Tier.ENTERPRISE, actor="bench")
    print(f"  {change.summary}")
    ctx.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
