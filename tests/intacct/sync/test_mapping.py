from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intacct.sync import mapping
from intacct.sync.mapping import (
    ACCOUNT_FIELDS,
    BILL_FIELDS,
    BILL_LINE_FIELDS,
    VENDOR_FIELDS,
    VENDOR_SYNCED_FIELDS,
    account_from_intacct,
    bill_from_intacct,
    bill_line_from_intacct,
    bill_lines_from_intacct,
    bill_status_from_intacct,
    bill_to_intacct,
    intacct_fields,
    normalize_bc_vendor,
    to_money,
    vendor_from_intacct,
    vendor_to_intacct,
)

pytestmark = pytest.mark.unit

WAREHOUSE_COLUMNS = {
    "bc_accounts": {"account_no", "title", "account_type", "normal_balance", "status", "intacct_record_no",
                    "intacct_modified_at"},
    "bc_vendors": {"intacct_vendor_id", "name", "email", "phone", "address_line1", "address_line2", "city",
                   "state", "postal_code", "country", "tax_id", "payment_terms", "currency", "status"},
    "bc_bills": {"intacct_record_no", "bill_number", "reference", "description", "bill_date", "due_date",
                 "payment_terms", "currency", "total_amount", "amount_due", "intacct_state"},
    "bc_bill_lines": {"line_no", "account_no", "amount", "memo", "department_id", "location_id"},
}

VENDOR_RECORD = {
    "RECORDNO": 42,
    "VENDORID": "V-100",
    "NAME": "  Acme Supplies  ",
    "DISPLAYCONTACT.EMAIL1": "ap@acme.example",
    "DISPLAYCONTACT.PHONE1": "",
    "DISPLAYCONTACT.MAILADDRESS.ADDRESS1": "1 Main St",
    "DISPLAYCONTACT.MAILADDRESS.ADDRESS2": None,
    "DISPLAYCONTACT.MAILADDRESS.CITY": "San Jose",
    "DISPLAYCONTACT.MAILADDRESS.STATE": "CA",
    "DISPLAYCONTACT.MAILADDRESS.ZIP": "95110",
    "DISPLAYCONTACT.MAILADDRESS.COUNTRY": "United States",
    "TAXID": "12-3456789",
    "TERMNAME": "Net 30",
    "CURRENCY": "USD",
    "STATUS": "active",
    "WHENMODIFIED": datetime(2025, 3, 1, 18, 30, tzinfo=UTC),
}


def test_every_mapped_bc_column_exists_in_the_warehouse_contract():
    extra_keys = {"intacct_record_no", "intacct_modified_at", "intacct_vendor_id", "intacct_bill_record_no"}
    for fields, table in ((ACCOUNT_FIELDS, "bc_accounts"), (VENDOR_FIELDS, "bc_vendors"),
                          (BILL_FIELDS, "bc_bills"), (BILL_LINE_FIELDS, "bc_bill_lines")):
        unknown = {f.bc for f in fields} - WAREHOUSE_COLUMNS[table] - extra_keys
        assert not unknown, (table, unknown)


def test_intacct_fields_select_keys_timestamps_and_amounts():
    assert {"RECORDNO", "ACCOUNTNO", "TITLE", "STATUS", "WHENMODIFIED"} <= set(intacct_fields("GLACCOUNT"))
    assert {"RECORDNO", "VENDORID", "DISPLAYCONTACT.EMAIL1", "DISPLAYCONTACT.MAILADDRESS.ZIP", "TAXID",
            "WHENMODIFIED"} <= set(intacct_fields("VENDOR"))
    assert {"RECORDNO", "STATE", "TRX_TOTALENTERED", "TRX_TOTALDUE", "TRX_TOTALPAID", "WHENCREATED",
            "WHENDUE", "VENDORID"} <= set(intacct_fields("APBILL"))
    assert {"RECORDNO", "RECORDKEY", "ACCOUNTNO", "TRX_AMOUNT", "ENTRYDESCRIPTION", "LINE_NO"} <= set(
        intacct_fields("APBILLITEM"))


def test_legacy_bill_line_names_are_never_used():
    everything = set(intacct_fields("APBILL")) | set(intacct_fields("APBILLITEM"))
    assert not everything & {"MEMO", "AMOUNT", "GLACCOUNTNO"}


def test_unknown_object_names_the_choices():
    with pytest.raises(ValueError, match="GLACCOUNT, VENDOR, APBILL, APBILLITEM"):
        intacct_fields("CUSTOMER")


