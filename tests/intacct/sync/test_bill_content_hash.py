"""A bill's content hash is kept with its link: the shortcuts taken for speed must give today's hash exactly,
or every linked bill would look changed on the next run."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intacct.sync.bills import HEADER, LINE, content_hash, content_text
from intacct.sync.mapping import bill_from_intacct, bill_lines_from_intacct, normalizer
from intacct.warehouse.types import dumps

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


# Values of every type a BC row or a converted Intacct record can hold, hostile text included.
_VALUES = st.one_of(st.none(), st.text(), st.text(alphabet="\u00e9\u2028\"\\\x00\ud7ff\U0001f600 "), st.just(""),
                    st.decimals(allow_nan=False, allow_infinity=False, places=2), st.decimals(), st.dates(),
                    st.datetimes(timezones=st.just(UTC)), st.integers(), st.booleans(), st.floats(allow_nan=False))
_HEADERS = st.fixed_dictionaries({}, optional={name: _VALUES for name, _ in HEADER})
_LINES = st.lists(st.fixed_dictionaries({}, optional={name: _VALUES for name, _ in [*LINE, ("line_no", None)]}),
                  max_size=4)


def _reference_document(header, lines, vendor, location, normalized):
    """The document the hash is of, built as dicts and written by the JSON encoder (the written-out text must
    be the very same text)."""
    def value(normalize, raw):
        if normalized:
            return raw
        try:
            return normalize(raw)
        except ValueError:
            return str(raw)

    order = (lambda line: line.get("line_no") or 0) if normalized else (
        lambda line: value(normalizer("int"), line.get("line_no")) or 0)
    return dumps({"vendor": vendor, "header": {name: value(n, header.get(name)) for name, n in HEADER},
                  "lines": [{name: value(n, line.get(name)) or (location if name == "location_id" else None)
                             for name, n in LINE} for line in sorted(lines, key=order)]})


@settings(max_examples=400, deadline=None)
@given(_HEADERS, _LINES, st.one_of(st.none(), st.text()), st.one_of(st.none(), st.just("US01")), st.booleans())
def test_the_hashed_text_is_what_the_json_encoder_writes(header, lines, vendor, location, normalized):
    try:
        expected = _reference_document(header, lines, vendor, location, normalized)
    except (TypeError, ArithmeticError) as refused:  # line numbers that cannot be ordered: both refuse them
        with pytest.raises(type(refused)):
            content_text(header, lines, vendor, location, normalized=normalized)
        return
    assert content_text(header, lines, vendor, location, normalized=normalized) == expected
