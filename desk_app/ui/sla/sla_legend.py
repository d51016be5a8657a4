"""The SLA colour legend: for every level its shape, its tint, its word and what it means,
drawn with the same code as the ticket list so the two cannot drift apart."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from desk_app.domain.risk import Risk
from desk_app.ui.common.plain import PlainLabel, rich_label
from desk_app.ui.sla.risk_style import LEGEND, risk_pixmap, shape_colour, tint

SHAPE_PX = 20  # the list's 14 px shapes, enlarged so they can be told apart at a glance


class SlaLegendDialog(QDialog):
    """One row per level: shape, swatch of the row tint, word, meaning."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("SLA colour legend")
        self.setMinimumWidth(560)  # each meaning on one line at the usual font sizes
        intro = rich_label("The <i>Time left</i> column shows each ticket's most urgent clock "
                       "with a colour, a shape and words:")
        intro.setWordWrap(True)
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setColumnStretch(3, 1)
        self.shapes: dict[Risk, QLabel] = {}
        self.swatches: dict[Risk, QFrame] = {}
        palette = self.palette()
        for row, (risk, meaning) in enumerate(LEGEND):
            colour = shape_colour(risk, palette)
            assert colour is not None, risk
            shape = PlainLabel()
            shape.setPixmap(risk_pixmap(risk, colour, SHAPE_PX))
            shape.setAccessibleName(f"{risk.label} shape")
            swatch = QFrame()
            swatch.setObjectName(f"swatch_{risk.value}")
            swatch.setFixedSize(48, 22)
            fill = tint(risk, palette)
            background = fill.name() if fill is not None else "transparent"
            # The border in the shape's colour keeps even the palest tint visible.
            swatch.setStyleSheet(f"QFrame#swatch_{risk.value} {{ background: {background};"
                                 f" border: 1px solid {colour.name()}; }}")
            swatch.setToolTip("No tint" if fill is None else f"Row tint {fill.name()}")
            word = rich_label(f"<b>{risk.label}</b>")
            text = PlainLabel(meaning)
            text.setWordWrap(True)
            for column, widget in enumerate((shape, swatch, word, text)):
                grid.addWidget(widget, row, column, Qt.AlignmentFlag.AlignVCenter)
            self.shapes[risk] = shape
            self.swatches[risk] = swatch
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(grid)
        layout.addWidget(buttons)