def test_vendor_synced_fields_are_the_two_way_columns():
    assert VENDOR_SYNCED_FIELDS[0] == "name"
    assert set(VENDOR_SYNCED_FIELDS) == WAREHOUSE_COLUMNS["bc_vendors"] - {"intacct_vendor_id"}


def test_vendor_from_intacct_normalizes_text_and_keeps_bookkeeping():
    row = vendor_from_intacct(VENDOR_RECORD)
    assert row["name"] == "Acme Supplies"
    assert row["phone"] is None  # '' is the same as missing
    assert row["address_line2"] is None
    assert row["postal_code"] == "95110"
    assert row["intacct_vendor_id"] == "V-100"
    assert row["intacct_record_no"] == 42
    assert row["intacct_modified_at"] == datetime(2025, 3, 1, 18, 30, tzinfo=UTC)


def test_vendor_from_intacct_reads_nested_records_too():
    nested = {"VENDORID": "V1", "NAME": "N", "STATUS": "inactive",
              "DISPLAYCONTACT": {"EMAIL1": "a@b.example", "MAILADDRESS": {"CITY": "Austin"}}}
    row = vendor_from_intacct(nested)
    assert (row["email"], row["city"], row["status"]) == ("a@b.example", "Austin", "inactive")


def test_bc_and_intacct_vendor_normalize_identically():
    bc_row = {"name": "Acme Supplies ", "email": "ap@acme.example", "phone": "  ", "address_line1": "1 Main St",
              "address_line2": "", "city": "San Jose", "state": "CA", "postal_code": "95110",
              "country": "United States", "tax_id": "12-3456789", "payment_terms": "Net 30", "currency": "USD",
              "status": "active"}
    from_intacct = vendor_from_intacct(VENDOR_RECORD)
    assert normalize_bc_vendor(bc_row) == {name: from_intacct[name] for name in VENDOR_SYNCED_FIELDS}


def test_a_malformed_field_is_named_without_leaking_the_tax_id():
    with pytest.raises(ValueError) as raised:
        vendor_from_intacct({**VENDOR_RECORD, "STATUS": "archived"})
    assert "STATUS" in str(raised.value)
    assert "3456789" not in str(raised.value)


def test_account_from_intacct():
    row = account_from_intacct({"RECORDNO": "7", "ACCOUNTNO": "6000", "TITLE": "Rent", "ACCOUNTTYPE":
                                "incomestatement", "NORMALBALANCE": "debit", "STATUS": "inactive",
                                "WHENMODIFIED": "2025-01-02T03:04:05+00:00"})
    assert row == {"account_no": "6000", "title": "Rent", "account_type": "incomestatement",
                   "normal_balance": "debit", "status": "inactive", "intacct_record_no": 7,
                   "intacct_modified_at": datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)}


def test_timestamps_become_aware_utc():
    pacific = timezone(timedelta(hours=-7))
    row = account_from_intacct({"ACCOUNTNO": "1", "TITLE": "T", "STATUS": "active",
                                "WHENMODIFIED": datetime(2025, 1, 1, 10, 0, tzinfo=pacific)})
    assert row["intacct_modified_at"] == datetime(2025, 1, 1, 17, 0, tzinfo=UTC)
    assert row["intacct_modified_at"].tzinfo is UTC


def bill_record(**overrides):
    record = {"RECORDNO": 1350, "VENDORID": "VEN-10", "RECORDID": "INV-1", "DOCNUMBER": "", "DESCRIPTION": "Rent",
              "WHENCREATED": "04/01/2012", "WHENDUE": date(2012, 5, 1), "TERMNAME": "Net30", "CURRENCY": "USD",
              "TRX_TOTALENTERED": "5900", "TRX_TOTALDUE": Decimal("5900"), "TRX_TOTALPAID": "0",
              "STATE": "Posted", "WHENMODIFIED": datetime(2013, 9, 16, 22, 50, 21, tzinfo=UTC)}
    record.update(overrides)
    return record


def test_bill_from_intacct_exact_money_and_dates():
    row = bill_from_intacct(bill_record())
    assert row["total_amount"] == Decimal("5900.00") and str(row["total_amount"]) == "5900.00"
    assert isinstance(row["amount_due"], Decimal)
    assert row["bill_date"] == date(2012, 4, 1)
    assert row["due_date"] == date(2012, 5, 1)
    assert row["reference"] is None
    assert row["intacct_vendor_id"] == "VEN-10"
    assert row["intacct_state"] == "Posted"
    assert row["status"] == "ready_to_pay"


