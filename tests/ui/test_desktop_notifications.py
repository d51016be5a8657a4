"""Desktop notifications over the session bus, against dbusmock's real notification daemon:
what arrives (title, body, action, hints, wire types), a click that brings the window up on
the ticket, and the fallbacks when the daemon is missing or refuses."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from desk_app.app import AppContext
from desk_app.domain.risk import Risk
from desk_app.platform.freedesktop import FreedesktopNotifier, NotificationBusError
from desk_app.platform.notifier import CallbackNotifier, PlyerNotifier, Urgency
from desk_app.services.alerts import Notice
from desk_app.services.ticket_list import QuickFilter
from desk_app.ui.main_window import MainWindow
from desk_app.ui.sla.notification_center import NotificationCenter
from tests.conftest import ME, make_draft

WindowFactory = Callable[[], MainWindow]
IFACE = "org.freedesktop.Notifications"

# Real daemons built on GDBus or sd-bus (GNOME Shell, dunst, xfce4-notifyd, mako) refuse a
# Notify whose wire signature is not the specification's; dbusmock's template converts what
# it gets and would accept an INT32 replaces_id. This stricter Notify checks the types as
# they came over the wire (dbusmock runs the code with the raw arguments in `m_args`).
STRICT_NOTIFY = """
m = dbus.lowlevel.MethodCallMessage('a.b', '/a', 'a.b', 'a')
m.append(*m_args)
wire = m.get_signature()
if wire != 'susssasa{sv}i' or not isinstance(m_args[6].get('urgency'), dbus.Byte):
    raise dbus.exceptions.DBusException('wire signature ' + wire,
                                        name='org.freedesktop.DBus.Error.InvalidArgs')
