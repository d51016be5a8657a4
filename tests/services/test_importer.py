"""ImportService on real SQLite files: dry run, one transaction, history and SLA clocks."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from desk_app.app import AppContext
from desk_app.domain.csv_import import ImportOptions, ImportRefused, load_mapping
from desk_app.domain.csv_read import CsvFormatError, CsvTable, read_table
from desk_app.domain.enums import EventKind, Priority, Status
from desk_app.domain.ticket import RequesterInput
from desk_app.services.importer import ImportInterrupted, ImportService
from desk_app.store.engine import Database, make_engine
from desk_app.store.models import Category, Contact, Organization, Technician, Ticket
from tests.conftest import make_draft

REDMINE = Path(__file__).parents[2] / ".." / "shared" / "data" / "csv-import" / "redmine"
UTC_OPTIONS = ImportOptions(tz="UTC")


def table(text: str) -> CsvTable:
    return read_table(text.encode("utf-8"))


def service(ctx: AppContext) -> ImportService:
    return ImportService(ctx.db, ctx.sla, ctx.clock)


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
            "Fine,High,2026-11-02 09:00\n"
            "Bad,Sehr hoch,2026-11-02 09:00\n"
            ",High,2026-11-02 09:00\n"
            "Later,High,someday\n")
    svc = service(ctx)
    report = svc.dry_run(table(text), UTC_OPTIONS, source="bad.csv")
    assert not report.ok
    assert [p.text for p in report.problems] == [
        "row 3, column Priority: 'Sehr hoch' is not a priority we know",
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


# -- the redmine parser torture tests -----------------------------------------------------------

IMPORTS = {  # file -> number of tickets
    "import_dates.csv": 3, "import_dates_ja.csv": 1, "import_issues.csv": 3,
    "import_issues_single_quotation.csv": 3, "import_issues_utf8_with_bom.csv": 3,
    "import_subtasks.csv": 4, "import_subtasks_with_relations.csv": 4,
    "import_subtasks_with_unique_id.csv": 9,
}
REFUSALS = {  # file -> what the refusal says
    "import_crlf_with_newline_in_quoted_header.csv": "no column holds the ticket title",
    "import_iso8859-1.csv": "no column holds the ticket title",
    "import_issues_auto_mapping.csv": "row 2: has 18 cells but the header names 17",
    "import_issues_no_data_row.csv": "no ticket rows",
    "import_issues_with_relation_and_invalid_issues.csv":
        "row 4, column subject: empty: every ticket needs a title",
    "import_time_entries.csv": "no column holds the ticket title",
    "import_users.csv": "no column holds the ticket title",
    "invalid-Shift_JIS.csv": "no ticket rows",
    "unclosed_quoted_field.csv": "line 2: a quoted cell that starts on this line is never "
                                 "closed",
}


def test_every_redmine_fixture_is_covered() -> None:
    assert sorted(p.name for p in REDMINE.iterdir()) == sorted({**IMPORTS, **REFUSALS})


@pytest.mark.parametrize("name", sorted(IMPORTS))
def test_redmine_fixture_imports_correctly(ctx: AppContext, name: str) -> None:
    svc = service(ctx)
    loaded = svc.read(REDMINE / name, UTC_OPTIONS)
    result = svc.run(loaded, UTC_OPTIONS, actor="Alex Morgan", source=name)
    assert result.tickets == IMPORTS[name]
    titles = [r.cells[loaded.headers.index(next(h for h in loaded.headers
                                                if h.lower() == "subject"))]
              for r in loaded.records]
    with ctx.db.session_scope() as s:
        stored = list(s.execute(select(Ticket.title).order_by(Ticket.number)).scalars())
    assert stored == titles


def test_redmine_issues_map_priority_status_and_category(ctx: AppContext) -> None:
    svc = service(ctx)
    loaded = svc.read(REDMINE / "import_issues_utf8_with_bom.csv", UTC_OPTIONS)
    assert loaded.had_bom and loaded.headers[0] == "priority"
    svc.run(loaded, UTC_OPTIONS, actor="Alex Morgan", source="x.csv")
    with ctx.db.session_scope() as s:
        rows = s.execute(select(Ticket.title, Ticket.priority, Ticket.status, Category.name)
                         .join(Category, Category.id == Ticket.category_id)
                         .order_by(Ticket.number)).all()
    assert [tuple(r) for r in rows] == [
        ("First", Priority.P2, Status.NEW, "New category"),
        ("Child 1", Priority.P3, Status.NEW, "New category"),
        ("Child of existing issue", Priority.P3, Status.IN_PROGRESS, "Printing")]


def test_single_quotes_are_text_not_quotes(ctx: AppContext) -> None:
    loaded = service(ctx).read(REDMINE / "import_issues_single_quotation.csv", UTC_OPTIONS)
    assert loaded.records[0].cells[-1] == "'PostgreSQL, Oracle'"


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_redmine_fixture_is_refused_clearly(ctx: AppContext, name: str) -> None:
    svc = service(ctx)
    before = count(ctx, Ticket)
    try:
        loaded = svc.read(REDMINE / name, UTC_OPTIONS)
    except CsvFormatError as exc:
        assert REFUSALS[name] in str(exc)
        return
    report = svc.dry_run(loaded, UTC_OPTIONS, source=name)
    assert REFUSALS[name] in "\n".join(p.text for p in report.problems)
    with pytest.raises(ImportRefused):
        svc.run(loaded, UTC_OPTIONS, actor="Alex Morgan", source=name)
    assert count(ctx, Ticket) == before


@pytest.mark.parametrize(("name", "mapping", "titles"), [
    ("import_iso8859-1.csv", {"title": "column A"}, ["Contenu en français", "value2A"]),
    ("import_crlf_with_newline_in_quoted_header.csv",
     {"title": "plain_header", "description": "quoted_header\ncontains_LF"}, ["foo"]),
])
def test_refused_fixtures_import_once_mapped(ctx: AppContext, name: str,
                                             mapping: dict[str, str], titles: list[str]
                                             ) -> None:
    options = load_mapping(json.dumps({"columns": mapping}), UTC_OPTIONS)
    svc = service(ctx)
    loaded = svc.read(REDMINE / name, options)
    svc.run(loaded, options, actor="Alex Morgan", source=name)
    with ctx.db.session_scope() as s:
        stored = list(s.execute(select(Ticket.title, Ticket.description)
                                .order_by(Ticket.number)))
    assert [t for t, _d in stored] == titles
    if name.startswith("import_crlf"):
        assert stored[0][1] == "bar"


# -- other writers during the import ------------------------------------------------------------

def _db_file(ctx: AppContext) -> str:
    path = ctx.db.engine.url.database
    assert path
    return path


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
    assert message.startswith("The database was busy or changed while importing (UNIQUE "
                              "constraint failed: ")
    assert message.endswith("); nothing was imported. Import again.")
    assert "SQL" not in message and "sqlalche.me" not in message
    assert saved[0] == 1  # the technician's ticket
    assert [count(ctx, m) for m in models] == saved  # and nothing of the import


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
    report = service(ctx).dry_run(table("Subject,Priority\nA,Sehr hoch\n"), UTC_OPTIONS,
                                  source="one.csv")
    assert report.summary == "one.csv: 1 problem in 1 row; nothing imported"
    assert report.problems[0].hinted({"map": "map it"}) == (
        "row 2, column Priority: 'Sehr hoch' is not a priority we know (map it)")
    assert report.problems[0].hinted({"map": "map it"}, where=False) == (
        "'Sehr hoch' is not a priority we know (map it)")