def test_bill_paid_in_intacct_becomes_paid():
    row = bill_from_intacct(bill_record(STATE="Paid", TRX_TOTALDUE="0", TRX_TOTALPAID="5900"))
    assert row["status"] == "paid"


def test_money_never_goes_through_float():
    row = bill_line_from_intacct({"RECORDNO": 1, "RECORDKEY": 9, "LINE_NO": 1, "ACCOUNTNO": "6000",
                                  "TRX_AMOUNT": "0.10"})
    assert row["amount"] == Decimal("0.10")
    assert mapping.to_money(0.1) + mapping.to_money(0.2) == Decimal("0.30")
    assert mapping.to_money("1234.565") == Decimal("1234.565")  # kept, never rounded silently
    with pytest.raises(ValueError):
        mapping.to_money("12,50")
    with pytest.raises(ValueError):
        mapping.to_money(float("inf"))


@pytest.mark.parametrize(("state", "due", "paid", "expected"), [
    ("Draft", "100", "0", "draft"),
    ("Declined", "100", "0", "draft"),
    ("Submitted", "100", "0", "pending_approval"),
    ("Partially Approved", "100", "0", "pending_approval"),
    ("Posted", "100", "0", "ready_to_pay"),
    ("Selected", "100", "0", "ready_to_pay"),
    ("Posted", "60", "40", "partially_paid"),
    ("Partially Paid", "60", "40", "partially_paid"),
    ("Paid", "0", "100", "paid"),
    ("Posted", "0", "100", "paid"),
    ("Paid", None, None, "paid"),
    ("Reversed", "100", "0", "void"),
    ("Something New", "100", "0", "pending_approval"),
    (None, None, None, "pending_approval"),
    ("posted", "100", None, "ready_to_pay"),
])
def test_bill_status_from_intacct(state, due, paid, expected):
    due = None if due is None else Decimal(due)
    paid = None if paid is None else Decimal(paid)
    assert bill_status_from_intacct(state, due, paid) == expected


def test_bill_lines_from_intacct_are_numbered_from_one_in_intacct_order():
    lines = bill_lines_from_intacct([
        {"RECORDNO": 12, "LINE_NO": 1, "ACCOUNTNO": "6100", "TRX_AMOUNT": "2"},
        {"RECORDNO": 11, "LINE_NO": 0, "ACCOUNTNO": "6000", "TRX_AMOUNT": "1"},
    ])
    assert [(line["line_no"], line["account_no"]) for line in lines] == [(1, "6000"), (2, "6100")]


def test_vendor_to_intacct_nests_contact_fields_and_omits_empty_ones_on_create():
    bc_row = {"vendor_id": "BC-V1", "intacct_vendor_id": "BC-V1", "name": " Acme ", "email": "ap@acme.example",
              "phone": "", "address_line1": "1 Main", "city": "Austin", "postal_code": "73301",
              "tax_id": "12-3", "currency": "USD", "status": "active"}
    fields = vendor_to_intacct(bc_row)
    assert fields == {
        "VENDORID": "BC-V1",
        "NAME": "Acme",
        "DISPLAYCONTACT": {"PRINTAS": "Acme", "EMAIL1": "ap@acme.example",
                           "MAILADDRESS": {"ADDRESS1": "1 Main", "CITY": "Austin", "ZIP": "73301"}},
        "TAXID": "12-3",
        "CURRENCY": "USD",
        "STATUS": "active",
    }


def test_vendor_to_intacct_update_clears_emptied_fields():
    fields = vendor_to_intacct({"name": "Acme", "phone": ""}, fields=["phone"])
    assert fields == {"DISPLAYCONTACT": {"PHONE1": None}}
    with pytest.raises(ValueError, match="Not synced vendor columns"):
        vendor_to_intacct({"name": "Acme"}, fields=["vendor_id"])


