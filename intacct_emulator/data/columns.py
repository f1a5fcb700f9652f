"""Column storage for one object's records, and the conversions between stored and shown values.

Numbers, dates and timestamps live in growable numpy int64 arrays (amounts as cents, dates as days since
1970-01-01, timestamps as UTC epoch seconds); text lives dictionary-encoded (int32 codes into a list of
distinct values, code 0 = ''). That keeps a million bills small and lets filters run vectorised.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

import numpy as np

NULL = np.iinfo(np.int64).min  # "empty" marker for int, amount, date and timestamp columns
EPOCH_DATE = dt.date(1970, 1, 1)
_CENT = Decimal("0.01")


class LocalTime:
    """Converts between UTC epoch seconds and a company's wall-clock time, caching offsets per hour."""

    def __init__(self, tz: ZoneInfo):
        self.tz = tz
        self._offsets: dict[int, int] = {}
        self._dates: dict[int, str] = {}

    def offset(self, epoch: int) -> int:
        hour = epoch // 3600
        found = self._offsets.get(hour)
        if found is None:
            moment = dt.datetime.fromtimestamp(hour * 3600, dt.UTC).astimezone(self.tz)
            found = self._offsets[hour] = int(moment.utcoffset().total_seconds())  # type: ignore[union-attr]
        return found

    def date_text(self, day: int) -> str:
        found = self._dates.get(day)
        if found is None:
            d = EPOCH_DATE + dt.timedelta(days=day)
            found = self._dates[day] = f"{d.month:02d}/{d.day:02d}/{d.year:04d}"
        return found

    def format_timestamp(self, epoch: int) -> str:
        local = epoch + self.offset(epoch)
        day, sec = divmod(local, 86400)
        return f"{self.date_text(day)} {sec // 3600:02d}:{sec // 60 % 60:02d}:{sec % 60:02d}"

    def local_to_epoch(self, value: dt.datetime) -> int:
        return int(value.replace(tzinfo=self.tz).timestamp())

    def epoch_to_local_date(self, epoch: int) -> int:
        return (epoch + self.offset(epoch)) // 86400


def format_cents(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    if frac == 0:
        return f"{sign}{whole}"
    if frac % 10 == 0:
        return f"{sign}{whole}.{frac // 10}"
    return f"{sign}{whole}.{frac:02d}"


def parse_amount(text: str) -> int | None:
    """Decimal text → cents, rounded half-up to 2 places; None when it is not a plain decimal."""
    candidate = text.strip()
    if not candidate or "," in candidate or "e" in candidate.lower():
        return None
    try:
        value = Decimal(candidate)
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    return int(value.quantize(_CENT, rounding=ROUND_HALF_UP) * 100)


def parse_us_date(text: str) -> dt.date | None:
    parts = text.strip().split("/")
    if len(parts) != 3 or not all(p.isdigit() for p in parts) or len(parts[2]) != 4:
        return None
    try:
        return dt.date(int(parts[2]), int(parts[0]), int(parts[1]))
    except ValueError:
        return None


def parse_us_datetime(text: str) -> tuple[dt.datetime, bool] | None:
    """'MM/DD/YYYY' or 'MM/DD/YYYY HH:MM:SS' → (naive local datetime, has_time); None otherwise."""
    pieces = text.strip().split(" ")
    pieces = [p for p in pieces if p]
    if not pieces or len(pieces) > 2:
        return None
    day = parse_us_date(pieces[0])
    if day is None:
        return None
    if len(pieces) == 1:
        return dt.datetime(day.year, day.month, day.day), False
    clock = pieces[1].split(":")
    if len(clock) != 3 or not all(p.isdigit() and len(p) == 2 for p in clock):
        return None
    try:
        return dt.datetime(day.year, day.month, day.day, int(clock[0]), int(clock[1]), int(clock[2])), True
    except ValueError:
        return None


def date_to_day(value: dt.date) -> int:
    return (value - EPOCH_DATE).days


class NumberColumn:
    """int / amount / date / timestamp values in a growable int64 array (NULL = empty)."""

    def __init__(self, kind: str, capacity: int = 16):
        self.kind = kind
        self.data = np.full(capacity, NULL, dtype=np.int64)

    def ensure(self, capacity: int) -> None:
        if capacity > len(self.data):
            grown = np.full(max(capacity, 2 * len(self.data)), NULL, dtype=np.int64)
            grown[: len(self.data)] = self.data
            self.data = grown

    def set(self, row: int, value: int | None) -> None:
        self.data[row] = NULL if value is None else value

    def get(self, row: int) -> int | None:
        value = int(self.data[row])
        return None if value == NULL else value

    def load(self, start: int, values) -> None:
        array = np.asarray(values, dtype=np.int64)
        self.ensure(start + len(array))
        self.data[start: start + len(array)] = array

    def clear(self, start: int, stop: int) -> None:
        self.data[start:stop] = NULL

    def format(self, rows: np.ndarray, clock: LocalTime) -> list[str]:
        values = self.data[rows].tolist()
        null = int(NULL)
        if self.kind == "int":
            return ["" if v == null else str(v) for v in values]
        if self.kind == "amount":
            return ["" if v == null else format_cents(v) for v in values]
        if self.kind == "date":
            return ["" if v == null else clock.date_text(v) for v in values]
        return ["" if v == null else clock.format_timestamp(v) for v in values]


class TextColumn:
    """Dictionary-encoded text; code 0 is the empty string."""

    kind = "text"

    def __init__(self, capacity: int = 16):
        self.codes = np.zeros(capacity, dtype=np.int32)
        self.values: list[str] = [""]
        self.lookup: dict[str, int] = {"": 0}

    def ensure(self, capacity: int) -> None:
        if capacity > len(self.codes):
            grown = np.zeros(max(capacity, 2 * len(self.codes)), dtype=np.int32)
            grown[: len(self.codes)] = self.codes
            self.codes = grown

    def code_of(self, value: str) -> int:
        code = self.lookup.get(value)
        if code is None:
            code = self.lookup[value] = len(self.values)
            self.values.append(value)
        return code

    def set(self, row: int, value: str | None) -> None:
        self.codes[row] = self.code_of(value or "")

    def get(self, row: int) -> str:
        return self.values[self.codes[row]]

    def load(self, start: int, values) -> None:
        """Bulk load from a list of strings, or from (vocabulary, codes) to skip per-row hashing."""
        if isinstance(values, tuple):
            vocabulary, codes = values
            mapping = np.array([self.code_of(v) for v in vocabulary], dtype=np.int32)
            codes = mapping[np.asarray(codes)]
        else:
            code_of = self.code_of
            codes = np.fromiter((code_of(v) for v in values), dtype=np.int32, count=len(values))
        self.ensure(start + len(codes))
        self.codes[start: start + len(codes)] = codes

    def clear(self, start: int, stop: int) -> None:
        self.codes[start:stop] = 0

    def format(self, rows: np.ndarray, clock: LocalTime) -> list[str]:
        values = self.values
        return [values[c] for c in self.codes[rows].tolist()]


def make_column(kind: str) -> NumberColumn | TextColumn:
    if kind in ("int", "amount", "date", "timestamp"):
        return NumberColumn(kind)
    return TextColumn()
