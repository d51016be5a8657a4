"""How each SLA risk looks: a tint, an icon and a word, so colour is never the only cue.

Tints are chosen for the theme in use (Qt's palette): light tints under dark text in a
light theme, dark tints under light text in a dark theme; every pair meets WCAG AA (4.5:1)
against the palette's text colour, which a test checks.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPalette, QPixmap, QPolygonF
from PySide6.QtWidgets import QApplication

from desk_app.domain.risk import Risk

# (light-theme tint, dark-theme tint, icon colour)
_TINTS: dict[Risk, tuple[str, str, str]] = {
    Risk.BREACHED: ("#f8d0d0", "#5a1d1d", "#c62828"),
    Risk.CRITICAL: ("#fbdcc4", "#5a3216", "#e65100"),
    Risk.AT_RISK: ("#fcecb3", "#4f4212", "#b8860b"),
    Risk.APPROACHING: ("#e3eefc", "#1c3553", "#1e6fd0"),
    Risk.PAUSED: ("#eceff1", "#33393d", "#607d8b"),
    Risk.MET: ("#e1f3e4", "#1d3b24", "#2e7d32"),
}
_ICONS: dict[Risk, QIcon] = {}


def is_dark(palette: QPalette | None = None) -> bool:
    pal = palette or QApplication.palette()
    return pal.color(QPalette.ColorRole.Base).lightness() < 128


def tint(risk: Risk, palette: QPalette | None = None) -> QColor | None:
    found = _TINTS.get(risk)
    if found is None:
        return None
    return QColor(found[1] if is_dark(palette) else found[0])


def risk_icon(risk: Risk) -> QIcon | None:
    """A shape per level (not just a colour): ✕ breached, ▲ critical/at risk, ● approaching,
    ‖ paused, ✓ met."""
    if risk not in _TINTS:
        return None
    icon = _ICONS.get(risk)
    if icon is not None:
        return icon
    pix = QPixmap(14, 14)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    colour = QColor(_TINTS[risk][2])
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(colour)
    if risk is Risk.BREACHED:
        p.drawEllipse(QRectF(1, 1, 12, 12))
        p.setPen(QColor("white"))
        p.drawLine(QPointF(4.5, 4.5), QPointF(9.5, 9.5))
        p.drawLine(QPointF(9.5, 4.5), QPointF(4.5, 9.5))
    elif risk in (Risk.CRITICAL, Risk.AT_RISK):
        p.drawPolygon(QPolygonF([QPointF(7, 1), QPointF(13, 13), QPointF(1, 13)]))
    elif risk is Risk.APPROACHING:
        p.drawEllipse(QRectF(3, 3, 8, 8))
    elif risk is Risk.PAUSED:
        p.drawRect(QRectF(3, 2, 3, 10))
        p.drawRect(QRectF(8, 2, 3, 10))
    elif risk is Risk.MET:
        path = QPainterPath(QPointF(2, 7))
        path.lineTo(6, 11)
        path.lineTo(12, 3)
        pen = p.pen()
        pen.setColor(colour)
        pen.setWidthF(2.4)
        pen.setStyle(Qt.PenStyle.SolidLine)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(path)
    p.end()
    icon = _ICONS[risk] = QIcon(pix)
    return icon


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
    (Risk.ON_TRACK, "On track: less than the first warning threshold of a target used"),
    (Risk.APPROACHING, "Approaching: first threshold reached (default 50 %)"),
    (Risk.AT_RISK, "At risk: a middle threshold reached (default 75 %)"),
    (Risk.CRITICAL, "Critical: last threshold reached (default 90 %)"),
    (Risk.BREACHED, "Breached: the target has passed and the clock still runs"),
    (Risk.PAUSED, "Paused: waiting on the customer or a third party"),
    (Risk.MET, "Met: the clock stopped within its target"),
)
