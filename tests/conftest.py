"""Shared fixtures. Qt runs offscreen; every test gets its own real SQLite file."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desk_app.app import AppContext, open_context
from desk_app.domain.enums import Channel, Impact, Status, Urgency
from desk_app.domain.ticket import RequesterInput, TicketDraft
from desk_app.services.tickets import TicketDetail, TicketEdit

# The technician the tests act as; the `ctx` fixture creates them (and a colleague).
ME = "Alex Morgan"
COLLEAGUE = "Priya Raman"


@pytest.fixture(autouse=True, scope="session")
def private_session_bus() -> Iterator[str | None]:
    """A private D-Bus session bus for the whole run, started before anything (Qt, plyer,
    dbus-python) caches a bus address; no test ever talks to a real desktop's bus."""
    try:
        from dbusmock import BusType, PrivateDBus
    except ImportError:  # python-dbusmock is in the test extra; without it, no bus at all
        os.environ.pop("DBUS_SESSION_BUS_ADDRESS", None)
        yield None
        return
    with PrivateDBus(BusType.SESSION) as bus:
        yield bus.address


@pytest.fixture
def notification_daemon(private_session_bus: str | None) -> Iterator[object]:
    """A real notification daemon (dbusmock's template) on the private bus; yields the mock
    object, whose GetMethodCalls("Notify") tells what arrived."""
    if private_session_bus is None:
        pytest.skip("python-dbusmock is not installed")
    from dbusmock import SpawnedMock

    mock = SpawnedMock.spawn_with_template("notification_daemon")
    try:
        yield mock.obj
    finally:
        mock.terminate()


@pytest.fixture(autouse=True, scope="session")
def _private_user_folders(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep settings, logs and default databases out of the real home folder."""
    root = tmp_path_factory.mktemp("home")
    saved = {k: os.environ.get(k) for k in ("XDG_DATA_HOME", "XDG_CONFIG_HOME",
                                             "XDG_STATE_HOME", "XDG_CACHE_HOME", "DESK_APP_DB")}
    for key in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        os.environ[key] = str(root / key.lower())
    os.environ.pop("DESK_APP_DB", None)
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


class FakeClock:
    """A clock the test moves by hand; starts on a Monday morning, UTC."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 16, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "desk.sqlite3"


@pytest.fixture
def ctx(db_path: Path, clock: FakeClock) -> Iterator[AppContext]:
    context = open_context(db_path, clock=clock, user_tz="UTC")
    context.directory.ensure_technician(ME)
    context.directory.ensure_technician(COLLEAGUE)
    yield context
    context.close()


def make_draft(**overrides: object) -> TicketDraft:
    """A valid draft; tests override only what they are about."""
    requester = overrides.pop("requester", RequesterInput(
        name="Anna Adler", email="anna.adler@northwind.example", organization="Northwind"))
    values: dict[str, object] = {
        "title": "Printer on 2nd floor offline", "requester": requester,
        "description": "Since this morning.", "category": "Technical support",
        "channel": Channel.PHONE, "impact": Impact.MEDIUM, "urgency": Urgency.MEDIUM,
    }
    values.update(overrides)
    return TicketDraft(**values)  # type: ignore[arg-type]


def move(ctx: AppContext, ticket_id: int, status: Status, *, actor: str = ME,
         resolution_note: str | None = None, csat_score: int | None = None) -> TicketDetail:
    """Move a ticket to `status` from whatever version it has now (loaded first, as the
    window would), and return its detail after the move: how a test puts a ticket into the
    state it is about."""
    current = ctx.tickets.detail(ticket_id)
    return ctx.tickets.change_status(ticket_id, status, expected_version=current.version,
                                     actor=actor, resolution_note=resolution_note,
                                     csat_score=csat_score)


def edit_of(d: TicketDetail, **changes: object) -> TicketEdit:
    """The edit that keeps every field of `d` as it is, except `changes`."""
    base = TicketEdit(title=d.title, description=d.description, category=d.category,
                      product=d.product, impact=d.impact, urgency=d.urgency,
                      priority_override=d.priority if d.priority_overridden else None,
                      channel=d.channel, assignee=d.assignee, organization=d.organization)
    return replace(base, **changes)  # type: ignore[arg-type]
