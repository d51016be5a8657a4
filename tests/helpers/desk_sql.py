"""Plain SQL on a desk from outside the app, on either engine: what another program (an
older version, a report tool, the next run after a crash) reads or writes."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from desk_app.store.engine import database_url


def run_sql(target: str | Path, sql: str, params: Mapping[str, Any] | None = None
            ) -> list[tuple[Any, ...]]:
    """`sql` (`:name` parameters) on a connection of its own, in its own transaction,
    committed; the rows, if it returns any. `target` is what --db would be given."""
    engine = create_engine(database_url(target), poolclass=NullPool)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(sql), dict(params or {}))
            return [tuple(r) for r in result] if result.returns_rows else []
    finally:
        engine.dispose()
