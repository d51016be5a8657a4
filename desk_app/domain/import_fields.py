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

@dataclass(frozen=True)
class ColumnMapping:
    """Which column (index into the headers) fills each field; unmapped fields are absent."""

    columns: Mapping[ImportField, int]
    ignored: tuple[int, ...]

    def column_of(self, field: ImportField) -> int | None:
        return self.columns.get(field)


class MappingError(DeskError):
    """A mapping (file or dialog) that cannot apply: a missing column, an unknown field,
    word or format. The message names it."""


def auto_map(headers: Sequence[str], overrides: Mapping[ImportField, str | None] | None = None
             ) -> ColumnMapping:
    """Recognise the usual headers; `overrides` (field -> header, None to leave the field
    empty) win. Raises MappingError for an override naming a missing header."""
    overrides = overrides or {}
    normalised = [fold(h) for h in headers]
    taken: set[int] = set()
    columns: dict[ImportField, int] = {}
    for field, wanted in overrides.items():
        if wanted is None:
            continue
        index = _find(headers, normalised, wanted)
        if index is None:
            listed = ", ".join(f"'{h}'" for h in headers if h)
            raise MappingError(f"the mapping puts {field.label} in column '{wanted}', "
                               f"but the file has no such column (it has {listed})")
        columns[field] = index
        taken.add(index)
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
    return ColumnMapping(columns=columns, ignored=ignored)


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
