"""Reading a CSV file someone else made: guess its encoding and delimiter, parse it strictly.

Spreadsheets and other help desks write CSV in many dialects. What this module promises is
that a file is either read completely and exactly, or refused with the line that is wrong:
an undecodable byte, an unclosed quote or a stray quote never leads to a half-read file
(Python's csv module in its default mode silently reads an unclosed quote to the end of the
file, swallowing every row after it).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from desk_app.domain.errors import DeskError

# Offered to the user as overrides, in this order; the key is Python's codec name.
ENCODINGS: dict[str, str] = {
    "utf-8-sig": "UTF-8",
    "cp1252": "Windows-1252 (Western European)",
    "latin-1": "ISO-8859-1 (Latin-1)",
    "utf-16": "UTF-16",
    "shift_jis": "Shift_JIS (Japanese)",
}
DELIMITERS: dict[str, str] = {",": "Comma", ";": "Semicolon", "\t": "Tab", "|": "Vertical bar"}


class CsvFormatError(DeskError):
    """The file cannot be read as CSV; `line` is the physical line (1-based) at fault."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line


@dataclass(frozen=True)
class CsvRecord:
    """One data record: its row number as a spreadsheet shows it (the header is row 1),
    the physical line it starts on, and its cells."""

    row: int
    line: int
    cells: tuple[str, ...]


@dataclass(frozen=True)
class CsvTable:
    """A whole file, read and checked. `encoding` is a key of ENCODINGS or a codec name."""

    encoding: str
    had_bom: bool
    delimiter: str
    headers: tuple[str, ...]
    records: tuple[CsvRecord, ...]

    @property
    def description(self) -> str:
        """'UTF-8 with BOM, semicolon-separated, 3 rows', for the dialog and the CLI."""
        name = ENCODINGS.get(self.encoding, self.encoding).split(" (")[0]
        bom = " with BOM" if self.had_bom else ""
        sep = DELIMITERS.get(self.delimiter, repr(self.delimiter)).lower()
        return f"{name}{bom}, {sep}-separated, {plural(len(self.records), 'row')}"


def plural(n: int, noun: str) -> str:
    """'1 new contact', '3 new contacts' (for the import's messages)."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str, bool]:
    """The text of the file, the encoding used and whether it had a byte-order mark.

    Without a choice: a UTF-8 or UTF-16 BOM decides; else strict UTF-8; else Windows-1252
    (which also reads Latin-1 files, apart from the rarely used C1 controls). A byte that
    neither can read is refused with its line: guessing further would import garbage.
    """
    if encoding:
        codec = "utf-8-sig" if encoding.replace("_", "-").lower() in ("utf-8", "utf8") \
            else encoding
        return _strict(data, codec), codec, data.startswith(_BOMS.get(codec, b"\0\0\0\0"))
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(data, "utf-8-sig"), "utf-8-sig", True
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(data, "utf-16"), "utf-16", True
    try:
        return data.decode("utf-8"), "utf-8-sig", False
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252", False
    except UnicodeDecodeError as exc:
        raise CsvFormatError(
            f"byte 0x{data[exc.start]:02X} can be read neither as UTF-8 nor as Windows-1252; "
            "save the file as UTF-8, or choose its encoding",
            line=data.count(b"\n", 0, exc.start) + 1) from exc


_BOMS = {"utf-8-sig": b"\xef\xbb\xbf", "utf-16": b"\xff\xfe"}


def _strict(data: bytes, codec: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise CsvFormatError(
            f"byte 0x{data[exc.start]:02X} is not valid {ENCODINGS.get(codec, codec)}; "
            "choose the file's encoding", line=line) from exc
    except LookupError as exc:
        raise CsvFormatError(f"unknown encoding '{codec}'") from exc


def sniff_delimiter(text: str) -> str:
    """The candidate that occurs most often in the header line, outside quotes (comma on a
    tie or when there is none: a one-column file)."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for ch in text[:65536]:
        if ch == '"':
            quoted = not quoted
        elif not quoted:
            if ch in "\r\n":
                break
            if ch in counts:
                counts[ch] += 1
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def parse(text: str, *, delimiter: str) -> tuple[tuple[str, ...], tuple[CsvRecord, ...]]:
    """Headers and records, strictly (RFC 4180 quoting with "" escapes). Blank lines are
    skipped; rows may have any number of cells (the caller checks them)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    headers: tuple[str, ...] | None = None
    records: list[CsvRecord] = []
    row = 1
    next_line = 1
    while True:
        start = next_line
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise CsvFormatError(_explain(str(exc)), line=start) from exc
        next_line = reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue
        if headers is None:
            headers = tuple(" ".join(c.split()) for c in cells)
            continue
        row += 1
        records.append(CsvRecord(row=row, line=start, cells=tuple(cells)))
    if headers is None:
        raise CsvFormatError("the file is empty: no header line")
    return headers, tuple(records)


def _explain(message: str) -> str:
    if "unexpected end of data" in message:
        return "a quoted cell that starts on this line is never closed (a missing \")"
    if "expected after" in message:
        return f"a quote inside a cell is not doubled ({message})"
    if "NUL" in message:
        return "the file contains NUL bytes: it is not a text CSV file (or not UTF-8/1252)"
    return message


def read_table(data: bytes, *, encoding: str | None = None,
               delimiter: str | None = None) -> CsvTable:
    """Decode and parse a whole file; raises CsvFormatError naming the line at fault."""
    text, codec, bom = decode(data, encoding)
    text = text.removeprefix("\ufeff")
    chosen = delimiter or sniff_delimiter(text)
    headers, records = parse(text, delimiter=chosen)
    return CsvTable(encoding=codec, had_bom=bom, delimiter=chosen, headers=headers,
                    records=records)
