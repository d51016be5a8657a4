"""Filtering, searching and sorting the list, in SQL, on a small desk built for the test."""

from __future__ import annotations

import pytest

from desk_app.app import AppContext
from desk_app.domain.enums import Impact, Status, Urgency
from desk_app.domain.ticket import RequesterInput
from desk_app.services.ticket_list import QuickFilter, SortKey, TicketListQuery
from tests.conftest import ME, FakeClock, make_draft, move

# Runs on SQLite and on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.both_engines


@pytest.fixture
def desk(ctx: AppContext, clock: FakeClock) -> dict[str, int]:
    """Five tickets: numbers map to titles so assertions read naturally."""
    def add(title: str, requester: str, *, assignee: str = "", org: str = "",
            impact: Impact = Impact.LOW, urgency: Urgency = Urgency.LOW,
            description: str = "") -> int:
        clock.advance(minutes=10)
        return ctx.tickets.create(make_draft(
            title=title, assignee=assignee, impact=impact, urgency=urgency,
            description=description,
            requester=RequesterInput(name=requester, email=f"{requester.split()[0].lower()}"
                                     "@example.org", organization=org)), actor=ME).id

    ids = {
        "printer": add("Printer jam", "Zoe Vogel", assignee=ME, org="Acme",
                       impact=Impact.HIGH, urgency=Urgency.HIGH),
        "vpn": add("VPN drops", "Ben Brooks", assignee="Priya Raman", org="Bolt",
                   description="Happens on the 100% discount_code page"),
        "mail": add("Mailbox full", "Anna Adler"),
        "laptop": add("Laptop slow", "Carl Costa", assignee=ME, org="Acme",
                      impact=Impact.MEDIUM, urgency=Urgency.MEDIUM),
        "badge": add("Badge access", "Dora Dubois", org="Bolt"),
    }
    move(ctx, ids["vpn"], Status.WAITING_CUSTOMER)
    move(ctx, ids["badge"], Status.RESOLVED, resolution_note="Granted.")
    return ids


def _titles(ctx: AppContext, **kw: object) -> list[str]:
    query = TicketListQuery(**kw)  # type: ignore[arg-type]
    rows = ctx.lists.rows(ctx.lists.ids(query))
    return [rows[i].title for i in ctx.lists.ids(query)]


def test_quick_filters(ctx: AppContext, desk: dict[str, int]) -> None:
    me = ctx.directory.technician_id(ME)
    sort = {"sort": SortKey.NUMBER, "descending": False}
    assert _titles(ctx, quick_filter=QuickFilter.MINE, me_technician_id=me, **sort) == \
        ["Printer jam", "Laptop slow"]
    assert _titles(ctx, quick_filter=QuickFilter.UNASSIGNED, **sort) == ["Mailbox full"]
    assert _titles(ctx, quick_filter=QuickFilter.OPEN, **sort) == \
        ["Printer jam", "VPN drops", "Mailbox full", "Laptop slow"]
    assert _titles(ctx, quick_filter=QuickFilter.WAITING, **sort) == ["VPN drops"]
    assert _titles(ctx, quick_filter=QuickFilter.RESOLVED, **sort) == ["Badge access"]
    assert len(_titles(ctx, quick_filter=QuickFilter.ALL)) == 5
    counts = ctx.lists.counts(me)
    assert counts == {QuickFilter.MINE: 2, QuickFilter.UNASSIGNED: 1, QuickFilter.OPEN: 4,
                      QuickFilter.WAITING: 1, QuickFilter.AT_RISK: 0, QuickFilter.BREACHED: 0,
                      QuickFilter.RESOLVED: 1, QuickFilter.ALL: 5}


@pytest.mark.parametrize(("search", "expected"), [
    ("printer", ["Printer jam"]),            # title, case-insensitive
    ("dubois", ["Badge access"]),            # requester name
    ("ben@example", ["VPN drops"]),          # requester email
    ("HD-1003", ["Mailbox full"]),           # number with prefix
    ("1004", ["Laptop slow"]),               # bare number
    ("100%", ["VPN drops"]),                 # % is literal, not a wildcard
    ("discount_code", ["VPN drops"]),        # _ is literal too
    ("acme slow", []),                       # every word must match (org is not searched)
    ("laptop slow", ["Laptop slow"]),
    ("nothing-like-this", []),
])
def test_search(ctx: AppContext, desk: dict[str, int], search: str,
                expected: list[str]) -> None:
    assert _titles(ctx, quick_filter=QuickFilter.ALL, search=search, sort=SortKey.NUMBER,
                   descending=False) == expected


@pytest.mark.parametrize(("key", "ascending"), [
    (SortKey.NUMBER, ["Printer jam", "VPN drops", "Mailbox full", "Laptop slow",
                      "Badge access"]),
    (SortKey.PRIORITY, ["Printer jam", "Laptop slow", "VPN drops", "Mailbox full",
                        "Badge access"]),
    (SortKey.TITLE, ["Badge access", "Laptop slow", "Mailbox full", "Printer jam",
                     "VPN drops"]),
    (SortKey.REQUESTER, ["Mailbox full", "VPN drops", "Laptop slow", "Badge access",
                         "Printer jam"]),
    (SortKey.STATUS, ["Printer jam", "Mailbox full", "Laptop slow", "VPN drops",
                      "Badge access"]),  # workflow order, then number
    (SortKey.AGE, ["Badge access", "Laptop slow", "Mailbox full", "VPN drops",
                   "Printer jam"]),
])
def test_sorting_both_ways(ctx: AppContext, desk: dict[str, int], key: SortKey,
                           ascending: list[str]) -> None:
    assert _titles(ctx, quick_filter=QuickFilter.ALL, sort=key, descending=False) == ascending
    # Ties break on the id in the same direction, so descending is the exact mirror.
    assert _titles(ctx, quick_filter=QuickFilter.ALL, sort=key, descending=True) == \
        list(reversed(ascending))


def test_blank_organization_and_assignee_sort_last_both_ways(ctx: AppContext,
                                                             desk: dict[str, int]) -> None:
    for descending in (False, True):
        assert _titles(ctx, quick_filter=QuickFilter.ALL, sort=SortKey.ORGANIZATION,
                       descending=descending)[-1] == "Mailbox full"
        by_assignee = _titles(ctx, quick_filter=QuickFilter.ALL, sort=SortKey.ASSIGNEE,
                              descending=descending)
        assert set(by_assignee[-2:]) == {"Mailbox full", "Badge access"}
