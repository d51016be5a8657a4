"""A CSV table turned into ticket rows we can store, or the list of what is wrong with it.

Pure: no database, no clock reads (`now` is a parameter). The service
(services/importer.py) matches people and organizations and writes; the dialog and the
command line show `plan` (columns, date formats, the words found) and the problems, each
with its spreadsheet row and the column's own name, so the user can fix the file or the
mapping and try again. Nothing is written while a single problem remains.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from itertools import islice
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from desk_app.domain.csv_read import CsvTable
from desk_app.domain.enums import Channel, Priority, Status
from desk_app.domain.errors import DeskError
from desk_app.domain.import_fields import (
    DATE_FIELDS,
    ColumnChoice,
    ColumnMapping,
    ImportField,
    MappingError,
    auto_map,
    column_name,
)
from desk_app.domain.import_title import SAMPLE_ROWS, TitleProposal, propose_title
from desk_app.domain.import_values import (
    DateFormat,
    WordSource,
    best_format,
    fitting_formats,
    fold,
    lookup_channel,
    lookup_priority,
    lookup_status,
    parse_date,
    resolve_channel,
    resolve_priority,
    resolve_status,
)
from desk_app.domain.ticket import (
    CATEGORY_MAX,
    NAME_MAX,
    NUL_REASON,
    RequesterInput,
    validate_description,
    validate_requester,
    validate_title,
)

DEFAULT_REQUESTER = "Unknown requester"
_V = TypeVar("_V", Status, Priority, Channel)
# The three vocabularies a user can map: name (mapping-file key, --map-NAME) -> our enum.
VOCABULARIES: dict[str, type[Status] | type[Priority] | type[Channel]] = {
    "status": Status, "priority": Priority, "channel": Channel}
# The field of each ValidationError domain/ticket.py raises -> the column it came from.
_VALIDATED = {"Title": ImportField.TITLE, "Description": ImportField.DESCRIPTION,
              "Requester": ImportField.REQUESTER, "Email": ImportField.EMAIL,
              "Phone": ImportField.PHONE, "Organization": ImportField.ORGANIZATION}


class ImportRefused(DeskError):
    """The file cannot be imported as it is; `problems` says where and why (may be one
    whole-file problem with row None)."""

    def __init__(self, problems: list[Problem], *, total: int | None = None) -> None:
        count = max(total or 0, len(problems))
        first = problems[0].text if problems else "nothing to import"
        more = f" (and {count - 1:,} more problems)" if count > 1 else ""
        super().__init__(f"{first}{more}")
        self.problems = problems
        self.total = count  # `problems` may hold only the first IMPORT_MAX_PROBLEMS


@dataclass(frozen=True)
class Problem:
    """One thing that stops the import. `row` is the spreadsheet row (header = 1)."""

    row: int | None
    column: str | None
    message: str
    fix: str | None = None  # "column": a column to choose; "date": a date format

    def hinted(self, hints: Mapping[str, str], *, where: bool = True) -> str:
        """The text with the front end's own hint for the fix ('choose the format on the
        Dates tab'); without `where` (row and column), for a table that shows them in
        columns of their own."""
        said = self.text if where else self.message
        hint = hints.get(self.fix or "")
        return f"{said} ({hint})" if hint else said

    @property
    def text(self) -> str:
        """'row 12, column Priority: ...' as the command line prints it."""
        where = ", ".join(p for p in (f"row {self.row}" if self.row else None,
                                      f"column {self.column}" if self.column else None) if p)
        return f"{where}: {self.message}" if where else self.message


@dataclass(frozen=True)
class ImportOptions:
    """Everything the user decides; the defaults are what auto-detection gives.

    `columns`: field -> header (None leaves a recognised column out; several headers make
    the title together); vocabularies: their folded word -> ours, over the defaults and
    the guesses; `date_formats`: the choice for a date field; `tz`: the zone of times
    written without an offset."""

    encoding: str | None = None
    delimiter: str | None = None
    columns: Mapping[ImportField, ColumnChoice] = field(default_factory=dict)
    status_words: Mapping[str, Status] = field(default_factory=dict)
    priority_words: Mapping[str, Priority] = field(default_factory=dict)
    channel_words: Mapping[str, Channel] = field(default_factory=dict)
    date_formats: Mapping[ImportField, DateFormat] = field(default_factory=dict)
    tz: str = "UTC"
    default_requester: str = DEFAULT_REQUESTER


@dataclass(frozen=True)
class DateColumn:
    """What was found in one date column."""

    field: ImportField
    column: str
    detected: DateFormat | None
    ambiguous: bool
    chosen: DateFormat | None
    example: str


@dataclass(frozen=True)
class WordChoice:
    """One word of theirs in a status, priority or channel column: how many rows have
    it, our value for it and how that was found (known, chosen, guessed, fallback)."""

    word: str
    rows: int
    value: Status | Priority | Channel
    source: WordSource

    @property
    def text(self) -> str:
        """'OpenPending → Waiting on customer (12 rows), guessed'."""
        note = self.source.note
        rows = f"{self.rows:,} row{'' if self.rows == 1 else 's'}"
        return f"{self.word} → {self.value.label} ({rows}){', ' + note if note else ''}"

    @property
    def flagged(self) -> bool:
        """A guess or a fallback: the user should look at it."""
        return self.source in (WordSource.GUESSED, WordSource.FALLBACK)


@dataclass(frozen=True)
class ImportPlan:
    """How the table will be read: for the preview and the dry run."""

    mapping: ColumnMapping
    headers: tuple[str, ...]
    ignored: tuple[str, ...]
    dates: tuple[DateColumn, ...]
    status_values: tuple[WordChoice, ...]
    priority_values: tuple[WordChoice, ...]
    channel_values: tuple[WordChoice, ...] = ()
    title: TitleProposal | None = None  # set when the title column was proposed

    def cell(self, cells: tuple[str, ...], f: ImportField) -> str:
        return _cell(self.mapping, cells, f)

    def column(self, f: ImportField) -> str:
        if f is ImportField.TITLE and self.mapping.title_parts:
            return " + ".join(column_name(self.headers, i) for i in self.mapping.title_parts)
        index = self.mapping.column_of(f)
        return f.label if index is None else column_name(self.headers, index)

    def words(self, kind: str) -> tuple[WordChoice, ...]:
        """The choices of one vocabulary ('status', 'priority', 'channel')."""
        return {"status": self.status_values, "priority": self.priority_values,
                "channel": self.channel_values}[kind]

    @property
    def guesses(self) -> tuple[WordChoice, ...]:
        """Every guessed or fallback word, for a summary."""
        return tuple(w for kind in VOCABULARIES for w in self.words(kind) if w.flagged)


@dataclass(frozen=True)
class ImportedTicket:
    """One CSV row, checked and converted, ready for the service to store (not to be
    confused with store.ticket_queries.ImportedTicket, a row of the ticket list)."""

    row: int
    title: str
    description: str
    status: Status
    priority: Priority
    created_at: datetime | None  # None: no Created column, the import time is used
    resolved_at: datetime | None
    closed_at: datetime | None
    requester: str
    email: str
    phone: str
    organization: str
    assignee: str
    category: str
    channel: Channel
    external_id: str
    original_status: str
    original_priority: str


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise MappingError(f"unknown time zone '{name}'") from exc


def _cell(mapping: ColumnMapping, cells: tuple[str, ...], f: ImportField) -> str:
    """The stripped text of field `f` in one record ("" when unmapped or missing)."""
    if f is ImportField.TITLE:
        return mapping.title_of(cells)
    index = mapping.column_of(f)
    if index is None or index >= len(cells):
        return ""
    return cells[index].strip()


def make_plan(table: CsvTable, options: ImportOptions) -> ImportPlan:
    """Map the columns (proposing a title where no column is one), detect date formats and
    collect the status, priority and channel words with our value for each.

    One pass over the records, holding counts rather than columns (the records may be
    read from disk: csv_read.FileRecords), so a large file costs time, not memory."""
    mapping = auto_map(table.headers, options.columns)
    title = None
    if mapping.column_of(ImportField.TITLE) is None and ImportField.TITLE not in options.columns:
        sample = [r.cells for r in islice(table.records, SAMPLE_ROWS)]
        title = propose_title(table.headers, sample, mapping)
        if title is not None:
            mapping = mapping.with_title(title.columns)
    tz = zone(options.tz)
    date_fields = [f for f in DATE_FIELDS if mapping.column_of(f) is not None]
    word_fields = [f for f in (ImportField.STATUS, ImportField.PRIORITY, ImportField.CHANNEL)
                   if mapping.column_of(f) is not None]
    fits = {f: dict.fromkeys(DateFormat, 0) for f in date_fields}
    present = dict.fromkeys(date_fields, 0)
    examples = dict.fromkeys(date_fields, "")
    counts: dict[ImportField, Counter[str]] = {f: Counter() for f in word_fields}
    unseen = set(mapping.ignored)  # ignored columns with no data seen yet
    for record in table.records:
        cells = record.cells
        for f in date_fields:
            value = _cell(mapping, cells, f)
            if value:
                present[f] += 1
                examples[f] = examples[f] or value
                for fmt, n in fitting_formats((value,), tz).items():
                    fits[f][fmt] += n
        for f in word_fields:
            counts[f][_cell(mapping, cells, f)] += 1
        if unseen:
            unseen -= {i for i in unseen if i < len(cells) and cells[i].strip()}
    ignored = tuple(column_name(table.headers, i) for i in mapping.ignored
                    if i not in unseen or table.headers[i])

    dates = []
    for f in date_fields:
        index = mapping.column_of(f)
        assert index is not None  # date_fields holds the mapped ones
        detected, ambiguous = best_format(fits[f]) if present[f] else (None, False)
        chosen = options.date_formats.get(f) or (None if ambiguous else detected)
        dates.append(DateColumn(field=f, column=column_name(table.headers, index),
                                detected=detected, ambiguous=ambiguous, chosen=chosen,
                                example=examples[f]))

    def words(f: ImportField, resolve: Callable[[str], tuple[Any, WordSource]]
              ) -> tuple[WordChoice, ...]:
        if f not in counts:
            return ()
        return tuple(WordChoice(w, n, *resolve(w)) for w, n in sorted(counts[f].items()) if w)

    return ImportPlan(
        mapping=mapping, headers=table.headers, ignored=ignored, dates=tuple(dates),
        status_values=words(ImportField.STATUS,
                            lambda w: resolve_status(w, options.status_words)),
        priority_values=words(ImportField.PRIORITY,
                              lambda w: resolve_priority(w, options.priority_words)),
        channel_values=words(ImportField.CHANNEL,
                             lambda w: resolve_channel(w, options.channel_words)),
        title=title)


def convert(table: CsvTable, plan: ImportPlan, options: ImportOptions, *, now: datetime
            ) -> tuple[list[ImportedTicket], list[Problem]]:
    """Every row as a ImportedTicket, and every problem found (all of them, not the first).
    Holds every row: for small tables; the importer streams with iter_convert."""
    rows: list[ImportedTicket] = []
    problems: list[Problem] = []
    for row, found in iter_convert(table, plan, options, now=now):
        if row is None:
            problems.extend(found)
        else:
            rows.append(row)
    return rows, problems


def iter_convert(table: CsvTable, plan: ImportPlan, options: ImportOptions, *,
                 now: datetime) -> Iterator[tuple[ImportedTicket | None, list[Problem]]]:
    """The whole-file problems first (as one item with no row), then each record as a
    ImportedTicket, or None and its problems, one at a time: one pass, nothing held."""
    problems = _file_problems(table, plan)
    if problems:
        yield None, problems
    if plan.mapping.column_of(ImportField.TITLE) is None or not table.records:
        return
    reading = _Reading.of(table, plan, options, now=now)
    for record in table.records:
        yield _convert_record(record.row, record.cells, reading)


@dataclass(frozen=True)
class _Reading:
    """What every row of one conversion is read with: worked out once per file."""

    plan: ImportPlan
    tz: ZoneInfo
    formats: Mapping[ImportField, DateFormat | None]
    vocab: Mapping[ImportField, Mapping[str, Any]]  # their word -> our value, per field
    headers: tuple[str, ...]  # the file's column names, in order
    now: datetime
    default_requester: str

    @property
    def width(self) -> int:
        """The header's number of columns."""
        return len(self.headers)

    @classmethod
    def of(cls, table: CsvTable, plan: ImportPlan, options: ImportOptions, *,
           now: datetime) -> _Reading:
        vocab = {f: {w.word: w.value for w in values} for f, values in (
            (ImportField.STATUS, plan.status_values),
            (ImportField.PRIORITY, plan.priority_values),
            (ImportField.CHANNEL, plan.channel_values))}
        return cls(plan=plan, tz=zone(options.tz),
                   formats={d.field: d.chosen for d in plan.dates}, vocab=vocab,
                   headers=tuple(table.headers), now=now,
                   default_requester=options.default_requester)


