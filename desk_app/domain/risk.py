"""SLA risk: one word per ticket for colour, icon, filters and notifications.

A ticket's risk is the worst of its two clocks. Warning levels come from the policy's
thresholds (by default 50 %, 75 %, 90 % of a target used): the first is "approaching", the
last is "critical", anything between is "at risk".
"""

from __future__ import annotations

from enum import StrEnum

from desk_app.domain.sla_clock import ClockResult, ClockState, SlaReplay


class Risk(StrEnum):
    """Ordered from most to least urgent by `severity`."""

    BREACHED = "breached"
    CRITICAL = "critical"
    AT_RISK = "at_risk"
    APPROACHING = "approaching"
    ON_TRACK = "on_track"
    PAUSED = "paused"
    MET = "met"
    NONE = "none"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def severity(self) -> int:
        """Higher is more urgent; used to pick a ticket's worst clock."""
        return _SEVERITY[self]

    @property
    def notifies(self) -> bool:
        return self in (Risk.APPROACHING, Risk.AT_RISK, Risk.CRITICAL, Risk.BREACHED)


_LABELS = {
    Risk.BREACHED: "Breached", Risk.CRITICAL: "Critical", Risk.AT_RISK: "At risk",
    Risk.APPROACHING: "Approaching", Risk.ON_TRACK: "On track", Risk.PAUSED: "Paused",
    Risk.MET: "Met", Risk.NONE: "No SLA",
}
_SEVERITY = {Risk.BREACHED: 7, Risk.CRITICAL: 6, Risk.AT_RISK: 5, Risk.APPROACHING: 4,
             Risk.ON_TRACK: 3, Risk.PAUSED: 2, Risk.MET: 1, Risk.NONE: 0}


def clock_risk(clock: ClockResult | None) -> Risk:
    """The risk of one clock."""
    if clock is None:
        return Risk.NONE
    if clock.state is ClockState.BREACHED:
        return Risk.BREACHED
    if clock.state.stopped:  # met, or breached and then stopped: nothing left to do
        return Risk.MET
    if clock.state is ClockState.PAUSED:
        return Risk.PAUSED
    level = clock.warning_level
    if level <= 0:
        return Risk.ON_TRACK
    if level >= clock.levels:
        return Risk.CRITICAL
    return Risk.APPROACHING if level == 1 else Risk.AT_RISK


def ticket_risk(replay: SlaReplay) -> Risk:
    """The worst of the two clocks (a stopped, breached clock counts as done, not as
    a live breach: nothing more can be done about it)."""
    risks = [clock_risk(replay.first_response), clock_risk(replay.resolution)]
    return max(risks, key=lambda r: r.severity)
