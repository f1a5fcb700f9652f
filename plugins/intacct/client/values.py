"""Conversion between the gateway's text values and Python values, in one place.

Intacct sends dates as ``MM/DD/YYYY`` and timestamps as naive ``MM/DD/YYYY HH:MM:SS`` in the company's
timezone; amounts as plain decimal strings; empty elements mean "no value". Reads turn them into ``date``,
aware UTC ``datetime``, ``Decimal``, ``int``, ``bool`` and ``None``; writes and filters format them back.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from .errors import MalformedValue

TEXT = "text"
INT = "int"
DECIMAL = "decimal"
MONEY = "money"  # a plain decimal with at most 2 places
DATE = "date"
TIMESTAMP = "timestamp"  # company-local naive timestamp
TIMESTAMP_UTC = "timestamp_utc"  # naive timestamp already in UTC (audit columns such as AUWHENCREATED)
BOOL = "bool"
TYPES = frozenset({TEXT, INT, DECIMAL, MONEY, DATE, TIMESTAMP, TIMESTAMP_UTC, BOOL})

_TRUE = frozenset({"true", "t", "yes", "1"})
_FALSE = frozenset({"false", "f", "no", "0"})


class ValueCodec:
    """Parses and formats values for one company timezone."""

    def __init__(self, timezone: str | tzinfo):
        self.zone = ZoneInfo(timezone) if isinstance(timezone, str) else timezone
        self._parse_local = lru_cache(maxsize=4096)(lambda text: _parse_timestamp(text, self.zone))
        self._parse_utc = lru_cache(maxsize=1024)(lambda text: _parse_timestamp(text, UTC))
        # Values repeat a lot across a page (dates, amounts such as 0.00 or a bill's total in three fields);
        # the results are immutable, so each distinct text is parsed once. Failures are never cached.
        self.parsers: dict[str, Callable[[str], object]] = {
            TEXT: str,
            INT: _parse_int,
            DECIMAL: _parse_decimal,
            MONEY: lru_cache(maxsize=16384)(parse_money),
            DATE: lru_cache(maxsize=4096)(_parse_date),
            TIMESTAMP: self._parse_local,
            TIMESTAMP_UTC: self._parse_utc,
            BOOL: _parse_bool,
        }

    def parse(self, kind: str, text: str | None, *, name: str = "value", key: str | None = None) -> object:
        """Text of one element → Python value; empty → None.

        Raises MalformedValue (a ValueError) naming the field, the record ``key`` and the value's shape, never
        the value itself (it may be a secret).
        """
        if text is None or text == "":
            return None
        try:
            return self.parsers[kind](text)
        except (ValueError, ArithmeticError):
            raise malformed(kind, text, name, key) from None

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


_EXPECTED = {
    INT: "a whole number such as 1350",
    DECIMAL: "a plain decimal number such as 5900.125",
    MONEY: "a plain decimal amount with at most 2 places, such as 5900.10",
    DATE: "a MM/DD/YYYY date",
    TIMESTAMP: "a MM/DD/YYYY HH:MM:SS timestamp",
    TIMESTAMP_UTC: "a MM/DD/YYYY HH:MM:SS timestamp",
    BOOL: "true or false",
}


def value_shape(text: str, limit: int = 24) -> str:
    """The shape of a value without its content: digits become 9, letters A, the rest stays (12,34 → 99,99)."""
    shape = "".join("9" if c.isdigit() else "A" if c.isalpha() else c if c.isprintable() else "?"
                    for c in text[:limit])
    return shape + ("…" if len(text) > limit else "")


def malformed(kind: str, text: str, name: str, key: str | None = None) -> MalformedValue:
    where = f"{name} of record {key}" if key else name
    why = ""
    if kind in (MONEY, DECIMAL, INT):
        lowered = text.strip().lower()
        if "," in text:
            why = " (a comma is neither a decimal point nor accepted as a thousands separator)"
        elif lowered in ("nan", "snan", "inf", "infinity", "-inf", "-infinity", "+inf", "+infinity"):
            why = " (not a finite number)"
        elif "e" in lowered:
            why = " (exponent notation)"
        elif kind == MONEY and _DECIMAL_TEXT.fullmatch(text):
            why = " (more than 2 decimal places: refused rather than rounded)"
    return MalformedValue(
        f"Intacct sent a malformed {kind} value in field {where}: shaped {value_shape(text)!r}{why}; "
        f"expected {_EXPECTED.get(kind, kind)}", key=key, fields=[name])


# Plain decimals only: no exponent, sign only '-', no thousands separator, no NaN/Infinity, at most 15
# integer digits (more than any Intacct amount; keeps arithmetic exact in the default 28-digit context).
_INT_TEXT = re.compile(r"-?(?:0|[1-9][0-9]{0,17})")
_DECIMAL_TEXT = re.compile(r"-?(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,10})?")
_MONEY_TEXT = re.compile(r"-?(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,2})?")


def _parse_int(text: str) -> int:
    # Most integers read are RECORDNOs and line numbers: plain ASCII digits without a leading zero, checked
    # here without the pattern (a first sync reads hundreds of thousands); the rest go through it.
    if text.isascii() and text.isdigit() and len(text) <= 18 and (text[0] != "0" or len(text) == 1):
        return int(text)
    if not _INT_TEXT.fullmatch(text):
        raise ValueError("not a plain integer")
    return int(text)


def _parse_decimal(text: str) -> Decimal:
    if not _DECIMAL_TEXT.fullmatch(text):
        raise ValueError("not a plain decimal")
    return Decimal(text)


def parse_money(text: str) -> Decimal:
    """An amount as Intacct writes it (``-12.5``, ``5900.10``) → the exact Decimal; anything else ValueError.

    ``12,34``, ``1e400``, ``NaN``, ``Infinity``, ``1.005`` are refused, never guessed or rounded.
    """
    if not _MONEY_TEXT.fullmatch(text):
        raise ValueError("not a plain amount with at most 2 decimal places")
    return Decimal(text)


def _parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(text)


_US_DATE = re.compile(r"([0-9]{2})/([0-9]{2})/([0-9]{4})")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


def _parse_date(text: str) -> date:
    text = text.strip()
    if found := _US_DATE.fullmatch(text):
        return date(int(found[3]), int(found[1]), int(found[2]))
    if found := _ISO_DATE.fullmatch(text):
        return date(int(found[1]), int(found[2]), int(found[3]))
    raise ValueError("not a date")


_US_TIMESTAMP = re.compile(r"[0-9]{2}/[0-9]{2}/[0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2}")


def _parse_timestamp(text: str, zone: tzinfo) -> datetime:
    text = text.strip()
    if _US_TIMESTAMP.fullmatch(text):
        local = datetime(int(text[6:10]), int(text[0:2]), int(text[3:5]),
                         int(text[11:13]), int(text[14:16]), int(text[17:19]), tzinfo=zone)
        return local.astimezone(UTC)
    if _US_DATE.fullmatch(text):
        day = _parse_date(text)
        return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)
    parsed = datetime.fromisoformat(text)  # ISO with offset, e.g. a session timeout
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)
