"""The command line: the window by default, headless sub-commands for scripts.

Every failure the user can cause ends with one line on stderr and a non-zero exit code,
never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import SQLAlchemyError

from desk_app import __version__
from desk_app.domain.enums import Channel, Impact, Priority, Status, Urgency, parse_enum
from desk_app.domain.errors import DeskError, ValidationError, ValidationErrors
from desk_app.domain.limits import SEED_MAX_DAYS
from desk_app.domain.ticket import (
    RequesterInput,
    TicketDraft,
    format_number,
    validate_draft,
)
from desk_app.platform.identity import os_user_name
from desk_app.platform.paths import chosen_database
from desk_app.platform.redact import one_line, redact
from desk_app.platform.timezone import local_zone_name
from desk_app.store.db_errors import describe_failure
from desk_app.store.migrate import MigrationError
from desk_app.store.target import DatabaseUnusable, OpenMode

if TYPE_CHECKING:  # for annotations only: the runtime imports stay inside the commands
    from desk_app.app import AppContext
    from desk_app.domain.period_report import PeriodReport, ReportFilter

# Deferred imports: the application context, the services and the report/export stack are
# imported inside the commands that use them, so `desk-app --version`, `--help` and a bad
# argument load none of them (about twice the import time of this module on its own), and
# the GUI path imports PySide6 only after the Qt preflight has checked the libraries.
EXIT_USAGE = 2
EXIT_FAILURE = 1
# The days a period may name: before 1900 no desk held tickets, and a bound far from
# date.min/date.max keeps "the day after --to" and the zone's offset from overflowing.
FIRST_DAY = "1900-01-01"
LAST_DAY = "2999-12-31"
# A report keeps a bucket per day: 1,100 years took 15-53 s and 250 MB on a 20-ticket desk.
MAX_PERIOD_YEARS = 100
LIST_COLUMNS = ("number", "priority", "status", "title", "requester", "organization",
                "assignee", "created", "updated")


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line instead of the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {one_line(message)} (see --help)\n")


def _database_options() -> _Parser:
    """--db and --read-only, defined once and accepted before or after the sub-command.

    SUPPRESS: a parser that did not see the option sets nothing, so a sub-parser cannot
    overwrite the value given before the sub-command with its own default.
    """
    options = _Parser(add_help=False)
    options.add_argument("--db", default=argparse.SUPPRESS,
                         help="database file or SQLAlchemy URL (default: $DESK_APP_DB, else "
                              "the user data folder)")
    options.add_argument("--read-only", action="store_true", default=argparse.SUPPRESS,
                         help="open the desk without changing anything in it")
    return options


def _build_parser() -> _Parser:
    db_options = _database_options()
    parser = _Parser(prog="desk-app", description="Desk App: a desktop help desk.",
                     parents=[db_options])
    parser.add_argument("--version", action="version", version=f"desk-app {__version__}")
    parser.add_argument("--demo", action="store_true",
                        help="open a demo desk (a temporary database unless --db is given)")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    seed = sub.add_parser("seed", help="fill a database with generated tickets",
                          parents=[db_options])
    seed.add_argument("--tickets", type=int, required=True, help="how many tickets")
    seed.add_argument("--seed", type=int, default=1, help="random seed (same seed, same desk)")
    seed.add_argument("--days", type=_int_within(1, SEED_MAX_DAYS), default=90,
                      help=f"spread over the last N days (1 to {SEED_MAX_DAYS:,})")

    tickets = sub.add_parser("tickets", help="list or add tickets", parents=[db_options])
    tsub = tickets.add_subparsers(dest="tickets_command", parser_class=_Parser, required=True)
    lst = tsub.add_parser("list", help="print tickets", parents=[db_options])
    lst.add_argument("--status", help="only this status (new, in_progress, waiting_customer, "
                                      "waiting_third_party, resolved, closed)")
    lst.add_argument("--search", default="", help="words to find in number, title, "
                                                  "description or requester")
    lst.add_argument("--format", choices=("table", "csv", "json"), default="table")
    lst.add_argument("--limit", type=_int_within(0, None), default=0,
                     help="at most N tickets (0: all)")

    add = tsub.add_parser("add", help="log a ticket", parents=[db_options])
    add.add_argument("--title", required=True)
    add.add_argument("--requester", required=True, help="the requester's name")
    add.add_argument("--email", default="", help="the requester's email")
    add.add_argument("--phone", default="")
    add.add_argument("--organization", default="")
    add.add_argument("--description", default="")
    add.add_argument("--priority", help="P1..P4; omit to derive it from impact and urgency")
    add.add_argument("--impact", default="low", help="high, medium or low")
    add.add_argument("--urgency", default="medium", help="high, medium or low")
    add.add_argument("--category", default="Other")
    add.add_argument("--channel", default="phone",
                     help="phone, email, walk_in, portal or chat")
    add.add_argument("--assignee", default="", help="a technician's name")
    add.add_argument("--as", dest="actor", default=None,
                     help="who logs it (default: the operating-system user)")
    report = sub.add_parser("report", help="a period's figures: volume, SLA attainment, "
                                           "times, rates, CSAT (docs/metrics.md)",
                            parents=[db_options])
    report.add_argument("--from", dest="date_from", required=True,
                        help="first day (YYYY-MM-DD), tickets created from then")
    report.add_argument("--to", dest="date_to", required=True, help="last day, inclusive")
    report.add_argument("--by", choices=("priority", "category", "organization",
                                         "technician"), default="priority",
                        help="group SLA attainment by this (default: priority)")
    report.add_argument("--format", choices=("table", "csv", "json"), default="table",
                        help="table: readable; csv: one row per figure (as export summary); "
                             "json: everything, nested")
    report.add_argument("--out", help="write to this file instead of the screen")
    report.add_argument("--tz", default=None, help="time zone of the days (default: local)")
    report.add_argument("--no-bom", action="store_true", help="CSV without byte-order mark")
    _add_filters(report)

    export = sub.add_parser("export", help="write a CSV file", parents=[db_options])
    export.add_argument("what", choices=("tickets", "summary", "breaches", "credits"),
                        help="what to export (summary and credits need --from and --to)")
    export.add_argument("--out", required=True, help="the CSV file to write")
    export.add_argument("--from", dest="date_from",
                        help="created (breaches: breached) on or after (YYYY-MM-DD)")
    export.add_argument("--to", dest="date_to",
                        help="created (breaches: breached) on or before (YYYY-MM-DD)")
    export.add_argument("--tz", default=None,
                        help="time zone for timestamps (default: this computer's)")
    _add_filters(export)
    export.add_argument("--no-bom", action="store_true",
                        help="omit the UTF-8 byte-order mark")

    imp = sub.add_parser("import", help="import tickets from a CSV file (docs/import.md)",
                         parents=[db_options])
    imp.add_argument("file", help="the CSV file")
    imp.add_argument("--mapping", help="a JSON mapping file: columns, status and priority "
                                       "words, date formats (see docs/import.md)")
    imp.add_argument("--dry-run", action="store_true",
                     help="check the file and report every problem; write nothing")
    imp.add_argument("--date-format", help="for dates that read both ways: DD/MM/YYYY or "
                                           "MM/DD/YYYY (also ISO 8601, YYYY/MM/DD)")
    imp.add_argument("--tz", default=None,
                     help="time zone of times without an offset (default: this computer's)")
    for kind, example in (("status", "OpenPending=waiting"), ("priority", "'Sev 2'=P2"),
                          ("channel", "Other=portal")):
        imp.add_argument(f"--map-{kind}", action="append", metavar="WORD=OURS",
                         help=f"their {kind} word -> ours, over the guess (repeatable; "
                              f"e.g. {example})")
    imp.add_argument("--encoding", help="the file's encoding (default: guessed)")
    imp.add_argument("--delimiter", help="the separator (default: guessed)")
    imp.add_argument("--as", dest="actor", default=None,
                     help="who imports (default: the operating-system user)")
    from desk_app.cli_team import add_team_parser  # light: keyring is imported when used

    add_team_parser(sub, [], _Parser)
    return parser


def _int_within(low: int, high: int | None) -> Callable[[str], int]:
    """An argparse type: a whole number in [low, high], refused in argparse's one line."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"{value} is less than {low}")
        if high is not None and value > high:
            raise argparse.ArgumentTypeError(f"{value:,} is more than {high:,}")
        return value

    return parse


