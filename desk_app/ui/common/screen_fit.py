"""Size a window for the screen it opens on, never larger than that screen.

Several windows ask for a comfortable size (Reports 1280×860, Contracts 960×800) that a
1024×700 screen cannot hold: the title bar and the buttons then fall off the screen. They ask
through `fit_to_screen`, which keeps the wish where it fits and the screen's size where not.
"""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

# Room left for a window manager's frame and title bar (the alerts list uses the same).
FRAME_WIDTH = 40
FRAME_HEIGHT = 80


def fit_to_screen(window: QWidget, width: int, height: int, *,
                  area: QRect | None = None) -> None:
    """Resize `window` to width×height, capped to `area` (by default its screen's available
    geometry) less the frame; a minimum size larger than that is lowered so the cap can
    apply."""
    if area is None:
        screen = window.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            window.resize(width, height)
            return
        area = screen.availableGeometry()
    most_w = max(200, area.width() - FRAME_WIDTH)
    most_h = max(200, area.height() - FRAME_HEIGHT)
    minimum = window.minimumSize()
    if minimum.width() > most_w or minimum.height() > most_h:
        window.setMinimumSize(min(minimum.width(), most_w), min(minimum.height(), most_h))
    window.resize(min(width, most_w), min(height, most_h))