@dataclass
class _Found:
    """The problems of one record, each with its spreadsheet row and the column's own
    name, in the order the checks run."""

    plan: ImportPlan
    row: int
    problems: list[Problem] = field(default_factory=list)

    def add(self, f: ImportField | None, message: str) -> None:
        self.problems.append(Problem(self.row, self.plan.column(f) if f else None, message))


Cell = Callable[[ImportField], str]  # one record's stripped text of a field


def _convert_record(row: int, cells: tuple[str, ...], reading: _Reading
                    ) -> tuple[ImportedTicket | None, list[Problem]]:
    """One record as an ImportedTicket, or None and everything wrong with it."""
    found = _Found(reading.plan, row)
    # NUL is never text (Python 3.11's csv module reads it where 3.10 refused the file):
    # refused in any cell, mapped or not, with its row and column. The row's other checks
    # would only repeat it.
    nul_columns = [i for i, c in enumerate(cells) if "\x00" in c]
    if nul_columns:
        return None, [Problem(row, reading.headers[i] if i < reading.width else None,
                              NUL_REASON) for i in nul_columns]
    get: Cell = partial(reading.plan.cell, cells)
    _check_width(cells, reading.width, found)
    title, description = _texts(get, found)
    # Words never refuse a row: the plan has our value for each (known, chosen,
    # guessed or the neutral fallback) and lists them for the user to check.
    status = reading.vocab[ImportField.STATUS].get(get(ImportField.STATUS), Status.NEW)
    priority = reading.vocab[ImportField.PRIORITY].get(get(ImportField.PRIORITY), Priority.P3)
    channel = reading.vocab[ImportField.CHANNEL].get(get(ImportField.CHANNEL), Channel.EMAIL)
    created, resolved, closed = _dates(get, status, reading, found)
    requester, email, phone, organization = _requester(get, reading.default_requester, found)
    assignee, category = _assignee_and_category(get, found)
    if found.problems:
        return None, found.problems
    return ImportedTicket(
        row=row, title=title, description=description,
        status=status, priority=priority, created_at=created, resolved_at=resolved,
        closed_at=closed, requester=requester, email=email, phone=phone,
        organization=organization, assignee=assignee, category=category,
        channel=channel,
        external_id=get(ImportField.EXTERNAL_ID),
        original_status=get(ImportField.STATUS),
        original_priority=get(ImportField.PRIORITY)), []


