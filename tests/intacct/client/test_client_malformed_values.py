"""Malformed values from Intacct are refused with a reason naming the record and field, never guessed."""

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from intacct_client_fakes import FakeGateway, answer, make_client, query_data, result

from intacct.client.errors import MalformedValue
from intacct.client.values import ValueCodec, parse_money

pytestmark = pytest.mark.unit
codec = ValueCodec("America/Los_Angeles")
MONEY_GRAMMAR = re.compile(r"-?(0|[1-9][0-9]{0,14})(\.[0-9]{1,2})?")


@pytest.mark.parametrize("text", ["1e400", "1E+3", "12,34", "1,234.00", "NaN", "-nan", "Infinity", "-Infinity",
                                  "1.005", "12.345", " 12.34", "+5", "٣", "0x10", "", "1_000", "12.", ".5"])
def test_money_that_is_not_a_plain_amount_with_at_most_two_places_is_refused(text):
    if text == "":
        assert codec.parse("money", text) is None  # an empty element means "no value"
        return
    with pytest.raises(MalformedValue) as caught:
        codec.parse("money", text, name="APBILL.TRX_TOTALENTERED", key="APBILL RECORDNO 7")
    message = str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert "APBILL.TRX_TOTALENTERED" in message and "APBILL RECORDNO 7" in message
    assert caught.value.fields == ["APBILL.TRX_TOTALENTERED"] and caught.value.key == "APBILL RECORDNO 7"
    if any(c.isdigit() for c in text) and len(text) > 2:
        assert text.strip() not in message  # the shape, not the value


def test_comma_is_never_read_as_a_thousands_separator():
    with pytest.raises(MalformedValue, match="comma"):
        codec.parse("money", "12,34", name="AMOUNT")


@pytest.mark.parametrize("kind,text", [("int", "1e3"), ("int", "12.0"), ("int", " 7"), ("int", "1_0"),
                                       ("date", "12/25/2016xyz"), ("date", "2016.12.25"), ("date", "13/45/2016"),
                                       ("timestamp", "09/16/2013 15:50:21 junk"), ("decimal", "NaN")])
def test_ints_dates_and_timestamps_are_strict(kind, text):
    with pytest.raises(MalformedValue, match="FIELD"):
        codec.parse(kind, text, name="FIELD")


@given(st.from_regex(MONEY_GRAMMAR, fullmatch=True))
def test_every_accepted_money_string_round_trips_exactly(text):
    amount = parse_money(text)
    assert codec.format(amount) == text
    assert amount == Decimal(text) and amount.is_finite()


@given(st.text(max_size=30))
def test_every_other_string_is_refused(text):
    if MONEY_GRAMMAR.fullmatch(text):
        assert codec.format(parse_money(text)) == text
    else:
        with pytest.raises(ValueError):
            parse_money(text)


@given(st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-10**14, max_value=10**14))
def test_amounts_written_by_the_client_are_read_back_exactly(amount):
    text = codec.format(amount)
    if MONEY_GRAMMAR.fullmatch(text):  # the -0 / 0E-2 spellings aside, every amount comes back equal
        assert parse_money(text) == amount


def page(rows):
    return answer(lambda r: result("query", r.control_ids[0], query_data("APBILL", rows)))


def test_one_malformed_row_is_rejected_with_its_key_and_the_others_are_read():
    rows = [{"RECORDNO": "1", "RECORDID": "B1", "TRX_TOTALENTERED": "10.00", "WHENMODIFIED": "09/16/2013 15:50:21"},
            {"RECORDNO": "2", "RECORDID": "B2", "TRX_TOTALENTERED": "12,34", "WHENMODIFIED": "09/16/2013 15:50:22"},
            {"RECORDNO": "3", "RECORDID": "B3", "TRX_TOTALENTERED": "1e400", "WHENMODIFIED": "09/16/2013 15:50:23"},
            {"RECORDNO": "", "RECORDID": "B4", "TRX_TOTALENTERED": "4.00", "WHENMODIFIED": "09/16/2013 15:50:24"},
            {"RECORDNO": "5", "RECORDID": "B5", "TRX_TOTALENTERED": "5.5", "WHENMODIFIED": "09/16/2013 15:50:25"}]
    client = make_client(FakeGateway(page(rows)))
    (only,) = list(client.iter_pages("APBILL", ["RECORDID", "TRX_TOTALENTERED"]))
    assert [r["RECORDID"] for r in only.records] == ["B1", "B5"]
    assert only.records[1]["TRX_TOTALENTERED"] == Decimal("5.5")
    keys = [e.key for e in only.rejected]
    assert keys == ["APBILL RECORDID B2", "APBILL RECORDID B3", "APBILL RECORDID B4"]
    assert all(isinstance(e, ValueError) for e in only.rejected)
    assert only.rejected[0].fields == ["APBILL.TRX_TOTALENTERED"] and "comma" in str(only.rejected[0])
    assert only.rejected[2].fields == ["APBILL.RECORDNO"] and "RECORDNO" in str(only.rejected[2])
    assert only.cursor[1] == 5


def test_a_malformed_row_in_a_lookup_is_refused_not_skipped():
    rows = [{"RECORDNO": "2", "RECORDID": "B2", "TRX_TOTALENTERED": "NaN"}]
    client = make_client(FakeGateway(page(rows)))
    with pytest.raises(MalformedValue, match="APBILL RECORDID B2"):
        client.find("APBILL", None, ["RECORDID", "TRX_TOTALENTERED"])
