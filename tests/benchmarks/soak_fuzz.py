"""Soak: hypothesis-generated, nearly valid and mutated CSV files through `desk-app import`;
each either imports whole or is refused in words that say where, never a traceback, never a
partial import (docs/reliability.md, "Soak figures"). Outside the default run; the bounded
fuzz is tests/reliability/test_nul_bytes.py, whose valid file (HEADER, ROWS) is one of the
seeds mutated here, with the other files of tests/fixtures/import.

    python tests/benchmarks/soak_fuzz.py [--cases 1000] [--seed 2026]

Each case is written to a file and imported with `desk_app.cli.main` in this process (on
one desk that keeps what succeeded), stdout and stderr captured. A case counts as:
- imported whole: exit 0 and the desk gained exactly as many tickets as the file has
  records (read as the import reads it);
- refused: exit not 0, no ticket and no event added, and a line on stderr naming a row,
  a line or a column ("located"), or, for a file-level refusal (no title column, no data
  row, an encoding or delimiter that cannot be read), saying so ("file-level", listed);
- a defect: a traceback (an exception out of main, or "Traceback" on stderr), a partial
  import (tickets or events added by a refused file, or fewer or more than its records),
  or a refusal that names nothing. Exits 1 if there is any.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import sqlite3
import sys
import tempfile
import time
import traceback
from collections import Counter
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the project's own `tests`

from desk_app.cli import main as cli_main
from desk_app.domain.csv_import import ImportOptions
from desk_app.domain.csv_read import CsvFormatError
from desk_app.services.importer import ImportService
from tests.reliability.test_nul_bytes import HEADER, ROWS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "import"
LOCATED = re.compile(r"\b(row|line|rows|lines) \d|\bcolumns? ")
# Words an import field is recognised by, and values that are nearly right.
COLUMN_NAMES = ["Subject", "Title", "Requester", "Email", "Requester email", "Description",
                "Category", "Created", "Created at", "Priority", "Status", "Assignee",
                "Organization", "Solved at", "Channel", "Id", "Notes", ""]
NEAR_VALUES = ["2026-07-10 10:00", "10/07/2026 10:00", "2026-02-30 10:00", "2999-01-01 00:00",
               "Open", "Solved", "Pending", "P1", "Urgent", "Sev 9", "anna@example.com",
               "not-an-email", "Anna Adler", "", " ", '"', "a,b", "line\nbreak", "\x00",
               "x" * 300, "=cmd|' /C calc'!A0", "\ufeff", "\r"]


def seed_files() -> list[bytes]:
    """The valid and invalid files the mutations start from."""
    files = [("\n".join([HEADER, *ROWS]) + "\n").encode()]
    files += [p.read_bytes() for p in sorted(FIXTURES.glob("*.csv"))]
    return files


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    """A seed file with 0-4 byte-level edits: NUL bytes (as test_nul_bytes drops them),
    quotes, delimiters, line breaks, bytes that are not UTF-8, spans deleted, doubled or
    cut off."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(0, 4))):  # 0: the seed itself, valid or not
        at = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["insert", "delete", "double", "replace", "truncate"]))
        if op == "insert":
            data[at:at] = draw(st.sampled_from(
                [b"\x00", b'"', b",", b";", b"\n", b"\r", b"\r\n", b"\xff", b"\xc3", b"\t",
                 b'""', b"\xef\xbb\xbf"]) | st.binary(min_size=1, max_size=8))
        elif op == "delete":
            del data[at:at + draw(st.integers(1, 40))]
        elif op == "double":
            data[at:at] = data[at:at + draw(st.integers(1, 80))]
        elif op == "replace" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif op == "truncate":
            del data[at:]
    return bytes(data)


@st.composite
def generated(draw: st.DrawFn) -> bytes:
    """A file built from column names the import knows and cells near and far from right."""
    headers = draw(st.lists(st.sampled_from(COLUMN_NAMES) | st.text(max_size=12),
                            min_size=1, max_size=8))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    cell = st.sampled_from(NEAR_VALUES) | st.text(max_size=30)
    rows = draw(st.lists(st.lists(cell, min_size=0, max_size=len(headers) + 2), max_size=12))

    def line(cells: list[str]) -> str:
        return delimiter.join('"' + c.replace('"', '""') + '"'
                              if draw(st.booleans()) or any(ch in c for ch in '"\n\r,;\t')
                              else c for c in cells)

    text = "\n".join([line(headers), *(line(r) for r in rows)]) + "\n"
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"]))
    return text.encode(encoding, errors="replace")


