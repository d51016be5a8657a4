"""Reading a CSV file someone else made: guess its encoding and delimiter, parse it strictly.

Spreadsheets and other help desks write CSV in many dialects. What this module promises is
that a file is either read completely and exactly, or refused with the line that is wrong:
an undecodable byte, an unclosed quote or a stray quote never leads to a half-read file
(Python's csv module in its default mode silently reads an unclosed quote to the end of the
file, swallowing every row after it).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import overload

from desk_app.domain import limits
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
    records: Sequence[CsvRecord]  # a tuple, or FileRecords re-reading the file on each pass

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
    return _split_header(_parse_lines(io.StringIO(text, newline=""), delimiter=delimiter))


def _split_header(parsed: Iterable[CsvRecord]) -> tuple[tuple[str, ...], tuple[CsvRecord, ...]]:
    items = iter(parsed)
    header = next(items, None)
    if header is None:
        raise CsvFormatError("the file is empty: no header line")
    records: list[CsvRecord] = []
    for record in items:
        if len(records) >= limits.IMPORT_MAX_ROWS:
            raise CsvFormatError("the file has more than "
                                 f"{limits.IMPORT_MAX_ROWS:,} rows (the limit)")
        records.append(record)
    return header.cells, tuple(records)


def _parse_lines(lines: Iterable[str], *, delimiter: str) -> Iterator[CsvRecord]:
    """The header (as row 1, its names' spaces collapsed), then each data record, parsed
    strictly one by one: nothing but the current record is held."""
    csv.field_size_limit(limits.IMPORT_MAX_CELL_CHARS)  # process-wide; only imports read CSV
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    header_seen = False
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
        if not header_seen:
            header_seen = True
            yield CsvRecord(row=1, line=start, cells=tuple(" ".join(c.split()) for c in cells))
            continue
        row += 1
        yield CsvRecord(row=row, line=start, cells=tuple(cells))


def _explain(message: str) -> str:
    if "unexpected end of data" in message:
        return "a quoted cell that starts on this line is never closed (a missing \")"
    if "expected after" in message:
        return f"a quote inside a cell is not doubled ({message})"
    if "field larger than field limit" in message:
        return (f"a cell is longer than {limits.IMPORT_MAX_CELL_CHARS:,} characters "
                "(the limit for one cell)")
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


# -- reading a file from disk, in passes ----------------------------------------------------

_READ_BYTES = 1 << 20  # decoded and parsed a megabyte at a time
_EOL = re.compile(r"(\r\n|\r|\n)")


class _Undecodable(Exception):
    def __init__(self, byte: int, line: int) -> None:
        super().__init__(byte, line)
        self.byte, self.line = byte, line


def _text_chunks(path: Path, codec: str) -> Iterator[str]:
    """The file's text a megabyte at a time; _Undecodable with the byte and its line."""
    decoder = codecs.getincrementaldecoder(codec)("strict")
    lines_before = 0
    with path.open("rb") as f:
        while True:
            chunk = f.read(_READ_BYTES)
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                at = max(0, min(exc.start, len(chunk) - 1))
                byte = chunk[at] if chunk else 0
                raise _Undecodable(byte, lines_before + chunk.count(b"\n", 0, at) + 1) \
                    from exc
            lines_before += chunk.count(b"\n")
            if text:
                yield text
            if not chunk:
                return


def _lines(chunks: Iterable[str]) -> Iterator[str]:
    """Physical lines with their endings (\\r\\n, \\r or \\n, as io.StringIO(newline="")
    splits them), however the chunks cut them; a line longer than the limit is refused
    rather than held (a file without line breaks)."""
    pending = ""
    line = 1
    for text in chunks:
        pending += text
        held = "\r" if pending.endswith("\r") else ""  # a \n may follow in the next chunk
        parts = _EOL.split(pending[:-1] if held else pending)
        for i in range(0, len(parts) - 1, 2):
            _check_length(parts[i], line)
            yield parts[i] + parts[i + 1]
            line += 1
        pending = parts[-1] + held
        _check_length(pending, line)
    if pending:
        yield pending


def _check_length(text: str, line: int) -> None:
    if len(text) > limits.IMPORT_MAX_LINE_CHARS:
        raise CsvFormatError(f"the line is longer than {limits.IMPORT_MAX_LINE_CHARS:,} "
                             "characters (the limit): is this a CSV file?", line=line)


class FileRecords(Sequence[CsvRecord]):
    """The records of a checked file, read again from disk on each pass: memory stays flat
    in the file's size (issue 11: a 206 MB file held 3.25 GB when kept as a list). Indexing
    reads from the start, for the preview's first rows only. A file changed on disk since
    the check is refused rather than read differently."""

    def __init__(self, path: Path, *, codec: str, delimiter: str, count: int,
                 stamp: tuple[int, int]) -> None:
        self._path, self._codec, self._delimiter = path, codec, delimiter
        self._count, self._stamp = count, stamp

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[CsvRecord]:
        if _stamp(self._path) != self._stamp:
            raise CsvFormatError(f"{self._path.name} changed on disk since it was checked; "
                                 "check it again")
        parsed = _parse_lines(_lines(_text_chunks(self._path, self._codec)),
                              delimiter=self._delimiter)
        next(parsed, None)  # the header
        try:
            yield from parsed
        except _Undecodable as exc:  # cannot happen to an unchanged file
            raise CsvFormatError("the file changed on disk since it was checked",
                                 line=exc.line) from exc

    @overload
    def __getitem__(self, index: int) -> CsvRecord: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[CsvRecord]: ...

    def __getitem__(self, index: int | slice) -> CsvRecord | Sequence[CsvRecord]:
        if isinstance(index, slice):
            if index.step not in (None, 1) or (index.start or 0) < 0 \
                    or (index.stop is not None and index.stop < 0):
                raise IndexError("only a plain prefix or range of the records")
            return tuple(islice(self, index.start or 0, index.stop))
        if index < 0:
            index += self._count
        found = next(islice(self, index, index + 1), None)
        if found is None:
            raise IndexError(index)
        return found


def _stamp(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_size, info.st_mtime_ns


def open_table(path: Path, *, encoding: str | None = None,
               delimiter: str | None = None) -> CsvTable:
    """Check a file on disk in one streaming pass (decoding, quoting, limits) and return it
    with records that are read again on each later pass; OSError or CsvFormatError naming
    the line at fault or the limit passed. The encoding and the delimiter are guessed from
    the first 64 KB (a byte that is not UTF-8 further on switches to Windows-1252)."""
    size = path.stat().st_size
    if size > limits.IMPORT_MAX_BYTES:
        raise CsvFormatError(f"the file is {size:,} bytes ({size / 1e6:,.1f} MB); the limit "
                             f"is {limits.IMPORT_MAX_BYTES:,} bytes")
    with path.open("rb") as f:
        prefix = f.read(limits.SNIFF_BYTES)
    stamp = _stamp(path)
    if encoding:
        codecs_to_try = ["utf-8-sig" if encoding.replace("_", "-").lower() in ("utf-8", "utf8")
                         else encoding]
        bom = prefix.startswith(_BOMS.get(codecs_to_try[0], b"\0\0\0\0"))
    elif prefix.startswith(b"\xef\xbb\xbf"):
        codecs_to_try, bom = ["utf-8-sig"], True
    elif prefix.startswith((b"\xff\xfe", b"\xfe\xff")):
        codecs_to_try, bom = ["utf-16"], True
    else:
        codecs_to_try, bom = ["utf-8-sig", "cp1252"], False
    try:
        codecs.lookup(codecs_to_try[0])
    except LookupError as exc:
        raise CsvFormatError(f"unknown encoding '{codecs_to_try[0]}'") from exc
    for codec in codecs_to_try:
        try:
            head = "".join(islice(_text_chunks(path, codec), 1))[:limits.SNIFF_BYTES]
            chosen = delimiter or sniff_delimiter(head.removeprefix("\ufeff"))
            headers, count = _check(path, codec, chosen)
        except _Undecodable as exc:
            if codec == codecs_to_try[-1]:
                said = ("can be read neither as UTF-8 nor as Windows-1252; save the file as "
                        "UTF-8, or choose its encoding") if len(codecs_to_try) > 1 else \
                    f"is not valid {ENCODINGS.get(codec, codec)}; choose the file's encoding"
                raise CsvFormatError(f"byte 0x{exc.byte:02X} {said}", line=exc.line) from None
            continue
        return CsvTable(encoding=codec, had_bom=bom, delimiter=chosen, headers=headers,
                        records=FileRecords(path, codec=codec, delimiter=chosen, count=count,
                                            stamp=stamp))
    raise AssertionError("unreachable")  # the loop returns or raises


def _check(path: Path, codec: str, delimiter: str) -> tuple[tuple[str, ...], int]:
    """The header and the number of records, reading the whole file once."""
    parsed = _parse_lines(_lines(_text_chunks(path, codec)), delimiter=delimiter)
    header = next(parsed, None)
    if header is None:
        raise CsvFormatError("the file is empty: no header line")
    count = 0
    for _record in parsed:
        count += 1
        if count > limits.IMPORT_MAX_ROWS:
            raise CsvFormatError(f"the file has more than {limits.IMPORT_MAX_ROWS:,} rows "
                                 "(the limit)")
    return header.cells, count
