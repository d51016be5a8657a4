"""The ticket fields an import fills, and the column names other tools export them under.

Headers are compared after folding case and punctuation with import_values.fold, like the
status and priority words ("Date Created", "date_created" and "DATE-CREATED" are the
same), so one alias list covers osTicket, Zendesk, Freshdesk, Jira Service Management,
GLPI and hand-made spreadsheets. docs/import.md lists them for users.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from desk_app.domain.errors import DeskError
from desk_app.domain.import_values import fold


class ImportField(StrEnum):
    """A field of ours a CSV column can fill; the value is the key in mapping files."""

    TITLE = "title"
    DESCRIPTION = "description"
    STATUS = "status"
    PRIORITY = "priority"
    CREATED = "created"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REQUESTER = "requester"
    EMAIL = "email"
    PHONE = "phone"
    ORGANIZATION = "organization"
    ASSIGNEE = "assignee"
    CATEGORY = "category"
    CHANNEL = "channel"
    EXTERNAL_ID = "external_id"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    ImportField.TITLE: "Title", ImportField.DESCRIPTION: "Description",
    ImportField.STATUS: "Status", ImportField.PRIORITY: "Priority",
    ImportField.CREATED: "Created", ImportField.RESOLVED: "Resolved",
    ImportField.CLOSED: "Closed", ImportField.REQUESTER: "Requester",
    ImportField.EMAIL: "Requester email", ImportField.PHONE: "Requester phone",
    ImportField.ORGANIZATION: "Organization", ImportField.ASSIGNEE: "Assignee",
    ImportField.CATEGORY: "Category", ImportField.CHANNEL: "Channel",
    ImportField.EXTERNAL_ID: "ID in the old system",
}
DATE_FIELDS = (ImportField.CREATED, ImportField.RESOLVED, ImportField.CLOSED)

# Folded header names (import_values.fold), most specific first within a field.
HEADER_ALIASES: Mapping[ImportField, tuple[str, ...]] = {
    ImportField.TITLE: ("subject", "title", "summary", "ticket subject", "ticket title",
                        "issue summary", "short description"),
    ImportField.DESCRIPTION: ("description", "ticket description", "issue description",
                              "body", "details", "message", "content"),
    ImportField.STATUS: ("status", "ticket status", "current status", "state"),
    ImportField.PRIORITY: ("priority", "ticket priority", "priority name"),
    ImportField.CREATED: ("created", "date created", "created time", "created at",
                          "created date", "creation date", "create date", "opening date",
                          "opened", "opened at", "date opened", "submitted", "submitted at",
                          "requested", "date"),
    ImportField.RESOLVED: ("resolved", "resolved time", "resolved at", "resolved date",
                           "resolution date", "date resolved", "solved", "solved at",
                           "date solved", "solve date"),
    ImportField.CLOSED: ("closed", "closed time", "closed at", "closed date", "close date",
                         "closing date", "date closed"),
    ImportField.REQUESTER: ("requester", "requester name", "from", "from name", "full name",
                            "contact", "contact name", "customer", "customer name",
                            "reporter", "requester requester", "requested by", "name"),
    ImportField.EMAIL: ("email", "e mail", "email address", "requester email",
                        "from email", "contact email", "customer email", "reporter email"),
    ImportField.PHONE: ("phone", "phone number", "requester phone", "contact phone",
                        "work phone", "telephone"),
    ImportField.ORGANIZATION: ("organization", "organisation", "organizations",
                               "company", "company name", "requester organization",
                               "customer organization", "entity", "client", "account"),
    ImportField.ASSIGNEE: ("assignee", "agent", "assigned to", "agent assigned",
                           "assigned agent", "assigned to technician", "technician",
                           "owner", "assignee name"),
    ImportField.CATEGORY: ("category", "type", "ticket type", "issue type", "help topic",
                           "request type", "custom field request type", "service"),
    ImportField.CHANNEL: ("channel", "source", "via", "request source", "origin"),
    ImportField.EXTERNAL_ID: ("ticket id", "ticket number", "ticket", "issue key", "key",
                              "issue id", "id", "number", "ticket no"),
}


# What the user (mapping file, dialog) says fills a field: a header, None to leave the
# field out, or (for the title only) several headers whose cells make the title together.
ColumnChoice = str | tuple[str, ...] | None


@dataclass(frozen=True)
class ColumnMapping:
    """Which column (index into the headers) fills each field; unmapped fields are absent.

    `title_parts`: when the title is made of several columns ('Issue Type' + 'Ticket ID'
    -> 'Bug #123'), their indices; `columns[TITLE]` is then the first of them."""

    columns: Mapping[ImportField, int]
    ignored: tuple[int, ...]
    title_parts: tuple[int, ...] = ()

    def column_of(self, field: ImportField) -> int | None:
        return self.columns.get(field)

    def with_title(self, parts: Sequence[int]) -> ColumnMapping:
        """This mapping with the title taken from `parts` (one column or several)."""
        columns = {**self.columns, ImportField.TITLE: parts[0]}
        return ColumnMapping(columns=columns,
                             ignored=tuple(i for i in self.ignored if i not in parts),
                             title_parts=tuple(parts) if len(parts) > 1 else ())

    def title_of(self, cells: Sequence[str]) -> str:
        """The title cell, or the title composed from its parts (stripped; "" if none)."""
        if self.title_parts:
            return compose_title([cells[i].strip() if i < len(cells) else ""
                                  for i in self.title_parts])
        index = self.columns.get(ImportField.TITLE)
        if index is None or index >= len(cells):
            return ""
        return cells[index].strip()


def compose_title(values: Sequence[str]) -> str:
    """'Bug', '123' -> 'Bug #123': the non-empty values joined by spaces, a bare number
    marked with '#' as an ID."""
    return " ".join(f"#{v}" if v.isdigit() else v for v in values if v)


class MappingError(DeskError):
    """A mapping (file or dialog) that cannot apply: a missing column, an unknown field,
    word or format. The message names it."""


def auto_map(headers: Sequence[str],
             overrides: Mapping[ImportField, ColumnChoice] | None = None) -> ColumnMapping:
    """Recognise the usual headers; `overrides` (field -> header, None to leave the field
    empty, several headers for a composed title) win. Raises MappingError for an override
    naming a missing header."""
    overrides = overrides or {}
    normalised = [fold(h) for h in headers]
    taken: set[int] = set()
    columns: dict[ImportField, int] = {}
    title_parts: list[int] = []

    def find(field: ImportField, wanted: str) -> int:
        index = _find(headers, normalised, wanted)
        if index is None:
            listed = ", ".join(f"'{h}'" for h in headers if h)
            raise MappingError(f"the mapping puts {field.label} in column '{wanted}', "
                               f"but the file has no such column (it has {listed})")
        return index

    for field, wanted in overrides.items():
        if wanted is None or wanted == ():
            continue
        if isinstance(wanted, tuple):
            if field is not ImportField.TITLE:
                raise MappingError(f"only the title can be made of several columns, not "
                                   f"{field.label}")
            # The parts keep their own fields too ('Issue Type' is still the category).
            title_parts = [find(field, w) for w in wanted]
            continue
        columns[field] = found = find(field, wanted)
        taken.add(found)
    for field, aliases in HEADER_ALIASES.items():
        if field in overrides:
            continue
        for alias in aliases:
            index = next((i for i, n in enumerate(normalised) if n == alias and i not in taken),
                         None)
            if index is not None:
                columns[field] = index
                taken.add(index)
                break
    ignored = tuple(i for i in range(len(headers)) if i not in taken)
    mapping = ColumnMapping(columns=columns, ignored=ignored)
    return mapping.with_title(title_parts) if title_parts else mapping


def _find(headers: Sequence[str], normalised: Sequence[str], wanted: str) -> int | None:
    cleaned = " ".join(wanted.split())
    for i, h in enumerate(headers):
        if h == cleaned:
            return i
    key = fold(wanted)
    return next((i for i, n in enumerate(normalised) if n == key), None)


def column_name(headers: Sequence[str], index: int) -> str:
    """The header as the user knows it, or 'column 16' for a column without one."""
    if index < len(headers) and headers[index]:
        return headers[index]
    return f"column {index + 1}"
