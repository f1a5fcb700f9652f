"""The field catalogue between the Business Center tables and Intacct objects.

This module is the single source of truth for which BC column corresponds to which Intacct field, how a
value of each kind is normalized, and how a BC row becomes the fields of an Intacct write. Both sides of a
comparison go through the same normalizers, so the sync never sees a change that is only a difference of
representation ('' versus None, '5900' versus Decimal('5900.00'), a naive versus an aware timestamp).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from intacct.client.fields import is_secret_field

FieldKind = Literal["text", "money", "date", "timestamp", "int", "status"]

#: Intacct's length limits that BC data must respect (checked by ``intacct.sync.validation``).
VENDOR_NAME_MAX_LENGTH = 100
VENDOR_ID_MAX_LENGTH = 20

CENT = Decimal("0.01")


@dataclass(frozen=True)
class FieldMap:
    """One BC column and the Intacct field it corresponds to.

    ``intacct`` is the flat, dotted name used to select and read the field (``DISPLAYCONTACT.EMAIL1``);
    ``write_path`` is the nested element path used when writing it (``("DISPLAYCONTACT", "EMAIL1")``), or
    ``()`` when the sync never writes the field to Intacct. ``synced`` marks the columns the sync carries
    between the two sides and compares to detect a change; the others are identity or bookkeeping.
    """

    bc: str
    intacct: str
    write_path: tuple[str, ...]
    kind: FieldKind
    synced: bool


def _field(bc: str, intacct: str, kind: FieldKind = "text", *, synced: bool = True,
           writable: bool = True) -> FieldMap:
    return FieldMap(bc, intacct, tuple(intacct.split(".")) if writable else (), kind, synced)


# Keys that every object's reader returns although they are bookkeeping rather than synced content.
RECORD_NO = "intacct_record_no"
MODIFIED_AT = "intacct_modified_at"

ACCOUNT_FIELDS: tuple[FieldMap, ...] = (
    _field("account_no", "ACCOUNTNO"),
    _field("title", "TITLE"),
    _field("account_type", "ACCOUNTTYPE"),
    _field("normal_balance", "NORMALBALANCE"),
    _field("status", "STATUS", "status"),
    _field(RECORD_NO, "RECORDNO", "int", synced=False, writable=False),
    _field(MODIFIED_AT, "WHENMODIFIED", "timestamp", synced=False, writable=False),
)

VENDOR_FIELDS: tuple[FieldMap, ...] = (
    _field("intacct_vendor_id", "VENDORID", synced=False),
    _field("name", "NAME"),
    _field("email", "DISPLAYCONTACT.EMAIL1"),
    _field("phone", "DISPLAYCONTACT.PHONE1"),
    _field("address_line1", "DISPLAYCONTACT.MAILADDRESS.ADDRESS1"),
    _field("address_line2", "DISPLAYCONTACT.MAILADDRESS.ADDRESS2"),
    _field("city", "DISPLAYCONTACT.MAILADDRESS.CITY"),
    _field("state", "DISPLAYCONTACT.MAILADDRESS.STATE"),
    _field("postal_code", "DISPLAYCONTACT.MAILADDRESS.ZIP"),
    _field("country", "DISPLAYCONTACT.MAILADDRESS.COUNTRY"),
    _field("tax_id", "TAXID"),
    _field("payment_terms", "TERMNAME"),
    _field("currency", "CURRENCY"),
    _field("status", "STATUS", "status"),
    # Not bc_vendors columns: the engine keeps them with its link to the Intacct record.
    _field(RECORD_NO, "RECORDNO", "int", synced=False, writable=False),
    _field(MODIFIED_AT, "WHENMODIFIED", "timestamp", synced=False, writable=False),
)

BILL_FIELDS: tuple[FieldMap, ...] = (
    # Intacct names the vendor by VENDORID; the engine turns it into BC's vendor_id through its links.
    _field("intacct_vendor_id", "VENDORID", synced=False),
    _field("bill_number", "RECORDID"),
    _field("reference", "DOCNUMBER"),
    _field("description", "DESCRIPTION"),
    _field("bill_date", "WHENCREATED", "date"),
    _field("due_date", "WHENDUE", "date"),
    _field("payment_terms", "TERMNAME"),
    _field("currency", "CURRENCY"),
    # The total is the sum of the lines: Intacct computes it, the lines carry it.
    _field("total_amount", "TRX_TOTALENTERED", "money", writable=False),
    _field("amount_due", "TRX_TOTALDUE", "money", synced=False, writable=False),
    _field("intacct_state", "STATE", synced=False, writable=False),
    _field(RECORD_NO, "RECORDNO", "int", synced=False, writable=False),
    _field(MODIFIED_AT, "WHENMODIFIED", "timestamp", synced=False, writable=False),
)

BILL_LINE_FIELDS: tuple[FieldMap, ...] = (
    _field("line_no", "LINE_NO", "int", synced=False, writable=False),
    _field("account_no", "ACCOUNTNO"),
    _field("amount", "TRX_AMOUNT", "money"),
    _field("memo", "ENTRYDESCRIPTION"),
    _field("department_id", "DEPARTMENTID"),
    _field("location_id", "LOCATIONID"),
    _field(RECORD_NO, "RECORDNO", "int", synced=False, writable=False),
    # The parent APBILL's RECORDNO.
    _field("intacct_bill_record_no", "RECORDKEY", "int", synced=False, writable=False),
)

_FIELDS_BY_OBJECT: dict[str, tuple[FieldMap, ...]] = {
    "GLACCOUNT": ACCOUNT_FIELDS,
    "VENDOR": VENDOR_FIELDS,
    "APBILL": BILL_FIELDS,
    "APBILLITEM": BILL_LINE_FIELDS,
}

# Fields read from Intacct that no BC column holds but that the readers need.
_EXTRA_READ_FIELDS: dict[str, tuple[str, ...]] = {
    "APBILL": ("TRX_TOTALPAID",),
}

#: BC columns of bc_vendors compared by the three-way diff, in a stable order.
VENDOR_SYNCED_FIELDS: list[str] = [f.bc for f in VENDOR_FIELDS if f.synced]


#: BC columns whose values are secret: those mapped to a field the client keeps secret (its one list,
#: ``intacct.client.fields.SECRET_ELEMENTS``). Their values never reach the run log, a plan or a conflict.
SECRET_COLUMNS: frozenset[str] = frozenset(
    f.bc for fields in _FIELDS_BY_OBJECT.values() for f in fields if is_secret_field(f.intacct))
#: What is shown instead of a secret value.
HIDDEN = "(hidden)"


def is_secret(name: object) -> bool:
    """Whether ``name``, a BC column or an Intacct field (``tax_id``, ``TAXID``, ``PAYTO.TAXID``), is secret."""
    return name in SECRET_COLUMNS or is_secret_field(name)


def hide_secrets(details: Mapping | None) -> dict:
    """``details`` safe to store or show: values of secret fields replaced by ``HIDDEN``, at any depth.

    A secret field is one named by a key (``{"tax_id": …}``, ``{"TAXID": …}``) or by a ``field`` entry
    (``{"field": "tax_id", "bc": …}``); what is said about it (``field``, ``winner``) stays."""
    if not details:
        return {}
    clean = {}
    for key, value in details.items():
        if is_secret(key) or (isinstance(value, Mapping) and is_secret(value.get("field"))):
            clean[key] = _hidden(value)
        else:
            clean[key] = _without_secrets(value)
    return clean


_ABOUT_A_VALUE = frozenset({"field", "winner"})  # entries that describe a value without holding it


def _hidden(value: Any) -> Any:
    """A secret's value hidden, keeping its shape (which sides held one) but none of its text."""
    if isinstance(value, Mapping):
        return {k: v if k in _ABOUT_A_VALUE else _hidden(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_hidden(v) for v in value]
    return None if _is_missing(value) else HIDDEN


def _without_secrets(value: Any) -> Any:
    if isinstance(value, Mapping):
        return hide_secrets(value)
    if isinstance(value, (list, tuple)):
        return [_without_secrets(v) for v in value]
    return value


def fields_for(object_name: str) -> tuple[FieldMap, ...]:
    try:
        return _FIELDS_BY_OBJECT[object_name]
    except KeyError:
        raise ValueError(
            f"Unknown Intacct object {object_name!r}: choose one of {', '.join(_FIELDS_BY_OBJECT)}"
        ) from None


def intacct_fields(object_name: str) -> list[str]:
    """Flat field names to select when reading ``object_name`` from Intacct."""
    names = [f.intacct for f in fields_for(object_name)]
    names.extend(_EXTRA_READ_FIELDS.get(object_name, ()))
    return names


# --------------------------------------------------------------------------------------------------
# Value normalizers: one per kind, used for both sides.


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    # pandas' NA and NaT compare unequal to themselves like NaN does; avoid importing pandas here.
    return type(value).__name__ in {"NAType", "NaTType"}


def normalize_text(value: Any) -> str | None:
    """Strip surrounding whitespace; '' and every flavour of missing become None."""
    if value.__class__ is str:  # the common case first: this runs for every text field of every record
        return value.strip() or None
    if _is_missing(value):
        return None
    text = value if isinstance(value, str) else str(value)
    text = text.strip()
    return text or None


def to_money(value: Any) -> Decimal | None:
    """An exact Decimal amount, or None when missing.

    Floats (which some database drivers return) are converted through their shortest repr, so 12.34 stays
    12.34 rather than 12.339999…; amounts with at most two decimals are given exactly two.
    Raises ValueError for anything that is not a finite number.
    """
    if value.__class__ is Decimal and value.is_finite() and value.as_tuple().exponent == -2:
        return value  # already exact to the cent (what the client reads): nothing to check or quantize
    if _is_missing(value):
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not an amount")
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a number") from None
    else:
        raise ValueError(f"{value!r} is not an amount")
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not a finite amount")
    try:
        cents = amount.quantize(CENT)
    except InvalidOperation:  # more digits than any amount has (1e400)
        raise ValueError(f"{value!r} is too large for an amount") from None
    # Never round silently: an over-precise amount keeps its digits so validation can name it.
    return cents if cents == amount else amount


def has_more_than_two_decimals(amount: Decimal) -> bool:
    return amount != amount.quantize(CENT)


_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def to_date(value: Any) -> date | None:
    """A date from a date, datetime, 'YYYY-MM-DD' or Intacct's 'MM/DD/YYYY'; ValueError otherwise."""
    if value.__class__ is date:
        return value
    if _is_missing(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        us = _US_DATE.match(text)
        try:
            if us:
                month, day, year = (int(part) for part in us.groups())
                return date(year, month, day)
            return date.fromisoformat(text[:10]) if len(text) >= 10 else date.fromisoformat(text)
        except ValueError:
            pass
    raise ValueError(f"{value!r} is not a date (expected YYYY-MM-DD)")


def to_timestamp(value: Any) -> datetime | None:
    """A timezone-aware UTC datetime. Naive values are taken as UTC, which is how the warehouse stores them."""
    if value.__class__ is datetime and value.tzinfo is UTC:
        return value
    if _is_missing(value):
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a timestamp (expected ISO 8601)") from None
    if hasattr(value, "to_pydatetime"):  # a pandas Timestamp
        value = value.to_pydatetime()
    if not isinstance(value, datetime):
        raise ValueError(f"{value!r} is not a timestamp")
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def to_int(value: Any) -> int | None:
    if value.__class__ is int:
        return value
    if _is_missing(value):
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return int(value.strip())
        except ValueError:
            pass
    elif isinstance(value, float | Decimal) and value == int(value):
        return int(value)
    raise ValueError(f"{value!r} is not a whole number")


_ACTIVE_WORDS = {"active", "true", "t", "1", "yes"}
_INACTIVE_WORDS = {"inactive", "false", "f", "0", "no"}
_STATUS_WORDS = {**dict.fromkeys(_ACTIVE_WORDS, "active"), **dict.fromkeys(_INACTIVE_WORDS, "inactive")}


def to_status(value: Any) -> str | None:
    """'active' or 'inactive' from Intacct's STATUS, a BC status, or a boolean flag."""
    if _is_missing(value):
        return None
    if isinstance(value, bool):
        return "active" if value else "inactive"
    word = str(value).strip().casefold()
    if not word:
        return None
    if word in _ACTIVE_WORDS:
        return "active"
    if word in _INACTIVE_WORDS:
        return "inactive"
    raise ValueError(f"{value!r} is not a status (expected 'active' or 'inactive')")


_NORMALIZERS = {
    "text": normalize_text,
    "money": to_money,
    "date": to_date,
    "timestamp": to_timestamp,
    "int": to_int,
    "status": to_status,
}


def normalize_value(kind: FieldKind, value: Any) -> Any:
    return _NORMALIZERS[kind](value)


def normalizer(kind: FieldKind) -> Callable[[Any], Any]:
    """The function ``normalize_value`` applies for ``kind`` (looked up once for a list of fields)."""
    return _NORMALIZERS[kind]


# --------------------------------------------------------------------------------------------------
# Intacct -> BC


_ABSENT = object()


def _read(record: Mapping[str, Any], field: FieldMap) -> Any:
    """The value of ``field`` in a record read flat (dotted keys) or nested (sub-mappings)."""
    value = record.get(field.intacct, _ABSENT)
    if value is not _ABSENT:
        return value
    node: Any = record
    for part in field.intacct.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


# Fields an Intacct record of these objects cannot be used without (the sync keys and BC's required columns).
REQUIRED_FROM_INTACCT: dict[str, frozenset[str]] = {
    "APBILL": frozenset({"RECORDNO", "VENDORID", "WHENCREATED"}),
    "APBILLITEM": frozenset({"ACCOUNTNO", "TRX_AMOUNT"}),
}
MAX_AMOUNT = Decimal("9999999999999999.99")  # what BC's NUMERIC(18,2) columns hold


def _checked_money(value: Any) -> Decimal | None:
    """``to_money``, refusing (never rounding) an amount with more than cents or beyond BC's columns.

    An amount as the client reads it (``12.5``, ``12.50``, ``12``) is given its cents without the general path:
    within BC's range the quantizing is exact, and it is kept only when it equals the amount (nothing rounded)."""
    if value.__class__ is Decimal and value.is_finite():
        if -MAX_AMOUNT <= value <= MAX_AMOUNT:
            cents = value.quantize(CENT)
            if cents == value:
                return cents
        elif value.as_tuple().exponent == -2:  # already in cents, only too large
            raise ValueError(f"{value} is too large for an amount")
    amount = to_money(value)
    if amount is None:
        return None
    if has_more_than_two_decimals(amount):
        raise ValueError(f"{amount} has more than 2 decimal places")
    if not -MAX_AMOUNT <= amount <= MAX_AMOUNT:
        raise ValueError(f"{amount} is too large for an amount")
    return amount


def _normalizer_of(field: FieldMap) -> Callable[[Any], Any]:
    return _checked_money if field.kind == "money" else _NORMALIZERS[field.kind]


def _convert(record: Mapping[str, Any], fields: Iterable[FieldMap], object_name: str) -> dict[str, Any]:
    """The reference conversion, a field at a time: a refused value raises ValueError naming the field (never
    the value, which may be sensitive). ``_converter`` gives the same rows faster."""
    required = REQUIRED_FROM_INTACCT.get(object_name, ())
    row: dict[str, Any] = {}
    for field in fields:
        try:
            value = _normalizer_of(field)(_read(record, field))
            if value is None and field.intacct in required:  # refuse, never guess
                raise ValueError("the value is missing and the sync needs it")
            row[field.bc] = value
        except (ValueError, TypeError, ArithmeticError) as exc:
            raise ValueError(f"Intacct {object_name} field {field.intacct} is malformed: {_describe(field, exc)}") from None
    return row


# What a value the client read already is, per kind, when its normalizer would return it unchanged: the
# generated converter tests for that inline instead of calling the normalizer.
_AS_READ = {
    "text": "(v.strip() or None) if v.__class__ is str else {normalize}(v)",
    "int": "v if v.__class__ is int else {normalize}(v)",
    "date": "v if v.__class__ is date else {normalize}(v)",
    "timestamp": "v if v.__class__ is datetime and v.tzinfo is UTC else {normalize}(v)",
}
_CONVERTERS: dict[tuple[int, str], tuple[tuple[FieldMap, ...], Callable]] = {}


def _converter(fields: Sequence[FieldMap], object_name: str) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    """``_convert`` for one field list, as one function written for it (made once per list).

    A sync converts every field of every record it reads, hundreds of thousands in a first sync; a function
    call per field was a fifth of its time. The function written here reads and normalizes each field in
    line, with the normalizers' own fast paths for values as the client reads them. Anything it refuses goes
    to ``_convert``, which raises the error naming the field, so both give the same rows and the same errors.
    """
    if not isinstance(fields, tuple):  # a list could change under a function written for it
        return lambda record: _convert(record, fields, object_name)
    known = _CONVERTERS.get((id(fields), object_name))
    if known is not None and known[0] is fields:
        return known[1]
    required = REQUIRED_FROM_INTACCT.get(object_name, ())
    scope: dict[str, Any] = {"_ABSENT": _ABSENT, "_read": _read, "_convert": _convert, "UTC": UTC, "date": date,
                             "datetime": datetime, "FIELDS": fields, "OBJECT": object_name}
    body = []
    for index, field in enumerate(fields):
        scope[f"field_{index}"], scope[f"normalize_{index}"] = field, _normalizer_of(field)
        normalized = _AS_READ.get(field.kind, "{normalize}(v)").format(normalize=f"normalize_{index}")
        body += [f"v = get({field.intacct!r}, _ABSENT)",
                 f"if v is _ABSENT: v = _read(record, field_{index})",
                 f"v = {normalized}"]
        if field.intacct in required:
            body.append("if v is None: raise ValueError")
        body.append(f"row[{field.bc!r}] = v")
    source = "\n".join(["def convert(record):", "    get = record.get", "    row = {}", "    try:",
                         *(f"        {line}" for line in body),
                         "    except (ValueError, TypeError, ArithmeticError):",
                         "        return _convert(record, FIELDS, OBJECT)",
                         "    return row"])
    exec(compile(source, f"<converter of {object_name}>", "exec"), scope)  # noqa: S102 - our own catalogue's text
    _CONVERTERS[(id(fields), object_name)] = (fields, scope["convert"])
    return scope["convert"]


def _describe(field: FieldMap, exc: Exception) -> str:
    if field.bc == "tax_id":
        return f"expected a {field.kind} value"
    return str(exc) if isinstance(exc, ValueError) else f"expected a {field.kind} value"


def require_values(row: Mapping[str, Any], object_name: str, columns: Iterable[str]) -> dict[str, Any]:
    """``row`` (a converted Intacct record) unchanged, or ValueError naming the first required field it lacks."""
    for column in columns:
        if row.get(column) is None:
            by_column = {f.bc: f for f in fields_for(object_name)}
            raise ValueError(f"Intacct {object_name} field {by_column[column].intacct} is empty; the sync needs it")
    return row


def account_from_intacct(record: Mapping[str, Any]) -> dict[str, Any]:
    return _converter(ACCOUNT_FIELDS, "GLACCOUNT")(record)


def vendor_from_intacct(record: Mapping[str, Any]) -> dict[str, Any]:
    return _converter(VENDOR_FIELDS, "VENDOR")(record)


def bill_from_intacct(record: Mapping[str, Any]) -> dict[str, Any]:
    """BC bill columns (plus ``intacct_vendor_id`` and bookkeeping keys) with the BC status derived."""
    row = _converter(BILL_FIELDS, "APBILL")(record)
    try:
        total_paid = to_money(record.get("TRX_TOTALPAID"))
    except ValueError as exc:
        raise ValueError(f"Intacct APBILL field TRX_TOTALPAID is malformed: {exc}") from None
    row["status"] = bill_status_from_intacct(row["intacct_state"], row["amount_due"], total_paid)
    return row


def bill_line_from_intacct(record: Mapping[str, Any]) -> dict[str, Any]:
    """One APBILLITEM as BC line columns; ``line_no`` is Intacct's LINE_NO as read (see bill_lines_from_intacct)."""
    return _converter(BILL_LINE_FIELDS, "APBILLITEM")(record)


def bill_lines_from_intacct(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """All lines of one bill in Intacct's order, numbered 1, 2, … as BC expects.

    Intacct's LINE_NO base is not documented consistently across transaction types, so BC numbering is
    derived from the order rather than copied.
    """
    convert = _converter(BILL_LINE_FIELDS, "APBILLITEM")  # looked up once a bill, not once a line
    lines = [convert(record) for record in records]
    if len(lines) > 1:
        lines.sort(key=lambda line: (line["line_no"] is None, line["line_no"] or 0, line[RECORD_NO] or 0))
    for position, line in enumerate(lines, start=1):
        line["line_no"] = position
    return lines


_STATE_TO_STATUS = {
    "draft": "draft",
    "declined": "draft",
    "submitted": "pending_approval",
    "partially approved": "pending_approval",
    "approved": "ready_to_pay",
    "posted": "ready_to_pay",
    "selected": "ready_to_pay",
    "partially paid": "partially_paid",
    "paid": "paid",
    "reversed": "void",
    "reversal": "void",
    "voided": "void",
    "void": "void",
    "deleted": "void",
}
BILL_STATUSES = ("draft", "pending_approval", "ready_to_pay", "partially_paid", "paid", "void")
# States in which money may have moved, so the amounts decide between unpaid, partially paid and paid.
_PAYABLE_STATUSES = {"ready_to_pay", "partially_paid", "paid"}


def bill_status_from_intacct(state: str | None, total_due: Decimal | None, total_paid: Decimal | None) -> str:
    """The BC status of a bill from Intacct's STATE label and its amounts.

    Payment amounts win over the label for bills that can be paid, so a bill with money against it is never
    offered to BC as ready_to_pay (BC would pay it twice). An unknown or missing state maps to
    pending_approval: BC will not pay a bill in that status until someone looks at it.
    """
    label = (state or "").strip().casefold()
    status = _STATE_TO_STATUS.get(label, "pending_approval")
    if status not in _PAYABLE_STATUSES:
        return status
    paid = total_paid or Decimal(0)
    if total_due is not None and total_due <= 0 and (paid > 0 or status == "paid"):
        return "paid"
    if paid > 0:
        return "partially_paid"
    return status


# --------------------------------------------------------------------------------------------------
# BC -> Intacct


def _put(target: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = target
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value


def normalize_bc_vendor(row: Mapping[str, Any]) -> dict[str, Any]:
    """A BC vendor row's synced columns, normalized exactly as vendor_from_intacct normalizes Intacct's."""
    by_column = {f.bc: f for f in VENDOR_FIELDS}
    return {name: _NORMALIZERS[by_column[name].kind](row.get(name)) for name in VENDOR_SYNCED_FIELDS}


def normalize_vendor_frame(frame: Any) -> Any:
    """A pandas DataFrame of vendors with its synced columns normalized as normalize_bc_vendor does, vectorized.

    Text is stripped and '' becomes None; the result has object columns, ready for ``diff.three_way_diff``.
    Columns other than the synced ones are left out; the index is kept.
    """
    import pandas as pd  # only callers holding DataFrames pay for the import

    missing = [name for name in VENDOR_SYNCED_FIELDS if name not in frame.columns]
    if missing:
        raise ValueError(f"The vendor frame lacks the column(s) {missing}")
    columns = {}
    for name in VENDOR_SYNCED_FIELDS:
        text = frame[name].astype("str").str.strip()
        if name == "status":
            words = text.str.casefold()
            text = words.map(_STATUS_WORDS)
            unknown = words.notna() & (words != "") & text.isna()
            if unknown.any():
                keys = list(frame.index[unknown.to_numpy()][:5])
                raise ValueError(f"Vendors {keys} have a status other than 'active' or 'inactive'")
        values = text.to_numpy(dtype=object, na_value=None)
        values[values == ""] = None
        columns[name] = values
    return pd.DataFrame(columns, index=frame.index, dtype=object)


def vendor_to_intacct(bc_row: Mapping[str, Any], *, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """Nested Intacct VENDOR write fields for a BC vendor row.

    Without ``fields`` (a create), every synced column with a value is written and empty ones are left out.
    With ``fields`` (an update of those BC columns), each is written even when empty, as None, so the
    client sends an empty element and Intacct clears the value.
    VENDORID is included when the row carries ``intacct_vendor_id``.
    """
    wanted = set(VENDOR_SYNCED_FIELDS if fields is None else fields)
    unknown = wanted - set(VENDOR_SYNCED_FIELDS)
    if unknown:
        raise ValueError(f"Not synced vendor columns: {sorted(unknown)}; choose from {VENDOR_SYNCED_FIELDS}")
    out: dict[str, Any] = {}
    vendor_id = normalize_text(bc_row.get("intacct_vendor_id"))
    if vendor_id is not None:
        out["VENDORID"] = vendor_id
    for field in VENDOR_FIELDS:
        if field.bc not in wanted:
            continue
        value = _NORMALIZERS[field.kind](bc_row.get(field.bc))
        if value is None and fields is None:
            continue
        _put(out, field.write_path, value)
    name = out.get("NAME")
    if name is not None:
        # Intacct requires a DISPLAYCONTACT on create; its PRINTAS is the name shown on checks.
        _put(out, ("DISPLAYCONTACT", "PRINTAS"), name)
    return out


def _to_cents(amount: Any, what: str) -> Decimal:
    value = to_money(amount)
    if value is None:
        raise ValueError(f"{what} is missing")
    if has_more_than_two_decimals(value):
        raise ValueError(f"{what} {value} has more than 2 decimals")
    return value


def bill_to_intacct(bc_bill: Mapping[str, Any], lines: Sequence[Mapping[str, Any]], *,
                    vendor_intacct_id: str, location_id: str | None, update: bool = False) -> dict[str, Any]:
    """Intacct APBILL write fields (header and all lines) for a BC bill.

    Values stay Python-typed (Decimal, date); the client formats them. ``location_id`` fills LOCATIONID on
    lines that have none (multi-entity companies require one). Lines are sent in line_no order; run
    ``validation.validate_bill_for_intacct`` first: this raises ValueError on data it cannot send.
    A create leaves empty header fields out; an ``update`` writes them as None (an empty element), so a value
    BC cleared is cleared in Intacct too instead of surviving there and coming back at the next read (as
    ``vendor_to_intacct`` does for the fields of a vendor update). Lines are always sent whole.
    """
    if not normalize_text(vendor_intacct_id):
        raise ValueError("vendor_intacct_id is required: create or link the vendor in Intacct first")
    if not lines:
        raise ValueError("A bill needs at least one line")
    out: dict[str, Any] = {"VENDORID": normalize_text(vendor_intacct_id)}
    for field in BILL_FIELDS:
        if not field.write_path or field.bc == "intacct_vendor_id":
            continue
        value = _NORMALIZERS[field.kind](bc_bill.get(field.bc))
        if value is not None or update:
            _put(out, field.write_path, value)
    items = []
    ordered = sorted(lines, key=lambda line: to_int(line.get("line_no")) or 0)
    for line in ordered:
        item: dict[str, Any] = {}
        for field in BILL_LINE_FIELDS:
            if not field.write_path:
                continue
            if field.kind == "money":
                value = _to_cents(line.get(field.bc), f"Line {line.get('line_no')} {field.bc}")
            else:
                value = _NORMALIZERS[field.kind](line.get(field.bc))
            if field.bc == "location_id" and value is None:
                value = normalize_text(location_id)
            if value is not None:
                _put(item, field.write_path, value)
        items.append(item)
    out["APBILLITEMS"] = {"APBILLITEM": items}
    return out


def field_map(bc: str, intacct: str, kind: FieldKind = "text", *, synced: bool = True,
              writable: bool = True) -> FieldMap:
    """One field of the catalogue: the BC column, the Intacct field, its kind, and whether it is synced."""
    return _field(bc, intacct, kind, synced=synced, writable=writable)


def convert(object_name: str, record: Mapping[str, Any]) -> dict[str, Any]:
    """An Intacct record of ``object_name`` as BC values, field by field from the catalogue."""
    return _converter(fields_for(object_name), object_name)(record)


def define_object(object_name: str, fields: Iterable[FieldMap], extra_read: Iterable[str] = ()) -> None:
    """Add an Intacct object to the one field catalogue (with its spec, all a new object needs)."""
    _FIELDS_BY_OBJECT[object_name] = tuple(fields)
    if extra_read:
        _EXTRA_READ_FIELDS[object_name] = tuple(extra_read)


def forget_object(object_name: str) -> None:
    _FIELDS_BY_OBJECT.pop(object_name, None)
    _EXTRA_READ_FIELDS.pop(object_name, None)
