"""Exceptions a technician can act on: each message says what is wrong and what to do."""

from __future__ import annotations


class DeskError(Exception):
    """Base for every error the app expects and shows to the user as-is."""


class ValidationError(DeskError):
    """One field holds a value the app cannot accept."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class ValidationErrors(DeskError):
    """Several fields are wrong at once; the form shows each beside its field."""

    def __init__(self, errors: list[ValidationError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors

    def by_field(self) -> dict[str, str]:
        return {e.field: e.reason for e in self.errors}


class IllegalTransition(DeskError):
    """A status move the workflow does not allow; the message lists the allowed ones."""


class TicketNotFound(DeskError):
    """The ticket was deleted or never existed."""


class ConcurrentEdit(DeskError):
    """Someone else saved the ticket since it was opened; reload before saving again."""


class EditNotSaved(DeskError):
    """The technician chose to go on editing rather than decide a conflict; nothing was
    stored and every field still holds what they typed."""
