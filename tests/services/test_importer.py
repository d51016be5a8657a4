"""ImportService on real SQLite files: dry run, one transaction, history and SLA clocks."""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from desk_app.app import AppContext
from desk_app.domain.csv_import import ImportOptions, ImportRefused, load_mapping
from desk_app.domain.csv_read import CsvFormatError, CsvTable, read_table
from desk_app.domain.enums import Channel, EventKind, Priority, Status
from desk_app.domain.ticket import RequesterInput
from desk_app.services.importer import ImportInterrupted, ImportService
from desk_app.services.people import TechnicianInput
from desk_app.store.engine import Database, make_engine
from desk_app.store.models import Category, Contact, Organization, Technician, Ticket
from tests.conftest import make_draft, sqlite_only

# Runs on SQLite and on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.both_engines

FIXTURES = Path(__file__).parents[1] / "fixtures" / "import"
UTC_OPTIONS = ImportOptions(tz="UTC")


def table(text: str) -> CsvTable:
    return read_table(text.encode("utf-8"))


def service(ctx: AppContext) -> ImportService:
    return ctx.imports


def count(ctx: AppContext, model: type) -> int:
    with ctx.db.session_scope() as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar() or 0)


DESK_EXPORT = (
    "Ticket ID,Subject,Description,Status,Priority,Full name,Email,Company,Agent,Type,"
    "Created time,Resolved time\n"
    "4711,Printer jam,Paper stuck,Solved,Urgent,Anna Adler,ANNA.ADLER@northwind.example,"
    "northwind,Priya Raman,Incident,2026-11-02 09:00,2026-11-02 11:30\n"
    "4712,VPN drops,,Pending,Normal,Ben Brooks,ben@contoso.example,Contoso,,Question,"
    "2026-11-10 10:00,\n"
    "4713,New laptop,,Open,Low,Ben Brooks,ben@contoso.example,Contoso,Kim New,Hardware,"
    "2026-11-12 08:00,\n"
)


def test_import_creates_tickets_people_and_history_in_one_go(ctx: AppContext) -> None:
    existing = ctx.tickets.create(make_draft(), actor="Alex Morgan")  # Anna Adler, Northwind
    before_contacts = count(ctx, Contact)
    result = service(ctx).run(table(DESK_EXPORT), UTC_OPTIONS, actor="Alex Morgan",
                              source="desk.csv")
    assert (result.tickets, result.contacts, result.organizations) == (3, 1, 1)
    assert (result.technicians, result.categories) == (1, 3)  # Kim New; the three types
    assert (result.first_number, result.last_number) == (existing.number + 1,
                                                         existing.number + 3)
    assert count(ctx, Contact) == before_contacts + 1  # Anna matched by email, Ben new
    with ctx.db.session_scope() as s:
        orgs = sorted(s.execute(select(Organization.name)).scalars())
        assert orgs == ["Contoso", "Northwind"]  # 'northwind' matched case-insensitively
        assert s.execute(select(func.count()).select_from(Technician)
                         .where(Technician.name == "Kim New")).scalar() == 1
        assert "Incident" in s.execute(select(Category.name)).scalars().all()

    first = ctx.tickets.detail(ctx.tickets.find_by_number(existing.number + 1) or 0)
    assert (first.title, first.status, first.priority) == ("Printer jam", Status.RESOLVED,
                                                           Priority.P1)
    assert first.requester == "Anna Adler" and first.organization == "Northwind"
    assert first.assignee == "Priya Raman"
    assert first.created_at == datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    assert first.resolved_at == datetime(2026, 11, 2, 11, 30, tzinfo=UTC)
    kinds = [(e.kind, e.at) for e in first.timeline]
    assert kinds == [(EventKind.CREATED, datetime(2026, 11, 2, 9, 0, tzinfo=UTC)),
                     (EventKind.STATUS_CHANGED, datetime(2026, 11, 2, 11, 30, tzinfo=UTC)),
                     (EventKind.IMPORTED, ctx.clock())]
    imported = first.timeline[-1]
    assert imported.actor == "Alex Morgan" and imported.new_value == "desk.csv"
    assert "4711" in (imported.body or "") and "Solved" in (imported.body or "")


