"""Desktop notifications through org.freedesktop.Notifications on the session bus (Linux, BSD).

This is the path a plain `pip install` takes on a Linux desktop: it needs neither dbus-python
nor `notify-send`, which plyer's Linux backend needs and a plain install does not bring.

Why jeepney and not QtDBus, although PySide6 ships QtDBus: PySide6 (checked with 6.11) turns
every Python int into a D-Bus INT32, and its `QDBusArgument <<` writes an int as UINT16 and a
str as a BYTE, so no call made from Python can carry the UINT32 `replaces_id` that Notify's
signature `susssasa{sv}i` requires. Daemons built on GDBus or sd-bus (GNOME Shell, dunst,
xfce4-notifyd, mako) check that signature and refuse such a call as InvalidArgs. jeepney is a
small pure-Python D-Bus library (keyring already depends on it on Linux) that writes the exact
types, the BYTE urgency hint included.

Everything runs on the thread that owns this object (the GUI thread): Notify is one short round
trip with a time limit, and a QSocketNotifier hands the daemon's signals to the Qt event loop.
A click on a notification (the "default" action) emits `sig_activated` with the ticket's id;
the window raises itself on that ticket. On Wayland the daemon's ActivationToken is put where
Qt looks for it (XDG_ACTIVATION_TOKEN) so the compositor lets the window take the focus.
"""

from __future__ import annotations

import contextlib
import html
import logging
import os
from collections import deque
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, QSocketNotifier, QTimer, Signal

from desk_app.platform.notifier import (
    BODY_MAX,
    NOTIFICATIONS_SERVICE,
    TITLE_MAX,
    Urgency,
    clip,
)

# jeepney is imported inside the methods that use it: it is installed on Linux only (see
# pyproject.toml), and this module must still import where it is missing.
if TYPE_CHECKING:
    from jeepney import Message
    from jeepney.io.blocking import DBusConnection

log = logging.getLogger(__name__)
NOTIFICATIONS_PATH = "/org/freedesktop/Notifications"
NOTIFICATIONS_INTERFACE = "org.freedesktop.Notifications"
DESKTOP_ENTRY = "desk-app"  # resources/desk-app.desktop: lets the desktop show our name and icon
CALL_TIMEOUT_S = 2.0  # a local daemon answers in about a millisecond; never hang the window


class NotificationBusError(RuntimeError):
    """The session bus or the notification daemon could not be reached or refused the call."""