ret = self.next_id
self.next_id += 1
"""


def _emit(daemon: object, name: str, signature: str, args: list[object]) -> None:
    """Emit a signal from the mock daemon, as a desktop does on a click or a close."""
    daemon.EmitSignal(IFACE, name, signature, args,  # type: ignore[attr-defined]
                      signature="sssav")


def _notify_calls(daemon: object) -> list[list[object]]:
    return [list(args) for _stamp, args in
            daemon.GetMethodCalls("Notify")]  # type: ignore[attr-defined]


@pytest.fixture
def notifier(qtbot: QtBot) -> FreedesktopNotifier:
    made = FreedesktopNotifier()
    yield made
    made.close()


def test_notify_arrives_with_title_body_default_action_and_hints(
        notification_daemon: object, notifier: FreedesktopNotifier) -> None:
    notification_daemon.AddMethod(IFACE, "Notify",  # type: ignore[attr-defined]
                                  "susssasa{sv}i", "u", STRICT_NOTIFY)
    center = NotificationCenter([notifier])
    assert notifier.available()
    used = center.deliver(Notice("HD-1042 Printer <2nd> & scanner offline",
                                 "Resolution target breached 5 m ago · Alex Morgan",
                                 ticket_id=42, level=Risk.BREACHED))
    assert used == "Desktop notifications"
    [call] = _notify_calls(notification_daemon)
    app_name, replaces_id, icon, summary, body, actions, hints, timeout = call
    assert (app_name, replaces_id, icon) == ("Desk App", 0, "desk-app")
    assert summary == "HD-1042 Printer <2nd> & scanner offline"  # summaries are plain text
    assert body == "Resolution target breached 5 m ago · Alex Morgan"
    assert list(actions) == ["default", "Open ticket"]
    assert dict(hints) == {"urgency": Urgency.CRITICAL, "desktop-entry": "desk-app"}
    assert timeout == -1  # the desktop's own default
    assert notifier.ticket_of == {1: 42}


def test_body_markup_is_escaped_when_the_daemon_reads_markup(
        private_session_bus: str | None, notifier: FreedesktopNotifier) -> None:
    from dbusmock import SpawnedMock

    mock = SpawnedMock.spawn_with_template("notification_daemon",
                                           {"capabilities": "body body-markup actions"})
    try:
        notifier.send("T", "Printer <2nd> & scanner", ticket_id=1, urgency=Urgency.NORMAL)
        [call] = _notify_calls(mock.obj)
        assert call[4] == "Printer &lt;2nd&gt; &amp; scanner"
        assert dict(call[6])["urgency"] == Urgency.NORMAL
    finally:
        mock.terminate()


def test_a_newer_notice_replaces_the_one_still_shown_for_the_ticket(
        notification_daemon: object, notifier: FreedesktopNotifier, qtbot: QtBot) -> None:
    notifier.send("HD-1 x", "At risk", ticket_id=7)
    notifier.send("HD-1 x", "Breached", ticket_id=7)
    notifier.send("HD-2 y", "At risk", ticket_id=8)
    assert [c[1] for c in _notify_calls(notification_daemon)] == [0, 1, 0]
    _emit(notification_daemon, "NotificationClosed", "uu", [1, 2])  # dismissed
    qtbot.waitUntil(lambda: 1 not in notifier.ticket_of)
    assert notifier.ticket_of == {2: 8}
    notifier.send("HD-1 x", "Breached 1 h ago", ticket_id=7)
    assert _notify_calls(notification_daemon)[-1][1] == 0  # nothing left to replace


def test_a_click_brings_the_window_up_on_that_ticket(
        notification_daemon: object, make_window: WindowFactory, ctx: AppContext,
        qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_ACTIVATION_TOKEN", raising=False)
    wanted = ctx.tickets.create(make_draft(title="Printer offline"), actor=ME)
    other = ctx.tickets.create(make_draft(title="Mail bounce"), actor=ME)
    window = make_window()
    # The technician has narrowed the list so that the ticket is not in it.
    window.set_filter(QuickFilter.RESOLVED)
    window.search.setText("bounce")
    window.apply_search()
    assert window.model.row_of(wanted.id) is None
    elsewhere = QWidget()
    qtbot.addWidget(elsewhere)
    elsewhere.show()
    elsewhere.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is elsewhere)

    used = window.watch.center.deliver(Notice(f"{wanted.display_number} Printer offline",
                                              "Resolution target breached",
                                              ticket_id=wanted.id, level=Risk.BREACHED))
    assert used == "Desktop notifications"
    [notification_id] = window.watch.desktop_notifier.ticket_of
    _emit(notification_daemon, "ActivationToken", "us", [notification_id, "token-42"])
    _emit(notification_daemon, "ActionInvoked", "us", [notification_id, "default"])

    qtbot.waitUntil(lambda: window.selected_ticket_id() == wanted.id)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    assert window.search.text() == "" and window.model.query.search == ""
    assert window.filter_buttons[QuickFilter.ALL].isChecked()
    assert window.detail.detail is not None and window.detail.detail.id == wanted.id
    assert os.environ["XDG_ACTIVATION_TOKEN"] == "token-42"  # for Qt's Wayland plugin
    assert not window._search_timer.isActive()  # no late re-query will move it away
    assert other.id != wanted.id


def test_clicks_on_other_notifications_and_other_actions_are_ignored(
        notification_daemon: object, notifier: FreedesktopNotifier, qtbot: QtBot) -> None:
    clicked: list[int] = []
    notifier.sig_activated.connect(clicked.append)
    notifier.send("HD-1 x", "y", ticket_id=5)
    _emit(notification_daemon, "ActionInvoked", "us", [99, "default"])  # another app's
    _emit(notification_daemon, "ActionInvoked", "us", [1, "snooze"])    # not offered
    notifier.send("HD-2 x", "y", ticket_id=6)  # its reply comes after both signals
    assert clicked == []
    _emit(notification_daemon, "NotificationClosed", "uu", [1, 3])
    _emit(notification_daemon, "ActionInvoked", "us", [1, "default"])   # closed: forgotten
    _emit(notification_daemon, "ActionInvoked", "us", [2, "default"])
    qtbot.waitUntil(lambda: clicked == [6])


def test_a_summary_click_raises_the_window_without_changing_the_view(
        notification_daemon: object, make_window: WindowFactory, ctx: AppContext,
        qtbot: QtBot) -> None:
    ticket = ctx.tickets.create(make_draft(), actor=ME)
    window = make_window()
    window.select_ticket(ticket.id)
    window.showMinimized()
    window.watch.center.deliver(Notice("6 tickets breached their resolution target",
                                       "HD-1001, HD-1002", level=Risk.BREACHED))
    [notification_id] = window.watch.desktop_notifier.ticket_of
    assert window.watch.desktop_notifier.ticket_of[notification_id] == 0
    assert _notify_calls(notification_daemon)[0][5] == ["default", "Show"]
    _emit(notification_daemon, "ActionInvoked", "us", [notification_id, "default"])
    qtbot.waitUntil(lambda: not window.isMinimized() and window.isVisible())
    assert window.selected_ticket_id() == ticket.id


def test_no_daemon_on_the_bus_falls_back_without_raising(
        private_session_bus: str | None, notifier: FreedesktopNotifier, qtbot: QtBot) -> None:
    assert private_session_bus is not None  # the test extra's private bus, without a daemon
    assert not notifier.available()
    with pytest.raises(NotificationBusError, match="refused"):
        notifier.send("T", "B", ticket_id=1)
    banner: list[str] = []
    center = NotificationCenter([notifier, PlyerNotifier(),
                                 CallbackNotifier("In-app banner",
                                                  lambda t, b: banner.append(t),
                                                  lambda: True)])
    assert center.active_path() == "In-app banner"
    assert center.deliver(Notice("HD-1 x", "y", ticket_id=1)) == "In-app banner"
    assert banner == ["HD-1 x"]


def test_a_daemon_that_refuses_falls_through_to_the_next(
        notification_daemon: object, notifier: FreedesktopNotifier, qtbot: QtBot) -> None:
    notification_daemon.AddMethod(  # type: ignore[attr-defined]
        IFACE, "Notify", "susssasa{sv}i", "u",
        "raise dbus.exceptions.DBusException('too many', name='org.example.Error.Busy')")
    banner: list[str] = []
    center = NotificationCenter([notifier, CallbackNotifier(
        "In-app banner", lambda t, b: banner.append(t), lambda: True)])
    with qtbot.waitSignal(center.sig_delivery_failed) as failed:
        assert center.deliver(Notice("HD-1 x", "y", ticket_id=1)) == "In-app banner"
    assert "too many" in failed.args[0] and banner == ["HD-1 x"]
    assert notifier.available()  # the connection survives a refused call


def test_a_daemon_that_goes_away_falls_back_and_one_that_returns_is_used(
        private_session_bus: str | None, notifier: FreedesktopNotifier) -> None:
    from dbusmock import SpawnedMock

    banner: list[str] = []
    center = NotificationCenter([notifier, CallbackNotifier(
        "In-app banner", lambda t, b: banner.append(t), lambda: True)])
    first = SpawnedMock.spawn_with_template("notification_daemon")
    assert center.deliver(Notice("one", "x", ticket_id=1)) == "Desktop notifications"
    first.terminate()
    assert center.deliver(Notice("two", "x", ticket_id=1)) == "In-app banner"
    second = SpawnedMock.spawn_with_template("notification_daemon")
    try:
        assert center.deliver(Notice("three", "x", ticket_id=1)) == "Desktop notifications"
        # A new daemon's ids start again: the old notification is not "replaced".
        assert [c[1] for c in _notify_calls(second.obj)] == [0]
    finally:
        second.terminate()
    assert banner == ["two"]


def test_without_any_session_bus_nothing_raises() -> None:
    code = (
        "import os\n"
        "os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from desk_app.platform.freedesktop import FreedesktopNotifier\n"
        "from desk_app.platform.notifier import PlyerNotifier, CallbackNotifier\n"
        "from desk_app.ui.sla.notification_center import NotificationCenter\n"
        "from desk_app.services.alerts import Notice\n"
        "got = []\n"
        "c = NotificationCenter([FreedesktopNotifier(), PlyerNotifier(),\n"
        "    CallbackNotifier('In-app banner', lambda t, b: got.append(t), lambda: True)])\n"
        "print(c.active_path(), '|', c.deliver(Notice('T', 'B', ticket_id=3)), '|', got)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "In-app banner | In-app banner | ['T']"
    assert "Traceback" not in result.stderr


def test_plyer_says_no_when_its_linux_backend_would_raise(notification_daemon: object) -> None:
    """A plain install: no dbus-python, no notify-send. plyer's facade would raise
    NotImplementedError at send time, so it must not claim to be available."""
    code = (
        "import sys\n"
        "sys.modules['dbus'] = None  # as on a plain install: import dbus fails\n"
        "from desk_app.platform.notifier import PlyerNotifier, session_bus_has_notifications\n"
        "print(session_bus_has_notifications(), PlyerNotifier().available())\n"
    )
    env = dict(os.environ, PATH=os.path.dirname(sys.executable))  # no notify-send
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False"]
    assert "Traceback" not in result.stderr  # plyer's own complaint is kept quiet
