"""Renders a ticket's events as the readable history shown in the detail pane."""

from __future__ import annotations

import html
import json
from collections.abc import Iterable

from desk_app.domain.enums import EventKind, Status
from desk_app.services.views import TimelineEntry
from desk_app.ui.common.formatting import full_time

FIELD_LABELS = {
    "title": "title", "description": "description", "category": "category",
    "product": "product", "impact": "impact", "urgency": "urgency", "priority": "priority",
    "priority_overridden": "priority override", "channel": "channel",
    "assignee": "assignee", "organization": "organization", "status": "status",
}


def _status_label(value: str | None) -> str:
    try:
        return Status(value).label if value else "—"
    except ValueError:
        return value or "—"


def describe(entry: TimelineEntry) -> str:
    """One line saying what happened, in plain words."""
    match entry.kind:
        case EventKind.CREATED:
            try:
                snap = json.loads(entry.new_value or "{}")
            except ValueError:
                snap = {}
            prio = snap.get("priority")
            return f"created the ticket{f' as {prio}' if prio else ''}"
        case EventKind.STATUS_CHANGED:
            return (f"changed status from {_status_label(entry.old_value)} to "
                    f"{_status_label(entry.new_value)}")
        case EventKind.ASSIGNED:
            if not entry.new_value:
                return f"unassigned {entry.old_value or 'the ticket'}"
            return f"assigned to {entry.new_value}"
        case EventKind.PUBLIC_REPLY:
            return "replied to the requester"
        case EventKind.INTERNAL_NOTE:
            return "added an internal note"
        case EventKind.SLA_POLICY_CHANGED:
            return (f"moved the ticket to SLA policy {entry.new_value or 'none'} "
                    f"(was {entry.old_value or 'none'}); time already used is kept")
        case EventKind.IMPORTED:
            return f"imported the ticket from {entry.new_value or 'a CSV file'}"
        case EventKind.FIELD_CHANGED:
            label = FIELD_LABELS.get(entry.field or "", entry.field or "a field")
            if entry.field == "description":
                return "edited the description"
            if entry.field == "csat_score":
                return f"recorded the customer's rating: {entry.new_value}/5"
            return f"changed {label} from {entry.old_value or '—'} to {entry.new_value or '—'}"
    return entry.kind.value


def timeline_html(entries: Iterable[TimelineEntry]) -> str:
    """Newest first: the latest news is what a technician opens a ticket for."""
    parts = []
    for e in reversed(list(entries)):
        head = (f"<b>{html.escape(e.actor)}</b> {html.escape(describe(e))}"
                f" <span class='when'>· {html.escape(full_time(e.at))}</span>")
        body = ""
        if e.body:
            tag = {"public_reply": "Reply", "internal_note": "Internal note",
                   "status_changed": "Resolution",
                   "field_changed": "Customer said", "imported": "Import",
                   "sla_policy_changed": "Why"}.get(e.kind.value, "")
            text = html.escape(e.body).replace("\n", "<br>")
            body = f"<div class='{e.kind.value}'><i>{tag}:</i> {text}</div>"
        parts.append(f"<p>{head}{body}</p>")
    return "\n".join(parts) or "<p><i>No history yet.</i></p>"
