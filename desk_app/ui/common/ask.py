"""The one way the app asks what to do with unsaved work: Save, Discard or Cancel.

Every such question (leaving an edited ticket, closing the window, Esc on a filled New ticket
dialog, discarding a draft) goes through an `Ask` callable that widgets receive, so tests
answer it directly instead of driving a modal loop; production uses `ask_with_message_box`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget


class Answer(Enum):
    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"


@dataclass(frozen=True)
class Question:
    """What to show; `choices` lists the answers offered, the first one is the default."""

    title: str
    text: str
    detail: str = ""
    choices: tuple[Answer, ...] = (Answer.SAVE, Answer.DISCARD, Answer.CANCEL)
    discard_label: str = "Discard"


class Ask(Protocol):
    def __call__(self, parent: QWidget | None, question: Question) -> Answer: ...


_BUTTONS = {Answer.SAVE: QMessageBox.StandardButton.Save,
            Answer.DISCARD: QMessageBox.StandardButton.Discard,
            Answer.CANCEL: QMessageBox.StandardButton.Cancel}


def ask_with_message_box(parent: QWidget | None, question: Question) -> Answer:
    """A modal QMessageBox; Esc or closing the box answers Cancel (nothing is lost)."""
    box = QMessageBox(parent)
    box.setTextFormat(Qt.TextFormat.PlainText)  # the question may quote a ticket's title
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(question.title)
    box.setText(question.text)
    if question.detail:
        box.setInformativeText(question.detail)
    buttons = {}
    for answer in question.choices:
        buttons[answer] = box.addButton(_BUTTONS[answer])
    if Answer.DISCARD in buttons:
        buttons[Answer.DISCARD].setText(question.discard_label)
    box.setDefaultButton(buttons[question.choices[0]])
    if Answer.CANCEL in buttons:
        box.setEscapeButton(buttons[Answer.CANCEL])
    box.exec()
    clicked = box.clickedButton()
    for answer, button in buttons.items():
        if clicked is button:
            return answer
    return Answer.CANCEL
