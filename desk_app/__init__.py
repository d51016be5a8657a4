"""Desk App: an offline-first desktop help desk for small IT teams."""

from __future__ import annotations

__version__ = "0.1.0"
