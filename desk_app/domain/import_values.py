"""Cell values from other tools in our terms: status and priority words, channels, dates.

Vocabularies are plain dicts from a folded word ("on hold") to our value, so the user can
edit them (the import dialog's table, a mapping file) and the defaults stay readable.

Dates: ISO 8601, DD/MM/YYYY and MM/DD/YYYY (with an optional 24-hour or AM/PM time, and
'.' or '-' as well as '/'), and YYYY/MM/DD. A column whose every value reads both as
DD/MM and MM/DD is ambiguous: guessing would silently swap months and days for all of
them, so the user must choose.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import TypeVar
from zoneinfo import ZoneInfo

from desk_app.domain.enums import Channel, Priority, Status, parse_enum
from desk_app.domain.errors import ValidationError

DEFAULT_STATUS_WORDS: Mapping[str, Status] = {
    "new": Status.NEW, "open": Status.NEW, "opened": Status.NEW, "to do": Status.NEW,
    "todo": Status.NEW, "unassigned": Status.NEW, "submitted": Status.NEW,
    "in progress": Status.IN_PROGRESS, "assigned": Status.IN_PROGRESS,
    "processing": Status.IN_PROGRESS, "processing assigned": Status.IN_PROGRESS,
    "processing planned": Status.IN_PROGRESS, "work in progress": Status.IN_PROGRESS,
    "waiting for support": Status.IN_PROGRESS, "escalated": Status.IN_PROGRESS,
    "reopened": Status.IN_PROGRESS, "active": Status.IN_PROGRESS,
    "pending": Status.WAITING_CUSTOMER, "on hold": Status.WAITING_CUSTOMER,
    "waiting": Status.WAITING_CUSTOMER, "waiting for customer": Status.WAITING_CUSTOMER,
    "waiting on customer": Status.WAITING_CUSTOMER, "awaiting reply": Status.WAITING_CUSTOMER,
    "waiting on third party": Status.WAITING_THIRD_PARTY,
    "waiting for third party": Status.WAITING_THIRD_PARTY,
    "waiting for vendor": Status.WAITING_THIRD_PARTY,
    "solved": Status.RESOLVED, "resolved": Status.RESOLVED, "done": Status.RESOLVED,
    "fixed": Status.RESOLVED, "completed": Status.RESOLVED,
    "closed": Status.CLOSED, "archived": Status.CLOSED, "cancelled": Status.CLOSED,
    "canceled": Status.CLOSED,
}
DEFAULT_PRIORITY_WORDS: Mapping[str, Priority] = {
    "urgent": Priority.P1, "critical": Priority.P1, "highest": Priority.P1,
    "emergency": Priority.P1, "very high": Priority.P1, "major": Priority.P1,
    "immediate": Priority.P1, "blocker": Priority.P1, "1": Priority.P1,
    "high": Priority.P2, "2": Priority.P2,
    "normal": Priority.P3, "medium": Priority.P3, "3": Priority.P3,
    "low": Priority.P4, "lowest": Priority.P4, "very low": Priority.P4, "minor": Priority.P4,
    "trivial": Priority.P4, "4": Priority.P4, "5": Priority.P4,
}
_V = TypeVar("_V", Status, Priority, Channel)

CHANNEL_WORDS: Mapping[str, Channel] = {
    "phone": Channel.PHONE, "call": Channel.PHONE, "telephone": Channel.PHONE,
    "email": Channel.EMAIL, "e mail": Channel.EMAIL, "mail": Channel.EMAIL,
    "walk in": Channel.WALK_IN, "in person": Channel.WALK_IN,
    "portal": Channel.PORTAL, "web": Channel.PORTAL, "web form": Channel.PORTAL,
    "api": Channel.PORTAL, "feedback widget": Channel.PORTAL,
    "chat": Channel.CHAT, "live chat": Channel.CHAT,
}


_NOT_A_LETTER = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """The one key status and priority words and column headers are compared by: case,
    punctuation, underscores and spacing folded, letters (accented ones too) and digits
    kept. 'On-Hold ', 'on_hold' -> 'on hold'; 'Date_Created' -> 'date created';
    'Ticket #' -> 'ticket'; 'Priorité' -> 'priorité'."""
    return _NOT_A_LETTER.sub(" ", text.casefold()).strip()


class WordSource(StrEnum):
    """How a word of theirs got its value of ours: the dry run and the dialog say so."""

    KNOWN = "known"        # a default word, or our own value or label
    CHOSEN = "chosen"      # the user's mapping (file, command line, dialog)
    GUESSED = "guessed"    # by meaning: 'OpenPending' has 'pending' -> waiting on customer
    FALLBACK = "fallback"  # nothing matched: the most neutral value

    @property
    def note(self) -> str:
        """The flag after 'OpenPending → Waiting on customer (12 rows)'."""
        return {"known": "", "chosen": "as mapped", "guessed": "guessed",
                "fallback": "no match, the neutral default"}[self.value]


# Guessing by meaning. Each rule is (stems a word of theirs starts with, our value); the
# first rule with a matching word wins, so the more specific meaning comes first
# ('OpenPending' is waiting, not new; 'Waiting for vendor' is the third party). Words are
# split at case changes and punctuation: 'OpenPending' -> 'open', 'pending'.
_STATUS_RULES: tuple[tuple[tuple[str, ...], Status], ...] = (
    (("responded", "replied", "customer replied"), Status.IN_PROGRESS),  # back to us
    (("vendor", "third", "supplier", "external", "partner", "upstream", "blocked"),
     Status.WAITING_THIRD_PARTY),
    (("pend", "hold", "wait", "await", "paused", "suspend", "customer", "reply",
      "feedback", "info"), Status.WAITING_CUSTOMER),
    (("clos", "cancel", "archiv", "reject", "declin", "duplicate", "invalid", "spam",
      "wontfix", "won t", "obsolete", "deleted", "merged"), Status.CLOSED),
    (("solv", "resolv", "done", "complet", "fix", "finish", "answer", "deliver",
      "implement", "verified"), Status.RESOLVED),
    (("progress", "work", "assign", "activ", "start", "doing", "investigat", "process",
      "escalat", "review", "test", "ongoing", "triag", "develop", "reopen"),
     Status.IN_PROGRESS),
    (("new", "open", "todo", "backlog", "unassigned", "submit", "receiv", "creat",
      "unread", "queue"), Status.NEW),
)
_PRIORITY_RULES: tuple[tuple[tuple[str, ...], Priority], ...] = (
    (("not urgent", "non urgent", "not critical", "no rush"), Priority.P4),
    (("urgent", "critical", "crit", "highest", "emergency", "blocker", "immediate",
      "severe", "asap", "top", "outage", "showstopper"), Priority.P1),
    (("lowest", "low", "minor", "trivial", "cosmetic", "wish", "someday", "planning"),
     Priority.P4),
    (("high", "important", "major", "elevated", "serious"), Priority.P2),
    (("normal", "medium", "moderate", "standard", "average", "regular", "default",
      "routine", "mid"), Priority.P3),
)
_CHANNEL_RULES: tuple[tuple[tuple[str, ...], Channel], ...] = (
    (("chat", "messag", "whatsapp", "telegram", "slack", "teams", "sms"), Channel.CHAT),
    (("phone", "call", "tel", "voice", "hotline"), Channel.PHONE),
    (("walk", "person", "counter", "visit", "onsite", "on site"), Channel.WALK_IN),
    (("email", "mail", "e mail", "inbox", "outbound"), Channel.EMAIL),
    (("web", "portal", "form", "api", "online", "site", "widget", "app", "self",
      "mobi", "help center", "twitter", "facebook", "social"), Channel.PORTAL),
)
# Nothing matched: the value that assumes least. A new ticket (clocks run, nobody is
# waited on, nothing is closed on a guess), a medium priority, and e-mail, the channel an
# import already assumes when the file has no channel column ('Other' says no more).
NEUTRAL_STATUS = Status.NEW
NEUTRAL_PRIORITY = Priority.P3
NEUTRAL_CHANNEL = Channel.EMAIL
_CASE_CHANGE = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")
_PRIORITY_NUMBER = re.compile(r"^(?:p|sev|s|prio|priority|level)?([0-9])$")


def words_of(text: str) -> list[str]:
    """'OpenPending' -> ['open', 'pending']; 'Sev2 - High' -> ['sev', '2', 'high']."""
    return fold(_CASE_CHANGE.sub(" ", text)).split()


def _guess(text: str, rules: tuple[tuple[tuple[str, ...], _V], ...]) -> _V | None:
    words = words_of(text)
    joined = " ".join(words)
    for stems, value in rules:
        for stem in stems:
            if (" " in stem and stem in joined) or any(w.startswith(stem) for w in words):
                return value
    return None


def guess_status(word: str) -> Status | None:
    """Our status for a word none of the tables knows, by its meaning; None if nothing in
    it says anything."""
    return _guess(word, _STATUS_RULES)


def guess_priority(word: str) -> Priority | None:
    """By meaning ('Critical (P1)', 'Not so important'), else by a number ('Sev 2':
    1 -> P1 ... 4 and 5 -> P4); None if neither."""
    found = _guess(word, _PRIORITY_RULES)
    if found is not None:
        return found
    for w in words_of(word):
        m = _PRIORITY_NUMBER.match(w)
        if m and m.group(1) != "0":
            return DEFAULT_PRIORITY_WORDS.get(m.group(1), Priority.P4)
    return None


def guess_channel(word: str) -> Channel | None:
    return _guess(word, _CHANNEL_RULES)


def resolve_status(word: str, custom: Mapping[str, Status] | None = None
                   ) -> tuple[Status, WordSource]:
    """Our status for any word of theirs and how it was found: never a refusal."""
    return _resolve(word, custom, lookup_status, guess_status, NEUTRAL_STATUS)


def resolve_priority(word: str, custom: Mapping[str, Priority] | None = None
                     ) -> tuple[Priority, WordSource]:
    return _resolve(word, custom, lookup_priority, guess_priority, NEUTRAL_PRIORITY)


def resolve_channel(word: str, custom: Mapping[str, Channel] | None = None
                    ) -> tuple[Channel, WordSource]:
    return _resolve(word, custom, lookup_channel, guess_channel, NEUTRAL_CHANNEL)


def _resolve(word: str, custom: Mapping[str, _V] | None,
             lookup: Callable[[str], _V | None], guess: Callable[[str], _V | None],
             neutral: _V) -> tuple[_V, WordSource]:
    key = fold(word)
    if custom and key in custom:
        return custom[key], WordSource.CHOSEN
    known = lookup(word)
    if known is not None:
        return known, WordSource.KNOWN
    guessed = guess(word)
    if guessed is not None:
        return guessed, WordSource.GUESSED
    return neutral, WordSource.FALLBACK


def lookup_status(word: str, custom: Mapping[str, Status] | None = None) -> Status | None:
    """Our status for their word: the user's table first, then the defaults, then our own
    values and labels ('waiting_customer', 'Waiting on customer')."""
    return _lookup(word, custom, DEFAULT_STATUS_WORDS, Status)


def lookup_priority(word: str, custom: Mapping[str, Priority] | None = None
                    ) -> Priority | None:
    return _lookup(word, custom, DEFAULT_PRIORITY_WORDS, Priority)


def lookup_channel(word: str, custom: Mapping[str, Channel] | None = None
                   ) -> Channel | None:
    return _lookup(word, custom, CHANNEL_WORDS, Channel)


def _lookup(word: str, custom: Mapping[str, _V] | None, defaults: Mapping[str, _V],
            kind: type[_V]) -> _V | None:
    key = fold(word)
    if custom and key in custom:
        return custom[key]
    if key in defaults:
        return defaults[key]
    try:
        return parse_enum(kind, word, field="value")
    except ValidationError:
        return None


class DateFormat(StrEnum):
    """A way of writing dates; the value is what users pick and mapping files hold."""

    ISO = "ISO 8601"
    DMY = "DD/MM/YYYY"
    MDY = "MM/DD/YYYY"
    YMD = "YYYY/MM/DD"

    @property
    def example(self) -> str:
        return {"ISO 8601": "2026-07-10 14:30", "DD/MM/YYYY": "10/07/2026 14:30",
                "MM/DD/YYYY": "07/10/2026 02:30 PM",
                "YYYY/MM/DD": "2026/07/10 14:30"}[self.value]


_TIME = r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*([AaPp]\.?[Mm]\.?)?)?"
_DAY_FIRST_OR_MONTH_FIRST = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})" + _TIME + "$")
_YEAR_FIRST = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})" + _TIME + "$")


def parse_date(text: str, fmt: DateFormat, tz: ZoneInfo) -> datetime | None:
    """The instant (UTC) `text` names in format `fmt`, or None if it does not fit.

    A time without a zone is read in `tz` (the calendar the old system used); ISO 8601 with
    an offset or Z keeps its own. A date alone means midnight.
    """
    value = text.strip()
    if fmt is DateFormat.ISO:
        if not re.match(r"^\d{4}-\d{2}-\d{2}", value):
            return None
        try:
            parsed = datetime.fromisoformat(value.replace(" UTC", "Z"))
        except ValueError:
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=tz)
        return parsed.astimezone(UTC)
    pattern = _YEAR_FIRST if fmt is DateFormat.YMD else _DAY_FIRST_OR_MONTH_FIRST
    m = pattern.match(value)
    if m is None:
        return None
    a, b, c = (int(x) for x in m.group(1, 2, 3))
    year, month, day = {DateFormat.YMD: (a, b, c), DateFormat.DMY: (c, b, a),
                        DateFormat.MDY: (c, a, b)}[fmt]
    hour = int(m.group(4) or 0)
    minute = int(m.group(5) or 0)
    second = int(m.group(6) or 0)
    meridiem = (m.group(7) or "").replace(".", "").lower()
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    try:
        local = datetime(year, month, day, hour, minute, second, tzinfo=tz)
    except ValueError:
        return None
    return local.astimezone(UTC)


def fitting_formats(values: Iterable[str], tz: ZoneInfo) -> dict[DateFormat, int]:
    """For each format, how many of the (non-blank) values it reads."""
    counts = dict.fromkeys(DateFormat, 0)
    for v in values:
        for fmt in DateFormat:
            if parse_date(v, fmt, tz) is not None:
                counts[fmt] += 1
    return counts


def detect_format(values: list[str], tz: ZoneInfo) -> tuple[DateFormat | None, bool]:
    """The format that reads the most values, and whether DD/MM and MM/DD tie (ambiguous).

    None when no value is a date in any format we know."""
    present = [v for v in values if v.strip()]
    if not present:
        return None, False
    return best_format(fitting_formats(present, tz))


def best_format(counts: Mapping[DateFormat, int]) -> tuple[DateFormat | None, bool]:
    """detect_format's choice from counts gathered elsewhere (the import counts as it
    streams through a file, keeping no column)."""
    best = max(DateFormat, key=lambda f: counts[f])
    if counts[best] == 0:
        return None, False
    ambiguous = counts[DateFormat.DMY] == counts[DateFormat.MDY] == counts[best] \
        and best in (DateFormat.DMY, DateFormat.MDY)
    return best, ambiguous
