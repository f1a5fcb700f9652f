"""Column types that make money exact and timestamps UTC on SQLite and PostgreSQL alike.

The DDL in ``intacct/warehouse/sql`` names these types through placeholders; on SQLite they become declared type
names with TEXT affinity (``MONEY_TEXT`` …) that reflection maps back to the classes below, so the schema
is written once and money never passes through a float.

BC writes these tables too, so reads are lenient: a value that is not a valid amount or date comes back
as the raw text, and the sync's validation rejects the row with a reason instead of crashing the run.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from sqlalchemy import Date, DateTime, Numeric, String, Text
from sqlalchemy.types import TypeDecorator

from intacct.json_text import JsonText, dumps, json_scalar  # noqa: F401 - the warehouse's JSON text, here too

CENT = Decimal("0.01")


def as_utc(value: datetime) -> datetime:
    """An aware UTC datetime; naive values are taken to be UTC already."""
    if value.tzinfo is UTC:  # the common case (the client's timestamps), without a conversion
        return value
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class Money(TypeDecorator):
    """Exact decimal amount; TEXT holding the decimal string on SQLite, NUMERIC(18,2) on PostgreSQL."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Text())
        return dialect.type_descriptor(Numeric(18, 2, asdecimal=True))

    def bind_processor(self, dialect):
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)
        # SQLite's TEXT needs no processing of its own: the common case (a Decimal) without the general path.
        process_param = self.process_bind_param

        def process(value):
            return str(value) if value.__class__ is Decimal else process_param(value, dialect)

        return process

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("money must be a decimal.Decimal, not a float (floats lose cents)")
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
        if dialect.name == "sqlite":
            return str(amount)
        return amount

    def process_result_value(self, value, dialect):
        if value is None or isinstance(value, Decimal):
            return value
        try:
            return Decimal(str(value).strip())
        except InvalidOperation:
            return str(value)  # not an amount: validation rejects the row with a reason


class UtcTimestamp(TypeDecorator):
    """Aware UTC datetimes; fixed-width text on SQLite (so comparisons work), TIMESTAMPTZ on PostgreSQL."""

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String())
        return dialect.type_descriptor(DateTime(timezone=True))

    def bind_processor(self, dialect):
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)
        # SQLite's TEXT needs no processing of its own: the common case (a datetime) without the general path.
        process_param = self.process_bind_param

        def process(value):
            return _sqlite_timestamp(value) if value.__class__ is datetime else process_param(value, dialect)

        return process

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if dialect.name == "sqlite":
            return _sqlite_timestamp(value)
        return as_utc(value)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, datetime):
            return as_utc(value)
        try:
            return as_utc(datetime.fromisoformat(str(value).strip()))
        except ValueError:
            return None


@lru_cache(maxsize=8192)  # a page's rows share few distinct times (one run's updated_at, whole seconds)
def _sqlite_timestamp(value: datetime) -> str:
    """Fixed-width UTC text "YYYY-MM-DD HH:MM:SS.ffffff", so text order is time order."""
    return as_utc(value).replace(tzinfo=None).isoformat(" ", "microseconds")


class LenientDate(TypeDecorator):
    """A calendar date; on SQLite an invalid text written by BC comes back as that text."""

    impl = Date
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String())
        return dialect.type_descriptor(Date())

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if type(value) is date and dialect.name == "sqlite":  # the common case first
            return value.isoformat()
        if isinstance(value, datetime):
            value = value.date()
        if dialect.name == "sqlite":
            return value.isoformat() if isinstance(value, date) else str(value)
        return value

    def process_result_value(self, value, dialect):
        if value is None or isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            return str(value)


class JsonDocument(TypeDecorator):
    """A JSON document stored as text; Decimals and dates become strings."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if type(value) is JsonText:
            return str(value)
        return dumps(value)

    def process_result_value(self, value, dialect):
        if value is None or isinstance(value, dict | list):
            return value
        return json.loads(value)


# Placeholder → column type text per database. The SQLite names carry TEXT affinity (no "INT" in them).
PLACEHOLDERS: dict[str, dict[str, str]] = {
    "sqlite": {
        "money": "MONEY_TEXT",
        "timestamp": "UTC_TIMESTAMP_TEXT",
        "date": "DATE_TEXT",
        "json": "JSON_TEXT",
        "serial_pk": "INTEGER PRIMARY KEY AUTOINCREMENT",
    },
    "postgresql": {
        "money": "NUMERIC(18,2)",
        "timestamp": "TIMESTAMP WITH TIME ZONE",
        "date": "DATE",
        "json": "JSONB",
        "serial_pk": "BIGSERIAL PRIMARY KEY",
    },
}

# Declared SQLite type names → the classes above (used while reflecting).
SQLITE_TYPE_NAMES = {"MONEY_TEXT": Money, "UTC_TIMESTAMP_TEXT": UtcTimestamp, "DATE_TEXT": LenientDate,
                     "JSON_TEXT": JsonDocument}

__all__ = ["Money", "UtcTimestamp", "LenientDate", "JsonDocument", "PLACEHOLDERS", "SQLITE_TYPE_NAMES",
           "as_utc", "dumps", "json_scalar", "JsonText", "CENT"]
