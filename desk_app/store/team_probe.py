"""Test a team desk's connection before the app opens it for good.

The Connect dialog and `desk-app team connect` ask the server once, with the password just
typed, through a throwaway engine of its own (no pool: nothing stays connected after), and
read what the window will need: which technicians the desk has, and whether it is a desk at
all yet (a new, empty database is set up by the first open, not here).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import inspect, text
from sqlalchemy.pool import NullPool

from desk_app.store.engine import make_engine


@dataclass(frozen=True)
class DeskProbe:
    """What one successful connection found. `revision` is None on an empty database."""

    server_version: str
    revision: str | None
    technicians: tuple[str, ...]

    def summary(self) -> str:
        """One line for the dialog and the command line."""
        if self.revision is None:
            desk = "an empty database: Desk App sets it up when it first opens it"
        else:
            count = len(self.technicians)
            desk = f"desk schema {self.revision}, {count} technician{'s' * (count != 1)}"
        return f"PostgreSQL {self.server_version}; {desk}"


def probe_desk(url: str, password: str | None) -> DeskProbe:
    """Connect to `url` with `password` (None: without one) and read the desk's state.

    Raises SQLAlchemyError when the server refuses or cannot be reached
    (store/db_errors.describe_failure says why in one line)."""
    engine = make_engine(url, password=lambda _url: password, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            version = str(conn.execute(text("SHOW server_version")).scalar_one())
            tables = set(inspect(conn).get_table_names())
            revision = None
            if "alembic_version" in tables:
                revision = conn.execute(text("SELECT version_num FROM alembic_version")
                                        ).scalar()
            names: tuple[str, ...] = ()
            if "technician" in tables:
                names = tuple(str(n) for n in conn.execute(text(
                    "SELECT name FROM technician WHERE active ORDER BY name")).scalars())
    finally:
        engine.dispose()
    return DeskProbe(server_version=version.split(" ", 1)[0],
                     revision=None if revision is None else str(revision), technicians=names)