def _check_width(cells: tuple[str, ...], width: int, found: _Found) -> None:
    """A row with cells past the header's last column, or fewer cells than columns."""
    if len(cells) > width and any(c.strip() for c in cells[width:]):
        extra = next(c for c in cells[width:] if c.strip())
        found.add(None, f"has {len(cells)} cells but the header names {width} columns; "
                        f"'{_short(extra)}' has no column")
    elif len(cells) < width:
        found.add(None, f"has {len(cells)} cells but the header names {width} columns "
                        "(a missing separator?)")


def _texts(get: Cell, found: _Found) -> tuple[str, str]:
    """The title (spaces collapsed) and the description, checked as a new ticket's are."""
    title = " ".join(get(ImportField.TITLE).split())
    description = get(ImportField.DESCRIPTION)
    if not title:
        found.add(ImportField.TITLE, "empty: every ticket needs a title")
    for error in (validate_title(title) if title else None,
                  validate_description(description)):
        if error is not None:
            found.add(_VALIDATED[error.field], error.reason)
    return title, description


def _dates(get: Cell, status: Status, reading: _Reading, found: _Found
           ) -> tuple[datetime | None, datetime | None, datetime | None]:
    """Created, resolved (kept only for a ticket no longer open) and closed (only for a
    closed one), each a valid past instant, in that order in time."""
    instants = {f: _instant(f, get(f), reading, found) for f in DATE_FIELDS}
    created = instants[ImportField.CREATED]
    resolved = instants[ImportField.RESOLVED] if not status.is_open else None
    closed = instants[ImportField.CLOSED] if status is Status.CLOSED else None
    for f, value in ((ImportField.RESOLVED, resolved), (ImportField.CLOSED, closed)):
        if value is not None and created is not None and value < created:
            found.add(f, f"'{get(f)}' is before the ticket was created "
                         f"({get(ImportField.CREATED)})")
    if resolved is not None and closed is not None and closed < resolved:
        found.add(ImportField.CLOSED, f"'{get(ImportField.CLOSED)}' is before it was "
                                      f"resolved ({get(ImportField.RESOLVED)})")
    return created, resolved, closed


