"""Issue 11, item 7: the import is bounded. Memory stays flat in the file's size (the file
is read again from disk on each pass, one batch held at a time), every limit refuses with
one line naming it and the value, a Cancel leaves nothing written, and a bad last row still
stops everything (all or nothing across the two passes)."""

from __future__ import annotations

import io
import sys
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from threading import Event

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from desk_app.app import AppContext
from desk_app.cli import main
from desk_app.domain import csv_read, limits
from desk_app.domain.csv_import import ImportOptions, ImportRefused
from desk_app.domain.csv_read import CsvFormatError
from desk_app.services import importer
from desk_app.services.importer import ImportCancelled
from desk_app.store.models import Contact, Organization, Ticket, TicketEvent
from desk_app.ui.transfer.import_dialog import ImportDialog
from desk_app.workers.task_runner import SyncRunner

OPTIONS = ImportOptions(tz="UTC")
HEADER = "Subject,Description,Status,Priority,Requester,Requester email,Organization,Created at"


def write_csv(path: Path, rows: int, *, last: str | None = None) -> Path:
    """`rows` tickets from 40 requesters in 8 organizations (so the directory the import
    builds is the same size for any length: only the file grows); `last` replaces the last
    row."""
    start = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    lines = [HEADER]
    for i in range(rows):
        person = i % 40
        created = (start + timedelta(minutes=7 * i)).strftime("%Y-%m-%d %H:%M")
        lines.append(f'Request {i} about the printer,"Details, line {i}: {"x" * 80}",'
                     f"{['Open', 'Pending', 'Solved'][i % 3]},{['Low', 'High'][i % 2]},"
                     f"Person {person},person{person}@example.com,Org {person % 8},{created}")
    if last is not None:
        lines[-1] = last
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def count(ctx: AppContext, model: type) -> int:
    with ctx.db.session_scope() as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar() or 0)


