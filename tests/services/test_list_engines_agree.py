"""The ticket list finds the same tickets, in the same order, on both engines: every sort,
and search for the substrings that are easy to get wrong: LIKE's own wildcards (% and _)
and the escape character typed as text, non-ASCII letters (case folded for ASCII only, as
SQLite's LIKE does), numbers and requesters.

PostgreSQL answers search through other indexes and another query shape than SQLite
(migration 0011's trigram indexes, `= ANY(ARRAY(...))` for requesters): the same desk is
written to an SQLite file and to a PostgreSQL database and every search must return the
same tickets in the same order, and the ones listed here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desk_app.app import AppContext, open_context
from desk_app.domain.ticket import RequesterInput
from desk_app.services.ticket_list import QuickFilter, SortKey, TicketListQuery
from tests.conftest import ME, FakeClock, make_draft

# (title, description, requester name, requester email)
TICKETS = (
    ("Discount of 100% not applied", "Checkout shows 100 percent", "Ann Lee", "ann@a.example"),
    ("Discount of 100 percent", "No wildcard here", "Bob Roe", "bob@b.example"),
    ("file_name.txt missing", "Was on the share", "Cleo Day", "cleo@c.example"),
    ("fileXname.txt missing", "Decoy for the underscore", "Dan Fox", "dan@d.example"),
    ("Café crème machine broken", "Kitchen, 2nd floor", "Élodie Müller", "elodie@e.example"),
    ("CAFE menu printer", "ASCII only", "Fritz Groß", "fritz@f.example"),
    ("Naïve Bayes filter too strict", "Spam rules", "Søren Ødegaard", "soren@g.example"),
    ("Backslash \\ in path", "C:\\temp\\x", "Hana 日本", "hana@h.example"),
    ("Straße sign-in fails", "ÄÖÜ äöü in password", "Ivo O'Brien", "ivo_obrien@i.example"),
    ("Printer jam", "Tray 2", "Jo Printz", "jo@j.example"),
)

SEARCHES_AND_TITLES: dict[str, set[str]] = {
    "%": {"Discount of 100% not applied"},
    "100%": {"Discount of 100% not applied"},
    "_": {"file_name.txt missing", "Straße sign-in fails"},  # ivo_obrien@…
    "e_n": {"file_name.txt missing"},
    "\\": {"Backslash \\ in path"},
    "café": {"Café crème machine broken"},
    "CAFÉ": set(),  # É is not folded to é (ASCII-only case folding on both engines)
    "caf": {"Café crème machine broken", "CAFE menu printer"},
    "crème": {"Café crème machine broken"},
    "müller": {"Café crème machine broken"},
    "naïve": {"Naïve Bayes filter too strict"},
    "ødegaard": set(),  # Ø is not folded either
    "Ødegaard": {"Naïve Bayes filter too strict"},
    "groß": {"CAFE menu printer"},
    "äöü": {"Straße sign-in fails"},
    "日本": {"Backslash \\ in path"},
    "o'brien": {"Straße sign-in fails"},
    "printer": {"CAFE menu printer", "Printer jam"},
    "printz": {"Printer jam"},
    "percent 100": {"Discount of 100% not applied", "Discount of 100 percent"},
    "HD-1003": {"file_name.txt missing"},
    "1003": {"file_name.txt missing"},
    "xy": set(),
}


@pytest.fixture
def desks(db_path: Path, postgres_url: str) -> Iterator[tuple[AppContext, AppContext]]:
    opened = []
    for target in (db_path, postgres_url):
        ctx = open_context(target, clock=FakeClock(), user_tz="UTC")
        opened.append(ctx)
        for title, description, name, email in TICKETS:
            ctx.tickets.create(make_draft(
                title=title, description=description,
                requester=RequesterInput(name=name, email=email)), actor=ME)
    yield opened[0], opened[1]
    for ctx in opened:
        ctx.close()


def _found(ctx: AppContext, search: str) -> list[str]:
    query = TicketListQuery(quick_filter=QuickFilter.ALL, search=search, sort=SortKey.NUMBER,
                            descending=False)
    ids = ctx.lists.ids(query)
    rows = ctx.lists.rows(ids)
    return [rows[i].title for i in ids]


def test_search_finds_the_same_tickets_on_both_engines(
        desks: tuple[AppContext, AppContext]) -> None:
    """One desk pair for every search (each is a few milliseconds; the desks are not)."""
    lite, pg = ({search: _found(ctx, search) for search in SEARCHES_AND_TITLES}
                for ctx in desks)
    assert lite == pg
    assert {search: set(titles) for search, titles in lite.items()} == SEARCHES_AND_TITLES


@pytest.fixture
def generated_desks(db_path: Path, postgres_url: str
                    ) -> Iterator[tuple[AppContext, AppContext]]:
    """The same generated desk (blank due times, unassigned tickets, tickets with no
    organization) on both engines, with two organizations whose names differ only in case."""
    opened = []
    for target in (db_path, postgres_url):
        ctx = open_context(target, clock=FakeClock(), user_tz="UTC")
        opened.append(ctx)
        ctx.generator.generate(tickets=300, seed=12, span_days=60, include_technician=ME)
        for org in ("acme", "ACME", "Zeta"):
            for n in range(3):
                ctx.tickets.create(make_draft(title=f"{org} {n}", requester=RequesterInput(
                    name=f"{org} person {n}", organization=org)), actor=ME)
    yield opened[0], opened[1]
    for ctx in opened:
        ctx.close()


def test_every_sort_lists_the_same_tickets_in_the_same_order_on_both_engines(
        generated_desks: tuple[AppContext, AppContext]) -> None:
    """PostgreSQL reads some sorts as index ranges laid end to end (store/pg_sort_ranges.py),
    SQLite with one ORDER BY: blanks last in both directions, ties by id, equal names
    (ignoring case) merged by id."""
    def views(ctx: AppContext) -> dict[str, list[int]]:
        me = ctx.directory.technician_id(ME)
        out = {}
        for sort in SortKey:
            for descending in (False, True):
                for qf in (QuickFilter.ALL, QuickFilter.OPEN, QuickFilter.MINE):
                    query = TicketListQuery(quick_filter=qf, sort=sort, descending=descending,
                                            me_technician_id=me)
                    out[f"{sort.value} {descending} {qf.value}"] = ctx.lists.ids(query)
        return out

    lite, pg = (views(ctx) for ctx in generated_desks)
    assert len(lite["number False all"]) == 309
    assert lite == pg