def _instant(f: ImportField, text: str, reading: _Reading, found: _Found
             ) -> datetime | None:
    """One date cell in its column's format and the file's zone (None when empty, when
    the column has no format, or when it does not parse)."""
    fmt = reading.formats.get(f)
    if not text or fmt is None:
        if f is ImportField.CREATED and reading.plan.mapping.column_of(f) is not None \
                and not text:
            found.add(f, "empty: when the ticket was opened is needed")
        return None
    value = parse_date(text, fmt, reading.tz)
    if value is None:
        found.add(f, f"'{_short(text)}' is not a date in the format {fmt.value}")
    elif value > reading.now:
        found.add(f, f"'{text}' is in the future")
    return value


def _requester(get: Cell, default: str, found: _Found) -> tuple[str, str, str, str]:
    """Name (else the email, else `default`), email, phone and organization, checked by
    the rules a technician's new ticket meets (domain/ticket.py), message for message."""
    email = get(ImportField.EMAIL).lower()
    requester = " ".join(get(ImportField.REQUESTER).split()) or email or default
    phone = get(ImportField.PHONE)
    organization = " ".join(get(ImportField.ORGANIZATION).split())
    for error in validate_requester(RequesterInput(
            name=requester, email=email, phone=phone, organization=organization)):
        found.add(_VALIDATED[error.field], error.reason)
    return requester, email, phone, organization


