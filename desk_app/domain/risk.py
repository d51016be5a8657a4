"""SLA risk: one word per ticket for colour, icon, filters and notifications.

A ticket's risk is the worst of its two clocks. Warning levels come from the policy's
thresholds (by default 50 %, 75 %, 90 % of a target used): the first is "approaching", the
last is "critical", anything between is "at risk". A clock that stopped after its target
passed is "missed": done, so it is not a live breach (no filter, count or notification
treats it as one), but it never reads or looks like "met".
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
    MISSED = "missed"  # stopped after the target passed: done, but not met
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
    Risk.APPROACHING: "Approaching", Risk.MISSED: "Missed", Risk.ON_TRACK: "On track",
    Risk.PAUSED: "Paused", Risk.MET: "Met", Risk.NONE: "No SLA",
}
# A missed clock ranks below every live one (what a technician can still act on, and what
# the "Time left" cell counts down) and above met: once both clocks have stopped, a ticket
# that missed either target reads and looks missed, never met.
_SEVERITY = {Risk.BREACHED: 8, Risk.CRITICAL: 7, Risk.AT_RISK: 6, Risk.APPROACHING: 5,
             Risk.ON_TRACK: 4, Risk.PAUSED: 3, Risk.MISSED: 2, Risk.MET: 1, Risk.NONE: 0}


def clock_risk(clock: ClockResult | None) -> Risk:
    """The risk of one clock."""
    if clock is None:
        return Risk.NONE
    if clock.state is ClockState.BREACHED:
        return Risk.BREACHED
    if clock.state is ClockState.BREACHED_STOPPED:
        return Risk.MISSED
    if clock.state is ClockState.MET:
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
    """The worst of the two clocks. A stopped, breached clock is "missed": done, not a
    live breach; a live clock outranks it, and it outranks met."""
    risks = [clock_risk(replay.first_response), clock_risk(replay.resolution)]
    return max(risks, key=lambda r: r.severity)
