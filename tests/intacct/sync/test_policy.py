"""The one conflict rule: whole seconds in UTC, a tie (or an unknown time) goes to Intacct."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pandas as pd
import pytest

from intacct.sync.policy import winner

pytestmark = pytest.mark.unit
INTACCT = datetime(2026, 11, 2, 12, 0, 0, tzinfo=UTC)  # WHENMODIFIED: whole seconds


@pytest.mark.parametrize("bc_modified, expected", [
    (INTACCT + timedelta(seconds=1), "bc"),
    (INTACCT + timedelta(microseconds=999_999), "intacct"),   # same second: Intacct is the system of record
    (INTACCT, "intacct"),
    (INTACCT - timedelta(microseconds=1), "intacct"),
    (None, "intacct"),
    (pd.NaT, "intacct"),
    (datetime(2026, 11, 2, 12, 0, 2), "bc"),                  # naive = UTC
    (datetime(2026, 11, 2, 4, 0, 0, 500_000, tzinfo=timezone(timedelta(hours=-8))), "intacct"),  # 12:00:00.5 UTC
    (pd.Timestamp("2026-11-02 12:00:03", tz="UTC"), "bc"),
])
def test_newest_wins_compares_whole_seconds_in_utc(bc_modified, expected):
    assert winner("newest_wins", bc_modified, INTACCT) == expected


def test_an_unknown_intacct_time_goes_to_intacct():
    assert winner("newest_wins", INTACCT, None) == "intacct"


def test_fixed_policies_and_unknown_names():
    assert winner("bc_wins", None, INTACCT) == "bc"
    assert winner("intacct_wins", INTACCT + timedelta(days=1), INTACCT) == "intacct"
    with pytest.raises(ValueError, match="newest_wins"):
        winner("latest", INTACCT, INTACCT)
