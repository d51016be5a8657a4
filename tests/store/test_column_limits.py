"""The domain's length limits are the columns' own: a value the rules accept fits its column."""

from __future__ import annotations

import pytest

from desk_app.domain.ticket import CATEGORY_MAX, NAME_MAX, TITLE_MAX
from desk_app.store.models import Category, Contact, Organization, Technician, Ticket


@pytest.mark.parametrize(("model", "column", "limit"), [
    (Ticket, "title", TITLE_MAX), (Contact, "name", NAME_MAX),
    (Organization, "name", NAME_MAX), (Technician, "name", NAME_MAX),
    (Category, "name", CATEGORY_MAX),
])
def test_domain_limit_matches_the_column(model: type, column: str, limit: int) -> None:
    assert model.__table__.c[column].type.length == limit  # type: ignore[attr-defined]
