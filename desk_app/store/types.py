"""Column types that keep the database honest about time zones and closed vocabularies."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Any, overload

from sqlalchemy import DateTime, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Stores instants as naive UTC and returns aware UTC datetimes.

    Refuses naive datetimes on the way in: a naive value is an instant in an unknown zone,
    and SLA arithmetic on it would be silently wrong.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given where an aware instant is needed")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect
                             ) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class EnumText(TypeDecorator[Enum]):
    """Stores an enum as its value string (readable in any SQL tool, no native ENUM type)."""

    impl = String
    cache_ok = True

    def __init__(self, enum_type: type[Enum], length: int = 32, **kw: Any) -> None:
        super().__init__(length, **kw)
        self.enum_type = enum_type

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return str(self.enum_type(value).value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Enum | None:
        if value is None:
            return None
        return self.enum_type(value)


@overload
def utc_from_driver(value: datetime | str) -> datetime: ...
@overload
def utc_from_driver(value: None) -> None: ...
def utc_from_driver(value: datetime | str | None) -> datetime | None:
    """A UTCDateTime column's raw driver value (SQLite gives naive UTC text) as an aware UTC
    instant. Parsing the text with '+00:00' appended is about five times faster than parsing
    and then setting the zone, and reports parse hundreds of thousands."""
    if value is None:
        return None
    if isinstance(value, str):
        return datetime.fromisoformat(value + "+00:00")
    return value.replace(tzinfo=UTC)
