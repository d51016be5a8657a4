"""Half-written replies and notes, kept per ticket and author until sent or discarded.

The detail pane saves the composer here as the technician types (debounced), when they leave
the ticket and when the window closes, so a crash or a restart loses at most the last
debounce interval of typing. Sending the message deletes the draft in the same transaction
(services/tickets.py), so a sent reply never comes back as a draft to be sent twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import delete, select
from sqlmodel import col

from desk_app.services.clock import Clock
from desk_app.store.engine import Database
from desk_app.store.models import MessageDraft


class DraftKind(StrEnum):
    """Which button the draft was typed for."""

    REPLY = "reply"
    NOTE = "note"


@dataclass(frozen=True)
class ComposerDraft:
    """A draft as the pane restores it."""

    ticket_id: int
    kind: DraftKind
    body: str
    updated_at: datetime


class DraftService:
    """One short transaction per call; no audit event (a draft does not change the ticket)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def load(self, ticket_id: int, *, author: str) -> ComposerDraft | None:
        with self._db.session_scope() as s:
            row = s.execute(select(MessageDraft).where(
                col(MessageDraft.ticket_id) == ticket_id,
                col(MessageDraft.author) == author)).scalar()
            if row is None:
                return None
            return ComposerDraft(ticket_id=ticket_id, kind=_kind(row.kind), body=row.body,
                                 updated_at=row.updated_at)

    def save(self, ticket_id: int, body: str, *, author: str, kind: DraftKind) -> None:
        """Store the draft, replacing the previous one; blank text deletes it (the
        technician erased it, and an empty draft would only clutter)."""
        if not body.strip():
            self.discard(ticket_id, author=author)
            return
        with self._db.session_scope() as s:
            row = s.execute(select(MessageDraft).where(
                col(MessageDraft.ticket_id) == ticket_id,
                col(MessageDraft.author) == author)).scalar()
            now = self._clock()
            if row is None:
                s.add(MessageDraft(ticket_id=ticket_id, author=author, kind=kind.value,
                                  body=body, updated_at=now))
            elif row.body != body or row.kind != kind.value:
                row.body = body
                row.kind = kind.value
                row.updated_at = now

    def discard(self, ticket_id: int, *, author: str) -> None:
        with self._db.session_scope() as s:
            s.execute(delete(MessageDraft).where(col(MessageDraft.ticket_id) == ticket_id,
                                                col(MessageDraft.author) == author))


def _kind(value: str) -> DraftKind:
    try:
        return DraftKind(value)
    except ValueError:  # written by a newer app: show it as a reply rather than lose it
        return DraftKind.REPLY
