"""Per-workstation preferences (who I am, window layout, last filter) in one ini file.

The file sits in the platformdirs config folder, the same source the rest of the app uses.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from desk_app.platform.identity import os_user_name
from desk_app.platform.paths import settings_file
from desk_app.store.ticket_queries import QuickFilter


class UiSettings:
    """Typed access to the settings file; unreadable values fall back to defaults."""

    def __init__(self, path: Path | None = None) -> None:
        target = path or settings_file()
        target.parent.mkdir(parents=True, exist_ok=True)
        self._qs = QSettings(str(target), QSettings.Format.IniFormat)

    @property
    def technician(self) -> str:
        value = self._qs.value("identity/technician", "")
        return str(value).strip() or os_user_name()

    @technician.setter
    def technician(self, name: str) -> None:
        self._qs.setValue("identity/technician", name.strip())

    @property
    def last_filter(self) -> QuickFilter:
        try:
            return QuickFilter(str(self._qs.value("view/filter", QuickFilter.OPEN.value)))
        except ValueError:
            return QuickFilter.OPEN

    @last_filter.setter
    def last_filter(self, value: QuickFilter) -> None:
        self._qs.setValue("view/filter", value.value)

    def bytes_value(self, key: str) -> QByteArray | None:
        value = self._qs.value(key)
        return value if isinstance(value, QByteArray) else None

    def set_bytes(self, key: str, value: QByteArray) -> None:
        self._qs.setValue(key, value)

    def sync(self) -> None:
        self._qs.sync()
