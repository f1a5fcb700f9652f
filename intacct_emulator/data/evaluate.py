"""Evaluates a filter tree against a table, vectorised over a set of rows.

Semantics follow the Oracle database behind the gateway: an empty value (NULL) satisfies only IS NULL, so
``STATUS != 'x'`` skips empty rows; NOT is pushed down to the leaves so the same holds under negation.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import numpy as np

from intacct_emulator.data.columns import (
    NULL,
    LocalTime,
    NumberColumn,
    TextColumn,
    date_to_day,
    parse_us_datetime,
)
from intacct_emulator.data.messages import query_error, unknown_field
from intacct_emulator.data.query import (
    And,
    Between,
    Compare,
    In,
    IsNull,
    Like,
    Literal,
    Not,
    Or,
    looks_like_iso_timestamp,
)
from intacct_emulator.data.table import Table

_INVERSE = {"=": "!=", "!=": "=", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}
_OPS = {"=": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal, ">": np.greater,
        ">=": np.greater_equal}
_PY_OPS = {"=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
           "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}
_INF = np.iinfo(np.int64).max
# What a literal of the wrong enumeration form becomes: a value no stored text equals.
_NO_MATCH = "\x00"


def negate(node):
    if isinstance(node, Compare):
        return Compare(node.field, _INVERSE[node.op], node.value)
    if isinstance(node, Like):
        return Like(node.field, node.pattern, not node.negate)
    if isinstance(node, In):
        return In(node.field, node.values, not node.negate)
    if isinstance(node, IsNull):
        return IsNull(node.field, not node.negate)
    if isinstance(node, Between):
        return Or((Compare(node.field, "<", node.low), Compare(node.field, ">", node.high)))
    if isinstance(node, And):
        return Or(tuple(negate(child) for child in node.children))
    if isinstance(node, Or):
        return And(tuple(negate(child) for child in node.children))
    if isinstance(node, Not):
        return node.child
    raise TypeError(node)


def like_regex(pattern: str, case_insensitive: bool) -> re.Pattern:
    parts = ["." if ch == "_" else ".*" if ch == "%" else re.escape(ch) for ch in pattern]
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if case_insensitive else 0))


class Evaluator:
    def __init__(self, table: Table, clock: LocalTime, case_insensitive: bool = False,
                 function: str | None = None):
        """``function`` ("query" or "readByQuery") decides whether enumerations are matched by code or label;
        None accepts either (admin look-ups, and the ``lenient_enum_filters`` setting)."""
        self.table = table
        self.function = function
        self.spec = table.spec
        self.clock = clock
        self.case_insensitive = case_insensitive

    # ---- literal conversion ---------------------------------------------------------------------------------
    def check_field(self, name: str) -> None:
        if self.spec.field(name) is None:
            raise unknown_field(self.spec.name, name)

    def number(self, field: str, literal: Literal) -> tuple[int | float, bool]:
        """A literal as the stored number of ``field``; the flag says a date literal carried a time."""
        kind = self.spec.field(field).kind  # type: ignore[union-attr]
        text = literal.text.strip()
        if kind in ("date", "timestamp"):
            if looks_like_iso_timestamp(text):
                raise query_error(f"'{text}' is not a valid date for {field}.",
                                  "Write dates as MM/DD/YYYY and timestamps as MM/DD/YYYY HH:MM:SS.")
            parsed = parse_us_datetime(text)
            if parsed is None:
                raise query_error(f"'{text}' is not a valid date for {field}.",
                                  "Write dates as MM/DD/YYYY and timestamps as MM/DD/YYYY HH:MM:SS.")
            moment, has_time = parsed
            if kind == "timestamp":
                return self.clock.local_to_epoch(moment), False
            if has_time:
                return date_to_day(moment.date()) * 86400 + moment.hour * 3600 + moment.minute * 60 \
                    + moment.second, True
            return date_to_day(moment.date()), False
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise query_error(f"'{text}' is not a number; {field} holds numbers.",
                              f"Compare {field} with a number.") from None
        if kind == "amount":
            return float(value * 100), False
        if value != value.to_integral_value():
            raise query_error(f"'{text}' is not a whole number; {field} holds whole numbers.",
                              f"Compare {field} with a whole number.")
        return int(value), False

    def text(self, field: str, literal: Literal) -> str:
        spec = self.spec.field(field)
        if spec is None or not spec.codes:
            return literal.text
        form = spec.filter_form(self.function)
        if form == "either":
            return spec.codes.get(literal.text, literal.text)
        if form == "code":
            return spec.codes.get(literal.text, _NO_MATCH)  # a label where the code is expected matches nothing
        return literal.text

    # ---- evaluation -------------------------------------------------------------------------------------------
    def mask(self, node, rows: np.ndarray) -> np.ndarray:
        if isinstance(node, And):
            result = self.mask(node.children[0], rows)
            for child in node.children[1:]:
                if not result.any():
                    break
                result &= self.mask(child, rows)
            return result
        if isinstance(node, Or):
            result = self.mask(node.children[0], rows)
            for child in node.children[1:]:
                result |= self.mask(child, rows)
            return result
        if isinstance(node, Not):
            return self.mask(negate(node.child), rows)
        self.check_field(node.field)
        column = self.table.columns[node.field]
        if isinstance(column, TextColumn):
            return self._text_mask(node, column, rows)
        return self._number_mask(node, column, rows)

    def _number_mask(self, node, column: NumberColumn, rows: np.ndarray) -> np.ndarray:
        data = column.data[rows]
        present = data != NULL
        if isinstance(node, IsNull):
            return present if node.negate else ~present
        if isinstance(node, Like):
            regex = like_regex(node.pattern.text, self.case_insensitive)
            shown = column.format(rows, self.clock)
            hits = np.fromiter((bool(regex.fullmatch(s)) for s in shown), dtype=bool, count=len(shown))
            return present & (hits != node.negate)
        if isinstance(node, Compare):
            values, target = self._side(node.field, node.value, data)
            return present & _OPS[node.op](values, target)
        if isinstance(node, Between):
            low_values, low = self._side(node.field, node.low, data)
            high_values, high = self._side(node.field, node.high, data)
            return present & (low_values >= low) & (high_values <= high)
        if isinstance(node, In):
            targets = [self.number(node.field, v) for v in node.values]
            if any(has_time for _, has_time in targets):  # date field, some literals with a time: use seconds
                numbers = [n if has_time else n * 86400 for n, has_time in targets]
                data = data * 86400
            else:
                numbers = [n for n, _ in targets]
            return present & (np.isin(data, np.array(numbers)) != node.negate)
        raise TypeError(node)

    def _side(self, field: str, literal: Literal, data: np.ndarray) -> tuple[np.ndarray, int | float]:
        """The column values and the literal on a common scale (seconds when a date meets a timestamp)."""
        number, has_time = self.number(field, literal)
        return (data * 86400 if has_time else data), number

    def _text_mask(self, node, column: TextColumn, rows: np.ndarray) -> np.ndarray:
        codes = column.codes[rows]
        if isinstance(node, IsNull):
            return codes != 0 if node.negate else codes == 0
        vocabulary = column.values
        fold = self.case_insensitive
        if isinstance(node, Compare) and node.op in ("=", "!=") and not fold:
            code = column.lookup.get(self.text(node.field, node.value))
            if node.op == "=":
                return codes == code if code is not None else np.zeros(len(codes), dtype=bool)
            return (codes != 0) & (codes != code if code is not None else True)
        if isinstance(node, Like):
            regex = like_regex(node.pattern.text, fold)
            lut = np.fromiter((bool(regex.fullmatch(v)) != node.negate for v in vocabulary), dtype=bool,
                              count=len(vocabulary))
        elif isinstance(node, In):
            wanted = {self._fold(self.text(node.field, v)) for v in node.values}
            lut = np.fromiter(((self._fold(v) in wanted) != node.negate for v in vocabulary), dtype=bool,
                              count=len(vocabulary))
        elif isinstance(node, Compare):
            target = self._fold(self.text(node.field, node.value))
            compare = _PY_OPS[node.op]
            lut = np.fromiter((compare(self._fold(v), target) for v in vocabulary), dtype=bool,
                              count=len(vocabulary))
        elif isinstance(node, Between):
            low, high = self._fold(self.text(node.field, node.low)), self._fold(self.text(node.field, node.high))
            lut = np.fromiter((low <= self._fold(v) <= high for v in vocabulary), dtype=bool, count=len(vocabulary))
        else:
            raise TypeError(node)
        lut[0] = False  # empty values never match a comparison
        return lut[codes]

    def _fold(self, value: str) -> str:
        return value.lower() if self.case_insensitive else value

    # ---- index support ---------------------------------------------------------------------------------------
    def implied_range(self, node, field: str) -> tuple[int, int] | None:
        """Bounds [low, high] on ``field`` that every matching row satisfies, or None when unconstrained."""
        if node is None:
            return None
        if isinstance(node, Not):
            return self.implied_range(negate(node.child), field)
        if isinstance(node, And):
            bounds = [b for b in (self.implied_range(c, field) for c in node.children) if b is not None]
            if not bounds:
                return None
            return max(b[0] for b in bounds), min(b[1] for b in bounds)
        if isinstance(node, Or):
            bounds = [self.implied_range(c, field) for c in node.children]
            if any(b is None for b in bounds):
                return None
            return min(b[0] for b in bounds), max(b[1] for b in bounds)  # type: ignore[index]
        if node.field != field or self.spec.field(field).kind not in ("int", "timestamp", "date"):  # type: ignore[union-attr]
            return None
        if isinstance(node, Compare):
            value, has_time = self.number(field, node.value)
            if has_time or not isinstance(value, int):
                return None
            return {"=": (value, value), ">": (value + 1, _INF), ">=": (value, _INF),
                    "<": (-_INF, value - 1), "<=": (-_INF, value)}.get(node.op)
        if isinstance(node, Between):
            low, low_time = self.number(field, node.low)
            high, high_time = self.number(field, node.high)
            return None if low_time or high_time else (int(low), int(high))
        return None
