"""Desktop notification back-ends behind one small Protocol, tried in order.

On Linux the first is `freedesktop.FreedesktopNotifier`, which speaks to the notification
daemon on the session bus itself and makes a click open the ticket. plyer stays for Windows and
macOS, and for Linux only where its own backend really works: plyer picks one backend per
process (dbus-python if importable, else `notify-send` if on the PATH, else it raises
NotImplementedError at send time; a plain `pip install` has neither), and with no daemon on the
bus its backends fail silently. So `PlyerNotifier.available()` checks both the backend plyer
chose and, on Linux, that org.freedesktop.Notifications is on the bus.

`available()` never raises and never says yes for something whose `send` is known to fail;
`send` may still raise at call time (a daemon that went away); the caller falls back.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import warnings
from collections.abc import Callable
from enum import IntEnum
from typing import Protocol

log = logging.getLogger(__name__)
NOTIFICATIONS_SERVICE = "org.freedesktop.Notifications"
TITLE_MAX = 64   # Windows balloon limits; harmless elsewhere
BODY_MAX = 256


class Urgency(IntEnum):
    """The freedesktop urgency levels (the hint's BYTE values); other back-ends may ignore it."""

    LOW = 0
    NORMAL = 1
    CRITICAL = 2


class DesktopNotifier(Protocol):
    name: str

    def available(self) -> bool: ...

    def send(self, title: str, body: str, *, ticket_id: int | None = None,
             urgency: Urgency = Urgency.NORMAL) -> None: ...


def session_bus_has_notifications() -> bool:
    """Whether a notification daemon is registered on the session bus (Linux)."""
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return False
    try:
        from PySide6.QtDBus import QDBusConnection  # deferred: only with a session bus

        bus = QDBusConnection.sessionBus()
        if not bus.isConnected():
            return False
        reply = bus.interface().isServiceRegistered(NOTIFICATIONS_SERVICE)
        return bool(reply.value())
    except Exception:  # QtDBus missing or the bus misbehaving: treat as absent
        log.warning("could not query the session bus", exc_info=True)
        return False


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class PlyerNotifier:
    """The operating system's own notifications, through plyer.

    A click on a plyer notification cannot open the ticket: plyer offers no action or
    activation callback on any platform (Windows balloons, macOS, Linux), so `ticket_id` is
    ignored here and only the session-bus notifier is clickable.
    """

    name = "System notifications"  # the operating system's own, through plyer

    def __init__(self, probe: Callable[[], bool] | None = None) -> None:
        self._probe = probe or (_plyer_works_on_linux if sys.platform.startswith("linux")
                                else plyer_backend_usable)

    def available(self) -> bool:
        try:
            return self._probe()
        except Exception:
            log.warning("notification probe failed", exc_info=True)
            return False

    def send(self, title: str, body: str, *, ticket_id: int | None = None,
             urgency: Urgency = Urgency.NORMAL) -> None:
        from plyer import notification  # deferred: optional backend, probes on import

        notification.notify(title=clip(title, TITLE_MAX), message=clip(body, BODY_MAX),
                            app_name="Desk App", timeout=10)


def plyer_backend_usable() -> bool:
    """Whether plyer found a real notification backend for this platform, rather than its
    facade whose notify() raises NotImplementedError (Linux without dbus-python or
    notify-send, macOS without pyobjus). plyer prints the import failure and warns while it
    looks; that is kept out of the user's console."""
    try:
        # deferred: plyer probes the platform's backends on import (and prints failures)
        from plyer import notification
        from plyer.facades import Notification

        with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            # The Proxy loads its backend once; every other attribute goes to the backend.
            backend = object.__getattribute__(notification, "_ensure_obj")()
    except Exception:
        log.info("plyer has no notification backend", exc_info=True)
        return False
    kind = type(backend)
    if kind is Notification:
        return False
    if kind.__name__ == "NotifyDesktopPortals":
        # plyer takes any /app folder for a Flatpak sandbox; the portal only answers inside one.
        return os.path.exists("/.flatpak-info")
    return True


def _plyer_works_on_linux() -> bool:
    return plyer_backend_usable() and session_bus_has_notifications()


class CallbackNotifier:
    """Adapter for the window's own fallbacks (the tray balloon, the in-app banner)."""

    def __init__(self, name: str, send: Callable[[str, str], None],
                 available: Callable[[], bool]) -> None:
        self.name = name
        self._send = send
        self._available = available

    def available(self) -> bool:
        return self._available()

    def send(self, title: str, body: str, *, ticket_id: int | None = None,
             urgency: Urgency = Urgency.NORMAL) -> None:
        self._send(title, body)
