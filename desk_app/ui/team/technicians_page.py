"""The technicians page: who works tickets, who is offered for assignment, who supervises.

Pick a technician on the left, edit on the right, "Save changes" (Ctrl+S); "New
technician" (Ctrl+N) empties the form for someone new. What was typed survives a failed
save (each message sits under its field); choosing another row with unsaved edits asks
first. A rename keeps past history as it was written (services/people.py); when the renamed
technician is the one this window works as, `sig_renamed` lets the window follow.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.exc import SQLAlchemyError

from desk_app.domain.errors import DeskError, ValidationError, ValidationErrors
from desk_app.services.people import (
    F_EMAIL,
    F_NAME,
    TechnicianInput,
    TechnicianRow,
    TechnicianService,
)
from desk_app.ui.common.ask import Answer, Ask, Question, ask_with_message_box
from desk_app.ui.common.errors import plain_reason
from desk_app.ui.common.list_table_model import ListTableModel
from desk_app.ui.common.plain import PlainLabel
from desk_app.ui.common.screen_fit import fit_to_screen
from desk_app.ui.common.widgets import FieldError, with_error

F_ACTIVE = "Active"
HEADERS = ("Name", "Email", "Status", "Supervisor", "Open tickets")
NO_SUPERVISOR = ("No active supervisor: a breached resolution target is told only to "
                 "those whose alert settings cover the ticket.")


class TechniciansModel(ListTableModel[TechnicianRow]):
    """The technicians, active first; "(you)" marks the one this window works as."""

    def __init__(self, me_id: int | None, parent: QWidget | None = None) -> None:
        super().__init__(HEADERS, parent)
        self.me_id = me_id

    def cell(self, row: TechnicianRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return f"{row.name} (you)" if row.id == self.me_id else row.name
            return (row.email, "Active" if row.active else "Inactive",
                    "Supervisor" if row.supervisor else "",
                    str(row.open_tickets))[column - 1]
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 4:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and column == 2 and not row.active:
            return "Not offered for assignment; tickets already theirs stay theirs"
        return None


class TechniciansPage(QDialog):
    """Add, rename, deactivate or reactivate technicians; mark supervisors."""

    sig_renamed = Signal(int, str, str)  # technician id, old name, new name
    sig_changed = Signal()  # anything saved: pick lists and the ticket list reload

    def __init__(self, people: TechnicianService, *, me_id: int | None,
                 ask: Ask = ask_with_message_box, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Technicians")
        self._people = people
        self._me_id = me_id
        self._ask = ask
        self._editing: int | None = None  # the id the form edits; None: a new technician
        self._baseline = TechnicianInput(id=None, name="")
        self._moving = False
        self._build()
        self.reload()
        if self.model.rowCount():
            self.table.selectRow(0)
        else:
            self.new_technician()

    # -- building ----------------------------------------------------------------------

    def _build(self) -> None:
        self.model = TechniciansModel(self._me_id, self)
        self.table = QTableView()
        self.table.setObjectName("techniciansTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(HEADERS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setMinimumWidth(420)
        self.table.selectionModel().currentRowChanged.connect(self._on_row_changed)

        self.name = QLineEdit()
        self.name.setMaxLength(200)
        self.email = QLineEdit()
        self.email.setPlaceholderText("optional: name@example.com")
        self.active = QCheckBox("&Active: offered for assignment")
        self.supervisor = QCheckBox("S&upervisor: told when a resolution target breaches")
        self.errors = {f: FieldError() for f in (F_NAME, F_EMAIL, F_ACTIVE)}
        self.general_error = FieldError()
        for widget in (self.name, self.email):
            widget.textEdited.connect(self._on_edited)
        for box in (self.active, self.supervisor):
            box.toggled.connect(self._on_edited)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("&Name:", with_error(self.name, self.errors[F_NAME], spacing=2))
        form.addRow("&Email:", with_error(self.email, self.errors[F_EMAIL], spacing=2))
        form.addRow("", with_error(self.active, self.errors[F_ACTIVE], spacing=2))
        form.addRow("", self.supervisor)
        self.form_hint = PlainLabel(
            "A rename keeps past history as it was written (who did what, then); tickets "
            "and lists show the new name. A deactivated technician keeps their tickets "
            "(marked inactive) but is no longer offered for assignment.")
        self.form_hint.setObjectName("hint")
        self.form_hint.setWordWrap(True)
        self.form_hint.setEnabled(False)  # greyed: a hint, not content

        self.save_button = QPushButton("&Save changes")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.unsaved = PlainLabel("")
        self.unsaved.setObjectName("unsavedMarker")
        save_row = QHBoxLayout()
        save_row.addWidget(self.unsaved, 1)
        save_row.addWidget(self.save_button)

        self.editor = QGroupBox("Technician")
        editor_layout = QVBoxLayout(self.editor)
        editor_layout.addLayout(form)
        editor_layout.addWidget(self.form_hint)
        editor_layout.addWidget(self.general_error)
        editor_layout.addStretch(1)
        editor_layout.addLayout(save_row)

        self.new_button = QPushButton("&New technician")
        self.new_button.clicked.connect(self.new_technician)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.table, 1)
        new_row = QHBoxLayout()
        new_row.addWidget(self.new_button)
        new_row.addStretch(1)
        left_layout.addLayout(new_row)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.editor)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)

        self.notice = PlainLabel("")
        self.notice.setObjectName("savedNote")
        self.notice.setWordWrap(True)
        self.supervisor_note = PlainLabel(NO_SUPERVISOR)
        self.supervisor_note.setObjectName("hint")
        self.supervisor_note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addWidget(self.supervisor_note)
        layout.addWidget(self.notice)
        layout.addWidget(buttons)
        QShortcut(QKeySequence("Ctrl+S"), self, self.save)
        QShortcut(QKeySequence("Ctrl+N"), self, self.new_technician)
        fit_to_screen(self, 960, 560)

    # -- the list ----------------------------------------------------------------------

    def reload(self) -> None:
        rows = self._people.technicians()
        self.model.set_rows(rows)
        self.supervisor_note.setVisible(not any(r.active and r.supervisor for r in rows))

    def row_of(self, technician_id: int) -> int:
        return next((i for i in range(self.model.rowCount())
                     if self.model.row_at(i).id == technician_id), -1)

    def select_technician(self, technician_id: int) -> None:
        row = self.row_of(technician_id)
        if row >= 0:
            self.table.selectRow(row)

    def _on_row_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        if self._moving or not current.isValid():
            return
        chosen = self.model.row_at(current.row())
        if chosen.id == self._editing:
            return
        if not self.confirm_leave():
            self._move_quietly(previous.row() if previous.isValid() else -1)
            return
        self._show(chosen)

    def _move_quietly(self, row: int) -> None:
        """Put the selection back without asking again (Cancel on the question)."""
        self._moving = True
        try:
            if row >= 0:
                self.table.selectionModel().setCurrentIndex(
                    self.model.index(row, 0),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows)
            else:
                self.table.clearSelection()
        finally:
            self._moving = False

    # -- the form ----------------------------------------------------------------------

    def _show(self, row: TechnicianRow | None) -> None:
        self._clear_errors()
        form = TechnicianInput(id=None, name="", active=True) if row is None else \
            TechnicianInput(id=row.id, name=row.name, email=row.email, active=row.active,
                            supervisor=row.supervisor)
        self._editing = form.id
        self.editor.setTitle("New technician" if row is None else "Technician")
        self.save_button.setText("&Add technician" if row is None else "&Save changes")
        blockers = [w.blockSignals(True) for w in (self.active, self.supervisor)]
        self.name.setText(form.name)
        self.email.setText(form.email)
        self.active.setChecked(form.active)
        self.supervisor.setChecked(form.supervisor)
        for w, was in zip((self.active, self.supervisor), blockers, strict=True):
            w.blockSignals(was)
        self._baseline = form
        self._on_edited()

    def form(self) -> TechnicianInput:
        return TechnicianInput(id=self._editing, name=self.name.text(),
                               email=self.email.text(), active=self.active.isChecked(),
                               supervisor=self.supervisor.isChecked())

    def has_unsaved(self) -> bool:
        f, b = self.form(), self._baseline
        if f.id is None:
            return bool(f.name.strip() or f.email.strip())
        return (" ".join(f.name.split()), f.email.strip(), f.active, f.supervisor) != \
            (b.name, b.email, b.active, b.supervisor)

    def _on_edited(self, *_args: object) -> None:
        self.unsaved.setText("● Unsaved changes" if self.has_unsaved() else "")

    def new_technician(self) -> None:
        if self._editing is None and self.name.text().strip():
            self.name.setFocus()  # already adding: keep what was typed
            return
        if not self.confirm_leave():
            return
        self._move_quietly(-1)
        self._show(None)
        self.name.setFocus()

    def confirm_leave(self) -> bool:
        """True when the form may be replaced: nothing unsaved, saved, or discarded."""
        if not self.has_unsaved():
            return True
        name = " ".join(self.name.text().split()) or "the new technician"
        answer = self._ask(self, Question(
            title="Unsaved changes", text=f"Save your changes to {name}?",
            detail="Discard forgets what you typed in the form."))
        if answer is Answer.SAVE:
            return self.save()
        return answer is Answer.DISCARD

    def _clear_errors(self) -> None:
        for error in (*self.errors.values(), self.general_error):
            error.show_error(None)

    def save(self) -> bool:
        """Store the form; on a problem show it beside its field and keep the text."""
        self._clear_errors()
        form = self.form()
        if form.id is not None and form.id == self._me_id and not form.active:
            self.errors[F_ACTIVE].show_error(
                "you are working as this technician; choose another name in Settings "
                "before deactivating yourself")
            return False
        try:
            saved = self._people.save(form)
        except ValidationErrors as exc:
            for field, reason in exc.by_field().items():
                self.errors.get(field, self.general_error).show_error(reason)
            return False
        except ValidationError as exc:
            self.errors.get(exc.field, self.general_error).show_error(exc.reason)
            return False
        except (DeskError, SQLAlchemyError) as exc:
            self.general_error.show_error(f"Not saved: {plain_reason(exc)}")
            return False
        self.notice.setText(saved.summary)
        self.reload()
        self._moving = True
        try:
            self.select_technician(saved.row.id)
        finally:
            self._moving = False
        self._show(saved.row)
        if saved.renamed_from is not None:
            self.sig_renamed.emit(saved.row.id, saved.renamed_from, saved.row.name)
        self.sig_changed.emit()
        return True

    def set_read_only(self) -> None:
        """A read-only desk: the list shows, nothing can be saved."""
        for widget in (self.save_button, self.new_button, self.name, self.email,
                       self.active, self.supervisor):
            widget.setEnabled(False)
        self.notice.setText("The desk is read-only: technicians can be looked at, not "
                            "changed.")

    def reject(self) -> None:
        if self.confirm_leave():
            super().reject()
