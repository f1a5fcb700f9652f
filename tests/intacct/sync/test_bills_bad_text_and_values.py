"""Bad data on either side stays with its own bill: text XML cannot carry (BC), malformed rows (Intacct)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sync_testkit import COMPANY, ENTITY, bc_update, linked_vendor, new_bc_bill, one, outcomes, rows

from intacct.sync import RunOptions

pytestmark = pytest.mark.integration
BILLS = RunOptions(objects=("bills",))

BAD_TEXT = {
    "description": ("bc_bills", "description", "Description (description)"),
    "reference": ("bc_bills", "reference", "Reference (reference)"),
    "bill number": ("bc_bills", "bill_number", "Bill number (bill_number)"),
    "line memo": ("bc_bill_lines", "memo", "Line 1 memo"),
}


@pytest.mark.parametrize("character", ["\x01", "\x0b", "\ufffe"])
@pytest.mark.parametrize("where", list(BAD_TEXT))
def test_text_xml_cannot_carry_rejects_only_that_bill(any_warehouse, make_engine, emulator, where, character):
    engine = make_engine(any_warehouse)
    engine.run("scheduled")
    vendor, _ = linked_vendor(any_warehouse, emulator)
    new_bc_bill(any_warehouse, "B-text", vendor["vendor_id"], [("6500", "4.00")])
    new_bc_bill(any_warehouse, "B-fine", vendor["vendor_id"], [("6500", "5.00")])
    table, column, label = BAD_TEXT[where]
    where_row = {"bill_id": "B-text", **({"line_no": 1} if table == "bc_bill_lines" else {})}
    bc_update(any_warehouse, table, where_row, **{column: f"bad{character}text"})
    summary = engine.run("scheduled", BILLS)
    assert summary.status == "partial"
    [rejected] = outcomes(any_warehouse, summary.run_id, bc_key="B-text")
    assert rejected["action"] == "rejected" and label in rejected["reason"], rejected["reason"]
    assert f"U+{ord(character):04X}" in rejected["reason"]
    assert one(any_warehouse, "bc_bills", bill_id="B-text")["intacct_record_no"] is None
    assert outcomes(any_warehouse, summary.run_id, bc_key="B-fine")[0]["action"] == "created"


def test_a_nul_byte_in_an_edit_of_a_linked_bill_is_rejected_and_others_sync(warehouse, make_engine, emulator):
    engine = make_engine(warehouse)
    engine.run("scheduled")
    bills = sorted((b for b in rows(warehouse, "bc_bills", company_id=COMPANY, status="ready_to_pay")
                    if b["intacct_record_no"] is not None), key=lambda b: b["bill_id"])
    bad, good = bills[0], bills[1]
    bc_update(warehouse, "bc_bills", {"bill_id": bad["bill_id"]}, description="nul\x00here")
    bc_update(warehouse, "bc_bills", {"bill_id": good["bill_id"]}, description="plain edit")
    summary = engine.run("scheduled", BILLS)
    [rejected] = outcomes(warehouse, summary.run_id, bc_key=bad["bill_id"])
    assert rejected["action"] == "rejected" and "Description (description)" in rejected["reason"]
    assert "U+0000" in rejected["reason"]
    assert emulator.admin.get_record("DEMO", "APBILL", good["intacct_record_no"])["DESCRIPTION"] == "plain edit"