def _assignee_and_category(get: Cell, found: _Found) -> tuple[str, str]:
    """Both names with spaces collapsed, within the lengths the database stores."""
    assignee = " ".join(get(ImportField.ASSIGNEE).split())
    category = " ".join(get(ImportField.CATEGORY).split())
    for f, name, limit in ((ImportField.ASSIGNEE, assignee, NAME_MAX),
                           (ImportField.CATEGORY, category, CATEGORY_MAX)):
        if len(name) > limit:
            found.add(f, f"'{_short(name)}' is too long for a name (at most {limit} "
                         "characters)")
    return assignee, category


def _file_problems(table: CsvTable, plan: ImportPlan) -> list[Problem]:
    """Problems with the whole file or a whole column (row None)."""
    problems: list[Problem] = []
    if plan.mapping.column_of(ImportField.TITLE) is None:
        listed = ", ".join(f"'{h}'" for h in table.headers if h) or "none"
        problems.append(Problem(None, None, "no column holds the ticket title (expected "
                                "Subject, Title or Summary, or a text column to propose; "
                                f"the file's columns are {listed})", "column"))
    if not table.records:
        problems.append(Problem(None, None, "the file has a header line but no ticket rows"))
    for header in table.headers:
        if "\x00" in header:
            problems.append(Problem(None, header.replace("\x00", "\\0"),
                                    f"the header {NUL_REASON}"))
    for d in plan.dates:
        if d.ambiguous and d.chosen is None:
            problems.append(Problem(None, d.column, (
                f"dates such as '{d.example}' read both as DD/MM/YYYY and as MM/DD/YYYY"),
                "date"))
        elif d.detected is None and d.chosen is None and d.example:
            problems.append(Problem(None, d.column, (
                f"'{_short(d.example)}' is not a date in any format we know "
                "(ISO 8601, DD/MM/YYYY, MM/DD/YYYY, YYYY/MM/DD)")))
    return problems


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- mapping files ---------------------------------------------------------------------------

