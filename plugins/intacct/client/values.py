"""Conversion between the gateway's text values and Python values, in one place.

Intacct sends dates as ``MM/DD/YYYY`` and timestamps as naive ``MM/DD/YYYY HH:MM:SS`` in the company's
timezone; amounts as plain decimal strings; empty elements mean "no value". Reads turn them into ``date``,
aware UTC ``datetime``, ``Decimal``, ``int``, ``bool`` and ``None``; writes and filters format them back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from zoneinfo import ZoneInfo

from .errors import ValidationError

TEXT = "text"
INT = "int"
DECIMAL = "decimal"
DATE = "date"
TIMESTAMP = "timestamp"  # company-local naive timestamp
TIMESTAMP_UTC = "timestamp_utc"  # naive timestamp already in UTC (audit columns such as AUWHENCREATED)
BOOL = "bool"
TYPES = frozenset({TEXT, INT, DECIMAL, DATE, TIMESTAMP, TIMESTAMP_UTC, BOOL})

_TRUE = frozenset({"true", "t", "yes", "1"})
_FALSE = frozenset({"false", "f", "no", "0"})


class ValueCodec:
    """Parses and formats values for one company timezone."""

    def __init__(self, timezone: str | tzinfo):
        self.zone = ZoneInfo(timezone) if isinstance(timezone, str) else timezone
        self._parse_local = lru_cache(maxsize=4096)(lambda text: _parse_timestamp(text, self.zone))
        self._parse_utc = lru_cache(maxsize=1024)(lambda text: _parse_timestamp(text, UTC))
        self.parsers: dict[str, Callable[[str], object]] = {
            TEXT: str,
            INT: _parse_int,
            DECIMAL: _parse_decimal,
            DATE: _parse_date,
            TIMESTAMP: self._parse_local,
            TIMESTAMP_UTC: self._parse_utc,
            BOOL: _parse_bool,
        }

    def parse(self, kind: str, text: str | None, *, name: str = "value") -> object:
        """Text of one element → Python value; empty → None. Raises ValidationError naming the field."""
        if text is None or text == "":
            return None
        try:
            return self.parsers[kind](text)
        except (ValueError, InvalidOperation, KeyError) as exc:
            raise ValidationError(
                f"Unexpected {kind} value {text!r} in field {name}: the client expects Intacct's "
                "MM/DD/YYYY dates, MM/DD/YYYY HH:MM:SS timestamps and plain decimal numbers "
                "(check the Web Services user's date format is the default)") from exc

    def format(self, value: object) -> str:
        """Python value → the text the gateway accepts in writes and filters."""
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, datetime):
            return self.format_timestamp(value)
        if isinstance(value, date):
            return value.strftime("%m/%d/%Y")
        if isinstance(value, Decimal):
            if not value.is_finite():
                raise ValueError(f"Cannot send the non-finite amount {value!r} to Intacct")
            return format(value, "f")
        if isinstance(value, float):
            raise TypeError(f"Refusing float {value!r}: pass money and quantities as decimal.Decimal")
        if isinstance(value, int | str):
            return str(value)
        raise TypeError(f"Cannot send a value of type {type(value).__name__} to Intacct: {value!r}")

    def format_timestamp(self, value: datetime) -> str:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(
                f"Naive datetime {value!r}: pass a timezone-aware datetime (e.g. tzinfo=datetime.UTC); "
                "the client converts it to the company's timezone")
        return value.astimezone(self.zone).strftime("%m/%d/%Y %H:%M:%S")


def _parse_int(text: str) -> int:
    return int(text)


def _parse_decimal(text: str) -> Decimal:
    value = Decimal(text.replace(",", "") if "," in text else text)
    if not value.is_finite():
        raise ValueError(text)
    return value


def _parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(text)


def _parse_date(text: str) -> date:
    text = text.strip()
    if len(text) >= 10 and text[2] == "/" and text[5] == "/":
        return date(int(text[6:10]), int(text[0:2]), int(text[3:5]))
    if len(text) >= 10 and text[4] == "-" and text[7] == "-":
        return date(int(text[0:4]), int(text[5:7]), int(text[8:10]))
    raise ValueError(text)


def _parse_timestamp(text: str, zone: tzinfo) -> datetime:
    text = text.strip()
    if len(text) == 19 and text[2] == "/" and text[5] == "/" and text[13] == ":":
        local = datetime(int(text[6:10]), int(text[0:2]), int(text[3:5]),
                         int(text[11:13]), int(text[14:16]), int(text[17:19]), tzinfo=zone)
        return local.astimezone(UTC)
    if len(text) == 10 and text[2] == "/":
        day = _parse_date(text)
        return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)
    parsed = datetime.fromisoformat(text)  # ISO with offset, e.g. a session timeout
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)
