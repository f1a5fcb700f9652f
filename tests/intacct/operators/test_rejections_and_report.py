"""The end of a run as a user sees it in Airflow: the rejections box and the report's log."""

from __future__ import annotations

import re

import pytest
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from demo.bc_data import BAD_ACCOUNT, DEMO_COMPANIES, seed_bc_company
from intacct.operators import (
    IntacctPreflightOperator,
    IntacctRejectionsOperator,
    IntacctSyncAccountsOperator,
    IntacctSyncBillsOperator,
    IntacctSyncReportOperator,
    IntacctSyncVendorsOperator,
)
from intacct.operators.report import review_text
from intacct.sync.run_log import RunLog
from intacct.warehouse import Warehouse

pytestmark = pytest.mark.integration

ENTITY = {"entity_id": "US01", "bc_company_id": "bc-us", "intacct_conn_id": "intacct_test",
          "warehouse_conn_id": "bc_test"}
US = next(c for c in DEMO_COMPANIES if c.entity_id == "US01")
STEPS = (IntacctSyncAccountsOperator, IntacctSyncVendorsOperator, IntacctSyncBillsOperator)


def run_steps(context) -> dict:
    xcoms = context["ti"].xcoms
    xcoms["preflight"] = IntacctPreflightOperator(task_id="preflight", **ENTITY).execute(context)
    for cls in STEPS:
        if cls.sync_object in context["params"]["objects"]:
            xcoms[f"sync_{cls.sync_object}"] = cls(task_id=f"sync_{cls.sync_object}", **ENTITY).execute(context)
    return xcoms


@pytest.fixture
def seeded(connections):
    warehouse = Warehouse.from_url(connections.warehouse_url)
    warehouse.ensure_schema()
    rows = seed_bc_company(warehouse, US)
    warehouse.dispose()
    return rows


def test_a_partial_run_fails_the_rejections_box_and_both_logs_list_the_rejected_bill(
        connections, seeded, make_context, capsys):
    context = make_context()
    run_steps(context)
    capsys.readouterr()
    with pytest.raises(AirflowFailException, match=r"1 record\(s\) were rejected") as failed:
        IntacctRejectionsOperator(task_id="rejections", **ENTITY).execute(context)
    assert "next run retries it" in str(failed.value)
    rejections_log = capsys.readouterr().out
    line = next(line for line in rejections_log.splitlines() if seeded.bad_bill_id in line)
    assert "rejected" in line and "bills to_intacct" in line and f"account {BAD_ACCOUNT}" in line

    summary = IntacctSyncReportOperator(task_id="report", **ENTITY).execute(context)
    assert summary["status"] == "partial"
    report_log = capsys.readouterr().out
    assert "record(s) to review" in report_log
    assert any(seeded.bad_bill_id in line and f"account {BAD_ACCOUNT}" in line for line in report_log.splitlines())


def test_api_calls_are_shown_on_the_direction_that_made_them(connections, seeded, make_context, capsys):
    context = make_context()
    run_steps(context)
    capsys.readouterr()
    IntacctSyncReportOperator(task_id="report", **ENTITY).execute(context)
    table = {tuple(line.split()[:2]): line.split()[2:] for line in capsys.readouterr().out.splitlines()
             if re.match(r"^((accounts|vendors|bills)\s+to_|preflight\s+-\s)", line)}
    # The seeded BC-only vendors and ready-to-pay bills were created in Intacct: writes, on to_intacct.
    vendors_out, bills_out = table[("vendors", "to_intacct")], table[("bills", "to_intacct")]
    assert int(vendors_out[0]) > 0 and int(vendors_out[-1]) >= 1, vendors_out
    assert int(bills_out[0]) > 0 and int(bills_out[-1]) >= 1, bills_out
    # Reads of Intacct's records are on to_bc, and the columns add up to the run's total.
    assert int(table[("vendors", "to_bc")][-1]) >= 1 and int(table[("accounts", "to_bc")][-1]) >= 1
    # The preflight's sign-in and probes have their own row: every call of the run is on some row.
    assert int(table[("preflight", "-")][-1]) >= 1
    calls = sum(int(numbers[-1]) for numbers in table.values())
    warehouse = Warehouse.from_url(connections.warehouse_url)
    (run_id,) = {context["ti"].xcoms["preflight"]["run_id"]}
    assert calls == RunLog(warehouse).get(run_id)["api_calls"]
    warehouse.dispose()


def test_a_clean_run_passes_the_rejections_box(connections, make_context, capsys):
    context = make_context({"objects": ["accounts"]})
    run_steps(context)
    result = IntacctRejectionsOperator(task_id="rejections", **ENTITY).execute(context)
    assert result["rejected"] == 0
    assert "No record was rejected" in capsys.readouterr().out


def test_a_dry_run_skips_the_rejections_box_and_says_nothing_was_written(connections, seeded, make_context):
    context = make_context({"dry_run": True})
    run_steps(context)
    with pytest.raises(AirflowSkipException, match=r"Dry run: nothing was written.* [1-9]\d* record\(s\) would be rejected"):
        IntacctRejectionsOperator(task_id="rejections", **ENTITY).execute(context)


@pytest.mark.unit
def test_the_review_list_is_bounded_and_counts_the_rest(tmp_path):
    warehouse = Warehouse.from_url(f"sqlite:///{tmp_path / 'wh.db'}")
    warehouse.ensure_schema()
    run_log = RunLog(warehouse)
    run_log.start("run-x", "US01", "bc-us", "scheduled", {})
    outcomes = [{"direction": "to_intacct", "action": "rejected", "bc_key": f"B{n:03}", "reason": f"reason {n}"}
                for n in range(70)]
    outcomes += [{"direction": "to_bc", "action": "created", "intacct_key": f"V{n}"} for n in range(5)]
    outcomes.append({"direction": "to_bc", "action": "conflict", "intacct_key": "V9", "reason": "both changed"})
    with warehouse.engine.begin() as connection:
        run_log.record(connection, "run-x", "bills", outcomes)
    lines = review_text(run_log, "run-x", limit=50).splitlines()
    warehouse.dispose()
    assert lines[0].startswith("71 record(s) to review")
    assert len(lines) == 1 + 50 + 1
    assert "BC B000: reason 0" in lines[1] and "BC B049: reason 49" in lines[50]
    assert lines[-1].strip().startswith("… and 21 more") and "intacct_record_outcomes" in lines[-1]
