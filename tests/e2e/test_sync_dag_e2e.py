"""Whole sync DAG runs: BC ⇄ Intacct through Airflow, checked in the warehouse tables and in Intacct."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import sqlalchemy as sa

from demo.bc_data import BAD_ACCOUNT, DEMO_COMPANIES, INTACCT_COMPANY, edit_both_sides, seed_bc_company
from intacct.warehouse import Warehouse

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

US = next(c for c in DEMO_COMPANIES if c.entity_id == "US01")
ALL_DONE = {"preflight": "success", "sync_accounts": "success", "sync_vendors": "success",
            "sync_bills": "success", "rejections": "success", "report": "success"}
# A partial run (records rejected) is a successful DAG run with a failed "rejections" box.
PARTIAL = {**ALL_DONE, "rejections": "failed"}


def query(warehouse: Warehouse, sql: str, **params) -> list[dict]:
    with warehouse.engine.connect() as connection:
        return [dict(r) for r in connection.execute(sa.text(sql), params).mappings()]


def latest_run(warehouse: Warehouse) -> dict:
    (run,) = query(warehouse, "select * from intacct_runs order by started_at desc limit 1")
    for key in ("counts", "options"):
        if isinstance(run[key], str):
            run[key] = json.loads(run[key])
    return run


def written(run: dict) -> int:
    return sum(n.get(a, 0) for per in run["counts"].values() for n in per.values()
               for a in ("created", "updated", "deactivated"))


def two_way_scenario(e2e, warehouse_url: str) -> None:
    emulator = e2e.emulator
    warehouse = Warehouse.from_url(warehouse_url)
    warehouse.ensure_schema()
    seeded = seed_bc_company(warehouse, US)

    first = e2e.run(warehouse_url)
    assert (first.state, first.tasks) == ("success", PARTIAL)  # the bad bill is rejected

    # BC-only vendors and ready-to-pay bills are now in Intacct, linked in BC.
    for vendor_id in seeded.new_vendor_ids:
        (row,) = query(warehouse, "select name, intacct_vendor_id from bc_vendors where vendor_id = :v", v=vendor_id)
        assert row["intacct_vendor_id"]
        (vendor,) = emulator.admin.find_records(INTACCT_COMPANY, "VENDOR", VENDORID=row["intacct_vendor_id"])
        assert vendor["NAME"] == row["name"]
    for bill_id in seeded.ready_bill_ids:
        (row,) = query(warehouse, "select intacct_record_no, total_amount from bc_bills where bill_id = :b",
                       b=bill_id)
        bill = emulator.admin.get_record(INTACCT_COMPANY, "APBILL", row["intacct_record_no"])
        assert bill is not None and Decimal(str(bill["TRX_TOTALENTERED"])) == Decimal(str(row["total_amount"]))

    # Intacct's bills of the entity are in BC, and the paid ones are marked paid.
    intacct_bills = [b for b in emulator.admin.find_records(INTACCT_COMPANY, "APBILL")
                     if b.get("MEGAENTITYID") == US.entity_id]
    in_bc = {r["intacct_record_no"]: r["status"] for r in query(
        warehouse, "select intacct_record_no, status from bc_bills where company_id = :c and "
                   "intacct_record_no is not null", c=US.bc_company_id)}
    assert {int(b["RECORDNO"]) for b in intacct_bills} <= set(in_bc)
    paid = [int(b["RECORDNO"]) for b in intacct_bills if b["STATE"] == "Paid"]
    assert paid and all(in_bc[recordno] == "paid" for recordno in paid)

    # The bad row is rejected with its reason, and the run says so.
    (rejection,) = query(warehouse, "select reason from intacct_record_outcomes where bc_key = :b and "
                                    "action = 'rejected'", b=seeded.bad_bill_id)
    assert f"account {BAD_ACCOUNT}" in rejection["reason"]
    assert latest_run(warehouse)["status"] == "partial"

    # Edits on both sides: each flows the other way; the conflict is resolved by the policy and logged.
    edits = edit_both_sides(warehouse, emulator.admin, US)
    second = e2e.run(warehouse_url)
    assert (second.state, second.tasks) == ("success", PARTIAL)  # the bad bill stays rejected
    vendors = {r["vendor_id"]: r for r in query(
        warehouse, "select vendor_id, intacct_vendor_id, name, email from bc_vendors where company_id = :c",
        c=US.bc_company_id)}
    assert vendors[edits.intacct_edited]["name"] == edits.intacct_name
    (pushed,) = emulator.admin.find_records(INTACCT_COMPANY, "VENDOR",
                                            VENDORID=vendors[edits.bc_edited]["intacct_vendor_id"])
    assert pushed["DISPLAYCONTACT.PHONE1"] == edits.bc_phone
    assert vendors[edits.conflicted]["email"] == edits.intacct_email  # intacct_wins
    (conflict,) = query(warehouse, "select details from intacct_record_outcomes where action = 'conflict' "
                                   "and bc_key = :v", v=edits.conflicted)
    details = conflict["details"] if isinstance(conflict["details"], dict) else json.loads(conflict["details"])
    assert details["fields"]["email"]["bc"] == edits.bc_email
    assert details["fields"]["email"]["intacct"] == edits.intacct_email

    # Nothing changed since: the next run writes nothing.
    third = e2e.run(warehouse_url)
    assert third.state == "success"
    assert written(latest_run(warehouse)) == 0
    warehouse.dispose()


def test_two_way_sync_with_a_sqlite_warehouse(e2e, sqlite_url):
    two_way_scenario(e2e, sqlite_url)


@pytest.mark.postgres
def test_two_way_sync_with_a_postgres_warehouse(e2e, postgres_url):
    two_way_scenario(e2e, postgres_url)


def test_preflight_stops_the_run_with_the_remediation_when_the_sender_is_not_authorized(e2e, sqlite_url):
    result = e2e.run(sqlite_url, sender_id="Unauthorized")
    assert result.state == "failed"
    assert result.tasks["preflight"] == "failed"
    assert {result.tasks[t] for t in ("sync_accounts", "sync_vendors", "sync_bills")} == {"upstream_failed"}
    assert result.tasks["report"] == "failed"
    warehouse = Warehouse.from_url(sqlite_url)
    run = latest_run(warehouse)
    assert run["status"] == "failed"
    assert "Web Services authorizations" in run["message"] and "'Unauthorized'" in run["message"]
    assert query(warehouse, "select count(*) as n from bc_vendors")[0]["n"] == 0
    warehouse.dispose()


def test_sync_now_dry_run_of_selected_objects_writes_nothing(e2e, sqlite_url):
    result = e2e.run(sqlite_url, conf={"dry_run": True, "objects": ["accounts", "vendors"]})
    assert result.state == "success"
    assert result.tasks["sync_bills"] == "skipped" and result.tasks["report"] == "success"
    assert result.tasks["rejections"] == "skipped"  # a dry run shows as a skipped box
    warehouse = Warehouse.from_url(sqlite_url)
    run = latest_run(warehouse)
    assert run["status"] == "dry_run" and run["triggered_by"] == "sync_now"
    assert run["counts"]["vendors"]["to_bc"]["created"] > 0
    assert query(warehouse, "select count(*) as n from bc_vendors")[0]["n"] == 0
    warehouse.dispose()


def test_a_whole_run_logged_at_debug_level_shows_no_secret(e2e, sqlite_url, capfd, caplog):
    import logging
    import os
    from pathlib import Path

    warehouse = Warehouse.from_url(sqlite_url)
    warehouse.ensure_schema()
    seeded = seed_bc_company(warehouse, US)
    bc_tax_id = "98-7654321"
    with warehouse.engine.begin() as connection:
        connection.execute(sa.text("update bc_vendors set tax_id = :t where vendor_id = :v"),
                           {"t": bc_tax_id, "v": seeded.new_vendor_ids[0]})

    caplog.set_level(logging.DEBUG)
    for name in ("intacct", "httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    result = e2e.run(sqlite_url)
    assert result.state == "success"

    session_ids = e2e.emulator.admin.session_ids()
    intacct_tax_ids = [v["TAXID"] for v in e2e.emulator.admin.find_records(INTACCT_COMPANY, "VENDOR") if v["TAXID"]]
    assert session_ids and intacct_tax_ids and bc_tax_id in intacct_tax_ids, "the run must have handled secrets"
    captured = capfd.readouterr()
    logs_dir = Path(os.environ["AIRFLOW_HOME"]) / "logs"
    task_logs = "".join(p.read_text(errors="replace") for p in logs_dir.rglob("*") if p.is_file()) \
        if logs_dir.exists() else ""
    text = captured.out + captured.err + caplog.text + task_logs
    assert "Signed in to Intacct" in text and "Intacct request" in text, "the capture must hold the DEBUG log"
    for secret in ("demo-user-pw", "demo-sender-pw", *session_ids, *intacct_tax_ids):
        assert secret not in text, "a secret reached the log"


def test_a_run_reports_every_api_call_the_gateway_counted_preflight_and_sign_ins_included(e2e, sqlite_url):
    """Through ``airflow dags test``: each task a fresh client, one sign-in for the whole run (the preflight's,
    handed on sealed), and the run log's total is what the gateway counted."""
    def gateway_calls() -> dict[str, int]:
        return dict(e2e.emulator.admin.stats()["calls"].get(INTACCT_COMPANY, {}))

    warehouse = Warehouse.from_url(sqlite_url)
    for label in ("first (full) run", "idle run"):
        before = gateway_calls()
        e2e.cli_run(sqlite_url)
        after = gateway_calls()
        made = {name: after[name] - before.get(name, 0) for name in after if after[name] > before.get(name, 0)}
        run = latest_run(warehouse)
        assert run["status"] == "succeeded", label
        assert run["api_calls"] == sum(made.values()), (label, made)
        assert made["getAPISession"] == 1, (label, made)  # the preflight signed in; every other task reused it
        by_object = run["api_calls_by_object"]
        by_object = json.loads(by_object) if isinstance(by_object, str) else by_object
        assert by_object["preflight"] == 1, label  # the sign-in: each object's first read is its probe
    # Nothing changed: 1 sign-in, then one read per object, plus bills' audit trail and look-back lines.
    assert run["api_calls"] <= 6, made
    warehouse.dispose()


def test_a_session_the_gateway_no_longer_accepts_costs_one_counted_sign_in(e2e, sqlite_url, monkeypatch):
    """The handed-on session expired between two tasks: the next task signs in again, and the run counts it."""
    from intacct.operators.sync import IntacctSyncAccountsOperator

    expire = e2e.emulator.admin.expire_sessions
    original = IntacctSyncAccountsOperator.execute

    def expire_then_sync(self, context):
        expire()  # the preflight's session ends before sync_accounts uses it
        return original(self, context)

    monkeypatch.setattr(IntacctSyncAccountsOperator, "execute", expire_then_sync)
    before = sum(e2e.emulator.admin.stats()["calls"].get(INTACCT_COMPANY, {}).values())
    result = e2e.run(sqlite_url)
    assert result.state == "success"
    stats = e2e.emulator.admin.stats()["calls"][INTACCT_COMPANY]
    warehouse = Warehouse.from_url(sqlite_url)
    run = latest_run(warehouse)
    assert run["api_calls"] == sum(stats.values()) - before
    assert stats["getAPISession"] == 2  # the preflight's, and the one after the refused session
    warehouse.dispose()