@st.composite
def nearly_valid(draw: st.DrawFn) -> bytes:
    """Up to 60 rows of test_nul_bytes' valid file, a few cells replaced by values near
    and far from right (so many files import, and a bad row can be the last)."""
    rows = []
    for i in range(draw(st.integers(1, 60))):
        cells = ROWS[i % len(ROWS)].split(",")
        cells[0] = f"{cells[0]} {i}"
        if draw(st.integers(0, 9)) == 0:
            at = draw(st.integers(0, len(cells) - 1))
            value = draw(st.sampled_from(NEAR_VALUES) | st.text(max_size=30))
            cells[at] = '"' + value.replace('"', '""') + '"'
        rows.append(",".join(cells))
    return ("\n".join([HEADER, *rows]) + "\n").encode()


@dataclass
class Figures:
    cases: int = 0
    imported: int = 0
    tickets_added: int = 0
    refused_located: int = 0
    refused_file_level: int = 0
    tracebacks: int = 0
    partial: int = 0
    unlocated: int = 0
    file_level: Counter[str] = field(default_factory=Counter)
    defects: list[str] = field(default_factory=list)


def counts(db: Path) -> tuple[int, int]:
    conn = sqlite3.connect(db)
    try:
        return (conn.execute("SELECT count(*) FROM ticket").fetchone()[0],
                conn.execute("SELECT count(*) FROM ticket_event").fetchone()[0])
    finally:
        conn.close()


def records_in(path: Path) -> int | None:
    """How many records the import reads in `path` (None: it cannot read it)."""
    try:
        return len(ImportService.read(path, ImportOptions(tz="UTC")).records)
    except CsvFormatError:
        return None


def run_case(data: bytes, *, folder: Path, db: Path, figures: Figures) -> None:
    path = folder / "case.csv"
    path.write_bytes(data)
    before = counts(db)
    out, err = io.StringIO(), io.StringIO()
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = cli_main(["--db", str(db), "import", str(path), "--tz", "UTC"])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        code = -1
        err.write(traceback.format_exc())
    after = counts(db)
    figures.cases += 1
    stderr = err.getvalue()
    name = f"case {figures.cases} ({data[:60]!r})"
    if code == -1 or "Traceback" in stderr:
        figures.tracebacks += 1
        figures.defects.append(f"{name}: traceback: {stderr.strip().splitlines()[-1:]}")
        return
    added = (after[0] - before[0], after[1] - before[1])
    if code == 0:
        expected = records_in(path)
        if added[0] != expected:
            figures.partial += 1
            figures.defects.append(f"{name}: exit 0, {added[0]} tickets added for "
                                   f"{expected} records")
            return
        figures.imported += 1
        figures.tickets_added += added[0]
        return
    if added != (0, 0):
        figures.partial += 1
        figures.defects.append(f"{name}: refused (exit {code}) but added {added[0]} tickets,"
                               f" {added[1]} events")
        return
    lines = stderr.splitlines()
    if any(LOCATED.search(line) for line in lines):
        figures.refused_located += 1
    elif lines:
        figures.refused_file_level += 1
        figures.file_level[re.sub(r"\d+", "N", lines[-1])[:140]] += 1
    else:
        figures.unlocated += 1
        figures.defects.append(f"{name}: refused (exit {code}) without a word on stderr")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    figures = Figures()
    seeds = seed_files()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for key in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
            os.environ[key] = str(folder / key.lower())  # nothing lands in the user's folders
        db = folder / "desk.sqlite3"
        with redirect_stdout(io.StringIO()):
            assert cli_main(["--db", str(db), "seed", "--tickets", "20", "--seed", "1"]) == 0

        @seed(args.seed)
        @settings(max_examples=args.cases, database=None, deadline=None,
                  phases=[Phase.generate], suppress_health_check=list(HealthCheck))
        @given(mutated(seeds) | generated() | nearly_valid())
        def soak(data: bytes) -> None:
            run_case(data, folder=folder, db=db, figures=figures)

        soak()
    took = time.perf_counter() - started
    print(f"{figures.cases} import cases: {figures.imported} imported whole "
          f"({figures.tickets_added} tickets), {figures.refused_located} refused naming a "
          f"row, line or column, {figures.refused_file_level} refused as a whole file; "
          f"{figures.tracebacks} tracebacks, {figures.partial} partial imports, "
          f"{figures.unlocated} refusals naming nothing; {took:.0f} s")
    for line, n in figures.file_level.most_common(8):
        print(f"  file-level x{n}: {line}")
    for defect in figures.defects[:10]:
        print(f"  DEFECT {defect}")
    return 1 if figures.defects else 0


if __name__ == "__main__":
    sys.exit(main())
