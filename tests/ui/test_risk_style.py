"""Every SLA level has its own shape and word, its tint can be seen, and the legend shows
shape, tint, word and meaning for each (issue 9, third bullet)."""

from __future__ import annotations

from itertools import combinations

import pytest
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from desk_app.domain.risk import Risk
from desk_app.ui.sla import risk_style
from desk_app.ui.sla.risk_style import (
    LEGEND,
    MIN_SHAPE_CONTRAST,
    MIN_TINT_CONTRAST,
    contrast_ratio,
    risk_icon,
)
from desk_app.ui.sla.sla_legend import SlaLegendDialog

SHOWN = [r for r in Risk if r is not Risk.NONE]
pytestmark = pytest.mark.usefixtures("qapp")  # pixmaps need the application


def _palette(dark: bool) -> QPalette:
    palette = QPalette()
    base, text = ("#2d2d2d", "#ffffff") if dark else ("#ffffff", "#000000")
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        palette.setColor(group, QPalette.ColorRole.Base, QColor(base))
        palette.setColor(group, QPalette.ColorRole.Window, QColor(base))
        palette.setColor(group, QPalette.ColorRole.Text, QColor(text))
        palette.setColor(group, QPalette.ColorRole.WindowText, QColor(text))
    return palette


def _mask(risk: Risk) -> list[bool]:
    """Which pixels of the level's icon are drawn (its shape, whatever its colour)."""
    icon = risk_icon(risk)
    assert icon is not None, risk
    image = icon.pixmap(14, 14).toImage().convertToFormat(QImage.Format.Format_ARGB32)
    return [image.pixelColor(x, y).alpha() > 96 for y in range(14) for x in range(14)]


def test_every_level_has_its_own_shape_and_word() -> None:
    masks = {risk: _mask(risk) for risk in SHOWN}
    for a, b in combinations(SHOWN, 2):
        differing = sum(x != y for x, y in zip(masks[a], masks[b], strict=True))
        assert differing >= 12, f"{a.label} and {b.label} have nearly the same shape"
    labels = [r.label for r in SHOWN]
    assert len(set(labels)) == len(labels)
    assert len(set(risk_style.GLYPHS[r] for r in SHOWN)) == len(SHOWN)


@pytest.mark.parametrize("dark", [False, True])
def test_tints_stand_out_from_the_background_and_shapes_are_visible(dark: bool) -> None:
    palette = _palette(dark)
    base = palette.color(QPalette.ColorRole.Base)
    text = palette.color(QPalette.ColorRole.Text)
    for risk in SHOWN:
        fill = risk_style.tint(risk, palette)
        if risk is not Risk.ON_TRACK:  # on track is the plain row: shape and word only
            assert fill is not None, risk
            assert contrast_ratio(fill, base) >= MIN_TINT_CONTRAST, risk
            assert contrast_ratio(fill, text) >= 4.5, risk
        shape = risk_style.shape_colour(risk, palette)
        assert shape is not None, risk
        assert contrast_ratio(shape, base) >= MIN_SHAPE_CONTRAST, risk
        if fill is not None:
            assert contrast_ratio(shape, fill) >= 2.0, risk  # the shape on its own row


def test_the_legend_draws_shape_tint_word_and_meaning(qtbot: QtBot) -> None:
    dialog = SlaLegendDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    assert [r for r, _ in LEGEND] and set(dict(LEGEND)) == set(SHOWN)
    for risk, meaning in LEGEND:
        pixmap = dialog.shapes[risk].pixmap()
        assert not pixmap.isNull(), risk
        image = pixmap.toImage()
        assert any(image.pixelColor(x, y).alpha() > 0 for x in range(image.width())
                   for y in range(image.height())), risk
        swatch = dialog.swatches[risk]
        assert swatch.isVisible()
        shape = risk_style.shape_colour(risk, dialog.palette())
        assert shape is not None and shape.name() in swatch.styleSheet()
        fill = risk_style.tint(risk, dialog.palette())
        if fill is not None:
            grabbed = swatch.grab().toImage()
            centre = grabbed.pixelColor(grabbed.width() // 2, grabbed.height() // 2)
            assert centre.name() == fill.name(), risk
        texts = [w.text() for w in dialog.findChildren(QLabel)]
        assert f"<b>{risk.label}</b>" in texts and meaning in texts
