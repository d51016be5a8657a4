"""The main window: quick filters and search over the ticket table, the detail pane beside.

Filtering, sorting and searching run in SQL (see store/ticket_queries.py); the window only
keeps the selection on the ticket the technician was looking at.
"""

from __future__ import annotations

import contextlib
import html
import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import partial
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPoint, QRect, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStyle,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.exc import SQLAlchemyError

from desk_app import __version__
from desk_app.app import AppContext
from desk_app.platform.redact import redact
from desk_app.services.monitor import RowUpdate, replayed_clocks
from desk_app.services.ticket_list import QuickFilter, TicketListQuery
from desk_app.services.views import TicketClocks
from desk_app.store.engine import sqlite_path
from desk_app.ui.common.ask import Ask, ask_with_message_box
from desk_app.ui.common.connection_banner import ConnectionBanner
from desk_app.ui.common.errors import plain_reason
from desk_app.ui.common.flow_layout import FlowLayout
from desk_app.ui.common.plain import PlainLabel, plain_message, rich_label
from desk_app.ui.settings.settings_dialog import SettingsDialog
from desk_app.ui.settings.ui_settings import UiSettings
from desk_app.ui.sla.sla_legend import SlaLegendDialog
from desk_app.ui.sla.sla_settings_dialog import SlaSettingsDialog
from desk_app.ui.sla.sla_watch import SlaWatchUi
from desk_app.ui.team.desks import TeamDesks
from desk_app.ui.tickets.detail_pane import TicketDetailPane
from desk_app.ui.tickets.live_updates import LiveUpdates
from desk_app.ui.tickets.new_ticket_dialog import NewTicketDialog
from desk_app.ui.tickets.ticket_table_model import (
    COLUMN_FOR_SORT,
    EXPORT_NAMES,
    HEADERS,
    Column,
    TicketTableModel,
)
from desk_app.workers.task_runner import Runner, TaskRunner

log = logging.getLogger(__name__)

SEARCH_DELAY_MS = 250
# Shown from the header's right-click menu; the "Time left" column already speaks for the
# first-response clock whenever it is the more urgent one.
DEFAULT_HIDDEN = (Column.RESPONSE_DUE, Column.AGE)
# On screens narrower than this the list would scroll sideways, so a first start also
# hides these (the detail pane shows them for the selected ticket).
WIDE_SCREEN = 1700
NARROW_HIDDEN = (Column.ORGANIZATION, Column.UPDATED)
LAPTOP_SCREEN = 1450
# Below this the list keeps Number, Priority, Title, Status and Time left: the requester and
# assignee show in the detail pane, and Time left must never be pushed out of sight.
SMALL_SCREEN = 1280
SMALL_HIDDEN = (Column.REQUESTER, Column.ASSIGNEE)
PANE_MIN_WIDTH = 320
DB_LABEL_WIDTH = 260
FRAME_ALLOWANCE = 16
FILTER_SHORTCUTS = {QuickFilter.MINE: "Ctrl+1", QuickFilter.UNASSIGNED: "Ctrl+2",
                    QuickFilter.OPEN: "Ctrl+3", QuickFilter.WAITING: "Ctrl+4",
                    QuickFilter.AT_RISK: "Ctrl+5", QuickFilter.BREACHED: "Ctrl+6",
                    QuickFilter.RESOLVED: "Ctrl+7", QuickFilter.ALL: "Ctrl+8"}
# The Number column is sized to the desk's widest number instead (fit_number_column).
DEFAULT_WIDTHS = {Column.PRIORITY: 92, Column.TITLE: 200,
                  Column.REQUESTER: 115, Column.ORGANIZATION: 120, Column.STATUS: 138,
                  Column.TIME_LEFT: 185, Column.RESPONSE_DUE: 100, Column.RESOLUTION_DUE: 108,
                  Column.ASSIGNEE: 105, Column.AGE: 72, Column.UPDATED: 80}


