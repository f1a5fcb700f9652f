"""The run summary table that the report task logs and the demo prints."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from intacct.sync.plan import COUNTED_ACTIONS
from intacct.sync.run_log import RunSummary

pytestmark = pytest.mark.unit


def _counts(**by_direction: dict[str, int]) -> dict[str, dict[str, int]]:
    return {direction: {name: numbers.get(name, 0) for name in COUNTED_ACTIONS}
            for direction, numbers in by_direction.items()}


def test_table_shows_each_direction_an_object_syncs_and_its_api_calls():
    summary = RunSummary(
        "run-1", "US01", "bc-us", "sync_now", "partial", datetime(2026, 1, 1, tzinfo=UTC), None,
        counts={
            "accounts": _counts(to_bc={"created": 60}, to_intacct={}),
            "vendors": _counts(to_bc={"updated": 2, "conflicts": 1}, to_intacct={"updated": 1}),
            "bills": _counts(to_bc={}, to_intacct={"created": 2, "rejected": 1}),
        },
        api_calls=15, message="1 record(s) rejected; see intacct_record_outcomes",
        api_calls_by_object={"accounts": 3, "vendors": 5, "bills": 7},
    )
    lines = summary.as_table().splitlines()
    rows = {tuple(line.split()[:2]): line.split()[2:] for line in lines[2:-1]}

    assert "15 Intacct API call(s)" in lines[0] and lines[1].split()[-2:] == ["API", "calls"]
    assert ("accounts", "to_intacct") not in rows, "accounts only flow to BC"
    assert rows[("accounts", "to_bc")] == ["60", "0", "0", "0", "0", "0", "0", "3"]
    assert rows[("vendors", "to_bc")] == ["0", "2", "0", "0", "1", "0", "0", "5"]
    assert rows[("vendors", "to_intacct")] == ["0", "1", "0", "0", "0", "0", "0"]
    assert rows[("bills", "to_intacct")] == ["2", "0", "0", "0", "0", "1", "0"]
    assert lines[-1] == "1 record(s) rejected; see intacct_record_outcomes"


def test_api_calls_split_by_direction_show_writes_on_the_to_intacct_row():
    summary = RunSummary(
        "run-2", "US01", "bc-us", "scheduled", "succeeded", datetime(2026, 1, 1, tzinfo=UTC), None,
        counts={"accounts": _counts(to_bc={"created": 1}), "vendors": _counts(to_bc={}, to_intacct={"created": 2})},
        api_calls=7, api_calls_by_object={"accounts": {"to_bc": 3, "to_intacct": 0},
                                          "vendors": {"to_bc": 2, "to_intacct": 2}},
    )
    rows = {tuple(line.split()[:2]): line.split()[2:] for line in summary.as_table().splitlines()[2:]}
    assert rows[("vendors", "to_intacct")][-1] == "2" and rows[("vendors", "to_bc")][-1] == "2"
    assert rows[("accounts", "to_bc")][-1] == "3"


def test_calls_by_direction_counts_create_update_delete_as_writes():
    from intacct.sync.plan import calls_by_direction

    before = {"getAPISession": 1, "query": 4}
    after = {"getAPISession": 2, "query": 9, "create": 3, "update": 1}
    assert calls_by_direction(before, after, total=10) == {"to_bc": 6, "to_intacct": 4}
