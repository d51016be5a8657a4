"""The period summary as one long CSV table: a row per figure.

A long table (section, group, measure, then the numbers) rather than one wide row: every
figure of the report fits under one stable header, a spreadsheet's pivot table or a
script can pick any of them by name, and new figures add rows, never columns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict
from typing import Any
from zoneinfo import ZoneInfo

from desk_app.domain.csv_cells import instant, seconds_and_hours
from desk_app.domain.metrics import Distribution
from desk_app.domain.period_report import PeriodReport, Ratio
from desk_app.domain.sla_clock import duration_text

SUMMARY_COLUMNS: tuple[str, ...] = (
    "period_from", "period_to", "filter", "section", "group", "measure", "value", "count",
    "of", "pending", "goal_pct", "result", "seconds", "hours",
)


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}"


def summary_rows(report: PeriodReport) -> Iterator[list[object]]:
    """Rows in SUMMARY_COLUMNS order (see docs/exports.md for every measure)."""
    zone = ZoneInfo(report.tz)
    head = [instant(report.start, zone), instant(report.end, zone), report.filter.describe()]

    def row(section: str, group: str, measure: str, value: object = "", *,
            count: object = "", of: object = "", pending: object = "", goal: str = "",
            result: str = "", seconds: float | None = None) -> list[object]:
        s, h = seconds_and_hours(seconds)
        return [*head, section, group, measure, value, count, of, pending, goal, result, s, h]

    def ratio(section: str, measure: str, r: Ratio) -> list[object]:
        return row(section, "all", measure, _pct(r.value), count=r.count, of=r.of)

    v = report.volume
    for measure, n in (("created", v.created), ("resolved", v.resolved),
                       ("closed", v.closed), ("reopened", v.reopened),
                       ("backlog_start", v.backlog_start), ("backlog_end", v.backlog_end)):
        yield row("volume", "all", measure, n)
    for label, n in report.backlog_age:
        yield row("backlog_age", label, "open_tickets", n)
    for a in report.cohort.attainment:
        yield row("attainment", a.group, a.target, _pct(a.attainment), count=a.met,
                  of=a.counted, pending=a.pending, goal=_pct(a.goal),
                  result={True: "pass", False: "miss", None: ""}[a.passed])
    for t in report.cohort.times:
        for target, dist in (("first_response", t.first_response),
                             ("resolution", t.resolution)):
            yield from _distribution_rows(row, t.group, target, dist)
    yield row("speed_of_answer", "all", "average",
              count=report.cohort.times[-1].first_response.count if report.cohort.times
              else 0, seconds=report.cohort.average_speed_of_answer_s)
    c = report.cohort
    yield ratio("rate", "first_contact_resolution", c.first_contact_resolution)
    yield ratio("rate", "reopened", c.reopen_rate)
    yield ratio("rate", "reassigned", c.reassignment)
    yield row("csat", "all", "average",
              "" if c.csat.average is None else f"{c.csat.average:.2f}", count=c.csat.rated)
    yield ratio("csat", "rated_4_or_5", c.csat.satisfied)
    for wait in report.waiting:
        yield row("waiting", wait.organization, "waiting_customer", count=wait.tickets,
                  seconds=wait.customer_s)
        yield row("waiting", wait.organization, "waiting_third_party", count=wait.tickets,
                  seconds=wait.third_party_s)
    for day in report.days:
        when = day.day.isoformat()
        yield row("daily", when, "created", day.created)
        yield row("daily", when, "resolved", day.resolved)
        yield row("daily", when, "backlog", "" if day.backlog is None else day.backlog)
    for week in report.weeks:
        yield row("weekly", week.week_start.isoformat(), "breaches", week.breaches)


def _distribution_rows(row: Callable[..., list[object]], group: str, target: str,
                       d: Distribution) -> Iterator[list[object]]:
    for stat, seconds in (("mean", d.mean_s), ("median", d.median_s), ("p90", d.p90_s)):
        yield row("time", group, f"{target}_{stat}", count=d.count, seconds=seconds)


def summary_dict(report: PeriodReport) -> dict[str, Any]:
    """The whole report as plain JSON-ready data (instants in the report's zone)."""
    zone = ZoneInfo(report.tz)

    def dist(d: Distribution) -> dict[str, Any]:
        return {"count": d.count, "mean_s": d.mean_s, "median_s": d.median_s,
                "p90_s": d.p90_s}

    def ratio(r: Ratio) -> dict[str, Any]:
        return {"count": r.count, "of": r.of, "pct": None if r.value is None
                else round(r.value * 100, 1)}

    c = report.cohort
    return {
        "period": {"from": instant(report.start, zone), "to": instant(report.end, zone),
                   "tz": report.tz},
        "filter": report.filter.describe(),
        "volume": asdict(report.volume),
        "backlog_age": dict(report.backlog_age),
        "attainment": [{"group": a.group, "target": a.target, "met": a.met,
                        "missed": a.missed, "pending": a.pending,
                        "attainment_pct": None if a.attainment is None
                        else round(a.attainment * 100, 1),
                        "goal_pct": None if a.goal is None else round(a.goal * 100, 1),
                        "result": {True: "pass", False: "miss", None: None}[a.passed]}
                       for a in c.attainment],
        "grouped_by": report.group_by,
        "times": [{"group": t.group, "first_response": dist(t.first_response),
                   "resolution": dist(t.resolution)} for t in c.times],
        "average_speed_of_answer_s": c.average_speed_of_answer_s,
        "first_contact_resolution": ratio(c.first_contact_resolution),
        "reopened": ratio(c.reopen_rate),
        "reassigned": ratio(c.reassignment),
        "csat": {"rated": c.csat.rated, "average": c.csat.average,
                 "rated_4_or_5": ratio(c.csat.satisfied)},
        "waiting": [asdict(w) for w in report.waiting],
        "daily": [{"day": d.day.isoformat(), "created": d.created, "resolved": d.resolved,
                   "backlog": d.backlog} for d in report.days],
        "weekly": [{"week_start": w.week_start.isoformat(), "breaches": w.breaches}
                   for w in report.weeks],
    }


def summary_text(report: PeriodReport) -> str:
    """The report as a terminal reads it best: short sections, durations in words."""
    zone = ZoneInfo(report.tz)
    c, v = report.cohort, report.volume

    def pct(r: float | None) -> str:
        return "-" if r is None else f"{r * 100:.1f} %"

    def dur(seconds: float | None) -> str:
        return "-" if seconds is None else duration_text(seconds)

    lines = [f"Period {instant(report.start, zone)} to {instant(report.end, zone)} "
             f"({report.filter.describe()})", "",
             f"Volume: {v.created} created, {v.resolved} resolved, {v.closed} closed, "
             f"{v.reopened} reopened; backlog {v.backlog_start} at the start, "
             f"{v.backlog_end} at the end",
             "Backlog age: " + ", ".join(f"{label} {n}" for label, n in report.backlog_age),
             "", f"SLA attainment by {report.group_by} (tickets created in the period):"]
    if not c.attainment:
        lines.append("  no tickets created in that period")
    for a in c.attainment:
        verdict = {True: "pass", False: "MISS", None: ""}[a.passed]
        goal = f"goal {a.goal * 100:.0f} %" if a.goal is not None else ""
        lines.append(f"  {a.group:<16} {a.target:<15} {a.met:>5} met {a.missed:>5} missed "
                     f"{a.pending:>5} pending  {pct(a.attainment):>8}  {goal:<10} {verdict}")
    lines += ["", "Business time (mean / median / 90th percentile):"]
    for t in c.times:
        f, r = t.first_response, t.resolution
        lines.append(f"  {t.group:<4} first response {dur(f.mean_s)} / {dur(f.median_s)} / "
                     f"{dur(f.p90_s)} ({f.count}); resolution {dur(r.mean_s)} / "
                     f"{dur(r.median_s)} / {dur(r.p90_s)} ({r.count})")
    lines += ["", f"Average speed of answer: {dur(c.average_speed_of_answer_s)}",
              f"First contact resolution: {pct(c.first_contact_resolution.value)} "
              f"({c.first_contact_resolution.count} of {c.first_contact_resolution.of})",
              f"Reopened: {pct(c.reopen_rate.value)} ({c.reopen_rate.count} of "
              f"{c.reopen_rate.of})",
              f"Reassigned: {pct(c.reassignment.value)} ({c.reassignment.count} of "
              f"{c.reassignment.of})",
              "CSAT: " + (f"{c.csat.average:.2f} average, {pct(c.csat.satisfied.value)} rated "
                          f"4-5, {c.csat.rated} rated" if c.csat.average is not None
                          else "no ratings")]
    if report.waiting:
        lines += ["", "Waiting on the customer's side (business time):"]
        lines += [f"  {w.organization:<28} customer {dur(w.customer_s):>9}  third party "
                  f"{dur(w.third_party_s):>9}  ({w.tickets} tickets)" for w in report.waiting]
    return "\n".join(lines) + "\n"