class MainWindow(QMainWindow):
    """One window per database."""

    def __init__(self, ctx: AppContext, settings: UiSettings, *, actor: str,
                 start_monitor: bool = False, start_live: bool = False,
                 ask: Ask = ask_with_message_box, desks: TeamDesks | None = None) -> None:
        super().__init__()
        # Connect to a team desk / recent desks: given by ui/launch.py, which makes windows.
        self.desks = desks
        self._quitting = False
        self._switched = False
        self._banner_column: QVBoxLayout | None = None  # made by the first top banner
        self.ask = ask  # Save / Discard / Cancel questions (tests answer them directly)
        self._restoring_selection = False
        self.runner: Runner = TaskRunner(self)
        self.ctx = ctx
        self.settings = settings
        self.actor = actor
        # A read-only desk cannot learn a new technician: "My tickets" is then empty.
        self.me_id: int | None = ctx.directory.technician_id(actor) if ctx.read_only \
            else ctx.directory.ensure_technician(actor)
        self.setWindowTitle("Desk App")
        self.shortcut_list: list[tuple[str, str]] = []

        self.model = TicketTableModel(ctx.lists, ctx.clock, self, sla=ctx.sla)
        self.table = QTableView()
        self.table.setObjectName("ticketTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setSectionsMovable(True)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in DEFAULT_WIDTHS.items():
            self.table.setColumnWidth(column, width)
        # The title takes whatever width is left, so the list fits without side-scrolling.
        header.setSectionResizeMode(Column.TITLE, QHeaderView.ResizeMode.Stretch)
        self.model.number_width_changed.connect(self.fit_number_column)
        self.fit_number_column()
        for column in DEFAULT_HIDDEN:
            header.setSectionHidden(column, True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._on_header_menu)

        self.detail = TicketDetailPane(ctx.tickets, ctx.directory, actor=actor,
                                       drafts=ctx.drafts, ask=ask)
        self.detail.ticket_changed.connect(self._on_ticket_changed)

        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setPlaceholderText("Search number, title, requester…  (Ctrl+F)")
        self.search.setToolTip("Finds tickets whose number, title, description, requester "
                               "name or email contain every word typed")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(180)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_search)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.search.returnPressed.connect(self.apply_search)

        self.filter_buttons: dict[QuickFilter, QToolButton] = {}
        self.filter_group = QButtonGroup(self)
        self.filter_group.setExclusive(True)
        # The filters wrap onto a second row when the list is narrow (a 1024-pixel screen):
        # with their counts they need about 830 px on one row.
        self.filter_bar = QWidget()
        self.filter_bar.setObjectName("filterBar")
        filters = FlowLayout(self.filter_bar, spacing=4)
        filters.setContentsMargins(0, 0, 0, 0)
        for qf in QuickFilter:
            button = QToolButton()
            button.setObjectName(f"filter_{qf.value}")
            button.setCheckable(True)
            button.setText(qf.label)
            button.setToolTip(f"{qf.label} ({FILTER_SHORTCUTS[qf]})")
            button.clicked.connect(lambda _=False, f=qf: self.set_filter(f))
            # Never squeeze a filter into "My t…s": the search box gives way instead.
            button.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
            self.filter_group.addButton(button)
            self.filter_buttons[qf] = button
            filters.addWidget(button)
        new_button = QToolButton()
        new_button.setObjectName("newTicketButton")
        new_button.setText("+ New ticket")
        new_button.setToolTip("Log a new ticket (Ctrl+N)")
        new_button.clicked.connect(self.new_ticket)

        self.watch = SlaWatchUi(ctx, settings, me_id=self.me_id, icon=self.windowIcon(),
                                parent=self)
        self._connect_watch()
        # Two rows: actions and search above, the eight quick filters below, so the window
        # stays narrow enough for a 1366-pixel laptop screen beside the detail pane.
        top = QHBoxLayout()
        top.addWidget(new_button)
        top.addSpacing(12)
        top.addWidget(self.search, 1)
        top.addWidget(self.watch.bell)

        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(8, 8, 4, 8)
        ll.addLayout(top)
        ll.addWidget(self.filter_bar)
        ll.addWidget(self.watch.banner)
        ll.addWidget(self.table, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([960, 440])
        self.splitter.setChildrenCollapsible(False)
        # 320 px still shows every field and status move whole (the pane wraps them); more
        # would push the window past a 1024-pixel screen.
        self.detail.setMinimumWidth(PANE_MIN_WIDTH)
        self.setCentralWidget(self.splitter)
        # A team desk's server that goes away: said at the top, retried, caught up on.
        self.connection_banner = ConnectionBanner(ctx.connection, ctx.clock, self.runner,
                                                  self)
        self.connection_banner.sig_reconnected.connect(self._on_reconnected)
        self._add_top_banner(self.connection_banner)

        self.count_label = PlainLabel()
        # A long path would otherwise set the window's minimum width: shorten it in the
        # middle (the file name stays) and keep the whole path in the tooltip.
        db_path = redact(ctx.db.url).removeprefix('sqlite:///')
        shown_path = self.fontMetrics().elidedText(db_path, Qt.TextElideMode.ElideMiddle,
                                                   DB_LABEL_WIDTH)
        self.db_label = PlainLabel(f"Database: {shown_path}  ")
        self.db_label.setToolTip(db_path)
        self.db_label.setObjectName("dbLabel")
        self.statusBar().addWidget(self.count_label)
        self.statusBar().addWidget(self.watch.summary, 1)
        self.statusBar().addPermanentWidget(self.watch.error_label)
        self.statusBar().addPermanentWidget(PlainLabel(f"Signed in as {actor}"))
        self.statusBar().addPermanentWidget(self.db_label)

        self._build_menus()
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        # Colleagues' changes (other windows, processes, plain SQL): the cursor is taken
        # before the first query, so nothing committed after the view was read is missed.
        self.live = LiveUpdates(ctx.live, ctx.clock, model=self.model, table=self.table,
                                detail=self.detail, reselect=self._reselect,
                                changed=self._update_counts, parent=self)
        self.watch.show_stored_state()
        # Counting every filter costs a query; run it just after the table has painted so
        # the first page appears sooner, and coalesce bursts of resets into one count.
        self._counts_timer = QTimer(self)
        self._counts_timer.setSingleShot(True)
        self._counts_timer.setInterval(0)
        self._counts_timer.timeout.connect(self._update_counts)
        self.model.modelReset.connect(self._counts_timer.start)
        self._size_for_screen()
        self._restore_layout()
        self.set_filter(settings.last_filter)
        # Enabled only now: enabling it earlier makes Qt sort by column 0 before our query.
        self.table.setSortingEnabled(True)
        if ctx.read_only:
            self.set_read_only(ctx.read_only_reason)
        elif start_monitor:  # the monitor stores clocks and notifications: it writes
            self.watch.start_monitor()
        if start_live:  # reads only: a read-only desk shows colleagues' changes too
            self.live.start()
        if ctx.migration.note:  # start-up repaired the desk: this open is the only time
            self.show_repair_note(ctx.migration.note)

    def _connect_watch(self) -> None:
        """What the SLA watch asks of the window arrives by its signals."""
        watch = self.watch
        watch.sig_open_ticket.connect(self.open_ticket)
        watch.sig_show_window.connect(self.show_from_tray)
        watch.sig_quit.connect(self.quit_app)
        watch.sig_filter_requested.connect(self.set_filter)
        watch.sig_rows_changed.connect(self._on_sla_rows_changed)
        watch.sig_risk_counts.connect(
            lambda at_risk, breached: self.set_risk_counts(at_risk=at_risk, breached=breached))
        watch.countdown.timeout.connect(self.model.tick_display)

    # -- menus -----------------------------------------------------------------------------

    def _action(self, menu_name: str, text: str, slot: Callable[[], object],
                shortcut: str | None = None, *, describe: str | None = None) -> QAction:
        menu = self._menus[menu_name]
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            self.shortcut_list.append((shortcut, describe or text.replace("&", "")
                                       .rstrip(".…")))
        action.triggered.connect(lambda _checked=False: self._guarded(slot))
        menu.addAction(action)
        self.addAction(action)
        return action

    def _guarded(self, slot: Callable[[], object]) -> None:
        """Run a menu action; a database failure it did not handle itself (a dialog that
        reads its data as it opens, on a team desk whose server is gone) is said in the
        status bar instead of reaching Qt as an exception."""
        try:
            slot()
        except SQLAlchemyError as exc:
            log.exception("a menu action failed")
            self.statusBar().showMessage(f"Could not do that: {plain_reason(exc)}. Nothing "
                                         "was changed.", 15000)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self._menus = {name: bar.addMenu(name)
                       for name in ("&File", "&View", "&Team", "&Help")}
        # Disabled on a read-only desk (set_read_only); the dialogs that can also just show
        # things (service levels, contracts) open with their Save disabled instead.
        self.edit_actions = [self._action("&File", "&New ticket…", self.new_ticket, "Ctrl+N"),
                             self._action("&File", "&Settings…", self.open_settings, "Ctrl+,")]
        self._action("&File", "Service &levels…", self.open_sla_settings, "Ctrl+Shift+L",
                     describe="Edit SLA calendars and policies")
        self._action("&File", "C&ontracts and credits…", self.open_contracts)
        self.edit_actions.append(self._action(
            "&File", "&Import tickets from CSV…", self.import_tickets, "Ctrl+I",
            describe="Import tickets from a CSV file"))
        # Every export in one place (docs/exports.md); the period ones go through the
        # Reports window so the supervisor sees, and can change, the period exported.
        self._menus["Export"] = self._menus["&File"].addMenu("&Export")
        self._action("Export", "&Tickets in this view…", self.export_view, "Ctrl+E",
                     describe="Export the tickets in this view to a CSV file")
        self._menus["Export"].addSeparator()
        self._action("Export", "Period &summary…", lambda: self.export_report("summary"))
        self._action("Export", "&Breach list…", lambda: self.export_report("breaches"))
        self._action("Export", "Service &credits…", lambda: self.export_report("credits"))
        self._menus["&File"].addSeparator()
        if self.desks is not None:
            self._action("&File", "Connect to a &team desk…", self.connect_team_desk,
                         describe="Connect to a shared PostgreSQL desk")
            self.recent_menu = self._menus["&File"].addMenu("&Recent team desks")
            self.recent_menu.setObjectName("recentDesks")
            self.recent_menu.aboutToShow.connect(self._fill_recent_desks)
            self._fill_recent_desks()
            self._menus["&File"].addSeparator()
        self._action("&File", "&Quit", self.close, "Ctrl+Q")
        self._action("&View", "&Refresh", self.refresh, "F5")
        self._action("&View", "&Find…", self.focus_search, "Ctrl+F",
                     describe="Search tickets")
        self._menus["&View"].addSeparator()
        for qf, keys in FILTER_SHORTCUTS.items():
            self._action("&View", qf.label, partial(self.set_filter, qf), keys,
                         describe=f"Show: {qf.label}")
        self.shortcut_list += [("Ctrl+S", "Save the ticket's edited fields"),
                               ("Ctrl+Enter", "Send a reply / save the new ticket"),
                               ("Esc", "Close a dialog without saving")]
        self._menus["&View"].addSeparator()
        self._action("&View", "&Reports and credits…", self.open_reports, "Ctrl+R",
                     describe="Open the Reports window")
        self._action("&View", "SLA colour &legend", self.show_legend)
        self._action("&View", "SLA &notifications", self.watch.show_notifications,
                     "Ctrl+Shift+N", describe="Show the SLA notifications list")
        # Who works tickets and for whom: both open read-only on a read-only desk.
        self._action("&Team", "&Technicians…", self.open_technicians,
                     describe="Add, rename or deactivate technicians; mark supervisors")
        self._action("&Team", "&Organizations…", self.open_organizations,
                     describe="Organizations: tier, contacts and contract")
        self._action("&Help", "&Keyboard shortcuts", self.show_shortcuts, "F1")
        self._action("&Help", "&About Desk App", self.show_about)

    # -- team desks ------------------------------------------------------------------------

    def _fill_recent_desks(self) -> None:
        """The recent-desks list (URLs without a password) from the workstation settings."""
        menu = self.recent_menu
        menu.clear()
        desks = self.desks.recent() if self.desks is not None else []
        for url in desks:
            action = menu.addAction(redact(url))
            action.triggered.connect(lambda _=False, u=url: self.open_team_desk(u))
        if not desks:
            menu.addAction("No team desk yet").setEnabled(False)

    def connect_team_desk(self) -> None:
        """File → Connect to a team desk…: the dialog tests, then opens the desk in a new
        window that replaces this one."""
        if self.desks is None:
            return
        from desk_app.store.team_probe import probe_desk
        from desk_app.ui.team.connect_dialog import ConnectDialog

        desks = self.desks
        dialog = ConnectDialog(passwords=desks.passwords, settings=self.settings,
                               runner=self.runner, probe=probe_desk,
                               open_desk=lambda url, who: desks.switch_to(url, who,
                                                                          parent=dialog),
                               parent=self)
        dialog.exec()

    def open_team_desk(self, url: str) -> None:
        """A recent desk: opened as the technician remembered for it."""
        if self.desks is None:
            return
        problem = self.desks.switch_to(url, None, parent=self)
        if problem:
            plain_message(self, QMessageBox.Icon.Warning, "Cannot open the team desk",
                          f"Cannot open {redact(url)}: {problem}").exec()

    def may_leave(self) -> bool:
        """Before this window gives way to another desk's: edited fields ask Save /
        Discard / Cancel, the draft is kept."""
        return self.detail.confirm_leave(closing=True)

    def close_for_switch(self) -> None:
        """Close for good (not to the tray), the question already asked by may_leave."""
        self.detail.flush_draft()
        self.save_layout()
        self.watch.shutdown()
        self._switched = True
        self._quitting = True
        self.close()

    @property
    def on_team_desk(self) -> bool:
        return sqlite_path(self.ctx.db.url) is None

    # -- the view --------------------------------------------------------------------------

    def _on_header_menu(self, pos: QPoint) -> None:
        header = self.table.horizontalHeader()
        menu = QMenu(self)
        menu.addSection("Columns")
        for column in Column:
            if column is Column.TITLE:
                continue
            action = menu.addAction(HEADERS[column])
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(column))
            action.toggled.connect(
                lambda on, c=column: header.setSectionHidden(c, not on))
        menu.exec(header.mapToGlobal(pos))

    def set_filter(self, quick_filter: QuickFilter) -> None:
        self.filter_buttons[quick_filter].setChecked(True)
        self.settings.last_filter = quick_filter
        self._run_query(replace(self.model.query, quick_filter=quick_filter,
                                me_technician_id=self.me_id))

    def apply_search(self) -> None:
        self._search_timer.stop()
        text = self.search.text().strip()
        if text != self.model.query.search:
            self._run_query(replace(self.model.query, search=text))

    def _set_search_quietly(self, text: str) -> None:
        """Put `text` in the search box without its debounced re-query: the caller runs
        the query itself, and a late one would move the selection away from its ticket."""
        self._search_timer.stop()
        self.search.blockSignals(True)
        self.search.setText(text)
        self.search.blockSignals(False)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def refresh(self) -> None:
        self.detail.reload_lists()
        self._run_query(self.model.query)

    def _run_query(self, query: TicketListQuery) -> None:
        keep = self.selected_ticket_id()
        previous = self.model.query
        if not self._set_query(query):
            return
        shown = self.detail.detail
        if shown is not None and self.model.row_of(shown.id) is None \
                and not self.detail.confirm_leave():
            self._undo_query(previous, shown.id)
            return
        column = COLUMN_FOR_SORT[query.sort]
        order = Qt.SortOrder.DescendingOrder if query.descending \
            else Qt.SortOrder.AscendingOrder
        header = self.table.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(column, order)
        header.blockSignals(False)
        if keep is not None and self.select_ticket(keep):
            return
        # Open on the first ticket rather than an empty pane.
        first = self.model.ticket_id(0)
        if first is None or not self.select_ticket(first):
            self.detail.show_ticket(None)

    def _set_query(self, query: TicketListQuery) -> bool:
        """Show `query` in the list; False if the database could not be read, with the reason
        in the status bar, so each caller only decides what to skip."""
        try:
            self.model.set_query(query)
        except SQLAlchemyError as exc:
            log.exception("ticket query failed")
            self.statusBar().showMessage(f"Could not read tickets: {plain_reason(exc)}", 10000)
            return False
        return True

    def _undo_query(self, previous: TicketListQuery, ticket_id: int) -> None:
        """The technician chose to stay on an edited ticket the new filter or search would
        hide: put the list, the filter buttons and the search box back as they were."""
        if not self._set_query(previous):
            return
        self.filter_buttons[previous.quick_filter].setChecked(True)
        self.settings.last_filter = previous.quick_filter
        if self.search.text().strip() != previous.search:
            self._set_search_quietly(previous.search)
        self._reselect(ticket_id)

    def _reselect(self, ticket_id: int) -> None:
        """Put the list's selection back on the ticket the pane still shows."""
        self._restoring_selection = True
        try:
            self.select_ticket(ticket_id)
        finally:
            self._restoring_selection = False

    def select_ticket(self, ticket_id: int) -> bool:
        """Select and scroll to the ticket if the current view shows it."""
        row = self.model.row_of(ticket_id)
        if row is None:
            return False
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows)
        self.table.scrollTo(index)
        return True

    def selected_ticket_id(self) -> int | None:
        index = self.table.selectionModel().currentIndex()
        return self.model.ticket_id(index.row()) if index.isValid() else None

    def _on_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        ticket_id = self.model.ticket_id(current.row()) if current.isValid() else None
        self.watch.ticket_selected(ticket_id, on_screen=self.isVisible())  # reads its alerts
        if self._restoring_selection:
            return
        shown = self.detail.detail
        # Leaving an edited ticket asks first; Cancel (or a failed save) moves the
        # selection back so the list and the pane agree. Deferred: the view applies the
        # click's or key's own selection after this signal, which would undo a move made now.
        if shown is not None and ticket_id != shown.id and not self.detail.confirm_leave():
            QTimer.singleShot(0, lambda keep=shown.id: self._reselect(keep))
            return
        # Watched before it loads, so no tick can slip between: the monitor carries back
        # this ticket's clocks whenever it changes them.
        self.watch.monitor_service.watch(ticket_id)
        self.detail.show_ticket(ticket_id)

    def _on_ticket_changed(self, ticket_id: int) -> None:
        self._refresh_rows([ticket_id])
        self.schedule_counts()

    def _refresh_rows(self, ticket_ids: list[int]) -> None:
        """Repaint these rows from the database; a failure (a team desk's server gone)
        leaves them as they were, and the connection banner says why."""
        try:
            self.model.refresh_rows(ticket_ids)
        except SQLAlchemyError:
            log.exception("re-reading %d ticket rows failed", len(ticket_ids))

    def _on_reconnected(self) -> None:
        """The team desk's server answers again: re-read the list (selection and scroll
        stay where the technician left them), the counts, the shown ticket (its edited
        fields and the composer stay as typed), store a draft typed meanwhile, and let
        the monitor catch up."""
        scroll = self.table.verticalScrollBar().value()
        self.detail.reload_lists()
        self._run_query(self.model.query)
        self.table.verticalScrollBar().setValue(scroll)
        shown = self.detail.detail
        selected = self.selected_ticket_id()
        if shown is not None or selected is not None:
            self.detail.show_ticket(shown.id if shown is not None else selected)
        self.detail.flush_draft()
        self.schedule_counts()
        self.watch.catch_up()
        self.statusBar().showMessage("Reconnected to the team desk; the list is up to date.",
                                     10000)

    def _update_counts(self) -> None:
        try:
            counts = self.ctx.lists.counts(self.me_id)
        except SQLAlchemyError:
            log.exception("counting tickets failed")
            return
        for qf in self.filter_buttons:
            self._show_count(qf, counts[qf])
        shown = self.model.rowCount()
        search = f" matching “{self.model.query.search}”" if self.model.query.search else ""
        self.count_label.setText(f"{shown:,} tickets shown{search}")

    # -- actions ---------------------------------------------------------------------------

    def new_ticket(self) -> None:
        dialog = NewTicketDialog(self.ctx.tickets, self.ctx.directory, actor=self.actor,
                                 parent=self, ask=self.ask)
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.created is None:
            return
        created = dialog.created
        self.detail.reload_lists()
        # Ask about the open ticket's edited fields once, here: the moves below (to a filter
        # that shows the new ticket, then perhaps All, then to the ticket) would each ask.
        # Cancel stays on the edited ticket; the new one is logged either way.
        shown = self.detail.detail
        if shown is not None and not self.detail.confirm_leave():
            self._run_query(self.model.query)  # the list learns the new ticket
            self.statusBar().showMessage(
                f"Logged {created.display_number}: {created.title}; still on "
                f"{shown.display_number} with its unsaved changes", 8000)
            return
        self._set_search_quietly("")
        query = replace(self.model.query, search="")
        if query.quick_filter not in (QuickFilter.OPEN, QuickFilter.ALL,
                                      QuickFilter.UNASSIGNED, QuickFilter.MINE):
            query = replace(query, quick_filter=QuickFilter.OPEN)
            self.filter_buttons[QuickFilter.OPEN].setChecked(True)
        self._run_query(query)
        if not self.select_ticket(created.id):
            self.set_filter(QuickFilter.ALL)
            self.select_ticket(created.id)
        self.statusBar().showMessage(f"Logged {created.display_number}: {created.title}", 8000)

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.ctx.directory, technician=self.actor, parent=self,
                                ui_settings=self.settings, alerts=self.watch.center,
                                user_tz=self.ctx.sla.user_tz, more=(
                                    ("Service levels…", "Business calendars, SLA targets, "
                                     "warning thresholds and goals.", self.open_sla_settings),
                                    ("Contracts and credits…", "Each organization's monthly "
                                     "fee and credit schedule.", self.open_contracts)))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.detail.flush_draft()  # drafts are per author: store it under the old name
        self.actor = dialog.chosen_technician
        if self.on_team_desk:  # who I am on this team desk, remembered for it alone
            self.settings.set_technician_for(self.ctx.db.url, self.actor)
        else:
            self.settings.technician = self.actor
        self.detail.actor = self.actor
        self.me_id = dialog.chosen_technician_id
        self.watch.apply_settings(me_id=self.me_id)
        self.detail.reload_lists()
        # "My tickets" is now the new technician's: the query carries whose they are.
        self._run_query(replace(self.model.query, me_technician_id=self.me_id))

    def open_sla_settings(self) -> None:
        dialog = SlaSettingsDialog(self.ctx.sla, actor=self.actor, clock=self.ctx.clock,
                                   parent=self)
        if self.ctx.read_only:
            _disable_saving(dialog)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.refresh()
        self.statusBar().showMessage(
            f"Service levels saved; {dialog.applied or 0:,} open tickets recomputed.", 8000)

    def open_technicians(self) -> None:
        """The technicians page; a rename of the technician this window works as is
        followed at once (`_on_technician_renamed`)."""
        from desk_app.ui.team.technicians_page import TechniciansPage  # deferred, as below

        # The composer's draft is stored under the current name first, so a rename
        # moves it with the technician's other drafts.
        self.detail.flush_draft()
        page = TechniciansPage(self.ctx.people, me_id=self.me_id, ask=self.ask, parent=self)
        page.sig_renamed.connect(self._on_technician_renamed)
        page.sig_changed.connect(self.refresh)  # pick lists and the list's names
        if self.ctx.read_only:
            page.set_read_only()
        page.exec()

    def _on_technician_renamed(self, technician_id: int, _old: str, new: str) -> None:
        """This window records its changes under the technician's name: after a rename of
        that technician it works as the new name, here and in the settings file."""
        if technician_id != self.me_id:
            return
        self.actor = new
        self.settings.technician = new
        self.detail.actor = new
        self.statusBar().showMessage(f"You now work as {new}.", 8000)

    def open_organizations(self) -> None:
        from desk_app.ui.team.organizations_page import OrganizationsPage  # deferred

        page = OrganizationsPage(self.ctx.organizations, actor=self.actor,
                                 open_contract=self.open_contracts, parent=self)
        page.sig_changed.connect(self.refresh)  # tier in the pane, due times in the list
        if self.ctx.read_only:
            page.set_read_only()
        page.exec()

    def open_contracts(self, organization: str | None = None) -> None:
        """Organizations' service contracts and this month's credits (docs/credits.md);
        `organization` chooses the one shown first (from the organizations page)."""
        # Deferred, as AppContext defers the services: the dialog brings in the credits
        # and report services, which would add to the time before the first page.
        from desk_app.ui.reports.contracts_dialog import ContractsDialog

        dialog = ContractsDialog(self.ctx.credits,
                                 tz=self.ctx.sla.user_tz, runner=self.runner, parent=self)
        if self.ctx.read_only:
            _disable_saving(dialog)
        if organization:
            with contextlib.suppress(KeyError):  # removed meanwhile: the list shows
                dialog.select_organization(organization)
        dialog.exec()

    def import_tickets(self) -> None:
        """The import dialog (docs/import.md); once it has written tickets, the list and the
        pick lists show them."""
        from desk_app.ui.transfer.import_dialog import ImportDialog  # deferred: the import stack

        dialog = ImportDialog(self.ctx.imports,
                              actor=self.actor, runner=self.runner, parent=self)
        dialog.exec()
        if dialog.imported is not None:
            self.refresh()  # also reloads the pane's pick lists (new categories, people)
            self.statusBar().showMessage(dialog.imported_text, 10000)

    def export_view(self) -> None:
        """The tickets the table shows, in its order, with its visible columns and the SLA
        fields (docs/exports.md): ask where, then write off the GUI thread; the status bar
        reports. The ids and column names are read here and handed over as plain data."""
        # deferred: the export stack (see open_contracts)
        from desk_app.services.export import CsvOptions, open_for_csv

        path, _filter = QFileDialog.getSaveFileName(
            self, "Export the tickets in this view", str(Path.home() / "tickets.csv"),
            "CSV files (*.csv)")
        if not path:
            return
        target = Path(path)
        ids = self.model.ticket_ids()
        visible = self.visible_export_columns()
        options = CsvOptions(tz=self.ctx.sla.user_tz)
        service = self.ctx.view_export
        now = self.ctx.clock()

        def work() -> int:
            with open_for_csv(target) as out:
                return service.export_ticket_ids(out, options, ids=ids, visible=visible,
                                                 now=now)

        def failed(exc: BaseException) -> None:
            plain_message(self, QMessageBox.Icon.Warning, "Export failed",
                          f"The file was not written: {plain_reason(exc)}").exec()

        self.statusBar().showMessage(f"Exporting {len(ids):,} tickets to {target}…")
        self.runner.run(
            work,
            lambda count: self.statusBar().showMessage(
                f"Exported {count:,} tickets to {target}", 10000),
            failed)

    def visible_export_columns(self) -> list[str]:
        """Export names of the table's shown columns, left to right as on screen (the
        header's menu hides columns; dragging a header moves one)."""
        header = self.table.horizontalHeader()
        logical = (header.logicalIndex(visual) for visual in range(header.count()))
        return [EXPORT_NAMES[Column(c)] for c in logical if not header.isSectionHidden(c)]

    def export_report(self, what: str) -> None:
        """A period export ("summary", "breaches" or "credits") from the Reports window,
        shown first, for the period chosen there (this month when it opens)."""
        self.open_reports()
        self.reports_window.export(what)

    def open_reports(self) -> None:
        from desk_app.ui.reports.reports_view import open_reports  # deferred: the report stack

        self.reports_window = open_reports(self, self.ctx, self.runner,
                                           getattr(self, "reports_window", None))

    def show_legend(self) -> None:
        SlaLegendDialog(self).exec()

    def _on_sla_rows_changed(self, updates: tuple[RowUpdate, ...]) -> None:
        """The monitor changed these tickets' SLA columns: repaint their rows only, and
        show the open ticket's clocks if the tick replayed them (off the GUI thread)."""
        self._refresh_rows([u.ticket_id for u in updates])
        self.detail_refresh_if_shown(replayed_clocks(updates))

    def detail_refresh_if_shown(self, clocks: Mapping[int, TicketClocks]) -> None:
        """Show the open ticket's new clocks when the monitor changed them: the tick
        replayed them off the GUI thread; nothing else in the pane (typing) is touched."""
        shown = self.detail.detail
        if shown is not None and shown.id in clocks:
            self.detail.show_clocks(clocks[shown.id])

    def schedule_counts(self) -> None:
        """Count every quick filter once the current burst of changes is over."""
        self._counts_timer.start()

    def set_risk_counts(self, *, at_risk: int, breached: int) -> None:
        """The two SLA quick filters' counts, as the monitor counted them."""
        self._show_count(QuickFilter.AT_RISK, at_risk)
        self._show_count(QuickFilter.BREACHED, breached)

    def _show_count(self, qf: QuickFilter, count: int) -> None:
        self.filter_buttons[qf].setText(f"{qf.label}  {count:,}")

    def open_ticket(self, ticket_id: int) -> None:
        """Bring the window up on `ticket_id` (a click on an alert or a desktop notification):
        in the current view if it shows the ticket, else in All with the search cleared."""
        self.show_from_tray()
        if self.select_ticket(ticket_id):
            return
        self._set_search_quietly("")
        self.filter_buttons[QuickFilter.ALL].setChecked(True)
        self.settings.last_filter = QuickFilter.ALL
        self._run_query(replace(self.model.query, quick_filter=QuickFilter.ALL, search="",
                                status=None, me_technician_id=self.me_id))
        self.select_ticket(ticket_id)

    def show_from_tray(self) -> None:
        if self.isMinimized():
            self.showNormal()
        self.show()
        self.raise_()
        self.activateWindow()

    def quit_app(self) -> None:
        self._quitting = True
        self.close()

    def show_shortcuts(self) -> None:
        rows = "".join(f"<tr><td><b>{html.escape(k)}</b></td><td>{html.escape(d)}</td></tr>"
                       for k, d in self.shortcut_list)
        box = QMessageBox(self)
        box.setWindowTitle("Keyboard shortcuts")
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setText(f"<table cellpadding='4'>{rows}</table>")
        box.exec()

    def show_about(self) -> None:
        QMessageBox.about(self, "About Desk App",
                          f"<b>Desk App {__version__}</b><br>An offline-first help desk."
                          f"<br><br>Database: {html.escape(redact(self.ctx.db.url))}")

    # -- read-only desks -------------------------------------------------------------------

    def _add_top_banner(self, banner: QWidget) -> None:
        """Put `banner` above the list and the detail pane (the central widget is wrapped
        in a column the first time; later banners go below the earlier ones)."""
        column = self._banner_column
        if column is None:
            box = QWidget()
            column = QVBoxLayout(box)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(0)
            central = self.takeCentralWidget()
            if central is not None:  # always set by __init__; None only on a bare QMainWindow
                column.addWidget(central, 1)
            self.setCentralWidget(box)
            self._banner_column = column
        column.insertWidget(column.count() - 1, banner)

    def set_read_only(self, reason: str) -> None:
        """Say at the top that the desk is read-only and why; disable every action that
        writes to it. Reading, searching, reports and exports keep working."""
        self.read_only_banner = rich_label(
            f"<b>Read-only desk</b> — {html.escape(reason)}. You can read, search, report "
            "and export; nothing can be changed, and SLA alerts are not watched.")
        self.read_only_banner.setObjectName("readOnlyBanner")
        self.read_only_banner.setWordWrap(True)
        self.read_only_banner.setStyleSheet(
            "#readOnlyBanner { background: #fff4ce; color: #3d2f00; padding: 6px 10px;"
            " border-bottom: 1px solid #d9c37a; }")
        self._add_top_banner(self.read_only_banner)
        for action in self.edit_actions:
            action.setEnabled(False)
            action.setToolTip("The desk is read-only")
        new_button = self.findChild(QToolButton, "newTicketButton")
        if new_button is not None:
            new_button.setEnabled(False)
        self.detail.set_read_only(True)
        self.db_label.setText(f"{self.db_label.text().rstrip()} (read-only)  ")
        self.setWindowTitle(f"{self.windowTitle()} (read-only)")

    def show_repair_note(self, note: str) -> None:
        """Tell the technician, once, that start-up repaired the desk (recreated a
        half-created one, or restored a half-migrated one from its backup): the same line
        the command line prints as `desk-app: note: …`. Plain text: it quotes file names.
        The open that repaired the desk is the only one that has the note, so the next
        start shows nothing; Dismiss hides it now."""
        banner = QWidget()
        banner.setObjectName("repairNoteBanner")
        banner.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        banner.setStyleSheet(
            "#repairNoteBanner { background: #e3f2fd; border-bottom: 1px solid #90caf9; }"
            " #repairNoteBanner QLabel { color: #0d2a45; }")
        row = QHBoxLayout(banner)
        row.setContentsMargins(10, 6, 6, 6)
        self.repair_note_label = PlainLabel(f"The desk was repaired at start-up: {note}")
        self.repair_note_label.setObjectName("repairNote")
        self.repair_note_label.setWordWrap(True)
        self.repair_note_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse)  # the file names can be copied
        dismiss = QPushButton("Dismiss")
        dismiss.setObjectName("dismissRepairNote")
        dismiss.clicked.connect(banner.hide)
        row.addWidget(self.repair_note_label, 1)
        row.addWidget(dismiss, 0, Qt.AlignmentFlag.AlignTop)
        self.repair_note_banner = banner
        self._add_top_banner(banner)

    # -- layout persistence ----------------------------------------------------------------

    def _size_for_screen(self, available: QRect | None = None) -> None:
        """First-start size: most of the screen, never more than it, and columns that fit.

        `available` is the screen's available geometry (tests pass one; by default the
        window's screen). On a small screen (1024×700) the window takes the whole of it and
        the list keeps only the columns that identify and rank a ticket.
        """
        if available is None and self.screen() is not None:
            available = self.screen().availableGeometry()
        if available is None or available.isEmpty():
            available = QRect(0, 0, 1366, 768)
        if available.width() < SMALL_SCREEN:
            # Leave room for a window manager's frame (a few pixels each side).
            width = available.width() - FRAME_ALLOWANCE
        else:
            width = min(1900, int(available.width() * 0.94))
        height = min(1100, int(available.height() * 0.9))
        self.resize(width, height)
        if self.pos().x() + width > available.right() or \
                self.pos().y() + height > available.bottom():
            self.move(available.topLeft())
        pane = max(PANE_MIN_WIDTH, min(440, int(width * 0.32)))
        self.splitter.setSizes([width - pane, pane])
        hidden = NARROW_HIDDEN if width < WIDE_SCREEN else ()
        if width < LAPTOP_SCREEN:
            # "Time left" already says when; the title needs the room.
            hidden = (*hidden, Column.RESOLUTION_DUE)
        if width < SMALL_SCREEN:
            hidden = (*hidden, *SMALL_HIDDEN)
        for column in (*NARROW_HIDDEN, Column.RESOLUTION_DUE, *SMALL_HIDDEN):
            self.table.horizontalHeader().setSectionHidden(column, column in hidden)

    def fit_number_column(self) -> None:
        """Size the Number column to the widest number of the desk and fix it there: the
        number identifies the ticket, so it is never cut ("HD-100…") nor narrowed by hand."""
        header = self.table.horizontalHeader()
        style = self.table.style()
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None,
                                   self.table) + 1
        text = self.table.fontMetrics().horizontalAdvance(self.model.widest_number())
        width = max(text + 2 * margin + 8, header.sectionSizeHint(Column.NUMBER))
        header.setSectionResizeMode(Column.NUMBER, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(Column.NUMBER, width)

    def _restore_layout(self) -> None:
        s = self.settings
        if (geometry := s.bytes_value("window/geometry")) is not None:
            self.restoreGeometry(geometry)
        if (header := s.bytes_value("window/header")) is not None:
            self.table.horizontalHeader().restoreState(header)
            self.fit_number_column()  # a saved width may predate longer numbers
        if (splitter := s.bytes_value("window/splitter")) is not None:
            self.splitter.restoreState(splitter)

    def save_layout(self) -> None:
        s = self.settings
        s.set_bytes("window/geometry", self.saveGeometry())
        s.set_bytes("window/header", self.table.horizontalHeader().saveState())
        s.set_bytes("window/splitter", self.splitter.saveState())
        s.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._switched:  # close_for_switch asked and saved already
            super().closeEvent(event)
            return
        if not self._quitting and self.watch.tray is not None and \
                self.settings.close_to_tray:
            # Keep watching from the tray; the tray menu's Quit really quits.
            self.detail.flush_draft()
            self.save_layout()
            self.hide()
            event.ignore()
            return
        # The draft is stored without a question; edited fields ask Save/Discard/Cancel.
        if not self.detail.confirm_leave(closing=True):
            self._quitting = False
            event.ignore()
            return
        self.save_layout()
        self.watch.shutdown()
        self.live.shutdown()
        super().closeEvent(event)


def _disable_saving(dialog: QDialog) -> None:
    """A dialog opened on a read-only desk shows its data but cannot save it."""
    for box in dialog.findChildren(QDialogButtonBox):
        for role in (QDialogButtonBox.StandardButton.Save, QDialogButtonBox.StandardButton.Ok):
            if (button := box.button(role)) is not None:
                button.setEnabled(False)
    for button in dialog.findChildren(QPushButton):
        if button.text().lower().startswith("save"):
            button.setEnabled(False)
            button.setToolTip("The desk is read-only")
