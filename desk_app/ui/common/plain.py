"""User and file text is shown as text, never as HTML.

Qt guesses: a QLabel, a QMessageBox and a tooltip render their text as rich text when it
looks like markup (Qt.mightBeRichText), so a title such as `<b>B</b><img src="/tmp/p.png">`
came out bold and loaded a local image. Every label of the app is a PlainLabel (plain text
whatever it holds); the few that need markup are made with `rich_label` and escape every
piece of user text they show (html.escape); tooltips and message boxes that may hold user
text go through `plain_tooltip` and `plain_message`.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget


class PlainLabel(QLabel):
    """A QLabel that shows its text literally: Qt.TextFormat.PlainText, not AutoText."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        if text:
            self.setText(text)


def rich_label(markup: str = "", parent: QWidget | None = None) -> QLabel:
    """A label that renders markup on purpose; the caller escapes any user text in it."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setText(markup)
    return label


def plain_tooltip(text: str) -> str:
    """A tooltip that shows `text` literally: tooltips have no text format of their own,
    so the text is escaped and marked as rich text (`<qt>`), which shows the escaped
    characters as themselves; line breaks are kept."""
    if "<" not in text:  # nothing Qt could take for a tag: shown as it is
        return text
    return "<qt>" + html.escape(text).replace("\n", "<br>") + "</qt>"


def plain_message(parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str,
                  *, informative: str = "") -> QMessageBox:
    """A message box whose texts are plain (an error quoting a title shows it as typed)."""
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    if informative:
        box.setInformativeText(informative)
    return box
