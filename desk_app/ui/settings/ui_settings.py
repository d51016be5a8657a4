"""Per-workstation preferences (who I am, window layout, last filter) in one ini file.

The file sits in the platformdirs config folder, the same source the rest of the app uses.
"""

from __future__ import annotations

import hashlib
from datetime import time
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QByteArray, QSettings
from sqlalchemy.exc import ArgumentError

from desk_app.domain.risk import Risk
from desk_app.platform.identity import os_user_name
from desk_app.platform.paths import settings_file
from desk_app.platform.private import create_private_file, make_private_dir, make_private_file
from desk_app.platform.redact import redact, without_password
from desk_app.services.alerts import AlertRules, ReadMarks, Scope
from desk_app.store.ticket_queries import QuickFilter

MAX_RECENT_DESKS = 8


class UiSettings:
    """Typed access to the settings file; unreadable values fall back to defaults."""

    def __init__(self, path: Path | None = None) -> None:
        target = path or settings_file()
        # The file names the technician and lists what they watch: private, like the desk.
        # QSaveFile (QSettings' writer) keeps an existing file's mode, so a 0600 file stays so.
        make_private_dir(target.parent)
        if not create_private_file(target):
            make_private_file(target)
        self._qs = QSettings(str(target), QSettings.Format.IniFormat)

    @property
    def technician(self) -> str:
        value = self._qs.value("identity/technician", "")
        return str(value).strip() or os_user_name()

    @technician.setter
    def technician(self, name: str) -> None:
        self._qs.setValue("identity/technician", name.strip())

    # -- team desks ---------------------------------------------------------------------

    def technician_for(self, desk: str) -> str | None:
        """Who uses this window on the team desk `desk` (its URL), as chosen when it was
        connected; None when it never was (the workstation's technician is then used)."""
        value = str(self._qs.value(_desk_key("team/technician", desk), "") or "").strip()
        return value or None

    def set_technician_for(self, desk: str, name: str) -> None:
        self._qs.setValue(_desk_key("team/technician", desk), name.strip())

    def recent_desks(self) -> list[str]:
        """The team desks connected to from here, newest first: URLs without a password
        (one given with a password is stored without it)."""
        raw = self._qs.value("team/recent", [])
        # QSettings gives a one-item list back as a plain string.
        items = [raw] if isinstance(raw, str) else list(raw) if isinstance(raw, list) else []
        desks: list[str] = []
        for item in items:
            try:
                url = without_password(str(item))
            except (ArgumentError, ValueError):
                continue
            if url not in desks:
                desks.append(url)
        return desks[:MAX_RECENT_DESKS]

    def add_recent_desk(self, desk: str) -> None:
        url = without_password(desk)
        rest = [d for d in self.recent_desks() if d != url]
        self._qs.setValue("team/recent", [url, *rest][:MAX_RECENT_DESKS])

    def forget_recent_desk(self, desk: str) -> None:
        url = without_password(desk)
        self._qs.setValue("team/recent", [d for d in self.recent_desks() if d != url])

    @property
    def last_filter(self) -> QuickFilter:
        try:
            return QuickFilter(str(self._qs.value("view/filter", QuickFilter.OPEN.value)))
        except ValueError:
            return QuickFilter.OPEN

    @last_filter.setter
    def last_filter(self, value: QuickFilter) -> None:
        self._qs.setValue("view/filter", value.value)

    # -- SLA watch and notifications ---------------------------------------------------

    def alert_rules(self, tz: str) -> AlertRules:
        scope = _enum(Scope, self._qs.value("alerts/scope"), Scope.MINE_AND_UNASSIGNED)
        raw_levels = str(self._qs.value("alerts/levels", "") or "")
        known = {r.value for r in Risk}
        levels = frozenset(Risk(x) for x in raw_levels.split(",") if x in known) \
            if raw_levels else AlertRules().levels
        quiet = self._qs.value("alerts/quiet", "") or ""
        quiet_from = quiet_to = None
        if quiet and "-" in str(quiet):
            a, b = str(quiet).split("-", 1)
            try:
                quiet_from, quiet_to = time.fromisoformat(a), time.fromisoformat(b)
            except ValueError:
                quiet_from = quiet_to = None
        return AlertRules(scope=scope, levels=levels, quiet_from=quiet_from, quiet_to=quiet_to,
                          tz=tz)

    def set_alert_rules(self, rules: AlertRules) -> None:
        self._qs.setValue("alerts/scope", rules.scope.value)
        self._qs.setValue("alerts/levels", ",".join(sorted(r.value for r in rules.levels)))
        quiet = f"{rules.quiet_from:%H:%M}-{rules.quiet_to:%H:%M}" \
            if rules.quiet_from and rules.quiet_to else ""
        self._qs.setValue("alerts/quiet", quiet)

    def alert_reads(self, desk: str, technician_id: int | None = None) -> ReadMarks:
        """Which SLA notifications of the desk `desk` (its database URL) the technician
        `technician_id` read here.

        Kept per workstation and per technician's settings file, not in the database: in
        team mode each technician reads the list for themself. Each technician's list is
        their own (issue 12), so the marks are kept per technician too; marks saved before
        that (per desk only) were this workstation's technician's, and are read as theirs
        until they save their own."""
        key = _reads_key(desk, technician_id)
        if technician_id is not None and not self._qs.contains(key):
            key = _reads_key(desk)
        return ReadMarks.from_text(str(self._qs.value(key, "") or ""))

    def set_alert_reads(self, desk: str, marks: ReadMarks,
                        technician_id: int | None = None) -> None:
        self._qs.setValue(_reads_key(desk, technician_id), marks.to_text())

    @property
    def tick_seconds(self) -> int:
        raw = self._qs.value("alerts/tick_s", 15)
        if not isinstance(raw, (int, float, str)):
            return 15
        try:
            return max(5, min(600, int(raw)))
        except ValueError:
            return 15

    @tick_seconds.setter
    def tick_seconds(self, value: int) -> None:
        self._qs.setValue("alerts/tick_s", int(value))

    @property
    def close_to_tray(self) -> bool:
        return str(self._qs.value("window/close_to_tray", "true")).lower() == "true"

    @close_to_tray.setter
    def close_to_tray(self, value: bool) -> None:
        self._qs.setValue("window/close_to_tray", "true" if value else "false")

    def bytes_value(self, key: str) -> QByteArray | None:
        value = self._qs.value(key)
        return value if isinstance(value, QByteArray) else None

    def set_bytes(self, key: str, value: QByteArray) -> None:
        self._qs.setValue(key, value)

    def sync(self) -> None:
        self._qs.sync()


def _desk_key(prefix: str, desk: str) -> str:
    """A settings key per desk: a hash of its redacted URL (a URL's slashes and colons
    would be read as groups by QSettings, and a password must never reach the file)."""
    name = without_password(desk) if "://" in desk else desk
    return f"{prefix}_{hashlib.sha1(redact(name).encode('utf-8')).hexdigest()[:12]}"


def _reads_key(desk: str, technician_id: int | None = None) -> str:
    whose = f"_t{technician_id}" if technician_id is not None else ""
    return f"alerts/read_{hashlib.sha1(desk.encode('utf-8')).hexdigest()[:12]}{whose}"


E = TypeVar("E", bound=Enum)


def _enum(kind: type[E], value: Any, default: E) -> E:
    try:
        return kind(str(value))
    except ValueError:
        return default
