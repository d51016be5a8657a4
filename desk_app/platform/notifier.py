"""Desktop notification back-ends behind one small Protocol, tried in order.

plyer picks one backend per process and fails silently on Linux when nothing listens on the
session bus (see shared/PLATFORM_NOTES.md), so before trusting it we ask the bus whether
org.freedesktop.Notifications is there. Every `send` may raise; the caller falls back.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger(__name__)
NOTIFICATIONS_SERVICE = "org.freedesktop.Notifications"
TITLE_MAX = 64   # Windows balloon limits; harmless elsewhere
BODY_MAX = 256


class DesktopNotifier(Protocol):
    name: str

    def available(self) -> bool: ...

    def send(self, title: str, body: str) -> None: ...


def session_bus_has_notifications() -> bool:
    """Whether a notification daemon is registered on the session bus (Linux)."""
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return False
    try:
        from PySide6.QtDBus import QDBusConnection

        bus = QDBusConnection.sessionBus()
        if not bus.isConnected():
            return False
        reply = bus.interface().isServiceRegistered(NOTIFICATIONS_SERVICE)
        return bool(reply.value())
    except Exception:  # QtDBus missing or the bus misbehaving: treat as absent
        log.warning("could not query the session bus", exc_info=True)
        return False


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class PlyerNotifier:
    """The operating system's own notifications, through plyer."""

    name = "Desktop notifications"

    def __init__(self, probe: Callable[[], bool] | None = None) -> None:
        self._probe = probe or (session_bus_has_notifications
                                if sys.platform.startswith("linux") else _plyer_importable)

    def available(self) -> bool:
        try:
            return self._probe()
        except Exception:
            log.warning("notification probe failed", exc_info=True)
            return False

    def send(self, title: str, body: str) -> None:
        from plyer import notification

        notification.notify(title=_clip(title, TITLE_MAX), message=_clip(body, BODY_MAX),
                            app_name="Desk App", timeout=10)


def _plyer_importable() -> bool:
    try:
        from plyer import notification  # noqa: F401
    except Exception:
        return False
    return True


class CallbackNotifier:
    """Adapter for the window's own fallbacks (the tray balloon, the in-app banner)."""

    def __init__(self, name: str, send: Callable[[str, str], None],
                 available: Callable[[], bool]) -> None:
        self.name = name
        self._send = send
        self._available = available

    def available(self) -> bool:
        return self._available()

    def send(self, title: str, body: str) -> None:
        self._send(title, body)
