"""CSV import, pure part: encodings, delimiters, strict parsing, headers, words, dates."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from desk_app.domain.csv_import import (
    ImportOptions,
    convert,
    date_format,
    load_mapping,
    make_plan,
    with_word,
)
from desk_app.domain.csv_read import CsvFormatError, read_table
from desk_app.domain.enums import Channel, Priority, Status
from desk_app.domain.import_fields import ImportField, MappingError, auto_map
from desk_app.domain.import_values import (
    DateFormat,
    WordSource,
    detect_format,
    parse_date,
    resolve_channel,
    resolve_priority,
    resolve_status,
)

NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


def rows_of(text: str | bytes, options: ImportOptions | None = None):  # type: ignore[no-untyped-def]
    options = options or ImportOptions(tz="UTC")
    data = text.encode("utf-8") if isinstance(text, str) else text
    table = read_table(data, encoding=options.encoding, delimiter=options.delimiter)
    plan = make_plan(table, options)
    return convert(table, plan, options, now=NOW)


# -- encodings and parsing --------------------------------------------------------------------

@pytest.mark.parametrize(("data", "encoding", "bom"), [
    ("Subject\nCafé crème\n".encode(), "utf-8-sig", False),
    (b"\xef\xbb\xbf" + "Subject\nCafé crème\n".encode(), "utf-8-sig", True),
    ("Subject\nCafé crème\n".encode("cp1252"), "cp1252", False),
    ("Subject\nCafé crème\n".encode("latin-1"), "cp1252", False),
    ("Subject\nCafé crème\n".encode("utf-16"), "utf-16", True),
])
def test_each_supported_encoding_reads_the_same_text(data: bytes, encoding: str,
                                                     bom: bool) -> None:
    table = read_table(data)
    assert (table.encoding, table.had_bom) == (encoding, bom)
    assert table.headers == ("Subject",)
    assert table.records[0].cells == ("Café crème",)


def test_windows_1252_specials_are_read_as_1252() -> None:
    table = read_table("Subject\n“Quoted” – 5 €\n".encode("cp1252"))
    assert table.records[0].cells == ("“Quoted” – 5 €",)


def test_a_byte_neither_utf8_nor_1252_is_refused_with_its_line() -> None:
    with pytest.raises(CsvFormatError) as caught:
        read_table(b"Subject\nfine\nbad \x81 byte\n")
    assert caught.value.line == 3
    assert "0x81" in str(caught.value)


def test_a_chosen_encoding_that_does_not_fit_is_refused_with_its_line() -> None:
    with pytest.raises(CsvFormatError) as caught:
        read_table(b"Subject\n\xe9t\xe9\n", encoding="utf-8")
    assert caught.value.line == 2


def test_an_unclosed_quote_is_refused_with_the_line_it_opens_on() -> None:
    with pytest.raises(CsvFormatError) as caught:
        read_table(b'Subject,Description\nA,fine\nB,"never closed\nC,swallowed\n')
    assert caught.value.line == 3
    assert "never closed" in str(caught.value)


def test_a_stray_quote_inside_a_cell_is_refused() -> None:
    with pytest.raises(CsvFormatError) as caught:
        read_table(b'Subject,Description\n"A"x,fine\n')
    assert caught.value.line == 2


@pytest.mark.parametrize(("text", "delimiter"), [
    ("Subject;Status\nA, with comma;New\n", ";"),
    ("Subject\tStatus\nA;b,c\tNew\n", "\t"),
    ('"Sub;ject",Status\nA,New\n', ","),
    ("Subject|Status\nA|New\n", "|"),
])
def test_the_delimiter_is_guessed_from_the_header(text: str, delimiter: str) -> None:
    assert read_table(text.encode()).delimiter == delimiter


def test_quoted_newlines_and_crlf_keep_rows_and_row_numbers() -> None:
    table = read_table(b'Subject,Description\r\nA,"two\r\nlines"\r\n\r\nB,x\r\n')
    assert [(r.row, r.line) for r in table.records] == [(2, 2), (3, 5)]
    assert table.records[0].cells[1] == "two\r\nlines"


# -- headers ----------------------------------------------------------------------------------

@pytest.mark.parametrize("headers", [
    # osTicket
    ["Ticket Number", "Date Created", "Subject", "From", "From Email", "Priority",
     "Help Topic", "Current Status", "Agent Assigned", "Closed Date"],
    # Zendesk
    ["Id", "Requester", "Requester email", "Assignee", "Subject", "Status", "Priority",
     "Ticket type", "Created at", "Organization", "Solved at"],
    # Freshdesk
    ["Ticket ID", "Subject", "Description", "Status", "Priority", "Source", "Type", "Agent",
     "Created time", "Resolved time", "Closed time", "Full name", "Email", "Company Name"],
    # Jira Service Management
    ["Summary", "Issue key", "Issue Type", "Status", "Priority", "Assignee", "Reporter",
     "Created", "Resolved", "Description", "Organizations"],
    # GLPI
    ["ID", "Title", "Entity", "Status", "Opening date", "Priority", "Requester - Requester",
     "Assigned to - Technician", "Category", "Resolution date", "Closing date"],
    # a spreadsheet
    ["Title", "Description", "Status", "Priority", "Date created", "Requester", "E-mail",
     "Company", "Assigned to", "Category", "Closed"],
])
def test_usual_export_headers_are_recognised(headers: list[str]) -> None:
    mapping = auto_map(headers)
    mapped = {f for f in mapping.columns}
    assert {ImportField.TITLE, ImportField.STATUS, ImportField.PRIORITY, ImportField.CREATED,
            ImportField.REQUESTER, ImportField.ASSIGNEE} <= mapped
    assert mapping.ignored == ()  # every column of these exports has a place


def test_unknown_columns_are_listed_as_ignored() -> None:
    table = read_table(b"Subject,Tags,Satisfaction\nA,x,good\n")
    plan = make_plan(table, ImportOptions())
    assert plan.ignored == ("Tags", "Satisfaction")


def test_a_mapping_overrides_recognition_and_a_missing_column_is_named() -> None:
    mapping = auto_map(["Headline", "Subject"], {ImportField.TITLE: "headline"})
    assert mapping.column_of(ImportField.TITLE) == 0
    assert mapping.ignored == (1,)
    with pytest.raises(MappingError, match="no such column"):
        auto_map(["Subject"], {ImportField.TITLE: "Headline"})


# -- words ------------------------------------------------------------------------------------

def test_status_and_priority_words_map_to_ours() -> None:
    rows, problems = rows_of("Subject,Status,Priority\nA,Pending,Urgent\nB,Solved,Low\n"
                             "C,On-hold,Normal\nD,waiting_third_party,P2\n")
    assert problems == []
    assert [(r.status, r.priority) for r in rows] == [
        (Status.WAITING_CUSTOMER, Priority.P1), (Status.RESOLVED, Priority.P4),
        (Status.WAITING_CUSTOMER, Priority.P3), (Status.WAITING_THIRD_PARTY, Priority.P2)]


def test_unknown_words_get_a_guess_by_meaning_and_refuse_no_row() -> None:
    """Vocabulary is not malformed data: 'OpenPending' (Freshdesk), 'Other' (osTicket)
    refused the whole file before; now each gets the value its meaning suggests."""
    text = ("Subject,Status,Priority,Source\n"
            "A,OpenPending,Critical (P1),Other\n"
            "B,Waiting for Supplier,Sev 2,Outbound Email\n"
            "C,Closed - Duplicate,Not urgent,Voicemail\n"
            "D,Complete,Important,Mobile app\n"
            "E,Working on it,whatever,Telegram\n"
            "F,OpenPending,Normal,Email\n")
    rows, problems = rows_of(text)
    assert problems == []
    assert [(r.status, r.priority, r.channel) for r in rows] == [
        (Status.WAITING_CUSTOMER, Priority.P1, Channel.EMAIL),
        (Status.WAITING_THIRD_PARTY, Priority.P2, Channel.EMAIL),
        (Status.CLOSED, Priority.P4, Channel.PHONE),
        (Status.RESOLVED, Priority.P2, Channel.PORTAL),
        (Status.IN_PROGRESS, Priority.P3, Channel.CHAT),
        (Status.WAITING_CUSTOMER, Priority.P3, Channel.EMAIL)]
    assert rows[0].original_status == "OpenPending"  # kept for the history


@pytest.mark.parametrize(("word", "status"), [
    ("pending", Status.WAITING_CUSTOMER), ("Hold", Status.WAITING_CUSTOMER),
    ("OpenPending", Status.WAITING_CUSTOMER), ("Awaiting vendor", Status.WAITING_THIRD_PARTY),
    ("third-party", Status.WAITING_THIRD_PARTY), ("solved", Status.RESOLVED),
    ("Complete", Status.RESOLVED), ("closed", Status.CLOSED), ("Won't Do", Status.CLOSED),
    ("todo", Status.NEW), ("Open", Status.NEW), ("Newly created", Status.NEW),
    ("Working", Status.IN_PROGRESS), ("Assigned", Status.IN_PROGRESS),
    ("In Review", Status.IN_PROGRESS), ("Customer responded", Status.IN_PROGRESS),
])
def test_status_words_by_meaning(word: str, status: Status) -> None:
    assert resolve_status(word)[0] is status


@pytest.mark.parametrize(("word", "priority"), [
    ("urgent", Priority.P1), ("CRITICAL", Priority.P1), ("highest", Priority.P1),
    ("Critical (P1)", Priority.P1), ("Sev1", Priority.P1), ("High impact", Priority.P2),
    ("P2 - High", Priority.P2), ("Moderate", Priority.P3), ("Cosmetic", Priority.P4),
    ("Not urgent", Priority.P4), ("5 - Planning", Priority.P4),
])
def test_priority_words_by_meaning(word: str, priority: Priority) -> None:
    assert resolve_priority(word)[0] is priority


def test_how_each_word_got_its_value_is_kept_for_the_user() -> None:
    custom = {"openpending": Status.IN_PROGRESS}
    assert resolve_status("Pending") == (Status.WAITING_CUSTOMER, WordSource.KNOWN)
    assert resolve_status("OpenPending") == (Status.WAITING_CUSTOMER, WordSource.GUESSED)
    assert resolve_status("OPENPENDING", custom) == (Status.IN_PROGRESS, WordSource.CHOSEN)
    assert resolve_status("Zzz") == (Status.NEW, WordSource.FALLBACK)
    assert resolve_priority("Zzz") == (Priority.P3, WordSource.FALLBACK)
    assert resolve_channel("Other") == (Channel.EMAIL, WordSource.FALLBACK)
    assert resolve_channel("unknown") == (Channel.EMAIL, WordSource.FALLBACK)


def test_the_plan_lists_every_word_with_its_count_and_flags_the_guesses() -> None:
    table = read_table(b"Subject,Status,Source\nA,OpenPending,Other\nB,OpenPending,Web\n"
                       b"C,Open,Other\nD,Blah,Other\n")
    plan = make_plan(table, ImportOptions(tz="UTC"))
    assert [w.text for w in plan.status_values] == [
        "Blah → New (1 row), no match, the neutral default",
        "Open → New (1 row)",
        "OpenPending → Waiting on customer (2 rows), guessed"]
    assert [w.text for w in plan.channel_values] == [
        "Other → Email (3 rows), no match, the neutral default", "Web → Portal (1 row)"]
    assert [w.word for w in plan.guesses] == ["Blah", "OpenPending", "Other"]


def test_mapped_words_win_over_the_guess_from_a_file_and_the_command_line() -> None:
    text = "Subject,Status,Priority,Source\nA,OpenPending,Sehr hoch,Other\nB,New,High,Fax\n"
    options = load_mapping('{"status": {"OpenPending": "in_progress"}, '
                           '"priority": {"Sehr hoch": "P1"}, "channel": {"Fax": "phone"}}',
                           ImportOptions(tz="UTC"))
    options = with_word(options, "channel", "Other=walk_in")
    rows, problems = rows_of(text, options)
    assert problems == []
    assert [(r.status, r.priority, r.channel) for r in rows] == [
        (Status.IN_PROGRESS, Priority.P1, Channel.WALK_IN),
        (Status.NEW, Priority.P2, Channel.PHONE)]
    plan = make_plan(read_table(text.encode()), options)
    assert plan.guesses == ()
    assert plan.status_values[1].text == "OpenPending → In progress (1 row), as mapped"


def test_a_command_line_word_must_name_one_of_ours() -> None:
    options = ImportOptions()
    assert with_word(options, "status", "OpenPending=waiting").status_words == {
        "openpending": Status.WAITING_CUSTOMER}
    assert with_word(options, "priority", "a=b=P2").priority_words == {"a b": Priority.P2}
    with pytest.raises(MappingError, match="--map-status 'OpenPending': write THEIR_WORD=OURS"):
        with_word(options, "status", "OpenPending")
    with pytest.raises(MappingError, match="'later' is not a status of ours"):
        with_word(options, "status", "OpenPending=later")


def test_a_mapping_file_with_an_unknown_word_of_ours_is_refused() -> None:
    with pytest.raises(MappingError, match="'P9'"):
        load_mapping('{"priority": {"Sehr hoch": "P9"}}', ImportOptions())
    with pytest.raises(MappingError, match="unknown key"):
        load_mapping('{"colums": {}}', ImportOptions())


# -- dates ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "fmt", "expected"), [
    ("2026-07-10", DateFormat.ISO, datetime(2026, 7, 9, 22, 0, tzinfo=UTC)),
    ("2026-07-10T14:30:00", DateFormat.ISO, datetime(2026, 7, 10, 12, 30, tzinfo=UTC)),
    ("2026-07-10 14:30:00Z", DateFormat.ISO, datetime(2026, 7, 10, 14, 30, tzinfo=UTC)),
    ("2026-07-10T14:30:00-04:00", DateFormat.ISO, datetime(2026, 7, 10, 18, 30, tzinfo=UTC)),
    ("10/07/2026 14:30", DateFormat.DMY, datetime(2026, 7, 10, 12, 30, tzinfo=UTC)),
    ("10.07.2026 14:30:15", DateFormat.DMY, datetime(2026, 7, 10, 12, 30, 15, tzinfo=UTC)),
    ("07/10/2026 02:30 PM", DateFormat.MDY, datetime(2026, 7, 10, 12, 30, tzinfo=UTC)),
    ("7/10/2026 12:05 am", DateFormat.MDY, datetime(2026, 7, 9, 22, 5, tzinfo=UTC)),
    ("2026/07/10 14:30", DateFormat.YMD, datetime(2026, 7, 10, 12, 30, tzinfo=UTC)),
    ("12/01/2026 09:00", DateFormat.DMY, datetime(2026, 1, 12, 8, 0, tzinfo=UTC)),  # CET
])
def test_each_supported_date_format(text: str, fmt: DateFormat, expected: datetime) -> None:
    assert parse_date(text, fmt, BERLIN) == expected


@pytest.mark.parametrize(("text", "fmt"), [
    ("31/02/2026", DateFormat.DMY), ("13/13/2026", DateFormat.MDY),
    ("07/10/2026 13:30 PM", DateFormat.MDY), ("2026-07-10", DateFormat.DMY),
    ("yesterday", DateFormat.ISO),
])
def test_values_that_do_not_fit_a_format_are_not_dates(text: str, fmt: DateFormat) -> None:
    assert parse_date(text, fmt, BERLIN) is None


def test_a_column_that_reads_both_ways_is_ambiguous_until_one_value_decides() -> None:
    assert detect_format(["10/07/2026", "12/08/2026"], BERLIN) == (DateFormat.DMY, True)
    assert detect_format(["10/07/2026", "14/08/2026"], BERLIN) == (DateFormat.DMY, False)
    assert detect_format(["10/07/2026", "08/14/2026 01:00 PM"], BERLIN) == (
        DateFormat.MDY, False)
    assert detect_format(["2026-07-10"], BERLIN) == (DateFormat.ISO, False)


def test_an_ambiguous_column_is_a_problem_until_the_user_chooses() -> None:
    text = "Subject,Created\nA,10/07/2026 10:00\nB,11/07/2026 10:00\n"
    _rows, problems = rows_of(text)
    assert [(p.row, p.column, p.fix) for p in problems] == [(None, "Created", "date")]
    assert "'10/07/2026 10:00'" in problems[0].message
    chosen = ImportOptions(tz="UTC", date_formats={ImportField.CREATED: DateFormat.MDY})
    rows, problems = rows_of(text, chosen)
    assert problems == []
    assert rows[0].created_at == datetime(2026, 10, 7, 10, 0, tzinfo=UTC)


def test_date_format_names_are_read_loosely() -> None:
    assert date_format("dd/mm/yyyy") is DateFormat.DMY
    assert date_format("iso") is DateFormat.ISO
    with pytest.raises(MappingError):
        date_format("DD-MM-YY")


# -- rows -------------------------------------------------------------------------------------

def test_a_file_with_errors_reports_every_row_and_converts_none_of_them() -> None:
    text = ("Subject,Status,Created,Resolved,Email\n"
            "Fine,New,2026-01-05 10:00,,a@example.com\n"
            ",New,2026-01-05 10:00,,\n"                       # row 3: no title
            "Bad date,New,2026-13-45,,\n"                     # row 4
            "Future,New,2027-01-01 10:00,,\n"                 # row 5
            "Early,Solved,2026-01-05 10:00,2026-01-04 10:00,\n"  # row 6
            "Mail,New,2026-01-05 10:00,,not-an-address\n"     # row 7
            "Short,New\n"                                      # row 8
            "Long,New,2026-01-05 10:00,,,extra\n")             # row 9
    rows, problems = rows_of(text)
    assert [(p.row, p.column) for p in problems] == [
        (3, "Subject"), (4, "Created"), (5, "Created"), (6, "Resolved"), (7, "Email"),
        (8, None), (8, "Created"), (9, None)]
    assert len(rows) == 1  # the service refuses to write while problems remain


def test_a_phone_too_long_or_not_a_number_is_a_problem_not_cut() -> None:
    long_phone = "+49 30 1234 5678 9012 3456 7890 1234 5678 90"  # 44 characters
    rows, problems = rows_of("Subject,Phone\n"
                             "Fits,+1 555 0100 ext. 12\n"
                             f"Long,{long_phone}\n"
                             "Text,ask reception\n")
    assert [(p.row, p.column, p.message) for p in problems] == [
        (3, "Phone", f"'{long_phone}' is not a phone number"),
        (4, "Phone", "'ask reception' is not a phone number")]
    assert [r.phone for r in rows] == ["+1 555 0100 ext. 12"]


def test_a_description_longer_than_a_ticket_takes_is_a_problem() -> None:
    from desk_app.domain.ticket import DESCRIPTION_MAX

    fits, too_long = "x" * DESCRIPTION_MAX, "y" * (DESCRIPTION_MAX + 1)
    rows, problems = rows_of(f"Subject,Description\nA,{fits}\nB,{too_long}\n")
    assert [(p.row, p.column, p.message) for p in problems] == [
        (3, "Description", f"at most {DESCRIPTION_MAX:,} characters (this one has "
                           f"{DESCRIPTION_MAX + 1:,})")]
    assert [len(r.description) for r in rows] == [DESCRIPTION_MAX]


def test_names_are_checked_against_their_columns_limits() -> None:
    from desk_app.domain.ticket import CATEGORY_MAX, NAME_MAX, TITLE_MAX

    rows, problems = rows_of(
        "Subject,Requester,Company,Agent,Category\n"
        f"{'t' * TITLE_MAX},{'r' * NAME_MAX},{'o' * NAME_MAX},{'a' * NAME_MAX},"
        f"{'c' * CATEGORY_MAX}\n"
        f"{'t' * (TITLE_MAX + 1)},{'r' * (NAME_MAX + 1)},{'o' * (NAME_MAX + 1)},"
        f"{'a' * (NAME_MAX + 1)},{'c' * (CATEGORY_MAX + 1)}\n")
    assert [(p.row, p.column) for p in problems] == [
        (3, "Subject"), (3, "Requester"), (3, "Company"), (3, "Agent"), (3, "Category")]
    assert problems[0].message == f"at most {TITLE_MAX} characters (this one has 201)"
    assert problems[-1].message.endswith(f"(at most {CATEGORY_MAX} characters)")
    assert len(rows) == 1


def test_a_row_without_requester_uses_the_email_or_the_default() -> None:
    rows, problems = rows_of("Subject,Requester,Email\nA,,ann@example.com\nB,,\n")
    assert problems == []
    assert [r.requester for r in rows] == ["ann@example.com", "Unknown requester"]


def test_the_imported_event_changes_no_clock() -> None:
    import json

    from desk_app.domain.enums import EventKind
    from desk_app.domain.sla_clock import HistoryEvent, replay
    from tests.domain.test_sla_clock import setup_9_to_17

    created = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    history = [HistoryEvent(created, EventKind.CREATED,
                            new_value=json.dumps({"priority": "P2", "status": "new"}))]
    imported = [*history, HistoryEvent(datetime(2026, 11, 10, 9, 0, tzinfo=UTC),
                                       EventKind.IMPORTED, new_value="old.csv")]
    setup = setup_9_to_17()
    assert replay(imported, setup, NOW) == replay(history, setup, NOW)


def test_words_and_headers_fold_the_same_way() -> None:
    """One normaliser: underscores fold like hyphens, accented letters are kept."""
    from desk_app.domain.import_values import fold, lookup_status

    assert lookup_status("on_hold") is Status.WAITING_CUSTOMER
    assert lookup_status("On-Hold") is Status.WAITING_CUSTOMER
    assert fold("Priorité") == "priorité"
    assert fold(" Date_Created ") == fold("DATE-CREATED") == "date created"
    mapping = auto_map(["Priorité", "Sujet"], {ImportField.PRIORITY: "PRIORITÉ",
                                               ImportField.TITLE: "sujet"})
    assert (mapping.column_of(ImportField.PRIORITY), mapping.column_of(ImportField.TITLE)) \
        == (0, 1)
    # Headers in another script are not all folded to "" (which took the first column).
    mapping = auto_map(["Тема", "Статус"], {ImportField.TITLE: "тема",
                                            ImportField.STATUS: "СТАТУС"})
    assert (mapping.column_of(ImportField.TITLE), mapping.column_of(ImportField.STATUS)) \
        == (0, 1)


# -- a title for files without a title column ------------------------------------------------

TRACKER = ("Ticket ID,Issue Type,Status,Labels,Sprint,Story Points\n"
           "123,Bug,Open,hardware,Sprint 41,3\n124,Task,Open,access,Sprint 41,1\n"
           "125,Bug,Open,network,Sprint 41,5\n126,Story,Done,access,Sprint 42,2\n"
           "127,Bug,Open,hardware,Sprint 42,3\n")


def test_without_a_title_column_type_and_id_make_the_title_and_the_plan_says_so() -> None:
    plan = make_plan(read_table(TRACKER.encode()), ImportOptions(tz="UTC"))
    assert plan.title is not None
    assert plan.title.label == "Issue Type + Ticket ID"
    assert plan.title.text == ("No Subject, Title or Summary column: the title is made of "
                               "'Issue Type' and 'Ticket ID', e.g. 'Bug #123' (proposed)")
    rows, problems = rows_of(TRACKER)
    assert problems == []
    assert [r.title for r in rows] == ["Bug #123", "Task #124", "Bug #125", "Story #126",
                                       "Bug #127"]
    assert rows[0].category == "Bug" and rows[0].external_id == "123"  # still both


def test_without_a_title_column_the_best_text_column_is_proposed() -> None:
    text = ("Ref,Kind,Headline,Contact,When\n"
            "1,Incident,Printer jams on floor 2,ann@example.com,2026-11-02\n"
            "2,Incident,VPN drops every hour,ben@example.com,2026-11-03\n"
            "3,Request,New laptop for Carla,carla@example.com,2026-11-04\n")
    plan = make_plan(read_table(text.encode()), ImportOptions(tz="UTC"))
    assert plan.title is not None and plan.title.names == ("Headline",)
    assert "taken from 'Headline', the column that reads most like titles, e.g. " \
           "'Printer jams on floor 2'" in plan.title.text
    assert "Headline" not in plan.ignored
    rows, problems = rows_of(text)
    assert problems == [] and rows[2].title == "New laptop for Carla"


def test_the_proposed_title_gives_way_to_the_mapping() -> None:
    one = load_mapping('{"columns": {"title": "Labels"}}', ImportOptions(tz="UTC"))
    rows, _problems = rows_of(TRACKER, one)
    assert rows[0].title == "hardware"
    assert make_plan(read_table(TRACKER.encode()), one).title is None
    both = load_mapping('{"columns": {"title": ["Sprint", "Ticket ID"]}}',
                        ImportOptions(tz="UTC"))
    rows, _problems = rows_of(TRACKER, both)
    assert rows[0].title == "Sprint 41 #123"
    none = load_mapping('{"columns": {"title": null}}', ImportOptions(tz="UTC"))
    _rows, problems = rows_of(TRACKER, none)
    assert [p.fix for p in problems] == ["column"]
    assert "no column holds the ticket title" in problems[0].message
    with pytest.raises(MappingError, match="only the title"):
        rows_of(TRACKER, ImportOptions(tz="UTC", columns={ImportField.STATUS: ("A", "B")}))


def test_columns_of_codes_dates_or_few_repeated_words_are_not_proposed() -> None:
    text = ("Code,Opened on,Team,Mail\n"
            "A1,2026-11-02,Support,a@example.com\nA2,2026-11-03,Support,b@example.com\n"
            "A3,2026-11-03,Network,c@example.com\nA4,2026-11-04,Support,d@example.com\n"
            "A5,2026-11-05,Network,e@example.com\n")
    plan = make_plan(read_table(text.encode()), ImportOptions(tz="UTC"))
    assert plan.title is None
    _rows, problems = rows_of(text)
    assert "no column holds the ticket title" in problems[0].message
