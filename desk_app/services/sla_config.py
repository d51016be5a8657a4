"""Calendars and policies as stored rows <-> the domain's SlaSetup.

JSON formats (kept readable for anyone inspecting the database):
  weekly:     {"0": [["09:00", "12:00"], ["13:00", "17:00"]], ..., "6": []}  ("24:00" allowed
              as an end; "00:00" as an end also means midnight)
  holidays:   ["2026-12-24", ["2026-12-28", "2026-12-31"]]
  conditions: {"priorities": ["P1"], "categories": [], "tiers": [], "organizations": [],
               "products": []}
"""

from __future__ import annotations

import json
from datetime import date, time
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from sqlmodel import col

from desk_app.domain.calendar import BusinessCalendar
from desk_app.domain.enums import Priority, Status, Tier
from desk_app.domain.sla import PolicyConditions, SlaPolicy, SlaSetup, default_setup
from desk_app.store.models import SlaCalendarRow, SlaPolicyRow


def _time_text(t: time) -> str:
    return t.strftime("%H:%M")


def _parse_time(text: str) -> time:
    return time(0) if text in ("24:00", "00:00") else time.fromisoformat(text)


def calendar_to_row(cal: BusinessCalendar, name: str) -> SlaCalendarRow:
    weekly = {str(d): [[_time_text(s), "24:00" if e == time(0) else _time_text(e)]
                       for s, e in cal.weekly.get(d, ())] for d in range(7)}
    holidays: list[Any] = []
    for item in cal.holidays:
        if isinstance(item, tuple):
            holidays.append([item[0].isoformat(), item[1].isoformat()])
        else:
            holidays.append(item.isoformat())
    return SlaCalendarRow(name=name, tz=cal.tz, weekly_json=json.dumps(weekly),
                          holidays_json=json.dumps(holidays), country=cal.country,
                          subdivision=cal.subdivision)


def calendar_from_row(row: SlaCalendarRow) -> BusinessCalendar:
    weekly = {int(d): [(_parse_time(s), _parse_time(e)) for s, e in spans]
              for d, spans in json.loads(row.weekly_json).items()}
    holidays: list[date | tuple[date, date]] = []
    for item in json.loads(row.holidays_json):
        if isinstance(item, list):
            holidays.append((date.fromisoformat(item[0]), date.fromisoformat(item[1])))
        else:
            holidays.append(date.fromisoformat(item))
    return BusinessCalendar(tz=row.tz, weekly=weekly, holidays=holidays, country=row.country,
                            subdivision=row.subdivision, name=row.name)


def _conditions_json(c: PolicyConditions) -> str:
    return json.dumps({
        "priorities": sorted(p.value for p in c.priorities),
        "categories": sorted(c.categories), "tiers": sorted(t.value for t in c.tiers),
        "organizations": sorted(c.organizations), "products": sorted(c.products)})


def _conditions(text: str) -> PolicyConditions:
    data = json.loads(text or "{}")
    return PolicyConditions(
        priorities=frozenset(Priority(p) for p in data.get("priorities", [])),
        categories=frozenset(data.get("categories", [])),
        tiers=frozenset(Tier(t) for t in data.get("tiers", [])),
        organizations=frozenset(data.get("organizations", [])),
        products=frozenset(data.get("products", [])))


def load_setup(s: Session) -> SlaSetup | None:
    """The stored setup, or None when nothing is stored yet."""
    cal_rows = list(s.execute(select(SlaCalendarRow)).scalars())
    if not cal_rows:
        return None
    by_id = {r.id: r.name for r in cal_rows}
    calendars = {r.name: calendar_from_row(r) for r in cal_rows}
    policies = [
        SlaPolicy(name=r.name, calendar=by_id[r.calendar_id],
                  first_response_s=r.first_response_s, resolution_s=r.resolution_s,
                  conditions=_conditions(r.conditions_json),
                  thresholds=tuple(json.loads(r.thresholds_json)),
                  pause_statuses=frozenset(Status(x) for x in
                                           json.loads(r.pause_statuses_json)),
                  goal_first_response=r.goal_first_response, goal_resolution=r.goal_resolution)
        for r in s.execute(select(SlaPolicyRow).order_by(col(SlaPolicyRow.position),
                                                         col(SlaPolicyRow.id))).scalars()
    ]
    return SlaSetup(calendars=calendars, policies=policies)


def store_setup(s: Session, setup: SlaSetup) -> None:
    """Replace the stored calendars and policies with `setup` (one transaction)."""
    s.execute(delete(SlaPolicyRow))
    s.execute(delete(SlaCalendarRow))
    s.flush()
    ids: dict[str, int] = {}
    for name, cal in setup.calendars.items():
        row = calendar_to_row(cal, name)
        s.add(row)
        s.flush()
        assert row.id is not None
        ids[name] = row.id
    for position, p in enumerate(setup.policies):
        s.add(SlaPolicyRow(
            position=position, name=p.name, calendar_id=ids[p.calendar],
            first_response_s=p.first_response_s, resolution_s=p.resolution_s,
            conditions_json=_conditions_json(p.conditions),
            thresholds_json=json.dumps(list(p.thresholds)),
            pause_statuses_json=json.dumps(sorted(x.value for x in p.pause_statuses)),
            goal_first_response=p.goal_first_response, goal_resolution=p.goal_resolution))
    s.flush()


def ensure_default_setup(s: Session, user_tz: str) -> SlaSetup:
    """The stored setup, creating the defaults on first use."""
    setup = load_setup(s)
    if setup is None:
        store_setup(s, default_setup(user_tz))
        setup = load_setup(s)  # the stored form, so later reloads compare equal
        assert setup is not None
    return setup
