"""Service credits per organization as a table: the model and a ready-made view.

For the dashboard and the contracts dialog. The model holds the `OrgCredit` values the
caller computed (CreditService.credits, ideally off the GUI thread) and is replaced as a
whole with `set_credits`: a period's credits change all together, never row by row.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from enum import IntEnum
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from desk_app.domain.credits import TARGET_LABELS, OrgCredit
from desk_app.domain.ticket import format_number
from desk_app.ui.common.list_table_model import ListTableModel
from desk_app.ui.common.plain import plain_tooltip


class CreditColumn(IntEnum):
    ORGANIZATION = 0
    PERIOD_FEE = 1
    LOWEST = 2
    TIER = 3
    P1 = 4
    TOTAL = 5
    TICKETS = 6


HEADERS = {
    CreditColumn.ORGANIZATION: "Organization",
    CreditColumn.PERIOD_FEE: "Fee (period)",
    CreditColumn.LOWEST: "Lowest attainment",
    CreditColumn.TIER: "Tier",
    CreditColumn.P1: "P1 breaches",
    CreditColumn.TOTAL: "Credit owed",
    CreditColumn.TICKETS: "Missed tickets",
}
NUMERIC = {CreditColumn.PERIOD_FEE, CreditColumn.LOWEST, CreditColumn.P1, CreditColumn.TOTAL}
# Sorting a view over this model (QSortFilterProxyModel) uses raw values, not the text.
SORT_ROLE = Qt.ItemDataRole.UserRole


def money(currency: str, amount: Decimal) -> str:
    return f"{currency} {amount:,.2f}"


def lowest_text(r: OrgCredit) -> str:
    if r.lowest is None or r.lowest.attainment_pct is None:
        return "no decided tickets"
    return f"{r.lowest.attainment_pct} % ({TARGET_LABELS[r.lowest.target].lower()})"


def tier_text(r: OrgCredit) -> str:
    if r.tier is None:
        return "none"
    return f"below {r.tier.below_pct:g} % → {r.tier.credit_pct:g} %"


def total_text(r: OrgCredit) -> str:
    # "capped" is spelt out: the figure is lower than the parts add up to.
    return money(r.currency, r.total) + (" (capped)" if r.capped else "")


def breakdown(r: OrgCredit) -> str:
    """How the credit adds up, for a tooltip."""
    lines = [f"Fee for {r.first_day:%d %b} – {r.last_day:%d %b %Y}: "
             f"{money(r.currency, r.period_fee)}"]
    for t in r.targets:
        pct = "–" if t.attainment_pct is None else f"{t.attainment_pct} %"
        lines.append(f"{TARGET_LABELS[t.target]}: {t.met} met, {t.missed} missed, "
                     f"{t.pending} pending → {pct}")
    lines.append(f"Tier credit: {money(r.currency, r.tier_credit)} ({tier_text(r)})")
    lines.append(f"P1 breaches: {len(r.p1_breach_tickets)} → {money(r.currency, r.p1_credit)}")
    if r.cap_amount is not None:
        lines.append(f"Cap: {money(r.currency, r.cap_amount)}"
                     + (" — reached" if r.capped else ""))
    lines.append(f"Credit owed: {money(r.currency, r.total)}")
    return "\n".join(lines)


class CreditsTableModel(ListTableModel[OrgCredit]):
    """One row per organization with an active contract, in the order given."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__([HEADERS[c] for c in CreditColumn], parent)

    def set_credits(self, results: Sequence[OrgCredit]) -> None:
        self.set_rows(results)

    def cell(self, r: OrgCredit, column_number: int, role: int) -> Any:
        column = CreditColumn(column_number)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(r, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == CreditColumn.TICKETS and r.missed_tickets:
                return ", ".join(format_number(n) for n in r.missed_tickets)
            return plain_tooltip(breakdown(r))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = Qt.AlignmentFlag.AlignRight if column in NUMERIC \
                else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        if role == SORT_ROLE:
            return self._sort_value(r, column)
        return None

    @staticmethod
    def _text(r: OrgCredit, column: CreditColumn) -> str:
        if column == CreditColumn.ORGANIZATION:
            return r.organization
        if column == CreditColumn.PERIOD_FEE:
            return money(r.currency, r.period_fee)
        if column == CreditColumn.LOWEST:
            return lowest_text(r)
        if column == CreditColumn.TIER:
            return tier_text(r)
        if column == CreditColumn.P1:
            return str(len(r.p1_breach_tickets))
        if column == CreditColumn.TOTAL:
            return total_text(r)
        shown = [format_number(n) for n in r.missed_tickets[:5]]
        more = len(r.missed_tickets) - len(shown)
        return ", ".join(shown) + (f" and {more} more" if more > 0 else "")

    @staticmethod
    def _sort_value(r: OrgCredit, column: CreditColumn) -> Any:
        if column == CreditColumn.ORGANIZATION:
            return r.organization.lower()
        if column == CreditColumn.PERIOD_FEE:
            return float(r.period_fee)
        if column == CreditColumn.LOWEST:
            return float(r.lowest.attainment_pct) if r.lowest and r.lowest.attainment_pct \
                is not None else 101.0
        if column == CreditColumn.TIER:
            return float(r.tier.credit_pct) if r.tier else 0.0
        if column == CreditColumn.P1:
            return len(r.p1_breach_tickets)
        if column == CreditColumn.TOTAL:
            return float(r.total)
        return len(r.missed_tickets)


class CreditsTable(QTableView):
    """A read-only view with its own CreditsTableModel: `set_credits(results)` fills it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.credits_model = CreditsTableModel(self)
        self.setModel(self.credits_model)
        self.setObjectName("creditsTable")
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setAlternatingRowColors(True)
        self.verticalHeader().hide()
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

    def set_credits(self, results: Sequence[OrgCredit]) -> None:
        self.credits_model.set_credits(results)
