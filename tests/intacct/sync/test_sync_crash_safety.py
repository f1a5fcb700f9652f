"""A crash at every write point, then a rerun: no duplicate in Intacct, nothing lost, nothing left pending."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sync_testkit import (
    COMPANY,
    bc_update,
    intacct_vendor,
    linked_vendor,
    new_bc_bill,
    new_bc_vendor,
    one,
    rows,
)

from intacct.sync import WRITE_POINTS, InjectedFault, RunOptions
from intacct.sync import faults as fault_points
from intacct.sync.vendor_ids import derive_vendor_id

pytestmark = pytest.mark.integration


class CrashOnce:
    """A fault hook that raises the first time ``point`` is reached for ``object_name``."""

    def __init__(self, point: str, object_name: str, action=None):
        self.point, self.object_name, self.action = point, object_name, action
        self.fired = False

    def __call__(self, point, context):
        if self.fired or point != self.point or context.get("object") != self.object_name:
            return
        self.fired = True
        if self.action is not None:
            self.action()
            return
        raise InjectedFault(f"crash at {point}")


def crash_then_rerun(make_engine, warehouse, hook, options):
    crashing = make_engine(warehouse, fault_hook=hook)
    with pytest.raises(InjectedFault):
        crashing.run("scheduled", options)
    assert hook.fired
    failed = sorted(rows(warehouse, "intacct_runs"), key=lambda r: r["started_at"])[-1]
    assert failed["status"] == "failed" and "crash at" in failed["message"]
    make_engine(warehouse).run("scheduled", options)
    assert rows(warehouse, "intacct_pending_writes") == []


@pytest.fixture
def synced(make_engine):
    def prepare(warehouse):
        make_engine(warehouse).run("scheduled")
    return prepare


@pytest.mark.parametrize("point", WRITE_POINTS)
def test_vendor_create_survives_a_crash(any_warehouse, make_engine, emulator, synced, point):
    synced(any_warehouse)
    new_bc_vendor(any_warehouse, "bc-crash-v", "Crash Test Supplies")
    crash_then_rerun(make_engine, any_warehouse, CrashOnce(point, "vendors"), RunOptions(objects=("vendors",)))
    derived = derive_vendor_id("bc-crash-v")
    assert len(emulator.admin.find_records("DEMO", "VENDOR", NAME="Crash Test Supplies")) == 1
    assert one(any_warehouse, "bc_vendors", vendor_id="bc-crash-v")["intacct_vendor_id"] == derived
    assert not rows(any_warehouse, "bc_vendors", vendor_id="ia-" + derived)
    assert one(any_warehouse, "intacct_links", object="vendors", bc_key="bc-crash-v")["intacct_key"] == derived


@pytest.mark.parametrize("point", WRITE_POINTS)
def test_bill_create_survives_a_crash(any_warehouse, make_engine, emulator, synced, point):
    synced(any_warehouse)
    vendor, _ = linked_vendor(any_warehouse, emulator)
    new_bc_bill(any_warehouse, "B-crash", vendor["vendor_id"], [("6500", "10.00"), ("6500", "5.55")])
    crash_then_rerun(make_engine, any_warehouse, CrashOnce(point, "bills"), RunOptions(objects=("bills",)))
    created = emulator.admin.find_records("DEMO", "APBILL", RECORDID="BC-B-crash")
    assert len(created) == 1 and Decimal(created[0]["TRX_TOTALENTERED"]) == Decimal("15.55")
    bill = one(any_warehouse, "bc_bills", bill_id="B-crash")
    assert bill["intacct_record_no"] == int(created[0]["RECORDNO"])
    assert len(rows(any_warehouse, "bc_bills", company_id=COMPANY, intacct_record_no=bill["intacct_record_no"])) == 1


@pytest.mark.parametrize("point", WRITE_POINTS)
def test_vendor_update_survives_a_crash(warehouse, make_engine, emulator, synced, point):
    synced(warehouse)
    vendor, _ = linked_vendor(warehouse, emulator)
    bc_update(warehouse, "bc_vendors", {"vendor_id": vendor["vendor_id"]}, email="crash@ap.example.com")
    crash_then_rerun(make_engine, warehouse, CrashOnce(point, "vendors"), RunOptions(objects=("vendors",)))
    assert intacct_vendor(emulator, vendor["intacct_vendor_id"])["DISPLAYCONTACT.EMAIL1"] == "crash@ap.example.com"
    assert one(warehouse, "bc_vendors", vendor_id=vendor["vendor_id"])["email"] == "crash@ap.example.com"
    # and the sides now agree: a further run has nothing to do for it
    summary = make_engine(warehouse).run("scheduled", RunOptions(objects=("vendors",)))
    assert rows(warehouse, "intacct_record_outcomes", run_id=summary.run_id, bc_key=vendor["vendor_id"]) == []


@pytest.mark.parametrize("point", WRITE_POINTS)
def test_bill_update_survives_a_crash(warehouse, make_engine, emulator, synced, point):
    synced(warehouse)
    bill = sorted((b for b in rows(warehouse, "bc_bills", company_id=COMPANY, status="ready_to_pay")),
                  key=lambda b: b["bill_id"])[0]
    bc_update(warehouse, "bc_bills", {"bill_id": bill["bill_id"]}, description="edited before a crash")
    crash_then_rerun(make_engine, warehouse, CrashOnce(point, "bills"), RunOptions(objects=("bills",)))
    record = emulator.admin.get_record("DEMO", "APBILL", bill["intacct_record_no"])
    assert record["DESCRIPTION"] == "edited before a crash"
    assert one(warehouse, "bc_bills", bill_id=bill["bill_id"])["description"] == "edited before a crash"


@pytest.mark.parametrize("object_name", ["accounts", "vendors", "bills"])
@pytest.mark.parametrize("point", [fault_points.BEFORE_BC_COMMIT, fault_points.AFTER_BC_COMMIT])
def test_intacct_changes_survive_a_crash_while_writing_bc(any_warehouse, make_engine, emulator, synced, point,
                                                          object_name):
    synced(any_warehouse)
    vendor, record = linked_vendor(any_warehouse, emulator)
    bill = sorted((b for b in rows(any_warehouse, "bc_bills", company_id=COMPANY, status="ready_to_pay")),
                  key=lambda b: b["bill_id"])[0]
    emulator.admin.ui_update("DEMO", "VENDOR", record["RECORDNO"], {"DISPLAYCONTACT.PHONE1": "+1 555 404 0404"})
    emulator.admin.ui_update("DEMO", "APBILL", bill["intacct_record_no"], {"STATE": "Paid"})
    account = one(any_warehouse, "bc_accounts", company_id=COMPANY, account_no="1000")
    emulator.admin.ui_update("DEMO", "GLACCOUNT", account["intacct_record_no"], {"TITLE": "Cash - Renamed"})
    crash_then_rerun(make_engine, any_warehouse, CrashOnce(point, object_name), RunOptions())
    assert one(any_warehouse, "bc_accounts", company_id=COMPANY, account_no="1000")["title"] == "Cash - Renamed"
    assert one(any_warehouse, "bc_vendors", vendor_id=vendor["vendor_id"])["phone"] == "+1 555 404 0404"
    assert one(any_warehouse, "bc_bills", bill_id=bill["bill_id"])["status"] == "paid"
    for name in ("accounts", "vendors", "bills"):
        assert one(any_warehouse, "intacct_watermarks", object=name)["modified_at"] is not None


@pytest.mark.parametrize("object_name", ["vendors", "bills"])
def test_a_lost_response_after_a_committed_create_is_not_repeated(warehouse, make_engine, emulator, synced,
                                                                  object_name):
    synced(warehouse)
    vendor, _ = linked_vendor(warehouse, emulator)
    new_bc_vendor(warehouse, "bc-lost", "Lost Answer Trading")
    new_bc_bill(warehouse, "B-lost", vendor["vendor_id"], [("6500", "7.00")])
    lose_next = CrashOnce(fault_points.BEFORE_INTACCT_WRITE, object_name,
                          action=lambda: emulator.admin.set_faults(fail_next=["lost_response"]))
    first = make_engine(warehouse, fault_hook=lose_next).run("scheduled")
    assert lose_next.fired
    key = "bc-lost" if object_name == "vendors" else "B-lost"
    [confirmed] = rows(warehouse, "intacct_record_outcomes", run_id=first.run_id, bc_key=key)
    assert confirmed["action"] == "created" and "confirmed by a lookup after a lost answer" in confirmed["reason"]
    make_engine(warehouse).run("scheduled")
    assert len(emulator.admin.find_records("DEMO", "VENDOR", NAME="Lost Answer Trading")) == 1
    assert len(emulator.admin.find_records("DEMO", "APBILL", RECORDID="BC-B-lost")) == 1
    assert one(warehouse, "bc_vendors", vendor_id="bc-lost")["intacct_vendor_id"] == derive_vendor_id("bc-lost")
    assert one(warehouse, "bc_bills", bill_id="B-lost")["intacct_record_no"] is not None
    assert rows(warehouse, "intacct_pending_writes") == []