def _add_filters(parser: argparse.ArgumentParser) -> None:
    """Repeatable report filters; each may be given several times (any of them matches)."""
    for name, what in (("priority", "P1..P4"), ("category", "a category name"),
                       ("organization", "an organization name"),
                       ("technician", "a technician's name"),
                       ("channel", "phone, email, walk_in, portal or chat")):
        parser.add_argument(f"--{name}", action="append", default=[], metavar="VALUE",
                            help=f"only tickets with this {name} ({what}); repeatable")


def _report_filter(args: argparse.Namespace) -> ReportFilter:
    from desk_app.domain.period_report import ReportFilter  # deferred: heavy, see above

    priorities = {parse_enum(Priority, p, field="--priority").value for p in args.priority}
    channels = {parse_enum(Channel, c, field="--channel").value for c in args.channel}
    return ReportFilter(priorities=frozenset(priorities), categories=frozenset(args.category),
                        organizations=frozenset(args.organization),
                        technicians=frozenset(args.technician), channels=frozenset(channels))


def _fail(message: str, code: int = EXIT_FAILURE) -> int:
    # redact: a message may quote the --db URL (or a driver error holding it).
    print(f"desk-app: error: {one_line(redact(message))}", file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    try:
        if args.command == "seed":
            return _cmd_seed(args)
        if args.command == "export":
            return _cmd_export(args)
        if args.command == "import":
            from desk_app.cli_import import cmd_import  # deferred: the import stack

            return cmd_import(args, lambda mode: _open(args, mode))
        if args.command == "report":
            return _cmd_report(args)
        if args.command == "team":
            from desk_app.app import desk_passwords
            from desk_app.cli_team import cmd_team

            return cmd_team(args, desk_passwords())
        if args.command == "tickets":
            return _cmd_tickets_list(args) if args.tickets_command == "list" \
                else _cmd_tickets_add(args)
        return _run_gui(args)
    except (ValidationError, ValidationErrors) as exc:
        return _fail(str(exc), EXIT_USAGE)  # bad input, like a bad argument
    except (DeskError, MigrationError, DatabaseUnusable) as exc:
        return _fail(str(exc))
    except SQLAlchemyError as exc:  # what the checks at open cannot foresee (disk full …)
        # Each use case is one transaction, rolled back when it fails.
        return _fail(f"{describe_failure(exc)}; nothing was changed")
    except BrokenPipeError:
        # The reader went away (`desk-app report | head`): not an error. Point stdout at
        # nothing so the interpreter's final flush does not complain again.

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        return _fail(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))
    except KeyboardInterrupt:
        return 130


