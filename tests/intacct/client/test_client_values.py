from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from intacct.client.errors import ValidationError
from intacct.client.values import ValueCodec

pytestmark = pytest.mark.unit
codec = ValueCodec("America/Los_Angeles")


def test_company_local_timestamps_become_aware_utc_across_dst():
    assert codec.parse("timestamp", "07/01/2024 10:00:00") == datetime(2024, 7, 1, 17, 0, tzinfo=UTC)  # PDT
    assert codec.parse("timestamp", "01/15/2024 10:00:00") == datetime(2024, 1, 15, 18, 0, tzinfo=UTC)  # PST


def test_amounts_dates_numbers_flags_and_empty_elements():
    assert codec.parse("decimal", "5900") == Decimal("5900")
    assert codec.parse("decimal", "100.12") == Decimal("100.12")
    assert codec.parse("date", "12/25/2016") == date(2016, 12, 25)
    assert codec.parse("int", "1350") == 1350
    assert codec.parse("bool", "F") is False and codec.parse("bool", "true") is True
    assert codec.parse("decimal", "") is None and codec.parse("text", None) is None


def test_unexpected_format_names_field_and_fix():
    with pytest.raises(ValidationError, match="APBILL.WHENDUE"):
        codec.parse("date", "2016.12.25", name="APBILL.WHENDUE")


def test_formatting_round_trips_in_company_time():
    instant = datetime(2024, 7, 1, 17, 0, 5, tzinfo=UTC)
    text = codec.format(instant)
    assert text == "07/01/2024 10:00:05"
    assert codec.parse("timestamp", text) == instant
    assert codec.format(date(2016, 1, 2)) == "01/02/2016"
    assert codec.format(Decimal("1E+3")) == "1000"
    assert codec.format(True) == "true"


def test_float_money_and_naive_datetimes_are_refused():
    with pytest.raises(TypeError, match="Decimal"):
        codec.format(1.5)
    with pytest.raises(ValueError, match="timezone-aware"):
        codec.format(datetime(2024, 1, 1))
