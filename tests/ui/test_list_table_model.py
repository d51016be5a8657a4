"""The shared list-backed table model under Qt's model tester, empty, filled and replaced."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from pytestqt.qtbot import QtBot

from desk_app.ui.common.list_table_model import ListTableModel


class _Squares(ListTableModel[int]):
    def __init__(self) -> None:
        super().__init__(("n", "n²"))

    def cell(self, row: int, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return str(row if column == 0 else row * row)
        return None


def test_a_list_model_passes_the_model_tester_empty_filled_and_replaced(
        qtmodeltester: Any, qtbot: QtBot) -> None:
    model = _Squares()
    qtmodeltester.check(model)
    assert (model.rowCount(), model.columnCount()) == (0, 2)
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    model.set_rows([2, 3])
    qtmodeltester.check(model)
    assert model.index(1, 1).data() == "9" and model.row_at(0) == 2
    assert model.headerData(1, Qt.Orientation.Horizontal) == "n²"
    assert model.headerData(2, Qt.Orientation.Horizontal) is None
    assert model.rowCount(model.index(0, 0)) == 0  # a table: no children under a row
    model.set_rows([])
    assert resets == [True, True] and model.rowCount() == 0
    assert model.data(QModelIndex()) is None
