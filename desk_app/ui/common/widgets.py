"""Small widgets shared by the forms: an inline field error and combo helpers."""

from __future__ import annotations

from enum import Enum
from typing import Any, TypeVar

from PySide6.QtWidgets import QComboBox, QLabel, QVBoxLayout, QWidget

E = TypeVar("E", bound=Enum)


class FieldError(QLabel):
    """The message shown under a field that needs fixing; hidden while the field is fine.

    The text starts with a warning sign so it reads as an error without relying on colour.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fieldError")
        self.setWordWrap(True)
        self.hide()

    def show_error(self, message: str | None) -> None:
        if message:
            self.setText(f"⚠ {message}")
            self.show()
        else:
            self.clear()
            self.hide()


def with_error(field: QWidget, error: FieldError, *, spacing: int | None = None) -> QWidget:
    """The field with its error message right under it, as one form cell.

    A form row holds one widget; this keeps the message inside the field's row, so it lines
    up with the field rather than opening a row of its own under the label.
    """
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    if spacing is not None:
        layout.setSpacing(spacing)
    layout.addWidget(field)
    layout.addWidget(error)
    return box


def fill_enum_combo(combo: QComboBox, enum_type: type[Enum], current: Enum | None = None
                    ) -> None:
    combo.clear()
    for member in enum_type:
        combo.addItem(getattr(member, "label", str(member.value)), member.value)
    if current is not None:
        select_data(combo, current)


def current_enum(combo: QComboBox, enum_type: type[E]) -> E | None:
    """The selected member. Qt turns str-based enums into plain strings, so convert back."""
    data = combo.currentData()
    try:
        return enum_type(data) if data is not None else None
    except ValueError:
        return None


def select_data(combo: QComboBox, value: Any) -> None:
    index = combo.findData(value.value if isinstance(value, Enum) else value)
    if index >= 0:
        combo.setCurrentIndex(index)


def select_text(combo: QComboBox, text: str) -> None:
    index = combo.findText(text)
    if index >= 0:
        combo.setCurrentIndex(index)
    elif combo.isEditable():
        combo.setEditText(text)
