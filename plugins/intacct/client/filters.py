"""Query filters built from Python values.

A filter renders two ways: as the ``<filter>`` element of the ``query`` function and as the SQL-like string
of ``readByQuery``. Values are formatted by the client (dates and timestamps in the company's timezone).

    filters.and_(filters.eq("STATUS", "active"), filters.gte("WHENMODIFIED", since))
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

from .fields import is_secret_field
from .settings import MAX_IN_VALUES
from .values import ValueCodec

_ELEMENT = {"=": "equalto", "!=": "notequalto", "<": "lessthan", "<=": "lessthanorequalto", ">": "greaterthan",
            ">=": "greaterthanorequalto", "in": "in", "not in": "notin", "like": "like", "not like": "notlike",
            "is null": "isnull", "is not null": "isnotnull"}
_STRING_OP = {"!=": "<>"}


class Filter:
    """Base class: combine with ``&`` and ``|`` or with and_/or_."""

    def to_element(self, codec: ValueCodec) -> etree._Element:
        raise NotImplementedError

    def to_query_string(self, codec: ValueCodec) -> str:
        raise NotImplementedError

    def fields(self) -> set[str]:
        raise NotImplementedError

    def __and__(self, other: Filter) -> Filter:
        return and_(self, other)

    def __or__(self, other: Filter) -> Filter:
        return or_(self, other)


@dataclass(frozen=True)
class Condition(Filter):
    op: str
    field: str
    values: tuple[object, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.field, str) or not self.field.strip():
            raise ValueError("A filter needs a field name, e.g. filters.eq('STATUS', 'active')")
        if self.op in ("in", "not in"):
            if not 1 <= len(self.values) <= MAX_IN_VALUES:
                raise ValueError(
                    f"'{self.op}' takes 1 to {MAX_IN_VALUES} values (got {len(self.values)}): split the list "
                    "into chunks and run one query per chunk")
        elif self.op in ("is null", "is not null"):
            if self.values:
                raise ValueError(f"'{self.op}' takes no value")
        elif len(self.values) != 1:
            raise ValueError(f"'{self.op}' takes exactly one value")
        if any(v is None for v in self.values):
            raise ValueError(f"None is not a value for '{self.op}' on {self.field}: use is_null/is_not_null")

    def __repr__(self) -> str:
        values = ("***",) * len(self.values) if is_secret_field(self.field) else self.values
        return f"Condition(op={self.op!r}, field={self.field!r}, values={values!r})"

    def to_element(self, codec: ValueCodec) -> etree._Element:
        element = etree.Element(_ELEMENT[self.op])
        etree.SubElement(element, "field").text = self.field
        for value in self.values:
            etree.SubElement(element, "value").text = codec.format(value)
        return element

    def to_query_string(self, codec: ValueCodec) -> str:
        if self.op in ("is null", "is not null"):
            return f"{self.field} {self.op.upper()}"
        if self.op in ("in", "not in"):
            listed = ", ".join(_quote(codec.format(v)) for v in self.values)
            return f"{self.field} {self.op.upper()} ({listed})"
        op = _STRING_OP.get(self.op, self.op.upper() if self.op.isalpha() or " " in self.op else self.op)
        return f"{self.field} {op} {_quote(codec.format(self.values[0]))}"

    def fields(self) -> set[str]:
        return {self.field}


@dataclass(frozen=True)
class Group(Filter):
    op: str  # "and" | "or"
    parts: tuple[Filter, ...]

    def to_element(self, codec: ValueCodec) -> etree._Element:
        element = etree.Element(self.op)
        for part in self.parts:
            element.append(part.to_element(codec))
        return element

    def to_query_string(self, codec: ValueCodec) -> str:
        return "(" + f" {self.op.upper()} ".join(p.to_query_string(codec) for p in self.parts) + ")"

    def fields(self) -> set[str]:
        return set().union(*(p.fields() for p in self.parts))


def _quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _group(op: str, parts: Iterable[Filter | None]) -> Filter | None:
    flat: list[Filter] = []
    for part in parts:
        if part is None:
            continue
        if not isinstance(part, Filter):
            raise TypeError(f"{op}_ takes filters (e.g. filters.eq(...)), got {part!r}")
        flat.extend(part.parts if isinstance(part, Group) and part.op == op else (part,))
    if not flat:
        return None
    # The gateway requires at least two children under <and>/<or>.
    return flat[0] if len(flat) == 1 else Group(op, tuple(flat))


def and_(*parts: Filter | None) -> Filter | None:
    """All of the parts; ``None`` parts are ignored, a single part is returned as is."""
    return _group("and", parts)


def or_(*parts: Filter | None) -> Filter | None:
    return _group("or", parts)


def eq(field: str, value: object) -> Condition:
    return Condition("=", field, (value,))


def ne(field: str, value: object) -> Condition:
    return Condition("!=", field, (value,))


def lt(field: str, value: object) -> Condition:
    return Condition("<", field, (value,))


def lte(field: str, value: object) -> Condition:
    return Condition("<=", field, (value,))


def gt(field: str, value: object) -> Condition:
    return Condition(">", field, (value,))


def gte(field: str, value: object) -> Condition:
    return Condition(">=", field, (value,))


def in_(field: str, values: Iterable[object]) -> Condition:
    return Condition("in", field, tuple(values))


def not_in(field: str, values: Iterable[object]) -> Condition:
    return Condition("not in", field, tuple(values))


def like(field: str, pattern: str) -> Condition:
    return Condition("like", field, (pattern,))


def is_null(field: str) -> Condition:
    return Condition("is null", field)


def is_not_null(field: str) -> Condition:
    return Condition("is not null", field)