def _database_arg(args: argparse.Namespace) -> str | None:
    """--db from either position (absent when neither gave it). An empty --db is refused:
    it would otherwise silently mean the default desk."""
    value: str | None = getattr(args, "db", None)
    if value is not None and not value.strip():
        raise ValidationError("--db", "a database file or URL is needed, not an empty text")
    return value


def _open(args: argparse.Namespace, mode: OpenMode) -> AppContext:
    """The desk the arguments name (--db, else $DESK_APP_DB, else the default file); a team
    desk's password comes from the keyring, or a prompt (cli_team.open_with_password)."""
    from desk_app.app import desk_passwords, open_context  # deferred: every service
    from desk_app.cli_team import open_with_password

    target = chosen_database(_database_arg(args))
    read_only = getattr(args, "read_only", False)
    ctx = open_with_password(
        lambda lookup: open_context(target, mode=mode, read_only=read_only, password=lookup),
        target, desk_passwords())
    if ctx.migration.note:  # the desk was repaired at open: say so, in one line
        print(f"desk-app: note: {ctx.migration.note}", file=sys.stderr)
    return ctx


def _cmd_seed(args: argparse.Namespace) -> int:
    if args.tickets < 0:
        return _fail("--tickets must be zero or more", EXIT_USAGE)
    from desk_app.services.seed import check_seed_size

    check_seed_size(tickets=args.tickets, span_days=args.days)  # before a desk is created
    with _open(args, OpenMode.CHANGE) as ctx:
        started = time.perf_counter()
        report = ctx.generator.generate(tickets=args.tickets, seed=args.seed,
                                        span_days=args.days)
        took = time.perf_counter() - started
    first = format_number(report.first_number) if report.tickets else "-"
    last = format_number(report.last_number) if report.tickets else "-"
    print(f"Added {report.tickets:,} tickets ({first} to {last}) with {report.events:,} events "
          f"in {took:.1f} s.")
    return 0


