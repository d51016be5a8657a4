"""What a technician types to log a ticket, and the rules that text must meet.

Validation returns every problem at once, keyed by the field's label, so the dialog can show
each message beside its field and the command line can print them all.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from desk_app.domain.enums import Channel, Impact, Priority, Status, Urgency
from desk_app.domain.errors import ValidationError, ValidationErrors

TITLE_MAX = 200
DESCRIPTION_MAX = 100_000
NAME_MAX = 200
CATEGORY_MAX = 100  # Category.name's column (store/models.py)
PRODUCT_MAX = 200
BODY_MAX = 100_000
NUMBER_PREFIX = "HD-"

# Deliberately permissive: one @, a dot in the domain, no spaces. Real validation is the
# mail bouncing; this catches typos such as a missing @ or a trailing comma.
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>.]{2,}$")
_PHONE = re.compile(r"^[0-9+()./\- ]{3,40}(\s*(x|ext\.?)\s*\d{1,6})?$", re.IGNORECASE)


def format_number(number: int) -> str:
    """The number a technician reads and says on the phone, e.g. HD-1042."""
    return f"{NUMBER_PREFIX}{number}"


def parse_number(text: str) -> int | None:
    """`HD-1042`, `hd1042` or `1042` -> 1042; anything else -> None."""
    cleaned = text.strip().upper().removeprefix(NUMBER_PREFIX).removeprefix("HD")
    return int(cleaned) if cleaned.isdigit() else None


@dataclass(frozen=True)
class RequesterInput:
    """Who asked; matched to an existing contact by email, else by name, else created."""

    name: str
    email: str = ""
    phone: str = ""
    organization: str = ""


@dataclass(frozen=True)
class TicketDraft:
    """A new ticket as typed, before it has a number."""

    title: str
    requester: RequesterInput
    description: str = ""
    category: str = "Other"
    channel: Channel = Channel.PHONE
    impact: Impact = Impact.LOW
    urgency: Urgency = Urgency.MEDIUM
    priority_override: Priority | None = None
    assignee: str = ""
    product: str = ""


def creation_snapshot(*, priority: Priority, impact: Impact, urgency: Urgency,
                      channel: Channel, category: str | None, organization: str | None,
                      assignee: str | None) -> str:
    """The JSON a ticket's CREATED event stores: the facts it was created with.

    The SLA replay (domain/sla_clock.py) starts from it (priority, category, organization,
    status), so every way of creating a ticket (the form, the import, the demo generator)
    builds it here: three hand-written copies had drifted (the generator left out the
    organization, so an organization's policy never applied to a generated ticket).
    Empty names are stored as null; a ticket is always created New.
    """
    return json.dumps({
        "priority": priority.value, "status": Status.NEW.value,
        "category": category or None, "organization": organization or None,
        "assignee": assignee or None, "impact": impact.value, "urgency": urgency.value,
        "channel": channel.value,
    }, sort_keys=True)


NUL_REASON = "contains a NUL character (\\0): not text; remove it"


def nul_error(text: str, *, field: str) -> ValidationError | None:
    """NUL is never text a person typed (it arrives from binary files pasted or imported);
    SQLite stores it, then every reader of the string cuts it short or chokes on it."""
    return ValidationError(field, NUL_REASON) if "\x00" in text else None


def validate_email(email: str, *, field: str = "Email") -> ValidationError | None:
    if (nul := nul_error(email, field=field)) is not None:
        return nul
    if email and not _EMAIL.match(email.strip()):
        return ValidationError(field, f"'{email}' is not an email address (name@example.com)")
    return None


def validate_title(title: str) -> ValidationError | None:
    stripped = title.strip()
    if (nul := nul_error(title, field="Title")) is not None:
        return nul
    if not stripped:
        return ValidationError("Title", "required: a short summary of the problem")
    if len(stripped) > TITLE_MAX:
        return ValidationError("Title", f"at most {TITLE_MAX} characters "
                                        f"(this one has {len(stripped)})")
    return None


def validate_description(description: str) -> ValidationError | None:
    if (nul := nul_error(description, field="Description")) is not None:
        return nul
    if len(description) > DESCRIPTION_MAX:
        return ValidationError("Description", f"at most {DESCRIPTION_MAX:,} characters "
                                              f"(this one has {len(description):,})")
    return None


def validate_requester(requester: RequesterInput) -> list[ValidationError]:
    errors: list[ValidationError] = []
    if (nul := nul_error(requester.name, field="Requester")) is not None:
        errors.append(nul)
    elif not requester.name.strip():
        errors.append(ValidationError("Requester", "required: who asked for help"))
    elif len(requester.name.strip()) > NAME_MAX:
        errors.append(ValidationError("Requester", f"at most {NAME_MAX} characters"))
    if (e := validate_email(requester.email)) is not None:
        errors.append(e)
    if (nul := nul_error(requester.phone, field="Phone")) is not None:
        errors.append(nul)
    elif requester.phone.strip() and not _PHONE.match(requester.phone.strip()):
        errors.append(ValidationError("Phone", f"'{requester.phone}' is not a phone number"))
    if (nul := nul_error(requester.organization, field="Organization")) is not None:
        errors.append(nul)
    elif len(requester.organization.strip()) > NAME_MAX:
        errors.append(ValidationError("Organization", f"at most {NAME_MAX} characters"))
    return errors


def validate_draft(draft: TicketDraft) -> None:
    """Raise ValidationErrors listing every problem in the draft, or return quietly."""
    errors: list[ValidationError] = []
    for single in (validate_title(draft.title), validate_description(draft.description)):
        if single is not None:
            errors.append(single)
    errors.extend(validate_requester(draft.requester))
    for field, text in (("Category", draft.category), ("Product", draft.product),
                        ("Assignee", draft.assignee)):
        if (nul := nul_error(text, field=field)) is not None:
            errors.append(nul)
    if not draft.category.strip():
        errors.append(ValidationError("Category", "required"))
    if len(draft.product) > PRODUCT_MAX:
        errors.append(ValidationError("Product", f"at most {PRODUCT_MAX} characters"))
    if errors:
        raise ValidationErrors(errors)


def validate_body(body: str, *, field: str) -> str:
    """A reply or note: not empty, not absurdly long. Returns the text to store."""
    text = body.strip()
    if (nul := nul_error(text, field=field)) is not None:
        raise nul
    if not text:
        raise ValidationError(field, "empty: type the message first")
    if len(text) > BODY_MAX:
        raise ValidationError(field, f"at most {BODY_MAX:,} characters")
    return text
