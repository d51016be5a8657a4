"""Where a window is in the desk's change log (`desk_change`), and which seqs it may
still have to see.

Why gaps: on PostgreSQL a seq is taken when a row is written, not when its transaction
commits, so seq 11 can be visible before seq 10 (a slower transaction still open). A reader
that only asked "after the highest seq I saw" would miss 10 for ever. The cursor remembers
such holes and asks for them again until they fill or are old enough to be a rollback (or
a sequence cache) that will never fill. SQLite writers are serialised, so there the cursor
never has a gap.

Pure: the instant is passed in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

# A hole older than this is taken as a rolled-back transaction. Generous: a 100,000-row
# import holds its seqs for the minute or so it runs.
GAP_TTL = timedelta(minutes=10)
# At most this many holes are asked for; more (a burst of rollbacks) and the oldest is
# dropped, and the window reloads its view once rather than trusting the log.
MAX_GAPS = 32


@dataclass(frozen=True)
class Gap:
    """Seqs `lo`..`hi` (inclusive) not yet seen, first noticed at `since`."""

    lo: int
    hi: int
    since: datetime


@dataclass(frozen=True)
class ChangeCursor:
    """The highest seq seen and the holes below it. `lost` says the last step could not
    account for every change (a hole given up on while still young, or rows pruned
    before they were read): the window then reloads its view instead."""

    last: int
    gaps: tuple[Gap, ...] = ()
    lost: bool = False

    def advance(self, seqs: Iterable[int], now: datetime) -> ChangeCursor:
        """The cursor after reading `seqs` (the rows above `last` and inside the gaps)."""
        seen = sorted(set(seqs))
        gaps: list[Gap] = []
        for gap in self.gaps:
            gaps.extend(_minus(gap, [s for s in seen if gap.lo <= s <= gap.hi]))
        last = self.last
        for seq in seen:
            if seq > last:
                if seq > last + 1:
                    gaps.append(Gap(last + 1, seq - 1, now))
                last = seq
        kept = [g for g in gaps if now - g.since < GAP_TTL]
        lost = False
        if len(kept) > MAX_GAPS:
            kept = kept[-MAX_GAPS:]
            lost = True
        return replace(self, last=last, gaps=tuple(kept), lost=lost)


def _minus(gap: Gap, filled: list[int]) -> list[Gap]:
    """`gap` without the (sorted) seqs in `filled`, as the holes that remain."""
    out: list[Gap] = []
    lo = gap.lo
    for seq in filled:
        if seq > lo:
            out.append(Gap(lo, seq - 1, gap.since))
        lo = seq + 1
    if lo <= gap.hi:
        out.append(Gap(lo, gap.hi, gap.since))
    return out
