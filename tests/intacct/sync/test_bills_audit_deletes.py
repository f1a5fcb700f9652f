"""A bill deleted in Intacct: found through the audit trail on the next incremental run, or, when the audit
trail fails, by the key reconciliation, with the failure logged and the run still succeeding."""

from __future__ import annotations

import logging

import pytest
from sync_testkit import linked_vendor, new_bc_bill, one, outcomes, rows

from intacct.sync import RunOptions

pytestmark = pytest.mark.integration
BILLS = RunOptions(objects=("bills",))


def _deleted_in_intacct(warehouse, make_engine, emulator, bill_id: str):
    engine = make_engine(warehouse)
    engine.run("scheduled")  # the first run also reconciles keys; the next ones are incremental
    vendor, _ = linked_vendor(warehouse, emulator)
    new_bc_bill(warehouse, bill_id, vendor["vendor_id"], [("6500", "3.00")])
    engine.run("scheduled", BILLS)
    bill = one(warehouse, "bc_bills", bill_id=bill_id)
    emulator.admin.ui_delete("DEMO", "APBILL", bill["intacct_record_no"])
    return engine


def test_a_bill_deleted_in_intacct_is_voided_by_the_next_incremental_run(warehouse, make_engine, emulator,
                                                                        monkeypatch):
    engine = _deleted_in_intacct(warehouse, make_engine, emulator, "B-audit")
    listed = []
    real_listing = engine.client.list_record_numbers
    monkeypatch.setattr(engine.client, "list_record_numbers",
                        lambda *a, **k: listed.append(a) or real_listing(*a, **k))
    summary = engine.run("scheduled", BILLS)
    assert one(warehouse, "bc_bills", bill_id="B-audit")["status"] == "void"
    [logged] = outcomes(warehouse, summary.run_id, bc_key="B-audit")
    assert logged["action"] == "deactivated" and "audit trail" in logged["reason"]
    assert listed == []  # not the daily key reconciliation


def test_when_audit_pages_fail_the_same_run_falls_back_to_the_key_reconciliation(warehouse, make_engine,
                                                                                  emulator, caplog):
    engine = _deleted_in_intacct(warehouse, make_engine, emulator, "B-noaudit")
    emulator.admin.set_faults(audit_page_error_rate=1.0)
    with caplog.at_level(logging.WARNING, logger="intacct.client"):
        summary = engine.run("scheduled", BILLS)
    assert summary.status != "failed"
    assert any("Audit trail unavailable for APBILL" in r.getMessage() for r in caplog.records)
    assert one(warehouse, "bc_bills", bill_id="B-noaudit")["status"] == "void"
    [logged] = outcomes(warehouse, summary.run_id, bc_key="B-noaudit")
    assert "no longer exists in Intacct" in logged["reason"]


def test_a_role_without_the_audit_trail_leaves_deletes_to_the_daily_reconciliation(warehouse, make_engine,
                                                                                    emulator, caplog):
    engine = _deleted_in_intacct(warehouse, make_engine, emulator, "B-noaudit")
    company = emulator.world.companies["DEMO"]
    company.roles[company.users["Paymentus-Web"].role].modules.discard("Company")
    with caplog.at_level(logging.WARNING, logger="intacct.client"):
        summary = engine.run("scheduled", BILLS)
    assert summary.status != "failed"
    assert one(warehouse, "bc_bills", bill_id="B-noaudit")["status"] == "ready_to_pay"  # not noticed yet
    assert any("Audit trail unavailable for APBILL" in r.getMessage() for r in caplog.records)

    summary = engine.run("sync_now", RunOptions(full_refresh=True, objects=("bills",)))
    assert one(warehouse, "bc_bills", bill_id="B-noaudit")["status"] == "void"
    [logged] = outcomes(warehouse, summary.run_id, bc_key="B-noaudit")
    assert "no longer exists in Intacct" in logged["reason"]


@pytest.mark.parametrize("options", [BILLS, RunOptions(objects=("bills",), full_refresh=True)])
def test_a_read_from_the_start_finds_deletes_at_once(warehouse, make_engine, emulator, monkeypatch, options):
    # An empty bills watermark (or a full refresh) skips the audit trail; the full read is the key list.
    engine = _deleted_in_intacct(warehouse, make_engine, emulator, "B-fullread")
    table = warehouse.tables["intacct_watermarks"]
    with warehouse.engine.begin() as connection:
        connection.execute(table.update().where(table.c.object == "bills").values(modified_at=None, record_no=None))
    listed = []
    monkeypatch.setattr(engine.client, "list_record_numbers", lambda *a, **k: listed.append(a) or [])
    summary = engine.run("scheduled", options)
    assert one(warehouse, "bc_bills", bill_id="B-fullread")["status"] == "void"
    [logged] = outcomes(warehouse, summary.run_id, bc_key="B-fullread")
    assert logged["action"] == "deactivated" and "no longer exists in Intacct" in logged["reason"]
    assert listed == []  # the full read itself was the key list
    others = [b for b in rows(warehouse, "bc_bills") if b["bill_id"] != "B-fullread"]
    assert others and all(b["status"] != "void" or b["intacct_state"] in ("Voided", "Reversed") for b in others)


def test_a_full_read_that_rewrites_other_bills_still_voids_the_deleted_one(warehouse, make_engine, emulator):
    """The reconciliation after a full read skips the rows the same run has just written from that read (their
    records are in it), never the others: a deleted bill is voided in the run that rewrites another bill."""
    engine = _deleted_in_intacct(warehouse, make_engine, emulator, "B-gone")
    other = next(b for b in sorted(rows(warehouse, "bc_bills"), key=lambda b: b["bill_id"])
                 if b["intacct_record_no"] and b["bill_id"] != "B-gone" and b["status"] == "ready_to_pay")
    emulator.admin.ui_update("DEMO", "APBILL", other["intacct_record_no"], {"DESCRIPTION": "Changed in Intacct"})
    summary = engine.run("sync_now", RunOptions(objects=("bills",), full_refresh=True))
    assert one(warehouse, "bc_bills", bill_id=other["bill_id"])["description"] == "Changed in Intacct"
    assert one(warehouse, "bc_bills", bill_id="B-gone")["status"] == "void"
    voided = [b["bill_id"] for b in rows(warehouse, "bc_bills")
              if b["status"] == "void" and b["intacct_state"] not in ("Voided", "Reversed")]
    assert voided == ["B-gone"]
    [logged] = outcomes(warehouse, summary.run_id, bc_key="B-gone")
    assert logged["action"] == "deactivated" and "no longer exists in Intacct" in logged["reason"]
