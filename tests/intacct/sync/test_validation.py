from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from intacct.sync.validation import validate_bill_for_intacct, validate_vendor_for_intacct

pytestmark = pytest.mark.unit

ACCOUNTS = {"6000": "active", "6100": "active", "7000": "inactive"}


def vendor(**overrides):
    row = {"vendor_id": "BC-V1", "name": "Acme Supplies", "email": "ap@acme.example", "currency": "USD",
           "status": "active", "tax_id": "98-7654321"}
    row.update(overrides)
    return row


def bill(**overrides):
    row = {"bill_id": "B1", "vendor_id": "BC-V1", "bill_date": date(2025, 2, 1), "due_date": date(2025, 3, 3),
           "currency": "USD", "total_amount": Decimal("150.50")}
    row.update(overrides)
    return row


def lines(*amounts, accounts=("6000", "6100")):
    return [{"line_no": i, "account_no": accounts[(i - 1) % len(accounts)], "amount": amount}
            for i, amount in enumerate(amounts, start=1)]


def check(bill_row=None, bill_lines=None, **kwargs):
    kwargs.setdefault("accounts", ACCOUNTS)
    kwargs.setdefault("vendor_exists", True)
    return validate_bill_for_intacct(bill_row if bill_row is not None else bill(),
                                     bill_lines if bill_lines is not None else lines("100.00", "50.50"), **kwargs)


def only(reasons):
    assert len(reasons) == 1, reasons
    return reasons[0]


# Vendors

def test_a_good_vendor_passes():
    assert validate_vendor_for_intacct(vendor()) == []
    assert validate_vendor_for_intacct(vendor(email=None, currency="", status=None)) == []


@pytest.mark.parametrize("name", [None, "", "   "])
def test_vendor_name_is_required(name):
    assert "Vendor name is empty" in only(validate_vendor_for_intacct(vendor(name=name)))


def test_vendor_name_over_intacct_limit_names_length_and_limit():
    assert validate_vendor_for_intacct(vendor(name="N" * 100)) == []
    reason = only(validate_vendor_for_intacct(vendor(name="N" * 101)))
    assert "101 characters" in reason and "at most 100" in reason and "shorten" in reason


@pytest.mark.parametrize("email", ["ap@", "ap acme@x.io", "no-at-sign.example", "a@b"])
def test_email_must_look_like_an_address(email):
    reason = only(validate_vendor_for_intacct(vendor(email=email)))
    assert email in reason and "name@example.com" in reason


@pytest.mark.parametrize("currency", ["usd", "US", "Dollar", "U$D"])
def test_currency_must_be_an_iso_code(currency):
    assert "ISO 4217" in only(validate_vendor_for_intacct(vendor(currency=currency)))


def test_vendor_status_must_be_known():
    assert "'active' or 'inactive'" in only(validate_vendor_for_intacct(vendor(status="archived")))


def test_vendor_reasons_never_quote_the_tax_id():
    reasons = validate_vendor_for_intacct(vendor(name="", email="bad", currency="x", tax_id="98-7654321"))
    assert len(reasons) == 3
    assert not any("7654321" in reason for reason in reasons)


# Bills

def test_a_good_bill_passes():
    assert check() == []
    # Amounts arriving as strings, floats or ints from a database are fine when exact to the cent.
    assert check(bill(total_amount=150.5), lines(100, "50.5")) == []


def test_missing_vendor():
    assert "does not exist in BC" in only(check(vendor_exists=False))
    assert "has no vendor" in only(check(bill(vendor_id=None), vendor_exists=False))


def test_vendor_that_cannot_be_created_rejects_the_bill():
    reason = only(check(vendor=vendor(name="X" * 120)))
    assert reason.startswith("Vendor 'BC-V1':") and "120 characters" in reason


def test_unknown_account_names_line_and_account():
    reason = only(check(bill_lines=lines("100.00", "50.50", accounts=("6000", "9999"))))
    assert "Line 2" in reason and "9999" in reason and "not in the chart of accounts" in reason