def peak_of_import(ctx: AppContext, path: Path) -> int:
    """tracemalloc's peak over reading, checking and importing `path`."""
    tracemalloc.start()
    try:
        table = ctx.imports.read(path, OPTIONS)
        assert ctx.imports.dry_run(table, OPTIONS, source=path.name).ok
        ctx.imports.run(table, OPTIONS, actor="Alex Morgan", source=path.name)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_file_four_times_larger_does_not_take_more_memory_to_import(
        ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Batches of 100 rows and reads of 16 KB, so both files span several of each (the
    # defaults, 1,000 rows and 1 MB, would hold the whole of these small files).
    monkeypatch.setattr(importer, "IMPORT_CHUNK_ROWS", 100)
    monkeypatch.setattr(csv_read, "_READ_BYTES", 16_384)
    small = write_csv(tmp_path / "small.csv", 250)
    large = write_csv(tmp_path / "large.csv", 1_000)
    peak_of_import(ctx, small)  # warm-up: caches, compiled statements, the directory
    small_peak = peak_of_import(ctx, small)
    large_peak = peak_of_import(ctx, large)
    assert count(ctx, Ticket) == 250 * 2 + 1_000
    # Holding every row (the code before issue 11) gave a ratio of 3.9 here.
    assert large_peak / small_peak < 1.3, (small_peak, large_peak)


def test_cancel_during_the_write_pass_leaves_nothing_written(
        ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importer, "IMPORT_CHUNK_ROWS", 50)
    path = write_csv(tmp_path / "t.csv", 400)
    table = ctx.imports.read(path, OPTIONS)
    contacts, orgs = count(ctx, Contact), count(ctx, Organization)
    cancel = Event()
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        if done > total // 2 + 100:  # two batches of the write pass are in the database
            cancel.set()

    with pytest.raises(ImportCancelled, match="nothing was imported"):
        ctx.imports.run(table, OPTIONS, actor="Alex Morgan", source="t.csv",
                        progress=progress, cancel=cancel)
    assert seen[0] == (50, 800) and seen[-1][0] > 500  # it was cancelled mid-write
    assert (count(ctx, Ticket), count(ctx, TicketEvent)) == (0, 0)
    assert (count(ctx, Contact), count(ctx, Organization)) == (contacts, orgs)


def test_a_bad_last_row_stops_the_whole_import(ctx: AppContext, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", 2_500,
                     last="Last,fine,Open,Low,Zed,zed@example.com,Org 1,31/02/2026 10:00")
    with pytest.raises(ImportRefused) as refused:
        ctx.imports.run(ctx.imports.read(path, OPTIONS), OPTIONS, actor="Alex Morgan",
                        source="t.csv")
    assert [(p.row, p.column) for p in refused.value.problems] == [(2_501, "Created at")]
    assert count(ctx, Ticket) == 0


def test_a_file_changed_during_the_write_pass_leaves_nothing_written(
        ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check pass passed; the file then grows a bad row while the write pass reads
    it: the rows already written are rolled back."""
    monkeypatch.setattr(importer, "IMPORT_CHUNK_ROWS", 50)
    path = write_csv(tmp_path / "t.csv", 300)
    table = ctx.imports.read(path, OPTIONS)

    def progress(done: int, total: int) -> None:
        if done == total // 2 + 50:  # the first batch of the write pass is written
            with path.open("a", encoding="utf-8") as f:
                f.write("Late,,Open,Low,Zed,zed@example.com,,not a date\n")

    with pytest.raises(ImportRefused):
        ctx.imports.run(table, OPTIONS, actor="Alex Morgan", source="t.csv",
                        progress=progress)
    assert count(ctx, Ticket) == 0


def test_problems_past_the_cap_are_counted_not_kept(
        ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importer, "IMPORT_MAX_PROBLEMS", 10)
    bad = "\n".join(",,Open,Low,P,p@example.com,,2026-01-05 08:00" for _ in range(30))
    path = tmp_path / "bad.csv"
    path.write_text(f"{HEADER}\n{bad}\n", encoding="utf-8")
    report = ctx.imports.dry_run(ctx.imports.read(path, OPTIONS), OPTIONS, source="bad.csv")
    assert (len(report.problems), report.problem_count, report.unlisted) == (10, 30, 20)
    assert report.summary.startswith("bad.csv: 30 problems in 30 rows")


# -- the limits: one line each, naming the limit and the value ------------------------------

def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(("limit", "value", "make", "said"), [
    ("IMPORT_MAX_ROWS", 5, lambda p: write_csv(p, 6),
     "the file has more than 5 rows (the limit)"),
    ("IMPORT_MAX_BYTES", 1_000_000, lambda p: write_csv(p, 6_000),
     "the file is {size:,} bytes ({mb:.1f} MB); the limit is 1,000,000 bytes"),
    ("IMPORT_MAX_CELL_CHARS", 50, lambda p: write_csv(p, 3),
     "line 2: a cell is longer than 50 characters (the limit for one cell)"),
    ("IMPORT_MAX_LINE_CHARS", 50, lambda p: write_csv(p, 3),
     "line 1: the line is longer than 50 characters (the limit): is this a CSV file?"),
])
def test_each_import_limit_is_refused_in_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        limit: str, value: int, make: object, said: str) -> None:
    monkeypatch.setattr(limits, limit, value)
    path = make(tmp_path / "big.csv")  # type: ignore[operator]
    db = tmp_path / "desk.sqlite3"
    code, out, err = run_cli(capsys, "--db", str(db), "import", str(path), "--tz", "UTC")
    assert code == 1 and out == ""
    size = path.stat().st_size
    said = said.format(size=size, mb=size / 1e6)
    assert err.splitlines() == [f"desk-app: error: big.csv cannot be read: {said}; "
                                "nothing imported"]


def test_the_file_size_limit_is_checked_before_reading(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "IMPORT_MAX_BYTES", 10)
    path = write_csv(tmp_path / "t.csv", 1)
    monkeypatch.setattr(Path, "open", lambda *a, **k: pytest.fail("the file was opened"))
    with pytest.raises(CsvFormatError, match="the limit is 10 bytes"):
        importer.ImportService.read(path, OPTIONS)


@pytest.mark.parametrize(("argv", "said"), [
    (["--tickets", "99999999999999999999"],
     "tickets: 99,999,999,999,999,999,999 is not between 0 and 1,000,000 (the limit for one "
     "run; run seed again to add more)"),
    # --days beyond SEED_MAX_DAYS is refused by the argument parser itself: see
    # tests/reliability/test_bad_command_lines.py.
])
def test_seed_beyond_its_limits_is_refused_before_a_desk_is_made(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], said: str
        ) -> None:
    db = tmp_path / "desk.sqlite3"
    code, out, err = run_cli(capsys, "--db", str(db), "seed", *argv)
    assert (code, out, err.splitlines()) == (2, "", [f"desk-app: error: {said}"])
    assert not db.exists()


# -- the dialog: progress and a Cancel button ------------------------------------------------

def test_the_dialogs_cancel_button_stops_the_import_and_writes_nothing(
        ctx: AppContext, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
        ) -> None:
    monkeypatch.setattr(importer, "IMPORT_CHUNK_ROWS", 50)
    path = write_csv(tmp_path / "t.csv", 300)
    dialog = ImportDialog(ctx.imports, actor="Alex Morgan", runner=SyncRunner())
    qtbot.addWidget(dialog)
    dialog.load(path)
    assert dialog.report is not None and dialog.report.ok
    contacts = count(ctx, Contact)
    shown: list[tuple[int, str, bool]] = []

    def on_progress(done: int, total: int) -> None:  # after the dialog's own slot
        shown.append((dialog.busy.value(), dialog.status_label.text(),
                       dialog.cancel_button.isVisible()))
        if done > total // 2 + 50 and dialog.cancel_button.isEnabled():
            dialog.cancel_button.click()  # a batch of the write pass is in the database

    dialog.sig_progress.connect(on_progress)
    dialog.show()
    dialog.import_button.click()
    assert shown[0] == (50, "Checking… 8% (50 of 600 rows, two passes)", True)
    assert any(text.startswith("Writing… ") for _v, text, _c in shown)
    assert (count(ctx, Ticket), count(ctx, Contact)) == (0, contacts)
    assert dialog.status_label.text() == "⚠ Import cancelled; nothing was imported."
    assert dialog.import_button.isEnabled() and not dialog.cancel_button.isVisible()
    assert dialog.imported is None


def test_closing_the_dialog_during_an_import_cancels_it(
        ctx: AppContext, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
        ) -> None:
    monkeypatch.setattr(importer, "IMPORT_CHUNK_ROWS", 50)
    dialog = ImportDialog(ctx.imports, actor="Alex Morgan", runner=SyncRunner())
    qtbot.addWidget(dialog)
    dialog.load(write_csv(tmp_path / "t.csv", 200))
    dialog.sig_progress.connect(lambda done, total: dialog.reject())
    dialog.show()
    dialog.import_button.click()
    assert count(ctx, Ticket) == 0 and dialog.isVisible()  # cancelled, not closed


# -- the command line: progress on a terminal only -------------------------------------------

class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_cli_shows_progress_on_a_terminal_and_nothing_in_a_pipe(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
        ) -> None:
    monkeypatch.setattr(importer, "IMPORT_CHUNK_ROWS", 50)
    path = write_csv(tmp_path / "t.csv", 120)
    code, out, err = run_cli(capsys, "--db", str(tmp_path / "a.sqlite3"), "import", str(path),
                             "--tz", "UTC")
    assert code == 0 and err == "" and out.startswith("Imported 120 tickets")
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["--db", str(tmp_path / "b.sqlite3"), "import", str(path), "--tz", "UTC"]) == 0
    shown = terminal.getvalue()
    assert "\rChecking: 41% (50 of 120 rows)" in shown
    assert "\rChecking: 100% (120 of 120 rows)" in shown
    assert "\rImporting: 100% (240 of 240 rows)" in shown
    assert shown.endswith("\r\x1b[K")  # the line is cleared before the result is printed
