"""Shared fixtures. Qt runs offscreen; every test gets its own real SQLite file, and tests
marked `both_engines` run once more on a fresh database of a real PostgreSQL server
(tests/helpers/postgres.py)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from desk_app.app import AppContext, open_context
from desk_app.domain.enums import Channel, Impact, Status, Urgency
from desk_app.domain.ticket import RequesterInput, TicketDraft
from desk_app.services.audience import Listener, Scope
from desk_app.services.monitor import MonitorService
from desk_app.services.tickets import TicketDetail, TicketEdit
from tests.helpers.outage import OutageServer
from tests.helpers.postgres import (
    PostgresServer,
    PostgresUnavailable,
    pgpass_for,
    start_server,
)
from tests.helpers.secret_service import SecretServiceUnavailable, start_secret_service

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


@pytest.fixture(scope="session")
def secret_service_daemon(private_session_bus: str | None,
                          tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """gnome-keyring-daemon (secrets only, unlocked) on the private session bus for the
    rest of the run (tests/helpers/secret_service.py); yields the bus address. Cannot
    start: the test skips with the reason, or fails under CI=true."""
    try:
        if private_session_bus is None:
            raise SecretServiceUnavailable("python-dbusmock is not installed: no private "
                                           "session bus to run a Secret Service on")
        daemon = start_secret_service(private_session_bus,
                                      tmp_path_factory.mktemp("secret-service"))
    except SecretServiceUnavailable as exc:
        reason = f"no Secret Service for the tests: {exc}"
        if _in_ci():
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield private_session_bus
    finally:
        daemon.stop()


@pytest.fixture
def secret_service(secret_service_daemon: str) -> Iterator[object]:
    """keyring's SecretStorage backend, talking to the real daemon, installed as this
    process's keyring for the test (and the one a subprocess picks by itself, as the
    daemon is on its session bus); the previous keyring comes back after."""
    import keyring
    from keyring.backends import SecretService

    backend = SecretService.Keyring()
    saved = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(saved)


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


# --- the two engines ---------------------------------------------------------------------

ENGINES = ("sqlite", "postgresql")


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test marked `both_engines` that uses the desk (`desk_engine`, so `ctx` or
    `desk_target`) runs once per engine, with ids [sqlite] and [postgresql]."""
    if (metafunc.definition.get_closest_marker("both_engines") is not None
            and "desk_engine" in metafunc.fixturenames
            and not any("desk_engine" in m.args[0] for m in
                        metafunc.definition.iter_markers("parametrize"))):
        metafunc.parametrize("desk_engine", [
            pytest.param("sqlite", id="sqlite"),
            pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgresql)],
            indirect=True)


# For a test in a `both_engines` module that is about SQLite itself (its file, its locks).
sqlite_only = pytest.mark.parametrize("desk_engine", ["sqlite"], indirect=True)


def _on_postgresql(item: pytest.Item) -> bool:
    return ("postgresql" in item.keywords
            or "postgres_server" in getattr(item, "fixturenames", ()))


def _on_secret_service(item: pytest.Item) -> bool:
    return "secret_service" in getattr(item, "fixturenames", ())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                              ) -> Iterator[None]:
    """Under CI=true a PostgreSQL test that skips is a failure: a CI run that silently
    tested one engine would claim what it did not check."""
    report = yield
    if _on_secret_service(item) and report.skipped and _in_ci() \
            and not hasattr(report, "wasxfail"):
        # The same rule for the keyring tests that need the real Secret Service.
        report.outcome = "failed"
        report.longrepr = f"Secret Service test skipped under CI=true: {report.longrepr}"
    if not _on_postgresql(item):
        return report
    report.keywords["postgresql"] = 1  # for the summary line below
    if report.skipped and _in_ci() and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"PostgreSQL test skipped under CI=true: {report.longrepr}"
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line saying how many tests ran on PostgreSQL, and how they ended."""
    outcomes: dict[str, str] = {}
    for outcome in ("failed", "error", "skipped", "passed"):  # the worst phase counts
        for report in terminalreporter.stats.get(outcome, []):
            if ("postgresql" in getattr(report, "keywords", {})
                    and (outcome != "passed" or report.when == "call")):
                outcomes.setdefault(report.nodeid, outcome)
    if outcomes:
        counts = Counter(outcomes.values())
        terminalreporter.write_line("PostgreSQL tests: " + ", ".join(
            f"{n} {outcome}" for outcome, n in sorted(counts.items())))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL cluster for the whole run (see tests/helpers/postgres.py).
    Cannot start: the test skips with the reason, or fails under CI=true."""
    try:
        import psycopg  # noqa: F401
        server = start_server()
    except (PostgresUnavailable, ImportError) as exc:
        reason = f"no PostgreSQL server for the tests: {exc}"
        if _in_ci():
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        with pgpass_for(server):
            yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_desk_template(postgres_server: PostgresServer) -> str:
    """A database migrated to the head revision once; each test's desk is a copy of it
    (CREATE DATABASE … TEMPLATE takes milliseconds, the migrations most of a second)."""
    from desk_app.store.engine import make_engine
    from desk_app.store.migrate import upgrade_database

    name = postgres_server.create_database(prefix="desk_template")
    engine = make_engine(postgres_server.url(name))
    try:
        upgrade_database(engine, now=datetime(2026, 11, 16, 9, tzinfo=UTC))
    finally:
        engine.dispose()  # a template must have no connections when it is copied
    return name