def test_inactive_account_names_line_and_account():
    reason = only(check(bill_lines=lines("100.00", "50.50", accounts=("7000", "6000"))))
    assert "Line 1" in reason and "7000" in reason and "inactive" in reason


def test_line_without_account():
    reason = only(check(bill_lines=[{"line_no": 1, "account_no": " ", "amount": "150.50"}]))
    assert "Line 1 has no account" in reason


@pytest.mark.parametrize("amount", ["12.5x", "abc", True, [1]])
def test_non_numeric_line_amount(amount):
    reason = only(check(bill(total_amount="12.50"), [{"line_no": 1, "account_no": "6000", "amount": amount}]))
    assert "Line 1 amount" in reason and "not a number" in reason


@pytest.mark.parametrize("amount", ["12.345", 12.345, Decimal("12.3450001")])
def test_over_precise_line_amount_in_any_form(amount):
    reason = only(check(bill(total_amount="12.34"), [{"line_no": 1, "account_no": "6000", "amount": amount}]))
    assert "Line 1 amount" in reason and "more than 2 decimal places" in reason


def test_trailing_zeros_are_not_over_precise():
    assert check(bill(total_amount="12.3400"), [{"line_no": 1, "account_no": "6000", "amount": "12.340"}]) == []


def test_missing_line_amount():
    reason = only(check(bill(total_amount="1.00"), [{"line_no": 1, "account_no": "6000", "amount": None}]))
    assert "Line 1 amount is missing" in reason


def test_bad_total():
    assert "Bill total (total_amount)" in only(check(bill(total_amount="lots")))
    assert "more than 2 decimal places" in only(check(bill(total_amount=150.505)))


def test_bill_without_lines():
    assert "no lines" in only(check(bill_lines=[]))


def test_lines_not_summing_to_total_show_both_figures():
    reason = only(check(bill(total_amount="160.00")))
    assert "150.50" in reason and "160.00" in reason


def test_the_sum_is_exact_to_the_cent():
    ten_cents = lines(*["0.10"] * 3, accounts=("6000",))
    assert check(bill(total_amount="0.30"), ten_cents) == []
    assert check(bill(total_amount=0.3), ten_cents) == []


@pytest.mark.parametrize("bad", ["2025-02-30", "yesterday", "31/12/2025"])
def test_invalid_bill_date(bad):
    reason = only(check(bill(bill_date=bad, due_date=None)))
    assert "Bill date (bill_date)" in reason and bad in reason and "not a valid date" in reason


def test_missing_bill_date():
    assert "Bill date (bill_date) is missing" in only(check(bill(bill_date=None)))


def test_invalid_due_date():
    assert "Due date (due_date)" in only(check(bill(due_date="2025-13-01")))


def test_due_date_before_bill_date_shows_both():
    reason = only(check(bill(bill_date="2025-02-10", due_date="2025-02-01")))
    assert "2025-02-01" in reason and "2025-02-10" in reason and "before" in reason


def test_bill_currency():
    assert "ISO 4217" in only(check(bill(currency="dollars")))


def test_duplicate_line_numbers():
    twice = [{"line_no": 1, "account_no": "6000", "amount": "100.00"},
             {"line_no": 1, "account_no": "6100", "amount": "50.50"}]
    assert "appears twice" in only(check(bill_lines=twice))


def test_every_problem_is_reported_at_once():
    reasons = check(bill(bill_date=None, total_amount="1.00"),
                    [{"line_no": 1, "account_no": "9999", "amount": "1.001"}], vendor_exists=False)
    assert len(reasons) == 4


def test_an_update_is_checked_on_the_columns_it_writes():
    from intacct.sync.validation import validate_vendor_for_intacct

    row = {"intacct_vendor_id": "V1", "name": "", "email": "not an address", "currency": "dollars"}
    assert len(validate_vendor_for_intacct(row)) == 3  # a create writes every column
    assert validate_vendor_for_intacct(row, ["phone"]) == []
    (reason,) = validate_vendor_for_intacct(row, ["email"])
    assert "Email 'not an address'" in reason
    assert validate_vendor_for_intacct({**row, "intacct_vendor_id": "V\x001"}, ["phone"])  # the ID always goes