def test_sla_clocks_replay_from_the_original_timestamps(ctx: AppContext) -> None:
    service(ctx).run(table(DESK_EXPORT), UTC_OPTIONS, actor="Alex Morgan", source="d.csv")
    with ctx.db.session_scope() as s:
        stored = {t.title: t for t in s.execute(select(Ticket)).scalars()}
        for ticket in stored.values():
            s.expunge(ticket)
    # P1: 4 h around the clock; resolved after 2 h 30 m -> met, 9000 s used.
    printer = stored["Printer jam"]
    assert printer.resolution_state == "met"
    assert printer.resolution_used_s == pytest.approx(9000)
    # Each stored clock is exactly what a fresh replay of the history gives.
    for ticket in stored.values():
        assert ticket.id is not None
        fresh = ctx.sla.replay_ticket(ticket.id)
        assert fresh.resolution is not None
        assert ticket.resolution_state == fresh.resolution.state.value
        assert ticket.resolution_used_s == pytest.approx(fresh.resolution.used_s)
        assert ticket.sla_computed_at == ctx.clock()


def test_a_file_with_errors_imports_nothing_and_reports_each_row(ctx: AppContext) -> None:
    text = ("Subject,Priority,Created\n"
            "Fine,Sehr hoch,2026-11-02 09:00\n"  # an unknown word is no problem: a guess
            "Bad,High,2026-11-02 09:00,surplus\n"
            ",High,2026-11-02 09:00\n"
            "Later,High,someday\n")
    svc = service(ctx)
    report = svc.dry_run(table(text), UTC_OPTIONS, source="bad.csv")
    assert not report.ok
    assert [p.text for p in report.problems] == [
        "row 3: has 4 cells but the header names 3 columns; 'surplus' has no column",
        "row 4, column Subject: empty: every ticket needs a title",
        "row 5, column Created: 'someday' is not a date in the format ISO 8601",
    ]
    tickets_before = count(ctx, Ticket)
    with pytest.raises(ImportRefused) as caught:
        svc.run(table(text), UTC_OPTIONS, actor="Alex Morgan", source="bad.csv")
    assert len(caught.value.problems) == 3
    assert count(ctx, Ticket) == tickets_before


