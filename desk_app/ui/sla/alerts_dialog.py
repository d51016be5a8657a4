"""The *Alerts* list: the SLA notifications told to this technician (their scope, and a
supervisor's escalations), one row per ticket.

A ticket's newest notice is its row; the earlier ones are folded under it (expand the row,
or read them in its tooltip). Unread rows are bold; opening a ticket reads its notices,
*Mark all read* reads them all.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desk_app.services.alerts import AlertEntry, AlertGroup
from desk_app.ui.common.plain import plain_tooltip, rich_label
from desk_app.ui.sla.notification_center import NotificationCenter
from desk_app.ui.sla.risk_style import risk_icon

TICKET, ALERT, WHEN, ASSIGNEE = range(4)
HEADERS = ("Ticket", "Latest alert", "When", "Assignee")
EMPTY = "No SLA notifications for the tickets in this scope."


def when_text(at: datetime, now: datetime) -> str:
    """'16:00' today, 'Thu 16:00' this week, '27 Nov 16:00' before (local time)."""
    local, today = at.astimezone(), now.astimezone()
    if local.date() == today.date():
        return f"{local:%H:%M}"
    if today.date() - local.date() < timedelta(days=6):
        return f"{local:%a %H:%M}"
    return f"{local:%d %b %H:%M}"


class NotificationsDialog(QDialog):
    """Newest ticket first; double-click (or Enter) opens the ticket."""

    sig_open_ticket = Signal(int)

    def __init__(self, center: NotificationCenter, *, scope_label: str, now: datetime,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.center = center
        self._scope = scope_label
        self._now = now
        self.setWindowTitle("SLA notifications")
        # Wide enough for a ticket's title beside its newest alert, never wider than the
        # screen (1024 x 700 laptops).
        screen = self.screen().availableGeometry()
        self.resize(min(940, screen.width() - 40), min(540, screen.height() - 80))
        self.heading = rich_label()  # the scope word in bold; no user text
        self.heading.setObjectName("alertsHeading")
        self.heading.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setObjectName("alertsTree")
        self.tree.setColumnCount(len(HEADERS))
        self.tree.setHeaderLabels(list(HEADERS))
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setAllColumnsShowFocus(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(TICKET, QHeaderView.ResizeMode.Stretch)
        for column in (ALERT, WHEN, ASSIGNEE):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemActivated.connect(self._on_activated)
        self.tree.currentItemChanged.connect(lambda *_: self._update_buttons())

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.open_button = QPushButton("&Open ticket")
        self.open_button.clicked.connect(self._open_current)
        self.mark_all_button = QPushButton("&Mark all read")
        self.mark_all_button.setToolTip("Every notification in this list counts as read")
        self.mark_all_button.clicked.connect(lambda: self.center.mark_read())
        buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.mark_all_button, QDialogButtonBox.ButtonRole.ActionRole)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.tree, 1)
        layout.addWidget(buttons)
        center.sig_read_changed.connect(self._restyle)
        self.rebuild()

    def set_scope(self, label: str, now: datetime) -> None:
        self._scope = label
        self._now = now

    def rebuild(self) -> None:
        """Fill the tree from the center's entries, keeping the current ticket selected and
        the unfolded tickets unfolded (a tick may arrive while the list is open)."""
        current = self.current_ticket()
        unfolded = {top.data(TICKET, Qt.ItemDataRole.UserRole)
                    for top in _top_items(self.tree) if top.isExpanded()}
        self.tree.clear()
        groups = self.center.groups()
        for group in groups:
            item = self._group_item(group)
            self.tree.addTopLevelItem(item)
            item.setExpanded(group.ticket_id in unfolded)
            if group.ticket_id == current:
                self.tree.setCurrentItem(item)
        if not groups:
            empty = QTreeWidgetItem([EMPTY])
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.tree.addTopLevelItem(empty)
            self.tree.setFirstColumnSpanned(0, self.tree.rootIndex(), True)
        self._restyle()

    def current_ticket(self) -> int | None:
        item = self.tree.currentItem()
        value = item.data(TICKET, Qt.ItemDataRole.UserRole) if item is not None else None
        return int(value) if value else None

    def _group_item(self, group: AlertGroup) -> QTreeWidgetItem:
        newest = group.newest
        folded = f"  (+{len(group.earlier)} earlier)" if group.earlier else ""
        item = QTreeWidgetItem([f"{newest.number}  {newest.title}", newest.text + folded,
                                when_text(newest.at, self._now),
                                newest.assignee or "Unassigned"])
        self._decorate(item, newest)
        lines = [f"{when_text(e.at, self._now)}  {e.text}" for e in group.entries]
        item.setToolTip(TICKET, plain_tooltip(f"{newest.number} {newest.title}\n"
                                              + "\n".join(lines)))
        item.setToolTip(ALERT, plain_tooltip("\n".join(lines)))
        for entry in group.earlier:
            child = QTreeWidgetItem(["", entry.text, when_text(entry.at, self._now), ""])
            self._decorate(child, entry)
            item.addChild(child)
        return item

    @staticmethod
    def _decorate(item: QTreeWidgetItem, entry: AlertEntry) -> None:
        item.setData(TICKET, Qt.ItemDataRole.UserRole, entry.ticket_id)
        item.setData(ALERT, Qt.ItemDataRole.UserRole, entry.id)
        icon = risk_icon(entry.level)
        if icon is not None:
            item.setIcon(ALERT, icon)

    def _restyle(self) -> None:
        """Bold for unread (a ticket row when any of its notices is), and the heading."""
        unread_ids = {e.id for e in self.center.entries if self.center.is_unread(e)}
        for top in _top_items(self.tree):
            children = _children(top)
            ids = [item.data(ALERT, Qt.ItemDataRole.UserRole) for item in (top, *children)]
            _set_bold(top, any(x in unread_ids for x in ids))
            for child, entry_id in zip(children, ids[1:], strict=True):
                _set_bold(child, entry_id in unread_ids)
        tickets = len({e.ticket_id for e in self.center.entries})
        unread = self.center.unread
        # The list is what was told to this technician: their scope, and (a supervisor's)
        # escalations, which come whatever the scope.
        escalated = any(e.escalation for e in self.center.entries)
        self.heading.setText(
            f"Alerts for <b>{self._scope.lower()}</b>"
            + (" and <b>escalations</b> to you as a supervisor" if escalated else "")
            + " (change the scope in Settings) · "
            f"{tickets:,} ticket{'s' if tickets != 1 else ''}, {unread:,} with unread "
            "alerts (bold). Open a ticket to read its alerts.")
        self.mark_all_button.setEnabled(unread > 0)
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.open_button.setEnabled(self.current_ticket() is not None)

    def _open_current(self) -> None:
        item = self.tree.currentItem()
        if item is not None:
            self._on_activated(item)

    def _on_activated(self, item: QTreeWidgetItem) -> None:
        ticket_id = item.data(TICKET, Qt.ItemDataRole.UserRole)
        if ticket_id:
            self.sig_open_ticket.emit(int(ticket_id))
            self.accept()


def _top_items(tree: QTreeWidget) -> list[QTreeWidgetItem]:
    """The tree's top-level items (Qt answers None only for an index out of range)."""
    items = (tree.topLevelItem(i) for i in range(tree.topLevelItemCount()))
    return [item for item in items if item is not None]


def _children(item: QTreeWidgetItem) -> list[QTreeWidgetItem]:
    """The item's children (Qt answers None only for an index out of range)."""
    children = (item.child(i) for i in range(item.childCount()))
    return [child for child in children if child is not None]


def _set_bold(item: QTreeWidgetItem, bold: bool) -> None:
    for column in range(len(HEADERS)):
        font = QFont(item.font(column))
        font.setBold(bold)
        item.setFont(column, font)
