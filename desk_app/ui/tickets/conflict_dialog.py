"""Save found a colleague's change to fields the technician also edited: one row per
field with what they changed (who, when, old → new) beside the technician's own value, and
a choice per field. Save stays disabled until every field has one; Cancel goes back to
editing with nothing stored and nothing lost.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desk_app.services.edit_conflicts import EditConflict, EditMerge
from desk_app.ui.common.formatting import local_time
from desk_app.ui.common.plain import PlainLabel, plain_tooltip

# A value longer than this (a description) is cut in the row; the tooltip has all of it.
SHOWN_CHARS = 160
KEEP_MINE, TAKE_THEIRS = 0, 1


def _shown(text: str) -> str:
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS - 1] + "…"


class ConflictDialog(QDialog):
    def __init__(self, merge: EditMerge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.merge = merge
        theirs = merge.theirs
        self.setWindowTitle(f"{theirs.display_number} changed while you were editing")
        who = ", ".join(dict.fromkeys(c.who for c in merge.conflicts))
        names = ", ".join(c.label for c in merge.conflicts)
        intro = PlainLabel(
            f"{who} saved {theirs.display_number} after you started editing it, and changed "
            f"{names}, which you changed too. Choose, for each field, which value to keep. "
            "Their other changes are kept, and so are your other edits; nothing is "
            "stored until you press Save.")
        intro.setWordWrap(True)
        intro.setObjectName("conflictIntro")

        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(12)
        for column, title in enumerate(("Field", "Their change", "Your value", "Keep")):
            head = PlainLabel(title)
            head.setObjectName("conflictHeading")
            head.setStyleSheet("font-weight: bold")
            grid.addWidget(head, 0, column)
        self.choices: dict[str, QButtonGroup] = {}
        for row, conflict in enumerate(merge.conflicts, start=1):
            self._add_row(grid, row, conflict)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)
        grid.setRowStretch(len(merge.conflicts) + 1, 1)  # rows at the top, not spread out
        rows = QWidget()
        rows.setLayout(grid)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(rows)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        all_mine = QPushButton("Keep all mine")
        all_mine.setObjectName("keepAllMine")
        all_mine.clicked.connect(lambda: self.choose_all(KEEP_MINE))
        all_theirs = QPushButton("Take all theirs")
        all_theirs.setObjectName("takeAllTheirs")
        all_theirs.clicked.connect(lambda: self.choose_all(TAKE_THEIRS))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setEnabled(False)
        self.save_button.setToolTip("Choose a value for every field first")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(
            "Go on editing")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(all_mine)
        bottom.addWidget(all_theirs)
        bottom.addStretch(1)
        bottom.addWidget(self.buttons)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(scroll, 1)
        layout.addLayout(bottom)
        self.setMinimumWidth(min(820, max(560, 240 * 3)))

    def _add_row(self, grid: QGridLayout, row: int, conflict: EditConflict) -> None:
        name = PlainLabel(conflict.label)
        name.setAlignment(Qt.AlignmentFlag.AlignTop)
        grid.addWidget(name, row, 0)
        if conflict.changes:
            last = conflict.changes[-1]
            when = local_time(last.at, self.merge.theirs.updated_at)
            said = f"{last.who}, {when}:\n{_shown(conflict.base)} → {_shown(conflict.theirs)}"
        else:
            said = f"{conflict.who}:\n{_shown(conflict.base)} → {_shown(conflict.theirs)}"
        theirs = PlainLabel(said)
        theirs.setWordWrap(True)
        theirs.setObjectName(f"theirs_{conflict.field}")
        theirs.setToolTip(plain_tooltip(f"Was: {conflict.base}\nNow: {conflict.theirs}"))
        theirs.setAlignment(Qt.AlignmentFlag.AlignTop)
        mine = PlainLabel(_shown(conflict.mine))
        mine.setWordWrap(True)
        mine.setObjectName(f"mine_{conflict.field}")
        mine.setToolTip(plain_tooltip(conflict.mine))
        mine.setAlignment(Qt.AlignmentFlag.AlignTop)
        grid.addWidget(theirs, row, 1)
        grid.addWidget(mine, row, 2)
        group = QButtonGroup(self)
        keep = QRadioButton("Keep mine")
        keep.setObjectName(f"keepMine_{conflict.field}")
        take = QRadioButton("Take theirs")
        take.setObjectName(f"takeTheirs_{conflict.field}")
        group.addButton(keep, KEEP_MINE)
        group.addButton(take, TAKE_THEIRS)
        group.idClicked.connect(lambda _id: self._update_save())
        box = QVBoxLayout()
        box.setSpacing(2)
        box.addWidget(keep)
        box.addWidget(take)
        box.addStretch(1)
        grid.addLayout(box, row, 3)
        self.choices[conflict.field] = group

    def choose(self, field: str, which: int) -> None:
        button = self.choices[field].button(which)
        button.setChecked(True)
        self._update_save()

    def choose_all(self, which: int) -> None:
        for field in self.choices:
            self.choose(field, which)

    def _update_save(self) -> None:
        done = all(group.checkedId() in (KEEP_MINE, TAKE_THEIRS)
                   for group in self.choices.values())
        self.save_button.setEnabled(done)
        self.save_button.setToolTip("" if done else "Choose a value for every field first")

    def take_theirs(self) -> set[str]:
        """The fields whose colleague's value was chosen."""
        return {field for field, group in self.choices.items()
                if group.checkedId() == TAKE_THEIRS}


def ask_conflict_choices(parent: QWidget, merge: EditMerge) -> set[str] | None:
    """The fields to take from the colleague, or None: go on editing, nothing saved."""
    dialog = ConflictDialog(merge, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.take_theirs()