def test_bill_to_intacct_uses_current_field_names_and_python_types():
    bill = {"bill_id": "B1", "vendor_id": "BC-V1", "bill_number": "INV-9", "reference": "PO 7",
            "description": "Office", "bill_date": "2025-02-03", "due_date": date(2025, 3, 5),
            "payment_terms": "Net 30", "currency": "USD", "total_amount": Decimal("150.50"),
            "status": "ready_to_pay"}
    lines = [
        {"line_no": 2, "account_no": "6100", "amount": "50.5", "memo": None, "department_id": "D1",
         "location_id": None},
        {"line_no": 1, "account_no": "6000", "amount": Decimal("100"), "memo": "Chairs", "department_id": None,
         "location_id": "200"},
    ]
    fields = bill_to_intacct(bill, lines, vendor_intacct_id="BC-V1", location_id="100")
    assert fields == {
        "VENDORID": "BC-V1", "RECORDID": "INV-9", "DOCNUMBER": "PO 7", "DESCRIPTION": "Office",
        "WHENCREATED": date(2025, 2, 3), "WHENDUE": date(2025, 3, 5), "TERMNAME": "Net 30", "CURRENCY": "USD",
        "APBILLITEMS": {"APBILLITEM": [
            {"ACCOUNTNO": "6000", "TRX_AMOUNT": Decimal("100.00"), "ENTRYDESCRIPTION": "Chairs",
             "LOCATIONID": "200"},
            {"ACCOUNTNO": "6100", "TRX_AMOUNT": Decimal("50.50"), "DEPARTMENTID": "D1", "LOCATIONID": "100"},
        ]},
    }
    assert all(isinstance(item["TRX_AMOUNT"], Decimal) for item in fields["APBILLITEMS"]["APBILLITEM"])


def test_bill_to_intacct_refuses_what_it_cannot_send():
    with pytest.raises(ValueError, match="vendor_intacct_id"):
        bill_to_intacct({"bill_date": "2025-01-01"}, [{"account_no": "1", "amount": "1"}],
                        vendor_intacct_id="", location_id=None)
    with pytest.raises(ValueError, match="at least one line"):
        bill_to_intacct({"bill_date": "2025-01-01"}, [], vendor_intacct_id="V", location_id=None)
    with pytest.raises(ValueError, match="more than 2 decimals"):
        bill_to_intacct({"bill_date": "2025-01-01"}, [{"line_no": 1, "account_no": "1", "amount": "1.001"}],
                        vendor_intacct_id="V", location_id=None)


@pytest.mark.parametrize(("value", "expected"), [
    ("2025-02-03", date(2025, 2, 3)), ("02/03/2025", date(2025, 2, 3)),
    (datetime(2025, 2, 3, 23, 0), date(2025, 2, 3)), ("", None), (None, None),
])
def test_to_date_accepts_both_formats(value, expected):
    assert mapping.to_date(value) == expected


@pytest.mark.parametrize("value", ["2025-02-30", "13/01/2025", "tomorrow", 20250203])
def test_to_date_rejects_non_dates(value):
    with pytest.raises(ValueError, match="not a date"):
        mapping.to_date(value)


def test_normalize_vendor_frame_matches_the_row_normalizer():
    import pandas as pd

    rows = [
        {"name": " Acme ", "email": "", "phone": None, "postal_code": 95110, "status": "Active"},
        {"name": "Beta", "email": " b@x.io ", "phone": "   ", "postal_code": "02110", "status": None},
    ]
    frame = pd.DataFrame(rows, index=["V1", "V2"]).reindex(columns=[*VENDOR_SYNCED_FIELDS, "updated_at"])
    normalized = mapping.normalize_vendor_frame(frame)
    assert list(normalized.columns) == VENDOR_SYNCED_FIELDS
    assert normalized.loc["V1"].to_dict() == normalize_bc_vendor(rows[0])
    assert normalized.loc["V2"].to_dict() == normalize_bc_vendor(rows[1])
    assert normalized.loc["V1", "postal_code"] == "95110"


def test_normalize_vendor_frame_rejects_unknown_statuses_by_key():
    import pandas as pd

    frame = pd.DataFrame([{name: "x" for name in VENDOR_SYNCED_FIELDS}], index=["V7"])
    with pytest.raises(ValueError, match=r"\['V7'\]"):
        mapping.normalize_vendor_frame(frame)


@pytest.mark.parametrize("value", ["1e400", Decimal("1E+400")])
def test_an_amount_beyond_any_precision_is_refused_not_raised(value):
    with pytest.raises(ValueError, match="too large"):
        to_money(value)