class FreedesktopNotifier(QObject):
    """Sends notifications with a "default" action and maps each notification's id to its
    ticket, so that a click opens the ticket. Forgets an id when the daemon closes it."""

    name = "Desktop notifications"
    # The ticket's id; 0 for a notification about several tickets (a burst summary).
    sig_activated = Signal(int)

    def __init__(self, *, app_name: str = "Desk App", desktop_entry: str = DESKTOP_ENTRY,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.app_name = app_name
        self.desktop_entry = desktop_entry
        self._conn: DBusConnection | None = None
        self._socket_notifier: QSocketNotifier | None = None
        self._incoming: deque[Message] = deque()
        self._filter: Any = None
        self._capabilities: frozenset[str] | None = None  # read once per daemon
        self.ticket_of: dict[int, int] = {}      # notification id -> ticket id (0: several)
        self._shown_for: dict[int, int] = {}     # ticket id -> its notification still shown
        self._tokens: dict[int, str] = {}        # notification id -> activation token

    # -- the DesktopNotifier protocol ------------------------------------------------------

    def available(self) -> bool:
        """True when a notification daemon runs on the session bus or the bus can start
        one (an activatable service): the same test Notify itself will pass."""
        try:
            conn = self._connection()
            if conn is None:
                return False
            from jeepney.bus_messages import message_bus

            if self._call(message_bus.NameHasOwner(NOTIFICATIONS_SERVICE))[0]:
                return True
            return NOTIFICATIONS_SERVICE in self._call(message_bus.ListActivatableNames())[0]
        except Exception:  # no bus, a bus that went away, a refused call: not available
            log.info("session bus notifications unavailable", exc_info=True)
            self._disconnect()
            return False

    def send(self, title: str, body: str, *, ticket_id: int | None = None,
             urgency: Urgency = Urgency.NORMAL) -> None:
        """Show one notification; a newer one for the same ticket replaces the one still
        shown. Raises NotificationBusError when it cannot be delivered (the caller falls back)."""
        from jeepney import DBusAddress, new_method_call

        try:
            conn = self._connection()
        except Exception as exc:
            raise NotificationBusError(f"cannot reach the session bus: {exc}") from exc
        if conn is None:
            raise NotificationBusError("no session bus (DBUS_SESSION_BUS_ADDRESS is not set)")
        self._dispatch()  # a close or a daemon restart read meanwhile decides replaces_id
        if self._conn is None:
            raise NotificationBusError("the session bus closed the connection")
        key = ticket_id or 0
        if self._capabilities is None:
            self._capabilities = self._read_capabilities()
        text = clip(body, BODY_MAX)
        if "body-markup" in (self._capabilities or ()):  # "<" and "&" would read as markup
            text = html.escape(text, quote=False)
        hints = {"urgency": ("y", int(urgency)), "desktop-entry": ("s", self.desktop_entry)}
        address = DBusAddress(NOTIFICATIONS_PATH, bus_name=NOTIFICATIONS_SERVICE,
                              interface=NOTIFICATIONS_INTERFACE)
        message = new_method_call(address, "Notify", "susssasa{sv}i", (
            self.app_name, self._shown_for.get(key, 0) if key else 0, self.desktop_entry,
            clip(title, TITLE_MAX), text, ["default", "Open ticket" if key else "Show"],
            hints, -1))
        try:
            (notification_id,) = self._call(message)
        except Exception as exc:
            if not isinstance(exc, (_dbus_error_type(), TimeoutError)):
                self._disconnect()  # the connection itself broke: start afresh next time
            raise NotificationBusError(f"the notification daemon refused: {exc}") from exc
        self.ticket_of[int(notification_id)] = key
        if key:
            self._shown_for[key] = int(notification_id)
        self._dispatch()  # signals that arrived with the reply

    # -- connection ------------------------------------------------------------------------

    def _connection(self) -> DBusConnection | None:
        if self._conn is not None:
            return self._conn
        if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
            return None
        from jeepney import MatchRule
        from jeepney.bus_messages import message_bus
        from jeepney.io.blocking import open_dbus_connection

        conn = open_dbus_connection(bus="SESSION", auth_timeout=CALL_TIMEOUT_S)
        self._conn = conn
        try:
            # Every signal this connection receives is queued here, also those read while
            # waiting for a reply; _dispatch handles them in order.
            self._filter = conn.filter(MatchRule(type="signal"), queue=self._incoming)
            ours = MatchRule(type="signal", interface=NOTIFICATIONS_INTERFACE,
                             path=NOTIFICATIONS_PATH)
            owner = MatchRule(type="signal", sender="org.freedesktop.DBus",
                              interface="org.freedesktop.DBus", member="NameOwnerChanged")
            owner.add_arg_condition(0, NOTIFICATIONS_SERVICE)
            for rule in (ours, owner):
                self._call(message_bus.AddMatch(rule))
        except Exception:
            self._disconnect()
            raise
        if QCoreApplication.instance() is not None:
            notifier = QSocketNotifier(conn.sock.fileno(), QSocketNotifier.Type.Read, self)
            notifier.activated.connect(self._on_readable)
            self._socket_notifier = notifier
        return conn

    def _read_capabilities(self) -> frozenset[str] | None:
        from jeepney import DBusAddress, new_method_call

        address = DBusAddress(NOTIFICATIONS_PATH, bus_name=NOTIFICATIONS_SERVICE,
                              interface=NOTIFICATIONS_INTERFACE)
        try:
            return frozenset(self._call(new_method_call(address, "GetCapabilities"))[0])
        except Exception:  # Notify will tell what is wrong; ask again next time
            log.info("GetCapabilities failed", exc_info=True)
            return None

    def _call(self, message: Message) -> tuple[Any, ...]:
        from jeepney.wrappers import unwrap_msg

        assert self._conn is not None
        return tuple(unwrap_msg(self._conn.send_and_get_reply(message,
                                                              timeout=CALL_TIMEOUT_S)))

    def _disconnect(self) -> None:
        if self._socket_notifier is not None:
            self._socket_notifier.setEnabled(False)
            self._socket_notifier.deleteLater()
            self._socket_notifier = None
        if self._filter is not None:
            self._filter.close()
            self._filter = None
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.close()
            self._conn = None
        self._forget_all()

    def close(self) -> None:
        """Drop the connection (the window closes); a later send reconnects."""
        self._disconnect()

    # -- incoming signals ------------------------------------------------------------------

    def _on_readable(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        """Handle every signal queued or readable now, without blocking."""
        conn = self._conn
        while conn is not None:
            try:
                conn.recv_messages(timeout=0)
            except TimeoutError:
                break
            except OSError:  # the bus went away
                log.warning("the session bus closed the connection")
                self._disconnect()
                break
        while self._incoming:
            try:
                self._handle(self._incoming.popleft())
            except Exception:  # a malformed signal must not break the others
                log.warning("could not handle a D-Bus signal", exc_info=True)

    def _handle(self, message: Message) -> None:
        from jeepney import HeaderFields

        fields = message.header.fields
        member = fields.get(HeaderFields.member)
        if fields.get(HeaderFields.interface) == "org.freedesktop.DBus":
            if member == "NameOwnerChanged":
                # The daemon restarted or stopped: its ids start again, ours mean nothing,
                # and the next one may support other things.
                self._forget_all()
                self._capabilities = None
            return
        if fields.get(HeaderFields.interface) != NOTIFICATIONS_INTERFACE:
            return
        if member == "ActivationToken":
            notification_id, token = message.body
            if notification_id in self.ticket_of:
                self._tokens[notification_id] = str(token)
        elif member == "ActionInvoked":
            notification_id, action = message.body
            if action != "default" or notification_id not in self.ticket_of:
                return  # another application's notification, or an action we did not offer
            token = self._tokens.pop(notification_id, None)
            if token:  # Qt's Wayland plugin reads this when the window asks to be activated
                os.environ["XDG_ACTIVATION_TOKEN"] = token
            # Emitted from the event loop, not from inside a send() that read the click:
            # opening the ticket may ask about unsaved edits, which must not run mid-delivery.
            ticket = self.ticket_of[notification_id]
            QTimer.singleShot(0, self, lambda: self.sig_activated.emit(ticket))
        elif member == "NotificationClosed":
            self._forget(int(message.body[0]))

    def _forget(self, notification_id: int) -> None:
        key = self.ticket_of.pop(notification_id, None)
        self._tokens.pop(notification_id, None)
        if key and self._shown_for.get(key) == notification_id:
            del self._shown_for[key]

    def _forget_all(self) -> None:
        self.ticket_of.clear()
        self._shown_for.clear()
        self._tokens.clear()


def _dbus_error_type() -> type[Exception]:
    from jeepney.wrappers import DBusErrorResponse

    return DBusErrorResponse
