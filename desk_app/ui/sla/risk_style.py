"""How each SLA risk looks: a tint, a shape and a word, so colour is never the only cue.

Every level has its own shape (tested pixel by pixel against the others), drawn the same
in the list, the legend and the detail pane (there as the matching character in GLYPHS):

    ⊗ breached   ◆ critical   ▲ at risk   ● approaching   ○ on track
    ‖ paused     ✓ met        ⊘ missed (stopped after the target passed)

Tints and icon colours are chosen for the theme in use (Qt's palette): light tints under
dark text in a light theme, dark tints under light text in a dark theme. Tests check that
each tint meets WCAG AA (4.5:1) against the text, stands out from the empty background
(MIN_TINT_CONTRAST), and that each shape's colour meets the 3:1 asked of graphics.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QIcon,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
    QPolygonF,
)
from PySide6.QtWidgets import QApplication

from desk_app.domain.risk import Risk

# A row tint must be seen against the empty background, not only read under text. The
# earlier approaching, paused and met tints were 1.15:1 against white: barely visible.
MIN_TINT_CONTRAST = 1.3
MIN_SHAPE_CONTRAST = 3.0  # WCAG 1.4.11 for graphics that carry meaning


@dataclass(frozen=True)
class _Look:
    """One level's colours, each as (light theme, dark theme), and its glyph.

    One row per level, so a new level cannot get a tint without a shape or a glyph.
    """

    tint: tuple[str, str] | None  # on track has no tint, only its shape
    shape: tuple[str, str]
    glyph: str


_LOOKS: dict[Risk, _Look] = {
    Risk.BREACHED: _Look(("#f4b4b4", "#7e2a2a"), ("#c62828", "#ef5350"), "⊗"),
    Risk.CRITICAL: _Look(("#f8c49b", "#6e3d17"), ("#c43e00", "#ff8a3d"), "◆"),
    Risk.AT_RISK: _Look(("#f5dc7a", "#5e4f12"), ("#8a6500", "#f2c230"), "▲"),
    Risk.APPROACHING: _Look(("#c4d9f6", "#24507f"), ("#1e6fd0", "#64a8f0"), "●"),
    Risk.ON_TRACK: _Look(None, ("#5f6b73", "#aab4ba"), "○"),
    Risk.MISSED: _Look(("#e2cccc", "#5a4646"), ("#8e3b3b", "#d69a9a"), "⊘"),
    Risk.PAUSED: _Look(("#d3d9de", "#48525a"), ("#546e7a", "#a7b6bf"), "‖"),
    Risk.MET: _Look(("#c2e5c8", "#22512d"), ("#2e7d32", "#66bb6a"), "✓"),
}
_TINTS: dict[Risk, tuple[str, str]] = {
    risk: look.tint for risk, look in _LOOKS.items() if look.tint is not None
}
_SHAPE_COLOURS: dict[Risk, tuple[str, str]] = {risk: look.shape for risk, look in _LOOKS.items()}
GLYPHS: dict[Risk, str] = {risk: look.glyph for risk, look in _LOOKS.items()}
ICON_SIZE = 14
_ICONS: dict[tuple[Risk, bool], QIcon] = {}


def is_dark(palette: QPalette | None = None) -> bool:
    pal = palette or QApplication.palette()
    return pal.color(QPalette.ColorRole.Base).lightness() < 128


def tint(risk: Risk, palette: QPalette | None = None) -> QColor | None:
    found = _TINTS.get(risk)
    if found is None:
        return None
    return QColor(found[1] if is_dark(palette) else found[0])


def shape_colour(risk: Risk, palette: QPalette | None = None) -> QColor | None:
    """The colour the level's shape is drawn in (None: the level has no shape)."""
    found = _SHAPE_COLOURS.get(risk)
    if found is None:
        return None
    return QColor(found[1] if is_dark(palette) else found[0])


def risk_icon(risk: Risk, palette: QPalette | None = None) -> QIcon | None:
    """The level's shape in its colour for the theme (see the module docstring)."""
    colour = shape_colour(risk, palette)
    if colour is None:
        return None
    key = (risk, is_dark(palette))
    icon = _ICONS.get(key)
    if icon is None:
        icon = _ICONS[key] = QIcon(risk_pixmap(risk, colour))
    return icon


def risk_pixmap(risk: Risk, colour: QColor, size: int = ICON_SIZE) -> QPixmap:
    """The level's shape drawn on a transparent square of `size` pixels."""
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.scale(size / ICON_SIZE, size / ICON_SIZE)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(colour)
    mark = QPen(QColor("white"), 1.8, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
    stroke = QPen(colour, 2.0, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                  Qt.PenJoinStyle.RoundJoin)
    if risk is Risk.BREACHED:  # ⊗ a filled disc crossed out
        p.drawEllipse(QRectF(0.5, 0.5, 13, 13))
        p.setPen(mark)
        p.drawLine(QPointF(4.2, 4.2), QPointF(9.8, 9.8))
        p.drawLine(QPointF(9.8, 4.2), QPointF(4.2, 9.8))
    elif risk is Risk.CRITICAL:  # ◆ a diamond with an exclamation mark
        p.drawPolygon(QPolygonF([QPointF(7, 0), QPointF(14, 7), QPointF(7, 14),
                                 QPointF(0, 7)]))
        p.setPen(mark)
        p.drawLine(QPointF(7, 3.6), QPointF(7, 7.8))
        p.drawPoint(QPointF(7, 10.4))
    elif risk is Risk.AT_RISK:  # ▲ a triangle
        p.drawPolygon(QPolygonF([QPointF(7, 1), QPointF(13.5, 13), QPointF(0.5, 13)]))
    elif risk is Risk.APPROACHING:  # ● a small disc
        p.drawEllipse(QRectF(3, 3, 8, 8))
    elif risk is Risk.ON_TRACK:  # ○ a ring
        p.setPen(stroke)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(QRectF(2.5, 2.5, 9, 9))
    elif risk is Risk.PAUSED:  # ‖ two bars
        p.drawRect(QRectF(3, 2, 3, 10))
        p.drawRect(QRectF(8, 2, 3, 10))
    elif risk is Risk.MET:  # ✓ a tick
        path = QPainterPath(QPointF(2, 7))
        path.lineTo(6, 11)
        path.lineTo(12, 3)
        stroke.setWidthF(2.4)
        p.setPen(stroke)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(path)
    elif risk is Risk.MISSED:  # ⊘ a ring struck through: done, target not met
        p.setPen(stroke)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(QRectF(1.5, 1.5, 11, 11))
        p.drawLine(QPointF(3.4, 10.6), QPointF(10.6, 3.4))
    p.end()
    return pix


def contrast_ratio(a: QColor, b: QColor) -> float:
    """WCAG 2 contrast ratio between two colours."""
    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
        return (0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF())
                + 0.0722 * channel(c.blueF()))
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


LEGEND: tuple[tuple[Risk, str], ...] = (
    (Risk.ON_TRACK, "less than the first warning threshold of a target used"),
    (Risk.APPROACHING, "first threshold reached (default 50\u00a0%)"),
    (Risk.AT_RISK, "a middle threshold reached (default 75\u00a0%)"),
    (Risk.CRITICAL, "last threshold reached (default 90\u00a0%)"),
    (Risk.BREACHED, "the target has passed and the clock still runs"),
    (Risk.PAUSED, "waiting on the customer or a third party"),
    (Risk.MET, "the clock stopped within its target"),
    (Risk.MISSED, "the clock stopped after its target had passed"),
)
