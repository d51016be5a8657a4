"""`desk-app import FILE`: the command line's CSV import, kept apart from cli.py so that
module stays a dispatcher.

Exit codes: 0 imported (or a clean dry run), 2 the file or the mapping has problems (each
printed as 'row 12, column Priority: ...'), 1 the file cannot be read at all.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from desk_app.app import open_context as open_desk
from desk_app.domain.csv_import import (
    VOCABULARIES,
    ImportOptions,
    ImportRefused,
    date_format,
    load_mapping,
    with_word,
)
from desk_app.domain.csv_read import CsvFormatError, plural
from desk_app.domain.import_fields import DATE_FIELDS, MappingError
from desk_app.domain.ticket import format_number
from desk_app.platform.identity import os_user_name
from desk_app.platform.redact import one_line, redact
from desk_app.platform.timezone import local_zone_name
from desk_app.services.importer import ImportReport, ImportService
from desk_app.store.target import DatabaseMissing, OpenMode

EXIT_PROBLEMS = 2
EXIT_UNREADABLE = 1
HINTS = {"column": 'name it in --mapping, e.g. "columns": {"title": "Headline"}',
         "date": "choose with --date-format DD/MM/YYYY or MM/DD/YYYY, or in --mapping"}


def _err(line: str) -> None:
    # one_line: a file name or a quoted cell may hold a line break (soak_cli found one).
    print(one_line(redact(line)), file=sys.stderr)


def cmd_import(args: argparse.Namespace, open_context: Callable[[OpenMode], Any]) -> int:
    """Check the file, then (unless --dry-run) import it in one transaction. A dry run
    never creates or changes a desk: a missing one is stood in for by an empty one in
    memory."""
    path = Path(args.file)
    try:
        options = ImportOptions(tz=args.tz or local_zone_name(), encoding=args.encoding,
                                delimiter=_delimiter(args.delimiter))
        if args.mapping:
            options = load_mapping(Path(args.mapping).read_text(encoding="utf-8-sig"),
                                   options)
        if args.date_format:
            fmt = date_format(args.date_format)
            options = replace(options, date_formats={
                **dict.fromkeys(DATE_FIELDS, fmt), **options.date_formats})
        for kind in VOCABULARIES:  # the command line wins over the mapping file
            for assignment in getattr(args, f"map_{kind}") or ():
                options = with_word(options, kind, assignment)
    except MappingError as exc:
        _err(f"desk-app: error: {exc}")
        return EXIT_PROBLEMS
    try:
        table = ImportService.read(path, options)
    except CsvFormatError as exc:
        _err(f"desk-app: error: {path.name} cannot be read: {exc}; nothing imported")
        return EXIT_UNREADABLE
    missing = ""
    try:
        ctx = open_context(OpenMode.READ if args.dry_run else OpenMode.CHANGE)
    except DatabaseMissing as exc:
        # A file can be checked before its desk exists: against an empty desk in memory.

        ctx = open_desk("sqlite://")
        missing = f"{exc}; checked against an empty desk"
    with ctx:
        service = ctx.imports
        try:
            report = service.dry_run(table, options, source=path.name,
                                     progress=_progress("Checking"))
        except MappingError as exc:
            _err(f"desk-app: error: {exc}")
            return EXIT_PROBLEMS
        if not report.ok:
            _print_title(report)
            _err(f"desk-app: {report.summary} ({report.file})")
            for problem in report.problems:
                _err(problem.hinted(HINTS))
            if report.unlisted:
                _err(f"... and {plural(report.unlisted, 'more problem')} not listed")
            return EXIT_PROBLEMS
        if args.dry_run:
            print(f"{report.summary} ({report.file}); dry run, nothing written")
            _print_title(report)
            for line in report.word_lines():
                print(line)
            if any(report.plan.guesses):
                print("change a word with --map-status WORD=OURS, --map-priority, "
                      "--map-channel or in --mapping")
            if missing:
                print(f"note: {missing}")
            if report.ignored:
                print(f"ignored columns: {', '.join(report.ignored)}")
            for note in report.notes:
                print(f"note: {note}")
            return 0
        actor = args.actor or os_user_name()
        try:
            result = service.run(table, options, actor=actor, source=path.name,
                                 progress=_progress("Importing"))
        except ImportRefused as exc:  # the data changed between check and import
            for problem in exc.problems:
                _err(problem.hinted(HINTS))
            return EXIT_PROBLEMS
        finally:
            _end_progress()
    numbers = (f" ({format_number(result.first_number)} to "
               f"{format_number(result.last_number or result.first_number)})"
               if result.first_number else "")
    print(f"Imported {plural(result.tickets, 'ticket')}{numbers}, "
          f"{plural(result.contacts, 'new contact')}, "
          f"{plural(result.organizations, 'new organization')} from {path.name} "
          f"in {result.seconds:.1f} s.")
    _print_title(report)
    for line in report.word_lines(flagged_only=True):
        print(line)
    if report.ignored:
        print(f"ignored columns: {', '.join(report.ignored)}")
    return 0


def _progress(what: str) -> Callable[[int, int], None] | None:
    """'Importing: 41% (12,000 of 29,000 rows)' rewritten in place on stderr, only when
    stderr is a terminal (a log or a pipe gets the result lines alone)."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        percent = 100 * done // total if total else 100
        sys.stderr.write(f"\r{what}: {percent}% ({done:,} of {total:,} rows)\x1b[K")
        sys.stderr.flush()

    return show


def _end_progress() -> None:
    if sys.stderr.isatty():
        sys.stderr.write("\r\x1b[K")
        sys.stderr.flush()


def _print_title(report: ImportReport) -> None:
    if report.title_note:
        print(f"title: {report.title_note}; choose another with "
              '"columns": {"title": "..."} in --mapping')


def _delimiter(text: str | None) -> str | None:
    """'tab', ';', '\\t' ... -> the character. Raises MappingError for anything the CSV
    reader cannot split on: more than one character, a quote, a line break."""
    if not text:
        return None
    named = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
    char = named.get(text.lower(), text)
    if len(char) != 1 or char in "\"\r\n":
        raise MappingError(f"--delimiter {text!r}: give one character other than a quote or "
                           "a line break (or tab, comma, semicolon, pipe)")
    return char
