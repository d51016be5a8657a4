"""The user's IANA time zone name (e.g. Europe/Berlin), for default calendars."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

log = logging.getLogger(__name__)


def local_zone_name() -> str:
    """The machine's zone as an IANA name; "UTC" when the OS will not say."""
    try:
        import tzlocal  # deferred: only when no zone is given; a failure means UTC

        name = tzlocal.get_localzone_name()
        if name:
            ZoneInfo(name)
            return str(name)
    except Exception:  # tzlocal raises several kinds on odd set-ups; UTC is safe
        log.warning("could not read the local time zone; using UTC", exc_info=True)
    return "UTC"