def test_a_failure_while_writing_leaves_nothing_behind(ctx: AppContext,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import desk_app.services.importer as importer

    real = importer.insert_rows
    calls = []

    def failing(s, tbl, rows, batch=5000):  # type: ignore[no-untyped-def]
        calls.append(tbl.name)
        if tbl.name == "ticket_event":
            raise RuntimeError("disk full")
        return real(s, tbl, rows, batch)

    monkeypatch.setattr(importer, "insert_rows", failing)
    counts = [count(ctx, m) for m in (Ticket, Contact, Organization, Category)]
    with pytest.raises(RuntimeError):
        service(ctx).run(table(DESK_EXPORT), UTC_OPTIONS, actor="Alex Morgan", source="d.csv")
    assert "ticket" in calls
    assert [count(ctx, m) for m in (Ticket, Contact, Organization, Category)] == counts


def test_dry_run_writes_nothing_and_says_what_it_would_create(ctx: AppContext) -> None:
    ctx.tickets.create(make_draft(requester=RequesterInput(name="Ben Brooks",
                                                           email="ben@contoso.example")),
                       actor="Alex Morgan")
    tickets_before = count(ctx, Ticket)
    report = service(ctx).dry_run(table(DESK_EXPORT), UTC_OPTIONS, source="d.csv")
    assert report.ok and report.tickets == 3
    # Anna is new (Ben is known by email); Northwind and Contoso are new organizations.
    assert (report.new_contacts, report.new_organizations) == (1, 2)
    assert report.new_categories == ("Incident", "Question", "Hardware")
    assert report.ignored == ()
    assert count(ctx, Ticket) == tickets_before


def test_open_statuses_move_at_the_import_time(ctx: AppContext) -> None:
    service(ctx).run(table(DESK_EXPORT), UTC_OPTIONS, actor="Alex Morgan", source="d.csv")
    number = ctx.tickets.find_by_number(1002)
    detail = ctx.tickets.detail(number or 0)
    assert detail.status is Status.WAITING_CUSTOMER
    moves = [e for e in detail.timeline if e.kind is EventKind.STATUS_CHANGED]
    assert [(m.new_value, m.at) for m in moves] == [("waiting_customer", ctx.clock())]


# -- the project's own fixtures: parser torture tests and real-shaped exports -------------------
# tests/fixtures/import/ holds files written for this project (none copied from elsewhere):
# each exercises one way CSV exports from other tools go wrong, or is shaped like a real
# export of another help desk.

IMPORTS = {  # file -> titles, in file order
    "utf8_bom_quoted_header.csv": ["First", "Child 1", "Child of existing issue"],
    "iso-8859-1.csv": ["Contenu en français", "Écran noir après la mise à jour"],
    "crlf_newline_in_quoted_header.csv": ["Printer jam", "VPN drops"],
    "single_quotes.csv": ["Can't print", "Child 1", "O'Brien's laptop"],
    "dates_ymd_japanese.csv": ["プリンターが動かない", "メールが届かない"],
    "subtasks_with_relations.csv": ["2nd Child", "1st Child", "Parent", "3rd Child"],
    "subtasks_with_unique_id.csv": ["Grand-child", "Child 2", "Child 1", "Root", "Root",
                                    "Child 1", "Child 2", "Grand-child", "Thing"],
    "osticket_export.csv": [
        "Printer on 2nd floor jams", "Cannot log in to the VPN, error 809",
        "New starter: laptop and accounts", "Outlook keeps asking for the password",
        'Monitor flickers, "no signal" at times', "Shared drive full"],
    "freshdesk_export.csv": [
        "Invoice PDF will not open", "Webshop checkout error 500",
        "Please add Erin to the sales mailbox", "Label printer offline",
        "Password reset for the HR portal", "Quote for 20 new headsets",
        "VPN slow from the Lyon office"],
    "tracker_export.csv": ["Bug #123", "Task #124", "Bug #125", "Story #126", "Bug #127",
                           "Task #128", "Bug #129", "Task #130"],
}
REFUSALS = {  # file -> every problem the refusal lists (or the one line it cannot read)
    "unclosed_quote.csv": ["line 3: a quoted cell that starts on this line is never closed "
                           '(a missing ")'],
    "header_only.csv": ["the file has a header line but no ticket rows"],
    "dates_dmy_with_invalid_rows.csv": [
        "row 3, column Created: '04/15/2026' is not a date in the format DD/MM/YYYY",
        "row 4, column Resolved: '04/15/2026' is not a date in the format DD/MM/YYYY"],
    "invalid_rows_among_valid.csv": [
        "row 4, column subject: empty: every ticket needs a title",
        "row 6: has 7 cells but the header names 6 columns; 'an extra cell' has no column"],
}


def test_every_fixture_is_covered_and_inside_the_repository() -> None:
    assert FIXTURES.is_relative_to(Path(__file__).parents[2])
    assert sorted(p.name for p in FIXTURES.iterdir()) == sorted({**IMPORTS, **REFUSALS})


@pytest.mark.parametrize("name", sorted(IMPORTS))
def test_fixture_imports_without_a_mapping_file(ctx: AppContext, name: str) -> None:
    svc = service(ctx)
    loaded = svc.read(FIXTURES / name, UTC_OPTIONS)
    report = svc.dry_run(loaded, UTC_OPTIONS, source=name)
    assert report.problems == ()
    result = svc.run(loaded, UTC_OPTIONS, actor="Alex Morgan", source=name)
    assert result.tickets == len(IMPORTS[name])
    with ctx.db.session_scope() as s:
        stored = list(s.execute(select(Ticket.title).order_by(Ticket.number)).scalars())
    assert stored == IMPORTS[name]


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_fixture_is_refused_with_every_problem_and_nothing_written(ctx: AppContext,
                                                                  name: str) -> None:
    svc = service(ctx)
    counts = [count(ctx, m) for m in (Ticket, Contact, Organization, Category)]
    try:
        loaded = svc.read(FIXTURES / name, UTC_OPTIONS)
    except CsvFormatError as exc:
        assert [str(exc)] == REFUSALS[name]
        return
    report = svc.dry_run(loaded, UTC_OPTIONS, source=name)
    assert [p.text for p in report.problems] == REFUSALS[name]
    with pytest.raises(ImportRefused) as caught:
        svc.run(loaded, UTC_OPTIONS, actor="Alex Morgan", source=name)
    assert [p.text for p in caught.value.problems] == REFUSALS[name]
    assert [count(ctx, m) for m in (Ticket, Contact, Organization, Category)] == counts


def test_bom_and_a_quoted_first_header_map_priority_status_and_category(
        ctx: AppContext) -> None:
    svc = service(ctx)
    loaded = svc.read(FIXTURES / "utf8_bom_quoted_header.csv", UTC_OPTIONS)
    assert loaded.had_bom and loaded.headers[0] == "Priority"
    assert loaded.records[0].cells[-1] == "PostgreSQL, Oracle"  # the quoted comma stays
    svc.run(loaded, UTC_OPTIONS, actor="Alex Morgan", source="x.csv")
    with ctx.db.session_scope() as s:
        rows = s.execute(select(Ticket.title, Ticket.priority, Ticket.status, Category.name)
                         .join(Category, Category.id == Ticket.category_id)
                         .order_by(Ticket.number)).all()
    assert [tuple(r) for r in rows] == [
        ("First", Priority.P2, Status.NEW, "New category"),
        ("Child 1", Priority.P3, Status.NEW, "New category"),
        ("Child of existing issue", Priority.P3, Status.IN_PROGRESS, "Printing")]


def test_latin_1_bytes_are_read_as_their_letters(ctx: AppContext) -> None:
    data = (FIXTURES / "iso-8859-1.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the fixture really is not UTF-8
    loaded = service(ctx).read(FIXTURES / "iso-8859-1.csv", UTC_OPTIONS)
    assert loaded.records[0].cells == ("Contenu en français", "Zoë Müller",
                                       "Société Générale")


def test_crlf_records_with_a_newline_inside_a_quoted_header(ctx: AppContext) -> None:
    data = (FIXTURES / "crlf_newline_in_quoted_header.csv").read_bytes()
    assert b'"Ticket\nSubject"' in data and b"\r\n" in data
    svc = service(ctx)
    loaded = svc.read(FIXTURES / "crlf_newline_in_quoted_header.csv", UTC_OPTIONS)
    assert loaded.headers == ("Ticket Subject", "Description", "Created at")
    svc.run(loaded, UTC_OPTIONS, actor="Alex Morgan", source="x.csv")
    first = ctx.tickets.detail(ctx.tickets.find_by_number(1001) or 0)
    assert first.description == "Paper stuck\r\nin tray 2"
    assert first.created_at == datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def test_single_quotes_are_text_not_quotes(ctx: AppContext) -> None:
    loaded = service(ctx).read(FIXTURES / "single_quotes.csv", UTC_OPTIONS)
    assert loaded.records[0].cells[-1] == "'PostgreSQL, Oracle'"
    assert loaded.records[1].cells[1] == "'quoted' at the start"


def test_japanese_text_and_year_first_dates(ctx: AppContext) -> None:
    svc = service(ctx)
    loaded = svc.read(FIXTURES / "dates_ymd_japanese.csv", UTC_OPTIONS)
    svc.run(loaded, UTC_OPTIONS, actor="Alex Morgan", source="ja.csv")
    second = ctx.tickets.detail(ctx.tickets.find_by_number(1002) or 0)
    assert second.requester == "佐藤 花子"
    assert second.created_at == datetime(2026, 6, 1, 14, 30, tzinfo=UTC)


def test_relations_and_parents_are_ignored_and_said_so(ctx: AppContext) -> None:
    svc = service(ctx)
    loaded = svc.read(FIXTURES / "subtasks_with_unique_id.csv", UTC_OPTIONS)
    report = svc.dry_run(loaded, UTC_OPTIONS, source="sub.csv")
    assert report.ignored == ("tracker", "parent", "follows")
    svc.run(loaded, UTC_OPTIONS, actor="Alex Morgan", source="sub.csv")
    imported = ctx.tickets.detail(ctx.tickets.find_by_number(1001) or 0).timeline[-1]
    assert "RED-IV" in (imported.body or "")  # the old ID travels with the ticket


def test_osticket_source_other_gets_the_neutral_channel(ctx: AppContext) -> None:
    svc = service(ctx)
    loaded = svc.read(FIXTURES / "osticket_export.csv", UTC_OPTIONS)
    report = svc.dry_run(loaded, UTC_OPTIONS, source="os.csv")
    assert "channel: Other → Email (2 rows), no match, the neutral default" in \
        report.word_lines(flagged_only=True)
    svc.run(loaded, UTC_OPTIONS, actor="Alex Morgan", source="os.csv")
    with ctx.db.session_scope() as s:
        rows = s.execute(select(Ticket.title, Ticket.channel, Ticket.priority,
                                Ticket.created_at).order_by(Ticket.number)).all()
    assert [r[1] for r in rows] == [Channel.EMAIL, Channel.PHONE, Channel.PORTAL,
                                    Channel.EMAIL, Channel.PORTAL, Channel.EMAIL]
    assert rows[1][2] is Priority.P1  # Emergency
    assert rows[1][3] == datetime(2026, 10, 28, 14, 41, tzinfo=UTC)  # 2:41 pm, MM/DD/YYYY


def test_freshdesk_openpending_is_guessed_as_waiting_and_listed(ctx: AppContext) -> None:
    svc = service(ctx)
    loaded = svc.read(FIXTURES / "freshdesk_export.csv", UTC_OPTIONS)
    report = svc.dry_run(loaded, UTC_OPTIONS, source="fd.csv")
    assert report.word_lines(flagged_only=True) == [
        "status: OpenPending → Waiting on customer (2 rows), guessed",
        "channel: Outbound Email → Email (1 row), guessed"]
    svc.run(loaded, UTC_OPTIONS, actor="Alex Morgan", source="fd.csv")
    webshop = ctx.tickets.detail(ctx.tickets.find_by_number(1002) or 0)
    assert (webshop.status, webshop.priority) == (Status.WAITING_CUSTOMER, Priority.P1)
    assert "OpenPending" in (webshop.timeline[-1].body or "")  # the original word is kept


def test_tracker_without_subject_gets_type_and_id_as_title_and_says_so(
        ctx: AppContext) -> None:
    svc = service(ctx)
    loaded = svc.read(FIXTURES / "tracker_export.csv", UTC_OPTIONS)
    report = svc.dry_run(loaded, UTC_OPTIONS, source="tr.csv")
    assert report.title_note == ("No Subject, Title or Summary column: the title is made "
                                 "of 'Issue Type' and 'Ticket ID', e.g. 'Bug #123' "
                                 "(proposed)")
    assert report.ignored == ("Updated", "Labels", "Sprint", "Story Points")
    svc.run(loaded, UTC_OPTIONS, actor="Alex Morgan", source="tr.csv")
    with ctx.db.session_scope() as s:
        rows = s.execute(select(Ticket.title, Ticket.status, Category.name)
                         .join(Category, Category.id == Ticket.category_id)
                         .order_by(Ticket.number)).all()
    assert [tuple(r) for r in rows][4:6] == [
        ("Bug #127", Status.WAITING_THIRD_PARTY, "Bug"),  # Blocked, guessed
        ("Task #128", Status.CLOSED, "Task")]  # Won't Do, guessed


def test_a_guessed_word_mapped_otherwise_takes_effect(ctx: AppContext) -> None:
    options = load_mapping(json.dumps({"status": {"OpenPending": "in_progress"},
                                       "columns": {"title": "Ticket ID"}}), UTC_OPTIONS)
    svc = service(ctx)
    loaded = svc.read(FIXTURES / "freshdesk_export.csv", options)
    svc.run(loaded, options, actor="Alex Morgan", source="fd.csv")
    webshop = ctx.tickets.detail(ctx.tickets.find_by_number(1002) or 0)
    assert (webshop.title, webshop.status) == ("1202", Status.IN_PROGRESS)


def test_tickets_people_and_names_can_be_created_after_an_import(ctx: AppContext) -> None:
    """The import writes its own ids; on PostgreSQL the next ticket, contact, organization,
    technician or category failed on its primary key until the sequences were advanced."""
    result = service(ctx).run(table(DESK_EXPORT), UTC_OPTIONS, actor="Alex Morgan",
                              source="desk.csv")
    ctx.directory.set_categories([*ctx.directory.categories(), "Fresh category"])
    ctx.directory.ensure_technician("Fresh Technician")
    created = ctx.tickets.create(make_draft(
        requester=RequesterInput(name="After Import", email="after@import.example",
                                 organization="Fresh Org"), category="Fresh category",
        assignee="Fresh Technician"), actor="Alex Morgan")
    assert created.number == result.last_number + 1
    assert (created.requester, created.organization, created.category, created.assignee) \
        == ("After Import", "Fresh Org", "Fresh category", "Fresh Technician")


# -- other writers during the import ------------------------------------------------------------

def _db_file(ctx: AppContext) -> str:
    path = ctx.db.engine.url.database
    assert path
    return path


def test_a_ticket_created_during_an_import_waits_for_it_and_is_not_lost(
        ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    """A technician saving a ticket while the import has chosen its ids and numbers waits
    for the import (SQLite's write lock, PostgreSQL's advisory lock), then gets the next
    number; before, on PostgreSQL, one of the two failed on a duplicate key."""
    import desk_app.services.importer as importer

    real_load = importer._Directory.load
    outcome: list[object] = []

    def create_elsewhere() -> None:
        try:
            outcome.append(ctx.tickets.create(make_draft(title="Meanwhile"),
                                              actor="Alex Morgan").number)
        except Exception as exc:
            outcome.append(exc)

    technician = threading.Thread(target=create_elsewhere)

    def load_then_start_a_save(s):  # type: ignore[no-untyped-def]
        directory = real_load(s)
        technician.start()
        technician.join(0.5)
        assert technician.is_alive(), "the save did not wait for the import"
        return directory

    monkeypatch.setattr(importer._Directory, "load", staticmethod(load_then_start_a_save))
    result = service(ctx).run(table(DESK_EXPORT), UTC_OPTIONS, actor="Alex Morgan",
                              source="d.csv")
    technician.join(10)
    assert outcome == [result.last_number + 1]
    assert count(ctx, Ticket) == 4


@sqlite_only  # SQLite's write lock, taken by another connection to the file
def test_the_write_lock_is_held_before_the_ids_are_chosen(
        ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    """A technician saving while the import picks its ids waits for the import instead of
    taking one of those ids (which failed the import with a raw IntegrityError)."""
    import desk_app.services.importer as importer

    real_load = importer._Directory.load
    attempts: list[str] = []

    def load_then_try_a_save(s):  # type: ignore[no-untyped-def]
        directory = real_load(s)
        other = sqlite3.connect(_db_file(ctx), timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")  # what any other writer's first write needs
            attempts.append("wrote")
        except sqlite3.OperationalError as exc:
            attempts.append(str(exc))
        finally:
            other.close()
        return directory

    monkeypatch.setattr(importer._Directory, "load", staticmethod(load_then_try_a_save))
    result = service(ctx).run(table(DESK_EXPORT), UTC_OPTIONS, actor="Alex Morgan",
                              source="d.csv")
    assert attempts == ["database is locked"]
    assert result.tickets == 3 and count(ctx, Ticket) == 3
    ctx.tickets.create(make_draft(), actor="Alex Morgan")  # the lock went with the commit
    assert count(ctx, Ticket) == 4


def test_a_clash_while_writing_says_so_and_imports_nothing(
        ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the lock (as before it was taken first), a ticket saved between choosing ids
    and writing clashes: the message says what happened, without SQL, and nothing is left."""
    import desk_app.services.importer as importer

    real_load = importer._Directory.load
    models = (Ticket, Contact, Organization, Technician, Category)
    saved: list[int] = []

    def load_then_save(s):  # type: ignore[no-untyped-def]
        directory = real_load(s)
        ctx.tickets.create(make_draft(), actor="Alex Morgan")  # a technician, meanwhile
        saved.extend(count(ctx, m) for m in models)
        return directory

    monkeypatch.setattr(importer, "lock_for_writing", lambda s: None)
    monkeypatch.setattr(importer._Directory, "load", staticmethod(load_then_save))
    with pytest.raises(importer.ImportInterrupted) as caught:
        service(ctx).run(table(DESK_EXPORT), UTC_OPTIONS, actor="Alex Morgan",
                         source="d.csv")
    message = str(caught.value)
    clash = ("UNIQUE constraint failed: " if ctx.db.engine.dialect.name == "sqlite"
             else "duplicate key value violates unique constraint ")
    assert message.startswith(f"The database was busy or changed while importing ({clash}")
    assert message.endswith("); nothing was imported. Import again.")
    assert "SQL" not in message and "sqlalche.me" not in message
    assert saved[0] == 1  # the technician's ticket
    assert [count(ctx, m) for m in models] == saved  # and nothing of the import


@sqlite_only  # SQLite's busy timeout and BEGIN IMMEDIATE
def test_a_database_locked_by_another_writer_is_reported_and_nothing_written(
        ctx: AppContext) -> None:
    db = Database(make_engine(str(ctx.db.engine.url)))
    event.listen(db.engine, "connect",  # after the usual pragmas: fail at once, no waiting
                 lambda conn, _r: conn.execute("PRAGMA busy_timeout=0"))
    other = sqlite3.connect(_db_file(ctx), timeout=0)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(ImportInterrupted) as caught:
            ImportService(db, ctx.sla, ctx.clock).run(
                table(DESK_EXPORT), UTC_OPTIONS, actor="Alex Morgan", source="d.csv")
    finally:
        other.rollback()
        other.close()
        db.dispose()
    assert str(caught.value) == ("The database was busy or changed while importing "
                                 "(database is locked); nothing was imported. Import again.")
    assert count(ctx, Ticket) == 0


def test_the_summary_counts_in_words_that_agree(ctx: AppContext) -> None:
    report = service(ctx).dry_run(table("Subject,Created\nA,someday\n"), UTC_OPTIONS,
                                  source="one.csv")
    assert report.summary == "one.csv: 1 problem in 1 row; nothing imported"
    report = service(ctx).dry_run(table("Subject\nA\n"), UTC_OPTIONS, source="one.csv")
    assert report.summary.startswith("one.csv: 1 ticket ready to import, 1 new contact")
    report = service(ctx).dry_run(table("Subject,Created\nA,10/07/2026\n"), UTC_OPTIONS,
                                  source="one.csv")
    assert report.problems[0].hinted({"date": "choose"}) == (
        "column Created: dates such as '10/07/2026' read both as DD/MM/YYYY and as "
        "MM/DD/YYYY (choose)")
    assert report.problems[0].hinted({"date": "choose"}, where=False).startswith("dates ")


def test_a_deactivated_assignee_is_imported_as_the_file_says_and_the_dry_run_notes_it(
        ctx: AppContext) -> None:
    """The file is history: a row naming a deactivated technician is assigned to them (no
    duplicate technician, whose name would clash), and the dry run says so."""
    row = next(r for r in ctx.people.technicians() if r.name == "Priya Raman")
    ctx.people.save(TechnicianInput(id=row.id, name=row.name, active=False))
    report = service(ctx).dry_run(table(DESK_EXPORT), UTC_OPTIONS, source="d.csv")
    assert report.ok
    assert ("1 row names deactivated technicians (Priya Raman): imported assigned to "
            "them, as the file says") in " ".join(report.notes)
    techs = count(ctx, Technician)
    service(ctx).run(table(DESK_EXPORT), UTC_OPTIONS, actor="Alex Morgan", source="d.csv")
    assert count(ctx, Technician) == techs + 1  # Kim New only
    with ctx.db.session_scope() as s:
        assignee = s.execute(select(Technician.name).join(
            Ticket, Ticket.assignee_id == Technician.id).where(Ticket.title == "Printer jam")
        ).scalar()
    assert assignee == "Priya Raman"
