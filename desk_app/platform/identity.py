"""Who is at the keyboard, for the audit trail's "who" until Settings says otherwise."""

from __future__ import annotations

import getpass


def os_user_name() -> str:
    """The operating-system login name; "technician" if the OS will not say."""
    try:
        name = getpass.getuser().strip()
    except Exception:  # getpass raises OSError/KeyError in odd containers
        name = ""
    return name or "technician"
