"""Supervisor metrics over a period, computed exactly as docs/metrics.md defines them.

Pure: the caller gives one `TicketOutcome` per ticket (from the stored clocks and the
history) and the policies' goals; nothing here reads a clock or a database.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from desk_app.domain.enums import Priority


class Outcome(StrEnum):
    """How one clock ended up, for attainment."""

    MET = "met"            # stopped within target
    MISSED = "missed"      # stopped after target, or still open and already breached
    PENDING = "pending"    # still open and not yet due: reported apart, never as met
    NONE = "none"          # no SLA applies


class TicketOutcome(NamedTuple):
    """One ticket's figures for a report.

    A named tuple rather than a frozen dataclass: a year's report builds 100,000 of these,
    and a tuple is built about five times faster."""

    number: int
    priority: Priority
    created_at: datetime
    response: Outcome
    resolution: Outcome
    response_used_s: float | None = None
    resolution_used_s: float | None = None
    category: str = ""
    organization: str = ""
    technician: str = ""
    channel: str = ""


PRIORITY_TEXT = {p: p.value for p in Priority}
"""Priority -> its text by dict lookup: `member.value` goes through a descriptor, and a
year's report asks 400,000 times."""


@dataclass(frozen=True)
class AttainmentRow:
    """Met / (met + missed) for one group and target, next to its goal."""

    group: str
    target: str  # "first_response" or "resolution"
    met: int
    missed: int
    pending: int
    goal: float | None

    @property
    def counted(self) -> int:
        return self.met + self.missed

    @property
    def attainment(self) -> float | None:
        """None when nothing was decided yet (no met or missed ticket)."""
        return self.met / self.counted if self.counted else None

    @property
    def passed(self) -> bool | None:
        if self.goal is None or self.attainment is None:
            return None
        return self.attainment >= self.goal


def attainment(outcomes: Iterable[TicketOutcome], *,
               group_by: Callable[[TicketOutcome], str] = lambda o: PRIORITY_TEXT[o.priority],
               goals: Mapping[tuple[str, str], float] | None = None) -> list[AttainmentRow]:
    """Attainment per group (default: priority) and target, sorted by group then target.

    `goals` maps (group, target) to the goal as a fraction (e.g. ("P1", "resolution"): 1.0).
    """
    # One Counter over (group, target, outcome): counting in C, not a Python loop body.
    tally = Counter((group, target, outcome)
                    for o in outcomes for group in (group_by(o),)
                    for target, outcome in (("first_response", o.response),
                                            ("resolution", o.resolution)))
    return attainment_rows(tally, goals)


def attainment_rows(tally: Mapping[tuple[str, str, Outcome], int],
                    goals: Mapping[tuple[str, str], float] | None = None
                    ) -> list[AttainmentRow]:
    """Rows from counts of (group, target, outcome), sorted by group then target; clocks
    with no SLA (Outcome.NONE) are left out."""
    keys = sorted({(g, t) for (g, t, outcome), n in tally.items()
                   if outcome is not Outcome.NONE and n})
    return [AttainmentRow(group=g, target=t, met=tally.get((g, t, Outcome.MET), 0),
                          missed=tally.get((g, t, Outcome.MISSED), 0),
                          pending=tally.get((g, t, Outcome.PENDING), 0),
                          goal=(goals or {}).get((g, t)))
            for g, t in keys]


@dataclass(frozen=True)
class Distribution:
    count: int
    mean_s: float | None
    median_s: float | None
    p90_s: float | None


def distribution(seconds: Sequence[float]) -> Distribution:
    """Average, median and 90th percentile (nearest-rank: the smallest value with at least
    90 % of the values at or below it)."""
    if not seconds:
        return Distribution(0, None, None, None)
    ordered = sorted(seconds)
    rank = max(1, -(-9 * len(ordered) // 10))  # ceil(0.9 n)
    return Distribution(count=len(ordered), mean_s=statistics.fmean(ordered),
                        median_s=statistics.median(ordered), p90_s=ordered[rank - 1])
