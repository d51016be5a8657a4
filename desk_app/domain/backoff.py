"""How long to wait before the next try to reach a server that went away.

Doubling from one second finds a quick restart at once (most outages of a team desk's
server are a restart of a few seconds) and caps the waiting, so a window left open through
a long outage still notices the server's return within half a minute, while a room of
windows does not hammer a server that is coming up with a try every second.
"""

from __future__ import annotations

FIRST_DELAY_S = 1
MAX_DELAY_S = 30


def retry_delay_s(failed_tries: int, *, first_s: int = FIRST_DELAY_S,
                  cap_s: int = MAX_DELAY_S) -> int:
    """Seconds to wait after `failed_tries` failed tries since the loss (0 right after
    it): 1, 2, 4, 8, 16, then `cap_s` for good."""
    if failed_tries < 0:
        raise ValueError("failed_tries cannot be negative")
    return min(cap_s, first_s * 2 ** min(failed_tries, 32))  # no huge powers after days
