"""A title for files that have no Subject, Title or Summary column.

Trackers and home-made sheets name the title column anything ('Headline', 'Problem'), or
have none at all (an issue tracker's 'Issue Type' and 'Ticket ID'). Refusing such a file
made the user write a mapping file for what a glance at the data tells: so the import
proposes the column that reads most like titles, else the type and the ID together
('Bug #123'), and says so in the dry run and the dialog, where the user can choose another.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from desk_app.domain.import_fields import ColumnMapping, ImportField, column_name
from desk_app.domain.import_values import fold
from desk_app.domain.ticket import TITLE_MAX

# Enough rows to judge a column by; a file's first thousand rows say what it holds.
SAMPLE_ROWS = 1000
# Header words that say "this is what the ticket is about", in a few languages.
_TITLE_HINTS = ("subj", "title", "titel", "titre", "summar", "topic", "headline", "issue",
                "problem", "question", "request", "name", "betreff", "sujet", "asunto",
                "oggetto", "caption", "heading")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class TitleProposal:
    """The column(s) proposed as the title, and why, for the user to confirm or change."""

    columns: tuple[int, ...]
    names: tuple[str, ...]
    composed: bool  # True: type + ID; False: the best text column
    example: str

    @property
    def label(self) -> str:
        """'Headline' or 'Issue Type + Ticket ID'."""
        return " + ".join(self.names)

    @property
    def text(self) -> str:
        """What the dry run, the command line and the dialog say about it."""
        names = " and ".join(f"'{n}'" for n in self.names)
        how = (f"made of {names}" if self.composed
               else f"taken from {names}, the column that reads most like titles")
        example = f", e.g. '{self.example}'" if self.example else ""
        return (f"No Subject, Title or Summary column: the title is {how}{example} "
                "(proposed)")


def propose_title(headers: Sequence[str], rows: Sequence[Sequence[str]],
                  mapping: ColumnMapping) -> TitleProposal | None:
    """The best unmapped text column, else the category (type) and the external ID
    columns together; None when the file has neither."""
    sample = rows[:SAMPLE_ROWS]
    best: tuple[float, int] | None = None
    for index in mapping.ignored:
        score = _title_score(headers[index] if index < len(headers) else "",
                             [r[index].strip() if index < len(r) else "" for r in sample])
        if score is not None and (best is None or score > best[0]):
            best = (score, index)
    if best is not None:
        parts: tuple[int, ...] = (best[1],)
    else:
        kind = mapping.column_of(ImportField.CATEGORY)
        ident = mapping.column_of(ImportField.EXTERNAL_ID)
        if kind is None or ident is None:
            return None
        parts = (kind, ident)
    proposed = mapping.with_title(parts)
    example = next((t for t in (proposed.title_of(r) for r in sample) if t), "")
    return TitleProposal(columns=parts, names=tuple(column_name(headers, i) for i in parts),
                         composed=len(parts) > 1, example=example)


def _title_score(header: str, values: list[str]) -> float | None:
    """How much a column reads like titles (None: not at all). Titles are there on almost
    every row, are words (not numbers, dates, addresses or links), differ from row to row
    (a column of a few repeated words is a category) and fit a title's length."""
    present = [v for v in values if v]
    if not present or len(present) < 0.5 * len(values):
        return None
    if any(len(v) > TITLE_MAX for v in present):
        return None  # a description: every long row would be a problem
    texty = sum(1 for v in present if _LETTER.search(v) and "@" not in v
                and not v.lower().startswith(("http://", "https://"))) / len(present)
    if texty < 0.8:
        return None
    distinct = len(set(present)) / len(present)
    if len(present) >= 5 and distinct < 0.6:
        return None
    words = sum(len(v.split()) for v in present) / len(present)
    hinted = any(h in fold(header) for h in _TITLE_HINTS)
    if words < 2 and not hinted:
        return None
    fill = len(present) / len(values)
    return fill * texty * distinct * min(words, 4.0) + (4.0 if hinted else 0.0)
