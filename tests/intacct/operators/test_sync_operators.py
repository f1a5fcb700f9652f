"""Preflight, per-object sync and report operators, executed with a minimal context against the emulator."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from intacct.operators import (
    IntacctPreflightOperator,
    IntacctSyncAccountsOperator,
    IntacctSyncBillsOperator,
    IntacctSyncReportOperator,
    IntacctSyncVendorsOperator,
)
from intacct.operators.base import run_options_from_params

pytestmark = pytest.mark.integration

ENTITY = {"entity_id": "US01", "bc_company_id": "bc-us", "intacct_conn_id": "intacct_test",
          "warehouse_conn_id": "bc_test"}


def rows(url: str, sql: str) -> list:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(sa.text(sql)))
    finally:
        engine.dispose()


@pytest.mark.unit
def test_constructing_operators_does_no_io_and_templates_the_connection_ids():
    operator = IntacctSyncVendorsOperator(task_id="v", **{**ENTITY, "intacct_conn_id": "does_not_exist"})
    assert set(operator.template_fields) >= {"entity_id", "bc_company_id", "intacct_conn_id", "warehouse_conn_id"}
    assert operator.sync_object == "vendors"


@pytest.mark.unit
def test_run_options_keep_dependency_order_and_reject_unknown_objects():
    options = run_options_from_params({"objects": ["bills", "accounts"], "dry_run": True})
    assert options.objects == ("accounts", "bills") and options.dry_run and not options.full_refresh
    assert run_options_from_params({}).objects == ("accounts", "vendors", "bills")
    with pytest.raises(AirflowFailException, match="payments"):
        run_options_from_params({"objects": ["payments"]})


def test_preflight_passes_and_opens_the_run_every_task_shares(connections, make_context):
    context = make_context()
    result = IntacctPreflightOperator(task_id="preflight", **ENTITY).execute(context)
    assert result["ok"] is True
    sync = IntacctSyncAccountsOperator(task_id="sync_accounts", **ENTITY).execute(context)
    assert sync["run_id"] == result["run_id"]
    (run,) = rows(connections.warehouse_url, "select run_id, triggered_by from intacct_runs")
    assert tuple(run) == (result["run_id"], "sync_now")


def test_preflight_fails_with_the_remediation_before_any_data_moves(connections, make_context):
    operator = IntacctPreflightOperator(task_id="preflight", **{**ENTITY, "intacct_conn_id": "intacct_unauthorized"})
    with pytest.raises(AirflowFailException) as caught:
        operator.execute(make_context())
    text = str(caught.value)
    assert "Web Services authorizations" in text and "'Unauthorized'" in text
    assert rows(connections.warehouse_url, "select count(*) from bc_vendors")[0][0] == 0
    (run,) = rows(connections.warehouse_url, "select status, message from intacct_runs")
    assert run[0] == "failed" and "Web Services authorizations" in run[1]


def test_preflight_signs_in_once_and_each_task_of_the_run_reuses_that_session(connections, make_context):
    from airflow.sdk import DAG

    with DAG("intacct_sync_us01", schedule=None):
        preflight = IntacctPreflightOperator(task_id="preflight", **ENTITY)
        accounts = IntacctSyncAccountsOperator(task_id="sync_accounts", **ENTITY)
        vendors = IntacctSyncVendorsOperator(task_id="sync_vendors", **ENTITY)
        preflight >> accounts >> vendors
    context = make_context()
    preflight.execute(context)
    accounts.execute(context)
    vendors.execute(context)
    calls = connections.emulator.admin.stats()["calls"]["DEMO"]
    assert calls["getAPISession"] == 1 and "readByQuery" not in calls  # no probe reads either
    tokens = context["ti"].pushed["intacct_session"]
    assert len(tokens) == 3  # each task hands the (renewed) session on
    for session_id in connections.emulator.admin.session_ids():
        assert all(session_id not in token for token in tokens), "the session id reached XCom in plain text"


def test_a_missing_subscription_fails_the_object_that_needs_it_naming_the_setup_step(connections, make_context,
                                                                                     monkeypatch):
    from demo.connections import intacct_connection

    # Limited-Web's role has no Accounts Payable: it signs in and reads the chart of accounts, not vendors.
    monkeypatch.setenv("AIRFLOW_CONN_INTACCT_TEST", intacct_connection(connections.server.url, user_id="Limited-Web"))
    context = make_context()
    IntacctPreflightOperator(task_id="preflight", **ENTITY).execute(context)
    IntacctSyncAccountsOperator(task_id="sync_accounts", **ENTITY).execute(context)
    with pytest.raises(AirflowFailException) as caught:  # no retries: only a person can fix it
        IntacctSyncVendorsOperator(task_id="sync_vendors", **ENTITY).execute(context)
    text = str(caught.value)
    assert "View Subscriptions" in text and "(setup step 4)" in text and "'Limited-Web'" in text
    (run,) = rows(connections.warehouse_url, "select failures from intacct_runs")
    assert "(setup step 4)" in run[0]


def test_preflight_lets_retries_handle_a_maintenance_window(connections, make_context, monkeypatch):
    from airflow.sdk.exceptions import AirflowException

    from demo.connections import intacct_connection

    conn = json.loads(intacct_connection(connections.server.url))
    conn["extra"]["retry_max_seconds"] = 0  # give up at once instead of waiting out the window
    monkeypatch.setenv("AIRFLOW_CONN_INTACCT_TEST", json.dumps(conn))
    connections.emulator.admin.set_faults(maintenance=True)
    try:
        with pytest.raises(AirflowException) as caught:
            IntacctPreflightOperator(task_id="preflight", **ENTITY).execute(make_context())
    finally:
        connections.emulator.admin.clear_faults()
    assert not isinstance(caught.value, AirflowFailException)  # retried by Airflow, unlike a setup error
    assert "setup check failed" in str(caught.value)


def test_sync_operators_return_only_counts(connections, make_context):
    context = make_context(run_type="scheduled", run_id="scheduled__2026-01-01")
    results = [cls(task_id=f"sync_{cls.sync_object}", **ENTITY).execute(context)
               for cls in (IntacctSyncAccountsOperator, IntacctSyncVendorsOperator, IntacctSyncBillsOperator)]
    accounts, vendors, bills = results
    assert accounts["counts"]["to_bc"]["created"] > 0
    assert vendors["counts"]["to_bc"]["created"] > 0 and bills["counts"]["to_bc"]["created"] > 0
    assert all(r["api_calls"] > 0 for r in results)
    assert len(json.dumps(results)) < 2000  # counts, never records
    stored = rows(connections.warehouse_url, "select count(*) from bc_vendors where company_id = 'bc-us'")[0][0]
    assert stored == vendors["counts"]["to_bc"]["created"]
    (run,) = rows(connections.warehouse_url, "select triggered_by from intacct_runs")
    assert run[0] == "scheduled"


def test_unselected_object_is_skipped(connections, make_context):
    operator = IntacctSyncBillsOperator(task_id="sync_bills", **ENTITY)
    with pytest.raises(AirflowSkipException, match="bills not selected"):
        operator.execute(make_context({"objects": ["accounts", "vendors"]}))


def test_dry_run_plans_but_writes_nothing(connections, make_context):
    result = IntacctSyncVendorsOperator(task_id="sync_vendors", **ENTITY).execute(make_context({"dry_run": True}))
    assert result["dry_run"] is True and result["counts"]["to_bc"]["created"] > 0
    assert rows(connections.warehouse_url, "select count(*) from bc_vendors")[0][0] == 0


def test_report_writes_the_summary_and_logs_a_table(connections, make_context, capsys):
    context = make_context({"objects": ["accounts"]})
    preflight = IntacctPreflightOperator(task_id="preflight", **ENTITY).execute(context)
    accounts = IntacctSyncAccountsOperator(task_id="sync_accounts", **ENTITY).execute(context)
    context["ti"].xcoms.update({"preflight": preflight, "sync_accounts": accounts})
    capsys.readouterr()
    summary = IntacctSyncReportOperator(task_id="report", **ENTITY).execute(context)
    assert summary["status"] == "succeeded"
    assert summary["counts"]["accounts"]["to_bc"]["created"] == accounts["counts"]["to_bc"]["created"]
    logged = capsys.readouterr().out  # Airflow's task logger writes to stdout outside a task runner
    assert "created" in logged and "conflicts" in logged and "rejected" in logged
    created = accounts["counts"]["to_bc"]["created"]
    assert re.search(rf"accounts\s+to_bc\s+{created}\s", logged) and "Intacct API call(s)" in logged
    (run,) = rows(connections.warehouse_url, "select status, finished_at from intacct_runs")
    assert run[0] == "succeeded" and run[1] is not None


def test_report_fails_the_run_when_a_selected_step_did_not_complete(connections, make_context):
    context = make_context()
    preflight = IntacctPreflightOperator(task_id="preflight", **ENTITY).execute(context)
    accounts = IntacctSyncAccountsOperator(task_id="sync_accounts", **ENTITY).execute(context)
    context["ti"].xcoms.update({"preflight": preflight, "sync_accounts": accounts})
    with pytest.raises(AirflowFailException, match="vendors, bills did not complete"):
        IntacctSyncReportOperator(task_id="report", **ENTITY).execute(context)
    (run,) = rows(connections.warehouse_url, "select status, message from intacct_runs")
    assert run[0] == "failed" and "vendors, bills" in run[1]


def test_report_after_a_failed_preflight_says_nothing_was_synced(connections, make_context):
    with pytest.raises(AirflowFailException, match="preflight .* failed, so nothing was synced"):
        IntacctSyncReportOperator(task_id="report", **ENTITY).execute(make_context())


def test_report_sums_every_step_although_each_ran_in_its_own_process(connections, make_context):
    context = make_context()
    xcoms = context["ti"].xcoms
    xcoms["preflight"] = IntacctPreflightOperator(task_id="preflight", **ENTITY).execute(context)
    for cls in (IntacctSyncAccountsOperator, IntacctSyncVendorsOperator, IntacctSyncBillsOperator):
        xcoms[f"sync_{cls.sync_object}"] = cls(task_id=f"sync_{cls.sync_object}", **ENTITY).execute(context)
    summary = IntacctSyncReportOperator(task_id="report", **ENTITY).execute(context)
    assert set(summary["counts"]) == {"accounts", "vendors", "bills"}
    for name in ("accounts", "vendors", "bills"):
        assert summary["counts"][name] == xcoms[f"sync_{name}"]["counts"]
    assert summary["api_calls"] >= sum(xcoms[f"sync_{n}"]["api_calls"] for n in ("accounts", "vendors", "bills"))
    (run,) = rows(connections.warehouse_url, "select counts, api_calls from intacct_runs")
    assert set(json.loads(run[0]) if isinstance(run[0], str) else run[0]) == {"accounts", "vendors", "bills"}


def test_the_write_batch_size_extra_sizes_the_engine_batches_and_the_client_requests(connections, monkeypatch):
    from demo.connections import intacct_connection

    extra = json.loads(intacct_connection(connections.server.url))
    extra["extra"] = {**extra["extra"], "write_batch_size": "250"}
    monkeypatch.setenv("AIRFLOW_CONN_INTACCT_TEST", json.dumps(extra))
    operator = IntacctSyncVendorsOperator(task_id="sync_vendors", **ENTITY)
    with operator.sync_engine() as engine:
        assert engine.config.write_batch_size == 250
        assert engine.client.settings.write_batch_size == 250
