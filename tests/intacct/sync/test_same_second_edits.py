"""newest_wins on bills and vendors, and same-second Intacct edits: whole seconds, a tie goes to Intacct."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sync_testkit import COMPANY, bc_update, freeze_emulator_clock, one, outcomes, rows

from intacct.sync import RunOptions

pytestmark = pytest.mark.integration
BILLS = RunOptions(objects=("bills",))


def _open_bill(warehouse):
    return sorted((b for b in rows(warehouse, "bc_bills", company_id=COMPANY, status="ready_to_pay")
                   if b["intacct_record_no"] is not None), key=lambda b: b["bill_id"])[0]


def _item(emulator, record_no) -> dict:
    return sorted(emulator.admin.find_records("DEMO", "APBILLITEM", RECORDKEY=str(record_no)),
                  key=lambda r: int(r["LINE_NO"]))[0]


@pytest.fixture
def frozen_second(emulator):
    second = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    freeze_emulator_clock(emulator, second)
    return second


@pytest.mark.parametrize("bc_offset, winner", [
    (timedelta(seconds=5), "bc"),                  # BC edited later
    (timedelta(seconds=-5), "intacct"),            # Intacct edited later
    (timedelta(microseconds=600_000), "intacct"),  # same second: a tie goes to Intacct, the system of record
])
def test_newest_wins_on_bills(warehouse, make_engine, emulator, frozen_second, bc_offset, winner):
    engine = make_engine(warehouse, policy="newest_wins")
    engine.run("scheduled")
    bill = _open_bill(warehouse)
    emulator.admin.ui_update("DEMO", "APBILL", bill["intacct_record_no"], {"DESCRIPTION": "from Intacct"})
    bc_update(warehouse, "bc_bills", {"bill_id": bill["bill_id"]}, description="from BC",
              updated_at=frozen_second + bc_offset)
    summary = engine.run("scheduled", BILLS)
    expected = "from BC" if winner == "bc" else "from Intacct"
    assert one(warehouse, "bc_bills", bill_id=bill["bill_id"])["description"] == expected
    assert emulator.admin.get_record("DEMO", "APBILL", bill["intacct_record_no"])["DESCRIPTION"] == expected
    [conflict] = [o for o in outcomes(warehouse, summary.run_id, bc_key=bill["bill_id"]) if o["action"] == "conflict"]
    assert conflict["details"]["winner"] == winner


@pytest.mark.parametrize("edit", ["line amount", "header"])
def test_an_intacct_edit_in_the_second_of_the_last_read_is_seen(any_warehouse, make_engine, emulator,
                                                               frozen_second, edit):
    engine = make_engine(any_warehouse)
    engine.run("scheduled")
    bill = _open_bill(any_warehouse)
    record_no = bill["intacct_record_no"]
    emulator.admin.ui_update("DEMO", "APBILL", record_no, {"DESCRIPTION": "touched"})
    engine.run("scheduled", BILLS)  # reads the bill modified in the frozen second
    before = emulator.admin.get_record("DEMO", "APBILL", record_no)["WHENMODIFIED"]
    if edit == "line amount":
        item = _item(emulator, record_no)
        lines = [dict(i) for i in sorted(emulator.admin.find_records("DEMO", "APBILLITEM", RECORDKEY=str(record_no)),
                                         key=lambda r: int(r["LINE_NO"]))]
        new_amount = Decimal(item["TRX_AMOUNT"]) + Decimal("10.01")
        emulator.admin.ui_update("DEMO", "APBILL", record_no, {"APBILLITEMS": {"APBILLITEM": [
            {k: line[k] for k in ("ACCOUNTNO", "TRX_AMOUNT", "LOCATIONID", "DEPARTMENTID", "ENTRYDESCRIPTION")
             if line.get(k)} | ({"TRX_AMOUNT": str(new_amount)} if n == 0 else {})
            for n, line in enumerate(lines)]}})
    else:
        emulator.admin.ui_update("DEMO", "APBILL", record_no, {"DESCRIPTION": "edited in the same second"})
    after = emulator.admin.get_record("DEMO", "APBILL", record_no)
    assert after["WHENMODIFIED"] == before  # the same whole second: the timestamp alone cannot tell
    engine.run("scheduled", BILLS)
    row = one(any_warehouse, "bc_bills", bill_id=bill["bill_id"])
    assert row["total_amount"] == Decimal(after["TRX_TOTALENTERED"])
    assert row["description"] == (after["DESCRIPTION"] or None)
    bc_lines = sorted(rows(any_warehouse, "bc_bill_lines", bill_id=bill["bill_id"]), key=lambda r: r["line_no"])
    assert bc_lines[0]["amount"] == Decimal(_item(emulator, record_no)["TRX_AMOUNT"])


def test_newest_wins_gives_a_same_second_vendor_race_to_intacct(warehouse, make_engine, emulator, frozen_second):
    from sync_testkit import linked_vendor

    engine = make_engine(warehouse, policy="newest_wins")
    engine.run("scheduled")
    vendor, record = linked_vendor(warehouse, emulator)
    emulator.admin.ui_update("DEMO", "VENDOR", record["RECORDNO"], {"DISPLAYCONTACT.PHONE1": "+1 555 010 0001"})
    bc_update(warehouse, "bc_vendors", {"vendor_id": vendor["vendor_id"]}, phone="+1 555 020 0002",
              updated_at=frozen_second + timedelta(microseconds=700_000))
    engine.run("scheduled", RunOptions(objects=("vendors",)))
    assert one(warehouse, "bc_vendors", vendor_id=vendor["vendor_id"])["phone"] == "+1 555 010 0001"
    after = emulator.admin.get_record("DEMO", "VENDOR", record["RECORDNO"])
    assert after["DISPLAYCONTACT.PHONE1"] == "+1 555 010 0001"