@pytest.fixture
def postgres_url(postgres_server: PostgresServer, postgres_desk_template: str
                 ) -> Iterator[str]:
    """The URL of a fresh, migrated desk database of this test's own; dropped after."""
    name = postgres_server.create_database(template=postgres_desk_template)
    yield postgres_server.url(name)
    postgres_server.drop_database(name)


@dataclass(frozen=True)
class TeamLogin:
    """An empty team desk owned by a role of its own, whose password only the test knows
    (the .pgpass file covers the superuser alone): `url` has no password in it."""

    url: str
    role: str
    password: str
    database: str
    port: int


@pytest.fixture
def team_login(postgres_server: PostgresServer) -> Iterator[TeamLogin]:
    role, password = postgres_server.create_login()
    name = postgres_server.create_database(prefix="team")
    with postgres_server.admin() as conn:
        conn.execute(f"ALTER DATABASE {name} OWNER TO {role}")  # type: ignore[attr-defined]
    yield TeamLogin(url=f"postgresql+psycopg://{role}@127.0.0.1:{postgres_server.port}/{name}",
                    role=role, password=password, database=name, port=postgres_server.port)
    postgres_server.drop_database(name)
    with postgres_server.admin() as conn:
        conn.execute(f"DROP ROLE IF EXISTS {role}")  # type: ignore[attr-defined]


@pytest.fixture
def postgres_empty_url(postgres_server: PostgresServer) -> Iterator[str]:
    """The URL of a fresh, empty database (no tables): for the migrations themselves."""
    name = postgres_server.create_database(prefix="empty")
    yield postgres_server.url(name)
    postgres_server.drop_database(name)


@pytest.fixture
def desk_engine(request: pytest.FixtureRequest) -> str:
    """"sqlite" unless the test is parametrised over ENGINES (marker `both_engines`)."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def desk_target(desk_engine: str, db_path: Path, request: pytest.FixtureRequest
                ) -> str | Path:
    """What `--db` would be given: the SQLite file, or the PostgreSQL database's URL."""
    if desk_engine == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    return db_path


@pytest.fixture
def ctx(desk_target: str | Path, clock: FakeClock) -> Iterator[AppContext]:
    context = open_context(desk_target, clock=clock, user_tz="UTC")
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


def monitor_for(ctx: AppContext, name: str = ME, *,
                scope: Scope = Scope.MINE_AND_UNASSIGNED) -> MonitorService:
    """A monitor as the window of technician `name` runs it: its own service (as each
    window's process has), deciding notifications for them in `scope`."""
    technician_id = ctx.directory.technician_id(name)
    assert technician_id is not None, f"no technician {name!r} on this desk"
    return MonitorService(ctx.db, ctx.sla, listener=Listener(technician_id, scope))


# --- a server that goes away (tests/helpers/outage.py) ------------------------------------

@pytest.fixture(scope="module")
def outage_server(postgres_server: PostgresServer) -> Iterator[OutageServer]:
    """A PostgreSQL server of the module's own that its tests stop and start (never the
    shared `postgres_server`, which only orders the .pgpass files here)."""
    from tests.helpers.outage import outage_server as start_outage_server

    try:
        with start_outage_server() as server:
            yield server
    except PostgresUnavailable as exc:
        if _in_ci():
            pytest.fail(f"no second PostgreSQL server for the outage tests: {exc}")
        pytest.skip(f"no second PostgreSQL server for the outage tests: {exc}")


@pytest.fixture
def outage_url(outage_server: OutageServer) -> Iterator[str]:
    """A fresh migrated desk on the outage server; the server is up again afterwards."""
    url = outage_server.new_desk()
    yield url
    if not outage_server.is_running():
        outage_server.start()
    from sqlalchemy.engine import make_url

    outage_server.server.drop_database(str(make_url(url).database))