def options_from_mapping(data: Mapping[str, Any], base: ImportOptions) -> ImportOptions:
    """Read a MAP.json document (docs/import.md) over `base`; raises MappingError naming
    the key that is wrong."""
    def words(key: str, lookup: Any) -> dict[str, Any]:
        out = {}
        for theirs, ours in (data.get(key) or {}).items():
            value = lookup(str(ours))
            if value is None:
                raise MappingError(f"{key}: '{ours}' (for '{theirs}') is not one of ours")
            out[fold(str(theirs))] = value
        return out

    unknown = set(data) - {"columns", "status", "priority", "channel", "date_formats",
                           "date_format", "timezone", "encoding", "delimiter",
                           "default_requester"}
    if unknown:
        raise MappingError(f"unknown key(s) in the mapping file: {', '.join(sorted(unknown))}")
    columns: dict[ImportField, ColumnChoice] = {}
    for key, header in (data.get("columns") or {}).items():
        if isinstance(header, list):  # a title made of several columns
            columns[_field(key)] = tuple(str(h) for h in header) or None
        else:
            columns[_field(key)] = None if header in (None, "") else str(header)
    formats: dict[ImportField, DateFormat] = {}
    if data.get("date_format"):
        formats = dict.fromkeys(DATE_FIELDS, date_format(str(data["date_format"])))
    for key, fmt in (data.get("date_formats") or {}).items():
        formats[_field(key)] = date_format(str(fmt))
    return replace(
        base, columns={**base.columns, **columns},
        status_words={**base.status_words, **words("status", lambda w: lookup_status(w))},
        priority_words={**base.priority_words,
                        **words("priority", lambda w: lookup_priority(w))},
        channel_words={**base.channel_words,
                       **words("channel", lambda w: lookup_channel(w))},
        date_formats={**base.date_formats, **formats},
        tz=str(data.get("timezone") or base.tz),
        encoding=data.get("encoding") or base.encoding,
        delimiter=data.get("delimiter") or base.delimiter,
        default_requester=str(data.get("default_requester") or base.default_requester))


def load_mapping(text: str, base: ImportOptions) -> ImportOptions:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise MappingError(f"the mapping file is not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise MappingError("the mapping file must hold one JSON object")
    return options_from_mapping(data, base)


def with_word(options: ImportOptions, kind: str, assignment: str) -> ImportOptions:
    """`options` with one word mapped, from the command line's `--map-status
    OpenPending=waiting` (`kind` 'status', 'priority' or 'channel'); MappingError naming
    the argument when it is not WORD=OURS or OURS is not one of our values."""
    theirs, sep, ours = assignment.rpartition("=")
    flag = f"--map-{kind}"
    if not sep or not theirs.strip() or not ours.strip():
        raise MappingError(f"{flag} '{assignment}': write THEIR_WORD=OURS, e.g. "
                           f"{flag} {_EXAMPLES[kind]}")
    key = fold(theirs)
    if kind == "status":
        status = _ours(lookup_status(ours), flag, assignment, kind)
        return replace(options, status_words={**options.status_words, key: status})
    if kind == "priority":
        priority = _ours(lookup_priority(ours), flag, assignment, kind)
        return replace(options, priority_words={**options.priority_words, key: priority})
    channel = _ours(lookup_channel(ours), flag, assignment, kind)
    return replace(options, channel_words={**options.channel_words, key: channel})


def _ours(value: _V | None, flag: str, assignment: str, kind: str) -> _V:
    if value is None:
        ours = assignment.rpartition("=")[2]
        names = ", ".join(v.value for v in VOCABULARIES[kind])
        raise MappingError(f"{flag} '{assignment}': '{ours}' is not a {kind} of ours "
                           f"({names})")
    return value


_EXAMPLES = {"status": "OpenPending=waiting", "priority": "'Sev 2'=P2",
             "channel": "Other=portal"}


def _field(key: str) -> ImportField:
    try:
        return ImportField(key)
    except ValueError:
        names = ", ".join(f.value for f in ImportField)
        raise MappingError(f"'{key}' is not one of our fields ({names})") from None


def date_format(text: str) -> DateFormat:
    """'DD/MM/YYYY', 'dd/mm/yyyy', 'iso' ... -> the DateFormat; MappingError otherwise."""
    wanted = text.strip().upper().replace(" ", "")
    for fmt in DateFormat:
        if wanted in (fmt.value.replace(" ", ""), fmt.name):
            return fmt
    names = ", ".join(f.value for f in DateFormat)
    raise MappingError(f"'{text}' is not a date format we know ({names})")
