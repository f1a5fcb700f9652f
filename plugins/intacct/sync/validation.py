"""Checks a BC row must pass before it is sent to Intacct.

Each check returns reasons a BC user can act on: which field, what is wrong with it, and how to fix it.
An empty list means the row can be sent. Tax ids are never quoted in a reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from intacct.client.xml import first_incompatible_char
from intacct.sync.mapping import (
    VENDOR_FIELDS,
    VENDOR_NAME_MAX_LENGTH,
    has_more_than_two_decimals,
    normalize_text,
    to_date,
    to_int,
    to_money,
)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_MAX_AMOUNT = Decimal("9999999999999999.99")  # NUMERIC(18,2)
# The text a bill and its lines carry to Intacct, with the names a BC user knows them by.
_BILL_TEXT = {"bill_number": "Bill number (bill_number)", "reference": "Reference (reference)",
              "description": "Description (description)", "payment_terms": "Payment terms (payment_terms)",
              "currency": "Currency (currency)", "vendor_id": "Vendor (vendor_id)"}
_LINE_TEXT = {"memo": "memo", "account_no": "account (account_no)", "department_id": "department (department_id)",
              "location_id": "location (location_id)"}


def xml_incompatible_fields(values: Mapping[str, Any], labels: Mapping[str, str] | None = None) -> list[str]:
    """Reasons for every text value XML cannot carry, naming the field and the offending character."""
    reasons = []
    for name, value in values.items():
        if not isinstance(value, str):
            continue
        found = first_incompatible_char(value)  # the client's one definition of what XML cannot carry
        if found:
            position, code = found
            label = (labels or {}).get(name, name)
            reasons.append(f"{label} contains the character {code} at position {position + 1}, which Intacct "
                           "cannot accept: remove it in BC.")
    return reasons


def validate_vendor_for_intacct(row: Mapping[str, Any], fields: Iterable[str] | None = None) -> list[str]:
    """Reasons why this BC vendor cannot be written to Intacct ([] when it can).

    ``fields``: an update writes only those columns (and the vendor's ID), so only they are checked: a value
    the update does not carry cannot make Intacct refuse it (an email Intacct is sending to BC in the same
    run, say, would otherwise hold back BC's new name for a run). Without ``fields`` (a create) every column
    is checked."""
    sent = None if fields is None else {*fields, "intacct_vendor_id"}

    def checks(column: str) -> bool:
        return sent is None or column in sent

    reasons: list[str] = []
    name = normalize_text(row.get("name"))
    if not checks("name"):
        pass
    elif name is None:
        reasons.append("Vendor name is empty: enter the vendor's name in BC.")
    elif len(name) > VENDOR_NAME_MAX_LENGTH:
        reasons.append(
            f"Vendor name is {len(name)} characters long; Intacct accepts at most {VENDOR_NAME_MAX_LENGTH}: "
            f"shorten the name in BC (it starts with {name[:30]!r})."
        )
    email = normalize_text(row.get("email"))
    if checks("email") and email is not None and not _EMAIL.match(email):
        reasons.append(f"Email {email!r} is not an email address: use the form name@example.com, or leave it empty.")
    currency = normalize_text(row.get("currency"))
    if checks("currency") and currency is not None and not _CURRENCY.match(currency):
        reasons.append(
            f"Currency {currency!r} is not an ISO 4217 code: use three capital letters such as USD or CAD."
        )
    status = normalize_text(row.get("status"))
    if checks("status") and status is not None and status not in {"active", "inactive"}:
        reasons.append(f"Status {status!r} is unknown: use 'active' or 'inactive'.")
    # Every text the write may carry, so one bad character rejects this row instead of the whole request.
    reasons += xml_incompatible_fields({name: row.get(name) for name in _VENDOR_TEXT_FIELDS if checks(name)},
                                       _VENDOR_LABELS)
    return reasons


_VENDOR_TEXT_FIELDS = tuple(dict.fromkeys(
    ["intacct_vendor_id", *(f.bc for f in VENDOR_FIELDS if f.write_path and f.kind == "text")]))
_VENDOR_LABELS = {"intacct_vendor_id": "intacct_vendor_id (the Intacct VENDORID)", "name": "Vendor name",
                  "tax_id": "Tax id"}


def _amount_problem(value: Any, what: str, fix: str) -> tuple[Decimal | None, str | None]:
    """The amount, or the reason it cannot be sent. ``what`` names the field for the user."""
    try:
        amount = to_money(value)
    except ValueError:
        return None, f"{what} {value!r} is not a number: {fix}."
    if amount is None:
        return None, f"{what} is missing: {fix}."
    if has_more_than_two_decimals(amount):
        return None, f"{what} {amount} has more than 2 decimal places: round it to cents (Intacct keeps 2)."
    if abs(amount) > _MAX_AMOUNT:
        return None, f"{what} {amount} is too large for an amount: check the value."
    return amount, None


def _date_problem(value: Any, what: str, *, required: bool) -> tuple[date | None, str | None]:
    try:
        parsed = to_date(value)
    except ValueError:
        return None, f"{what} {value!r} is not a valid date: use a real calendar date (YYYY-MM-DD)."
    if parsed is None and required:
        return None, f"{what} is missing: set it to the date on the vendor's invoice."
    return parsed, None


def validate_bill_for_intacct(bill: Mapping[str, Any], lines: Sequence[Mapping[str, Any]], *,
                              accounts: Mapping[str, str], vendor_exists: bool,
                              vendor: Mapping[str, Any] | None = None) -> list[str]:
    """Reasons why this BC bill and its lines cannot be created or updated in Intacct ([] when they can).

    ``accounts`` maps each account number of the BC chart of accounts to its status ('active' or
    'inactive'); ``vendor_exists`` says whether the bill's vendor exists in BC; ``vendor`` (optional), the
    vendor row of a vendor not yet in Intacct, is checked too since it has to be created there first.
    """
    reasons: list[str] = xml_incompatible_fields({name: bill.get(name) for name in _BILL_TEXT}, _BILL_TEXT)
    vendor_id = normalize_text(bill.get("vendor_id"))
    if vendor_id is None:
        reasons.append("The bill has no vendor: set vendor_id to one of BC's vendors.")
    elif not vendor_exists:
        reasons.append(f"Vendor {vendor_id!r} of this bill does not exist in BC: choose an existing vendor.")
    if vendor is not None:
        reasons.extend(f"Vendor {vendor_id!r}: {reason}" for reason in validate_vendor_for_intacct(vendor))

    bill_date, problem = _date_problem(bill.get("bill_date"), "Bill date (bill_date)", required=True)
    if problem:
        reasons.append(problem)
    due_date, problem = _date_problem(bill.get("due_date"), "Due date (due_date)", required=False)
    if problem:
        reasons.append(problem)
    if bill_date and due_date and due_date < bill_date:
        reasons.append(
            f"Due date {due_date.isoformat()} is before the bill date {bill_date.isoformat()}: correct one of them."
        )
    currency = normalize_text(bill.get("currency"))
    if currency is not None and not _CURRENCY.match(currency):
        reasons.append(f"Currency {currency!r} is not an ISO 4217 code: use three capital letters such as USD.")

    total, problem = _amount_problem(bill.get("total_amount"), "Bill total (total_amount)",
                                     "enter the bill's total as a number such as 1234.50")
    if problem:
        reasons.append(problem)

    if not lines:
        reasons.append("The bill has no lines: add at least one line with an account and an amount.")
        return reasons

    line_sum = Decimal("0.00")
    sum_known = True
    seen_line_numbers: set[int] = set()
    for position, line in enumerate(lines, start=1):
        try:
            line_no = to_int(line.get("line_no"))
        except ValueError:
            line_no = None
        label = f"Line {line_no if line_no is not None else position}"
        if line_no is not None:
            if line_no in seen_line_numbers:
                reasons.append(f"{label} appears twice: give each line its own line_no.")
            seen_line_numbers.add(line_no)
        reasons.extend(xml_incompatible_fields({name: line.get(name) for name in _LINE_TEXT},
                                               {name: f"{label} {text}" for name, text in _LINE_TEXT.items()}))
        account_no = normalize_text(line.get("account_no"))
        if account_no is None:
            reasons.append(f"{label} has no account: set account_no to an account of the chart of accounts.")
        else:
            status = accounts.get(account_no)
            if status is None:
                reasons.append(
                    f"{label}: account {account_no} is not in the chart of accounts synced from Intacct: "
                    "choose an existing account number."
                )
            elif normalize_text(status) != "active":
                reasons.append(
                    f"{label}: account {account_no} is inactive in Intacct: choose an active account or "
                    "reactivate it in Intacct."
                )
        amount, problem = _amount_problem(line.get("amount"), f"{label} amount",
                                          "enter the line amount as a number such as 99.95")
        if problem:
            reasons.append(problem)
            sum_known = False
        elif amount is not None:
            line_sum += amount

    if total is not None and sum_known and line_sum != total:
        reasons.append(
            f"The lines add up to {line_sum} but the bill total (total_amount) is {total}: "
            "correct the line amounts or the total so they match."
        )
    return reasons