def _cmd_tickets_list(args: argparse.Namespace) -> int:
    # deferred, like the other service imports here (see above)
    from desk_app.services.ticket_list import QuickFilter, SortKey, TicketListQuery

    status = parse_enum(Status, args.status, field="--status") if args.status else None
    with _open(args, OpenMode.READ) as ctx:
        rows = ctx.lists.list_rows(TicketListQuery(
            quick_filter=QuickFilter.ALL, status=status, search=args.search,
            sort=SortKey.NUMBER, descending=False))
    if args.limit > 0:
        rows = rows[: args.limit]
    records = [{
        "number": format_number(r.number), "priority": r.priority.value,
        "status": r.status.value, "title": r.title, "requester": r.requester,
        "organization": r.organization, "assignee": r.assignee,
        "created": r.created_at.isoformat(timespec="seconds"),
        "updated": r.updated_at.isoformat(timespec="seconds"),
    } for r in rows]
    out = sys.stdout
    if args.format == "json":
        json.dump(records, out, ensure_ascii=False, indent=2)
        out.write("\n")
    elif args.format == "csv":
        # The one CSV writer: a title such as =HYPERLINK(...) is neutralised as in exports.
        from desk_app.services.export import CsvOptions, write_csv  # deferred (see above)

        write_csv(out, LIST_COLUMNS, ([r[c] for c in LIST_COLUMNS] for r in records),
                  CsvOptions(bom=False, line_end="\n"))
    else:
        _print_table(records)
    return 0


def _print_table(records: list[dict[str, str]]) -> None:
    shown = ("number", "priority", "status", "title", "requester", "assignee", "updated")
    if not records:
        print("No tickets.")
        return
    width = {c: max(len(c), *(len(r[c]) for r in records)) for c in shown}
    width["title"] = min(width["title"], 50)
    print("  ".join(c.upper().ljust(width[c]) for c in shown))
    for r in records:
        cells = [r[c] if len(r[c]) <= width[c] else r[c][: width[c] - 1] + "…" for c in shown]
        print("  ".join(v.ljust(width[c]) for v, c in zip(cells, shown, strict=True)))


def _cmd_tickets_add(args: argparse.Namespace) -> int:
    override = parse_enum(Priority, args.priority, field="--priority") if args.priority \
        else None
    draft = TicketDraft(
        title=args.title, description=args.description,
        requester=RequesterInput(name=args.requester, email=args.email, phone=args.phone,
                                 organization=args.organization),
        category=args.category,
        channel=parse_enum(Channel, args.channel, field="--channel"),
        impact=parse_enum(Impact, args.impact, field="--impact"),
        urgency=parse_enum(Urgency, args.urgency, field="--urgency"),
        priority_override=override, assignee=args.assignee,
    )
    validate_draft(draft)  # before a desk is opened, let alone created
    with _open(args, OpenMode.CHANGE) as ctx:
        actor = args.actor or os_user_name()
        detail = ctx.tickets.create(draft, actor=actor)
        # After the ticket: a refused ticket (unknown category …) leaves no technician behind.
        ctx.directory.ensure_technician(actor)
    print(f"{detail.display_number} {detail.priority.value} {detail.title}")
    return 0


def _parse_day(text: str | None, *, field: str, tz: str, end: bool = False
               ) -> datetime | None:
    """A calendar day in `tz` as the instant it starts (or, for `end`, the next day starts)."""
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise ValidationError(field, f"'{text}' is not a date like 2026-10-31") from exc
    if not date.fromisoformat(FIRST_DAY) <= day <= date.fromisoformat(LAST_DAY):
        raise ValidationError(field, f"{text} is outside {FIRST_DAY} to {LAST_DAY}")
    if end:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz))


def _zone_and_period(args: argparse.Namespace
                     ) -> tuple[str, datetime | None, datetime | None]:
    """--tz (default: this computer's zone), --from and --to (inclusive days) as instants."""
    tz = args.tz or local_zone_name()
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError("--tz", f"unknown time zone '{tz}'") from exc
    start = _parse_day(args.date_from, field="--from", tz=tz)
    end = _parse_day(args.date_to, field="--to", tz=tz, end=True)
    if start is not None and end is not None and end <= start:
        raise ValidationError("--to", "must not be before --from")
    if start is not None and end is not None \
            and (end - start).days > MAX_PERIOD_YEARS * 366:
        raise ValidationError("--to", f"a period is at most {MAX_PERIOD_YEARS} years "
                                      f"(this one is {(end - start).days / 365.25:,.0f})")
    return tz, start, end


