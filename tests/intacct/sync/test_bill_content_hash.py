"""A bill's content hash is kept with its link: the shortcuts taken for speed must give today's hash exactly,
or every linked bill would look changed on the next run."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from intacct.sync.bills import content_hash
from intacct.sync.mapping import bill_from_intacct, bill_lines_from_intacct

pytestmark = pytest.mark.unit

# Values as the client types them, and as text with stray spaces, a US date, amounts with fewer than two
# decimals, a zero amount, missing department and location (the entity's location stands in).
BILL = {"RECORDNO": 7, "VENDORID": " V0007 ", "RECORDID": "BILL-007", "DOCNUMBER": "INV-1", "DESCRIPTION": "  Freight ",
        "WHENCREATED": date(2026, 9, 1), "WHENDUE": "09/16/2026", "TERMNAME": "Net 15", "CURRENCY": "USD",
        "TRX_TOTALENTERED": Decimal("27547.8"), "TRX_TOTALDUE": Decimal("0.00"), "TRX_TOTALPAID": "27547.80",
        "STATE": "Paid", "WHENMODIFIED": datetime(2026, 9, 18, 3, 27, 7, tzinfo=UTC)}
LINES = [{"RECORDNO": 12, "RECORDKEY": 7, "LINE_NO": 2, "ACCOUNTNO": "6110", "TRX_AMOUNT": "0", "ENTRYDESCRIPTION": "",
          "DEPARTMENTID": None, "LOCATIONID": None},
         {"RECORDNO": 11, "RECORDKEY": 7, "LINE_NO": 1, "ACCOUNTNO": " 6120", "TRX_AMOUNT": Decimal("27547.80"),
          "ENTRYDESCRIPTION": "Repairs", "DEPARTMENTID": "SALES", "LOCATIONID": "US01"}]
# The hash this bill had before the normalizers were looked up once per field list and the JSON encoder was
# built once.
KNOWN_HASH = "1429e6f215e2d5233d12dc11ed040263"


def test_the_content_hash_of_a_converted_bill_is_unchanged():
    bill, lines = bill_from_intacct(BILL), bill_lines_from_intacct(LINES)
    assert content_hash(bill, lines, bill["intacct_vendor_id"], "US01") == KNOWN_HASH


def test_hashing_values_already_normalized_gives_the_same_hash():
    bill, lines = bill_from_intacct(BILL), bill_lines_from_intacct(LINES)
    assert content_hash(bill, lines, bill["intacct_vendor_id"], "US01", normalized=True) == KNOWN_HASH
    # BC's side of the same bill (its rows as the warehouse gives them back) hashes the same way.
    bc_lines = [{**line, "line_no": str(line["line_no"])} for line in reversed(lines)]
    assert content_hash({**bill, "total_amount": " 27547.80 "}, bc_lines, bill["intacct_vendor_id"], "US01") == KNOWN_HASH
