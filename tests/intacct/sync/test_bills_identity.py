"""Which BC bill an Intacct bill belongs to: imports never take over BC's rows, recovery after a lost
answer links each bill to its own record, duplicate bill numbers are refused, updates are verified."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sync_testkit import COMPANY, ENTITY, linked_vendor, new_bc_bill, one, outcomes, rows

from intacct.sync import RunOptions

pytestmark = pytest.mark.integration
BILLS = RunOptions(objects=("bills",))


def _intacct_bill(emulator, vendor_id: str, number: str, amount: str) -> dict:
    return emulator.admin.ui_create("DEMO", "APBILL", {
        "VENDORID": vendor_id, "RECORDID": number, "WHENCREATED": "11/02/2026", "WHENDUE": "12/02/2026",
        "APBILLITEMS": {"APBILLITEM": [{"ACCOUNTNO": "6500", "TRX_AMOUNT": amount, "LOCATIONID": ENTITY}]}},
        entity=ENTITY)


def test_an_import_never_takes_over_a_bc_bill_whose_id_looks_like_an_import(any_warehouse, make_engine,
                                                                            emulator):
    engine = make_engine(any_warehouse)
    engine.run("scheduled")
    vendor, record = linked_vendor(any_warehouse, emulator)
    created = _intacct_bill(emulator, record["VENDORID"], "IA-777", "777.00")
    own_id = f"ia-{created['RECORDNO']}"
    new_bc_bill(any_warehouse, own_id, vendor["vendor_id"], [("6500", "12.34")], status="draft")
    summary = engine.run("scheduled", BILLS)
    own = one(any_warehouse, "bc_bills", bill_id=own_id)
    assert own["total_amount"] == Decimal("12.34") and own["intacct_record_no"] is None
    assert [line["amount"] for line in rows(any_warehouse, "bc_bill_lines", bill_id=own_id)] == [Decimal("12.34")]
    imported = one(any_warehouse, "bc_bills", intacct_record_no=int(created["RECORDNO"]))
    assert imported["bill_id"] != own_id and imported["total_amount"] == Decimal("777.00")
    [logged] = outcomes(any_warehouse, summary.run_id, intacct_key=str(created["RECORDNO"]))
    assert logged["action"] == "created" and logged["bc_key"] == imported["bill_id"] and own_id in logged["reason"]
    again = engine.run("scheduled", BILLS)  # stable: nothing moves on the next run
    assert outcomes(any_warehouse, again.run_id, bc_key=own_id) == []
    assert one(any_warehouse, "bc_bills", bill_id=own_id)["total_amount"] == Decimal("12.34")
    assert len(rows(any_warehouse, "bc_bills", company_id=COMPANY, intacct_record_no=int(created["RECORDNO"]))) == 1


def test_two_bc_bills_with_one_vendor_and_number_and_a_lost_answer(warehouse, make_engine, emulator):
    from sync_testkit import bc_update
    from test_sync_crash_safety import CrashOnce

    from intacct.sync import faults as fault_points

    make_engine(warehouse).run("scheduled")
    vendor, record = linked_vendor(warehouse, emulator)
    for bill_id in ("B-dup1", "B-dup2"):
        new_bc_bill(warehouse, bill_id, vendor["vendor_id"], [("6500", "5.00")], bill_number="INV-SAME")
    new_bc_bill(warehouse, "B-own", vendor["vendor_id"], [("6500", "6.00")], bill_number="INV-OWN")
    lose_next = CrashOnce(fault_points.BEFORE_INTACCT_WRITE, "bills",
                          action=lambda: emulator.admin.set_faults(fail_next=["lost_response"]))
    first = make_engine(warehouse, fault_hook=lose_next).run("scheduled", BILLS)
    assert lose_next.fired and first.status == "partial"
    for bill_id in ("B-dup1", "B-dup2"):
        [refused] = outcomes(warehouse, first.run_id, bc_key=bill_id)
        assert refused["action"] == "rejected" and "needs review" in refused["reason"]
    assert emulator.admin.find_records("DEMO", "APBILL", RECORDID="INV-SAME") == []
    [own] = emulator.admin.find_records("DEMO", "APBILL", RECORDID="INV-OWN")
    assert one(warehouse, "bc_bills", bill_id="B-own")["intacct_record_no"] == int(own["RECORDNO"])
    # the person fixes the number: both are created and linked, each to its own Intacct bill
    bc_update(warehouse, "bc_bills", {"bill_id": "B-dup2"}, bill_number="INV-SAME-2")
    second = make_engine(warehouse).run("scheduled", BILLS)
    assert second.status == "succeeded", second.message
    linked = {one(warehouse, "bc_bills", bill_id=b)["intacct_record_no"] for b in ("B-dup1", "B-dup2")}
    assert None not in linked and len(linked) == 2
    assert make_engine(warehouse).run("scheduled", BILLS).status == "succeeded"


def test_recovery_never_links_an_intacct_bill_that_another_bc_bill_holds(warehouse, make_engine, emulator):
    # A create is written, then the run dies before BC hears of it. Meanwhile Intacct gets a second bill with
    # the same vendor and number, already linked to another BC bill: recovery must pick the unclaimed one.
    from test_sync_crash_safety import CrashOnce

    from intacct.sync import InjectedFault
    from intacct.sync import faults as fault_points

    make_engine(warehouse).run("scheduled")
    vendor, record = linked_vendor(warehouse, emulator)
    new_bc_bill(warehouse, "B-lost", vendor["vendor_id"], [("6500", "5.00")], bill_number="INV-Y")
    crash = CrashOnce(fault_points.AFTER_INTACCT_WRITE, "bills")
    with pytest.raises(InjectedFault):
        make_engine(warehouse, fault_hook=crash).run("scheduled", BILLS)
    [ours] = emulator.admin.find_records("DEMO", "APBILL", RECORDID="INV-Y")
    other = _intacct_bill(emulator, record["VENDORID"], "INV-Y", "9.00")
    new_bc_bill(warehouse, "B-held", vendor["vendor_id"], [("6500", "9.00")], bill_number="INV-Y2",
                intacct_record_no=int(other["RECORDNO"]), status="draft")
    rerun = make_engine(warehouse).run("scheduled", BILLS)
    assert rerun.status != "failed", rerun.message
    assert one(warehouse, "bc_bills", bill_id="B-lost")["intacct_record_no"] == int(ours["RECORDNO"])
    assert one(warehouse, "bc_bills", bill_id="B-held")["intacct_record_no"] == int(other["RECORDNO"])
    assert rows(warehouse, "intacct_pending_writes") == []
    assert len(emulator.admin.find_records("DEMO", "APBILL", RECORDID="INV-Y")) == 2


def _open_bill(warehouse):
    return sorted((b for b in rows(warehouse, "bc_bills", company_id=COMPANY, status="ready_to_pay")
                   if b["intacct_record_no"] is not None), key=lambda b: b["bill_id"])[0]


def test_a_bc_edit_reapplied_after_intacct_reverted_it_reaches_intacct(warehouse, make_engine, emulator):
    from sync_testkit import bc_update

    engine = make_engine(warehouse)
    engine.run("scheduled")
    bill = _open_bill(warehouse)
    original = bill["description"]
    bc_update(warehouse, "bc_bills", {"bill_id": bill["bill_id"]}, description="from BC")     # b
    engine.run("scheduled", BILLS)
    emulator.admin.advance_clock(2)
    emulator.admin.ui_update("DEMO", "APBILL", bill["intacct_record_no"], {"DESCRIPTION": original})  # a
    engine.run("scheduled", BILLS)
    assert one(warehouse, "bc_bills", bill_id=bill["bill_id"])["description"] == original
    bc_update(warehouse, "bc_bills", {"bill_id": bill["bill_id"]}, description="from BC")     # b again
    summary = engine.run("scheduled", BILLS)
    [sent] = [o for o in outcomes(warehouse, summary.run_id, bc_key=bill["bill_id"]) if o["direction"] == "to_intacct"]
    assert sent["action"] == "updated"
    assert emulator.admin.get_record("DEMO", "APBILL", bill["intacct_record_no"])["DESCRIPTION"] == "from BC"
    engine.run("scheduled", BILLS)  # and the next run does not revert BC
    assert one(warehouse, "bc_bills", bill_id=bill["bill_id"])["description"] == "from BC"


def test_an_already_applied_answer_is_verified_by_reading_the_bill_back(warehouse, make_engine, emulator,
                                                                        monkeypatch):
    from sync_testkit import bc_update

    from intacct.client.writing import WriteOutcome

    engine = make_engine(warehouse)
    engine.run("scheduled")
    bill = _open_bill(warehouse)
    bc_update(warehouse, "bc_bills", {"bill_id": bill["bill_id"]}, description="never written")
    real_update = engine.client.update
    monkeypatch.setattr(engine.client, "update", lambda obj, requests: [
        WriteOutcome(r.key, True, int(r.fields["RECORDNO"]), None, already_applied=True) for r in requests])
    summary = engine.run("scheduled", BILLS)
    [refused] = outcomes(warehouse, summary.run_id, bc_key=bill["bill_id"], direction="to_intacct")
    assert refused["action"] == "rejected" and "already applied" in refused["reason"]
    monkeypatch.setattr(engine.client, "update", real_update)
    again = engine.run("scheduled", BILLS)
    [sent] = outcomes(warehouse, again.run_id, bc_key=bill["bill_id"], direction="to_intacct")
    assert sent["action"] == "updated"
    assert emulator.admin.get_record("DEMO", "APBILL", bill["intacct_record_no"])["DESCRIPTION"] == "never written"
