"""Small charts drawn with QPainter, each with its numbers one click away.

Qt Charts is deprecated since Qt 6.10 and lives in the 59 MB Addons wheel; four simple
charts do not justify either, and keeping all chart drawing in this one module means it
can be swapped later. Colour is never the only signal: bars carry their value (and a
pass/miss mark against a goal), line series differ in dash pattern and are named in a legend.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QHelpEvent, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from desk_app.ui.common.plain import plain_tooltip, rich_label

PALETTE = ("#2563eb", "#16a34a", "#9333ea", "#ea580c")
DASHES = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine,
          Qt.PenStyle.DashDotLine)
PASS_COLOUR, MISS_COLOUR, GOAL_COLOUR = "#15803d", "#b91c1c", "#111827"


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]


@dataclass(frozen=True)
class ChartData:
    """What a chart shows; `goals` (bars only) draws a marker per category and marks each
    bar pass or miss against it."""

    title: str
    kind: str  # "bar" or "line"
    categories: Sequence[str]
    series: Sequence[Series]
    unit: str = ""  # "%" for percentages (axis 0-100)
    goals: Sequence[float | None] = field(default_factory=tuple)

    def value_text(self, value: float | None) -> str:
        if value is None:
            return "–"
        if self.unit == "%":
            return f"{value:.1f} %"
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


class ChartView(QWidget):
    """Paints one ChartData; hovering shows the nearest value."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._data: ChartData | None = None
        self.setMinimumSize(320, 200)
        self.setMouseTracking(True)

    def sizeHint(self) -> QSize:
        return QSize(460, 240)

    def set_data(self, data: ChartData) -> None:
        self._data = data
        self.update()

    # -- geometry ---------------------------------------------------------------------------

    def _plot_rect(self) -> QRectF:
        legend = 22 if self._data and len(self._data.series) > 1 else 4
        return QRectF(48, 10 + legend, max(10, self.width() - 60),
                      max(10, self.height() - 44 - legend))

    def _y_max(self) -> float:
        """The axis top: four equal steps of a round size (1, 2, 2.5 or 5 × 10^n)."""
        assert self._data is not None
        if self._data.unit == "%":
            return 100.0
        values = [v for s in self._data.series for v in s.values if v is not None]
        values += [g for g in self._data.goals if g is not None]
        top = max(values or [0])
        if top <= 0:
            return 4.0
        step = top / 4
        magnitude = 10 ** math.floor(math.log10(step))
        for nice in (1, 2, 2.5, 5, 10):
            if step <= nice * magnitude:
                return max(4.0, 4 * nice * magnitude)
        return top

    # -- painting ---------------------------------------------------------------------------

    def paintEvent(self, _event: object) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text = palette.color(palette.ColorRole.WindowText)
        p.fillRect(self.rect(), palette.color(palette.ColorRole.Base))
        data = self._data
        if data is None or not data.categories:
            p.setPen(text)
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No data for this period")
            p.end()
            return
        plot = self._plot_rect()
        y_max = self._y_max()
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, self.font().pointSizeF() * 0.85))
        p.setFont(small)
        # Horizontal grid with five labelled lines.
        grid = QColor(text)
        grid.setAlpha(40)
        for i in range(5):
            value = y_max * i / 4
            y = plot.bottom() - plot.height() * i / 4
            p.setPen(QPen(grid, 1))
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(text)
            label = f"{value:g}"
            p.drawText(QRectF(0, y - 8, plot.left() - 6, 16),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       label + (" %" if data.unit == "%" else ""))
        self._draw_x_labels(p, data, plot, text)
        if data.kind == "bar":
            self._draw_bars(p, data, plot, y_max, text)
        else:
            self._draw_lines(p, data, plot, y_max)
        if len(data.series) > 1:
            self._draw_legend(p, data, text)
        p.end()

    def _slot(self, data: ChartData, plot: QRectF, i: int) -> QRectF:
        width = plot.width() / len(data.categories)
        return QRectF(plot.left() + i * width, plot.top(), width, plot.height())

    def _draw_x_labels(self, p: QPainter, data: ChartData, plot: QRectF, text: QColor
                       ) -> None:
        p.setPen(text)
        width = plot.width() / len(data.categories)
        widest = max(p.fontMetrics().horizontalAdvance(c) for c in data.categories) + 8
        every = max(1, math.ceil(widest / width))
        for i, label in enumerate(data.categories):
            if i % every:
                continue
            slot = self._slot(data, plot, i)
            rect = QRectF(slot.center().x() - widest / 2, plot.bottom() + 4, widest, 16)
            p.drawText(rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, label)

    def _draw_bars(self, p: QPainter, data: ChartData, plot: QRectF, y_max: float,
                   text: QColor) -> None:
        n = len(data.series)
        for i in range(len(data.categories)):
            slot = self._slot(data, plot, i)
            inner = slot.adjusted(slot.width() * 0.1, 0, -slot.width() * 0.1, 0)
            bar_w = inner.width() / n
            goal = data.goals[i] if i < len(data.goals) else None
            for k, series in enumerate(data.series):
                value = series.values[i]
                if value is None:
                    continue
                h = plot.height() * min(value, y_max) / y_max
                rect = QRectF(inner.left() + k * bar_w, plot.bottom() - h, bar_w * 0.92, h)
                colour = QColor(PALETTE[k % len(PALETTE)])
                if goal is not None:
                    colour = QColor(PASS_COLOUR if value >= goal else MISS_COLOUR)
                p.fillRect(rect, colour)
                if bar_w >= 26:
                    mark = "" if goal is None else (" ✓" if value >= goal else " ✗")
                    label = data.value_text(value) + mark
                    if p.fontMetrics().horizontalAdvance(label) > rect.width() - 4:
                        label = f"{value:.0f}{'%' if data.unit == '%' else ''}{mark.strip()}"
                    fits = p.fontMetrics().horizontalAdvance(label) <= rect.width() - 4
                    if h >= 22 and fits:  # inside the top of the bar, clear of the goal line
                        p.setPen(QColor("white"))
                        p.drawText(QRectF(rect.left() - 20, rect.top() + 3, rect.width() + 40,
                                          16), Qt.AlignmentFlag.AlignHCenter
                                   | Qt.AlignmentFlag.AlignTop, label)
                    else:
                        p.setPen(text)
                        p.drawText(QRectF(rect.left() - 20, rect.top() - 16, rect.width() + 40,
                                          15), Qt.AlignmentFlag.AlignHCenter
                                   | Qt.AlignmentFlag.AlignBottom, label)
            if goal is not None:
                y = plot.bottom() - plot.height() * goal / y_max
                p.setPen(QPen(QColor(GOAL_COLOUR), 2, Qt.PenStyle.DashLine))
                p.drawLine(QPointF(slot.left() + 2, y), QPointF(slot.right() - 2, y))

    def _draw_lines(self, p: QPainter, data: ChartData, plot: QRectF, y_max: float) -> None:
        for k, series in enumerate(data.series):
            path = QPainterPath()
            started = False
            for i, value in enumerate(series.values):
                if value is None:
                    started = False
                    continue
                x = self._slot(data, plot, i).center().x()
                y = plot.bottom() - plot.height() * min(value, y_max) / y_max
                if started:
                    path.lineTo(x, y)
                else:
                    path.moveTo(x, y)
                    started = True
            p.setPen(QPen(QColor(PALETTE[k % len(PALETTE)]), 2, DASHES[k % len(DASHES)]))
            p.drawPath(path)

    def _draw_legend(self, p: QPainter, data: ChartData, text: QColor) -> None:
        x = 48.0
        for k, series in enumerate(data.series):
            colour = QColor(PALETTE[k % len(PALETTE)])
            if data.kind == "bar":
                p.fillRect(QRectF(x, 8, 14, 10), colour)
            else:
                p.setPen(QPen(colour, 2, DASHES[k % len(DASHES)]))
                p.drawLine(QPointF(x, 13), QPointF(x + 22, 13))
            x += 28
            p.setPen(text)
            width = p.fontMetrics().horizontalAdvance(series.name) + 16
            p.drawText(QRectF(x, 4, width, 18), Qt.AlignmentFlag.AlignVCenter, series.name)
            x += width

    def event(self, e: QEvent) -> bool:  # tooltips: the category and every value
        if isinstance(e, QHelpEvent) and e.type() == QEvent.Type.ToolTip and self._data:
            data, plot = self._data, self._plot_rect()
            if data.categories and plot.contains(QPointF(e.pos())):
                i = int((e.pos().x() - plot.left()) / (plot.width() / len(data.categories)))
                i = max(0, min(i, len(data.categories) - 1))
                lines = [data.categories[i]] + [f"{s.name}: {data.value_text(s.values[i])}"
                                                for s in data.series]
                if data.goals and data.goals[i] is not None:
                    lines.append(f"Goal: {data.value_text(data.goals[i])}")
                QToolTip.showText(e.globalPos(), plain_tooltip("\n".join(lines)), self)
                return True
        return super().event(e)


class ChartCard(QFrame):
    """A titled chart with a "Numbers" button that swaps it for a table of its values."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chartCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = rich_label(f"<b>{html.escape(title)}</b>")
        self.toggle = QPushButton("Show numbers")
        self.toggle.setCheckable(True)
        self.toggle.toggled.connect(self._on_toggled)
        self.view = ChartView()
        self.table = QTableWidget()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.table)
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.toggle)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 8)
        layout.addLayout(head)
        layout.addWidget(self.stack, 1)

    def set_data(self, data: ChartData) -> None:
        self.view.set_data(data)
        headers = ["", *(s.name for s in data.series)]
        if data.goals:
            headers.append("Goal")
        self.table.clear()
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setRowCount(len(data.categories))
        for i, category in enumerate(data.categories):
            cells = [category, *(data.value_text(s.values[i]) for s in data.series)]
            if data.goals:
                cells.append(data.value_text(data.goals[i] if i < len(data.goals) else None))
            for j, cell in enumerate(cells):
                item = QTableWidgetItem(cell)
                if j:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()

    def _on_toggled(self, numbers: bool) -> None:
        self.stack.setCurrentIndex(1 if numbers else 0)
        self.toggle.setText("Show chart" if numbers else "Show numbers")