@pytest.mark.parametrize("field, value, expected", [
    ("TRX_TOTALENTERED", "12,34", "TRX_TOTALENTERED"),
    ("TRX_TOTALENTERED", Decimal("10.005"), "more than 2 decimal places"),
    ("TRX_TOTALENTERED", Decimal("1E+17"), "too large"),
    ("RECORDNO", None, "RECORDNO is malformed: the value is missing"),
    ("VENDORID", "  ", "VENDORID"),
    ("WHENDUE", ["09/01/2026"], "WHENDUE"),
])
def test_a_malformed_intacct_bill_is_refused_naming_the_field(field, value, expected):
    record = {"RECORDNO": "7", "VENDORID": "V1", "RECORDID": "B-7", "WHENCREATED": "09/01/2026",
              "TRX_TOTALENTERED": "12.34", "STATE": "Posted", field: value}
    with pytest.raises(ValueError, match=expected):
        bill_from_intacct(record)


def test_secret_columns_come_from_the_clients_secret_list_through_the_catalogue():
    from intacct.client.fields import SECRET_ELEMENTS, is_secret_field

    assert mapping.SECRET_COLUMNS == {"tax_id"}  # the BC column mapped to TAXID
    every = [f for fields in (ACCOUNT_FIELDS, VENDOR_FIELDS, BILL_FIELDS, BILL_LINE_FIELDS) for f in fields]
    assert mapping.SECRET_COLUMNS == {f.bc for f in every if is_secret_field(f.intacct)}
    assert all(mapping.is_secret(name) for name in SECRET_ELEMENTS)
    assert mapping.is_secret("tax_id") and mapping.is_secret("PAYTO.TAXID") and mapping.is_secret("TAXID")
    assert not any(mapping.is_secret(f.bc) for f in every if f.bc != "tax_id")
    assert not mapping.is_secret(None) and not mapping.is_secret("email")


# Values of every type a record may hold: as the client types them, as text, and hostile ones.
_ANY_VALUE = st.one_of(
    st.none(), st.text(max_size=12), st.sampled_from(["", "  ", " 12.5 ", "active", "Inactive", "09/16/2026",
                                                      "2026-09-16", "1e3", "NaN", "12,34", "0012"]),
    st.decimals(allow_nan=True, allow_infinity=True), st.decimals(places=2, allow_nan=False, allow_infinity=False),
    st.integers(), st.booleans(), st.floats(), st.dates(), st.datetimes(),
    st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=-7))])))


@pytest.mark.parametrize("object_name,fields", [("GLACCOUNT", ACCOUNT_FIELDS), ("VENDOR", VENDOR_FIELDS),
                                                ("APBILL", BILL_FIELDS), ("APBILLITEM", BILL_LINE_FIELDS)])
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_generated_converter_gives_the_reference_rows_and_errors(object_name, fields, data):
    record = data.draw(st.fixed_dictionaries({}, optional={f.intacct: _ANY_VALUE for f in fields}))
    try:
        expected = mapping._convert(record, fields, object_name)
    except ValueError as refused:
        with pytest.raises(ValueError) as raised:
            mapping._converter(fields, object_name)(record)
        assert str(raised.value) == str(refused)
        return
    got = mapping._converter(fields, object_name)(record)
    assert got == expected
    assert [type(v) for v in got.values()] == [type(v) for v in expected.values()]
    assert [str(v) for v in got.values()] == [str(v) for v in expected.values()]  # 12.50 stays 12.50, -0.00 too


def _checked_money_reference(value):
    """Money as BC stores it, with only the exact-cents shortcut: to the cent, never rounded, within
    NUMERIC(18,2)."""
    if value.is_finite() and value.as_tuple().exponent == -2:
        amount = value
    else:
        amount = to_money(value)
        if amount is None:
            return None
        if mapping.has_more_than_two_decimals(amount):
            raise ValueError(f"{amount} has more than 2 decimal places")
    if not -mapping.MAX_AMOUNT <= amount <= mapping.MAX_AMOUNT:
        raise ValueError(f"{amount} is too large for an amount")
    return amount


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.decimals(), st.decimals(places=0), st.decimals(places=1), st.decimals(places=2),
                 st.sampled_from([Decimal("-0"), Decimal("-0.0"), Decimal("1E+2"), Decimal("9999999999999999.9"),
                                  Decimal("99999999999999999"), Decimal("1" * 40)])))
def test_money_read_from_intacct_takes_its_cents_exactly_as_the_general_path_does(value):
    try:
        expected = _checked_money_reference(value)
    except (ValueError, ArithmeticError) as refused:
        with pytest.raises(type(refused)):
            mapping._checked_money(value)
        return
    got = mapping._checked_money(value)
    assert str(got) == str(expected)