def _required_period(args: argparse.Namespace) -> tuple[str, datetime, datetime]:
    """`_zone_and_period` for commands that need both days."""
    tz, start, end = _zone_and_period(args)
    if start is None or end is None:
        raise ValidationError("--from" if start is None else "--to",
                              "a period is needed: give --from and --to")
    return tz, start, end


def _out_file(text: str) -> Path:
    """--out as a file path: refused when empty or a folder (the export would otherwise
    fail deep inside with a path of its temporary file)."""
    if not text.strip():
        raise ValidationError("--out", "a file name is needed")
    path = Path(text)
    if path.is_dir():
        raise ValidationError("--out", f"{text} is a folder; name a file in it")
    return path


def _period_report(args: argparse.Namespace) -> tuple[PeriodReport, str]:
    """The period report the arguments ask for, and its zone."""
    tz, start, end = _required_period(args)
    flt = _report_filter(args)
    with _open(args, OpenMode.READ) as ctx:
        return ctx.reports.period_report(start, end, tz=tz, report_filter=flt,
                                         by=getattr(args, "by", "priority")), tz


def _cmd_report(args: argparse.Namespace) -> int:
    # deferred: the report and export services (see above)
    from desk_app.services.export import CsvOptions, open_for_csv
    from desk_app.services.period_export import ExportKind, ExportRequest
    from desk_app.services.summary_export import summary_dict, summary_text

    if args.format == "csv":  # the summary export, to the screen or a file
        tz, start, end = _required_period(args)
        request = ExportRequest(ExportKind.SUMMARY, start=start, end=end,
                                report_filter=_report_filter(args), by=args.by)
        options = CsvOptions(tz=tz, bom=not args.no_bom and bool(args.out))
        with _open(args, OpenMode.READ) as ctx:
            if args.out is not None:
                ctx.exports.export(request, _out_file(args.out), options)
            else:
                ctx.exports.write(request, sys.stdout, options)
        return 0
    report, tz = _period_report(args)
    out_path = _out_file(args.out) if args.out is not None else None
    with open_for_csv(out_path) if out_path else nullcontext(sys.stdout) as out:
        if args.format == "json":
            json.dump(summary_dict(report), out, indent=2, ensure_ascii=False)
            out.write("\n")
        else:
            out.write(summary_text(report))
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    """Every kind through the one export path (services/period_export.py), as the Reports
    window does; docs/exports.md says what each file holds."""
    # deferred: the export services (see above)
    from desk_app.services.export import CsvOptions
    from desk_app.services.period_export import ExportKind, ExportRequest

    kind = ExportKind(args.what)
    out = _out_file(args.out)
    if kind is not ExportKind.SUMMARY:
        for name in ("priority", "category", "organization", "technician", "channel"):
            if getattr(args, name):
                raise ValidationError(f"--{name}", "filters apply to the summary export only")
    tz, start, end = _required_period(args) if kind.needs_period else _zone_and_period(args)
    # Filters are empty for the other kinds (refused above).
    request = ExportRequest(kind, start=start, end=end, report_filter=_report_filter(args))
    with _open(args, OpenMode.READ) as ctx:
        result = ctx.exports.export(request, out,
                                    CsvOptions(tz=tz, bom=not args.no_bom))
    print(result.message())
    return 0


def _run_gui(args: argparse.Namespace) -> int:
    from desk_app.platform.qt_preflight import qt_libraries_missing  # deferred: GUI only

    if qt_libraries_missing():  # before Qt: it would abort or fail to import (README)
        return EXIT_FAILURE
    from desk_app.ui.launch import launch  # deferred: PySide6, after the preflight

    db_arg = _database_arg(args)
    if args.demo and not db_arg:
        db_arg = str(Path(tempfile.mkdtemp(prefix="desk-app-demo-")) / "demo.sqlite3")
    return launch(chosen_database(db_arg), demo=args.demo,
                  read_only=getattr(args, "read_only", False))
