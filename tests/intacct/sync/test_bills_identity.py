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
