"""Indexes only a PostgreSQL desk has: what SQLite gets for free, and substring search.

Every SQLite index carries the rowid (the ticket id), so the list's `ORDER BY column, id` is
a covering index scan there. A PostgreSQL index on `column` alone is not: the server read
the whole table and sorted 100,000 rows on disk (work_mem 4 MB) for each column sort,
56-214 ms of server time (EXPLAIN ANALYZE at a load average of 3). An index on
`(column, id)` makes it an index-only scan of about 5 ms (measured on the benchmark desk,
docs/performance.md).

Search is `ILIKE '%word%'`, which no B-tree helps; PostgreSQL scanned the ticket table
(85-115 ms a search). pg_trgm's GIN indexes answer it from the index (2-20 ms). pg_trgm is
an extension: from PostgreSQL 13 it is "trusted", so a database owner (any role with CREATE
on the database) may create it; a role without that cannot, and then the desk works without
the trigram indexes, only slower to search (migration 0011 logs one line and carries on).

The names all start with `ix_pg_`, so the comparison of the schema with the models
(`include_in_comparison`) knows they are meant to be missing from the models: the models
describe what both engines have.
"""

from __future__ import annotations

from typing import Any

# Migration 0011 holds the indexes themselves (a migration is a fixed record of what it
# did); the list of what exists on a desk is the server's own pg_indexes.
PREFIX = "ix_pg_"


def include_in_comparison(obj: Any, name: str | None, type_: str, reflected: bool,
                          compare_to: Any) -> bool:
    """Alembic's `include_object`: leave the PostgreSQL-only indexes out when the stored
    schema is compared with the models (they are in no model on purpose, see above)."""
    return not (type_ == "index" and reflected and compare_to is None
                and (name or "").startswith(PREFIX))
